"""Reads of the branch pay grids: the conventional minimum in force on a date for a declared
classification / coefficient, and the rows a user may see."""

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from accounts import roles
from branches.paygrids.models import PayGridRow


def folded(text: str) -> str:
    """A position compared without case, accents nor repeated spaces: « Employé N2 » = « EMPLOYE  n2 »."""
    decomposed = unicodedata.normalize("NFKD", " ".join((text or "").split()))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@dataclass(frozen=True)
class ConventionalMinimum:
    amount: Decimal
    row: PayGridRow

    @property
    def description(self) -> str:
        return (
            f"salaire minimum conventionnel de la branche {self.row.branch} ({self.row.position}) : "
            f"{self.amount} € en vigueur au {self.row.valid_from:%d/%m/%Y} ({self.row.source})"
        )


def conventional_minimum(*, idcc: str, classification: str, coefficient: str, on: date) -> ConventionalMinimum | None:
    """The branch minimum for the declared position on a date, or None when the employer's IDCC is in
    no branch of the OPCO, nothing is declared, or staff entered no matching row in force that day.

    A row matches when each of its non-empty fields (classification, coefficient) equals the declared
    one; per matched position the row in force is the latest `valid_from` on or before the date. When
    several positions match (a coefficient shared by two classifications), the highest minimum is
    kept: the rule protects the apprentice."""
    classification, coefficient = folded(classification), (coefficient or "").strip()
    if not (classification or coefficient) or not idcc:
        return None
    rows = PayGridRow.objects.filter(branch__branchidcc__idcc__code=idcc, valid_from__lte=on).select_related("branch")
    in_force: dict[tuple[str, str], PayGridRow] = {}
    for row in rows.order_by("valid_from", "id"):
        if row.coefficient and row.coefficient.strip() != coefficient:
            continue
        if row.classification and folded(row.classification) != classification:
            continue
        in_force[(folded(row.classification), row.coefficient.strip())] = row  # later dates replace earlier ones
    if not in_force:
        return None
    best = max(in_force.values(), key=lambda row: row.monthly_minimum)
    return ConventionalMinimum(best.monthly_minimum, best)


def pay_grid_rows_visible_to(user) -> QuerySet[PayGridRow]:
    """Staff see every branch's grid; a branch representative their branches'; others nothing."""
    rows = PayGridRow.objects.select_related("branch", "created_by")
    if roles.STAFF(user):
        return rows
    if roles.BRANCH_REP(user):
        return rows.filter(branch__memberships__user=user)
    return rows.none()
