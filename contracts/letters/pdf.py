"""The letters as PDF (reportlab, as contracts.pdf's simulation and refusal)."""

from decimal import Decimal
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contracts.pdf import KIND_LABELS, pdf_euros

GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
        ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
    ]
)


def _letter(title: str, opco_name: str, today: str, contract, subject: str, body: list) -> bytes:
    buffer = BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, title=title)
    story = [
        Paragraph(opco_name, styles["Title"]),
        Paragraph(f"Le {today}", styles["Normal"]),
        Spacer(1, 0.5 * cm),
        Paragraph(
            f"À l'attention de {contract.employer_name or 'l’employeur'} (SIRET {contract.employer_siret})", styles["Normal"]
        ),
        Spacer(1, 0.5 * cm),
        Paragraph(f"Objet : {subject} — dossier {contract.file_number}", styles["Heading3"]),
        Paragraph(
            f"Salarié(e) : {contract.apprentice_first_name} {contract.apprentice_last_name} ; formation {contract.rncp} "
            f"({contract.training_title or 'intitulé non précisé'}) ; contrat du {contract.start_date:%d/%m/%Y} "
            f"au {contract.end_date:%d/%m/%Y}.",
            styles["Normal"],
        ),
        Spacer(1, 0.3 * cm),
    ]
    for item in body:
        story.append(Paragraph(item, styles["Normal"]) if isinstance(item, str) else item)
    doc.build(story)
    return buffer.getvalue()


def acceptance_letter_pdf(*, contract, opco_name: str, today: str) -> bytes:
    """Accord de prise en charge with the financing schedule (R6332-25: advance, 7th and 10th month,
    balance; D6325-2 for a professionalisation contract, deposited by this acceptance)."""
    commitment = contract.commitment
    lines = list(commitment.instalments.exclude(status="superseded").order_by("due_date", "year", "id"))
    rows = [["Année", "Échéance", "Date", "Montant net"]] + [
        [str(line.year), KIND_LABELS.get(line.kind, line.kind), line.due_date.strftime("%d/%m/%Y"), pdf_euros(line.net)]
        for line in lines
    ]
    total = sum((line.net for line in lines), start=Decimal(0))
    rows.append(["", "Total", "", pdf_euros(total)])
    article = "D6325-2" if commitment.regime == "PRO" else "L6332-14 et R6332-25"
    return _letter(
        f"Accord {contract.file_number}",
        opco_name,
        today,
        contract,
        "accord de prise en charge",
        [
            f"L'opérateur de compétences accepte la prise en charge de ce contrat (article {article} du Code du travail), "
            f"sur la base d'un niveau de prise en charge de {pdf_euros(commitment.npec)} par an "
            f"({commitment.npec_origin or commitment.npec_source}), soit {pdf_euros(commitment.annual_amount)} par an.",
            Spacer(1, 0.3 * cm),
            "Échéancier de financement, versé au CFA sur facture et, pour le solde, sur attestation de réalisation :",
            Spacer(1, 0.2 * cm),
            Table(rows, repeatRows=1, style=GRID),
        ],
    )


def incomplete_notice_pdf(*, contract, opco_name: str, today: str) -> bytes:
    return _letter(
        f"Pièces {contract.file_number}",
        opco_name,
        today,
        contract,
        "dossier incomplet, pièces demandées",
        [
            "Le dossier transmis est incomplet. Le délai de décision de vingt jours (article R6224-3 du Code du travail) "
            "ne court qu'à compter de la réception du dossier complet. Merci de transmettre :",
            *[f"• {line}" for line in contract.incomplete_message.splitlines() if line.strip()],
        ],
    )


def payment_advice_pdf(*, contract, opco_name: str, today: str, run_label: str, lines: list[tuple[str, str, object]]) -> bytes:
    """Avis de paiement au CFA: what the settled run paid for this contract."""
    rows = [["Référence", "Échéance", "Montant"]] + [
        [reference, label, pdf_euros(Decimal(amount))] for reference, label, amount in lines
    ]
    rows.append(["", "Total", pdf_euros(sum((Decimal(amount) for _, _, amount in lines), start=Decimal(0)))])
    return _letter(
        f"Avis de paiement {contract.file_number}",
        opco_name,
        today,
        contract,
        f"avis de paiement au CFA {contract.cfa_siret}",
        [
            f"Le lot de paiement {run_label} est réglé. Il a versé au CFA, pour ce contrat :",
            Spacer(1, 0.2 * cm),
            Table(rows, repeatRows=1, style=GRID),
        ],
    )
