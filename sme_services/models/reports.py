"""The quarterly report of a team, built by Celery as an XLSX file (a persisted job staff can watch)."""

from django.conf import settings
from django.db import models

from sme_services.enums import ReportStatus


class QuarterlyReport(models.Model):
    team = models.ForeignKey("sme_services.AdvisorTeam", verbose_name="équipe", on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField("année")
    quarter = models.PositiveSmallIntegerField("trimestre")
    status = models.CharField("statut", max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    content = models.BinaryField("fichier XLSX", null=True, blank=True)
    built_at = models.DateTimeField("produit le", null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    error = models.TextField("erreur", blank=True)

    class Meta:
        verbose_name = "rapport trimestriel"
        verbose_name_plural = "rapports trimestriels"
        ordering = ["-year", "-quarter", "team"]
        constraints = [
            models.UniqueConstraint(fields=["team", "year", "quarter"], name="report_unique_team_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="report_quarter_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.team} – T{self.quarter} {self.year}"
