"""What the company page keeps beside the referential's company: contacts, headcount history, CSE."""

from django.conf import settings
from django.db import models

from referentials.models import Company
from sme_services.enums import CseRole


class CompanyContact(models.Model):
    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField("nom et prénom", max_length=150)
    role = models.CharField("fonction", max_length=128, blank=True)
    email = models.EmailField("courriel", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    primary = models.BooleanField("contact principal", default=False)

    class Meta:
        verbose_name = "contact"
        verbose_name_plural = "contacts"
        ordering = ["-primary", "full_name", "id"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.role})" if self.role else self.full_name


class HeadcountRecord(models.Model):
    """A headcount known at a date; the latest is copied on the referential's company."""

    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.CASCADE, related_name="headcount_history")
    as_of = models.DateField("au")
    headcount = models.PositiveIntegerField("effectif")
    source = models.CharField("source", max_length=128, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("saisi le", auto_now_add=True)

    class Meta:
        verbose_name = "effectif connu"
        verbose_name_plural = "historique des effectifs"
        ordering = ["-as_of", "-id"]

    def __str__(self) -> str:
        return f"{self.headcount} au {self.as_of:%d/%m/%Y}"


class CseMember(models.Model):
    """A member of the company's CSE. Their SSCT training is renewed once they have held their mandate
    four years, consecutive or not (C. trav. L2315-17); 5 days for a first mandate, 3 on renewal
    (L2315-18)."""

    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.CASCADE, related_name="cse_members")
    full_name = models.CharField("nom et prénom", max_length=150)
    role = models.CharField("qualité", max_length=16, choices=CseRole.choices, default=CseRole.TITULAR)
    last_training_on = models.DateField("dernière formation SSCT le", null=True, blank=True)

    class Meta:
        verbose_name = "membre du CSE"
        verbose_name_plural = "membres du CSE"
        ordering = ["full_name", "id"]

    def __str__(self) -> str:
        return self.full_name


class CseMandate(models.Model):
    member = models.ForeignKey(CseMember, verbose_name="membre", on_delete=models.CASCADE, related_name="mandates")
    started_on = models.DateField("début du mandat")
    ended_on = models.DateField("fin du mandat", null=True, blank=True)

    class Meta:
        verbose_name = "mandat au CSE"
        verbose_name_plural = "mandats au CSE"
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="cse_mandate_ends_after_start",
                violation_error_message="Un mandat finit après son début.",
            )
        ]

    def __str__(self) -> str:
        return f"Mandat du {self.started_on:%d/%m/%Y}"
