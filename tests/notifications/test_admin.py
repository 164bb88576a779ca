"""Raw data for administrators: reminders and notifications are read-only, an action cancels the
planned reminders through the service (audited)."""

import pytest
from django.urls import reverse

from notifications.enums import ReminderStatus
from notifications.models import Reminder
from opco.models import AuditEntry
from tests.notifications.factories import NotificationFactory, NotificationPreferenceFactory, ReminderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(make_user):
    return make_user(kind="staff", groups=["administrateur"], is_staff=True)


@pytest.mark.parametrize("model", ["reminder", "notification", "notificationpreference"])
def test_the_lists_open_to_administrators_only(administrator, make_user, client_for, model):
    ReminderFactory()
    NotificationFactory()
    NotificationPreferenceFactory()
    url = reverse(f"admin:notifications_{model}_changelist")
    assert client_for(administrator).get(url).status_code == 200
    assert client_for(make_user(kind="staff", groups=["gestionnaire"])).get(url).status_code in (302, 403)


def test_reminders_cannot_be_added_or_edited_by_hand(administrator, client_for):
    reminder = ReminderFactory()
    client = client_for(administrator)
    assert client.get(reverse("admin:notifications_reminder_add")).status_code == 403
    page = client.get(reverse("admin:notifications_reminder_change", args=[reminder.pk])).content.decode()
    assert 'name="subject"' not in page


def test_the_cancel_action_goes_through_the_service(administrator, client_for):
    planned, sent = ReminderFactory(), ReminderFactory(sent=True)
    response = client_for(administrator).post(
        reverse("admin:notifications_reminder_changelist"),
        {"action": "cancel_planned", "_selected_action": [planned.pk, sent.pk]},
        follow=True,
    )
    assert "1 relance(s) annulée(s)." in response.content.decode()
    assert dict(Reminder.objects.values_list("pk", "status")) == {
        planned.pk: ReminderStatus.CANCELLED,
        sent.pk: ReminderStatus.SENT,
    }
    entry = AuditEntry.objects.get(action="reminder_cancel")
    assert (entry.actor, entry.source) == (administrator, AuditEntry.Source.ADMIN)
