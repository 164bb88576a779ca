"""Conventions with the State and the regions (C. trav. L6332-1 II, L5121-1 and D5121-1, L6211-3), their
versions (each avenant a version: the old one stays readable), budgets, money received from the
funder, indicators and reports; the published snapshots of the transparency page (R6332-23) and the
yearly statements (R6332-31).

What RULES.md §6 lists for a convention: parties and signatories, legal basis, object and scope
(branches, territories, publics), period, budget by year and funder, co-financing rates, eligible
costs, advance and payment schedule, indicators, reporting frequency, rules for unspent funds.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from branches.models import Branch
from conventions.enums import (
    ConventionKind,
    ConventionStatus,
    FunderPaymentKind,
    IndicatorCode,
    PartyRole,
    ReportStatus,
    StatementStatus,
)
from payments.models import MONEY, SizeBand

RATE = {"max_digits": 5, "decimal_places": 2}


class Convention(models.Model):
    number = models.CharField("numéro", max_length=32, unique=True)
    title = models.CharField("intitulé", max_length=255)
    kind = models.CharField("nature", max_length=16, choices=ConventionKind.choices, db_index=True)
    funder = models.CharField("financeur principal", max_length=255, help_text="« État – DGEFP », « Région Occitanie »…")
    legal_basis = models.CharField("base juridique", max_length=500)
    object = models.TextField("objet")
    branches = models.ManyToManyField(Branch, verbose_name="branches couvertes", blank=True, related_name="conventions")
    all_branches = models.BooleanField("toutes les branches de l'OPCO", default=False)
    territories = models.CharField("territoires", max_length=500, default="National")
    publics = models.JSONField("publics", default=list, help_text="Codes des publics éligibles.")
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    signed_on = models.DateField("signée le", null=True, blank=True)
    status = models.CharField("statut", max_length=16, choices=ConventionStatus.choices, default=ConventionStatus.DRAFT)
    de_minimis = models.BooleanField("aide relevant du régime de minimis", default=False)
    eligible_costs = models.TextField("coûts éligibles", blank=True)
    max_hourly_cost = models.DecimalField("coût horaire plafond (€/h)", **MONEY, null=True, blank=True)
    max_line_amount = models.DecimalField("prise en charge plafond par dossier (€)", **MONEY, null=True, blank=True)
    max_months = models.PositiveSmallIntegerField("durée maximale d'une action (mois)", null=True, blank=True)
    reporting_months = models.PositiveSmallIntegerField("fréquence des bilans (mois)", default=12)
    unspent_rule = models.CharField(
        "fonds non consommés", max_length=500, default="Reversés au financeur au solde de la convention."
    )
    npec_raise = models.TextField("majorations de NPEC (L6211-3 I 1°)", blank=True)
    version = models.PositiveIntegerField("version en vigueur", default=1)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="suivie par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "convention"
        verbose_name_plural = "conventions"
        ordering = ["-starts_on", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="convention_period_ordered",
                violation_error_message="La fin de la convention précède son début.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} – {self.title}"

    @property
    def scope_key(self) -> str:
        """The key of its envelopes in payments.budgets and of its funding lines."""
        return f"convention:{self.pk}"


class ConventionParty(models.Model):
    convention = models.ForeignKey(Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="parties")
    role = models.CharField("rôle", max_length=16, choices=PartyRole.choices)
    name = models.CharField("partie", max_length=255)
    signatory = models.CharField("signataire", max_length=255, blank=True)
    signatory_title = models.CharField("qualité du signataire", max_length=255, blank=True)

    class Meta:
        verbose_name = "partie"
        verbose_name_plural = "parties"
        ordering = ["convention", "role", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class ConventionBudget(models.Model):
    """The budget of a year from a funder. The convention's envelope of a year (payments.budgets) is
    the sum of its funders' budgets for that year."""

    convention = models.ForeignKey(Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField("année")
    funder = models.CharField("financeur", max_length=255)
    amount = models.DecimalField("montant", **MONEY)

    class Meta:
        verbose_name = "budget annuel"
        verbose_name_plural = "budgets annuels"
        ordering = ["convention", "year", "funder"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "year", "funder"], name="convention_budget_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="convention_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year} – {self.funder} : {self.amount} €"


class CofinancingRate(models.Model):
    """The share of the eligible cost the convention takes, by company size (FNE-Formation: 70 % under
    50, 60 % under 250, 50 % above). No row for a band: companies of that band are not eligible."""

    convention = models.ForeignKey(Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="rates")
    size_band = models.CharField("tranche d'effectif", max_length=16, choices=SizeBand.choices)
    rate = models.DecimalField("taux de cofinancement (%)", **RATE)

    class Meta:
        verbose_name = "taux de cofinancement"
        verbose_name_plural = "taux de cofinancement"
        ordering = ["convention", "size_band"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "size_band"], name="cofinancing_rate_unique"),
            models.CheckConstraint(condition=Q(rate__gt=0) & Q(rate__lte=100), name="cofinancing_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_size_band_display()} : {self.rate} %"


class ConventionVersion(models.Model):
    """The convention as signed (version 1) or as amended by an avenant (2, 3…): every term frozen as
    it was, so an old version stays readable after the next avenant."""

    convention = models.ForeignKey(Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version")
    label = models.CharField("intitulé", max_length=255)
    signed_on = models.DateField("signée le", null=True, blank=True)
    summary = models.TextField("objet de l'avenant", blank=True)
    terms = models.JSONField("termes")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisie par", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("saisie le", auto_now_add=True)

    class Meta:
        verbose_name = "version de convention"
        verbose_name_plural = "versions de convention"
        ordering = ["convention", "number"]
        constraints = [models.UniqueConstraint(fields=["convention", "number"], name="convention_version_unique")]

    def __str__(self) -> str:
        return f"{self.convention.number} v{self.number} – {self.label}"


class FunderPayment(models.Model):
    """Money in: an advance, a tranche or the balance the funder owes, and what the bank statement
    shows received (matched by staff)."""

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="funder_payments"
    )
    kind = models.CharField("nature", max_length=16, choices=FunderPaymentKind.choices)
    label = models.CharField("libellé", max_length=255)
    due_on = models.DateField("attendu le")
    amount_due = models.DecimalField("montant attendu", **MONEY)
    received_on = models.DateField("reçu le", null=True, blank=True)
    amount_received = models.DecimalField("montant reçu", **MONEY, null=True, blank=True)
    bank_reference = models.CharField("référence du relevé bancaire", max_length=140, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="rapproché par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    matched_at = models.DateTimeField("rapproché le", null=True, blank=True)

    class Meta:
        verbose_name = "versement du financeur"
        verbose_name_plural = "versements du financeur"
        ordering = ["convention", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_due__gt=0), name="funder_payment_due_positive"),
            models.CheckConstraint(
                condition=Q(amount_received__isnull=True, received_on__isnull=True)
                | Q(amount_received__gt=0, received_on__isnull=False),
                name="funder_payment_received_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label} : {self.amount_due} €"


class Indicator(models.Model):
    convention = models.ForeignKey(Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField("indicateur", max_length=16, choices=IndicatorCode.choices)

    class Meta:
        verbose_name = "indicateur"
        verbose_name_plural = "indicateurs"
        ordering = ["convention", "code"]
        constraints = [models.UniqueConstraint(fields=["convention", "code"], name="indicator_unique")]

    def __str__(self) -> str:
        return self.get_code_display()


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name="indicateur", on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField("année")
    target = models.DecimalField("cible", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "cible annuelle"
        verbose_name_plural = "cibles annuelles"
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="indicator_target_unique"),
            models.CheckConstraint(condition=Q(target__gte=0), name="indicator_target_not_negative"),
        ]


class ReportingDeadline(models.Model):
    """A report the funder expects (D5121-1 6°: monitoring during and at the end)."""

    convention = models.ForeignKey(Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="deadlines")
    period_start = models.DateField("période du")
    period_end = models.DateField("période au")
    due_on = models.DateField("à remettre le")

    class Meta:
        verbose_name = "échéance de bilan"
        verbose_name_plural = "échéances de bilan"
        ordering = ["convention", "due_on"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "period_start", "period_end"], name="reporting_deadline_unique")
        ]

    def __str__(self) -> str:
        return f"Bilan {self.period_start:%d/%m/%Y} – {self.period_end:%d/%m/%Y} (dû le {self.due_on:%d/%m/%Y})"


class FunderReport(models.Model):
    """The funder's report: figures frozen when prepared; checked by another person; sent."""

    convention = models.ForeignKey(Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="reports")
    deadline = models.OneToOneField(
        ReportingDeadline, verbose_name="échéance", null=True, blank=True, on_delete=models.PROTECT, related_name="report"
    )
    period_start = models.DateField("période du")
    period_end = models.DateField("période au")
    status = models.CharField("statut", max_length=16, choices=ReportStatus.choices, default=ReportStatus.PREPARED)
    figures = models.JSONField("chiffres")
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="préparé par", on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField("préparé le", auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="vérifié par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField("vérifié le", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="envoyé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "bilan au financeur"
        verbose_name_plural = "bilans au financeur"
        ordering = ["-prepared_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True) | ~Q(checked_by=F("prepared_by")),
                name="funder_report_two_people",
                violation_error_message="Le bilan est vérifié par une autre personne que celle qui l'a préparé.",
            )
        ]

    def __str__(self) -> str:
        return f"Bilan {self.convention.number} {self.period_start:%d/%m/%Y} – {self.period_end:%d/%m/%Y}"


class TransparencySnapshot(models.Model):
    """What the public page shows (R6332-23), built by a task and never read from live tables."""

    built_at = models.DateTimeField("publié le", auto_now_add=True, db_index=True)
    reason = models.CharField("motif", max_length=255)
    payload = models.JSONField("contenu")
    csv = models.TextField("CSV des organismes financés")

    class Meta:
        verbose_name = "publication de la page de transparence"
        verbose_name_plural = "publications de la page de transparence"
        ordering = ["-built_at", "-id"]

    def __str__(self) -> str:
        return f"Publication du {self.built_at:%d/%m/%Y %H:%M}"


class TransparencySection(models.Model):
    """One section of a snapshot. Its first rows are kept apart (`preview`), so the page decodes those
    only whatever the size of the NPEC referential; the CSV of the section reads `rows`."""

    snapshot = models.ForeignKey(
        TransparencySnapshot, verbose_name="publication", on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField("ordre")
    key = models.SlugField("rubrique", max_length=64)
    title = models.CharField("titre", max_length=255)
    columns = models.JSONField("colonnes")
    preview = models.JSONField("premières lignes")
    row_count = models.PositiveIntegerField("lignes")
    rows = models.JSONField("lignes")

    class Meta:
        verbose_name = "rubrique publiée"
        verbose_name_plural = "rubriques publiées"
        ordering = ["snapshot", "position"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "key"], name="transparency_section_unique")]

    def __str__(self) -> str:
        return self.title


class YearlyStatement(models.Model):
    """The yearly statement (R6332-31): figures of a calendar year; locked, it never changes."""

    year = models.PositiveSmallIntegerField("année", unique=True)
    status = models.CharField("statut", max_length=16, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    figures = models.JSONField("chiffres")
    computed_at = models.DateTimeField("calculé le")
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="calculé par", on_delete=models.PROTECT, related_name="+"
    )
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="verrouillé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    locked_at = models.DateTimeField("verrouillé le", null=True, blank=True)

    class Meta:
        verbose_name = "état annuel"
        verbose_name_plural = "états annuels"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"État annuel {self.year}"


class RegionalNpecRaise(models.Model):
    """A region raising the NPEC of a certification for its territory's needs (L6211-3 I 1°)."""

    convention = models.ForeignKey(Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="npec_raises")
    rncp = models.CharField("fiche RNCP", max_length=16)
    cpne_code = models.CharField("code CPNE", max_length=16, blank=True)
    title = models.CharField("certification", max_length=500)
    amount = models.DecimalField("majoration annuelle (€)", **MONEY)
    applicable_from = models.DateField("applicable à partir du")

    class Meta:
        verbose_name = "majoration régionale de NPEC"
        verbose_name_plural = "majorations régionales de NPEC"
        ordering = ["convention", "rncp"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "rncp", "cpne_code"], name="npec_raise_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="npec_raise_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rncp} ({self.title}) : + {self.amount} €"
