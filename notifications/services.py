"""Writes of notifications: reminders (scheduled, cancelled, sent once), e-mails from templates,
in-app notifications and preferences. One transaction each; missions call these, never the models."""

import json
import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone

from notifications import selectors
from notifications.enums import Channel, Level, ReminderStatus
from notifications.models import Notification, NotificationPreference, Reminder
from opco import audit
from opco.models import AuditEntry

logger = logging.getLogger(__name__)

DEFAULT_TEMPLATE = "reminder"
# After this many failed sends a reminder is set aside (status « en échec ») instead of retried forever.
MAX_SEND_ATTEMPTS = 5


# --- E-mails from templates -----------------------------------------------------------------------
def email_template_base(template: str) -> str:
    """« reminder » → notifications/email/reminder; a path with a slash (« contracts/email/deadline »)
    is any app's template, as given."""
    return template if "/" in template else f"notifications/email/{template}"


def email_template_check(template: str) -> None:
    """Refuse at scheduling time a template that could not be rendered at sending time."""
    base = email_template_base(template)
    for name in (f"{base}_subject.txt", f"{base}.txt"):
        try:
            get_template(name)
        except TemplateDoesNotExist:
            raise ValueError(f"Gabarit de courriel introuvable : « {name} ».")


def _render(name: str, context: dict) -> str:
    # Plain text: no HTML escaping (« l'employeur » must not become « l&#x27;employeur »).
    return get_template(name).template.render(Context(context, autoescape=not name.endswith(".txt")))


def email_send(
    *, to: str | list[str], template: str, context: dict, attachments: tuple[tuple[str, bytes, str], ...] = ()
) -> None:
    """Render `<template>_subject.txt`, `<template>.txt` and, when it exists, `<template>.html`, and send
    them through the configured backend (console or file in development, SMTP in production), with
    `attachments` as (file name, content, MIME type)."""
    base = email_template_base(template)
    context = {"OPCO_NAME": settings.OPCO_NAME, **context}
    subject = " ".join(_render(f"{base}_subject.txt", context).split())  # one line, whatever the template
    message = EmailMultiAlternatives(
        subject=subject, body=_render(f"{base}.txt", context), to=[to] if isinstance(to, str) else list(to)
    )
    try:
        html = _render(f"{base}.html", context)
    except TemplateDoesNotExist:
        html = None
    if html:
        message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()


def absolute_link(link: str) -> str:
    """A link usable in an e-mail: the site's paths prefixed with SITE_URL (empty when it is not set)."""
    if link.startswith("/"):
        return f"{settings.SITE_URL.rstrip('/')}{link}" if settings.SITE_URL else ""
    return link


# --- Reminders ----------------------------------------------------------------------------------------
def _target_key(target: models.Model) -> dict:
    if target.pk is None:
        raise ValueError("Une relance porte sur un objet enregistré.")
    return {"target_type": ContentType.objects.get_for_model(target), "target_id": str(target.pk)}


CONTENT_FIELDS = ("recipient", "email", "template", "subject", "link", "context")


def reminder_schedule(
    *,
    target: models.Model,
    kind: str,
    due_on: date,
    subject: str,
    context: dict,
    recipient=None,
    email: str = "",
    template: str = DEFAULT_TEMPLATE,
    link: str = "",
    actor=None,
    send_now: bool = False,
) -> Reminder:
    """Plan one reminder about `target`, to a user (`recipient`) or an address (`email`). Idempotent: the
    same target, kind and due date give the existing row, whose content is updated while it is planned
    (a sent or cancelled one is returned as it is). `send_now` sends it as soon as the caller's
    transaction commits instead of waiting for the next round of the beat task."""
    email_template_check(template)
    key = {**_target_key(target), "kind": kind, "due_on": due_on}
    content = {
        "recipient": recipient,
        "email": "" if recipient is not None else email,
        "template": template,
        "subject": subject,
        "link": link,
        # Stored as JSON: dates become ISO strings, so that the row in memory is the row read back.
        "context": json.loads(json.dumps(context, cls=DjangoJSONEncoder)),
    }
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(**key).first()
        created = False
        if reminder is None:
            reminder = Reminder(**key, **content)
            _validate(reminder)
            try:
                with transaction.atomic():
                    reminder.save()
                created = True
            except IntegrityError:  # scheduled at the same moment by another transaction: take its row
                reminder = Reminder.objects.select_for_update().get(**key)
        if reminder.status != ReminderStatus.PLANNED:
            return reminder
        before = {} if created else audit.snapshot(reminder, CONTENT_FIELDS)
        if not created:
            for name, value in content.items():
                setattr(reminder, name, value)
        changes = audit.diff(before, audit.snapshot(reminder, CONTENT_FIELDS))
        if changes and not created:
            _validate(reminder)
            reminder.save(update_fields=list(CONTENT_FIELDS))
        if changes:
            audit.record(
                actor=actor,
                action="reminder_schedule",
                target=target,
                changes=changes,
                summary=f"Relance « {kind} » prévue le {due_on:%d/%m/%Y} pour {reminder.address}",
                source=_source(actor),
            )
        if send_now:
            from notifications.tasks import send_reminder

            reminder_id = reminder.pk
            transaction.on_commit(lambda: send_reminder.delay(reminder_id))
    return reminder


def _validate(reminder: Reminder) -> None:
    # The unique key is left to the database: another transaction may insert it between our read and
    # our write, and the IntegrityError is how we learn it (validate_constraints skips constraints on
    # an excluded field).
    reminder.full_clean(validate_constraints=False)
    reminder.validate_constraints(exclude={"due_on"})


def _source(actor) -> str:
    return AuditEntry.Source.WEB if getattr(actor, "is_authenticated", False) else AuditEntry.Source.TASK


@transaction.atomic
def reminders_cancel(*, target: models.Model, kind: str | None = None, actor=None) -> int:
    """Cancel the planned reminders of `target` (of one kind, or all): its file was decided. Sent ones
    stay as they are. Returns how many were cancelled."""
    planned = Reminder.objects.filter(**_target_key(target), status=ReminderStatus.PLANNED)
    if kind is not None:
        planned = planned.filter(kind=kind)
    cancelled = list(planned.select_for_update().values_list("kind", "due_on"))
    if not cancelled:
        return 0
    count = planned.update(status=ReminderStatus.CANCELLED, cancelled_at=timezone.now())
    audit.record(
        actor=actor,
        action="reminders_cancel",
        target=target,
        changes={"status": [ReminderStatus.PLANNED.value, ReminderStatus.CANCELLED.value]},
        summary="Relances annulées : "
        + ", ".join(f"« {k} » du {d:%d/%m/%Y}" for k, d in sorted(cancelled, key=lambda x: (x[1], x[0]))),
        source=_source(actor),
    )
    return count


@transaction.atomic
def reminder_cancel(*, reminder_id: int, actor=None) -> bool:
    """Cancel one planned reminder (the admin's action); False when it was no longer planned."""
    reminder = Reminder.objects.select_for_update().filter(pk=reminder_id, status=ReminderStatus.PLANNED).first()
    if reminder is None:
        return False
    reminder.status, reminder.cancelled_at = ReminderStatus.CANCELLED, timezone.now()
    reminder.full_clean()
    reminder.save(update_fields=["status", "cancelled_at"])
    audit.record(
        actor=actor,
        action="reminder_cancel",
        target=reminder.target or reminder,
        changes={"status": [ReminderStatus.PLANNED.value, ReminderStatus.CANCELLED.value]},
        summary=f"Relance « {reminder.kind} » du {reminder.due_on:%d/%m/%Y} annulée",
        source=AuditEntry.Source.ADMIN if actor is not None else AuditEntry.Source.TASK,
    )
    return True


# --- Sending: exactly once, whatever the number of workers ----------------------------------------------
@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int


def reminders_send_due(*, today: date | None = None) -> SendReport:
    """Send every planned reminder due by `today` (the beat task). Each one is claimed in its own short
    transaction with SELECT … FOR UPDATE SKIP LOCKED and re-checked as still planned, so two workers
    running this together never send one twice, and neither waits for the other; a failed send leaves
    its reminder planned for the next round (set aside after MAX_SEND_ATTEMPTS)."""
    today = today or timezone.localdate()
    due = Reminder.objects.filter(status=ReminderStatus.PLANNED, due_on__lte=today).order_by("due_on", "id")
    sent = failed = 0
    for reminder_id in list(due.values_list("id", flat=True)):
        outcome = _send_one(reminder_id, today)
        sent += outcome is True
        failed += outcome is None
    return SendReport(sent=sent, failed=failed)


def reminder_send(*, reminder_id: int) -> bool:
    """Send one planned reminder now if it is due by today (reminder_schedule(send_now=True)); False when
    another worker sent it, it was cancelled, or its send failed (it stays planned then)."""
    return _send_one(reminder_id, timezone.localdate()) is True


def _send_one(reminder_id: int, today: date) -> bool | None:
    """True: sent by us; False: not ours to send (taken, sent, cancelled, not due); None: failed."""
    try:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(pk=reminder_id, status=ReminderStatus.PLANNED, due_on__lte=today)
                .first()
            )
            if reminder is None:
                return False
            channels = _deliver(reminder)
            reminder.status, reminder.sent_at = ReminderStatus.SENT, timezone.now()
            reminder.channels = ",".join(channels)
            reminder.attempts += 1
            reminder.last_error = ""
            reminder.full_clean()
            reminder.save(update_fields=["status", "sent_at", "channels", "attempts", "last_error"])
            audit.record(
                actor=None,
                action="reminder_sent",
                target=reminder.target or reminder,
                summary=f"Relance « {reminder.kind} » du {reminder.due_on:%d/%m/%Y} à {reminder.address} : "
                + (", ".join(Channel(c).label for c in channels) or "aucun envoi (préférences du destinataire)"),
                source=AuditEntry.Source.TASK,
            )
            return True
    except Exception as error:  # one reminder that cannot go out must not hold back the others
        logger.exception("Relance %s : échec de l'envoi", reminder_id)
        _record_failure(reminder_id, error)
        return None


def _deliver(reminder: Reminder) -> list[str]:
    """Send through the channels the recipient wants; the channels used."""
    context = {
        **reminder.context,
        "subject": reminder.subject,
        "link_url": absolute_link(reminder.link),
        "recipient_name": "",
        "to_user": False,
    }
    user = reminder.recipient
    if user is None:
        email_send(to=reminder.email, template=reminder.template, context=context)
        return [Channel.EMAIL]
    if not user.is_active:
        return []
    preference = selectors.preference_for(user, reminder.kind)
    channels = []
    if preference.in_app:
        _notification_create(user=user, title=reminder.subject, link=reminder.link, kind=reminder.kind, level=Level.INFO)
        channels.append(Channel.APP)
    if preference.by_email:
        context.update(recipient_name=user.get_short_name(), to_user=True)
        email_send(to=user.email, template=reminder.template, context=context)
        channels.append(Channel.EMAIL)
    return channels


@transaction.atomic
def _record_failure(reminder_id: int, error: Exception) -> None:
    reminder = Reminder.objects.select_for_update(skip_locked=True).filter(pk=reminder_id, status=ReminderStatus.PLANNED).first()
    if reminder is None:
        return
    reminder.attempts += 1
    reminder.last_error = f"{type(error).__name__} : {error}"[:500]
    if reminder.attempts >= MAX_SEND_ATTEMPTS:
        reminder.status = ReminderStatus.FAILED
        reminder.full_clean()
        audit.record(
            actor=None,
            action="reminder_failed",
            target=reminder.target or reminder,
            changes={"status": [ReminderStatus.PLANNED.value, ReminderStatus.FAILED.value]},
            summary=f"Relance « {reminder.kind} » du {reminder.due_on:%d/%m/%Y} abandonnée après "
            f"{reminder.attempts} échecs : {reminder.last_error}",
            source=AuditEntry.Source.TASK,
        )
    reminder.save(update_fields=["attempts", "last_error", "status"])


# --- In-app notifications ---------------------------------------------------------------------------------
def _notification_create(*, user, title: str, link: str, kind: str, level: str) -> Notification:
    notification = Notification(user=user, title=title, link=link, kind=kind, level=level)
    notification.full_clean()
    notification.save()
    return notification


@transaction.atomic
def notification_notify(*, users, title: str, link: str = "", kind: str = "", level: str = Level.INFO) -> list[Notification]:
    """Show `title` in the back-office to each active user of `users` who did not turn `kind` off in
    the application. The caller's own service records what happened (this only informs)."""
    recipients = list({user.pk: user for user in users if user.is_active}.values())
    wanted = selectors.in_app_wanted(recipients, kind) if kind else {user.pk: True for user in recipients}
    rows = []
    for user in recipients:
        if wanted[user.pk]:
            notification = Notification(user=user, title=title, link=link, kind=kind, level=level)
            notification.full_clean()
            rows.append(notification)
    return Notification.objects.bulk_create(rows)


@transaction.atomic
def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications read: those of `ids` (others' ids are ignored), or all."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    count = unread.update(read_at=timezone.now())
    if count:
        audit.record(
            actor=user,
            action="notifications_mark_read",
            target=user,
            summary=marked_read_text(count),
        )
    return count


def marked_read_text(count: int) -> str:
    return "1 notification marquée comme lue" if count == 1 else f"{count} notifications marquées comme lues"


# --- Preferences --------------------------------------------------------------------------------------------
@transaction.atomic
def notification_preferences_set(*, user, choices: dict[str, tuple[bool, bool]], actor=None) -> int:
    """Record the user's channels per kind: {kind: (by e-mail, in the application)}. Returns how many
    kinds changed."""
    actor = actor or user
    current = selectors.preferences_of(user, choices)
    changes = {}
    for kind, (by_email, in_app) in choices.items():
        before = current[kind]
        if (before.by_email, before.in_app) == (bool(by_email), bool(in_app)):
            continue
        preference = NotificationPreference.objects.select_for_update().filter(user=user, kind=kind).first()
        preference = preference or NotificationPreference(user=user, kind=kind)
        preference.by_email, preference.in_app = bool(by_email), bool(in_app)
        preference.full_clean()
        preference.save()
        if before.by_email != preference.by_email:
            changes[f"{kind}.par_courriel"] = [before.by_email, preference.by_email]
        if before.in_app != preference.in_app:
            changes[f"{kind}.dans_l_application"] = [before.in_app, preference.in_app]
    if changes:
        audit.record(
            actor=actor,
            action="notification_preferences_set",
            target=user,
            changes=changes,
            summary="Préférences de notification",
        )
    return len({name.split(".")[0] for name in changes})
