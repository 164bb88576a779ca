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


# --- Accessibility of each role's main page ----------------------------------------------------------------
MAIN_PAGES = [
    # (role, how make_user builds it, its main page)
    ("gestionnaire", {"kind": "staff", "groups": ["gestionnaire"]}, "/contrats/file/"),
    ("finance", {"kind": "staff", "groups": ["finance"]}, "/paiements/lots/"),
    ("responsable", {"kind": "staff", "groups": ["responsable"]}, "/paiements/budgets/"),
    ("administrateur", {"kind": "staff", "groups": ["administrateur"]}, "/comptes/gestion/"),
    ("conseiller", {"kind": "advisor"}, "/"),
    ("représentant de branche", {"kind": "branch_rep"}, "/branches/"),
]
PHONE = {"width": 375, "height": 812}
# What sticks out on the right, to say why a page is wider than the phone.
WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _serious(page) -> list[str]:
    """axe-core (axe.min.js bundled by axe-playwright-python) on the page: its serious and critical
    violations, as « rule: target » lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + " | ".join(f"{node['html'][:160]} {node.get('failureSummary', '')[-120:]}" for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def _doubled_phrases(text: str) -> list[str]:
    """A phrase of two words or more said twice in a row (« valeur d'amorçage valeur d'amorçage »)."""
    import re

    pattern = re.compile(r"\b([^\W\d_]+(?:['’ ][^\W\d_]+)+)\s+\1\b", re.IGNORECASE)
    return [match.group(0) for match in pattern.finditer(text)]


@pytest.mark.parametrize(("role", "kind", "url"), MAIN_PAGES, ids=[row[0] for row in MAIN_PAGES])
def test_each_roles_main_page_passes_axe_and_fits_a_phone(page, live_server, make_user, browser_login, load, role, kind, url):
    cache.clear()
    load("idcc", "branches")
    user = make_user(**kind)
    if kind["kind"] == "branch_rep":
        from branches.models import Branch, BranchMembership

        BranchMembership.objects.create(user=user, branch=Branch.objects.get(code="IDCC-0843"))
    browser_login(page, user)
    page.goto(f"{live_server.url}{url}")
    assert page.locator("h1").count() >= 1, page.content()[:500]
    assert _serious(page) == [], role
    assert _doubled_phrases(page.locator("main").inner_text()) == []
    # The skip link is the first thing the keyboard reaches, and leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"
    # On a 375 px phone the page keeps the screen's width: wide tables scroll inside their box.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{url}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.evaluate(WIDEST)


def test_the_login_page_passes_axe_and_does_not_invite_to_register(page, live_server):
    cache.clear()
    page.goto(f"{live_server.url}/comptes/login/")
    assert _serious(page) == []
    assert "inscri" not in page.locator("body").inner_text().lower()
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("link[rel=icon]").get_attribute("href").endswith("favicon.svg")
