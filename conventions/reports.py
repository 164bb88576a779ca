"""The funder's report (D5121-1 6°: monitoring during and at the end of the convention): the figures
of a period frozen when prepared, checked by a second person, then sent; XLSX and PDF built from the
frozen figures only, so the document sent is the document checked. Each step audited (its history)."""

import io
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from conventions.enums import ReportStatus
from conventions.indicators import achieved
from conventions.models import Convention, FunderReport, IndicatorTarget, ReportingDeadline
from conventions.services import can_manage, money_summary
from opco import audit
from opco.checks import fr_date

MONEY_LABELS = {
    "budget": "Budget de la convention",
    "committed": "Engagé",
    "consumed": "Consommé",
    "available": "Disponible",
    "due": "Versements attendus du financeur",
    "received": "Versements reçus du financeur",
    "to_return": "Fonds non consommés à reverser",
}


def report_figures(convention: Convention, start: date, end: date) -> dict:
    """JSON-safe figures of a period: the convention, its money, its indicators against targets."""
    values = achieved(convention, start, end)
    targets = {
        (row.indicator.code, row.year): row.target
        for row in IndicatorTarget.objects.filter(indicator__convention=convention).select_related("indicator")
    }
    indicators = []
    for indicator in convention.indicators.all():
        wanted = [value for (code, year), value in targets.items() if code == indicator.code and start.year <= year <= end.year]
        target = sum(wanted) if wanted else None
        indicators.append(
            {
                "label": indicator.get_code_display(),
                "target": str(target) if target is not None else "",
                "achieved": str(values[indicator.code]),
            }
        )
    return {
        "convention": {
            "number": convention.number,
            "title": convention.title,
            "kind": convention.get_kind_display(),
            "funder": convention.funder,
            "legal_basis": convention.legal_basis,
            "version": convention.version,
            "period": f"{fr_date(convention.starts_on)} – {fr_date(convention.ends_on)}",
        },
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "money": [[MONEY_LABELS[key], str(value)] for key, value in money_summary(convention).items()],
        "indicators": indicators,
    }


def report_prepare(
    *, actor, convention_id: int, deadline_id: int | None = None, start: date | None = None, end: date | None = None
):
    if not can_manage(actor):
        raise PermissionDenied("Seuls le service financier et les responsables préparent les bilans.")
    with transaction.atomic():
        convention = Convention.objects.select_for_update().get(pk=convention_id)
        deadline = None
        if deadline_id is not None:
            deadline = ReportingDeadline.objects.get(pk=deadline_id, convention=convention)
            if FunderReport.objects.filter(deadline=deadline).exists():
                raise ValidationError("Le bilan de cette échéance est déjà préparé.", code="deja_prepare")
            start, end = deadline.period_start, deadline.period_end
        if start is None or end is None or end < start:
            raise ValidationError("Indiquez une période valide.", code="periode_invalide")
        report = FunderReport.objects.create(
            convention=convention,
            deadline=deadline,
            period_start=start,
            period_end=end,
            figures=report_figures(convention, start, end),
            prepared_by=actor,
        )
        audit.record(actor=actor, action="conventions.report_prepared", target=report, summary=f"{report} préparé")
    return report


def report_check(*, actor, report_id: int) -> FunderReport:
    """The second level: somebody else than who prepared it."""
    if not can_manage(actor):
        raise PermissionDenied("Seuls le service financier et les responsables vérifient les bilans.")
    with transaction.atomic():
        report = FunderReport.objects.select_for_update().get(pk=report_id)
        if report.status != ReportStatus.PREPARED:
            raise ValidationError("Ce bilan n'attend pas de vérification.", code="etat")
        if report.prepared_by_id == actor.pk:
            raise ValidationError("Le bilan est vérifié par une autre personne que celle qui l'a préparé.", code="quatre_yeux")
        report.status, report.checked_by, report.checked_at = ReportStatus.CHECKED, actor, timezone.now()
        report.save(update_fields=["status", "checked_by", "checked_at"])
        audit.record(actor=actor, action="conventions.report_checked", target=report, summary=f"{report} vérifié")
    return report


def report_send(*, actor, report_id: int) -> FunderReport:
    if not can_manage(actor):
        raise PermissionDenied("Seuls le service financier et les responsables envoient les bilans.")
    with transaction.atomic():
        report = FunderReport.objects.select_for_update().get(pk=report_id)
        if report.status != ReportStatus.CHECKED:
            raise ValidationError("Seul un bilan vérifié est envoyé au financeur.", code="etat")
        report.status, report.sent_by, report.sent_at = ReportStatus.SENT, actor, timezone.now()
        report.save(update_fields=["status", "sent_by", "sent_at"])
        audit.record(actor=actor, action="conventions.report_sent", target=report, summary=f"{report} envoyé au financeur")
    return report


def _rows(figures: dict) -> list[list[str]]:
    head = figures["convention"]
    return [
        ["Convention", f"{head['number']} – {head['title']}"],
        ["Nature", head["kind"]],
        ["Financeur", head["funder"]],
        ["Base juridique", head["legal_basis"]],
        ["Version", str(head["version"])],
        ["Période de la convention", head["period"]],
        [
            "Période du bilan",
            " – ".join(fr_date(date.fromisoformat(figures["period"][end])) for end in ("start", "end")),
        ],
    ]


def report_xlsx(report: FunderReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Bilan"
    for row in _rows(report.figures):
        sheet.append(row)
    sheet.append([])
    sheet.append(["Moyens financiers", "Montant (€)"])
    for label, value in report.figures["money"]:
        sheet.append([label, float(value)])
    sheet.append([])
    sheet.append(["Indicateur", "Cible", "Réalisé"])
    for row in report.figures["indicators"]:
        sheet.append([row["label"], float(row["target"]) if row["target"] else None, float(row["achieved"])])
    sheet.column_dimensions["A"].width = 45
    sheet.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_pdf(report: FunderReport) -> bytes:
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(out, pagesize=A4, title=str(report))
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("FONTSIZE", (0, 0), (-1, -1), 9)])
    money = [["Moyens financiers", "Montant (€)"], *report.figures["money"]]
    indicators = [["Indicateur", "Cible", "Réalisé"]] + [
        [r["label"], r["target"], r["achieved"]] for r in report.figures["indicators"]
    ]
    story = [
        Paragraph(f"Bilan au financeur – {report.figures['convention']['number']}", styles["Title"]),
        Table(_rows(report.figures), style=grid),
        Spacer(1, 12),
        Table(money, style=grid),
        Spacer(1, 12),
        Table(indicators, style=grid),
        Spacer(1, 12),
        Paragraph(f"Statut : {report.get_status_display()}", styles["Normal"]),
    ]
    doc.build(story)
    return out.getvalue()
