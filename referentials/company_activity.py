"""Which companies had a funded action in a year, whatever mission funded it (DESIGN.md, « Data flows
one way »): the proximity service's penetration rate reads it, the missions that fund register into it
from their `AppConfig.ready()`, so that no mission imports another:

    from referentials.company_activity import register_funded_actions

    register_funded_actions("contracts", lambda year: ApprenticeshipContract.objects.filter(...).values("employer_id"))

A source answers, for a year, a queryset of company primary keys (one column).
"""

from collections.abc import Callable

_SOURCES: dict[str, Callable[[int], object]] = {}


def register_funded_actions(key: str, companies_of_year: Callable[[int], object]) -> None:
    _SOURCES[key] = companies_of_year


def companies_funded_in(year: int) -> set[int]:
    """The ids of the companies with at least one funded action in `year`, every source together."""
    ids: set[int] = set()
    for source in _SOURCES.values():
        ids.update(pk for pk in source(year).values_list(flat=True) if pk is not None)
    return ids
