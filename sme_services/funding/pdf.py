"""The accord de prise en charge as a PDF letter (reportlab): the amounts line by line, the rule-set
version applied (R6332-24: the decision says on what it rests) and the conditions of payment
(R6332-25 I, R6332-26)."""

from decimal import Decimal
from functools import partial
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from opco.checks import fr_date
from opco.money import euros

pdf_euros = partial(euros, thousands=" ")
LINE_LABELS = {"pedagogy": "Coûts pédagogiques", "afest": "AFEST", "pay": "Rémunération", "frais": "Frais annexes"}


def accord_pdf(*, request, opco_name: str) -> bytes:
    buffer = BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, title=f"Accord {request.file_number}")
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
        ]
    )
    result = request.result
    rows = [["Poste", "Demandé", "Plafond", "Accordé"]]
    for line in result.get("lines", []):
        rows.append(
            [
                LINE_LABELS.get(line["kind"], line["kind"]),
                pdf_euros(Decimal(line["asked"])),
                pdf_euros(Decimal(line["cap"])),
                pdf_euros(Decimal(line["funded"])),
            ]
        )
    rows.append(
        ["Réduction au titre du plafond annuel", "", "", "− " + pdf_euros(Decimal(result.get("annual_cap_reduction", "0")))]
    )
    rows.append(["Total accordé", "", "", pdf_euros(request.funded_total)])
    rule = request.rule_set
    story = [
        Paragraph(f"{opco_name} — Accord de prise en charge", styles["Title"]),
        Paragraph(
            f"Demande {request.file_number} reçue le {fr_date(request.received_on)}, décidée le {fr_date(request.decided_on)}.",
            styles["Normal"],
        ),
        Paragraph(f"Entreprise : {request.company.name} (SIRET {request.company.siret}).", styles["Normal"]),
        Paragraph(
            f"Formation : « {request.title} » ({request.get_dispositif_display()}, {request.get_modality_display()}), "
            f"du {fr_date(request.start)} au {fr_date(request.end)}, {request.trainees} stagiaire(s).",
            styles["Normal"],
        ),
        Spacer(1, 0.4 * cm),
        Table(rows, colWidths=[7 * cm, 3.3 * cm, 3.3 * cm, 3.3 * cm], style=grid),
        Spacer(1, 0.4 * cm),
        Paragraph(
            f"Règles appliquées : version {rule.reference if rule else '—'}"
            + (f", validées par {rule.validated_by} le {fr_date(rule.validated_on)}" if rule else "")
            + f". SMIC horaire retenu : {result.get('smic_hourly', '—')} €."
            + (
                " Thème hors plafond annuel."
                if request.hors_plafond
                else f" Imputé sur le plafond annuel : {pdf_euros(request.counted_against_cap)}."
            ),
            styles["Normal"],
        ),
        Spacer(1, 0.3 * cm),
        Paragraph(
            "Bénéficiaire du paiement : "
            + (
                f"l'organisme de formation {request.provider.display_name} (subrogation)."
                if request.subrogation and request.provider
                else "l'entreprise."
            ),
            styles["Normal"],
        ),
        Paragraph(f"Conditions de paiement : {request.conditions}", styles["Normal"]),
    ]
    doc.build(story)
    return buffer.getvalue()
