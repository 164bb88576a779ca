"""Advisors' portfolios: which SME advisor follows which company (C. trav. L6332-1 I 4°), the rules a
manager sets to route companies to advisors, the history of every assignment and the advisors' teams."""

from django.conf import settings
from django.db import models

from referentials.models import Company
from sme_services.enums import SizeBand


class AdvisorTeam(models.Model):
    """A team of advisors and its manager (who gets the 21-day reminders and the quarterly report)."""

    name = models.CharField("nom", max_length=128, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="responsable", on_delete=models.PROTECT, related_name="managed_teams"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="conseillers", related_name="advisor_teams", blank=True
    )

    class Meta:
        verbose_name = "équipe de conseillers"
        verbose_name_plural = "équipes de conseillers"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssignmentRule(models.Model):
    """« Companies under 50 of this territory / branch / size band go to this advisor. » The most
    specific active rule wins (most criteria), then the smallest priority, then the oldest."""

    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="conseiller", on_delete=models.PROTECT, related_name="assignment_rules"
    )
    departement = models.CharField("département", max_length=3, blank=True, help_text="« 75 », « 2A », « 971 ».")
    commune = models.CharField("commune", max_length=128, blank=True, help_text="Nom de la commune (avec le département).")
    branch = models.ForeignKey(
        "branches.Branch", verbose_name="branche", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    size_band = models.CharField(
        "tranche d'effectif",
        max_length=8,
        blank=True,
        choices=[
            (SizeBand.UNDER_11.value, SizeBand.UNDER_11.label),
            (SizeBand.FROM_11_TO_49.value, SizeBand.FROM_11_TO_49.label),
        ],
    )
    priority = models.PositiveSmallIntegerField(
        "priorité", default=100, help_text="La plus petite passe d'abord à précision égale."
    )
    active = models.BooleanField("active", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="créée par", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "règle d'affectation"
        verbose_name_plural = "règles d'affectation"
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(departement="", commune="", branch__isnull=True, size_band=""),
                name="assignment_rule_has_a_criterion",
                violation_error_message="Une règle porte sur au moins un critère (territoire, branche ou tranche d'effectif).",
            ),
            models.CheckConstraint(
                condition=models.Q(commune="") | ~models.Q(departement=""),
                name="assignment_rule_commune_with_departement",
                violation_error_message="Une commune se donne avec son département.",
            ),
        ]

    def __str__(self) -> str:
        return f"Règle n° {self.pk} → {self.advisor}"

    @property
    def criteria_count(self) -> int:
        return sum(bool(v) for v in (self.departement, self.commune, self.branch_id, self.size_band))

    def describe(self) -> str:
        parts = []
        if self.commune:
            parts.append(f"commune {self.commune} ({self.departement})")
        elif self.departement:
            parts.append(f"département {self.departement}")
        if self.branch_id:
            parts.append(f"branche {self.branch}")
        if self.size_band:
            parts.append(self.get_size_band_display().lower())
        return ", ".join(parts)


class PortfolioCompany(models.Model):
    """A company followed by an SME advisor; an advisor sees the files of their portfolio (opco.scoping).
    One advisor per company: a reassignment replaces the row and leaves a PortfolioChange."""

    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="conseiller", on_delete=models.CASCADE, related_name="portfolio"
    )
    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.CASCADE, related_name="advisors")
    since = models.DateField("suivie depuis", auto_now_add=True)
    rule = models.ForeignKey(
        AssignmentRule, verbose_name="règle d'affectation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "entreprise du portefeuille"
        verbose_name_plural = "portefeuilles des conseillers"
        constraints = [
            models.UniqueConstraint(fields=["advisor", "company"], name="portfolio_unique_advisor_company"),
            models.UniqueConstraint(fields=["company"], name="portfolio_one_advisor_per_company"),
        ]

    def __str__(self) -> str:
        return f"{self.company} – {self.advisor}"


class PortfolioChange(models.Model):
    """The history of a company's advisor: every assignment, by a rule or by a manager's hand."""

    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.CASCADE, related_name="portfolio_changes")
    from_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ancien conseiller",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="nouveau conseiller",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rule = models.ForeignKey(
        AssignmentRule, verbose_name="règle", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField("motif", max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "changement de conseiller"
        verbose_name_plural = "historique des portefeuilles"
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.company} : {self.from_advisor or '—'} → {self.to_advisor or '—'}"
