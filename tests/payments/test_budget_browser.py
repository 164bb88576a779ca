"""The budget dashboard in headless Chromium: the section cards, the SVG chart, the progress bars and the
branch and convention envelopes render under the site's Content-Security-Policy (no inline style, no
script), with no console error; so does the entry page with its two forms."""

import os
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from accounts.totp import code_at
from branches.models import Branch
from payments.budgets import branch_key, budget_commit, convention_key, envelope_commit, section_key
from payments.models import Envelope, EnvelopeKind, SectionBudget
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
    branch = Branch.objects.create(code="B-MET", name="Métallurgie")
    Envelope.objects.create(
        kind=EnvelopeKind.BRANCH, branch=branch, section="plan_moins_50", year=2026, quarter=1, amount=Decimal("1000.00")
    )
    envelope_commit(
        actor=user,
        envelopes=[branch_key(branch), section_key("plan_moins_50"), convention_key("convention:1")],
        source=UserFactory(email="demande-navigateur@opco.test"),
        reference="PL-2",
        movements=[(date(2026, 2, 1), Decimal("950.00")), (date(2026, 4, 1), Decimal("10.00"))],
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
    assert page.locator("#branches-table [data-alert]").all_inner_texts() == ["Seuil de 90 % atteint", "Aucune enveloppe saisie"]
    assert page.locator("#conventions-table [data-alert]").all_inner_texts() == ["Aucune enveloppe saisie"]
    page.screenshot(path=os.environ.get("BROWSER_SCREENSHOT", str(tmp_path / "budgets.png")), full_page=True)

    page.goto(f"{live_server.url}/paiements/budgets/saisie/?annee=2026")
    assert page.locator("#branch-form select[name=branche-branch] option").count() == 2  # the empty choice, Métallurgie
    page.screenshot(path=str(tmp_path / "saisie.png"), full_page=True)
    assert problems == []
