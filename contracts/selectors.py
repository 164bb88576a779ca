"""Reads of contract files that depend on who asks. Staff see every file; an advisor the files of the
companies in their portfolio; a branch representative none (aggregated figures only, on the branches'
portal — RGPD art. 5 1 c); anyone else nothing (so: 404). The rule is the spine's
(`opco.scoping`), the same for every file kind."""

from django.db.models import QuerySet

from accounts import roles
from contracts.models import ApprenticeshipContract
from opco import scoping


def contracts_visible_to(user) -> QuerySet[ApprenticeshipContract]:
    return scoping.visible(user, ApprenticeshipContract.objects.all())


def can_instruct(user) -> bool:
    """Only OPCO staff act on a file; representatives and advisors read."""
    return roles.STAFF(user)
