"""End to end in headless Chromium: a CPNE member logs in with the second factor, adds a bloc de
compétences to their branch's project and gives the opinion they were asked for."""

from datetime import date

import pytest
from django.core.cache import cache

from accounts.totp import code_at
from branches.certifications import services
from branches.certifications.enums import CpneRole
from branches.certifications.models import Review
from tests.accounts.factories import PASSWORD
from tests.branches.certifications.factories import TOTP_SECRET, branch_with_cpne, member, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_representative_adds_a_bloc_and_gives_an_opinion(page, live_server):
    from playwright.sync_api import expect

    cache.clear()
    branch = branch_with_cpne()
    rep = member(branch, CpneRole.TITULAR, email="cpne@branche.test")
    project = services.project_create(actor=staff_user(), branch=branch, title="CQP Pâtissier", level=4)
    services.review_request(
        actor=staff_user(),
        project=project,
        reviewer=rep,
        question="Le bloc de décoration manque-t-il ?",
        due_on=date(2099, 1, 31),
    )

    page.goto(f"{live_server.url}/branches/certifications/{project.pk}/")
    page.fill("input[name=login]", rep.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/comptes/2fa/authenticate/**")
    page.fill("input[name=code]", code_at(TOTP_SECRET))
    page.click("button[type=submit]")
    page.wait_for_url(f"**/branches/certifications/{project.pk}/")

    page.fill("#bloc-form input[name=code]", "BC03")
    page.fill("#bloc-form input[name=title]", "Décorer les entremets")
    page.select_option("#bloc-form select[name=level]", "4")
    page.click("#bloc-form button")
    expect(page.locator("#blocs")).to_contain_text("Décorer les entremets")

    form = page.locator("form.review-answer")
    form.locator("select[name=recommendation]").select_option("reserved")
    form.locator("textarea[name=opinion]").fill("Oui : à ajouter avant le dépôt.")
    assert form.locator("textarea[name=confidential_note]").count() == 0  # staff only
    form.locator("button").click()
    expect(page.locator("#reviews")).to_contain_text("Favorable avec réserves")
    review = Review.objects.get(project=project)
    assert (review.recommendation, review.opinion, review.answered_on is not None) == (
        "reserved",
        "Oui : à ajouter avant le dépôt.",
        True,
    )
    assert list(project.blocs.values_list("code", "level")) == [("BC03", 4)]
