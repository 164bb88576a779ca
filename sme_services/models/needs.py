"""Needs (« besoins ») of companies under 50, received from the public form, staff or the API, routed to
the company's advisor (L6332-1 I 4°: help companies analyse and define their training needs). A need
is an instructed file of the spine (opco.instruction, opco.workflow): its taking in charge and closing
dates are kept, its reminders come from notifications."""

from django.db import models

from opco.instruction import InstructedFile
from referentials.models import Company
from sme_services.enums import NeedChannel, NeedOutcome, NeedStatus, NeedSubject

DESCRIPTION_MAX = 4000


class Need(InstructedFile):
    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.PROTECT, related_name="needs")
    subject = models.CharField("sujet", max_length=16, choices=NeedSubject.choices)
    description = models.TextField("description", max_length=DESCRIPTION_MAX)
    contact_name = models.CharField("contact", max_length=150)
    contact_email = models.EmailField("courriel du contact")
    contact_phone = models.CharField("téléphone du contact", max_length=20, blank=True)
    channel = models.CharField("reçu par", max_length=16, choices=NeedChannel.choices)
    campaign = models.ForeignKey(
        "sme_services.Campaign",
        verbose_name="campagne d'origine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )
    taken_on = models.DateField("pris en charge le", null=True, blank=True)
    closed_on = models.DateField("clôturé le", null=True, blank=True, db_index=True)
    outcome = models.CharField("issue", max_length=16, choices=NeedOutcome.choices, blank=True)
    outcome_comment = models.TextField("commentaire de clôture", blank=True)
    abandoned_on = models.DateField("abandonné le", null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField("réouvertures", default=0)

    class Meta:
        verbose_name = "besoin"
        verbose_name_plural = "besoins"
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["assigned_to", "status", "received_on"], name="need_inbox_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=NeedStatus.CLOSED) | ~models.Q(outcome=""),
                name="need_closed_has_outcome",
                violation_error_message="Un besoin clôturé a une issue.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=NeedStatus.REFUSED) | ~models.Q(refusal_codes=[]),
                name="need_refused_has_reason",
                violation_error_message="Un besoin refusé a un motif.",
            ),
        ]

    status = models.CharField("statut", max_length=16, choices=NeedStatus.choices, default=NeedStatus.PENDING, db_index=True)

    def __str__(self) -> str:
        return f"Besoin {self.file_number}"


class SatisfactionAnswer(models.Model):
    """The company's answer to the survey sent 10 days after closing (signed link, no account)."""

    need = models.OneToOneField(Need, verbose_name="besoin", on_delete=models.CASCADE, related_name="satisfaction")
    recontacted = models.BooleanField("avez-vous été recontacté ?")
    useful = models.BooleanField("l'échange a-t-il été utile ?")
    comment = models.TextField("commentaire", max_length=2000, blank=True)
    answered_at = models.DateTimeField("répondu le", auto_now_add=True)

    class Meta:
        verbose_name = "réponse à l'enquête de satisfaction"
        verbose_name_plural = "réponses à l'enquête de satisfaction"
        ordering = ["-answered_at", "-id"]

    def __str__(self) -> str:
        return f"Satisfaction – {self.need}"
