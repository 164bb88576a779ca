"""Choices of the training funding requests (plan < 50, SSCT, AFEST)."""

from django.db import models


class Dispositif(models.TextChoices):
    PLAN50 = "plan50", "Plan de développement des compétences < 50"
    SSCT = "ssct", "Formation santé, sécurité et conditions de travail du CSE"


class Modality(models.TextChoices):
    PRESENTIEL = "presentiel", "Présentiel"
    FOAD = "foad", "Formation à distance (FOAD)"
    AFEST = "afest", "Action de formation en situation de travail (AFEST)"


class Mandate(models.TextChoices):
    FIRST = "first", "Premier mandat"
    RENEWAL = "renewal", "Renouvellement"


class RequestStatus(models.TextChoices):
    RECEIVED = "received", "Reçue"
    UNDER_INSTRUCTION = "instruction", "En instruction"
    INCOMPLETE = "incomplete", "Incomplète"
    WAITING = "waiting", "En file d'attente (enveloppe)"
    ACCEPTED = "accepted", "Accordée"
    REFUSED = "refused", "Refusée"
    SERVICE_FAIT = "service_fait", "Service fait constaté"
    PAID = "paid", "Payée"
    WITHDRAWN = "withdrawn", "Désistement / rupture"


class Channel(models.TextChoices):
    FORM = "form", "Formulaire de l'entreprise"
    API = "api", "API"
    ADVISOR = "advisor", "Saisie par le conseiller"
    STAFF = "staff", "Saisie par un gestionnaire"


class EvidenceKind(models.TextChoices):
    """The closed list of the documents proving the action was carried out (R6332-26), and for an AFEST
    the four elements of D6313-3-2 kept on its project."""

    INVOICE = "invoice", "Facture de l'organisme de formation"
    CERTIFICAT = "certificat", "Certificat de réalisation"
    EMPLOYER_STATEMENT = "employer_statement", "État des frais de l'employeur"
    AFEST_EVIDENCE = "afest", "Traces des quatre éléments de l'AFEST (D6313-3-2)"


class PaymentKind(models.TextChoices):
    BALANCE = "balance", "Paiement après service fait"
    CORRECTION = "correction", "Régularisation"
