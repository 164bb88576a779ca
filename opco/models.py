"""The audit trail: the one record of who changed what and when on business rows.

It holds no business data of its own, which is why it lives in the project package. Rows are
append-only: a database trigger refuses UPDATE (and DELETE on PostgreSQL), see migration 0002.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditEntry(models.Model):
    class Source(models.TextChoices):
        WEB = "web", "Écran"
        ADMIN = "admin", "Administration"
        API = "api", "API"
        IMPORT = "import", "Import en masse"
        COMMAND = "command", "Commande"
        TASK = "task", "Tâche de fond"

    occurred_at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # an author with history is deactivated, never deleted
        related_name="+",
    )
    actor_label = models.CharField("auteur (libellé)", max_length=254, blank=True)
    source = models.CharField("origine", max_length=16, choices=Source.choices, default=Source.WEB)
    action = models.CharField("action", max_length=64, db_index=True)
    target_type = models.ForeignKey(ContentType, verbose_name="type d'objet", null=True, blank=True, on_delete=models.PROTECT)
    target_id = models.CharField("identifiant de l'objet", max_length=64, blank=True)
    target_repr = models.CharField("objet", max_length=255, blank=True)
    summary = models.CharField("résumé", max_length=500, blank=True)
    changes = models.JSONField("modifications", default=dict, blank=True)

    class Meta:
        verbose_name = "entrée du journal d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%d/%m/%Y %H:%M} {self.actor_label or 'système'} {self.action} {self.target_repr}"


class TransitionLog(models.Model):
    """One move of an instructed file from a status to another, by the workflow engine
    (`opco.workflow`): the history shown on the file's page, kept apart from the audit trail's
    field-level detail. Written once, never edited."""

    target_type = models.ForeignKey(ContentType, verbose_name="type de dossier", on_delete=models.PROTECT)
    target_id = models.PositiveBigIntegerField("identifiant du dossier")
    target = GenericForeignKey("target_type", "target_id")
    workflow = models.CharField("circuit", max_length=32)
    action = models.CharField("action", max_length=32)
    action_label = models.CharField("libellé de l'action", max_length=255)
    from_status = models.CharField("statut de départ", max_length=32)
    to_status = models.CharField("statut d'arrivée", max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="auteur", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.CharField("résumé", max_length=500, blank=True)
    occurred_at = models.DateTimeField("date", auto_now_add=True)

    class Meta:
        verbose_name = "étape d'instruction"
        verbose_name_plural = "journal des étapes d'instruction"
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="transition_target_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%d/%m/%Y %H:%M} {self.action_label} ({self.from_status} → {self.to_status})"
