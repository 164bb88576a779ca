"""Which branch's figures a user may open: a representative their own, staff any (404 otherwise)."""

from django.shortcuts import get_object_or_404

from accounts import roles
from branches.models import Branch


def figures_branches(user):
    if roles.STAFF(user):
        return Branch.objects.all()
    if roles.BRANCH_REP(user):
        return Branch.objects.filter(memberships__user=user)
    return Branch.objects.none()


def figures_branch_or_404(user, pk: int) -> Branch:
    return get_object_or_404(figures_branches(user), pk=pk)


def masks_for(user) -> bool:
    """Statistical secrecy applies to everyone but OPCO staff."""
    return not roles.STAFF(user)
