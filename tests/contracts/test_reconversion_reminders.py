"""A période de reconversion gets its decision-deadline reminder from the same daily round as contracts
(notifications.deadlines walking the registered workflows), once, and a decision cancels it."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail

from contracts.models import ApprenticeshipContract, ReconversionPeriod
from contracts.reconversion.services import RECONVERSIONS, decision_deadline
from notifications.enums import ReminderStatus
from notifications.models import Reminder
from notifications.tasks import send_daily_reminders
from tests.contracts.factories import stored_period

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 10)


def period(*, complete_on: date, assigned_to) -> ReconversionPeriod:
    return stored_period("RC-2026-000001", due=decision_deadline(complete_on), status="instruction", assigned_to=assigned_to)


def test_a_period_near_its_deadline_is_reminded_once_to_its_gestionnaire_like_a_contract(make_user):
    staff = make_user(kind="staff", groups=["gestionnaire"])
    waiting = period(complete_on=TODAY - timedelta(days=17), assigned_to=staff)  # due on 13 March (R6324-2)
    assert waiting.decision_due_on == date(2026, 3, 13)
    with time_machine.travel(TODAY, tick=False):
        assert send_daily_reminders() == 1
        assert send_daily_reminders() == 0
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.target_id, reminder.status) == ("deadline_near", str(waiting.pk), ReminderStatus.SENT)
    assert mail.outbox[-1].to == [staff.email] and "RC-2026-000001" in mail.outbox[-1].subject
    assert "13/03/2026 (R6324-2)" in mail.outbox[-1].body
    assert not ApprenticeshipContract.objects.exists()


def test_a_decision_cancels_the_planned_reminder(make_user):
    staff = make_user(kind="staff", groups=["gestionnaire"])
    waiting = period(complete_on=TODAY - timedelta(days=16), assigned_to=staff)  # due on 14 March: reminder from the 9th
    from notifications.deadlines import deadline_reminders_schedule

    deadline_reminders_schedule(today=TODAY - timedelta(days=1))  # planned on the 9th, not sent yet
    assert Reminder.objects.get().status == ReminderStatus.PLANNED
    RECONVERSIONS.transition(actor=staff, pk=waiting.pk, code="refuse", refusal_text="Hors délai de dépôt (R6324-1).")
    assert Reminder.objects.get().status == ReminderStatus.CANCELLED
