"""The one registry that decides which files a user may see (DESIGN.md, the spine, point 6).

Every instructed file hangs off a company, and who sees a file is who sees its company's files:

- a layer that knows a kind of user registers, for a role, which companies' files that role sees
  (`register_company_rule`): accounts says staff see every file (`EVERY_COMPANY`); sme_services
  says an advisor sees the companies of their portfolio; a branch representative registers none (they
  see aggregated figures on the branches' portal, never a file — RGPD art. 5 1 c);
- a mission registers, for each of its file models, the path from the file to its company
  (`register_file_kind(Model, company="employer")`).

`visible(user, queryset)` is then the only scoping a selector needs: the union of what the user's
roles allow, nothing for a user no rule covers (a 404, never a leak). Documents hang off their file
and are reached only through it. No mission imports another to scope its rows.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet

from opco.access import Role


class _EveryCompany:
    def __repr__(self) -> str:
        return "EVERY_COMPANY"


EVERY_COMPANY = _EveryCompany()
# A rule answers the companies a user sees: a queryset of company primary keys, or EVERY_COMPANY.
CompanyRule = Callable[[object], "QuerySet | _EveryCompany"]


@dataclass(frozen=True)
class _Registered:
    role: Role
    rule: CompanyRule


_COMPANY_RULES: dict[str, _Registered] = {}
_FILE_KINDS: dict[str, str] = {}


def register_company_rule(role: Role, rule: CompanyRule) -> None:
    _COMPANY_RULES[role.code] = _Registered(role, rule)


def register_file_kind(model: type[models.Model], *, company: str) -> None:
    """`company`: the lookup path from the file to its company (« employer »)."""
    _FILE_KINDS[model._meta.label_lower] = company


def company_path(model: type[models.Model]) -> str:
    try:
        return _FILE_KINDS[model._meta.label_lower]
    except KeyError:
        raise LookupError(f"{model._meta.label} n'a pas déclaré le chemin vers son entreprise (opco.scoping).") from None


# Up to this many companies, a rule's answer is read first and given to the files' query as literals:
# the planner then walks the (company, received_on, id) index of the few companies instead of the whole
# received_on index through a subquery it cannot estimate (issue 19). Beyond, the subquery stays.
LITERAL_COMPANIES = 5_000


def _literal(companies):
    if not isinstance(companies, QuerySet):
        return companies
    rows = list(companies[: LITERAL_COMPANIES + 1])
    if len(rows) > LITERAL_COMPANIES:
        return companies
    return [next(iter(row.values())) if isinstance(row, dict) else getattr(row, "pk", row) for row in rows]


def visible(user, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed to the files of the companies `user` may see."""
    path = company_path(queryset.model)
    allowed = Q(pk__in=[])
    for registered in _COMPANY_RULES.values():
        if not registered.role(user):
            continue
        companies = registered.rule(user)
        if companies is EVERY_COMPANY:
            return queryset
        allowed |= Q(**{f"{path}__in": _literal(companies)})
    return queryset.filter(allowed)


def sees_every_company(user) -> bool:
    return any(r.role(user) and r.rule(user) is EVERY_COMPANY for r in _COMPANY_RULES.values())
