"""Which companies had a funded action in a year, whatever mission funded it (DESIGN.md, « Data flows
one way »): the proximity service's penetration rate reads it, the missions that fund register into it
from their `AppConfig.ready()`, so that no mission imports another:

    from referentials.company_activity import register_funded_actions

    register_funded_actions("contracts", lambda year: ApprenticeshipContract.objects.filter(...).values("employer_id"))

A source answers, for a year, a queryset of company primary keys: one column, named by `values()`
(`.values("employer_id")`), used as a subquery.
"""

from collections.abc import Callable

_SOURCES: dict[str, Callable[[int], object]] = {}


def register_funded_actions(key: str, companies_of_year: Callable[[int], object]) -> None:
    _SOURCES[key] = companies_of_year


def companies_funded_in(year: int, *, among) -> set[int]:
    """The ids of those of `among` (a queryset of companies) with at least one funded action in `year`,
    every source together. Each source is read as a subquery of company ids narrowed to `among` (a
    semi-join on the source's company column), never loaded whole: at 1 000 000 contracts the OPCO's
    funded companies of a year are hundreds of thousands (issue 19)."""
    ids: set[int] = set()
    for source in _SOURCES.values():
        ids.update(among.filter(pk__in=source(year)).values_list("pk", flat=True))
    return ids
