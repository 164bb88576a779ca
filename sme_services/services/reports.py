"""The advisors' weekly digest and each team's quarterly XLSX report (built by Celery, readers notified)."""

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.enums import UserKind
from accounts.models import User
from notifications.services import email_send, notification_notify
from opco import audit
from sme_services.enums import NeedStatus, ReportStatus
from sme_services.kpis import LABELS, Scope, compute
from sme_services.models import AdvisorTeam, Interaction, Need, QuarterlyReport


def weekly_digest(advisor, *, today: date) -> dict:
    """What an advisor reads on Monday morning: needs to take, overdue (9 days and more), in progress,
    next steps of the coming week."""
    mine = Need.objects.filter(assigned_to=advisor)
    pending = mine.filter(status=NeedStatus.PENDING).select_related("company").order_by("received_on", "id")
    return {
        "pending": list(pending[:20]),
        "pending_count": pending.count(),
        "overdue_count": pending.filter(received_on__lte=today - timedelta(days=9)).count(),
        "taken_count": mine.filter(status=NeedStatus.TAKEN).count(),
        "next_steps": list(
            Interaction.objects.filter(advisor=advisor, next_step_on__range=(today, today + timedelta(days=7)))
            .select_related("company")
            .order_by("next_step_on", "id")[:20]
        ),
    }


def weekly_digests_send(*, today: date) -> int:
    """One e-mail per active advisor with something in it; the number sent."""
    sent = 0
    for advisor in User.objects.filter(kind=UserKind.ADVISOR, is_active=True).order_by("pk"):
        digest = weekly_digest(advisor, today=today)
        if not (digest["pending_count"] or digest["taken_count"] or digest["next_steps"]):
            continue
        email_send(
            to=advisor.email,
            template="sme_services/email/weekly_digest",
            context={**digest, "advisor": advisor, "today": today, "inbox_path": reverse("sme_services:inbox")},
        )
        sent += 1
    return sent


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(today: date) -> tuple[int, int]:
    year, quarter = quarter_of(today)
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def quarterly_report_request(*, team: AdvisorTeam, year: int, quarter: int, actor=None) -> QuarterlyReport:
    """Queue a team's report (once per team and quarter; asking again rebuilds it)."""
    from sme_services.tasks import build_quarterly_report

    with transaction.atomic():
        report, _ = QuarterlyReport.objects.get_or_create(team=team, year=year, quarter=quarter, defaults={"requested_by": actor})
        QuarterlyReport.objects.filter(pk=report.pk).update(status=ReportStatus.QUEUED, error="")
        audit.record(actor=actor, action="sme_report_request", target=report, summary=f"Rapport demandé : {report}")
        transaction.on_commit(lambda: build_quarterly_report.delay(report.pk))
    return report


def quarterly_report_build(*, report_id: int) -> QuarterlyReport:
    """Build the XLSX (one sheet for the team, one per advisor) and notify its readers: the team's manager
    and members. Claimed by compare-and-swap so a redelivered message builds it once."""
    from sme_services.views.dashboard import xlsx_bytes

    report = QuarterlyReport.objects.select_related("team__manager").get(pk=report_id)
    today = min(date(report.year, 3 * report.quarter, 1) + timedelta(days=31), timezone.localdate())
    today = today.replace(day=1) - timedelta(days=1)  # the quarter's last day
    sheets = {
        "Équipe": [
            ("Indicateur", "Valeur"),
            *[(LABELS[k], v) for k, v in compute(Scope(team=report.team), year=report.year, today=today).items()],
        ]
    }
    members = list(report.team.members.order_by("last_name", "pk"))
    for member in members:
        figures = compute(Scope(advisor=member), year=report.year, today=today)
        sheets[str(member)[:31]] = [("Indicateur", "Valeur"), *[(LABELS[k], v) for k, v in figures.items()]]
    claimed = QuarterlyReport.objects.filter(pk=report.pk, status=ReportStatus.QUEUED).update(
        status=ReportStatus.DONE, content=xlsx_bytes(sheets), built_at=timezone.now()
    )
    report.refresh_from_db()
    if claimed:
        notification_notify(
            users=[report.team.manager, *members],
            title=f"Rapport trimestriel prêt : {report}",
            link=reverse("sme_services:report", args=[report.pk]),
            kind="sme_report_ready",
        )
        audit.record(actor=None, action="sme_report_built", target=report, summary=f"Rapport produit : {report}", source="task")
    return report


def quarterly_reports_request_all(*, today: date) -> int:
    year, quarter = previous_quarter(today)
    teams = list(AdvisorTeam.objects.all())
    for team in teams:
        quarterly_report_request(team=team, year=year, quarter=quarter)
    return len(teams)
