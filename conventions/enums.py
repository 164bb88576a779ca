from django.db import models


class ConventionKind(models.TextChoices):
    FNE = "fne", "FNE-Formation (L6332-1 II 1° a)"
    EDEC = "edec", "EDEC (L5121-1, D5121-1)"
    FRAMEWORK = "cadre", "Convention-cadre de coopération (L6332-1 II 1° b)"
    REGIONAL = "region", "Convention régionale (L6211-3)"
    OTHER = "autre", "Autre convention"


class ConventionStatus(models.TextChoices):
    DRAFT = "projet", "En projet"
    SIGNED = "signee", "Signée"
    CLOSED = "close", "Close"


class PartyRole(models.TextChoices):
    FUNDER = "financeur", "Financeur"
    OPCO = "opco", "OPCO (organisme relais)"
    BRANCH = "branche", "Organisation de branche"
    OTHER = "autre", "Autre signataire"


class FunderPaymentKind(models.TextChoices):
    ADVANCE = "avance", "Avance"
    TRANCHE = "tranche", "Tranche"
    BALANCE = "solde", "Solde"


class IndicatorCode(models.TextChoices):
    """What an indicator counts, always from the convention's funding lines (never typed)."""

    COMPANIES = "entreprises", "Entreprises accompagnées"
    TRAINEES = "stagiaires", "Personnes formées"
    JOB_SEEKERS = "demandeurs", "Demandeurs d'emploi formés"
    HOURS = "heures", "Heures de formation"
    SPEND = "depense", "Dépense engagée (€)"
    CONSUMED = "consomme", "Dépense consommée (€)"
    COMPLETION = "achevement", "Taux d'achèvement (%)"
    SENIORS = "seniors", "Part de seniors (%)"
    WOMEN = "femmes", "Part de femmes (%)"


class ReportStatus(models.TextChoices):
    PREPARED = "prepare", "Préparé"
    CHECKED = "verifie", "Vérifié"
    SENT = "envoye", "Envoyé au financeur"


class StatementStatus(models.TextChoices):
    DRAFT = "brouillon", "À vérifier"
    LOCKED = "verrouille", "Verrouillé"
