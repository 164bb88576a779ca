"""End to end in headless Chromium: a representative logs in with their second factor, opens their
branch's NPEC proposal, enters a level and its justification, and submits it to the OPCO."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache

from accounts.totp import code_at
from branches.models import BranchMembership
from branches.npec_round import services
from branches.npec_round.models import NpecProposal
from referentials.rncp_export import read_export
from tests.accounts.factories import PASSWORD
from tests.branches.factories import branch_with
from tests.branches.portal.factories import cpne_for
from tests.conftest import TEST_TOTP_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIXTURE = Path(__file__).resolve().parent.parent / "data" / "rncp_fixture"


def test_a_representative_submits_a_npec_proposal(page, live_server, make_user, settings):
    settings.RNCP_EXPORT_DIR = str(FIXTURE)
    read_export.cache_clear()
    cache.clear()
    branch = branch_with("0843")
    cpne_for("0843", code="CPNE2")
    representative = make_user(kind="branch_rep", email="cpne@branche.test")
    BranchMembership.objects.create(user=representative, branch=branch)
    campaign, _ = services.campaign_record(
        actor=None,
        title="Recommandations 2026",
        kind="recommandation",
        published_on=date(2026, 1, 15),
        recommendations=[services.Recommendation("RNCP500", "Boulanger", "CPNE2", Decimal("8000"))],
    )
    proposal = NpecProposal.objects.get(campaign=campaign, branch=branch)
    lines = list(proposal.lines.all())

    page.goto(f"{live_server.url}/branches/propositions-npec/{proposal.pk}/")
    page.fill("input[name=login]", representative.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/comptes/2fa/authenticate/**")
    page.fill("input[name=code]", code_at(TEST_TOTP_SECRET))
    page.click("button[type=submit]")
    page.wait_for_url(f"**/branches/propositions-npec/{proposal.pk}/")
    for line in lines:
        page.fill(f"input[name=amount-{line.pk}]", "8 200,00")
        page.fill(f"textarea[name=justification-{line.pk}]", "Coûts constatés des CFA de la branche en 2025.")
    page.click("#submit-proposal")
    page.wait_for_selector("text=Proposition soumise à l'OPCO.")
    assert page.locator("#proposal-status").inner_text() == "Soumise à l'OPCO"
    proposal.refresh_from_db()
    assert proposal.status == "submitted" and proposal.submitted_by == representative
    assert {line.proposed_amount for line in proposal.lines.all()} == {Decimal("8200.00")}
    read_export.cache_clear()
