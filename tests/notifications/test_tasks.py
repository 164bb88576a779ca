"""The beat task and the on-commit task: declared in the schedule, routed to the notifications queue,
each calling its one service."""

from datetime import date

import pytest
import time_machine
from celery.schedules import crontab
from django.core import mail

from notifications import tasks
from notifications.enums import ReminderStatus
from notifications.models import Reminder
from opco.celery import app
from tests.notifications.factories import ReminderFactory


def test_the_beat_sends_due_reminders_every_quarter_of_an_hour_in_office_hours():
    entry = app.conf.beat_schedule["send-due-reminders"]
    assert entry["task"] == "notifications.tasks.send_due_reminders"
    assert entry["schedule"] == crontab(minute="*/15", hour="7-19")
    assert tasks.send_due_reminders.name == entry["task"]


@pytest.mark.parametrize("name", ["notifications.tasks.send_due_reminders", "notifications.tasks.send_reminder"])
def test_the_tasks_go_to_the_notifications_queue(name):
    assert app.amqp.router.route({}, name)["queue"].name == "notifications"


@pytest.mark.django_db
@time_machine.travel(date(2026, 3, 16), tick=False)
def test_the_beat_task_sends_what_is_due_and_reports_it():
    due = ReminderFactory(due_on=date(2026, 3, 16))
    ReminderFactory(due_on=date(2026, 3, 17))

    assert tasks.send_due_reminders.delay().get() == {"sent": 1, "failed": 0}

    assert len(mail.outbox) == 1 and mail.outbox[0].to == [due.recipient.email]
    assert Reminder.objects.get(pk=due.pk).status == ReminderStatus.SENT
    assert tasks.send_due_reminders.delay().get() == {"sent": 0, "failed": 0}


@pytest.mark.django_db
def test_the_one_reminder_task_sends_it_once():
    reminder = ReminderFactory()
    assert tasks.send_reminder.delay(reminder.pk).get() is True
    assert tasks.send_reminder.delay(reminder.pk).get() is False
    assert len(mail.outbox) == 1
