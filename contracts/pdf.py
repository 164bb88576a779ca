"""The simulation as a PDF (reportlab: pure Python, no system library)."""

from functools import partial
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contracts.financing.engine import Schedule
from opco.money import euros

# The PDF font has no narrow no-break space: plain spaces between thousands.
pdf_euros = partial(euros, thousands=" ")

KIND_LABELS = {
    "advance": "Avance",
    "month7": "7e mois",
    "month10": "10e mois",
    "balance": "Solde",
    "regularisation": "Régularisation",
    "regul_employeur": "Régularisation d'une aide (employeur)",
    "tutorat": "Aide au tutorat (employeur)",
    "formation_tuteur": "Formation du tuteur (employeur)",
    "aide_maitre": "Aide au maître d'apprentissage (employeur)",
}


def simulation_pdf(
    *, schedule: Schedule, npec_origin: str, opco_name: str, generated_on: str, inputs: list[tuple[str, str]]
) -> bytes:
    buffer = BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, title="Simulation de prise en charge")
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
            ("ALIGN", (-3, 1), (-1, -1), "RIGHT"),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
        ]
    )
    story = [
        Paragraph(f"{opco_name} — Simulation de prise en charge d'un contrat d'apprentissage", styles["Title"]),
        Paragraph(
            f"Éditée le {generated_on}. Simulation indicative : la prise en charge est décidée à l'instruction du contrat.",
            styles["Normal"],
        ),
        Spacer(1, 0.4 * cm),
        Table([["Donnée", "Valeur"], *inputs], colWidths=[7 * cm, 10 * cm], style=grid),
        Spacer(1, 0.4 * cm),
        Paragraph(
            f"Régime {schedule.regime.value} — NPEC {pdf_euros(schedule.npec)} ({npec_origin}) — "
            f"montant annuel {pdf_euros(schedule.annual_amount)} — participation "
            f"employeur {pdf_euros(schedule.employer_participation)}",
            styles["Normal"],
        ),
        Spacer(1, 0.4 * cm),
        Table(
            [["Année", "Du", "Au", "Jours", "Montant", "Frais annexes"]]
            + [
                [
                    y.index,
                    f"{y.start:%d/%m/%Y}",
                    f"{y.end:%d/%m/%Y}",
                    y.days,
                    pdf_euros(y.amount),
                    pdf_euros(y.frais_annexes),
                ]
                for y in schedule.years
            ],
            style=grid,
        ),
        Spacer(1, 0.4 * cm),
        Table(
            [["Année", "Échéance", "Date", "Brut", "Déduction", "Net"]]
            + [
                [
                    line.year,
                    KIND_LABELS[line.kind.value],
                    f"{line.due_date:%d/%m/%Y}",
                    pdf_euros(line.gross),
                    pdf_euros(line.deduction),
                    pdf_euros(line.net),
                ]
                for line in schedule.instalments
            ]
            + [
                [
                    "Total",
                    "",
                    "",
                    pdf_euros(schedule.total_gross),
                    pdf_euros(schedule.total_deduction),
                    pdf_euros(schedule.total_net),
                ]
            ],
            style=grid,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()


def refusal_letter_pdf(*, contract, opco_name: str, checks: list[dict], today: str) -> bytes:
    """The reasoned decision of refusal (D6224-2: refuse with reasons and notify the parties)."""
    buffer = BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, title=f"Refus {contract.file_number}")
    reasons = [c for c in checks if c.get("status") == "error" and c.get("code") in set(contract.refusal_codes)]
    story = [
        Paragraph(opco_name, styles["Title"]),
        Paragraph(f"Le {today}", styles["Normal"]),
        Spacer(1, 0.5 * cm),
        Paragraph(f"À l'attention de {contract.employer_name} (SIRET {contract.employer_siret})", styles["Normal"]),
        Spacer(1, 0.5 * cm),
        Paragraph(
            f"Objet : refus de prise en charge du contrat d'apprentissage — dossier {contract.file_number}", styles["Heading3"]
        ),
        Paragraph(
            f"Apprenti : {contract.apprentice_first_name} {contract.apprentice_last_name} ; formation {contract.rncp} "
            f"({contract.training_title or 'intitulé non précisé'}) ; "
            f"contrat du {contract.start_date:%d/%m/%Y} au {contract.end_date:%d/%m/%Y}.",
            styles["Normal"],
        ),
        Spacer(1, 0.3 * cm),
        Paragraph(
            "Après instruction, l'opérateur de compétences refuse la prise en charge de ce contrat et ne procède pas à son dépôt "
            "(article D6224-2 du Code du travail), pour les motifs suivants :"
            if not contract.implicit_refusal
            else "Faute de décision dans les vingt jours suivant la réception du dossier complet, la prise en charge est réputée "
            "refusée (article R6224-3 du Code du travail).",
            styles["Normal"],
        ),
    ]
    for check in reasons:
        story.append(Paragraph(f"• {check['code']} : {check['message']}", styles["Normal"]))
    if contract.refusal_text:
        story.append(Paragraph(f"• {contract.refusal_text}", styles["Normal"]))
    story += [
        Spacer(1, 0.5 * cm),
        Paragraph("Un nouveau contrat ou un contrat corrigé peut être transmis à l'OPCO.", styles["Normal"]),
    ]
    doc.build(story)
    return buffer.getvalue()
