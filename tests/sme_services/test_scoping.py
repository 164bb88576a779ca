"""Who sees what: an advisor sees 0 rows of another portfolio in lists, exports, the API and the company
page; a manager sees all; a branch representative only their branch's figures (another branch's: none,
and no company page: 404)."""

from datetime import date

import pytest
from django.urls import reverse

from branches.branch_page import BRANCH_PANELS
from branches.models import BranchMembership
from sme_services.enums import DiagnosticKind
from sme_services.services import diagnostics
from tests.branches.factories import BranchFactory
from tests.referentials.factories import IdccFactory
from tests.sme_services.factories import portfolio_company, questionnaire, received_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(make_user):
    mine, theirs = make_user(advisor=True), make_user(advisor=True)
    branch = BranchFactory(idccs=["1486"])
    own = portfolio_company(mine, name="Mienne SARL", idcc=IdccFactory(code="1486"))
    other = portfolio_company(theirs, name="Autre SAS")
    received_need(own, on=date(2026, 1, 5))
    other_need = received_need(other, on=date(2026, 1, 6))
    questionnaire(DiagnosticKind.PRE)
    other_diag = diagnostics.diagnostic_open(actor=theirs, company=other, kind=DiagnosticKind.PRE, opened_on=date(2026, 1, 7))
    return {"mine": mine, "own": own, "other": other, "other_need": other_need, "other_diag": other_diag, "branch": branch}


def test_an_advisor_sees_no_row_of_another_portfolio(two, client_for):
    client = client_for(two["mine"])
    for url in (
        reverse("sme_services:portfolio"),
        reverse("sme_services:portfolio") + "?format=csv",
        reverse("sme_services:inbox"),
        reverse("sme_services:inbox") + "?onglet=a_traiter",
    ):
        body = client.get(url).getvalue().decode() if "csv" in url else client.get(url).content.decode()
        assert "Autre SAS" not in body and two["other"].siret not in body
    assert "Mienne SARL" in client.get(reverse("sme_services:portfolio")).content.decode()
    assert "Mienne SARL" in client.get(reverse("sme_services:inbox")).content.decode()
    assert client.get(reverse("sme_services:company", args=[two["other"].pk])).status_code == 404
    assert client.get(reverse("sme_services:company", args=[two["own"].pk])).status_code == 200
    assert client.get(reverse("sme_services:need", args=[two["other_need"].pk])).status_code == 404
    assert client.get(reverse("sme_services:diagnostic", args=[two["other_diag"].pk])).status_code == 404
    assert client.post(reverse("sme_services:need_action", args=[two["other_need"].pk, "take"])).status_code == 404
    assert client.get(f"/api/v1/companies/{two['other'].siret}/").status_code == 404
    assert client.get(f"/api/v1/companies/{two['own'].siret}/").json()["needs"] == {"en_attente": 1}
    assert [n["siret"] for n in client.get("/api/v1/needs/").json()["results"]] == [two["own"].siret]
    dashboard = client.get(reverse("sme_services:dashboard") + "?format=csv").getvalue().decode()
    assert "Besoins reçus;1" in dashboard


def test_a_manager_sees_all(two, client_for, make_user):
    client = client_for(make_user(responsable=True))
    assert client.get(reverse("sme_services:company", args=[two["other"].pk])).status_code == 200
    assert len(client.get("/api/v1/needs/").json()["results"]) == 2


def test_a_branch_representative_sees_figures_of_their_branch_only(two, make_user, client_for, rf):
    rep = make_user(branch_rep=True)
    BranchMembership.objects.create(user=rep, branch=two["branch"])
    client = client_for(rep)
    assert client.get(reverse("sme_services:company", args=[two["own"].pk])).status_code == 403
    assert client.get(f"/api/v1/companies/{two['own'].siret}/").status_code == 403
    request = rf.get("/")
    request.user = rep
    html = "".join(BRANCH_PANELS.render(request, branch=two["branch"]))
    assert "Besoins reçus" in html and "Mienne SARL" not in html and "claire@example.fr" not in html


def test_the_company_page_shows_the_contracts_panel_and_the_attachment(two, client_for):
    body = client_for(two["mine"]).get(reverse("sme_services:company", args=[two["own"].pk])).content.decode()
    assert 'id="panel-contracts"' in body and "Rattachement" in body and "Chronologie" in body


def test_another_branchs_representative_gets_404(two, make_user, client_for):
    rep = make_user(branch_rep=True)
    BranchMembership.objects.create(user=rep, branch=BranchFactory(idccs=["9999"]))
    client = client_for(rep)
    assert client.get(reverse("sme_services:branch_figures", args=[two["branch"].pk])).status_code == 404
    own_rep = make_user(branch_rep=True)
    BranchMembership.objects.create(user=own_rep, branch=two["branch"])
    page = client_for(own_rep).get(reverse("sme_services:branch_figures", args=[two["branch"].pk]))
    assert page.status_code == 200 and "Mienne SARL" not in page.content.decode()
