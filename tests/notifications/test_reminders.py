"""Reminders: scheduled once per (target, kind, due date), cancelled when the file is decided, sent
once by the beat task through the channels the recipient wants, retried after a failed send."""

import smtplib
from datetime import date, datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from notifications import services
from notifications.enums import ReminderStatus
from notifications.kinds import register_kind, unregister_kind
from notifications.models import Notification, Reminder
from notifications.services import reminder_schedule, reminders_cancel, reminders_send_due
from opco.audit import history_of
from opco.models import AuditEntry
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationPreferenceFactory, ReminderFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 16)


@pytest.fixture(autouse=True)
def opco_name(settings):
    settings.OPCO_NAME = "OPCO entreprises de proximité"


@pytest.fixture
def target():
    """Any saved object stands for a file: a user account here (notifications knows no mission)."""
    return UserFactory(email="dossier@opco.test")


@pytest.fixture
def camille():
    return UserFactory(email="camille@opco.test", first_name="Camille", last_name="Martin")


def schedule(target, **overrides):
    values = {
        "target": target,
        "kind": "echeance",
        "due_on": TODAY,
        "subject": "Dossier AP-1 : décision à prendre avant le 20/03/2026",
        "context": {"message": "Le délai de 20 jours (R6224-3) arrive à son terme."},
        "link": "/contrats/1/",
    }
    return reminder_schedule(**{**values, **overrides})


# --- Scheduling ---------------------------------------------------------------------------------------
def test_scheduling_creates_one_planned_reminder_and_audits_it(target, camille):
    actor = UserFactory(email="gestionnaire@opco.test")
    reminder = schedule(target, recipient=camille, actor=actor)

    reminder.refresh_from_db()
    assert reminder.target == target
    assert (reminder.kind, reminder.due_on, reminder.recipient, reminder.email) == ("echeance", TODAY, camille, "")
    assert (reminder.status, reminder.sent_at, reminder.attempts, reminder.template) == (
        ReminderStatus.PLANNED,
        None,
        0,
        "reminder",
    )
    entry = history_of(target).get()
    assert (entry.actor, entry.action, entry.source) == (actor, "reminder_schedule", AuditEntry.Source.WEB)
    assert entry.summary == "Relance « echeance » prévue le 16/03/2026 pour camille@opco.test"
    assert entry.changes["recipient"] == [None, camille.pk]
    assert entry.changes["subject"] == [None, "Dossier AP-1 : décision à prendre avant le 20/03/2026"]


def test_scheduling_again_returns_the_same_row_with_its_content_updated(target, camille):
    first = schedule(target, recipient=camille)
    again = schedule(target, recipient=camille, context={"message": "Plus que 4 jours."}, subject="Dossier AP-1 : 4 jours")

    assert again.pk == first.pk
    assert Reminder.objects.count() == 1
    again.refresh_from_db()
    assert again.context == {"message": "Plus que 4 jours."}
    assert again.subject == "Dossier AP-1 : 4 jours"
    entries = history_of(target)
    assert entries.count() == 2
    assert entries.first().changes == {
        "context": [{"message": "Le délai de 20 jours (R6224-3) arrive à son terme."}, {"message": "Plus que 4 jours."}],
        "subject": ["Dossier AP-1 : décision à prendre avant le 20/03/2026", "Dossier AP-1 : 4 jours"],
    }


def test_scheduling_the_same_content_again_changes_nothing_and_writes_no_audit_entry(target, camille):
    schedule(target, recipient=camille, context={"on": date(2026, 3, 20)})
    schedule(target, recipient=camille, context={"on": date(2026, 3, 20)})
    assert Reminder.objects.count() == 1
    assert history_of(target).count() == 1
    # Dates of the context are kept as ISO strings (JSON), the same in memory and in the database.
    assert Reminder.objects.get().context == {"on": "2026-03-20"}


@pytest.mark.parametrize("state", ["sent", "cancelled", "failed"])
def test_a_reminder_no_longer_planned_is_returned_unchanged(target, camille, state):
    existing = ReminderFactory(target=target, kind="echeance", due_on=TODAY, recipient=camille, **{state: True})
    before = Reminder.objects.values().get(pk=existing.pk)

    again = schedule(target, recipient=camille, context={"message": "autre"})

    assert again.pk == existing.pk
    assert Reminder.objects.values().get(pk=existing.pk) == before
    assert history_of(target).count() == 0


def test_another_kind_or_due_date_is_another_reminder(target, camille):
    schedule(target, recipient=camille)
    schedule(target, recipient=camille, kind="piece_manquante")
    schedule(target, recipient=camille, due_on=date(2026, 3, 19))
    schedule(UserFactory(), recipient=camille)
    assert Reminder.objects.count() == 4


def test_the_database_carries_once_for_a_target_kind_and_due_date(target, camille):
    ReminderFactory(target=target, kind="echeance", due_on=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            target_type=ContentType.objects.get_for_model(target),
            target_id=str(target.pk),
            kind="echeance",
            due_on=TODAY,
            recipient=camille,
            template="reminder",
            subject="doublon",
        )


def test_a_reminder_goes_to_a_user_or_to_an_address(target, camille):
    with pytest.raises(ValidationError, match="soit à un utilisateur, soit à une adresse"):
        schedule(target)
    # Given both, the user wins: their address is the account's.
    reminder = schedule(target, recipient=camille, email="autre@example.org")
    assert (reminder.recipient, reminder.email, reminder.address) == (camille, "", "camille@opco.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk).update(email="autre@example.org")
    with pytest.raises(ValidationError, match="adresse e-mail valide"):
        schedule(UserFactory(), email="pas-une-adresse")
    with pytest.raises(ValidationError, match="chemin du site"):
        schedule(UserFactory(), recipient=camille, link="javascript:alert(1)")
    assert Reminder.objects.count() == 1


def test_an_unknown_template_is_refused_when_scheduling_not_when_sending(target, camille):
    with pytest.raises(ValueError, match="Gabarit de courriel introuvable : « notifications/email/inconnu_subject.txt »"):
        schedule(target, recipient=camille, template="inconnu")
    assert Reminder.objects.count() == 0


# --- Cancelling ---------------------------------------------------------------------------------------
def test_cancel_cancels_the_planned_reminders_of_the_target_only(target, camille):
    actor = UserFactory()
    planned = [schedule(target, recipient=camille), schedule(target, recipient=camille, kind="piece", due_on=date(2026, 3, 18))]
    sent = ReminderFactory(target=target, kind="echeance", due_on=date(2026, 3, 1), sent=True)
    other = schedule(UserFactory(), recipient=camille)

    assert reminders_cancel(target=target, actor=actor) == 2

    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in planned] == [ReminderStatus.CANCELLED, ReminderStatus.CANCELLED]
    assert (statuses[sent.pk], statuses[other.pk]) == (ReminderStatus.SENT, ReminderStatus.PLANNED)
    assert all(r.cancelled_at for r in Reminder.objects.filter(status=ReminderStatus.CANCELLED))
    entry = history_of(target).filter(action="reminders_cancel").get()
    assert entry.actor == actor
    assert entry.summary == "Relances annulées : « echeance » du 16/03/2026, « piece » du 18/03/2026"
    # Nothing left to cancel: nothing written.
    assert reminders_cancel(target=target) == 0
    assert history_of(target).filter(action="reminders_cancel").count() == 1


def test_cancel_one_kind(target, camille):
    schedule(target, recipient=camille)
    kept = schedule(target, recipient=camille, kind="piece")
    assert reminders_cancel(target=target, kind="echeance") == 1
    assert Reminder.objects.get(pk=kept.pk).status == ReminderStatus.PLANNED


def test_the_admin_action_cancels_one_planned_reminder(target, camille):
    reminder = schedule(target, recipient=camille)
    admin = UserFactory()
    assert services.reminder_cancel(reminder_id=reminder.pk, actor=admin) is True
    assert services.reminder_cancel(reminder_id=reminder.pk, actor=admin) is False
    assert Reminder.objects.get(pk=reminder.pk).status == ReminderStatus.CANCELLED
    assert history_of(target).filter(action="reminder_cancel", source=AuditEntry.Source.ADMIN).count() == 1


# --- Sending ------------------------------------------------------------------------------------------------
@time_machine.travel(datetime(2026, 3, 16, 7, 15), tick=False)
def test_due_reminders_are_sent_once_and_later_ones_wait(target, camille, settings):
    settings.SITE_URL = "https://backoffice.opco.example"
    due = schedule(target, recipient=camille)
    overdue = schedule(target, recipient=camille, kind="retard", due_on=date(2026, 3, 2), subject="Dossier AP-1 en retard")
    later = schedule(target, recipient=camille, due_on=date(2026, 3, 17))
    cancelled = ReminderFactory(target=target, kind="annulee", due_on=TODAY, cancelled=True)

    report = reminders_send_due(today=TODAY)

    assert (report.sent, report.failed) == (2, 0)
    assert [m.subject for m in mail.outbox] == ["Dossier AP-1 en retard", "Dossier AP-1 : décision à prendre avant le 20/03/2026"]
    assert mail.outbox[1].to == ["camille@opco.test"]
    assert mail.outbox[1].body == (
        "Bonjour Camille,\n\n"
        "Dossier AP-1 : décision à prendre avant le 20/03/2026.\n\n"
        "Le délai de 20 jours (R6224-3) arrive à son terme.\n\n"
        "Pour y accéder : https://backoffice.opco.example/contrats/1/\n\n"
        "--\nOPCO entreprises de proximité\n"
        "Vous choisissez les messages que vous recevez, et comment, dans « Mes notifications ».\n"
    )
    assert mail.outbox[1].alternatives[0].mimetype == "text/html"
    assert '<a href="https://backoffice.opco.example/contrats/1/">' in mail.outbox[1].alternatives[0].content
    for reminder in (due, overdue):
        reminder.refresh_from_db()
        assert (reminder.status, reminder.channels, reminder.attempts) == (ReminderStatus.SENT, "app,email", 1)
        assert reminder.sent_at.isoformat() == "2026-03-16T07:15:00+00:00"
    assert Reminder.objects.get(pk=later.pk).status == ReminderStatus.PLANNED
    assert Reminder.objects.get(pk=cancelled.pk).status == ReminderStatus.CANCELLED
    assert list(Notification.objects.filter(user=camille).values_list("title", "link", "kind")) == [
        ("Dossier AP-1 : décision à prendre avant le 20/03/2026", "/contrats/1/", "echeance"),
        ("Dossier AP-1 en retard", "/contrats/1/", "retard"),
    ]
    sent_entries = history_of(target).filter(action="reminder_sent")
    assert sent_entries.count() == 2
    assert {e.source for e in sent_entries} == {AuditEntry.Source.TASK}
    assert sent_entries.filter(summary="Relance « echeance » du 16/03/2026 à camille@opco.test : application, courriel").exists()

    # The next round sends nothing again.
    assert reminders_send_due(today=TODAY) == services.SendReport(sent=0, failed=0)
    assert len(mail.outbox) == 2
    # The day after, the later one goes.
    assert reminders_send_due(today=date(2026, 3, 17)).sent == 1
    assert len(mail.outbox) == 3


@pytest.mark.parametrize(
    ("by_email", "in_app", "emails", "notifications", "channels"),
    [
        (True, True, 1, 1, "app,email"),
        (True, False, 1, 0, "email"),
        (False, True, 0, 1, "app"),
        (False, False, 0, 0, ""),
    ],
)
def test_the_recipient_preferences_choose_the_channels(target, camille, by_email, in_app, emails, notifications, channels):
    NotificationPreferenceFactory(user=camille, kind="echeance", by_email=by_email, in_app=in_app)
    reminder = schedule(target, recipient=camille)

    assert reminders_send_due(today=TODAY).sent == 1

    assert len(mail.outbox) == emails
    assert Notification.objects.filter(user=camille).count() == notifications
    reminder.refresh_from_db()
    assert (reminder.status, reminder.channels) == (ReminderStatus.SENT, channels)


def test_a_registered_kind_gives_its_defaults_when_the_user_chose_nothing(target, camille):
    register_kind("lot_a_approuver", "Lots de paiement à approuver", by_email=False)
    try:
        schedule(target, recipient=camille, kind="lot_a_approuver")
        reminders_send_due(today=TODAY)
    finally:
        unregister_kind("lot_a_approuver")
    assert mail.outbox == []
    assert Notification.objects.filter(user=camille, kind="lot_a_approuver").count() == 1


def test_a_reminder_to_an_address_is_an_e_mail_with_no_account_wording(target, settings):
    settings.SITE_URL = ""
    reminder = schedule(target, email="employeur@example.org", subject="Pièces manquantes au dossier AP-1", context={})

    reminders_send_due(today=TODAY)

    (message,) = mail.outbox
    assert message.to == ["employeur@example.org"]
    # No SITE_URL: no link that would not work outside the back-office.
    assert message.body == "Bonjour,\n\nPièces manquantes au dossier AP-1.\n\n--\nOPCO entreprises de proximité\n"
    assert Notification.objects.count() == 0
    assert Reminder.objects.get(pk=reminder.pk).channels == "email"


def test_an_inactive_recipient_gets_nothing(target, camille):
    reminder = schedule(target, recipient=camille)
    camille.is_active = False
    camille.save()
    assert reminders_send_due(today=TODAY).sent == 1
    assert mail.outbox == [] and Notification.objects.count() == 0
    reminder.refresh_from_db()
    assert (reminder.status, reminder.channels) == (ReminderStatus.SENT, "")


def test_a_failed_send_keeps_the_reminder_planned_then_sets_it_aside(target, camille, monkeypatch):
    refused = schedule(target, email="inconnu@example.org", kind="refus")
    fine = schedule(target, recipient=camille)
    real_send = services.email_send

    def email_send(*, to, template, context):
        if to == "inconnu@example.org":
            raise smtplib.SMTPRecipientsRefused({to: (550, b"unknown user")})
        real_send(to=to, template=template, context=context)

    monkeypatch.setattr(services, "email_send", email_send)

    assert reminders_send_due(today=TODAY) == services.SendReport(sent=1, failed=1)
    refused.refresh_from_db()
    assert (refused.status, refused.attempts, refused.sent_at) == (ReminderStatus.PLANNED, 1, None)
    assert refused.last_error.startswith("SMTPRecipientsRefused : ")
    assert Reminder.objects.get(pk=fine.pk).status == ReminderStatus.SENT

    for _ in range(services.MAX_SEND_ATTEMPTS - 1):
        reminders_send_due(today=TODAY)
    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == (ReminderStatus.FAILED, services.MAX_SEND_ATTEMPTS)
    assert history_of(target).filter(action="reminder_failed").count() == 1
    assert reminders_send_due(today=TODAY) == services.SendReport(sent=0, failed=0)
    assert [m.to for m in mail.outbox] == [["camille@opco.test"]]


def test_a_failure_rolls_back_the_in_app_notification_of_that_send(target, camille, monkeypatch):
    schedule(target, recipient=camille)

    def broken(**kwargs):
        raise ConnectionRefusedError("serveur SMTP injoignable")

    monkeypatch.setattr(services, "email_send", broken)
    assert reminders_send_due(today=TODAY).failed == 1
    # Retried later, the reminder must not leave a second notification behind.
    assert Notification.objects.count() == 0


def test_send_now_sends_as_soon_as_the_schedule_commits(target, camille, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reminder = schedule(target, recipient=camille, due_on=date.today(), send_now=True)
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(pk=reminder.pk).status == ReminderStatus.SENT


def test_send_one_sends_nothing_for_a_cancelled_or_not_yet_due_reminder(target, camille):
    cancelled = ReminderFactory(target=target, recipient=camille, cancelled=True)
    later = ReminderFactory(target=target, recipient=camille, due_on=date(2999, 1, 1))
    assert services.reminder_send(reminder_id=cancelled.pk) is False
    assert services.reminder_send(reminder_id=later.pk) is False
    assert mail.outbox == []
