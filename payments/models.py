"""Money out: payable lines handed over by the missions, payment runs, SEPA transfers and returns.

Payments knows nothing of a mission's internals (DESIGN.md): a line carries its beneficiary account,
amount, dates, a reference the beneficiary can read, and a generic link to its source object. The
database carries "exactly once": one live payable line per source object, one transfer line per
payable line, one end-to-end id per transfer.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q

from opco.money import euros
from payments.enums import BeneficiaryKind, FinancialSection, LineStatus, RecoveryStatus, ReturnSource, RunStatus, TransferStatus
from referentials.validators import validate_bic, validate_iban

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0")


class BeneficiaryAccount(models.Model):
    """A beneficiary's bank account and postal address as payments uses them. A bank return blocks
    it: its lines wait until staff correct the IBAN (issue 5)."""

    kind = models.CharField("type de bénéficiaire", max_length=16, choices=BeneficiaryKind.choices)
    identifier = models.CharField("identifiant (SIRET)", max_length=14)
    name = models.CharField("nom", max_length=255)
    street = models.CharField("voie", max_length=255, blank=True)
    building_number = models.CharField("numéro", max_length=16, blank=True)
    postal_code = models.CharField("code postal", max_length=16, blank=True)
    town = models.CharField("commune", max_length=128)
    country = models.CharField("pays", max_length=2, default="FR")
    iban = models.CharField("IBAN", max_length=34, validators=[validate_iban])
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[validate_bic])
    blocked = models.BooleanField("IBAN signalé", default=False, db_index=True)
    blocked_reason = models.CharField("motif du signalement", max_length=255, blank=True)
    blocked_at = models.DateTimeField("signalé le", null=True, blank=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    # The bank details (PARTY_FIELDS) as the SEPA file last accepted them, hashed (payments.runs): a run
    # checks again only the accounts whose details changed since (0.6 s of a 3 000-account run, issue 19).
    file_check_digest = models.CharField("empreinte des coordonnées vérifiées", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "compte bénéficiaire"
        verbose_name_plural = "comptes bénéficiaires"
        ordering = ["name", "identifier"]
        constraints = [models.UniqueConstraint(fields=["kind", "identifier"], name="beneficiary_account_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban)


def mask_iban(iban: str) -> str:
    """IBANs never appear whole on screens, exports or logs (DESIGN.md, security baseline)."""
    return f"{iban[:4]} **** **** {iban[-4:]}" if iban else ""


class RecoveryOrder(models.Model):
    """A titre de recette: negative lines (trop-perçu) nothing was left to net against."""

    number = models.CharField("numéro", max_length=20, unique=True)
    account = models.ForeignKey(BeneficiaryAccount, verbose_name="débiteur", on_delete=models.PROTECT)
    amount = models.DecimalField("montant à recouvrer", **MONEY)
    issued_on = models.DateField("émis le")
    status = models.CharField("statut", max_length=16, choices=RecoveryStatus.choices, default=RecoveryStatus.ISSUED)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "titre de recette"
        verbose_name_plural = "titres de recette"
        ordering = ["-issued_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive")]

    def __str__(self) -> str:
        return f"Titre de recette {self.number}"


class PaymentRun(models.Model):
    """A payment run: a persisted job staff watch (pretix), four eyes between prepare and approve."""

    execution_date = models.DateField("date d'exécution", db_index=True)
    status = models.CharField("statut", max_length=16, choices=RunStatus.choices, default=RunStatus.PREPARED, db_index=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="préparé par", on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField("préparé le", auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="approuvé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField("approuvé le", null=True, blank=True)
    line_count = models.PositiveIntegerField("lignes", default=0)
    transfer_count = models.PositiveIntegerField("virements", default=0)
    total = models.DecimalField("montant total", **MONEY, default=0)
    netted_count = models.PositiveIntegerField("lignes négatives imputées", default=0)
    # Execution (resumable): the message id and creation time are fixed at the first attempt so that a
    # resumed execution rebuilds the very same file.
    message_id = models.CharField("identifiant du message (MsgId)", max_length=35, null=True, blank=True, unique=True)
    file_created_at = models.DateTimeField("fichier créé le", null=True, blank=True)
    started_at = models.DateTimeField("exécution démarrée le", null=True, blank=True)
    finished_at = models.DateTimeField("exécution terminée le", null=True, blank=True)
    progress_done = models.PositiveIntegerField("virements contrôlés", default=0)
    progress_total = models.PositiveIntegerField("virements à contrôler", default=0)
    attempts = models.PositiveSmallIntegerField("tentatives d'exécution", default=0)
    # Stamped by each attempt, and by the sweep when it queues one again: a run « en exécution » whose
    # last attempt is older than a bound has lost its execution and its Celery message (payments.runs).
    attempted_at = models.DateTimeField("dernière tentative le", null=True, blank=True)
    file = models.FileField("fichier SEPA", upload_to="payments/runs/", blank=True)
    file_sha256 = models.CharField("empreinte SHA-256 du fichier", max_length=64, blank=True)
    control_sum = models.DecimalField("somme de contrôle", **MONEY, null=True, blank=True)
    transaction_count = models.PositiveIntegerField("nombre de transactions", null=True, blank=True)
    error = models.TextField("erreur", blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="envoyé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="réglé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField("réglé le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)

    class Meta:
        verbose_name = "lot de paiement"
        verbose_name_plural = "lots de paiement"
        ordering = ["-prepared_at", "-id"]
        constraints = [
            # Four eyes (issue 5): whoever prepared a run cannot approve it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="payment_run_four_eyes",
                violation_error_message="Le lot doit être approuvé par une autre personne que celle qui l'a préparé.",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="payment_run_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Lot n° {self.pk} du {self.execution_date:%d/%m/%Y}"

    @property
    def percent(self) -> int:
        if self.status in (RunStatus.FILE_READY, RunStatus.SENT, RunStatus.SETTLED):
            return 100
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0

    @property
    def finished(self) -> bool:
        return self.status not in (RunStatus.APPROVED, RunStatus.EXECUTING)


class PayableLine(models.Model):
    account = models.ForeignKey(BeneficiaryAccount, verbose_name="bénéficiaire", on_delete=models.PROTECT, related_name="lines")
    # No index of its own: the unique (source_type, source_id) index serves the lookups, and each index
    # costs on the 200 000-row updates of a run (issue 5 benchmark).
    source_type = models.ForeignKey(ContentType, verbose_name="type de l'origine", on_delete=models.PROTECT, db_index=False)
    source_id = models.PositiveBigIntegerField("identifiant de l'origine")
    amount = models.DecimalField("montant", **MONEY)
    due_date = models.DateField("payable à partir du")
    pay_by = models.DateField("à payer au plus tard le", null=True, blank=True)
    reference = models.CharField("référence", max_length=40)
    label = models.CharField("libellé détaillé", max_length=255)
    # Indexed in Meta.indexes (no « _like » twin: a choice is never searched by prefix).
    section = models.CharField("section financière", max_length=32, blank=True, choices=FinancialSection.choices)
    status = models.CharField("statut", max_length=16, choices=LineStatus.choices, default=LineStatus.PAYABLE)
    run = models.ForeignKey(PaymentRun, verbose_name="lot", null=True, blank=True, on_delete=models.PROTECT, related_name="lines")
    # Replaced at most once: a partial unique constraint (Meta), since almost every line replaces none and
    # a full unique index would be rewritten for each line a run claims (issue 19).
    replaces = models.ForeignKey(
        "self",
        verbose_name="remplace la ligne rejetée",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        db_index=False,
    )
    recovery_order = models.ForeignKey(
        RecoveryOrder,
        verbose_name="titre de recette",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,  # a partial index instead (Meta.indexes): almost every line has none
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "ligne à payer"
        verbose_name_plural = "lignes à payer"
        ordering = ["due_date", "id"]
        constraints = [
            # One live line per source object: a returned or cancelled line may be followed by another.
            models.UniqueConstraint(
                fields=["source_type", "source_id"],
                condition=~Q(status__in=[LineStatus.RETURNED, LineStatus.CANCELLED]),
                name="payable_line_one_live_per_source",
            ),
            models.CheckConstraint(
                condition=~Q(amount=0),
                name="payable_line_amount_not_zero",
                violation_error_message="Une ligne à payer ne peut pas être nulle.",
            ),
            models.CheckConstraint(
                condition=~Q(status=LineStatus.IN_RUN) | Q(run__isnull=False), name="payable_line_in_run_has_run"
            ),
            models.UniqueConstraint(fields=["replaces"], condition=Q(replaces__isnull=False), name="payable_line_replaced_once"),
        ]
        indexes = [
            # Every index is rewritten for each of the 200 000 lines a run claims (the status changes, no HOT
            # update): the queue index holds the payable lines only, so a claimed line leaves it without a new
            # entry; the section (three values, read over whole years) and the replaced line (almost always
            # none) have no full index (issue 19: 2.23M WAL records for 200 000 rows).
            models.Index(fields=["due_date"], condition=Q(status="payable"), name="payable_line_queue_idx"),
            models.Index(fields=["recovery_order"], condition=Q(recovery_order__isnull=False), name="payable_line_recovery_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} : {euros(self.amount)}"


class Transfer(models.Model):
    """One SEPA credit transfer of a run: one per beneficiary account. Name, IBAN, BIC and address
    are frozen here at preparation; the file is built from these columns only."""

    run = models.ForeignKey(PaymentRun, verbose_name="lot", on_delete=models.PROTECT, related_name="transfers")
    account = models.ForeignKey(BeneficiaryAccount, verbose_name="bénéficiaire", on_delete=models.PROTECT, related_name="+")
    end_to_end_id = models.CharField("identifiant de bout en bout", max_length=35, unique=True)
    amount = models.DecimalField("montant", **MONEY)
    remittance = models.CharField("libellé du virement", max_length=140)
    name = models.CharField("nom du bénéficiaire", max_length=255)
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11, blank=True)
    street = models.CharField("voie", max_length=255, blank=True)
    building_number = models.CharField("numéro", max_length=16, blank=True)
    postal_code = models.CharField("code postal", max_length=16, blank=True)
    town = models.CharField("commune", max_length=128)
    country = models.CharField("pays", max_length=2, default="FR")
    status = models.CharField("statut", max_length=16, choices=TransferStatus.choices, default=TransferStatus.INCLUDED)

    class Meta:
        verbose_name = "virement"
        verbose_name_plural = "virements"
        ordering = ["run", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.UniqueConstraint(fields=["run", "account"], name="transfer_one_per_account_per_run"),
        ]

    def __str__(self) -> str:
        return f"Virement {self.end_to_end_id} : {euros(self.amount)}"

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban)


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, verbose_name="virement", on_delete=models.PROTECT, related_name="transfer_lines")
    # OneToOne: a payable line belongs to at most one transfer, ever (issue 5, "exactly once").
    line = models.OneToOneField(PayableLine, verbose_name="ligne à payer", on_delete=models.PROTECT, related_name="transfer_line")
    amount = models.DecimalField("montant", **MONEY)

    class Meta:
        verbose_name = "ligne de virement"
        verbose_name_plural = "lignes de virement"
        ordering = ["transfer", "id"]

    def __str__(self) -> str:
        return f"{self.transfer.end_to_end_id} ← ligne {self.line_id}"


class BankReturn(models.Model):
    """A transfer the bank rejected or returned: its lines go back to payable, the IBAN is flagged."""

    transfer = models.OneToOneField(Transfer, verbose_name="virement", on_delete=models.PROTECT, related_name="bank_return")
    reason_code = models.CharField("code motif", max_length=8)
    reason = models.CharField("motif", max_length=255)
    source = models.CharField("origine", max_length=16, choices=ReturnSource.choices, default=ReturnSource.MANUAL)
    source_file = models.CharField("fichier d'origine", max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisi par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "rejet bancaire"
        verbose_name_plural = "rejets bancaires"
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"Rejet {self.reason_code} du virement {self.transfer.end_to_end_id}"


# --- Envelopes: the pots of money commitments draw on ---------------------------------------------
# Years an envelope may exist for: a guard against typos (OPCOs exist since 2019).
BUDGET_FIRST_YEAR, BUDGET_LAST_YEAR = 2019, 2100


class EnvelopeKind(models.TextChoices):
    SECTION = "section", "Dotation de section financière"
    BRANCH = "branche", "Enveloppe trimestrielle de branche"
    CONVENTION = "convention", "Enveloppe de convention"


class Envelope(models.Model):
    """A pot of money commitments draw on, for a period, in one of three kinds:

    - the yearly dotation of a financial section (L6332-3: alternance, plan < 50, reconversion);
    - a branch's envelope for a quarter of a section (a branch splits its yearly envelope by quarter
      for the plan < 50 funding);
    - the yearly envelope of a convention with the State or a region, named by a free `scope_key`
      (payments knows no mission app: the conventions app chooses its keys, « convention:42 »).

    A row may exist with no amount: a commitment fell due in a period whose envelope nobody entered
    yet (« non saisie »); commitments are then accepted and the dashboard raises an alert. Written by
    `payments.budgets` only (the row is locked while commitments are checked against it). The database
    holds one envelope per kind, key and period, and the shape of each kind."""

    kind = models.CharField("type d'enveloppe", max_length=16, choices=EnvelopeKind.choices, default=EnvelopeKind.SECTION)
    year = models.PositiveSmallIntegerField("année")
    quarter = models.PositiveSmallIntegerField(
        "trimestre", null=True, blank=True, choices=[(n, f"T{n}") for n in range(1, 5)], help_text="Enveloppes de branche."
    )
    section = models.CharField("section financière", max_length=32, blank=True, choices=FinancialSection.choices)
    branch = models.ForeignKey(
        "branches.Branch", verbose_name="branche", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_key = models.CharField(
        "clé de la convention", max_length=64, blank=True, help_text="Enveloppes de convention, par exemple « convention:42 »."
    )
    label = models.CharField("intitulé", max_length=255, blank=True, help_text="Enveloppes de convention.")
    amount = models.DecimalField("montant", **MONEY, null=True, blank=True, help_text="Vide : non saisi.")
    source = models.CharField(
        "origine du montant",
        max_length=255,
        blank=True,
        help_text="Par exemple « Dotation France compétences notifiée le … ».",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisie par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "enveloppe"
        verbose_name_plural = "enveloppes"
        ordering = ["-year", "kind", "section", "quarter", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "year"],
                condition=Q(kind=EnvelopeKind.SECTION),
                name="envelope_section_one_per_year",
                violation_error_message="Cette section a déjà une dotation pour cette année.",
            ),
            models.UniqueConstraint(
                fields=["branch", "section", "year", "quarter"],
                condition=Q(kind=EnvelopeKind.BRANCH),
                name="envelope_branch_one_per_quarter",
                violation_error_message="Cette branche a déjà une enveloppe pour cette section et ce trimestre.",
            ),
            models.UniqueConstraint(
                fields=["scope_key", "year"],
                condition=Q(kind=EnvelopeKind.CONVENTION),
                name="envelope_convention_one_per_year",
                violation_error_message="Cette convention a déjà une enveloppe pour cette année.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EnvelopeKind.values),
                name="envelope_kind_known",
                violation_error_message="Type d'enveloppe inconnu.",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EnvelopeKind.SECTION)
                | (~Q(section="") & Q(branch__isnull=True, quarter__isnull=True, scope_key="")),
                name="envelope_section_shape",
                violation_error_message="Une dotation de section porte une section et une année, sans branche, trimestre "
                "ni clé de convention.",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EnvelopeKind.BRANCH)
                | (~Q(section="") & Q(branch__isnull=False, quarter__isnull=False, quarter__gte=1, quarter__lte=4, scope_key="")),
                name="envelope_branch_shape",
                violation_error_message="Une enveloppe de branche porte une branche, une section, une année et un trimestre "
                "de 1 à 4, sans clé de convention.",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EnvelopeKind.CONVENTION)
                | (~Q(scope_key="") & Q(section="", branch__isnull=True, quarter__isnull=True)),
                name="envelope_convention_shape",
                violation_error_message="Une enveloppe de convention porte une clé de convention et une année, sans "
                "section, branche ni trimestre.",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="envelope_amount_not_negative",
                violation_error_message="Le montant d'une enveloppe ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=BUDGET_FIRST_YEAR, year__lte=BUDGET_LAST_YEAR),
                name="envelope_year_range",
                violation_error_message="Année hors de la plage acceptée.",
            ),
        ]

    def __str__(self) -> str:
        named = self.named
        return named[0].upper() + named[1:]

    @property
    def named(self) -> str:
        """The envelope inside a sentence, after « la » (section, branche and convention are all
        feminine): « section « Alternance » 2026 », « branche « Métallurgie » (section « … »),
        2e trimestre 2026 », « convention « EDEC numérique » 2026 »."""
        if self.kind == EnvelopeKind.BRANCH:
            return (
                f"branche « {self.branch} » (section « {self.get_section_display()} »), {quarter_name(self.quarter)} {self.year}"
            )
        if self.kind == EnvelopeKind.CONVENTION:
            return f"convention « {self.label or self.scope_key} » {self.year}"
        return f"section « {self.get_section_display()} » {self.year}"


def quarter_name(quarter: int) -> str:
    return "1er trimestre" if quarter == 1 else f"{quarter}e trimestre"


class SectionBudgetManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=EnvelopeKind.SECTION)


class SectionBudget(Envelope):
    """The yearly dotations of the three financial sections, among the envelopes (L6332-3): the same
    rows, read and created through a manager that keeps to that kind."""

    objects = SectionBudgetManager()

    class Meta:
        proxy = True
        verbose_name = "dotation de section financière"
        verbose_name_plural = "dotations des sections financières"
        ordering = ["-year", "section"]


class BudgetMovement(models.Model):
    """One line of the commitment ledger of an envelope: money a mission committed (positive) or gave
    back after a rupture or a recalculation (negative), in the month it falls due. Append-only: a
    correction is a new movement, never an edit (enforced by a database trigger, migrations 0003 and
    0004). A commitment drawing on two envelopes (a branch's quarter and its section) writes its
    movements once on each."""

    # No index of its own: the (budget, month) index serves every lookup by envelope. Named `budget`
    # since the section dotations: the missions' code and tests read it so.
    budget = models.ForeignKey(
        Envelope, verbose_name="enveloppe", on_delete=models.PROTECT, related_name="movements", db_index=False
    )
    month = models.DateField("mois", help_text="Premier jour du mois où la somme est due.")
    amount = models.DecimalField("montant", **MONEY, help_text="Positif : engagement ; négatif : dégagement.")
    # Generic link to the mission's object (a commitment, a reconversion period…), like PayableLine.
    source_type = models.ForeignKey(ContentType, verbose_name="type de l'origine", on_delete=models.PROTECT, db_index=False)
    source_id = models.PositiveBigIntegerField("identifiant de l'origine")
    reference = models.CharField("référence", max_length=64)
    label = models.CharField("libellé", max_length=255, blank=True)
    overrun = models.BooleanField("dépassement accepté", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="enregistré par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "mouvement d'engagement"
        verbose_name_plural = "mouvements d'engagement"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0),
                name="budget_movement_amount_not_zero",
                violation_error_message="Un mouvement ne peut pas être nul.",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="budget_movement_month_first_day",
                violation_error_message="Le mois d'un mouvement est le premier jour de ce mois.",
            ),
        ]
        indexes = [
            models.Index(fields=["budget", "month"], name="budget_movement_month_idx"),
            models.Index(fields=["source_type", "source_id"], name="budget_movement_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.month:%m/%Y} : {euros(self.amount)}"


# --- Co-financing: the funding lines of a file ------------------------------------------------------
class FunderKind(models.TextChoices):
    """Who pays a share of a file (payments.cofinancing)."""

    SECTION = "section", "Section financière de l'OPCO"
    CONVENTION = "convention", "Convention (État, région…)"
    COMPANY = "entreprise", "Entreprise (reste à charge)"


class SizeBand(models.TextChoices):
    """Company size bands of the co-financing rates (FNE-Formation: 70 / 60 / 50 %)."""

    SMALL = "moins_50", "Moins de 50 salariés"
    MEDIUM = "50_249", "De 50 à 249 salariés"
    LARGE = "250_plus", "250 salariés et plus"

    @classmethod
    def of(cls, headcount: int | None) -> "SizeBand | None":
        if headcount is None:
            return None
        if headcount < 50:
            return cls.SMALL
        return cls.MEDIUM if headcount < 250 else cls.LARGE


class Public(models.TextChoices):
    EMPLOYEES = "salaries", "Salariés"
    JOB_SEEKERS = "demandeurs", "Demandeurs d'emploi"
    SENIORS = "seniors", "Salariés seniors (55 ans et plus)"
    APPRENTICES = "alternants", "Alternants"
    EMPLOYERS = "employeurs", "Employeurs, dirigeants"


class FundingLineStatus(models.TextChoices):
    COMMITTED = "engagee", "Engagée"
    RELEASED = "degagee", "Dégagée"


class FundingLine(models.Model):
    """One share of an instructed file's funding: the OPCO's section, a convention or the company.
    A section's or a convention's line is committed on its envelope's ledger when it is added (the
    ledger movements point at the line); the facts (company size, public, dates, hours, cost) are
    those the eligibility rules were checked against, and those the conventions' indicators count."""

    source_type = models.ForeignKey(ContentType, verbose_name="type de dossier", on_delete=models.PROTECT, db_index=False)
    source_id = models.PositiveBigIntegerField("identifiant du dossier")
    reference = models.CharField("n° de dossier", max_length=64)
    funder_kind = models.CharField("financeur", max_length=16, choices=FunderKind.choices)
    section = models.CharField("section financière", max_length=32, blank=True, choices=FinancialSection.choices)
    scope_key = models.CharField("clé de convention", max_length=64, blank=True, db_index=True)
    amount = models.DecimalField("montant engagé", **MONEY)
    consumed = models.DecimalField("montant consommé (payé)", **MONEY, default=0)
    status = models.CharField("statut", max_length=16, choices=FundingLineStatus.choices, default=FundingLineStatus.COMMITTED)
    company = models.ForeignKey(
        "referentials.Company", verbose_name="entreprise", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    headcount = models.PositiveIntegerField("effectif retenu", null=True, blank=True)
    size_band = models.CharField("tranche d'effectif", max_length=16, blank=True, choices=SizeBand.choices)
    public = models.CharField("public", max_length=16, choices=Public.choices, default=Public.EMPLOYEES)
    starts_on = models.DateField("début de l'action")
    ends_on = models.DateField("fin de l'action")
    hours = models.DecimalField("heures de formation", max_digits=10, decimal_places=2, default=0)
    trainees = models.PositiveIntegerField("stagiaires", default=0)
    seniors = models.PositiveIntegerField("dont seniors (55 ans et plus)", default=0)
    women = models.PositiveIntegerField("dont femmes", default=0)
    total_cost = models.DecimalField("coût total de l'action", **MONEY)
    completed = models.BooleanField("action achevée", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="ajoutée par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("ajoutée le", auto_now_add=True)
    released_at = models.DateTimeField("dégagée le", null=True, blank=True)

    class Meta:
        verbose_name = "ligne de financement"
        verbose_name_plural = "lignes de financement"
        ordering = ["reference", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funding_line_amount_positive"),
            models.CheckConstraint(
                condition=Q(consumed__gte=0) & Q(consumed__lte=F("amount")), name="funding_line_consumed_within_amount"
            ),
            models.CheckConstraint(condition=Q(total_cost__gt=0), name="funding_line_cost_positive"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="funding_line_dates_ordered"),
            models.CheckConstraint(
                condition=(Q(funder_kind="section") & ~Q(section="") & Q(scope_key=""))
                | (Q(funder_kind="convention") & Q(section="") & ~Q(scope_key=""))
                | (Q(funder_kind="entreprise") & Q(section="") & Q(scope_key="")),
                name="funding_line_funder_shape",
            ),
            models.CheckConstraint(
                condition=Q(seniors__lte=F("trainees")) & Q(women__lte=F("trainees")), name="funding_line_counts_within_trainees"
            ),
        ]
        indexes = [models.Index(fields=["source_type", "source_id"], name="funding_line_source_idx")]

    def __str__(self) -> str:
        return f"{self.reference} – {self.get_funder_kind_display()} : {euros(self.amount)}"
