"""Every screen of the proximity service renders with real rows, and its forms act through the services:
rules set and applied on screen, bulk reassignment, need actions, AFEST and FOAD forms, diagnostic form."""

from datetime import date

import pytest
from django.urls import reverse

from sme_services.enums import DiagnosticKind, NeedStatus
from sme_services.models import AfestProject, AssignmentRule, CseMember, Diagnostic, FoadAction, PortfolioChange, PortfolioCompany
from sme_services.services import company as company_services
from sme_services.services import diagnostics, needs
from tests.referentials.factories import CompanyFactory
from tests.sme_services.factories import portfolio_company, questionnaire, received_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(make_user):
    advisor = make_user(advisor=True)
    company = portfolio_company(advisor, name="Garage des Alpes", headcount=9, postal_code="38000", city="Grenoble")
    company_services.cse_member_add(
        actor=advisor, company=company, full_name="Yann", role="titulaire", mandate_start=date(2021, 5, 1)
    )
    need = received_need(company, on=date(2026, 1, 5))
    questionnaire(DiagnosticKind.ECOLOGY)
    diag = diagnostics.diagnostic_open(actor=advisor, company=company, kind=DiagnosticKind.ECOLOGY, opened_on=date(2026, 1, 6))
    diagnostics.diagnostic_update(actor=advisor, diagnostic_id=diag.pk, answers={}, provider_kind="interne", rome_codes=["K2304"])
    item = diagnostics.plan_item_add(actor=advisor, diagnostic_id=diag.pk, title="Tri des déchets", kind="financement")
    return {"advisor": advisor, "company": company, "need": need, "diag": diag, "item": item}


def test_every_page_renders_for_the_advisor(data, client_for):
    client = client_for(data["advisor"])
    pages = {
        reverse("sme_services:company", args=[data["company"].pk]): ["Garage des Alpes", "01/05/2025", "Chronologie"],
        reverse("sme_services:need", args=[data["need"].pk]): ["Prendre en charge"],
        reverse("sme_services:diagnostic", args=[data["diag"].pk]): ["Emploi Vert", "K2304", "Tri des déchets"],
        reverse("sme_services:inbox") + "?onglet=a_traiter": [data["need"].file_number],
        reverse("sme_services:portfolio"): ["Garage des Alpes", "accompagnée"],
        reverse("sme_services:dashboard"): ["Taux de pénétration"],
        reverse("sme_services:campaigns"): ["Campagnes"],
        reverse("sme_services:reports"): ["Rapports trimestriels"],
        reverse("sme_services:afest_new", args=[data["company"].pk]): ["D6313-3-2"],
        reverse("sme_services:foad_new", args=[data["company"].pk]): ["D6313-3-1"],
        reverse("home"): ["Besoins des entreprises de mon portefeuille"],
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        for text in expected:
            assert text in response.content.decode(), (url, text)


def test_need_actions_through_the_screen(data, client_for):
    client = client_for(data["advisor"])
    need = data["need"]
    client.post(reverse("sme_services:need_action", args=[need.pk, "take"]))
    client.post(reverse("sme_services:need_action", args=[need.pk, "close"]), {"outcome": "injoignable"})
    need.refresh_from_db()
    assert (need.status, need.outcome) == (NeedStatus.CLOSED, "injoignable")
    client.post(reverse("sme_services:need_action", args=[need.pk, "reopen"]))
    need.refresh_from_db()
    assert need.status == NeedStatus.TAKEN


def test_a_manager_sets_a_rule_on_screen_and_reassigns_in_bulk(data, make_user, client_for):
    manager = make_user(responsable=True)
    other = make_user(advisor=True)
    client = client_for(manager)
    lone = CompanyFactory(headcount=4, postal_code="38100", city="Grenoble")
    response = client.post(
        reverse("sme_services:rules"),
        {"advisor": other.pk, "departement": "38", "commune": "", "priority": 5, "active": "on", "apply": "1"},
    )
    assert response.status_code == 302
    assert AssignmentRule.objects.get().departement == "38"
    assert PortfolioCompany.objects.get(company=lone).advisor == other  # routed by the new rule
    assert PortfolioCompany.objects.get(company=data["company"]).advisor == data["advisor"]  # assigned by hand: kept
    empty = client.post(reverse("sme_services:rules"), {"advisor": other.pk, "priority": 5})
    assert empty.status_code == 200 and AssignmentRule.objects.count() == 1  # a rule needs a criterion
    client.post(
        reverse("sme_services:reassign"),
        {"ids": [data["company"].pk, lone.pk], "advisor": data["advisor"].pk, "reason": "tournée"},
    )
    assert PortfolioCompany.objects.filter(advisor=data["advisor"]).count() == 2
    # Two changes by the manager: the rule applied to the lone company, then the lone company reassigned.
    assert PortfolioChange.objects.filter(changed_by=manager).count() == 2
    # An advisor may not set rules.
    assert client_for(data["advisor"]).get(reverse("sme_services:rules")).status_code == 403


def test_afest_and_foad_forms(data, client_for):
    client = client_for(data["advisor"])
    response = client.post(
        reverse("sme_services:afest_new", args=[data["company"].pk]),
        {"title": "Mécanicien", "status": "conforme", "learners": 1, "activity_analysis": "Analyse"},
    )
    assert response.status_code == 200 and AfestProject.objects.count() == 0
    assert "phases réflexives" in response.content.decode()
    response = client.post(
        reverse("sme_services:afest_new", args=[data["company"].pk]),
        {"title": "Mécanicien", "status": "brouillon", "learners": 1},
    )
    assert response.status_code == 302 and AfestProject.objects.count() == 1
    response = client.post(
        reverse("sme_services:foad_new", args=[data["company"].pk]),
        {
            "title": "Sécurité en ligne",
            "status": "conforme",
            "assistance": "Tuteur",
            "activities_information": "5 modules",
            "average_hours": "6",
            "assessments": "QCM",
        },
    )
    assert response.status_code == 302 and FoadAction.objects.get().status == "conforme"


def test_diagnostic_form_and_plan_progress(data, client_for):
    client = client_for(data["advisor"])
    url = reverse("sme_services:diagnostic", args=[data["diag"].pk])
    response = client.post(
        url,
        {
            "provider_kind": "externe",
            "consultant_siret": "73282932000074",
            "day_rate": "1000",
            "days": "2",
            "opco_amount": "500",
            "state_amount": "1500",
            "rome_codes": "K2304",
            "deliverable": "Synthèse",
        },
    )
    assert response.status_code == 200 and "50 %" in response.content.decode()
    assert Diagnostic.objects.get(pk=data["diag"].pk).cost == 0  # refused: nothing changed
    client.post(
        url,
        {
            "provider_kind": "externe",
            "consultant_siret": "73282932000074",
            "day_rate": "1000",
            "days": "2",
            "opco_amount": "500",
            "state_amount": "1000",
            "rome_codes": "K2304, I1308",
            "deliverable": "Synthèse",
        },
    )
    d = Diagnostic.objects.get(pk=data["diag"].pk)
    assert (d.cost, d.company_amount, d.rome_codes) == (2000, 500, ["K2304", "I1308"])
    client.post(reverse("sme_services:diagnostic_complete", args=[d.pk]))
    client.post(
        reverse("sme_services:plan_item_status", args=[d.pk, data["item"].pk]), {"status": "fait", "request_reference": "PL-1"}
    )
    data["item"].refresh_from_db()  # PL-1 is no funding request of the company: refused, nothing changed
    assert data["item"].status == "a_faire" and data["item"].request_reference == "" and data["item"].follow_up_3_on
    client.post(reverse("sme_services:plan_item_status", args=[d.pk, data["item"].pk]), {"status": "fait"})
    data["item"].refresh_from_db()
    assert data["item"].status == "fait"


def test_the_survey_page_by_its_signed_link(data, client):
    need = data["need"]
    needs.need_take(actor=data["advisor"], need_id=need.pk)
    needs.need_close(actor=data["advisor"], need_id=need.pk, outcome="aide_proposee")
    response = client.get(needs.survey_link(need))
    assert response.status_code == 200 and "été utile ?" in response.content.decode()
    assert CseMember.objects.count() == 1
