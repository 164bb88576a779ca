"""Reminders (sent once), in-app notifications and per-user preferences. No mission lives here: a
reminder points at its file through a generic key, and its wording comes from the mission's template."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from notifications.enums import Level, ReminderStatus

# A link is a path of the site or an http(s) address: never « javascript: » in an href.
validate_link = RegexValidator(r"^(/|https?://)", "Le lien doit être un chemin du site (/…) ou une adresse http(s).")

KIND_MAX_LENGTH = 64


class Reminder(models.Model):
    """One message due on a date about one object, for one kind of reminder: the unique constraint on
    (target, kind, due_on) carries « sent once », whoever schedules it and however often."""

    target_type = models.ForeignKey(ContentType, verbose_name="type d'objet", on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField("identifiant de l'objet", max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    kind = models.CharField("type de relance", max_length=KIND_MAX_LENGTH)
    due_on = models.DateField("à envoyer le")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="destinataire",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    email = models.EmailField("adresse du destinataire", blank=True, help_text="Quand le destinataire n'a pas de compte.")
    template = models.CharField("gabarit du courriel", max_length=200)
    subject = models.CharField("objet", max_length=255)
    link = models.CharField("lien", max_length=500, blank=True, validators=[validate_link])
    context = models.JSONField("données du message", default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField("statut", max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PLANNED)
    channels = models.CharField("envoyée par", max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives d'envoi", default=0)
    last_error = models.CharField("dernière erreur", max_length=500, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)

    class Meta:
        verbose_name = "relance"
        verbose_name_plural = "relances"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "kind", "due_on"],
                name="reminder_once",
                violation_error_message="Cette relance est déjà prévue pour cet objet à cette date.",
            ),
            models.CheckConstraint(
                condition=(Q(recipient__isnull=False) & Q(email="")) | (Q(recipient__isnull=True) & ~Q(email="")),
                name="reminder_one_recipient",
                violation_error_message="Une relance va soit à un utilisateur, soit à une adresse e-mail.",
            ),
            models.CheckConstraint(
                condition=Q(status=ReminderStatus.SENT, sent_at__isnull=False)
                | (~Q(status=ReminderStatus.SENT) & Q(sent_at=None)),
                name="reminder_sent_has_date",
                violation_error_message="Une relance envoyée porte sa date d'envoi, et elle seule.",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="reminder_due_idx")]

    def __str__(self) -> str:
        return f"Relance « {self.kind} » du {self.due_on:%d/%m/%Y} ({self.get_status_display()})"

    @property
    def address(self) -> str:
        return self.recipient.email if self.recipient_id else self.email


class Notification(models.Model):
    """A message shown in the back-office to one user until they mark it read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("type", max_length=KIND_MAX_LENGTH, blank=True)
    title = models.CharField("intitulé", max_length=255)
    link = models.CharField("lien", max_length=500, blank=True, validators=[validate_link])
    level = models.CharField("importance", max_length=16, choices=Level.choices, default=Level.INFO)
    created_at = models.DateTimeField("créée le", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("lue le", null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """How one user wants one kind of message; without a row, the kind's defaults apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField("type", max_length=KIND_MAX_LENGTH)
    by_email = models.BooleanField("par courriel", default=True)
    in_app = models.BooleanField("dans l'application", default=True)

    class Meta:
        verbose_name = "préférence de notification"
        verbose_name_plural = "préférences de notification"
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                name="notification_preference_unique",
                violation_error_message="Une seule préférence par utilisateur et par type.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.kind}"
