"""AFEST projects (training in a work situation, C. trav. D6313-3-2: four elements) and FOAD actions
(training at a distance, D6313-3-1: three elements), promoted by the OPCO (L6332-1 I 5°, L6313-2).
Each element keeps its evidence; a project is « conforme » only when all of them have some."""

from django.conf import settings
from django.db import models

from referentials.models import Company
from sme_services.enums import ProjectStatus


class AfestProject(models.Model):
    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.PROTECT, related_name="afest_projects")
    title = models.CharField("intitulé", max_length=200)
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="conseiller", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("statut", max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    campaign = models.ForeignKey(
        "sme_services.Campaign",
        verbose_name="campagne d'origine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="afest_projects",
    )
    learners = models.PositiveSmallIntegerField("salariés formés", default=1)
    # D6313-3-2 1°: analysis of the work activity, adapted for teaching where needed.
    activity_analysis = models.TextField("analyse de l'activité de travail (D6313-3-2 1°)", max_length=4000, blank=True)
    # 2°: a trainer named beforehand, who may act as tutor.
    trainer_name = models.CharField("formateur désigné (D6313-3-2 2°)", max_length=150, blank=True)
    trainer_named_on = models.DateField("désigné le", null=True, blank=True)
    # 3°: reflective phases apart from the work situations.
    reflective_phases = models.TextField("phases réflexives (D6313-3-2 3°)", max_length=4000, blank=True)
    # 4°: specific assessments during or at the end.
    assessments = models.TextField("évaluations spécifiques (D6313-3-2 4°)", max_length=4000, blank=True)
    starts_on = models.DateField("début", null=True, blank=True)
    ends_on = models.DateField("fin", null=True, blank=True)
    created_on = models.DateField("créé le")

    class Meta:
        verbose_name = "projet AFEST"
        verbose_name_plural = "projets AFEST"
        ordering = ["-created_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trainer_named_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(trainer_named_on__lte=models.F("starts_on")),
                name="afest_trainer_named_beforehand",
                violation_error_message="Le formateur est désigné avant le début de l'action (D6313-3-2 2°).",
            )
        ]

    def __str__(self) -> str:
        return f"AFEST – {self.title}"


class FoadAction(models.Model):
    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.PROTECT, related_name="foad_actions")
    title = models.CharField("intitulé", max_length=200)
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="conseiller", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("statut", max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    campaign = models.ForeignKey(
        "sme_services.Campaign",
        verbose_name="campagne d'origine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="foad_actions",
    )
    # D6313-3-1 1°: technical and pedagogical assistance.
    assistance = models.TextField("assistance technique et pédagogique (D6313-3-1 1°)", max_length=4000, blank=True)
    # 2°: information on the distance activities and their average duration.
    activities_information = models.TextField(
        "information sur les activités à distance (D6313-3-1 2°)", max_length=4000, blank=True
    )
    average_hours = models.DecimalField("durée moyenne (heures)", max_digits=6, decimal_places=1, null=True, blank=True)
    # 3°: assessments during or at the end.
    assessments = models.TextField("évaluations (D6313-3-1 3°)", max_length=4000, blank=True)
    created_on = models.DateField("créée le")

    class Meta:
        verbose_name = "action de formation à distance"
        verbose_name_plural = "actions de formation à distance"
        ordering = ["-created_on", "-id"]

    def __str__(self) -> str:
        return f"FOAD – {self.title}"
