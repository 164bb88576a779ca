"""Branches of the OPCO (mission 2°) and who represents them."""

from functools import cached_property

from django.conf import settings
from django.db import models

from opco.money import euros
from referentials.models import Idcc


class Branch(models.Model):
    """A professional branch the OPCO serves, covering one or more conventions collectives."""

    code = models.CharField("code", max_length=32, unique=True)
    name = models.CharField("nom", max_length=255)
    idccs = models.ManyToManyField(Idcc, through="BranchIdcc", verbose_name="conventions collectives", related_name="branches")
    active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "branche"
        verbose_name_plural = "branches"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def idcc_codes(self) -> list[str]:
        """The IDCC codes of its conventions, read once per instance (a page reads them per figure source)."""
        return list(self.idccs.values_list("code", flat=True))


class BranchIdcc(models.Model):
    """An IDCC belongs to at most one branch of the OPCO."""

    branch = models.ForeignKey(Branch, verbose_name="branche", on_delete=models.CASCADE)
    idcc = models.OneToOneField(Idcc, verbose_name="IDCC", on_delete=models.PROTECT, related_name="branch_link")

    class Meta:
        verbose_name = "rattachement IDCC"
        verbose_name_plural = "rattachements IDCC"

    def __str__(self) -> str:
        return f"{self.idcc.code} → {self.branch}"


class BranchMembership(models.Model):
    """A branch representative (CPNE member) sees the branches they are a member of, nothing else."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="branch_memberships"
    )
    branch = models.ForeignKey(Branch, verbose_name="branche", on_delete=models.CASCADE, related_name="memberships")
    since = models.DateField("depuis", auto_now_add=True)
    # The branch's administrator invites and removes the branch's other representatives (the portal).
    is_admin = models.BooleanField("administrateur de la branche", default=False)

    class Meta:
        verbose_name = "appartenance à une branche"
        verbose_name_plural = "appartenances à une branche"
        constraints = [models.UniqueConstraint(fields=["user", "branch"], name="membership_unique_user_branch")]

    def __str__(self) -> str:
        return f"{self.user} – {self.branch}"


# --- The NPEC referential (mission 2°: the branches set the funding levels) -----------------------
class Cpne(models.Model):
    """A commission paritaire nationale de l'emploi, by its France compétences code."""

    code = models.CharField("code CPNE", max_length=16, unique=True)
    name = models.CharField("intitulé", max_length=500)

    class Meta:
        verbose_name = "CPNE"
        verbose_name_plural = "CPNE"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"CPNE {self.code} – {self.name}"


class NpecPublication(models.Model):
    """A version of the NPEC referential: one imported workbook, or one CPNE decision recorded by
    staff. Versions are never overwritten; the lookup reads across all of them by date."""

    class Kind(models.TextChoices):
        IMPORT = "import", "Référentiel France compétences importé"
        DECISION = "decision", "Décision de CPNE saisie"

    kind = models.CharField("nature", max_length=16, choices=Kind.choices, default=Kind.IMPORT)
    file_name = models.CharField("fichier", max_length=255, blank=True)
    checksum = models.CharField("empreinte SHA-256", max_length=64, unique=True, null=True, blank=True)
    title = models.CharField("titre de la publication", max_length=500, blank=True)
    imported_at = models.DateTimeField("importé le", auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="importé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entry_count = models.PositiveIntegerField("lignes NPEC", default=0)
    mapping_count = models.PositiveIntegerField("rattachements CPNE ↔ IDCC", default=0)
    report = models.JSONField("lignes signalées", default=list, blank=True)

    class Meta:
        verbose_name = "publication du référentiel NPEC"
        verbose_name_plural = "publications du référentiel NPEC"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.file_name or self.title or f"Publication n° {self.pk}"


class CpneIdcc(models.Model):
    """Which IDCC a CPNE covers, as a publication states it (« Onglet 4 »)."""

    publication = models.ForeignKey(
        NpecPublication, verbose_name="publication", on_delete=models.CASCADE, related_name="mappings"
    )
    cpne = models.ForeignKey(Cpne, verbose_name="CPNE", on_delete=models.PROTECT, related_name="idcc_mappings")
    idcc_code = models.CharField("IDCC", max_length=4, db_index=True)

    class Meta:
        verbose_name = "rattachement CPNE ↔ IDCC"
        verbose_name_plural = "rattachements CPNE ↔ IDCC"
        constraints = [
            models.UniqueConstraint(fields=["publication", "cpne", "idcc_code"], name="cpne_idcc_unique_per_publication")
        ]

    def __str__(self) -> str:
        return f"IDCC {self.idcc_code} → {self.cpne}"


class NpecEntry(models.Model):
    """The level of one certification for one CPNE, applicable from a date. `amount` is empty for
    « NC » (non communiqué): such a contract is financed at the valeur d'amorçage (D6332-80)."""

    publication = models.ForeignKey(NpecPublication, verbose_name="publication", on_delete=models.CASCADE, related_name="entries")
    cpne = models.ForeignKey(Cpne, verbose_name="CPNE", on_delete=models.PROTECT, related_name="npec_entries")
    rncp = models.CharField("fiche RNCP", max_length=16, blank=True, db_index=True)
    code_diplome = models.CharField("code diplôme", max_length=8, blank=True, db_index=True)
    code_as_published = models.CharField("code tel que publié", max_length=64, blank=True)
    title = models.CharField("intitulé de la certification", max_length=500, blank=True)
    diploma_type = models.CharField("type de diplôme", max_length=64, blank=True)
    amount = models.DecimalField("NPEC annuel (€)", max_digits=10, decimal_places=2, null=True, blank=True)
    status = models.CharField("statut", max_length=16, blank=True)
    applicable_from = models.DateField("date d'applicabilité", db_index=True)
    sheet = models.CharField("onglet", max_length=64, blank=True)
    line = models.PositiveIntegerField("ligne", null=True, blank=True)

    class Meta:
        verbose_name = "niveau de prise en charge (NPEC)"
        verbose_name_plural = "niveaux de prise en charge (NPEC)"
        ordering = ["rncp", "cpne__code", "-applicable_from"]
        indexes = [models.Index(fields=["rncp", "cpne", "applicable_from"], name="npec_lookup_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                name="npec_amount_not_negative",
                violation_error_message="Un NPEC ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=~models.Q(rncp="", code_diplome=""),
                name="npec_has_a_certification_code",
                violation_error_message="Une ligne NPEC désigne une fiche RNCP ou un code diplôme.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rncp or self.code_diplome} × CPNE {self.cpne.code} : {self.amount if self.amount is not None else 'NC'}"


class NpecExemption(models.Model):
    """A certification exempt from the distance-learning minoration (D6332-82-1 II; arrêté of
    26 November 2025)."""

    rncp = models.CharField("fiche RNCP", max_length=16, unique=True)
    title = models.CharField("intitulé", max_length=500, blank=True)
    source = models.CharField("source", max_length=255, default="Arrêté du 26 novembre 2025")
    added_on = models.DateField("ajoutée le", auto_now_add=True)

    class Meta:
        verbose_name = "certification exemptée de la minoration à distance"
        verbose_name_plural = "certifications exemptées de la minoration à distance"
        ordering = ["rncp"]

    def __str__(self) -> str:
        return self.rncp


class AmorcageValue(models.Model):
    """The valeur d'amorçage of a level (D6332-80; arrêté of 31 August 2022), used while a
    certification has no published NPEC."""

    level = models.PositiveSmallIntegerField("niveau")
    amount = models.DecimalField("montant annuel (€)", max_digits=10, decimal_places=2)
    valid_from = models.DateField("en vigueur à partir du")
    source = models.CharField("source", max_length=255, default="Arrêté du 31 août 2022")

    class Meta:
        verbose_name = "valeur d'amorçage"
        verbose_name_plural = "valeurs d'amorçage"
        ordering = ["level", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["level", "valid_from"], name="amorcage_unique_level_date"),
            models.CheckConstraint(condition=models.Q(level__gte=3, level__lte=8), name="amorcage_level_3_to_8"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="amorcage_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Niveau {self.level} : {euros(self.amount)} (au {self.valid_from:%d/%m/%Y})"


class ProfessionalisationRate(models.Model):
    """The hourly forfait a branch sets for professionalisation contracts (D6332-85), recorded by staff
    with the date from which it applies. A branch may set a separate rate for the L6325-1-1 public and
    GEIQ paths (`priority_public`). Rates are never overwritten: a change is a new row with a later
    date, and the lookup (branches.pro_rates) reads the latest one applicable on the contract's date."""

    branch = models.ForeignKey(Branch, verbose_name="branche", on_delete=models.PROTECT, related_name="professionalisation_rates")
    hourly_rate = models.DecimalField("forfait horaire (€/h)", max_digits=14, decimal_places=2)
    priority_public = models.BooleanField(
        "public prioritaire (L6325-1-1) et GEIQ",
        default=False,
        help_text="Cocher si ce forfait est celui fixé pour le public de l'article L6325-1-1 et les parcours GEIQ.",
    )
    applicable_from = models.DateField("applicable à partir du", help_text="Contrats conclus à compter de cette date.")
    source = models.CharField("source (décision, accord)", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisi par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)

    class Meta:
        verbose_name = "forfait horaire de professionnalisation"
        verbose_name_plural = "forfaits horaires de professionnalisation"
        ordering = ["branch__name", "priority_public", "-applicable_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "priority_public", "applicable_from"],
                name="pro_rate_unique_branch_public_date",
                violation_error_message="Cette branche a déjà un forfait pour ce public à cette date.",
            ),
            models.CheckConstraint(
                condition=models.Q(hourly_rate__gt=0),
                name="pro_rate_hourly_rate_positive",
                violation_error_message="Le forfait horaire doit être strictement positif.",
            ),
        ]

    def __str__(self) -> str:
        public = " (public prioritaire)" if self.priority_public else ""
        return f"{self.branch} : {self.hourly_rate} €/h{public} au {self.applicable_from:%d/%m/%Y}"


class BranchFundingDecision(models.Model):
    """A branch's funding decision other than the NPEC and the professionalisation forfait, recorded by
    staff with the date from which it applies (never overwritten: a change is a new row):

    - `master_aid`: the apprenticeship master aid (D6332-93 2°: 230 € a month for at most 12 months),
      paid to the employer for contracts signed from `applicable_from` when the branch decided it;
    - `reconversion`: the forfait of a période de reconversion (D6332-89, D6332-90): an hourly rate,
      or an amount per period, and whether a branch agreement raises the length to 2 100 hours over
      36 months (L6324-4).
    A row with `active=False` records that the branch stopped the aid from that date."""

    class Kind(models.TextChoices):
        MASTER_AID = "aide_maitre", "Aide à la fonction de maître d'apprentissage (D6332-93 2°)"
        RECONVERSION = "reconversion", "Forfait des périodes de reconversion (D6332-89)"

    branch = models.ForeignKey(Branch, verbose_name="branche", on_delete=models.PROTECT, related_name="funding_decisions")
    kind = models.CharField("nature", max_length=16, choices=Kind.choices)
    active = models.BooleanField(
        "en vigueur", default=True, help_text="Décocher pour enregistrer l'arrêt de l'aide à cette date."
    )
    monthly_amount = models.DecimalField("montant mensuel (€)", max_digits=14, decimal_places=2, null=True, blank=True)
    max_months = models.PositiveSmallIntegerField("durée maximale (mois)", null=True, blank=True)
    hourly_rate = models.DecimalField("forfait horaire (€/h)", max_digits=14, decimal_places=2, null=True, blank=True)
    amount_per_period = models.DecimalField("forfait par période (€)", max_digits=14, decimal_places=2, null=True, blank=True)
    extended_by_agreement = models.BooleanField("accord de branche : jusqu'à 2 100 h sur 36 mois (L6324-4)", default=False)
    applicable_from = models.DateField("applicable à partir du")
    source = models.CharField("source (décision, accord)", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisi par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)

    class Meta:
        verbose_name = "décision de financement de branche"
        verbose_name_plural = "décisions de financement de branche"
        ordering = ["branch__name", "kind", "-applicable_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "kind", "applicable_from"],
                name="branch_funding_unique_kind_date",
                violation_error_message="Cette branche a déjà une décision de cette nature à cette date.",
            ),
            models.CheckConstraint(
                condition=(models.Q(monthly_amount__isnull=True) | models.Q(monthly_amount__gt=0))
                & (models.Q(hourly_rate__isnull=True) | models.Q(hourly_rate__gt=0))
                & (models.Q(amount_per_period__isnull=True) | models.Q(amount_per_period__gt=0)),
                name="branch_funding_amounts_positive",
                violation_error_message="Les montants d'une décision de branche sont strictement positifs.",
            ),
        ]

    def __str__(self) -> str:
        state = "" if self.active else " (arrêt)"
        return f"{self.branch} : {self.get_kind_display()}{state} au {self.applicable_from:%d/%m/%Y}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if not self.active:
            return
        if self.kind == self.Kind.MASTER_AID and (self.monthly_amount is None or self.max_months is None):
            raise ValidationError("L'aide au maître d'apprentissage demande un montant mensuel et une durée maximale.")
        if self.kind == self.Kind.RECONVERSION and self.hourly_rate is None and self.amount_per_period is None:
            raise ValidationError("Le forfait de reconversion est un forfait horaire ou un montant par période.")


from branches.certifications.models import *  # noqa: E402, F401, F403  (certification support: its models live in branches)

# The branches' portal: its rows live by sub-domain (branches.portal, npec_round, gpec).
from branches.gpec.models import GpecDocument, GpecStudy  # noqa: E402, F401
from branches.npec_round.models import NpecCampaign, NpecProposal, NpecProposalLine, NpecRecommendation  # noqa: E402, F401
from branches.paygrids.models import PayGridRow  # noqa: E402,F401  (a sub-domain package; its model registers here)
from branches.portal.models import DashboardVisit, PageFeedback  # noqa: E402, F401
