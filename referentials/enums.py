from django.db import models


class HolidayZone(models.TextChoices):
    """Zones of the public-holiday calendars (etalab/jours-feries-france)."""

    METROPOLE = "metropole", "Métropole"
    ALSACE_MOSELLE = "alsace-moselle", "Alsace-Moselle"
    GUADELOUPE = "guadeloupe", "Guadeloupe"
    GUYANE = "guyane", "Guyane"
    LA_REUNION = "la-reunion", "La Réunion"
    MARTINIQUE = "martinique", "Martinique"
    MAYOTTE = "mayotte", "Mayotte"
    NOUVELLE_CALEDONIE = "nouvelle-caledonie", "Nouvelle-Calédonie"
    POLYNESIE_FRANCAISE = "polynesie-francaise", "Polynésie française"
    SAINT_BARTHELEMY = "saint-barthelemy", "Saint-Barthélemy"
    SAINT_MARTIN = "saint-martin", "Saint-Martin"
    SAINT_PIERRE_ET_MIQUELON = "saint-pierre-et-miquelon", "Saint-Pierre-et-Miquelon"
    WALLIS_ET_FUTUNA = "wallis-et-futuna", "Wallis-et-Futuna"


class ProviderNature(models.TextChoices):
    RESPONSABLE = "responsable", "Responsable"
    FORMATEUR = "formateur", "Formateur"
    RESPONSABLE_FORMATEUR = "responsable_formateur", "Responsable et formateur"
    UNKNOWN = "inconnue", "Inconnue"


class LoadStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échoué"
