"""The simulation as a PDF (reportlab: pure Python, no system library)."""

from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contracts.financing.engine import Schedule

KIND_LABELS = {
    "advance": "Avance",
    "month7": "7e mois",
    "month10": "10e mois",
    "balance": "Solde",
    "regularisation": "Régularisation",
}


def euros(amount) -> str:
    text = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
    return f"{text} €"


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
            f"Régime {schedule.regime.value} — NPEC {euros(schedule.npec)} ({npec_origin}) — "
            f"montant annuel {euros(schedule.annual_amount)} — participation employeur {euros(schedule.employer_participation)}",
            styles["Normal"],
        ),
        Spacer(1, 0.4 * cm),
        Table(
            [["Année", "Du", "Au", "Jours", "Montant", "Frais annexes"]]
            + [
                [y.index, f"{y.start:%d/%m/%Y}", f"{y.end:%d/%m/%Y}", y.days, euros(y.amount), euros(y.frais_annexes)]
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
                    euros(line.gross),
                    euros(line.deduction),
                    euros(line.net),
                ]
                for line in schedule.instalments
            ]
            + [["Total", "", "", euros(schedule.total_gross), euros(schedule.total_deduction), euros(schedule.total_net)]],
            style=grid,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
