from django.db import models


class UserKind(models.TextChoices):
    STAFF = "staff", "Personnel de l'OPCO"
    ADVISOR = "advisor", "Conseiller de proximité"
    BRANCH_REP = "branch_rep", "Représentant de branche"


class StaffGroup(models.TextChoices):
    """Django groups of OPCO staff; a staff user may hold several."""

    GESTIONNAIRE = "gestionnaire", "Gestionnaire"
    FINANCE = "finance", "Finance"
    RESPONSABLE = "responsable", "Responsable"
    ADMINISTRATEUR = "administrateur", "Administrateur"
