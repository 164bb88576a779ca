from django.db import models
from django.db.models import TextChoices

from payments.enums import FinancialSection, ScheduleStatus  # noqa: F401  (the sections are payments'; contracts reads them)


class ContractStatus(models.TextChoices):
    RECEIVED = "received", "Reçu"
    UNDER_INSTRUCTION = "instruction", "En instruction"
    INCOMPLETE = "incomplete", "Incomplet"
    ACCEPTED = "accepted", "Accepté"
    REFUSED = "refused", "Refusé"
    DEPOSITED = "deposited", "Déposé"
    RUNNING = "running", "En cours"
    ENDED = "ended", "Terminé"
    BROKEN = "broken", "Rompu"


class DocumentKind(models.TextChoices):
    TRAINING_AGREEMENT = "convention_formation", "Convention de formation"
    TRIPARTITE_AGREEMENT = "convention_tripartite", "Convention tripartite (durée)"
    CERFA = "cerfa", "CERFA signé"
    OTHER = "autre", "Autre pièce"
    LETTER = "courrier", "Courrier de l'OPCO (PDF)"


# An instalment's status is the one of every payable schedule (payments.schedules); the name stays for


class InstalmentOrigin(models.TextChoices):
    DECISION = "decision", "Décision"
    AMENDMENT = "amendment", "Avenant"
    RUPTURE = "rupture", "Rupture"
    REGULARISATION = "regularisation", "Régularisation NPEC"


class ContractKind(models.TextChoices):
    """One workflow for both kinds of alternance contracts (L6332-1 1°)."""

    APPRENTISSAGE = "apprentissage", "Contrat d'apprentissage (FA13)"
    PROFESSIONNALISATION = "professionnalisation", "Contrat de professionnalisation (EJ20)"


class AmendmentType(models.TextChoices):
    """CERFA FA13 « type de contrat » codes of amendments."""

    EMPLOYER_STATUS = "31", "31 – Modification de la situation juridique de l'employeur"
    SEASONAL_EMPLOYER = "32", "32 – Changement d'employeur dans le cadre d'un contrat saisonnier"
    EXAM_FAILURE = "33", "33 – Prolongation après échec à l'examen"
    RQTH_EXTENSION = "34", "34 – Prolongation pour RQTH"
    DIPLOMA_CHANGE = "35", "35 – Modification du diplôme préparé"
    OTHER = "36", "36 – Autres changements"
    WORKPLACE = "37", "37 – Modification du lieu d'exécution"
    TRAINING_PLACE = "38", "38 – Modification du lieu principal de la formation théorique"


class RuptureCause(models.TextChoices):
    PROBATION = "periode_essai", "Rupture pendant les 45 premiers jours (L6222-18 al. 1)"
    MUTUAL = "accord_commun", "Accord des deux parties"
    DISMISSAL = "licenciement", "Licenciement (force majeure, faute grave, inaptitude…)"
    RESIGNATION = "demission", "Démission de l'apprenti (après médiation)"
    EMPLOYER_CLOSURE = "cessation", "Cessation d'activité de l'employeur (L6222-18-2)"
    OTHER = "autre", "Autre"


class OppositionKind(models.TextChoices):
    OPPOSITION = "opposition", "Opposition à l'engagement d'apprentis (L6225-1)"
    SUSPENSION = "suspension", "Suspension de l'exécution des contrats (L6225-4)"
    BAN = "interdiction", "Interdiction de recruter (L6225-6)"


class CfaDocumentKind(TextChoices):
    """What a CFA sends for its instalments to become payable (R6332-25)."""

    ANNUAL_INVOICE = "facture_annuelle", "Facture annuelle (avance de l'année, solde de l'année précédente)"
    FINAL_INVOICE = "facture_solde", "Facture du solde final"
    START_ATTESTATION = "attestation_debut", "Attestation de début de formation (CFA de moins de 6 mois)"
    COMPLETION_ATTESTATION = "attestation_realisation", "Attestation de réalisation"
    PARTICIPATION_INVOICE = "facture_participation", "Copie de la facture de participation employeur"


class DocumentSource(TextChoices):
    UPLOAD = "upload", "Dépôt à l'écran"
    API = "api", "API"
