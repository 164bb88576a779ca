"""Who opened which dashboard of the branches' portal, and what they said of each page."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from branches.models import Branch


class DashboardVisit(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="+")
    page = models.CharField("tableau de bord", max_length=64, db_index=True)
    branch = models.ForeignKey(Branch, verbose_name="branche", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField("ouvert le", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "ouverture d'un tableau de bord"
        verbose_name_plural = "ouvertures des tableaux de bord"
        ordering = ["-opened_at"]


class PageFeedback(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="+")
    page = models.CharField("page", max_length=64)
    useful = models.PositiveSmallIntegerField("utilité (1 à 5)")
    comment = models.TextField("commentaire", max_length=2000, blank=True)
    created_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        verbose_name = "avis sur une page du portail"
        verbose_name_plural = "avis sur les pages du portail"
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(useful__gte=1, useful__lte=5), name="page_feedback_useful_1_to_5")]
