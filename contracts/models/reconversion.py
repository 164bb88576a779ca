"""Périodes de reconversion (L6324-1 to L6324-11, in force since 1 January 2026) and the read-only
stock of Pro-A amendments signed before that date (the old L6324-1 and D6324-1 … D6324-2 still apply
to them: loi n° 2025-989 du 24 octobre 2025, art. 11 III; décret n° 2026-39, art. 4).

Writes go through `contracts.reconversion` (services); the rules are there too. Rows are imported by
`contracts.models` (one line at its end) so that Django sees them in the contracts app.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from opco.instruction import InstructedFile
from opco.money import euros
from payments.enums import ScheduleStatus
from referentials.models import Certification, Company, TrainingProvider

# The rows Django registers from here (contracts.models re-exports them).
__all__ = ["ReconversionPeriod", "ReconversionPayment", "ProAAmendment"]

MONEY = {"max_digits": 14, "decimal_places": 2}
# Loi n° 2025-989 du 24 octobre 2025, art. 11 II-III: the période de reconversion from this day; the
# Pro-A rules for amendments concluded before it.
PRO_A_END = date(2026, 1, 1)
HOURS = {"max_digits": 7, "decimal_places": 2}


class ReconversionKind(models.TextChoices):
    INTERNAL = "interne", "Interne (contrat maintenu, L6324-3 I)"
    EXTERNAL = "externe", "Externe (contrat suspendu, autre entreprise, L6324-3 II)"


class ReconversionStatus(models.TextChoices):
    RECEIVED = "received", "Reçue"
    UNDER_INSTRUCTION = "instruction", "En instruction"
    INCOMPLETE = "incomplete", "Incomplète"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
    RUNNING = "running", "En cours"
    ENDED = "ended", "Terminée"
    INTERRUPTED = "interrupted", "Interrompue"


class ReconversionTarget(models.TextChoices):
    """What the period leads to (L6324-1: the qualifications of L6314-1 1° and 3°, blocs de
    compétences, or the socle de connaissances et de compétences)."""

    RNCP = "rncp", "Certification enregistrée au RNCP"
    CQP = "cqp", "CQP ou qualification de branche"
    BLOCS = "blocs", "Bloc(s) de compétences"
    SOCLE = "socle", "Socle de connaissances et de compétences"


class HostContractKind(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD (au moins 6 mois)"


class FundingSource(models.TextChoices):
    BRANCH = "branche", "Forfait de la branche (D6332-89)"
    DEFAULT = "defaut", "Forfait par défaut 9,15 €/h (D6332-90 I)"


class PaymentKind(models.TextChoices):
    ADVANCE = "advance", "Avance (début de formation)"
    BALANCE = "balance", "Solde (fin de formation)"


class ReconversionPeriod(InstructedFile):
    """One request for a période de reconversion, from its receipt to its end or interruption."""

    kind = models.CharField("nature", max_length=8, choices=ReconversionKind.choices)
    status = models.CharField(
        "statut", max_length=16, choices=ReconversionStatus.choices, default=ReconversionStatus.RECEIVED, db_index=True
    )

    # The employer (« à l'initiative de l'employeur avec l'accord du salarié »).
    employer_siret = models.CharField("SIRET de l'employeur", max_length=14, db_index=True)
    employer_name = models.CharField("dénomination de l'employeur", max_length=255)
    employer_email = models.EmailField("courriel de l'employeur", blank=True, db_default="")
    depositor_email = models.EmailField("courriel du déposant", blank=True, db_default="")
    employer_idcc = models.CharField("IDCC de l'employeur", max_length=4, blank=True, db_index=True)
    employer = models.ForeignKey(
        Company, verbose_name="employeur", null=True, blank=True, on_delete=models.PROTECT, related_name="reconversion_periods"
    )

    # The employee (no NIR: nothing in this file needs it).
    employee_last_name = models.CharField("nom du salarié", max_length=150)
    employee_first_name = models.CharField("prénom du salarié", max_length=150)
    employee_birth_date = models.DateField("date de naissance du salarié")
    agreement_signed_on = models.DateField(
        "date de l'accord écrit du salarié",
        help_text="Accord écrit fixant la durée (interne) ou les modalités de suspension du contrat (externe), L6324-3.",
    )

    # External period: the host company and its contract (L6324-3 II: CDI, or CDD of at least 6 months).
    host_siret = models.CharField("SIRET de l'entreprise d'accueil", max_length=14, blank=True)
    host_name = models.CharField("dénomination de l'entreprise d'accueil", max_length=255, blank=True)
    host_contract_kind = models.CharField(
        "contrat dans l'entreprise d'accueil", max_length=4, choices=HostContractKind.choices, blank=True
    )
    host_contract_start = models.DateField("début du contrat d'accueil", null=True, blank=True)
    host_contract_end = models.DateField("fin du contrat d'accueil (CDD)", null=True, blank=True)

    # What the period leads to, and the training.
    target = models.CharField("objectif", max_length=8, choices=ReconversionTarget.choices)
    target_code = models.CharField(
        "code de la certification",
        max_length=255,
        blank=True,
        help_text=(
            "Fiche RNCP (RNCP12345), code du CQP, blocs (RNCP12345BC01, séparés par des virgules) ; facultatif pour le socle."
        ),
    )
    target_title = models.CharField("intitulé", max_length=500, blank=True)
    certification = models.ForeignKey(
        Certification,
        verbose_name="certification (référentiel)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider_siret = models.CharField("SIRET de l'organisme de formation", max_length=14, db_index=True)
    provider_name = models.CharField("organisme de formation", max_length=255, blank=True)
    provider = models.ForeignKey(
        TrainingProvider,
        verbose_name="organisme de formation (référentiel)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reconversion_periods",
    )
    training_hours = models.DecimalField("durée de la formation (heures)", **HOURS)
    start_date = models.DateField("début de la période", db_index=True)
    end_date = models.DateField("fin de la période")

    # Longer periods (L6324-4 al. 2): a branch agreement (read from the branch's decision) or a
    # company agreement (declared by the employer); both are kept so that either can be read.
    branch_agreement = models.BooleanField("accord de branche (décision de la branche)", default=False)
    company_agreement = models.BooleanField("accord d'entreprise déclaré", default=False)
    company_agreement_reference = models.CharField("référence de l'accord d'entreprise", max_length=255, blank=True)

    # Instruction (R6324-1 … R6324-3).
    received_on = models.DateField("reçue le", db_index=True)
    decided_on = models.DateField("décidée le", null=True, blank=True, db_index=True)

    # Funding snapshot, taken on acceptance (D6332-89, D6332-90).
    funding_hourly_rate = models.DecimalField("forfait horaire retenu (€/h)", **MONEY, null=True, blank=True)
    funding_amount_per_period = models.DecimalField("forfait par période retenu (€)", **MONEY, null=True, blank=True)
    funding_source = models.CharField("origine du forfait", max_length=8, choices=FundingSource.choices, blank=True)
    funding_origin = models.CharField("référence du forfait", max_length=500, blank=True)
    committed_amount = models.DecimalField("montant engagé", **MONEY, null=True, blank=True)

    # Execution.
    started_on = models.DateField("début constaté le", null=True, blank=True)
    start_invoice_received_on = models.DateField("facture de début reçue le", null=True, blank=True)
    ended_on = models.DateField("fin constatée le", null=True, blank=True)
    completion_attested_on = models.DateField("attestation de réalisation reçue le", null=True, blank=True)
    interrupted_on = models.DateField("interrompue le", null=True, blank=True)
    interruption_reported_on = models.DateField("interruption signalée le", null=True, blank=True)
    interruption_reason = models.CharField("motif de l'interruption", max_length=500, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisie par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "période de reconversion"
        verbose_name_plural = "périodes de reconversion"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(training_hours__gt=0),
                name="reconversion_hours_positive",
                violation_error_message="La durée de la formation est strictement positive.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="reconversion_end_after_start",
                violation_error_message="La fin de la période ne peut pas précéder son début.",
            ),
            models.CheckConstraint(
                condition=Q(committed_amount__isnull=True) | Q(committed_amount__gte=0),
                name="reconversion_committed_not_negative",
                violation_error_message="Le montant engagé ne peut pas être négatif.",
            ),
        ]
        indexes = [models.Index(fields=["status", "decision_due_on"], name="reconversion_queue_idx")]

    def __str__(self) -> str:
        return f"{self.file_number} – {self.employee_first_name} {self.employee_last_name}"

    @property
    def employee_initials(self) -> str:
        return f"{self.employee_first_name[:1]}{self.employee_last_name[:1]}".upper()

    @property
    def extended(self) -> bool:
        """A branch or company agreement allows up to 2 100 h over 36 months (L6324-4 al. 2)."""
        return self.branch_agreement or self.company_agreement


class ReconversionPayment(models.Model):
    """One row of the payment schedule of a period, paid to the training provider. Append-only once
    payable, like `Instalment`: an interruption supersedes the rows not yet due, never a paid one."""

    period = models.ForeignKey(ReconversionPeriod, verbose_name="période", on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField("échéance", max_length=8, choices=PaymentKind.choices)
    due_date = models.DateField("date d'échéance", db_index=True)
    amount = models.DecimalField("montant", **MONEY)
    status = models.CharField("statut", max_length=16, choices=ScheduleStatus.choices, default=ScheduleStatus.PLANNED)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "échéance de période de reconversion"
        verbose_name_plural = "échéances de périodes de reconversion"
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="reconversion_payment_positive",
                violation_error_message="Le montant d'une échéance est strictement positif.",
            ),
            # One live row of each kind per period.
            models.UniqueConstraint(
                fields=["period", "kind"],
                condition=~Q(status="superseded"),
                name="reconversion_payment_one_live_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period.file_number} {self.get_kind_display()} {self.due_date:%d/%m/%Y} : {euros(self.amount)}"


class ProAEmployeeContract(models.TextChoices):
    """Who the Pro-A was open to (L6324-1, version before 1 January 2026)."""

    CDI = "cdi", "CDI"
    CUI_CDI = "cui_cdi", "CUI en CDI (L5134-19-1)"
    SPORT_CDD = "cdd_sportif", "CDD de sportif ou d'entraîneur professionnel (L222-2-3 du code du sport)"
    PARTIAL_ACTIVITY = "activite_partielle", "Salarié en activité partielle (L5122-1)"
    OTHER = "autre", "Autre contrat"


class ProATarget(models.TextChoices):
    QUALIFICATION = "qualification", "Certification de la liste de l'accord de branche étendu (L6324-3)"
    SOCLE = "socle", "Socle de connaissances et de compétences"
    VAE = "vae", "Validation des acquis de l'expérience"


class ProAAmendment(models.Model):
    """An amendment (avenant) of a Pro-A signed before 1 January 2026: the stock, read under its old
    rules (RULES.md §2.2). Recorded by staff through `contracts.reconversion.pro_a_amendment_record`,
    then read only."""

    file_number = models.CharField("n° de dossier", max_length=20, unique=True)
    deposit_reference = models.CharField("n° de dépôt d'origine", max_length=64, blank=True)
    signed_on = models.DateField("avenant conclu le")
    employer_siret = models.CharField("SIRET de l'employeur", max_length=14, db_index=True)
    employer_name = models.CharField("dénomination de l'employeur", max_length=255)
    employer_idcc = models.CharField("IDCC de l'employeur", max_length=4, blank=True, db_index=True)
    employer = models.ForeignKey(
        Company, verbose_name="employeur", null=True, blank=True, on_delete=models.PROTECT, related_name="pro_a_amendments"
    )
    employee_last_name = models.CharField("nom du salarié", max_length=150)
    employee_first_name = models.CharField("prénom du salarié", max_length=150)
    employee_birth_date = models.DateField("date de naissance du salarié")
    employee_contract = models.CharField("contrat du salarié", max_length=24, choices=ProAEmployeeContract.choices)
    below_licence = models.BooleanField(
        "qualification inférieure à la licence", help_text="D6324-1-1 (ancien) : pas de certification du grade de la licence."
    )
    target = models.CharField("objet", max_length=16, choices=ProATarget.choices, default=ProATarget.QUALIFICATION)
    certification_code = models.CharField("certification visée", max_length=64, blank=True)
    certification_title = models.CharField("intitulé", max_length=500, blank=True)
    start_date = models.DateField("début de l'action")
    end_date = models.DateField("fin de l'action")
    extended_by_branch = models.BooleanField(
        "durée portée à 24 mois par accord de branche", default=False, help_text="L6325-12 (par renvoi de D6324-1 ancien)."
    )
    training_hours = models.DecimalField("heures de formation", **HOURS)
    total_hours = models.DecimalField("durée totale de l'action (heures)", **HOURS)
    above_25_by_agreement = models.BooleanField(
        "plus de 25 % par accord de branche", default=False, help_text="L6325-14 (par renvoi de D6324-1 ancien)."
    )
    tutor_last_name = models.CharField("nom du tuteur", max_length=150, blank=True)
    tutor_first_name = models.CharField("prénom du tuteur", max_length=150, blank=True)
    provider_siret = models.CharField("SIRET de l'organisme de formation", max_length=14, blank=True)
    provider_name = models.CharField("organisme de formation", max_length=255, blank=True)
    branch_hourly_rate = models.DecimalField(
        "forfait horaire de la branche (€/h)",
        **MONEY,
        null=True,
        blank=True,
        help_text="Vide : 9,15 €/h (D6332-90 ancien).",
    )
    funding_amount = models.DecimalField("prise en charge (forfait × heures)", **MONEY)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisi par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)

    class Meta:
        verbose_name = "avenant Pro-A (stock avant 2026)"
        verbose_name_plural = "avenants Pro-A (stock avant 2026)"
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_on__lt=PRO_A_END),
                name="pro_a_signed_before_2026",
                violation_error_message=(
                    "Un avenant Pro-A conclu à partir du 1er janvier 2026 relève de la période de reconversion "
                    "(loi n° 2025-989 du 24 octobre 2025, art. 11)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(training_hours__gt=0) & Q(total_hours__gt=0) & Q(funding_amount__gte=0),
                name="pro_a_hours_positive",
                violation_error_message="Les durées sont strictement positives et la prise en charge n'est pas négative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_number} – Pro-A {self.employee_first_name} {self.employee_last_name}"
