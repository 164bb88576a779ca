"""Conventions for the tests, built through the services (draft → parties, budgets, rates → signed),
and instructed files with a company of a covered branch to draw funding lines on them."""

from datetime import date
from decimal import Decimal

from conventions import services
from conventions.enums import ConventionKind, PartyRole
from conventions.models import Convention
from referentials.models import Company, Idcc
from tests.branches.factories import BranchFactory
from tests.contracts.factories import stored_period
from tests.referentials.factories import valid_siret

FNE_RATES = {"moins_50": Decimal("70"), "50_249": Decimal("60"), "250_plus": Decimal("50")}


def covered_branch(code: str = "0843"):
    return BranchFactory(idccs=[code])


def company(n: int, *, headcount: int | None = 20, idcc: str = "0843") -> Company:
    siret = valid_siret(n)
    return Company.objects.create(
        siret=siret, siren=siret[:9], name=f"Entreprise {n}", headcount=headcount, idcc=Idcc.objects.get(code=idcc)
    )


def instructed_file(number: str):
    return stored_period(number, due=date(2026, 3, 10))


def signed_convention(
    actor,
    *,
    branches=(),
    budget: Decimal = Decimal("100000"),
    years=(2026,),
    rates=None,
    kind=ConventionKind.FNE,
    starts_on=date(2026, 1, 1),
    ends_on=date(2026, 12, 31),
    sign=True,
    **fields,
) -> Convention:
    values = {
        "title": "FNE-Formation 2026",
        "kind": kind,
        "funder": "État – DGEFP",
        "legal_basis": "C. trav. L6332-1 II 1° a ; R5111-1",
        "object": "Cofinancement de la formation des salariés",
        "starts_on": starts_on,
        "ends_on": ends_on,
        "publics": ["salaries", "seniors"],
        "all_branches": not branches,
    }
    values.update(fields)
    convention = services.convention_create(actor=actor, branches=branches, **values)
    services.party_add(actor=actor, convention_id=convention.pk, role=PartyRole.FUNDER, name="État – DGEFP", signatory="Préfet")
    services.party_add(actor=actor, convention_id=convention.pk, role=PartyRole.OPCO, name="OPCO", signatory="Directeur général")
    for year in years:
        services.budget_set(actor=actor, convention_id=convention.pk, year=year, funder="État – DGEFP", amount=budget)
    for band, rate in (FNE_RATES if rates is None else rates).items():
        services.rate_set(actor=actor, convention_id=convention.pk, size_band=band, rate=rate)
    if sign:
        services.convention_sign(actor=actor, convention_id=convention.pk, signed_on=starts_on)
    convention.refresh_from_db()
    return convention
