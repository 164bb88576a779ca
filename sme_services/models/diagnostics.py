"""Diagnostics (L6332-17 3°, R6332-17 II 5°) from versioned questionnaires, their provider and funding
split, deliverable and action plan. No regulation defines a diagnostic's format (RULES.md §5): the
questionnaires are data that managers edit, each published version frozen."""

from django.conf import settings
from django.db import models

from referentials.models import Company
from sme_services.enums import DiagnosticKind, DiagnosticStatus, PlanItemKind, PlanItemStatus, ProviderKind

MONEY = {"max_digits": 14, "decimal_places": 2}


class Questionnaire(models.Model):
    """One version of the questionnaire of a kind of diagnostic. `questions`: a list of
    {"code", "label", "type": "text" | "yes_no" | "scale" | "rome"}; a diagnostic keeps the version it used."""

    kind = models.CharField("type de diagnostic", max_length=16, choices=DiagnosticKind.choices)
    version = models.PositiveSmallIntegerField("version")
    questions = models.JSONField("questions", default=list)
    published = models.BooleanField("publiée", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "questionnaire de diagnostic"
        verbose_name_plural = "questionnaires de diagnostic"
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="questionnaire_unique_kind_version")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – version {self.version}"


class Diagnostic(models.Model):
    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.PROTECT, related_name="diagnostics")
    kind = models.CharField("type", max_length=16, choices=DiagnosticKind.choices)
    questionnaire = models.ForeignKey(Questionnaire, verbose_name="questionnaire", on_delete=models.PROTECT, related_name="+")
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="conseiller", on_delete=models.PROTECT, related_name="+")
    need = models.ForeignKey(
        "sme_services.Need", verbose_name="besoin", null=True, blank=True, on_delete=models.SET_NULL, related_name="diagnostics"
    )
    status = models.CharField("statut", max_length=16, choices=DiagnosticStatus.choices, default=DiagnosticStatus.OPEN)
    opened_on = models.DateField("ouvert le", db_index=True)
    completed_on = models.DateField("terminé le", null=True, blank=True)
    answers = models.JSONField("réponses", default=dict, blank=True)
    rome_codes = models.JSONField("métiers ROME concernés", default=list, blank=True)
    provider_kind = models.CharField("réalisé par", max_length=16, choices=ProviderKind.choices, default=ProviderKind.INTERNAL)
    consultant_name = models.CharField("consultant", max_length=200, blank=True)
    consultant_siret = models.CharField("SIRET du consultant", max_length=14, blank=True)
    day_rate = models.DecimalField("prix de la journée", null=True, blank=True, **MONEY)
    days = models.DecimalField("jours", max_digits=5, decimal_places=1, null=True, blank=True)
    cost = models.DecimalField("coût total", default=0, **MONEY)
    opco_amount = models.DecimalField("part OPCO", default=0, **MONEY)
    state_amount = models.DecimalField("part État (prestation de conseil RH)", default=0, **MONEY)
    company_amount = models.DecimalField("part entreprise", default=0, **MONEY)
    deliverable = models.TextField("livrable (synthèse remise)", max_length=8000, blank=True)
    created_at = models.DateTimeField("saisi le", auto_now_add=True)

    class Meta:
        verbose_name = "diagnostic"
        verbose_name_plural = "diagnostics"
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost__gte=0, opco_amount__gte=0, state_amount__gte=0, company_amount__gte=0),
                name="diagnostic_amounts_not_negative",
                violation_error_message="Les montants d'un diagnostic sont positifs.",
            ),
            # D5121-7: at most 15 000 € of State participation for one company.
            models.CheckConstraint(
                condition=models.Q(state_amount__lte=15000),
                name="diagnostic_state_at_most_15000",
                violation_error_message="La participation de l'État est de 15 000 € au plus (D5121-7).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.company.name}"


class ActionPlanItem(models.Model):
    """An item of a diagnostic's action plan; it leads to a request, followed up at +3 and +6 months: a
    funding request or an AFEST project of this app (real foreign keys), or an alternance contract of
    the contracts mission, named by its file number in `request_reference` and checked through
    referentials.linked_files (mission apps never import each other)."""

    diagnostic = models.ForeignKey(Diagnostic, verbose_name="diagnostic", on_delete=models.CASCADE, related_name="plan_items")
    title = models.CharField("action", max_length=255)
    kind = models.CharField("débouche sur", max_length=16, choices=PlanItemKind.choices)
    status = models.CharField("statut", max_length=16, choices=PlanItemStatus.choices, default=PlanItemStatus.TODO)
    due_on = models.DateField("échéance", null=True, blank=True)
    request_reference = models.CharField("n° de la demande", max_length=32, blank=True)
    afest_project = models.ForeignKey(
        "sme_services.AfestProject",
        verbose_name="projet AFEST",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_items",
    )
    funding_request = models.ForeignKey(
        "sme_services.TrainingRequest",
        verbose_name="demande de financement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_items",
    )
    follow_up_3_on = models.DateField("suivi à 3 mois", null=True, blank=True)
    follow_up_6_on = models.DateField("suivi à 6 mois", null=True, blank=True)
    done_on = models.DateField("fait le", null=True, blank=True)

    class Meta:
        verbose_name = "action du plan"
        verbose_name_plural = "plan d'action"
        ordering = ["diagnostic", "due_on", "id"]

    def __str__(self) -> str:
        return self.title
