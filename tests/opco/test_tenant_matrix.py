"""Own and other tenant on every route that reads one object (DESIGN.md, « a user from another branch
or portfolio gets 404, never a leak »): a branch representative and an advisor each have files of
every registered kind in their scope (« own ») and out of it (« other »), with ids that no two models
share. For every GET route of the project with one integer parameter, and every id of every kind, the
page or API answer that opens an own file must answer 404 for the other one of the same kind.

Nothing is written per view: routes come from the resolver, the ids from the scoping registry's file
kinds, so a new mission's detail page is covered the day it is wired."""

import re
from datetime import date

import pytest

from branches.models import BranchMembership
from referentials.models import Company, Idcc
from sme_services.models import PortfolioCompany
from tests.branches.factories import BranchFactory
from tests.contracts.factories import stored_contract, stored_period
from tests.routes import ALL_ROUTES, is_project_view, is_public

pytestmark = pytest.mark.django_db

ONE_ID = re.compile(r"<int:\w+>")
SINGLE_OBJECT_ROUTES = [
    route
    for route, pattern in ALL_ROUTES
    if is_project_view(route, pattern.callback) and not is_public(pattern.callback) and len(ONE_ID.findall(route)) == 1
]
OWN_SIRET, OTHER_SIRET = "73282932000074", "44492238900036"
READERS = ("advisor",)  # a branch representative opens no file at all (below)


def path_for(route: str, pk: int) -> str:
    path = ONE_ID.sub(str(pk), route)
    return "/" + re.sub(r"<(?:str|slug|path)?:?\w+>", "x", path)


@pytest.fixture
def tenants(make_user):
    """Own and other companies, each with a contract file and a période de reconversion whose ids are
    far apart by kind (contracts 1001/1002, periods 2001/2002), and a representative and an advisor
    whose scope is the own company."""
    own_branch = BranchFactory(idccs=["0843"])
    BranchFactory(idccs=["1486"])
    own_idcc, other_idcc = Idcc.objects.get(code="0843"), Idcc.objects.get(code="1486")
    own = Company.objects.create(siret=OWN_SIRET, siren=OWN_SIRET[:9], name="Boulangerie", idcc=own_idcc)
    other = Company.objects.create(siret=OTHER_SIRET, siren=OTHER_SIRET[:9], name="Bureau", idcc=other_idcc)
    files = {}
    for offset, (company, side) in enumerate(((own, "own"), (other, "other")), start=1):
        contract = stored_contract(f"AP-{side}", due=date(2026, 3, 10))
        type(contract).objects.filter(file_number=f"AP-{side}").update(
            id=1000 + offset, employer=company, employer_siret=company.siret
        )
        period = stored_period(f"RC-{side}", due=date(2026, 3, 10))
        type(period).objects.filter(file_number=f"RC-{side}").update(
            id=2000 + offset, employer=company, employer_siret=company.siret
        )
        files[("contract", side)] = 1000 + offset
        files[("period", side)] = 2000 + offset
    representative = make_user(branch_rep=True)
    BranchMembership.objects.create(user=representative, branch=own_branch)
    advisor = make_user(advisor=True)
    PortfolioCompany.objects.create(advisor=advisor, company=own)
    return {"files": files, "branch_rep": representative, "advisor": advisor}


def test_the_matrix_walks_the_single_object_routes():
    assert len(SINGLE_OBJECT_ROUTES) > 10


def test_a_representative_opens_no_file_even_of_their_own_branch(tenants, client_for):
    """Figures, not people (RGPD art. 5 1 c): no single-object route answers a representative with a file."""
    client = client_for(tenants["branch_rep"])
    opened = [
        (route, kind, side)
        for route in SINGLE_OBJECT_ROUTES
        for (kind, side), pk in tenants["files"].items()
        if client.get(path_for(route, pk)).status_code == 200
    ]
    assert opened == []


@pytest.mark.parametrize("who", READERS)
def test_what_opens_an_own_file_answers_404_for_another_tenants_file(tenants, client_for, who):
    client = client_for(tenants[who])
    files = tenants["files"]
    opened, leaks = 0, []
    for route in SINGLE_OBJECT_ROUTES:
        for kind in ("contract", "period"):
            own = client.get(path_for(route, files[(kind, "own")]))
            if own.status_code != 200:
                continue
            opened += 1
            other = client.get(path_for(route, files[(kind, "other")]))
            if other.status_code != 404:
                leaks.append(f"{route} ({kind}) → {other.status_code}")
    assert leaks == []
    assert opened >= 2  # at least the contract page and the période page open for a reader in scope
