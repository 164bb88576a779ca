"""Training funding of companies under 50: rule-set versions (append-only), requests on the spine
(opco.instruction.InstructedFile), service-fait evidence (R6332-26) and the payable rows (R6332-25 I)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from branches.models import Branch
from opco.instruction import InstructedFile
from payments.enums import BeneficiaryKind, ScheduleStatus
from referentials.models import Company, TrainingProvider
from sme_services.funding.enums import Channel, Dispositif, EvidenceKind, Mandate, Modality, PaymentKind, RequestStatus

MONEY = {"max_digits": 14, "decimal_places": 2}


class FundingRuleSet(models.Model):
    """One imported version of a rule set (TRAINING_FUNDING.md §1): never modified nor deleted; the
    most recently imported wins for the trainings it covers (§3)."""

    reference = models.CharField("référence", max_length=100, unique=True)
    dispositif = models.CharField("dispositif", max_length=8, choices=Dispositif.choices, db_index=True)
    idcc = models.JSONField("IDCC couverts")
    label = models.CharField("intitulé", max_length=300, blank=True)
    proposed_by = models.CharField("proposé par", max_length=300)
    proposed_on = models.DateField("proposé le")
    validated_by = models.CharField("validé par", max_length=300)
    validated_on = models.DateField("validé le")
    starts_from = models.DateField("formations commençant à partir du")
    until = models.DateField("jusqu'au", null=True, blank=True)
    content = models.JSONField("règles (JSON importé)")
    file_name = models.CharField("fichier importé", max_length=255, blank=True)
    checksum = models.CharField("empreinte SHA-256", max_length=64)
    imported_at = models.DateTimeField("importé le", auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="importé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "version de règles de prise en charge"
        verbose_name_plural = "versions de règles de prise en charge"
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(validated_on__gte=models.F("proposed_on")), name="funding_rules_validated_after"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def idcc_text(self) -> str:
        return "toutes (défaut interprofessionnel)" if self.idcc == ["*"] else ", ".join(self.idcc)


class TrainingRequest(InstructedFile):
    """A funding request of a company under 50 for a training (plan, SSCT or AFEST)."""

    company = models.ForeignKey(Company, verbose_name="entreprise", on_delete=models.PROTECT, related_name="training_requests")
    branch = models.ForeignKey(
        Branch, verbose_name="branche", null=True, blank=True, on_delete=models.PROTECT, related_name="training_requests"
    )
    status = models.CharField(
        "statut", max_length=16, choices=RequestStatus.choices, default=RequestStatus.RECEIVED, db_index=True
    )
    dispositif = models.CharField("dispositif", max_length=8, choices=Dispositif.choices, db_index=True)
    channel = models.CharField("déposée par", max_length=8, choices=Channel.choices)
    title = models.CharField("intitulé de la formation", max_length=200)
    theme = models.CharField("thème", max_length=80)
    modality = models.CharField("modalité", max_length=12, choices=Modality.choices)
    start = models.DateField("début", db_index=True)
    end = models.DateField("fin")
    trainees = models.PositiveIntegerField("stagiaires")
    provider = models.ForeignKey(
        TrainingProvider, verbose_name="organisme de formation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subrogation = models.BooleanField("subrogation de paiement à l'organisme", default=False)
    # SSCT (L2315-18): the trainee, first mandate or renewal, the days, an approved body (L2315-17).
    trainee_name = models.CharField("stagiaire (membre du CSE)", max_length=150, blank=True)
    mandate = models.CharField("mandat", max_length=8, choices=Mandate.choices, blank=True)
    days = models.PositiveSmallIntegerField("jours", null=True, blank=True)
    provider_approved = models.BooleanField("organisme agréé ou certifié pour la formation SSCT", default=False)
    afest_project = models.ForeignKey(
        "sme_services.AfestProject",
        verbose_name="projet AFEST",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funding_requests",
    )
    payload = models.JSONField("demande (format du simulateur)")
    result = models.JSONField("dernier calcul", default=dict, blank=True)
    rule_set = models.ForeignKey(
        FundingRuleSet, verbose_name="règles appliquées", null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    asked_total = models.DecimalField("montant demandé", default=0, **MONEY)
    funded_total = models.DecimalField("montant accordé", default=0, **MONEY)
    counted_against_cap = models.DecimalField("imputé sur le plafond annuel", default=0, **MONEY)
    hors_plafond = models.BooleanField("hors plafond", default=False)
    committed = models.DecimalField("engagé sur l'enveloppe", default=0, **MONEY)
    waiting_since = models.DateTimeField("en file d'attente depuis", null=True, blank=True, db_index=True)
    conditions = models.TextField("conditions de paiement", blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposée par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "demande de financement de formation"
        verbose_name_plural = "demandes de financement de formation"
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["received_on", "id"], name="training_request_keyset")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="training_request_end_after_start"),
            models.CheckConstraint(condition=Q(trainees__gte=1), name="training_request_trainees"),
            models.CheckConstraint(
                condition=Q(funded_total__gte=0) & Q(asked_total__gte=0) & Q(committed__gte=0),
                name="training_request_amounts_positive",
                violation_error_message="Les montants d'une demande ne sont jamais négatifs.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_number} – {self.title}"


class Evidence(models.Model):
    """A document of service fait (R6332-26: the closed list) received for a request."""

    request = models.ForeignKey(TrainingRequest, verbose_name="demande", on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField("pièce", max_length=20, choices=EvidenceKind.choices)
    received_on = models.DateField("reçue le")
    amount = models.DecimalField("montant justifié", null=True, blank=True, **MONEY)
    hours_attended = models.DecimalField("heures réalisées par stagiaire", max_digits=8, decimal_places=2, null=True, blank=True)
    trainees_attended = models.PositiveIntegerField("stagiaires présents", null=True, blank=True)
    reference = models.CharField("référence de la pièce", max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="enregistrée par", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce de service fait"
        verbose_name_plural = "pièces de service fait"
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="evidence_amount_positive"),
        ]


class FundingPayment(models.Model):
    """A payable row of a request (payments.schedules): paid after the action (R6332-25 I) to the
    training body under subrogation, to the company otherwise. A correction after payment is a new
    negative row, never an edit of a paid one."""

    request = models.ForeignKey(TrainingRequest, verbose_name="demande", on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField("nature", max_length=12, choices=PaymentKind.choices, default=PaymentKind.BALANCE)
    beneficiary_kind = models.CharField("bénéficiaire", max_length=12, choices=BeneficiaryKind.choices)
    amount = models.DecimalField("montant", **MONEY)
    status = models.CharField(
        "statut", max_length=12, choices=ScheduleStatus.choices, default=ScheduleStatus.PLANNED, db_index=True
    )
    due_on = models.DateField("exigible le")
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "paiement d'une demande de formation"
        verbose_name_plural = "paiements des demandes de formation"
        ordering = ["request_id", "id"]

    def __str__(self) -> str:
        return f"{self.request.file_number} – {self.get_kind_display()} {self.amount}"
