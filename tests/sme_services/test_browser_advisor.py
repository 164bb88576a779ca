"""In headless Chromium: an advisor logs in with the second factor, takes a need in charge from their
inbox, records a visit on the company page and opens a diagnostic."""

from datetime import date

import pytest
from django.core.cache import cache

from accounts.totp import code_at
from sme_services.enums import DiagnosticKind, NeedStatus
from sme_services.models import Diagnostic, Interaction, Need
from tests.accounts.factories import PASSWORD
from tests.conftest import TEST_TOTP_SECRET
from tests.sme_services.factories import portfolio_company, questionnaire, received_need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_advisor_takes_a_need_records_a_visit_and_opens_a_diagnostic(page, live_server, make_user):
    cache.clear()
    advisor = make_user(advisor=True, email="lou@opco.test")
    company = portfolio_company(advisor, name="Boulangerie du Port")
    need = received_need(company, on=date(2026, 1, 5))
    questionnaire(DiagnosticKind.PRE)

    page.goto(f"{live_server.url}/proximite/besoins/")
    page.fill("input[name=login]", advisor.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/comptes/2fa/authenticate/**")
    page.fill("input[name=code]", code_at(TEST_TOTP_SECRET))
    page.click("button[type=submit]")
    page.wait_for_url("**/proximite/besoins/**")

    page.click(f"text={need.file_number}")
    page.click("#take-need")
    page.wait_for_selector("#need-status:has-text('Pris en charge')")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.TAKEN

    page.click("text=Boulangerie du Port")
    page.select_option("#new-interaction select[name=kind]", "visite")
    page.select_option("#new-interaction select[name=outcome]", "diagnostic")
    page.fill("#new-interaction textarea[name=summary]", "Visite à l'atelier.")
    page.click("#record-interaction")
    page.wait_for_selector("#timeline:has-text('Visite')")
    assert Interaction.objects.filter(company=company, kind="visite").count() == 1

    page.select_option("#open-diagnostic select[name=kind]", "pre")
    page.click("#open-diagnostic-button")
    page.wait_for_url("**/proximite/diagnostics/**")
    assert "Pré-diagnostic" in page.locator("h1").inner_text()
    assert Diagnostic.objects.filter(company=company, advisor=advisor).count() == 1
