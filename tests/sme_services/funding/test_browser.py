"""In headless Chromium: an advisor logs in with the second factor, opens the simulator and sees what
an example costs and what remains under the company's cap."""

import json

import pytest
from django.core.cache import cache

from accounts.totp import code_at
from tests.accounts.factories import PASSWORD
from tests.conftest import TEST_TOTP_SECRET

from .conftest import EXAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_advisor_simulates_a_training(page, live_server, make_user, funding_rules):
    cache.clear()
    advisor = make_user(advisor=True, email="lou.funding@opco.test")
    page.goto(f"{live_server.url}/financements-formation/simulateur/")
    page.fill("input[name=login]", advisor.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/comptes/2fa/authenticate/**")
    page.fill("input[name=code]", code_at(TEST_TOTP_SECRET))
    page.click("button[type=submit]")
    page.wait_for_url("**/financements-formation/simulateur/**")
    page.fill("textarea[name=json]", json.dumps(EXAMPLES[0]["input"]))
    page.click("#simulate")
    page.wait_for_selector("#simulation-result")
    assert page.locator("#total-funded").inner_text() == "998,56 €"
    assert page.locator("#remaining-cap").inner_text() == "801.44"
