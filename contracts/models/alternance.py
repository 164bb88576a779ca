"""Apprenticeship contract files (CERFA FA13), their instruction, and the financing they commit.

The payload of the deposit is kept as received (`payload`, without the NIR); the fields the work
queue filters and sorts on are columns. History is the audit trail (`opco.audit.history_of`).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value

from contracts.enums import (
    AmendmentType,
    CfaDocumentKind,
    ContractKind,
    ContractStatus,
    DocumentKind,
    DocumentSource,
    FinancialSection,
    InstalmentOrigin,
    OppositionKind,
    RuptureCause,
)
from opco.instruction import InstructedFile
from opco.money import euros
from payments.enums import ScheduleStatus
from referentials.models import Certification, Company, TrainingProvider

# The rows Django registers from here (contracts.models re-exports them).
__all__ = [
    "ApprenticeshipContract",
    "ApprenticeshipMaster",
    "PayPeriod",
    "ContractDocument",
    "CheckRun",
    "EmployerOpposition",
    "Commitment",
    "Instalment",
    "Amendment",
    "Rupture",
    "ContractReminder",
    "ContractImport",
    "CfaDocument",
]

MONEY = {"max_digits": 14, "decimal_places": 2}
HALF_CENT = Value(Decimal("0.005"))


class ApprenticeshipContract(InstructedFile):
    file_number = models.CharField("n° de dossier OPCO", max_length=20, unique=True)
    deca_number = models.CharField("n° DECA", max_length=32, blank=True)
    status = models.CharField(
        "statut", max_length=16, choices=ContractStatus.choices, default=ContractStatus.RECEIVED, db_index=True
    )
    contract_type = models.CharField("type de contrat", max_length=2, default="11")
    # Apprenticeship (FA13) and professionalisation (EJ20) contracts share this model and its workflow;
    # the kind picks the checks, the decision rule on silence and the financing.
    contract_kind = models.CharField(
        "nature du contrat", max_length=24, choices=ContractKind.choices, default=ContractKind.APPRENTISSAGE, db_index=True
    )
    # Professionalisation: the L6325-1-1 public and GEIQ paths (forfait, tutoring majoration, length).
    priority_public = models.BooleanField("public prioritaire (L6325-1-1)", default=False)
    geiq = models.BooleanField("parcours GEIQ", default=False)

    # As deposited (the checks judge them); `employer` links the company once its SIRET is valid.
    employer_siret = models.CharField("SIRET de l'employeur", max_length=14, db_index=True)
    employer_name = models.CharField("dénomination de l'employeur", max_length=255)
    # Indexed with the status (Meta.indexes): a branch's files are read by IDCC and status (issue 19).
    employer_idcc = models.CharField("IDCC de l'employeur", max_length=4, blank=True)
    employer = models.ForeignKey(
        Company,
        verbose_name="employeur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="apprenticeship_contracts",
    )
    employer_headcount = models.PositiveIntegerField("effectif de l'employeur", null=True, blank=True)

    apprentice_last_name = models.CharField("nom de l'apprenti", max_length=150)
    apprentice_first_name = models.CharField("prénom de l'apprenti", max_length=150)
    apprentice_birth_date = models.DateField("date de naissance de l'apprenti")
    # Validated on deposit; never shown in lists, exports, URLs or logs (security baseline).
    apprentice_nir = models.CharField("NIR de l'apprenti", max_length=15, blank=True)
    apprentice_handicap = models.BooleanField("RQTH", default=False)

    certification = models.ForeignKey(
        Certification, verbose_name="certification", null=True, blank=True, on_delete=models.PROTECT
    )
    rncp = models.CharField("fiche RNCP", max_length=16, db_index=True)
    code_diplome = models.CharField("code diplôme", max_length=8, blank=True)
    # Null for a professionalisation contract preparing a CQP or a branch classification (no RNCP level).
    level = models.PositiveSmallIntegerField("niveau", null=True, blank=True, db_index=True)
    training_title = models.CharField("intitulé de la formation", max_length=500, blank=True)
    training_start = models.DateField("début de la formation")
    training_end = models.DateField("fin de la formation", null=True, blank=True)
    training_hours = models.DecimalField("durée de la formation (heures)", max_digits=8, decimal_places=2)
    distance_pct = models.DecimalField("part à distance (%)", max_digits=5, decimal_places=2, default=0)

    cfa = models.ForeignKey(
        TrainingProvider,
        verbose_name="CFA",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="apprenticeship_contracts",
    )
    cfa_siret = models.CharField("SIRET du CFA", max_length=14, db_index=True)
    cfa_uai = models.CharField("UAI du CFA", max_length=8, blank=True)  # an organisme de formation may have none
    cfa_declared_on = models.DateField("déclaration d'activité du CFA", null=True, blank=True)

    signed_on = models.DateField("date de conclusion")
    start_date = models.DateField("début d'exécution", db_index=True)
    end_date = models.DateField("fin prévue", db_index=True)
    practical_training_start = models.DateField("début de la formation pratique")
    weekly_hours = models.DecimalField("durée hebdomadaire (h)", max_digits=5, decimal_places=2, null=True, blank=True)
    monthly_salary = models.DecimalField("salaire brut mensuel à l'embauche", **MONEY, null=True, blank=True)

    implicit_refusal = models.BooleanField("refus implicite (R6224-3)", default=False)
    implicit_acceptance = models.BooleanField("acceptation implicite (D6325-2)", default=False)
    depositor_email = models.EmailField("e-mail du déposant", blank=True)
    employer_email = models.EmailField("e-mail de l'employeur", blank=True, db_default="")
    cfa_email = models.EmailField("e-mail du CFA ou de l'organisme", blank=True, db_default="")
    payload = models.JSONField("données du CERFA (sans NIR)", default=dict)
    import_key = models.CharField("empreinte d'import", max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "contrat en alternance"
        verbose_name_plural = "contrats en alternance"
        ordering = ["-received_on", "-id"]
        # No constraint on end ≥ start: such a file is received and refused by the DATES check.
        constraints = [
            models.UniqueConstraint(fields=["deca_number"], condition=~Q(deca_number=""), name="contract_unique_deca_number"),
            models.CheckConstraint(condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=8), name="contract_level_1_to_8"),
        ]
        indexes = [
            models.Index(fields=["status", "decision_due_on"], name="contract_queue_idx"),
            # The lists' keyset (opco.lists): the default sort, and a branch's IDCC resolved to literals first.
            models.Index(fields=["-received_on", "-id"], name="contract_received_idx"),
            # status and level included: the capped count of a branch filtered by status and level is an
            # index-only scan, and its page reads only the rows it shows.
            models.Index(
                fields=["employer_idcc", "-received_on", "-id"], include=["status", "level"], name="contract_idcc_received_idx"
            ),
            models.Index(fields=["employer", "-received_on", "-id"], name="contract_employer_received_idx"),
            # A branch's concluded files, read by its figures (branches.portal.facts): one index range instead
            # of intersecting the IDCC's entries with the 780 000 of « concluded » at 1 000 000 files.
            models.Index(fields=["employer_idcc", "status"], name="contract_idcc_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_number} – {self.apprentice_first_name} {self.apprentice_last_name}"

    @property
    def apprentice_initials(self) -> str:
        return f"{self.apprentice_first_name[:1]}{self.apprentice_last_name[:1]}".upper()


class ApprenticeshipMaster(models.Model):
    contract = models.ForeignKey(ApprenticeshipContract, verbose_name="contrat", on_delete=models.CASCADE, related_name="masters")
    last_name = models.CharField("nom", max_length=150)
    first_name = models.CharField("prénom", max_length=150)
    birth_date = models.DateField("date de naissance")
    diploma_level = models.PositiveSmallIntegerField("niveau du diplôme", null=True, blank=True)
    same_field = models.BooleanField("diplôme du même domaine", default=False)
    experience_years = models.DecimalField("expérience (années)", max_digits=4, decimal_places=1, default=0)

    class Meta:
        verbose_name = "maître d'apprentissage"
        verbose_name_plural = "maîtres d'apprentissage"
        indexes = [models.Index(fields=["last_name", "first_name", "birth_date"], name="master_identity_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PayPeriod(models.Model):
    contract = models.ForeignKey(
        ApprenticeshipContract, verbose_name="contrat", on_delete=models.CASCADE, related_name="pay_periods"
    )
    start = models.DateField("du")
    end = models.DateField("au")
    rate = models.DecimalField("taux (% du SMIC)", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "période de rémunération"
        verbose_name_plural = "périodes de rémunération"
        ordering = ["start"]


class ContractDocument(models.Model):
    contract = models.ForeignKey(
        ApprenticeshipContract, verbose_name="contrat", on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField("nature", max_length=32, choices=DocumentKind.choices)
    file = models.FileField("fichier", upload_to="contracts/%Y/%m/")
    original_name = models.CharField("nom d'origine", max_length=255)
    size = models.PositiveIntegerField("taille (octets)")
    content_type = models.CharField("type", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce du dossier"
        verbose_name_plural = "pièces du dossier"
        ordering = ["-uploaded_at"]


class CheckRun(models.Model):
    contract = models.ForeignKey(
        ApprenticeshipContract, verbose_name="contrat", on_delete=models.CASCADE, related_name="check_runs"
    )
    ran_at = models.DateTimeField("exécuté le", auto_now_add=True)
    eligible = models.BooleanField("éligible")
    results = models.JSONField("résultats", default=list)

    class Meta:
        verbose_name = "contrôle d'instruction"
        verbose_name_plural = "contrôles d'instruction"
        ordering = ["-ran_at", "-id"]


class EmployerOpposition(models.Model):
    """An opposition, suspension or ban on hiring apprentices (L6225-1 to L6225-6), kept by staff."""

    siret = models.CharField("SIRET", max_length=14, db_index=True)
    kind = models.CharField("nature", max_length=16, choices=OppositionKind.choices)
    starts_on = models.DateField("à partir du")
    ends_on = models.DateField("jusqu'au", null=True, blank=True)
    reason = models.TextField("motif", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisi par", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("saisi le", auto_now_add=True)

    class Meta:
        verbose_name = "opposition ou interdiction d'un employeur"
        verbose_name_plural = "oppositions et interdictions d'employeurs"
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.siret}"


class Commitment(models.Model):
    """What accepting a contract commits: the NPEC snapshotted with where it came from, the annual
    amount, the financial section, and the schedule (instalment rows)."""

    contract = models.OneToOneField(
        ApprenticeshipContract, verbose_name="contrat", on_delete=models.PROTECT, related_name="commitment"
    )
    regime = models.CharField("régime", max_length=8)
    npec = models.DecimalField("NPEC retenu", **MONEY)
    npec_source = models.CharField("origine du NPEC", max_length=16)
    npec_origin = models.CharField("provenance du NPEC", max_length=500, blank=True)
    npec_entry = models.ForeignKey(
        "branches.NpecEntry", verbose_name="ligne du référentiel", null=True, blank=True, on_delete=models.PROTECT
    )
    annual_amount = models.DecimalField("montant annuel", **MONEY)
    employer_participation = models.DecimalField("participation employeur", **MONEY, default=0)
    financial_section = models.CharField(
        "section financière", max_length=16, choices=FinancialSection.choices, default=FinancialSection.ALTERNANCE
    )
    engine_input = models.JSONField("données du calcul", default=dict)
    created_at = models.DateTimeField("engagé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="engagé par", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "engagement de financement"
        verbose_name_plural = "engagements de financement"
        constraints = [
            models.CheckConstraint(
                condition=Q(npec__gte=0) & Q(annual_amount__gte=0),
                name="commitment_amounts_not_negative",
                violation_error_message="Un montant d'engagement ne peut pas être négatif.",
            ),
        ]

    def __str__(self) -> str:
        return f"Engagement {self.contract.file_number}"


class Instalment(models.Model):
    """One line of the schedule. Append-only once payable: a recomputation supersedes the lines not
    yet paid and adds balance or regularisation lines; a paid line is never edited (DESIGN.md)."""

    commitment = models.ForeignKey(Commitment, verbose_name="engagement", on_delete=models.PROTECT, related_name="instalments")
    year = models.PositiveSmallIntegerField("année")
    kind = models.CharField("échéance", max_length=16)
    due_date = models.DateField("date d'échéance")
    gross = models.DecimalField("brut", **MONEY)
    deduction = models.DecimalField("déduction", **MONEY, default=0)
    net = models.DecimalField("net", **MONEY)
    # Indexed only while open (see Meta.indexes): a payment run moves 200 000 rows out of « payable »,
    # and each index entry written costs (issues 5 and 19).
    status = models.CharField("statut", max_length=16, choices=ScheduleStatus.choices, default=ScheduleStatus.PLANNED)
    origin = models.CharField("origine", max_length=16, choices=InstalmentOrigin.choices, default=InstalmentOrigin.DECISION)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "échéance"
        verbose_name_plural = "échéances"
        ordering = ["due_date", "year", "id"]
        constraints = [
            # Exact on PostgreSQL (numeric); SQLite stores decimals as floating point, so the
            # comparison allows less than half a cent either way.
            models.CheckConstraint(
                condition=Q(net__gt=F("gross") - F("deduction") - HALF_CENT, net__lt=F("gross") - F("deduction") + HALF_CENT),
                name="instalment_net_is_gross_minus_deduction",
                violation_error_message="Le net d'une échéance est son brut moins sa déduction.",
            ),
            models.CheckConstraint(condition=Q(deduction__gte=0), name="instalment_deduction_not_negative"),
        ]
        indexes = [
            # The open rows by due date: what release() looks for (planned, due by a date). One partial index
            # instead of one on the status and one on every due date, so that the 200 000 instalments a run
            # moves to « in_run » write entries in two indexes (key, commitment), not four (issue 19).
            models.Index(
                fields=["due_date"],
                condition=Q(status__in=[ScheduleStatus.PLANNED, ScheduleStatus.PAYABLE]),
                name="instalment_open_due_idx",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.commitment.contract.file_number} année {self.year} {self.kind} {self.due_date:%d/%m/%Y} : {euros(self.net)}"
        )


class Amendment(models.Model):
    contract = models.ForeignKey(
        ApprenticeshipContract, verbose_name="contrat", on_delete=models.PROTECT, related_name="amendments"
    )
    amendment_type = models.CharField("type d'avenant", max_length=2, choices=AmendmentType.choices)
    effective_on = models.DateField("date d'effet")
    changes = models.JSONField("modifications", default=dict)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisi par", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("saisi le", auto_now_add=True)

    class Meta:
        verbose_name = "avenant"
        verbose_name_plural = "avenants"
        ordering = ["effective_on", "id"]


class Rupture(models.Model):
    contract = models.OneToOneField(
        ApprenticeshipContract, verbose_name="contrat", on_delete=models.PROTECT, related_name="rupture"
    )
    date = models.DateField("date de rupture (dernier jour)")
    cause = models.CharField("cause", max_length=32, choices=RuptureCause.choices)
    during_probation = models.BooleanField("dans les 45 premiers jours de formation pratique", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisie par", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("saisie le", auto_now_add=True)

    class Meta:
        verbose_name = "rupture"
        verbose_name_plural = "ruptures"


class ContractReminder(models.Model):
    """A reminder sent before reminders moved to the notifications app: kept, read-only, as the history
    of what was sent; every reminder since is a `notifications.Reminder` row."""

    class Kind(models.TextChoices):
        DEADLINE_NEAR = "deadline_near", "Décision à prendre sous 5 jours"
        DEADLINE_PASSED = "deadline_passed", "Délai de décision dépassé"
        INCOMPLETE_NO_ANSWER = "incomplete_no_answer", "Dossier incomplet sans réponse depuis 15 jours"
        ENDING_SOON = "ending_soon", "Contrat se terminant dans 30 jours"

    contract = models.ForeignKey(
        ApprenticeshipContract, verbose_name="contrat", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField("nature", max_length=32, choices=Kind.choices)
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)
    recipient = models.EmailField("destinataire")

    class Meta:
        verbose_name = "relance"
        verbose_name_plural = "relances"
        constraints = [models.UniqueConstraint(fields=["contract", "kind"], name="reminder_once_per_kind")]


class ContractImport(models.Model):
    """A bulk import of deposit payloads (CSV or JSON lines), run by Celery and watched by staff."""

    class Status(models.TextChoices):
        QUEUED = "queued", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échoué"

    file = models.FileField("fichier", upload_to="imports/contracts/%Y/%m/")
    original_name = models.CharField("nom du fichier", max_length=255)
    status = models.CharField("statut", max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("lignes", default=0)
    processed = models.PositiveIntegerField("lignes traitées", default=0)
    created_count = models.PositiveIntegerField("dossiers créés", default=0)
    duplicate_count = models.PositiveIntegerField("déjà reçus", default=0)
    failed_count = models.PositiveIntegerField("lignes refusées", default=0)
    report = models.JSONField("lignes refusées (motifs)", default=list, blank=True)
    error = models.TextField("erreur", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="demandé par", null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)
    started_at = models.DateTimeField("démarré le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "import de contrats"
        verbose_name_plural = "imports de contrats"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Import n° {self.pk} ({self.original_name})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class CfaDocument(models.Model):
    """An invoice or attestation a CFA sends for a contract's instalments (R6332-25 III 1° and 4°, V),
    matched to the instalments it unlocks. One of each kind per contract (and per year for annual
    invoices); an invoice number is unique per CFA."""

    contract = models.ForeignKey(
        ApprenticeshipContract, verbose_name="contrat", on_delete=models.PROTECT, related_name="cfa_documents"
    )
    kind = models.CharField("pièce", max_length=32, choices=CfaDocumentKind.choices)
    year = models.PositiveSmallIntegerField("année du contrat", null=True, blank=True)
    cfa_siret = models.CharField("SIRET du CFA émetteur", max_length=14)
    number = models.CharField("n° de facture", max_length=64, blank=True)
    amount = models.DecimalField("montant facturé", **MONEY, null=True, blank=True)
    issued_on = models.DateField("émise le", null=True, blank=True)
    received_on = models.DateField("reçue le", db_index=True)
    file = models.FileField("fichier", upload_to="cfa_documents/%Y/%m/", blank=True)
    source = models.CharField("reçue par", max_length=16, choices=DocumentSource.choices, default=DocumentSource.UPLOAD)
    instalments = models.ManyToManyField(Instalment, verbose_name="échéances concernées", related_name="cfa_documents")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="enregistrée par", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)
    # An invoice whose amount is far from the instalments it matches (contracts.alternance.cfa_documents)
    # unlocks nothing until a staff member clears it (contracts.alternance.payability.decide).
    to_review = models.BooleanField("montant à vérifier", default=False, db_index=True)
    review_reason = models.CharField("écart constaté", max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="montant validé par",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("montant validé le", null=True, blank=True)
    review_note = models.CharField("vérification faite", max_length=500, blank=True)

    class Meta:
        verbose_name = "facture ou attestation de CFA"
        verbose_name_plural = "factures et attestations de CFA"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "kind", "year"], name="cfa_document_one_per_kind_year"),
            models.UniqueConstraint(
                fields=["contract", "kind"], condition=Q(year__isnull=True), name="cfa_document_one_per_kind"
            ),
            models.UniqueConstraint(
                fields=["cfa_siret", "number"], condition=~Q(number=""), name="cfa_document_invoice_number_unique"
            ),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="cfa_document_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(to_review=False) | (~Q(review_reason="") & Q(reviewed_at__isnull=True)),
                name="cfa_document_review_pending_has_reason",
                violation_error_message="Une pièce à vérifier porte l'écart constaté et n'est pas encore validée.",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True, reviewed_by__isnull=True)
                | Q(reviewed_at__isnull=False, reviewed_by__isnull=False, to_review=False),
                name="cfa_document_review_cleared_by_someone",
                violation_error_message="Une validation de montant porte sa date et son auteur.",
            ),
        ]

    def __str__(self) -> str:
        year = f" année {self.year}" if self.year else ""
        return f"{self.get_kind_display()}{year} – {self.contract.file_number}"
