"""Writes on the branch pay grids: staff add a dated row; nothing is edited or deleted, so that a
contract checked yesterday can be re-checked today against the same value."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from branches.models import Branch
from branches.paygrids.models import PayGridRow
from branches.paygrids.selectors import folded
from opco import audit


@transaction.atomic
def pay_grid_row_add(
    *,
    actor,
    branch: Branch,
    classification: str,
    coefficient: str,
    monthly_minimum: Decimal,
    valid_from: date,
    source: str,
) -> PayGridRow:
    """A new conventional minimum for a position of the branch's grid, in force from a date."""
    classification, coefficient = " ".join(classification.split()), coefficient.strip()
    same_position = [
        row
        for row in PayGridRow.objects.select_for_update().filter(branch=branch, coefficient=coefficient, valid_from=valid_from)
        if folded(row.classification) == folded(classification)
    ]
    if same_position:
        raise ValidationError(
            {
                "valid_from": f"Une valeur est déjà enregistrée pour cette position au {valid_from:%d/%m/%Y} "
                f"({same_position[0].monthly_minimum} €) : une valeur passée n'est jamais remplacée, saisissez une nouvelle date."
            }
        )
    row = PayGridRow(
        branch=branch,
        classification=classification,
        coefficient=coefficient,
        monthly_minimum=monthly_minimum,
        valid_from=valid_from,
        source=source.strip(),
        created_by=actor,
    )
    row.full_clean()
    row.save()
    audit.record(
        actor=actor,
        action="pay_grid_row_add",
        target=row,
        changes=audit.snapshot(row, ["branch", "classification", "coefficient", "monthly_minimum", "valid_from", "source"]),
        summary=f"Grille de salaires : {row}",
    )
    return row
