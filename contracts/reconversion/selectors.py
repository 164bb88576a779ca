"""Reads of périodes de reconversion and Pro-A amendments that depend on who asks."""

from django.db.models import QuerySet

from accounts import roles
from branches.models import BranchIdcc
from contracts.models.reconversion import (
    ProAAmendment,
    ReconversionPeriod,
)


# --- Scoping -----------------------------------------------------------------------------------------
def periods_visible_to(user) -> QuerySet[ReconversionPeriod]:
    """Staff see every period; a branch representative those of their branch's IDCCs; an advisor those
    of their portfolio's companies; anyone else none (the same scoping as contracts.selectors)."""
    return _scoped(ReconversionPeriod.objects.all(), user)


def pro_a_visible_to(user) -> QuerySet[ProAAmendment]:
    return _scoped(ProAAmendment.objects.all(), user)


def _scoped(rows: QuerySet, user) -> QuerySet:
    if roles.STAFF(user):
        return rows
    if roles.BRANCH_REP(user):
        codes = BranchIdcc.objects.filter(branch__memberships__user=user).values("idcc__code")
        return rows.filter(employer_idcc__in=codes)
    if roles.ADVISOR(user):
        from sme_services.models import PortfolioCompany

        return rows.filter(employer_siret__in=PortfolioCompany.objects.filter(advisor=user).values("company__siret"))
    return rows.none()


def can_instruct(user) -> bool:
    return roles.STAFF(user)
