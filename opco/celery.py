"""The Celery application: reliable delivery first (acks late, one message at a time)."""

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opco.settings")

app = Celery("opco")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Queues are named by kind of work, so that production can give each its own workers.
QUEUES = ("default", "referentials", "contracts", "payments", "notifications", "maintenance")

app.conf.update(
    task_acks_late=True,  # a message is acknowledged after its task ran, not before
    task_reject_on_worker_lost=True,  # a killed worker gives its message back to the queue
    worker_prefetch_multiplier=1,
    task_time_limit=60 * 60,
    task_soft_time_limit=55 * 60,
    task_default_queue="default",
    task_queues=[Queue(name) for name in QUEUES],
    task_routes={
        "referentials.tasks.*": {"queue": "referentials"},
        "notifications.tasks.*": {"queue": "notifications"},
        "contracts.tasks.*": {"queue": "contracts"},
        "payments.tasks.*": {"queue": "payments"},
        "accounts.tasks.*": {"queue": "maintenance"},
        "opco.tasks.*": {"queue": "maintenance"},
    },
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=60 * 60 * 24,
    timezone="Europe/Paris",
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    beat_schedule={
        "clear-expired-sessions": {
            "task": "accounts.tasks.clear_expired_sessions",
            "schedule": crontab(hour=3, minute=0),
        },
        # R6224-3: silence after 20 days is a refusal; recorded early each morning, exactly once.
        "record-implicit-refusals": {
            "task": "contracts.tasks.record_implicit_refusals",
            "schedule": crontab(hour=0, minute=30),
        },
        # D6325-2: for a professionalisation contract the same silence is an acceptance (and a deposit).
        # Before the release at 01:00, so that its first lines are handed over the same night.
        "record-implicit-acceptances": {
            "task": "contracts.tasks.record_implicit_acceptances",
            "schedule": crontab(hour=0, minute=40),
        },
        # Every planned reminder due by today, sent once (notifications); during office hours only.
        "send-due-reminders": {
            "task": "notifications.tasks.send_due_reminders",
            "schedule": crontab(minute="*/15", hour="7-19"),
        },
        # The daily round: decision deadlines of every file kind, the missions' own reminders, then sending.
        "daily-reminders": {
            "task": "notifications.tasks.send_daily_reminders",
            "schedule": crontab(hour=7, minute=0),
        },
        # R6332-25: hand over the instalments that became payable, and close the last balances whose
        # documents did not arrive within 4 months of the contract's end (III 4°: « le solde n'est pas dû »).
        "release-payable-instalments": {
            "task": "contracts.tasks.release_payable_instalments",
            "schedule": crontab(hour=1, minute=0),
        },
        # A payment run stuck « en exécution » (its worker and its message lost) is queued again, and the
        # temporary SEPA files of killed executions removed (payments.runs.payment_runs_sweep).
        "sweep-payment-runs": {
            "task": "payments.tasks.sweep_payment_runs",
            "schedule": crontab(minute="*/15"),
        },
        # A bulk import whose worker and message were both lost is marked failed, never « en cours » forever.
        "fail-stale-contract-imports": {
            "task": "contracts.tasks.fail_stale_contract_imports",
            "schedule": crontab(minute="*/15"),
        },
        # R6332-23: the transparency page rebuilt each night too, so never more than 15 days behind.
        "publish-transparency": {
            "task": "conventions.tasks.publish_transparency",
            "schedule": crontab(hour=2, minute=30),
        },
        "purge-expired-login-failures": {
            "task": "accounts.tasks.purge_expired_login_failures",
            "schedule": crontab(minute=7),
        },
        # Proximity service: each advisor's weekly digest (Monday 07:30), each team's quarterly report (the 1st
        # of January, April, July and October, for the quarter just ended).
        "sme-weekly-digest": {
            "task": "sme_services.tasks.send_weekly_digests",
            "schedule": crontab(day_of_week=1, hour=7, minute=30),
        },
        "sme-quarterly-reports": {
            "task": "sme_services.tasks.build_quarterly_reports",
            "schedule": crontab(day_of_month=1, month_of_year="1,4,7,10", hour=5, minute=0),
        },
    },
)
app.autodiscover_tasks()
