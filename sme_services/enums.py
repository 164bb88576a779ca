"""Choices of the proximity service (French labels: what users read)."""

from django.db import models


class SizeBand(models.TextChoices):
    """Bands by headcount. The Code has one section « moins de cinquante salariés » (L6332-3 2°); the
    split under 11 / 11-49 is OPCO practice (RULES.md §4), kept because boards budget by it."""

    UNDER_11 = "0-10", "Moins de 11 salariés"
    FROM_11_TO_49 = "11-49", "De 11 à 49 salariés"
    FROM_50 = "50+", "50 salariés et plus"
    UNKNOWN = "?", "Effectif inconnu"


def size_band(headcount: int | None) -> str:
    if headcount is None:
        return SizeBand.UNKNOWN
    if headcount < 11:
        return SizeBand.UNDER_11
    if headcount < 50:
        return SizeBand.FROM_11_TO_49
    return SizeBand.FROM_50


class NeedSubject(models.TextChoices):
    ALTERNANCE = "alternance", "Alternance"
    PLAN = "plan", "Plan de développement des compétences"
    AFEST = "afest", "AFEST (formation en situation de travail)"
    FOAD = "foad", "Formation à distance"
    ECOLOGY = "ecologie", "Transition écologique"
    HEALTH_CSE = "sante_cse", "Santé-sécurité et CSE"
    RECRUITMENT = "recrutement", "Recrutement"
    CERTIFICATION = "certification", "Certification / VAE"
    OTHER = "autre", "Autre"


class NeedStatus(models.TextChoices):
    PENDING = "en_attente", "En attente"
    TAKEN = "pris_en_charge", "Pris en charge"
    REFUSED = "refuse", "Refusé"
    CLOSED = "cloture", "Clôturé"
    ABANDONED = "abandonne", "Abandonné"


class NeedOutcome(models.TextChoices):
    HELPED = "aide_proposee", "Aide proposée"
    NO_HELP = "pas_d_aide", "Pas d'aide possible"
    UNREACHABLE = "injoignable", "Injoignable"


class NeedRefusal(models.TextChoices):
    OUT_OF_SCOPE = "hors_perimetre", "Hors du périmètre de l'OPCO"
    DUPLICATE = "doublon", "Doublon d'un besoin déjà reçu"
    NOT_A_NEED = "sans_objet", "Demande sans objet (publicité, essai…)"
    OTHER_OPCO = "autre_opco", "Entreprise rattachée à un autre OPCO"
    OVER_50 = "plus_de_50", "Entreprise de 50 salariés et plus : hors service de proximité"


class NeedChannel(models.TextChoices):
    FORM = "formulaire", "Formulaire public"
    STAFF = "saisie", "Saisie par l'OPCO"
    API = "api", "API"


class InteractionKind(models.TextChoices):
    VISIT = "visite", "Visite"
    CALL = "appel", "Appel"
    EMAIL = "courriel", "Courriel"
    WEBINAR = "webinaire", "Webinaire"
    EVENT = "evenement", "Événement"


class InteractionOutcome(models.TextChoices):
    INFORMED = "informee", "Entreprise informée"
    NEED_FOUND = "besoin", "Besoin identifié"
    DIAGNOSTIC = "diagnostic", "Diagnostic proposé"
    NO_FOLLOW_UP = "sans_suite", "Sans suite"


class DiagnosticKind(models.TextChoices):
    PRE = "pre", "Pré-diagnostic"
    SKILLS_HR = "rh", "Besoins en compétences / RH"
    ECOLOGY = "ecologie", "Transition écologique"
    AFEST = "afest", "Opportunité AFEST"


class DiagnosticStatus(models.TextChoices):
    OPEN = "ouvert", "Ouvert"
    COMPLETED = "termine", "Terminé"


class ProviderKind(models.TextChoices):
    INTERNAL = "interne", "Conseiller de l'OPCO"
    EXTERNAL = "externe", "Consultant externe"


class PlanItemKind(models.TextChoices):
    ALTERNANCE = "alternance", "Contrat en alternance"
    FUNDING = "financement", "Demande de financement"
    AFEST = "afest", "Projet AFEST"
    FOAD = "foad", "Action de formation à distance"
    OTHER = "autre", "Autre action"


class PlanItemStatus(models.TextChoices):
    TODO = "a_faire", "À faire"
    IN_PROGRESS = "en_cours", "En cours"
    DONE = "fait", "Fait"
    DROPPED = "abandonne", "Abandonné"


class ProjectStatus(models.TextChoices):
    DRAFT = "brouillon", "En préparation"
    READY = "conforme", "Conforme (éléments réunis)"
    RUNNING = "en_cours", "En cours"
    DONE = "termine", "Terminé"
    DROPPED = "abandonne", "Abandonné"


class CampaignKind(models.TextChoices):
    WEBINAR = "webinaire", "Webinaire"
    MAILING = "mailing", "Mailing"
    EVENT = "evenement", "Événement"


class CseRole(models.TextChoices):
    TITULAR = "titulaire", "Membre titulaire"
    SUBSTITUTE = "suppleant", "Membre suppléant"
    REFERENT = "referent", "Référent harcèlement (L2314-1)"


class ReportStatus(models.TextChoices):
    QUEUED = "en_attente", "En attente"
    DONE = "pret", "Prêt"
    FAILED = "echec", "En échec"
