"""Certification projects of the branches and what hangs off them (L6113-4 to -8, R6113-8 to -17-1).

The models live in the `branches` app (imported by branches.models); every write goes through
branches.certifications.services, every read that depends on the user through its selectors.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from branches.certifications.enums import (
    CandidateResult,
    CpneRole,
    CriterionState,
    HabilitationScope,
    ProjectKind,
    ProjectStatus,
    Recommendation,
    Repertoire,
)
from opco.instruction import InstructedFile
from referentials.validators import validate_siret

LEVEL_RANGE = Q(level__isnull=True) | Q(level__gte=1, level__lte=8)


class CpneSeat(models.Model):
    """A branch representative's role in their branch's CPNE: read and write on its projects by it."""

    branch = models.ForeignKey("branches.Branch", verbose_name="branche", on_delete=models.CASCADE, related_name="cpne_seats")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="membre", on_delete=models.CASCADE, related_name="cpne_seats")
    role = models.CharField("rôle dans la CPNE", max_length=16, choices=CpneRole.choices)
    college = models.CharField(
        "collège", max_length=16, choices=[("employer", "Employeurs"), ("employee", "Salariés")], blank=True
    )

    class Meta:
        verbose_name = "siège à la CPNE"
        verbose_name_plural = "sièges à la CPNE"
        constraints = [models.UniqueConstraint(fields=["branch", "user"], name="cpne_seat_unique_branch_user")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} ({self.branch})"


class CertificationProject(InstructedFile):
    """A CQP to create, a certification to register or to renew, from the opportunity to the end of its
    registration. `received_on` is the day the project was opened."""

    branch = models.ForeignKey(
        "branches.Branch", verbose_name="branche", on_delete=models.PROTECT, related_name="certification_projects"
    )
    kind = models.CharField("nature", max_length=16, choices=ProjectKind.choices, default=ProjectKind.CREATE)
    status = models.CharField(
        "statut", max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.OPPORTUNITY, db_index=True
    )
    title = models.CharField("intitulé", max_length=255)
    repertoire = models.CharField("répertoire visé", max_length=8, choices=Repertoire.choices, blank=True)
    simplified = models.BooleanField("procédure simplifiée (métier en émergence, R6113-10)", default=False)
    level = models.PositiveSmallIntegerField("niveau (cadre national)", null=True, blank=True)
    renews = models.ForeignKey(
        "self", verbose_name="renouvelle", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    # Opportunity (RULES §7, stage 1)
    need = models.TextField("besoin identifié", blank=True)
    evidence = models.TextField("éléments de l'observatoire (études prospectives, GPEC)", blank=True)
    rome_codes = models.CharField("métiers visés (codes ROME)", max_length=255, blank=True, help_text="Séparés par des virgules.")
    cpne_decision_on = models.DateField("décision de la CPNE le", null=True, blank=True)
    cpne_decision = models.TextField("décision de la CPNE", blank=True)
    # Frameworks (L6113-1): activities, skills, assessment
    activities_framework = models.TextField("référentiel d'activités", blank=True)
    skills_framework = models.TextField("référentiel de compétences", blank=True)
    assessment_framework = models.TextField("référentiel d'évaluation", blank=True)
    # Rights holder (L6113-4)
    rights_holder = models.CharField("détenteur des droits de propriété intellectuelle", max_length=255, blank=True)
    rights_holder_siren = models.CharField("SIREN du détenteur", max_length=9, blank=True)
    created_on = models.DateField("CQP créé le", null=True, blank=True)
    # Filing to France compétences (R6113-8)
    cohorts = models.PositiveSmallIntegerField("promotions de titulaires analysées", default=0)
    honour_check_on = models.DateField("date du bulletin n° 3 des dirigeants (R6113-14)", null=True, blank=True)
    filed_on = models.DateField("déposé le", null=True, blank=True)
    filing_reference = models.CharField("référence du dépôt (téléprocédure)", max_length=64, blank=True)
    # Decision and publication (R6113-12)
    rncp_code = models.CharField("code de la fiche (RNCP/RS)", max_length=16, blank=True, db_index=True)
    publication_reference = models.CharField("publication au Journal officiel", max_length=255, blank=True)
    registered_from = models.DateField("enregistré à compter du", null=True, blank=True)
    registration_ends_on = models.DateField("date d'échéance de l'enregistrement", null=True, blank=True, db_index=True)
    published = models.BooleanField("publié par la branche sur sa page publique", default=False)

    class Meta:
        verbose_name = "projet de certification"
        verbose_name_plural = "projets de certification"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=LEVEL_RANGE, name="certproject_level_1_to_8", violation_error_message="Le niveau va de 1 à 8."
            ),
            models.CheckConstraint(
                condition=Q(registration_ends_on__isnull=True) | Q(registered_from__lt=models.F("registration_ends_on")),
                name="certproject_registration_ends_after_start",
                violation_error_message="L'échéance de l'enregistrement suit sa date de début.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_number} – {self.title}"

    @property
    def rome_list(self) -> list[str]:
        return [code.strip().upper() for code in self.rome_codes.split(",") if code.strip()]


class Bloc(models.Model):
    """A bloc de compétences of a project's frameworks (L6113-1), with its level."""

    project = models.ForeignKey(CertificationProject, verbose_name="projet", on_delete=models.CASCADE, related_name="blocs")
    code = models.CharField("code", max_length=16)
    title = models.CharField("intitulé", max_length=255)
    level = models.PositiveSmallIntegerField("niveau", null=True, blank=True)
    skills = models.TextField("compétences", blank=True)
    assessment = models.TextField("modalités d'évaluation", blank=True)

    class Meta:
        verbose_name = "bloc de compétences"
        verbose_name_plural = "blocs de compétences"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="bloc_unique_code_per_project"),
            models.CheckConstraint(
                condition=LEVEL_RANGE, name="bloc_level_1_to_8", violation_error_message="Le niveau va de 1 à 8."
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.title}"


class CriterionAnswer(models.Model):
    """One line of the filing checklist: a criterion of R6113-9 / R6113-11 and its evidence."""

    project = models.ForeignKey(CertificationProject, verbose_name="projet", on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField("critère", max_length=32)
    state = models.CharField("état", max_length=16, choices=CriterionState.choices, default=CriterionState.PENDING)
    evidence = models.TextField("justificatif", blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_on = models.DateField("renseigné le", null=True, blank=True)

    class Meta:
        verbose_name = "critère du dépôt"
        verbose_name_plural = "critères du dépôt"
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="criterion_unique_code_per_project")]

    def __str__(self) -> str:
        return f"{self.project.file_number} – {self.code}"


class Review(models.Model):
    """An opinion asked of a CPNE member or a staff member on a project (« avis »)."""

    project = models.ForeignKey(CertificationProject, verbose_name="projet", on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="avis demandé à", on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="demandé par", on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField("question posée")
    due_on = models.DateField("avis attendu le")
    recommendation = models.CharField("recommandation", max_length=16, choices=Recommendation.choices, blank=True)
    opinion = models.TextField("avis", blank=True)
    confidential_note = models.TextField("note confidentielle (personnel de l'OPCO seulement)", blank=True)
    answered_on = models.DateField("rendu le", null=True, blank=True)
    created_at = models.DateTimeField("demandé le", auto_now_add=True)

    class Meta:
        verbose_name = "avis"
        verbose_name_plural = "avis"
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"Avis de {self.reviewer} sur {self.project.file_number}"


class Habilitation(models.Model):
    """A body the certifier habilitates to prepare or assess the candidates (R6113-16)."""

    project = models.ForeignKey(
        CertificationProject, verbose_name="certification", on_delete=models.CASCADE, related_name="habilitations"
    )
    siret = models.CharField("SIRET", max_length=14, validators=[validate_siret])
    name = models.CharField("organisme", max_length=255)
    scope = models.CharField("périmètre", max_length=8, choices=HabilitationScope.choices)
    starts_on = models.DateField("habilité du")
    ends_on = models.DateField("au")

    class Meta:
        verbose_name = "habilitation"
        verbose_name_plural = "habilitations"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")),
                name="habilitation_dates_in_order",
                violation_error_message="La fin de l'habilitation suit son début.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.siret})"


class Session(models.Model):
    """An assessment session of a certification, run by a habilitated body."""

    project = models.ForeignKey(
        CertificationProject, verbose_name="certification", on_delete=models.CASCADE, related_name="sessions"
    )
    habilitation = models.ForeignKey(
        Habilitation, verbose_name="organisme habilité", null=True, blank=True, on_delete=models.PROTECT
    )
    label = models.CharField("session", max_length=255)
    jury_on = models.DateField("jury le")

    class Meta:
        verbose_name = "session"
        verbose_name_plural = "sessions"
        ordering = ["-jury_on", "id"]

    def __str__(self) -> str:
        return f"{self.label} ({self.jury_on:%d/%m/%Y})"


class Candidate(models.Model):
    """A candidate of a session; a holder once certified. The NIR is sent to the CPF system only
    (L6113-8, R6113-17-1): never shown in a list, a URL or a log."""

    session = models.ForeignKey(Session, verbose_name="session", on_delete=models.CASCADE, related_name="candidates")
    last_name = models.CharField("nom de naissance", max_length=128)
    first_name = models.CharField("prénom", max_length=128)
    birth_date = models.DateField("date de naissance")
    sex = models.CharField("sexe", max_length=1, choices=[("F", "Femme"), ("M", "Homme")])
    nir = models.CharField("NIR", max_length=15, blank=True)
    email = models.EmailField("courriel", blank=True)
    result = models.CharField("résultat", max_length=16, choices=CandidateResult.choices, default=CandidateResult.PENDING)
    blocs_passed = models.ManyToManyField(Bloc, verbose_name="blocs validés", blank=True, related_name="holders")
    certified_on = models.DateField("certifié le", null=True, blank=True)

    class Meta:
        verbose_name = "candidat"
        verbose_name_plural = "candidats"
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @property
    def nir_masked(self) -> str:
        return "•••" if self.nir else "—"


class EmploymentSurvey(models.Model):
    """The employment data of the holders sent to France compétences (R6113-15: every two years at least)."""

    project = models.ForeignKey(
        CertificationProject, verbose_name="certification", on_delete=models.CASCADE, related_name="surveys"
    )
    sent_on = models.DateField("transmises le")
    holders_surveyed = models.PositiveIntegerField("titulaires interrogés")
    holders_employed = models.PositiveIntegerField("titulaires en emploi")
    notes = models.TextField("observations", blank=True)

    class Meta:
        verbose_name = "enquête d'insertion"
        verbose_name_plural = "enquêtes d'insertion"
        ordering = ["-sent_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(holders_employed__lte=models.F("holders_surveyed")),
                name="survey_employed_within_surveyed",
                violation_error_message="Les titulaires en emploi ne dépassent pas les titulaires interrogés.",
            )
        ]


class CertificationWatch(models.Model):
    """A certification a branch uses (its projects, its contracts' certifications), followed for the
    renewal alerts: the reminders (12, 6, 3 months before the end) hang off this row, once each."""

    branch = models.ForeignKey(
        "branches.Branch", verbose_name="branche", on_delete=models.CASCADE, related_name="certification_watches"
    )
    rncp = models.CharField("fiche", max_length=16)
    ends_on = models.DateField("échéance connue", null=True, blank=True)

    class Meta:
        verbose_name = "certification suivie"
        verbose_name_plural = "certifications suivies"
        constraints = [models.UniqueConstraint(fields=["branch", "rncp"], name="watch_unique_branch_rncp")]

    def __str__(self) -> str:
        return f"{self.rncp} ({self.branch})"
