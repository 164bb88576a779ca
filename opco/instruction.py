"""The abstract instructed file (DESIGN.md, the spine, point 1): what every file the OPCO receives,
checks, instructs within a legal deadline and decides with reasons has in common. A file kind
extends `InstructedFile`, gives `status` its choices, declares its `opco.workflow.Workflow` and its
deadline (`opco.calendar.Deadline`), and registers its visibility rule (`opco.scoping`).
"""

from django.conf import settings
from django.db import models


class InstructedFile(models.Model):
    file_number = models.CharField("n° de dossier", max_length=20, unique=True)
    status = models.CharField("statut", max_length=16, db_index=True)  # choices: the file kind's
    received_on = models.DateField("reçu le", db_index=True)
    complete_on = models.DateField("dossier complet le", null=True, blank=True)
    decision_due_on = models.DateField("décision due au plus tard le", null=True, blank=True, db_index=True)
    decided_on = models.DateField("décidé le", null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="décidé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="gestionnaire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_%(app_label)s_%(class)s",
    )
    incomplete_message = models.TextField("pièces ou informations demandées", blank=True)
    refusal_codes = models.JSONField("motifs de refus (codes)", default=list, blank=True)
    refusal_text = models.TextField("motif de refus", blank=True)

    class Meta:
        abstract = True
