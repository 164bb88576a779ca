"""Reads of referentials that depend on who asks: the one place that scopes them to a user.

Public reference data (IDCC, NAF, certifications, training providers) is open to every role;
companies are scoped: a branch representative sees the companies of their branches only."""

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from accounts import roles
from opco import calendar
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


# --- Values by date: legal parameters and working days -------------------------------------------
def legal_parameter_on(key: str, on: date) -> Decimal:
    """The value of a legal parameter in force on a date: the latest `valid_from` on or before it."""
    from referentials.models import LegalParameter

    row = LegalParameter.objects.filter(key=key, valid_from__lte=on).order_by("-valid_from").first()
    if row is None:
        raise LookupError(f"Aucune valeur de « {key} » en vigueur au {on:%d/%m/%Y}.")
    return row.value


def public_holidays_between(start: date, end: date, zone: str = "metropole") -> set[date]:
    from referentials.models import PublicHoliday

    return set(PublicHoliday.objects.filter(zone=zone, date__range=(start, end)).values_list("date", flat=True))


def add_working_days(start: date, days: int, zone: str = "metropole") -> date:
    """The date `days` « jours ouvrés » after `start` (Monday to Friday, public holidays of the zone
    excluded), for deadlines counted in working days: the one calendar's count (opco.calendar)."""
    return calendar.add_working_days(start, days, zone=zone, kind=calendar.OUVRES)
