from django.db import models


class ReminderStatus(models.TextChoices):
    PLANNED = "planned", "prévue"
    SENT = "sent", "envoyée"
    CANCELLED = "cancelled", "annulée"
    # Given up after MAX_SEND_ATTEMPTS failed sends (an address the server refuses, a missing template).
    FAILED = "failed", "en échec"


class Level(models.TextChoices):
    """How a notification stands out; the values are Bootstrap's contextual colours."""

    INFO = "info", "information"
    SUCCESS = "success", "réussite"
    WARNING = "warning", "attention"
    DANGER = "danger", "urgent"


class Channel(models.TextChoices):
    EMAIL = "email", "courriel"
    APP = "app", "application"
