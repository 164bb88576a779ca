"""The branch's figures as a PDF (reportlab): the same masked aggregates as the page, nothing personal."""

from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def figures_pdf(*, branch, sections: list[dict], header: list[str], masked: bool, period: str) -> bytes:
    buffer = BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=1.5 * cm, rightMargin=1.5 * cm, title=f"Chiffres {branch.name}"
    )
    story = [Paragraph(f"Chiffres de la branche {branch.name}", styles["Title"]), Paragraph(period, styles["Normal"])]
    if masked:
        story.append(Paragraph("Chiffres agrégés ; « < 5 » : moins de 5 apprentis (secret statistique).", styles["Italic"]))
    for section in sections:
        story += [Spacer(1, 0.4 * cm), Paragraph(f"Par {section['label'].lower()}", styles["Heading3"])]
        rows = [[section["label"], *header[1:]], *section["rows"], section["total"]]
        table = Table([["—" if v is None else str(v) for v in row] for row in rows], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 7),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dbe4f0")),
                    ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                    ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ]
            )
        )
        story.append(table)
    doc.build(story)
    return buffer.getvalue()
