"""Exactly once under concurrency, on PostgreSQL for real: two workers running the beat task at the
same moment send every due reminder once between them; a reminder one worker is sending is skipped
by the other (not waited for, not sent again), and sent again by nobody once it is done.

Each thread has its own database connection (Django's connections are per thread) and closes it when
it ends, so that the test database can be flushed and dropped."""

import threading
import time
from collections import Counter

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connections
from django.utils import timezone

from notifications.enums import ReminderStatus
from notifications.models import Notification, Reminder
from notifications.services import reminder_schedule, reminders_send_due
from opco.models import AuditEntry
from tests.accounts.factories import UserFactory
from tests.concurrency import run_together
from tests.conftest import need_postgres

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SLOW_BACKEND = f"{__name__}.SlowBackend"


class SlowBackend(EmailBackend):
    """The in-memory backend with the latency of a real SMTP server, so that two workers overlap; a
    test may hold it on an event to keep one worker in the middle of a send."""

    delay = 0.01
    hold: threading.Event | None = None
    holding = threading.Event()

    def send_messages(self, messages):
        if SlowBackend.hold is not None and any("RETENUE" in m.subject for m in messages):
            SlowBackend.holding.set()
            SlowBackend.hold.wait(timeout=30)
        time.sleep(self.delay)
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def postgres_and_a_slow_mail_server(settings):
    need_postgres()
    settings.EMAIL_BACKEND = SLOW_BACKEND
    SlowBackend.hold = None
    SlowBackend.holding.clear()
    yield
    SlowBackend.hold = None


def plan(count: int, *, subject: str = "Relance n° {n}") -> list[Reminder]:
    today = timezone.localdate()
    users = UserFactory.create_batch(count)
    return [
        reminder_schedule(target=user, kind="echeance", due_on=today, recipient=user, subject=subject.format(n=n), context={})
        for n, user in enumerate(users)
    ]


def test_two_workers_at_the_same_time_send_each_due_reminder_exactly_once():
    plan(80)

    results = run_together(reminders_send_due, reminders_send_due)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r.sent for r in results) == 80 and sum(r.failed for r in results) == 0
    # Both workers took part: the race was real, and still nothing went twice.
    assert all(r.sent > 0 for r in results), results
    assert Counter(message.subject for message in mail.outbox) == Counter(f"Relance n° {n}" for n in range(80))
    assert Notification.objects.count() == 80
    assert Notification.objects.values("user_id").distinct().count() == 80
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}
    assert AuditEntry.objects.filter(action="reminder_sent").count() == 80


def test_a_reminder_being_sent_is_skipped_by_the_other_worker_not_waited_for():
    (held,) = plan(1, subject="Relance RETENUE")
    others = plan(5)
    SlowBackend.hold = threading.Event()
    first_result: list = []

    first = threading.Thread(target=lambda: (first_result.append(reminders_send_due()), connections.close_all()))
    first.start()
    try:
        assert SlowBackend.holding.wait(timeout=30), "le premier envoi n'a pas commencé"
        # The first worker holds the lock on `held` in the middle of its send: the second one skips it at
        # once and sends the others.
        started = time.monotonic()
        (second,) = run_together(reminders_send_due)
        elapsed = time.monotonic() - started
    finally:
        SlowBackend.hold.set()
        first.join(60)

    assert not first.is_alive()
    assert second.sent == 5 and elapsed < 10, (second, elapsed)
    assert first_result[0].sent == 1
    assert [m.subject for m in mail.outbox].count("Relance RETENUE") == 1
    assert len(mail.outbox) == 6
    assert Reminder.objects.get(pk=held.pk).status == ReminderStatus.SENT
    assert Reminder.objects.filter(pk__in=[r.pk for r in others], status=ReminderStatus.SENT).count() == 5
    # A later round finds nothing left.
    assert reminders_send_due().sent == 0


def test_two_simultaneous_schedules_of_the_same_reminder_make_one_row():
    target, recipient = UserFactory(), UserFactory()
    today = timezone.localdate()

    def schedule(n):
        return lambda: reminder_schedule(
            target=target, kind="echeance", due_on=today, recipient=recipient, subject=f"Version {n}", context={"n": n}
        )

    results = run_together(*(schedule(n) for n in range(4)))

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len({r.pk for r in results}) == 1
    assert Reminder.objects.count() == 1
    assert Reminder.objects.get().subject in {f"Version {n}" for n in range(4)}
