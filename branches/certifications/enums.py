"""Choices of the certification projects (French labels, stable codes)."""

from django.db import models


class ProjectKind(models.TextChoices):
    CREATE = "create", "Création d'un CQP"
    REGISTER = "register", "Enregistrement d'une certification"
    RENEW = "renew", "Renouvellement d'un enregistrement"


class Repertoire(models.TextChoices):
    NONE = "", "CQP sans enregistrement"
    RNCP = "rncp", "RNCP (L6113-5)"
    RS = "rs", "Répertoire spécifique (L6113-6)"


class ProjectStatus(models.TextChoices):
    OPPORTUNITY = "opportunity", "Étude d'opportunité"
    WRITING = "writing", "Rédaction des référentiels"
    CREATED = "created", "CQP créé par la CPNE"
    FILED = "filed", "Déposé à France compétences"
    REGISTERED = "registered", "Enregistré"
    REFUSED = "refused", "Refusé"
    WITHDRAWN = "withdrawn", "Retiré du répertoire"
    ABANDONED = "abandoned", "Abandonné"


class CpneRole(models.TextChoices):
    """A member's role in the CPNE decides what they may do on its projects."""

    PRESIDENT = "president", "Président(e)"
    VICE_PRESIDENT = "vice_president", "Vice-président(e)"
    TITULAR = "titular", "Membre titulaire"
    SUBSTITUTE = "substitute", "Membre suppléant"
    OBSERVER = "observer", "Observateur"


# Who writes on a project (blocs, frameworks, checklist, filing); the others read and give opinions.
CPNE_WRITERS = (CpneRole.PRESIDENT, CpneRole.VICE_PRESIDENT, CpneRole.TITULAR)
# Who reads and gives opinions (an observer only reads).
CPNE_REVIEWERS = (*CPNE_WRITERS, CpneRole.SUBSTITUTE)


class CriterionState(models.TextChoices):
    PENDING = "pending", "À renseigner"
    MET = "met", "Satisfait"
    NOT_APPLICABLE = "not_applicable", "Sans objet"


class Recommendation(models.TextChoices):
    FAVOURABLE = "favourable", "Favorable"
    RESERVED = "reserved", "Favorable avec réserves"
    UNFAVOURABLE = "unfavourable", "Défavorable"


class HabilitationScope(models.TextChoices):
    TRAIN = "train", "Préparer à la certification"
    ASSESS = "assess", "Évaluer les candidats"
    BOTH = "both", "Préparer et évaluer"


class CandidateResult(models.TextChoices):
    PENDING = "pending", "En attente du jury"
    CERTIFIED = "certified", "Certifié"
    PARTIAL = "partial", "Blocs validés (certification partielle)"
    FAILED = "failed", "Non certifié"
