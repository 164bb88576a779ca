from django.db import models


class BeneficiaryKind(models.TextChoices):
    CFA = "cfa", "CFA"
    EMPLOYER = "employeur", "Employeur"
    PROVIDER = "organisme", "Organisme de formation"


class ScheduleStatus(models.TextChoices):
    """A row of any mission's payable schedule (payments.schedules): planned → payable → in run → paid,
    or closed as not due, superseded by a recomputation, or turned into a recovery order."""

    PLANNED = "planned", "Prévue"
    PAYABLE = "payable", "À payer"
    IN_RUN = "in_run", "En cours de paiement"
    PAID = "paid", "Payée"
    NOT_DUE = "not_due", "Non due"
    SUPERSEDED = "superseded", "Remplacée"
    RECOVERY = "recovery", "En titre de recette"


class LineStatus(models.TextChoices):
    PAYABLE = "payable", "À payer"
    IN_RUN = "in_run", "Dans un lot de paiement"
    PAID = "paid", "Payée"
    RETURNED = "returned", "Rejetée par la banque"
    CANCELLED = "cancelled", "Annulée"
    RECOVERY = "recovery", "En titre de recette"


class RunStatus(models.TextChoices):
    PREPARED = "prepared", "Préparé"
    APPROVED = "approved", "Approuvé"
    EXECUTING = "executing", "En exécution"
    FILE_READY = "file_ready", "Fichier prêt"
    SENT = "sent", "Envoyé à la banque"
    SETTLED = "settled", "Réglé"
    FAILED = "failed", "Échec"
    CANCELLED = "cancelled", "Annulé"


class TransferStatus(models.TextChoices):
    INCLUDED = "included", "Dans le lot"
    RETURNED = "returned", "Rejeté"
    SETTLED = "settled", "Réglé"


class ReturnSource(models.TextChoices):
    MANUAL = "manual", "Saisie"
    PAIN002 = "pain002", "Compte rendu pain.002"


class RecoveryStatus(models.TextChoices):
    ISSUED = "issued", "Émis"
    SETTLED = "settled", "Recouvré"


class FinancialSection(models.TextChoices):
    """The three sections of L6332-3 (R6332-15): every commitment of every mission belongs to one."""

    ALTERNANCE = "alternance", "Alternance"
    PLAN_UNDER_50 = "plan_moins_50", "Plan de développement des compétences < 50"
    RECONVERSION = "reconversion", "Reconversion"
