"""The conventions API (read-only) through the real stack: scoped like the screens (staff all, a branch
representative the conventions covering their branch, 404 for another, 403 for an advisor), the list
paged by cursor without a row skipped or repeated, a bad cursor or limit a French 400, and a
convention's budget, committed, consumed and indicators as its page computes them."""

from datetime import date
from decimal import Decimal

import pytest

from branches.models import BranchMembership
from conventions import services
from conventions.enums import IndicatorCode
from payments.cofinancing import funding_line_add, funding_line_consume
from tests.conventions.factories import company, covered_branch, instructed_file, signed_convention

pytestmark = pytest.mark.django_db


@pytest.fixture
def conventions(make_user):
    finance = make_user(finance=True)
    own, other = covered_branch("0843"), covered_branch("1486")
    mine = signed_convention(finance, branches=[own], title="EDEC Boulangerie", kind="edec", budget=Decimal("50000"))
    theirs = signed_convention(finance, branches=[other], title="EDEC Bureaux", kind="edec")
    national = signed_convention(finance, title="FNE national")
    rep = make_user(branch_rep=True)
    BranchMembership.objects.create(user=rep, branch=own)
    return {"finance": finance, "mine": mine, "theirs": theirs, "national": national, "rep": rep, "own": own}


def test_the_list_pages_by_cursor_scoped_to_the_caller(conventions, client_for, make_user):
    client = client_for(make_user(gestionnaire=True))
    first = client.get("/api/v1/conventions/", {"limit": 2}).json()
    assert first["count"] == 3 and first["count_is_capped"] is False and len(first["results"]) == 2
    second = client.get("/api/v1/conventions/", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert second["next_cursor"] is None and len(second["results"]) == 1
    numbers = [row["number"] for row in first["results"] + second["results"]]
    expected = sorted(c.number for c in (conventions["mine"], conventions["theirs"], conventions["national"]))
    assert numbers == expected
    rep = client_for(conventions["rep"]).get("/api/v1/conventions/").json()
    assert {row["title"] for row in rep["results"]} == {"EDEC Boulangerie", "FNE national"} and rep["count"] == 2


def test_bad_cursors_and_limits_are_french_400s(conventions, client_for, make_user):
    client = client_for(make_user(kind="staff"))
    for params, field in (({"cursor": "pas-un-curseur"}, "cursor"), ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit")):
        response = client.get("/api/v1/conventions/", params)
        assert response.status_code == 400 and field in response.json()["errors"]


def test_a_convention_with_its_budget_use_and_indicators(conventions, client_for):
    finance, mine = conventions["finance"], conventions["mine"]
    firm = company(1, headcount=12)
    line = funding_line_add(
        actor=finance,
        source=instructed_file("ALT-2026-API-1"),
        funder_kind="convention",
        scope_key=mine.scope_key,
        company=firm,
        amount=Decimal("1400.00"),
        total_cost=Decimal("2000.00"),
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 20),
        hours=Decimal("28"),
        trainees=2,
        women=1,
    )
    funding_line_consume(actor=finance, line_id=line.pk, amount=Decimal("700.00"))
    services.indicator_target_set(
        actor=finance, convention_id=mine.pk, code=IndicatorCode.TRAINEES, year=2026, target=Decimal("20")
    )
    body = client_for(conventions["rep"]).get(f"/api/v1/conventions/{mine.pk}/").json()
    assert body["number"] == mine.number and body["branches"] == [conventions["own"].code]
    assert body["budgets"] == [{"year": 2026, "funder": "État – DGEFP", "amount": "50000.00"}]
    assert {name: body["money"][name] for name in ("budget", "committed", "consumed", "available")} == {
        "budget": "50000.00",
        "committed": "1400.00",
        "consumed": "700.00",
        "available": "48600.00",
    }
    assert body["indicators"] == [
        {"code": "stagiaires", "label": "Personnes formées", "year": 2026, "target": "20.00", "achieved": "2.00"}
    ]


def test_who_may_call_it(conventions, client_for, make_user, client):
    assert client.get("/api/v1/conventions/").status_code == 403  # no session
    rep = client_for(conventions["rep"])
    assert rep.get(f"/api/v1/conventions/{conventions['theirs'].pk}/").status_code == 404
    assert rep.get(f"/api/v1/conventions/{conventions['national'].pk}/").status_code == 200
    advisor = client_for(make_user("advisor"))
    assert advisor.get("/api/v1/conventions/").status_code == 403
    assert advisor.get(f"/api/v1/conventions/{conventions['mine'].pk}/").status_code == 403
    staff = client_for(make_user(kind="staff"))
    assert staff.get("/api/v1/conventions/999999/").json() == {"errors": {"id": "Convention introuvable."}}
    assert staff.post("/api/v1/conventions/", {}).status_code in (403, 405)
