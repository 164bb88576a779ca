"""The simulator's other doors — the API and the page — with every worked example to the cent; the
API's filing of a request; the screens of rule sets, requests and envelopes; scoping (another branch's
representative, another advisor's portfolio see none of these requests)."""

import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from branches.models import BranchMembership
from opco.money import euros
from sme_services.funding.models import FundingRuleSet, TrainingRequest
from sme_services.funding.services import training_request_decide, training_request_file

from .conftest import EXAMPLES, RULES
from .factories import company, in_portfolio, plan_data

pytestmark = pytest.mark.django_db
API = "/api/v1/simulations/training-funding/"


@pytest.mark.parametrize("case", EXAMPLES, ids=[e["title"][:40] for e in EXAMPLES])
def test_every_example_through_the_api(case, funding_rules, make_user, client_for):
    client = client_for(make_user(advisor=True))
    response = client.post(API, case["input"], content_type="application/json")
    assert response.status_code == 200 and response.json() == case["output"]


@pytest.mark.parametrize("case", EXAMPLES, ids=[e["title"][:40] for e in EXAMPLES])
def test_every_example_through_the_page(case, funding_rules, make_user, client_for):
    client = client_for(make_user(kind="staff", groups=["gestionnaire"]))
    response = client.post(reverse("funding:simulator"), {"json": json.dumps(case["input"])})
    assert response.status_code == 200
    assert json.loads(response.context["result_json"]) == case["output"]
    # The page shows the amount in the one French format (opco.money.euros): « 998,56 € ».
    assert euros(Decimal(case["output"]["total_funded"])).encode() in response.content


def test_the_page_builds_the_request_from_its_fields(funding_rules, make_user, client_for):
    client = client_for(make_user(advisor=True))
    example = EXAMPLES[2]["input"]  # FOAD
    fields = {
        "dispositif": "plan50",
        "siret": example["company"]["siret"],
        "idcc": example["company"]["idcc"],
        "headcount": 23,
        "title": example["training"]["title"],
        "theme": example["training"]["theme"],
        "modality": "foad",
        "start": "2026-02-02",
        "end": "2026-03-27",
        "hours_per_trainee": "10",
        "trainees": 3,
        "pedagogical_cost": "600.00",
        "filed_on": "2026-01-26",
    }
    response = client.post(reverse("funding:simulator"), fields)
    assert json.loads(response.context["result_json"]) == EXAMPLES[2]["output"]


def test_api_invalid_input_is_a_french_400_naming_the_key(funding_rules, make_user, client_for):
    client = client_for(make_user(advisor=True))
    body = dict(EXAMPLES[0]["input"], unknown=1)
    response = client.post(API, body, content_type="application/json")
    assert response.status_code == 400 and "unknown" in response.json()["errors"]


def test_a_branch_representative_may_not_simulate(funding_rules, make_user, client_for):
    client = client_for(make_user(branch_rep=True))
    assert client.post(API, EXAMPLES[0]["input"], content_type="application/json").status_code == 403


@time_machine.travel(date(2026, 3, 2), tick=False)
def test_filing_through_the_api(funding_rules, make_user, client_for):
    advisor = make_user(advisor=True)
    mine, other = company(1), company(2)
    in_portfolio(advisor, mine)
    client = client_for(advisor)
    response = client.post("/api/v1/training-requests/", plan_data(mine), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "received" and body["simulation"]["total_funded"] == "998.56"
    assert client.get(f"/api/v1/training-requests/{body['file_number']}/").status_code == 200
    refused = client.post("/api/v1/training-requests/", plan_data(other), content_type="application/json")
    assert refused.status_code == 403 and TrainingRequest.objects.count() == 1
    bad = plan_data(mine)
    bad["training"]["end"] = "2026-03-01"
    response = client.post("/api/v1/training-requests/", bad, content_type="application/json")
    assert response.status_code == 400 and "training.end" in response.json()["errors"]


def test_rule_set_screens_import_read_compare_export(funding_rules, make_user, client_for):
    client = client_for(make_user(kind="staff", groups=["gestionnaire"]))
    data = json.loads((RULES / "plan50-interpro-2026.json").read_text())
    data.update(reference="EX-PLAN50-INTERPRO-2026-2")
    data["pedagogy"]["hourly_caps"]["default"] = "22.00"
    upload = ("v2.json", json.dumps(data).encode())
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("funding:rule-sets"), {"file": SimpleUploadedFile(*upload, content_type="application/json")})
    assert response.status_code == 302
    new = FundingRuleSet.objects.get(reference="EX-PLAN50-INTERPRO-2026-2")
    again = client.post(reverse("funding:rule-sets"), {"file": SimpleUploadedFile(*upload, content_type="application/json")})
    assert "déjà importée" in again.content.decode() and FundingRuleSet.objects.count() == 4
    old = FundingRuleSet.objects.get(reference="EX-PLAN50-INTERPRO-2026-1")
    page = client.get(reverse("funding:rule-set-compare"), {"a": old.pk, "b": new.pk})
    differing = [row for row in page.context["rows"] if row[3]]
    assert [row[0] for row in differing] == ["pedagogy.hourly_caps.default", "reference"]
    export = client.get(reverse("funding:rule-set-export", args=[new.pk]))
    assert json.loads(export.content) == data
    assert client.get(reverse("funding:rule-set", args=[new.pk])).status_code == 200


def test_request_list_detail_exports_and_scoping(funding_rules, make_user, client_for):
    staff = make_user(kind="staff", groups=["gestionnaire"])
    mine = company(1, idcc="1486")
    theirs = company(2, idcc="0843")
    own = training_request_file(actor=staff, data=plan_data(mine), received_on=date(2026, 3, 2))
    training_request_decide(actor=staff, pk=own.pk)
    other = training_request_file(actor=staff, data=plan_data(theirs), received_on=date(2026, 3, 2))
    client = client_for(staff)
    listing = client.get(reverse("funding:requests"))
    assert [r.pk for r in listing.context["object_list"]] == [other.pk, own.pk]  # date then id, newest first
    csv = b"".join(client.get(reverse("funding:requests"), {"format": "csv"}).streaming_content).decode()
    assert own.file_number in csv and other.file_number in csv
    xlsx = client.get(reverse("funding:requests"), {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    detail = client.get(reverse("funding:request-detail", args=[own.pk]))
    assert detail.status_code == 200 and "EX-PLAN50-INTERPRO-2026-1" in detail.content.decode()
    pdf = client.get(reverse("funding:request-accord", args=[own.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    representative = make_user(branch_rep=True)
    BranchMembership.objects.create(user=representative, branch=theirs.idcc.branch_link.branch)
    rep = client_for(representative)
    # A representative sees figures, not files (opco.scoping, RGPD art. 5 1 c: merged with the branches'
    # portal): not even their own branch's requests, whose envelopes they read aggregated on the branch page.
    assert list(rep.get(reverse("funding:requests")).context["object_list"]) == []
    assert rep.get(reverse("funding:request-detail", args=[other.pk])).status_code == 404
    assert rep.get(reverse("funding:request-detail", args=[own.pk])).status_code == 404
    assert rep.get(reverse("funding:request-accord", args=[own.pk])).status_code == 404
    assert own.file_number not in b"".join(rep.get(reverse("funding:requests"), {"format": "csv"}).streaming_content).decode()
    assert rep.get(f"/api/v1/training-requests/{own.file_number}/").status_code == 404

    advisor = make_user(advisor=True)
    in_portfolio(advisor, mine)
    adv = client_for(advisor)
    assert [r.pk for r in adv.get(reverse("funding:requests")).context["object_list"]] == [own.pk]
    assert adv.get(reverse("funding:request-detail", args=[other.pk])).status_code == 404


def test_staff_decide_from_the_page_and_managers_see_the_envelopes(funding_rules, make_user, client_for):
    staff = make_user(kind="staff", groups=["gestionnaire", "responsable"])
    filed = training_request_file(actor=staff, data=plan_data(company()), received_on=date(2026, 3, 2))
    client = client_for(staff)
    response = client.post(reverse("funding:request-action", args=[filed.pk, "accept"]))
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.status == "accepted" and filed.committed == Decimal("998.56")
    page = client.get(reverse("funding:envelopes"), {"annee": 2026})
    row = page.context["rows"][0]
    assert (row.committed, row.quarter) == (Decimal("998.56"), 1)
    assert page.context["chart"][2]["committed"] == Decimal("998.56")  # March
    data = client.get(reverse("funding:envelopes-json"), {"annee": 2026}).json()
    assert data["envelopes"][0]["committed"] == "998.56"


def test_the_company_and_branch_panels(funding_rules, make_user, rf):
    from branches.branch_page import BRANCH_PANELS
    from referentials.company_page import COMPANY_PANELS

    staff = make_user(kind="staff", groups=["gestionnaire"])
    of = company()
    filed = training_request_file(
        actor=staff, data=plan_data(of, start="2026-09-14", end="2026-09-15"), received_on=date(2026, 9, 1)
    )
    training_request_decide(actor=staff, pk=filed.pk)
    request = rf.get("/")
    request.user = staff
    with time_machine.travel(date(2026, 10, 1), tick=False):
        html = "".join(COMPANY_PANELS.render(request, company=of))
        assert "funding-company-panel" in html and filed.file_number in html
        representative = make_user(branch_rep=True)
        request.user = representative
        branch_html = "".join(BRANCH_PANELS.render(request, branch=of.idcc.branch_link.branch))
        assert "funding-branch-panel" in branch_html and filed.file_number not in branch_html and of.name not in branch_html


@time_machine.travel(date(2026, 10, 1), tick=False)
def test_the_company_page_shows_the_year_and_opens_the_simulator(funding_rules, make_user, client_for):
    advisor = make_user(advisor=True)
    of = company(headcount=8)
    in_portfolio(advisor, of)
    staff = make_user(kind="staff", groups=["gestionnaire"])
    filed = training_request_file(
        actor=staff, data=plan_data(of, start="2026-11-16", end="2026-11-17"), received_on=date(2026, 10, 1)
    )
    training_request_decide(actor=staff, pk=filed.pk)
    page = client_for(advisor).get(reverse("sme_services:company", args=[of.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "funding-company-panel" in html and filed.file_number in html
    # plan < 50, band 0–10 of the interprofessional rules: 3 000 € cap, 1 000,56 € counted (SMIC 12.31) → what remains
    from opco.money import euros

    assert euros(Decimal("3000.00") - TrainingRequest.objects.get(pk=filed.pk).counted_against_cap) in html
    assert reverse("funding:simulator") in html
