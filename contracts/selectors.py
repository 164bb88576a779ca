"""Reads of contract files that depend on who asks: the one place that scopes them to a user.
Staff see every file; a branch representative the files of their branch's conventions (read-only);
an advisor the files of the companies in their portfolio; anyone else nothing (so: 404)."""

from django.db.models import QuerySet

from accounts import roles
from branches.models import BranchIdcc
from contracts.models import ApprenticeshipContract


def contracts_visible_to(user) -> QuerySet[ApprenticeshipContract]:
    contracts = ApprenticeshipContract.objects.all()
    if roles.STAFF(user):
        return contracts
    if roles.BRANCH_REP(user):
        codes = BranchIdcc.objects.filter(branch__memberships__user=user).values("idcc__code")
        return contracts.filter(employer_idcc__in=codes)
    if roles.ADVISOR(user):
        from sme_services.models import PortfolioCompany

        sirets = PortfolioCompany.objects.filter(advisor=user).values("company__siret")
        return contracts.filter(employer_siret__in=sirets)
    return contracts.none()


def can_instruct(user) -> bool:
    """Only OPCO staff act on a file; representatives and advisors read."""
    return roles.STAFF(user)
