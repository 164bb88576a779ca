"""The financial sections dashboard in headless Chromium: the cards, the SVG chart and the progress bars
render under the site's Content-Security-Policy (no inline style, no script), with no console error."""

import os
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from accounts.totp import code_at
from payments.budgets import budget_commit
from payments.models import SectionBudget
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import TEST_TOTP_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_renders_under_the_csp(page, live_server, make_user, tmp_path):  # noqa: F811
    cache.clear()
    user = make_user(kind="staff", groups=["finance"], email="finance-navigateur@opco.test")
    SectionBudget.objects.create(year=2026, section="alternance", amount=Decimal("10000.00"))
    SectionBudget.objects.create(year=2026, section="reconversion", amount=Decimal("4000.00"))
    source = UserFactory(email="dossier-navigateur@opco.test")
    budget_commit(
        actor=user,
        section="alternance",
        source=source,
        reference="AP-2026-0001",
        movements=[(date(2026, month, 1), Decimal("760.00")) for month in range(1, 13)],
    )
    budget_commit(
        actor=user, section="reconversion", source=source, reference="RC-1", movements=[(date(2026, 5, 1), Decimal("-50.00"))]
    )
    budget_commit(
        actor=user, section="plan_moins_50", source=source, reference="PL-1", movements=[(date(2026, 3, 1), Decimal("900.00"))]
    )
    problems: list[str] = []

    def watch(message):
        # The site has no favicon: the browser's request for it is not this page's problem.
        if message.type in ("error", "warning") and "favicon" not in message.location.get("url", ""):
            problems.append(message.text)

    page.on("console", watch)

    page.goto(f"{live_server.url}/paiements/budgets/?annee=2026")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/comptes/2fa/authenticate/**")
    page.fill("input[name=code]", code_at(TEST_TOTP_SECRET))
    page.click("button[type=submit]")
    page.wait_for_url("**/paiements/budgets/**")

    assert page.locator("h1").inner_text() == "Sections financières — 2026"
    chart = page.locator("#monthly-chart")
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 80
    assert page.locator("#monthly-chart rect").count() == 24
    assert page.locator("#section-alternance [data-alert]").inner_text() == "Seuil de 90 % atteint"
    assert page.locator("#section-plan_moins_50 [data-alert]").inner_text() == "Aucune dotation saisie"
    assert page.locator("#monthly-table tbody tr").count() == 12
    page.screenshot(path=os.environ.get("BROWSER_SCREENSHOT", str(tmp_path / "budgets.png")), full_page=True)
    assert problems == []
