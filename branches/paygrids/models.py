"""Branch pay grids: the conventional minimum monthly pay of a classification / coefficient, dated
(D6222-26 3° and 4°: from 21, an apprentice's minimum is a share of it when it is higher than the
SMIC). Rows are never edited: a new value is a new row with its own effective date."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from branches.models import Branch


class PayGridRow(models.Model):
    branch = models.ForeignKey(Branch, verbose_name="branche", on_delete=models.PROTECT, related_name="pay_grid_rows")
    classification = models.CharField("classification", max_length=120, blank=True)
    coefficient = models.CharField("coefficient", max_length=32, blank=True)
    monthly_minimum = models.DecimalField("salaire minimum conventionnel mensuel brut (€)", max_digits=14, decimal_places=2)
    valid_from = models.DateField("en vigueur à partir du")
    source = models.CharField("texte (accord, avenant)", max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisi par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)

    class Meta:
        verbose_name = "ligne de grille de salaires"
        verbose_name_plural = "grilles de salaires des branches"
        ordering = ["branch__name", "classification", "coefficient", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "classification", "coefficient", "valid_from"], name="pay_grid_row_unique_position_date"
            ),
            models.CheckConstraint(
                condition=Q(monthly_minimum__gt=0),
                name="pay_grid_row_minimum_positive",
                violation_error_message="Le salaire minimum doit être positif.",
            ),
            models.CheckConstraint(
                condition=~Q(classification="", coefficient=""),
                name="pay_grid_row_has_position",
                violation_error_message="Indiquez une classification, un coefficient ou les deux.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} – {self.position} : {self.monthly_minimum} € au {self.valid_from:%d/%m/%Y}"

    @property
    def position(self) -> str:
        parts = [self.classification, f"coefficient {self.coefficient}" if self.coefficient else ""]
        return ", ".join(part for part in parts if part)
