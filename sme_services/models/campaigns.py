"""Promotion campaigns (L6332-1 I 5°: promote distance and on-the-job training), measured by the needs
and projects that say they came from them."""

from django.conf import settings
from django.db import models

from sme_services.enums import CampaignKind, NeedSubject


class Campaign(models.Model):
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=16, choices=CampaignKind.choices)
    held_on = models.DateField("date")
    subject = models.CharField("thème", max_length=16, choices=NeedSubject.choices, blank=True)
    branch = models.ForeignKey(
        "branches.Branch", verbose_name="branche ciblée", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    audience = models.PositiveIntegerField("entreprises touchées", default=0)
    description = models.TextField("description", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "campagne de promotion"
        verbose_name_plural = "campagnes de promotion"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display().lower()} du {self.held_on:%d/%m/%Y})"
