"""Reads of referentials that depend on who asks: the one place that scopes them to a user.

Public reference data (IDCC, NAF, certifications, training providers) is open to every role;
companies are scoped: a branch representative sees the companies of their branches only."""

from django.db.models import QuerySet

from accounts import roles
from referentials.models import Certification, Company, Idcc, ReferentialLoad, TrainingProvider


def _open_to_every_role(user, queryset: QuerySet) -> QuerySet:
    return queryset if any(role(user) for role in roles.ANY_USER) else queryset.none()


def providers_visible_to(user) -> QuerySet[TrainingProvider]:
    return _open_to_every_role(user, TrainingProvider.objects.all())


def certifications_visible_to(user) -> QuerySet[Certification]:
    return _open_to_every_role(user, Certification.objects.all())


def idcc_visible_to(user) -> QuerySet[Idcc]:
    return _open_to_every_role(user, Idcc.objects.select_related("branch_link__branch"))


def companies_visible_to(user) -> QuerySet[Company]:
    companies = Company.objects.select_related("naf", "idcc")
    if roles.STAFF(user) or roles.ADVISOR(user):
        return companies
    if roles.BRANCH_REP(user):
        return companies.filter(idcc__branch_link__branch__memberships__user=user)
    return companies.none()


def referential_loads_visible_to(user) -> QuerySet[ReferentialLoad]:
    if roles.STAFF(user):
        return ReferentialLoad.objects.select_related("requested_by")
    return ReferentialLoad.objects.none()
