"""Reference data the whole house reads (DESIGN.md): IDCC, NAF, certifications, training providers,
companies, public holidays, legal parameters by date. Loaded from real files by `load_referentials`."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper

from referentials.enums import HolidayZone, LoadStatus, ProviderNature
from referentials.validators import validate_bic, validate_iban, validate_siren, validate_siret, validate_uai


class Idcc(models.Model):
    """A convention collective, by its IDCC (identifiant de convention collective)."""

    code = models.CharField("IDCC", max_length=32, unique=True, help_text="Code à 4 chiffres, tel que publié.")
    title = models.CharField("intitulé", max_length=255)
    official_title = models.TextField("titre officiel", blank=True)
    nature = models.CharField("nature", max_length=64, blank=True)
    legal_states = models.CharField("états juridiques (Légifrance)", max_length=128, blank=True)
    url = models.URLField("lien Légifrance", max_length=255, blank=True)
    opco_name = models.CharField("OPCO de rattachement", max_length=128, blank=True, db_index=True)

    class Meta:
        verbose_name = "convention collective (IDCC)"
        verbose_name_plural = "conventions collectives (IDCC)"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.title}"

    @property
    def in_force(self) -> bool:
        return "VIGUEUR" in self.legal_states


class Naf(models.Model):
    """An activity code of the NAF rév. 2 (sous-classe), e.g. 43.22A."""

    code = models.CharField("code NAF", max_length=6, unique=True)
    label = models.CharField("libellé", max_length=255)
    naf_class = models.CharField("classe", max_length=5, blank=True)
    group = models.CharField("groupe", max_length=4, blank=True)
    division = models.CharField("division", max_length=2, blank=True)
    section = models.CharField("section", max_length=1, blank=True)

    class Meta:
        verbose_name = "code NAF"
        verbose_name_plural = "codes NAF"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.label}"


class Certification(models.Model):
    """A row of the Kit apprentissage: a code diplôme (CFD) paired with an RNCP fiche."""

    code_diplome = models.CharField("code diplôme", max_length=8, db_index=True)
    rncp = models.CharField("fiche RNCP", max_length=16, db_index=True, help_text="« NR » quand aucune fiche n'est liée.")
    level = models.PositiveSmallIntegerField("niveau", null=True, blank=True, db_index=True)
    title = models.CharField("intitulé de la certification", max_length=500, db_index=True)
    title_depp = models.CharField("intitulé du diplôme (DEPP)", max_length=500, blank=True)
    abbreviation = models.CharField("abrégé", max_length=32, blank=True)
    open_to_apprenticeship = models.BooleanField("ouverte à l'apprentissage", null=True, blank=True)
    expires_on = models.DateField("date d'échéance de la fiche", null=True, blank=True)
    active = models.BooleanField("fiche active", default=True)
    registration = models.CharField("type d'enregistrement", max_length=64, blank=True)
    successor_rncp = models.CharField("nouvelle certification (remplaçante)", max_length=16, blank=True)
    predecessor_rncp = models.CharField("ancienne certification", max_length=16, blank=True)
    kit_version = models.CharField("version du kit", max_length=32, blank=True)

    class Meta:
        verbose_name = "certification"
        verbose_name_plural = "certifications"
        ordering = ["rncp", "code_diplome"]
        constraints = [
            models.UniqueConstraint(fields=["code_diplome", "rncp"], name="certification_unique_cfd_rncp"),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=8),
                name="certification_level_1_to_8",
                violation_error_message="Le niveau d'une certification va de 1 à 8.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rncp} – {self.title}"


class TrainingProvider(models.Model):
    """A training provider (CFA or organisme de formation), identified by its SIRET."""

    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    uai = models.CharField("UAI", max_length=8, blank=True, db_index=True, validators=[validate_uai])
    name = models.CharField("raison sociale", max_length=255, blank=True, db_index=True)
    trade_name = models.CharField("enseigne", max_length=255, blank=True)
    nda = models.CharField("numéro de déclaration d'activité (NDA)", max_length=16, blank=True)
    qualiopi = models.BooleanField("certifié Qualiopi", null=True, blank=True)
    nature = models.CharField("nature", max_length=32, choices=ProviderNature.choices, default=ProviderNature.UNKNOWN)
    administrative_state = models.CharField("état administratif", max_length=16, blank=True)
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=128, blank=True)
    academy = models.CharField("académie", max_length=64, blank=True)
    region = models.CharField("région", max_length=64, blank=True, db_index=True)
    networks = models.CharField("réseaux", max_length=255, blank=True)
    declared_on = models.DateField("déclaré le", null=True, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[validate_bic])
    # Entered by staff (no public referential gives it): where the payment advice goes when the
    # contract names no e-mail for its CFA. Loads never overwrite it.
    email = models.EmailField("e-mail (avis de paiement)", blank=True, db_default="")

    class Meta:
        verbose_name = "organisme de formation (CFA)"
        verbose_name_plural = "organismes de formation (CFA)"
        ordering = ["name", "siret"]
        indexes = [models.Index(Upper("name"), name="provider_upper_name_idx")]

    def __str__(self) -> str:
        return f"{self.name or 'Raison sociale inconnue'} ({self.siret})"

    @property
    def display_name(self) -> str:
        return self.name or self.trade_name or "Raison sociale non communiquée"


class Company(models.Model):
    """An employer, by its establishment SIRET."""

    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    siren = models.CharField("SIREN", max_length=9, db_index=True, validators=[validate_siren])
    name = models.CharField("raison sociale", max_length=255, db_index=True)
    naf = models.ForeignKey(Naf, verbose_name="code NAF", null=True, blank=True, on_delete=models.PROTECT)
    idcc = models.ForeignKey(Idcc, verbose_name="convention collective", null=True, blank=True, on_delete=models.PROTECT)
    headcount = models.PositiveIntegerField("effectif", null=True, blank=True)
    holiday_zone = models.CharField(
        "zone des jours fériés", max_length=32, choices=HolidayZone.choices, default=HolidayZone.METROPOLE
    )
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=128, blank=True)
    # Aids paid to the employer (tutoring, tutor training, master aid: D6332-92, D6332-93).
    iban = models.CharField("IBAN", max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[validate_bic])

    class Meta:
        verbose_name = "entreprise"
        verbose_name_plural = "entreprises"
        ordering = ["name", "siret"]

    def __str__(self) -> str:
        return f"{self.name} ({self.siret})"

    @property
    def under_50(self) -> bool | None:
        """Companies under 50 employees get the proximity service (L6332-1 3°)."""
        return None if self.headcount is None else self.headcount < 50


class PublicHoliday(models.Model):
    date = models.DateField("date")
    zone = models.CharField("zone", max_length=32, choices=HolidayZone.choices)
    name = models.CharField("jour férié", max_length=64)

    class Meta:
        verbose_name = "jour férié"
        verbose_name_plural = "jours fériés"
        ordering = ["date", "zone"]
        constraints = [models.UniqueConstraint(fields=["date", "zone"], name="holiday_unique_date_zone")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name} ({self.get_zone_display()})"


class LegalParameter(models.Model):
    """A legal amount or rate with the date it takes effect (SMIC, aid amounts…). The value in force
    on a date is the row with the latest `valid_from` on or before it."""

    key = models.CharField("clé", max_length=64)
    label = models.CharField("libellé", max_length=255)
    value = models.DecimalField("valeur", max_digits=14, decimal_places=4)
    unit = models.CharField("unité", max_length=32)
    valid_from = models.DateField("en vigueur à partir du")
    source = models.CharField("source", max_length=255)

    class Meta:
        verbose_name = "paramètre légal"
        verbose_name_plural = "paramètres légaux"
        ordering = ["key", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["key", "valid_from"], name="legal_parameter_unique_key_date")]

    def __str__(self) -> str:
        return f"{self.label} : {self.value} {self.unit} (au {self.valid_from:%d/%m/%Y})"


class ReferentialLoad(models.Model):
    """A load of reference files, run by Celery and watched by staff (a persisted job)."""

    kinds = models.JSONField("référentiels", default=list)
    status = models.CharField("statut", max_length=16, choices=LoadStatus.choices, default=LoadStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="demandé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)
    started_at = models.DateTimeField("démarré le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    steps_done = models.PositiveSmallIntegerField("étapes terminées", default=0)
    steps_total = models.PositiveSmallIntegerField("étapes", default=0)
    report = models.JSONField("compte rendu", default=list, blank=True)
    error = models.TextField("erreur", blank=True)

    class Meta:
        verbose_name = "chargement de référentiels"
        verbose_name_plural = "chargements de référentiels"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Chargement n° {self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    @property
    def finished(self) -> bool:
        return self.status in (LoadStatus.DONE, LoadStatus.FAILED)
