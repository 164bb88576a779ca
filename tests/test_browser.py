"""End to end in headless Chromium (Debian's package) driven by Playwright: log in with the second
factor, then search the CFA list as a user would (htmx updates the table as they type)."""

import os

import pytest
from django.core.cache import cache

from accounts.totp import code_at
from tests.accounts.factories import PASSWORD
from tests.conftest import TEST_TOTP_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_with_mfa_and_search_the_cfa_list(page, live_server, make_user, load, tmp_path):
    from playwright.sync_api import expect

    cache.clear()
    load("providers")
    user = make_user(kind="staff", groups=["gestionnaire"], email="gestion@opco.test")

    page.goto(f"{live_server.url}/referentiels/cfa/")
    assert "/comptes/login/" in page.url
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/comptes/2fa/authenticate/**")
    page.fill("input[name=code]", code_at(TEST_TOTP_SECRET))
    page.click("button[type=submit]")
    page.wait_for_url("**/referentiels/cfa/**")
    assert page.locator("h1").inner_text() == "Organismes de formation (CFA)"

    page.fill("input[name=q]", "0142321X")
    expect(page.locator("#provider-table tbody tr")).to_have_count(3)
    assert "ADEN FORMATIONS ORGANISATION" in page.locator("#provider-table").inner_text()
    assert "q=0142321X" in page.url  # the filter is in the address, so it can be shared and reloaded
    page.screenshot(path=os.environ.get("BROWSER_SCREENSHOT", str(tmp_path / "cfa.png")), full_page=True)
