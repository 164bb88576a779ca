"""Who reads which conventions: every staff member; a branch representative the conventions covering
their branch (or every branch of the OPCO); nobody else."""

from django.db.models import Q, QuerySet

from accounts import roles
from conventions.models import Convention, FunderReport, YearlyStatement


def conventions_visible_to(user) -> QuerySet[Convention]:
    conventions = Convention.objects.all()
    if roles.STAFF(user):
        return conventions
    if roles.BRANCH_REP(user):
        return conventions.filter(Q(all_branches=True) | Q(branches__memberships__user=user)).distinct()
    return conventions.none()


def reports_visible_to(user) -> QuerySet[FunderReport]:
    return FunderReport.objects.filter(convention__in=conventions_visible_to(user)).select_related("convention")


def statements_visible_to(user) -> QuerySet[YearlyStatement]:
    return YearlyStatement.objects.all() if roles.STAFF(user) else YearlyStatement.objects.none()
