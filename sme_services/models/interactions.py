"""What an advisor did with a company: visits, calls, e-mails, webinars, events."""

from django.conf import settings
from django.db import models

from referentials.models import Company
from sme_services.enums import InteractionKind, InteractionOutcome


class Interaction(models.Model):
    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.PROTECT, related_name="interactions")
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="conseiller", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("type", max_length=16, choices=InteractionKind.choices)
    occurred_on = models.DateField("date", db_index=True)
    tags = models.JSONField("sujets", default=list, blank=True)  # NeedSubject values
    summary = models.TextField("compte rendu", max_length=4000, blank=True)
    outcome = models.CharField("résultat", max_length=16, choices=InteractionOutcome.choices)
    next_step = models.CharField("prochaine étape", max_length=255, blank=True)
    next_step_on = models.DateField("prochaine étape le", null=True, blank=True)
    need = models.ForeignKey(
        "sme_services.Need", verbose_name="besoin", null=True, blank=True, on_delete=models.SET_NULL, related_name="interactions"
    )
    campaign = models.ForeignKey(
        "sme_services.Campaign",
        verbose_name="campagne",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)

    class Meta:
        verbose_name = "échange"
        verbose_name_plural = "échanges"
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(next_step="") | models.Q(next_step_on__isnull=False),
                name="interaction_next_step_has_date",
                violation_error_message="Une prochaine étape a une date.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.occurred_on:%d/%m/%Y}"
