"""Celery tasks of notifications: they take ids and call one service (DESIGN.md)."""

from celery import shared_task

from notifications.services import reminder_send, reminders_send_due


@shared_task(acks_late=True)
def send_due_reminders() -> dict:
    """The beat task: every planned reminder due by today, each sent once even if two workers run it."""
    report = reminders_send_due()
    return {"sent": report.sent, "failed": report.failed}


@shared_task(acks_late=True)
def send_reminder(reminder_id: int) -> bool:
    """One reminder right after the transaction that scheduled it (reminder_schedule(send_now=True));
    a failure leaves it to the beat task."""
    return reminder_send(reminder_id=reminder_id)


@shared_task(acks_late=True)
def send_daily_reminders() -> int:
    """The daily round (07:00): deadline reminders of every file kind, the missions' own, then sending."""
    from django.utils import timezone

    from notifications.deadlines import reminders_daily

    return reminders_daily(today=timezone.localdate())
