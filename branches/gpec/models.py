"""The GPEC observatory's library: studies a branch commissions with the OPCO's support (L6332-1 I
2°), their funding, deliverables and documents."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from branches.models import Branch

MONEY = {"max_digits": 14, "decimal_places": 2}


class GpecStudy(models.Model):
    class Type(models.TextChoices):
        PORTRAIT = "portrait", "Portrait statistique"
        PROSPECTIVE = "prospective", "Étude prospective emplois-compétences"
        CARTOGRAPHY = "cartographie", "Cartographie des métiers"
        TRAINING = "besoins", "Besoins en compétences et en formation"
        ECOLOGICAL = "transition", "Transition écologique et numérique"

    class Status(models.TextChoices):
        PLANNED = "prevue", "Prévue"
        TENDER = "consultation", "En consultation"
        RUNNING = "en_cours", "En cours"
        DELIVERED = "livree", "Livrée"
        PUBLISHED = "publiee", "Publiée"

    class Visibility(models.TextChoices):
        BRANCH = "branche", "La branche seulement"
        PUBLIC = "public", "Publique"

    branch = models.ForeignKey(Branch, verbose_name="branche", on_delete=models.PROTECT, related_name="gpec_studies")
    title = models.CharField("intitulé", max_length=255)
    study_type = models.CharField("type", max_length=16, choices=Type.choices)
    status = models.CharField("statut", max_length=16, choices=Status.choices, default=Status.PLANNED, db_index=True)
    provider = models.CharField("prestataire", max_length=255, blank=True)
    budget = models.DecimalField("budget (€)", **MONEY, default=0)
    opco_funding = models.DecimalField("financement OPCO (€)", **MONEY, default=0)
    branch_funding = models.DecimalField("financement branche (€)", **MONEY, default=0)
    other_funding = models.DecimalField("autres financements (€)", **MONEY, default=0)
    deliverables = models.TextField("livrables attendus", blank=True)
    published_on = models.DateField("publiée le", null=True, blank=True)
    visibility = models.CharField("visibilité", max_length=8, choices=Visibility.choices, default=Visibility.BRANCH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="créée par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "étude GPEC"
        verbose_name_plural = "études GPEC"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0) & Q(opco_funding__gte=0) & Q(branch_funding__gte=0) & Q(other_funding__gte=0),
                name="gpec_study_amounts_not_negative",
                violation_error_message="Les montants d'une étude ne peuvent pas être négatifs.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def funded(self):
        return self.opco_funding + self.branch_funding + self.other_funding


class GpecDocument(models.Model):
    """A deliverable, stored under a random name and served only through the study's scoping."""

    study = models.ForeignKey(GpecStudy, verbose_name="étude", on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("intitulé", max_length=255)
    file = models.FileField("fichier", upload_to="gpec/")
    original_name = models.CharField("nom d'origine", max_length=255)
    content_type = models.CharField("type", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "document d'étude GPEC"
        verbose_name_plural = "documents d'études GPEC"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title
