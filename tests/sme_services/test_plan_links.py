"""Action-plan items lead to requests (issue 14): a funding request and an AFEST project of this app
(foreign keys), an alternance contract by its file number through referentials.linked_files (the contracts
app registers its lookup; sme_services never imports contracts). A wrong number, another company's file
or a file the user may not see is refused in French and changes nothing; the links show on the item and
on the company page."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from opco.models import AuditEntry
from referentials.linked_files import file_kinds, file_lookup
from sme_services.enums import DiagnosticKind, ProjectStatus
from sme_services.models import ActionPlanItem, AfestProject, TrainingRequest
from sme_services.services import diagnostics
from tests.contracts.factories import contract_with_master

from .factories import portfolio_company, questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user):
    advisor = make_user(advisor=True)
    company = portfolio_company(advisor, name="Garage des Alpes", headcount=9)
    other = portfolio_company(make_user(advisor=True), name="Autre entreprise", headcount=9)
    questionnaire(DiagnosticKind.PRE)
    d = diagnostics.diagnostic_open(actor=advisor, company=company, kind=DiagnosticKind.PRE, opened_on=date(2026, 1, 6))
    items = {
        kind: diagnostics.plan_item_add(actor=advisor, diagnostic_id=d.pk, title=f"Action {kind}", kind=kind)
        for kind in ("alternance", "financement", "afest")
    }
    return {"advisor": advisor, "company": company, "other": other, "d": d, "items": items}


def _request(company, number: str) -> TrainingRequest:
    return TrainingRequest.objects.create(
        file_number=number,
        company=company,
        dispositif="plan50",
        channel="advisor",
        title="Relation client",
        theme="vente",
        modality="presentiel",
        start=date(2026, 4, 1),
        end=date(2026, 4, 2),
        trainees=1,
        payload={},
        received_on=date(2026, 3, 2),
    )


def _unchanged(item: ActionPlanItem) -> tuple:
    item.refresh_from_db()
    return item.request_reference, item.funding_request_id, item.afest_project_id


def test_the_contracts_app_registers_its_lookup_scoped(setup, make_user):
    contract = contract_with_master(setup["company"])
    assert file_kinds()["alternance"] == "Contrat en alternance"
    found = file_lookup("alternance", setup["advisor"], contract.file_number)
    assert (found.number, found.company_id, found.url) == (
        contract.file_number,
        setup["company"].pk,
        reverse("contracts:detail", args=[contract.pk]),
    )
    stranger = make_user(advisor=True)
    assert file_lookup("alternance", stranger, contract.file_number) is None  # not their portfolio: not confirmed


def test_a_funding_request_is_linked_by_its_number_of_the_same_company_only(setup):
    item, advisor = setup["items"]["financement"], setup["advisor"]
    mine, theirs = _request(setup["company"], "FP-2026-000001"), _request(setup["other"], "FP-2026-000002")
    for number in ("FP-2026-999999", theirs.file_number, ""):
        with pytest.raises(ValidationError):
            diagnostics.plan_item_link(actor=advisor, item_id=item.pk, reference=number)
        assert _unchanged(item) == ("", None, None)
    assert not AuditEntry.objects.filter(action="plan_item_link").exists()
    diagnostics.plan_item_link(actor=advisor, item_id=item.pk, reference="fp-2026-000001")
    assert _unchanged(item) == ("FP-2026-000001", mine.pk, None)
    assert list(mine.plan_items.all()) == [item]
    assert AuditEntry.objects.filter(action="plan_item_link").count() == 1


def test_a_contract_is_linked_by_its_file_number_through_the_registry(setup):
    item, advisor = setup["items"]["alternance"], setup["advisor"]
    mine, theirs = contract_with_master(setup["company"]), contract_with_master(setup["other"])
    with pytest.raises(ValidationError, match="Aucun contrat en alternance"):
        diagnostics.plan_item_link(actor=advisor, item_id=item.pk, reference=theirs.file_number)
    assert _unchanged(item) == ("", None, None)
    diagnostics.plan_item_link(actor=advisor, item_id=item.pk, reference=mine.file_number)
    assert _unchanged(item) == (mine.file_number, None, None)
    links = diagnostics.plan_item_links(item, advisor)
    assert [(link["number"], link["url"]) for link in links] == [(mine.file_number, reverse("contracts:detail", args=[mine.pk]))]


def test_an_afest_project_of_the_company_is_linked_and_everything_shows_on_the_item_and_the_company_page(setup, client_for):
    advisor, company = setup["advisor"], setup["company"]
    project = AfestProject.objects.create(
        company=company, advisor=advisor, title="Parcours tourier", status=ProjectStatus.DRAFT, created_on=date(2026, 1, 7)
    )
    elsewhere = AfestProject.objects.create(
        company=setup["other"], advisor=advisor, title="Ailleurs", status=ProjectStatus.DRAFT, created_on=date(2026, 1, 7)
    )
    client = client_for(advisor)
    d, items = setup["d"], setup["items"]
    url = reverse("sme_services:plan_item_link", args=[d.pk, items["afest"].pk])
    client.post(url, {"afest_project": elsewhere.pk})
    assert _unchanged(items["afest"]) == ("", None, None)
    assert client.post(url, {"afest_project": project.pk}).status_code == 302
    assert _unchanged(items["afest"]) == ("", None, project.pk)
    request = _request(company, "FP-2026-000003")
    client.post(reverse("sme_services:plan_item_link", args=[d.pk, items["financement"].pk]), {"reference": request.file_number})
    contract = contract_with_master(company)
    client.post(reverse("sme_services:plan_item_link", args=[d.pk, items["alternance"].pk]), {"reference": contract.file_number})
    for page in (reverse("sme_services:diagnostic", args=[d.pk]), reverse("sme_services:company", args=[company.pk])):
        html = client.get(page).content.decode()
        assert reverse("funding:request-detail", args=[request.pk]) in html and "FP-2026-000003" in html
        assert reverse("sme_services:afest", args=[project.pk]) in html and "Parcours tourier" in html
        assert reverse("contracts:detail", args=[contract.pk]) in html and contract.file_number in html
