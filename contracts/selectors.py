"""Reads of contract files that depend on who asks. Staff see every file; a branch representative the
files of their branch's companies (by the company's IDCC in the referential); an advisor the files of
the companies in their portfolio; anyone else nothing (so: 404). The rule is the spine's
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
