"""Reads of branches that depend on who asks: the one place that scopes them to a user."""

from django.db.models import QuerySet

from accounts import roles
from branches.models import Branch


def branches_visible_to(user) -> QuerySet[Branch]:
    """Staff and advisors see every branch of the OPCO; a representative only their own."""
    if roles.BRANCH_REP(user):
        return Branch.objects.filter(memberships__user=user)
    if roles.STAFF(user) or roles.ADVISOR(user):
        return Branch.objects.all()
    return Branch.objects.none()


def idcc_codes_of_user_branches(user) -> QuerySet:
    return Branch.idccs.through.objects.filter(branch__memberships__user=user).values("idcc_id")
