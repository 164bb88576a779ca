"""Reminders of decision deadlines, for every file kind the workflow engine knows (opco.workflow).

One code for contracts, périodes de reconversion and whatever kind registers a workflow tomorrow: a
file waiting for a decision whose deadline falls within DEADLINE_NEAR_DAYS gets one reminder to its
gestionnaire (a row per file, kind and deadline: `reminder_schedule` is idempotent, so the daily job
may run any number of times), and a file that leaves the statuses awaiting a decision has its planned
reminders cancelled on the spot (a listener of the engine's transitions).
"""

from datetime import date, timedelta

from notifications.enums import Level
from notifications.kinds import register_kind
from notifications.panel import PanelItem, register_panel_source
from notifications.services import reminder_schedule, reminders_cancel
from opco import workflow

DEADLINE_NEAR = "deadline_near"
DEADLINE_NEAR_DAYS = workflow.DUE_SOON_DAYS


def register() -> None:
    register_kind(DEADLINE_NEAR, "Dossiers dont l'échéance de décision approche")
    workflow.on_transition(_cancel_when_no_longer_waiting)
    register_panel_source(deadlines_panel)


def deadlines_panel(user):
    """On the home page of a staff member: their files overdue or due within DEADLINE_NEAR_DAYS."""
    from django.urls import reverse
    from django.utils import timezone

    from accounts import roles

    if not roles.STAFF(user):
        return
    rows = workflow.files_due(today=timezone.localdate(), within_days=DEADLINE_NEAR_DAYS, assigned_to=user)
    overdue = sum(1 for row in rows if row.overdue)
    link = reverse("deadlines")
    yield PanelItem(overdue, "un dossier en retard de décision", "{count} dossiers en retard de décision", link, Level.DANGER)
    yield PanelItem(
        len(rows) - overdue,
        f"un dossier arrive à échéance dans les {DEADLINE_NEAR_DAYS} jours",
        "{count} dossiers arrivent à échéance dans les " + str(DEADLINE_NEAR_DAYS) + " jours",
        link,
        Level.WARNING,
    )


def _cancel_when_no_longer_waiting(flow: workflow.Workflow, file, action: workflow.Action, before: str) -> None:
    if file.status not in flow.awaiting_decision:
        reminders_cancel(target=file, kind=DEADLINE_NEAR)


def deadline_reminders_schedule(*, today: date) -> int:
    """Plan the reminders of every file whose decision is due within DEADLINE_NEAR_DAYS; the number of
    files that got one for the first time."""
    planned = 0
    for flow in workflow.registered():
        if not flow.awaiting_decision:
            continue
        files = flow.model.objects.filter(
            status__in=flow.awaiting_decision,
            decision_due_on__range=(today, today + timedelta(days=DEADLINE_NEAR_DAYS)),
            assigned_to__isnull=False,
        ).select_related("assigned_to")
        for file in files:
            due = file.decision_due_on
            deadline = flow.deadline(file) if flow.deadline else None
            basis = f" ({deadline.legal_basis})" if deadline else ""
            reminder = reminder_schedule(
                target=file,
                kind=DEADLINE_NEAR,
                due_on=max(today, due - timedelta(days=DEADLINE_NEAR_DAYS)),
                recipient=file.assigned_to,
                subject=f"Décision à prendre avant le {due:%d/%m/%Y} — {file.file_number}",
                context={"message": f"Le dossier {file.file_number} doit être décidé au plus tard le {due:%d/%m/%Y}{basis}."},
                link=flow.detail_url(file) if flow.detail_url else "",
            )
            planned += reminder.status == "planned"
    return planned


# Missions add the reminders of their own (a contract ending soon, a file left incomplete…): a function
# of the day that schedules them with reminder_schedule, registered in their AppConfig.ready().
_PRODUCERS: list = []


def register_producer(producer) -> None:
    if producer not in _PRODUCERS:
        _PRODUCERS.append(producer)


def reminders_daily(*, today: date) -> int:
    """The daily round (beat, 07:00): plan the deadline reminders of every file kind and the missions'
    own, then send what is due; the number of reminders sent."""
    from notifications.services import reminders_send_due

    deadline_reminders_schedule(today=today)
    for producer in _PRODUCERS:
        producer(today=today)
    return reminders_send_due(today=today).sent
