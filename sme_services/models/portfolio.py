"""Advisors' portfolios: which SME advisor follows which company (C. trav. L6332-1 I 4°)."""

from django.conf import settings
from django.db import models

from referentials.models import Company


class PortfolioCompany(models.Model):
    """A company followed by an SME advisor; an advisor sees the contracts of their portfolio."""

    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="conseiller", on_delete=models.CASCADE, related_name="portfolio"
    )
    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.CASCADE, related_name="advisors")
    since = models.DateField("suivie depuis", auto_now_add=True)

    class Meta:
        verbose_name = "entreprise du portefeuille"
        verbose_name_plural = "portefeuilles des conseillers"
        constraints = [models.UniqueConstraint(fields=["advisor", "company"], name="portfolio_unique_advisor_company")]

    def __str__(self) -> str:
        return f"{self.company} – {self.advisor}"
