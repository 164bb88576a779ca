"""Reads of périodes de reconversion and Pro-A amendments that depend on who asks: the spine's
scoping (`opco.scoping`), the same rule as every file kind."""

from django.db.models import QuerySet

from contracts.models.reconversion import ProAAmendment, ReconversionPeriod
from contracts.selectors import can_instruct  # noqa: F401  (one rule for every file of the app)
from opco import scoping


def periods_visible_to(user) -> QuerySet[ReconversionPeriod]:
    return scoping.visible(user, ReconversionPeriod.objects.all())


def pro_a_visible_to(user) -> QuerySet[ProAAmendment]:
    return scoping.visible(user, ProAAmendment.objects.all())
