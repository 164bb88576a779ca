"""The conventions screens through the test client: staff read, finance and managers act (through the
same services), a gestionnaire is refused the actions, a branch representative sees only the
conventions covering their branch (404 for another), the list filters and exports, an old version
stays readable after an avenant."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from branches.models import BranchMembership
from conventions.models import Convention
from opco.models import AuditEntry
from tests.conventions.factories import covered_branch, signed_convention

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(make_user):
    finance = make_user(finance=True)
    own, other = covered_branch("0843"), covered_branch("1486")
    mine = signed_convention(finance, branches=[own], title="EDEC Boulangerie", kind="edec")
    theirs = signed_convention(finance, branches=[other], title="EDEC Bureaux", kind="edec")
    national = signed_convention(finance, title="FNE national")
    rep = make_user(branch_rep=True)
    BranchMembership.objects.create(user=rep, branch=own)
    return {"finance": finance, "mine": mine, "theirs": theirs, "national": national, "rep": rep}


def test_a_branch_representative_sees_the_conventions_covering_their_branch(two, client_for):
    client = client_for(two["rep"])
    page = client.get("/conventions/").content.decode()
    assert "EDEC Boulangerie" in page and "FNE national" in page and "EDEC Bureaux" not in page
    assert client.get(f"/conventions/{two['mine'].pk}/").status_code == 200
    assert client.get(f"/conventions/{two['theirs'].pk}/").status_code == 404
    version = two["theirs"].versions.get()
    assert client.get(f"/conventions/versions/{version.pk}/").status_code == 404
    assert client.post(f"/conventions/{two['mine'].pk}/actions/cloture/").status_code == 403


def test_filters_and_the_audited_export(two, client_for, make_user):
    client = client_for(make_user(gestionnaire=True))
    page = client.get("/conventions/", {"kind": "fne"}).content.decode()
    assert "FNE national" in page and "EDEC Boulangerie" not in page
    response = client.get("/conventions/", {"q": "Bureaux", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert [row[1] for row in rows[1:]] == ["EDEC Bureaux"]
    assert AuditEntry.objects.filter(action="export_csv").count() == 1


def test_a_gestionnaire_reads_but_does_not_act(two, client_for, make_user):
    client = client_for(make_user(gestionnaire=True))
    assert client.get(f"/conventions/{two['mine'].pk}/").status_code == 200
    assert client.post(f"/conventions/{two['mine'].pk}/actions/cloture/").status_code == 403
    assert client.get("/conventions/nouvelle/").status_code == 403
    assert Convention.objects.get(pk=two["mine"].pk).status == "signee"


def test_create_sign_and_amend_through_the_pages(client_for, make_user):
    manager = make_user(responsable=True)
    covered_branch("0843")
    client = client_for(manager)
    response = client.post(
        "/conventions/nouvelle/",
        {
            "title": "Convention régionale Occitanie",
            "kind": "region",
            "funder": "Région Occitanie",
            "legal_basis": "C. trav. L6211-3",
            "object": "Majoration de NPEC",
            "all_branches": "on",
            "territories": "Occitanie",
            "publics": ["alternants"],
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
            "reporting_months": "12",
            "unspent_rule": "Reversés",
        },
    )
    convention = Convention.objects.get(title="Convention régionale Occitanie")
    assert response.status_code == 302 and convention.status == "projet"
    base = f"/conventions/{convention.pk}/actions"
    client.post(
        f"{base}/partie/", {"party-role": "financeur", "party-name": "Région Occitanie", "party-signatory": "La présidente"}
    )
    client.post(f"{base}/budget/", {"budget-year": "2026", "budget-funder": "Région Occitanie", "budget-amount": "150000"})
    client.post(
        f"{base}/majoration/",
        {
            "npec_raise-rncp": "RNCP35316",
            "npec_raise-cpne_code": "C001",
            "npec_raise-title": "BP Boulanger",
            "npec_raise-amount": "800",
            "npec_raise-applicable_from": "2026-01-01",
        },
    )
    client.post(f"{base}/signature/", {"sign-signed_on": "2026-01-10"})
    convention.refresh_from_db()
    assert convention.status == "signee" and convention.npec_raises.count() == 1
    response = client.post(
        f"{base}/avenant/",
        {"amend-signed_on": "2026-09-01", "amend-summary": "Nouvelle fin", "amend-ends_on": "2028-06-30", "amend-title": ""},
    )
    convention.refresh_from_db()
    assert convention.version == 2 and convention.ends_on == date(2028, 6, 30)
    first = convention.versions.get(number=1)
    page = client.get(f"/conventions/versions/{first.pk}/").content.decode()
    assert "2027-12-31" in page and "150\u202f000,00 €" in page  # the version as signed, amounts in French
    detail = client.get(f"/conventions/{convention.pk}/").content.decode()
    assert "Avenant n° 1" in detail and "150" in detail


def test_a_refusal_is_shown_in_french_and_changes_nothing(two, client_for):
    client = client_for(two["finance"])
    response = client.post(
        f"/conventions/{two['mine'].pk}/actions/budget/",
        {"budget-year": "2026", "budget-funder": "X", "budget-amount": "1"},
        follow=True,
    )
    assert "ne change que par avenant" in response.content.decode()
    assert two["mine"].budgets.get().amount == Decimal("100000.00")


def test_the_branch_panel_lists_the_conventions_covering_the_branch(two):
    from branches.branch_page import BRANCH_PANELS
    from conventions.apps import branch_panel_context

    assert "conventions" in BRANCH_PANELS._panels
    own = two["mine"].branches.get()
    titles = [c.title for c in branch_panel_context(two["rep"], own)["branch_conventions"]]
    assert sorted(titles) == ["EDEC Boulangerie", "FNE national"]
