"""End to end in headless Chromium: a finance officer logs in (second factor), opens a convention from
the list and reads its budget, use and indicators; then, without any account, the public transparency
page shows the body paid in a settled run with its sum."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.utils import timezone
from schwifty import IBAN

from accounts.totp import code_at
from contracts.models import Instalment
from conventions import services
from conventions.enums import IndicatorCode
from conventions.transparency import transparency_publish
from payments.cofinancing import funding_line_add
from payments.models import BeneficiaryAccount, PayableLine
from payments.runs import payment_run_approve, payment_run_execute, payment_run_mark_sent, payment_run_prepare, payment_run_settle
from tests.accounts.factories import PASSWORD
from tests.conftest import TEST_TOTP_SECRET
from tests.conventions.factories import company, covered_branch, instructed_file, signed_convention
from tests.referentials.factories import valid_siret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def settled_payment_to_a_cfa(finance, checker) -> BeneficiaryAccount:
    today = timezone.localdate()
    cfa = BeneficiaryAccount.objects.create(
        kind="cfa",
        identifier=valid_siret(70_001),
        name="CFA des Métiers du Goût",
        town="Caen",
        iban=IBAN.generate("FR", bank_code="10107", account_code="00000070001").compact,
        bic="BREDFRPP",
    )
    PayableLine.objects.create(
        account=cfa,
        source_type=ContentType.objects.get_for_model(Instalment),
        source_id=970_001,
        amount=Decimal("1234.56"),
        due_date=today,
        reference="REF-NAVIGATEUR",
        label="Avance",
        section="alternance",
    )
    run = payment_run_prepare(actor=finance, execution_date=today).run
    payment_run_approve(actor=checker, run_id=run.pk)
    payment_run_execute(run_id=run.pk)
    payment_run_mark_sent(actor=finance, run_id=run.pk)
    payment_run_settle(actor=checker, run_id=run.pk)
    return cfa


def test_a_finance_officer_reads_a_convention_and_the_public_page_lists_the_bodies(page, live_server, make_user):
    cache.clear()
    covered_branch("0843")
    finance = make_user(finance=True, email="finance@opco.test")
    checker = make_user(finance=True)
    year = timezone.localdate().year
    convention = signed_convention(
        finance, title="FNE-Formation navigateur", years=(year,), starts_on=date(year, 1, 1), ends_on=date(year, 12, 31)
    )
    funding_line_add(
        actor=finance,
        source=instructed_file("ALT-NAV-1"),
        funder_kind="convention",
        scope_key=convention.scope_key,
        company=company(1, headcount=12),
        amount=Decimal("1400.00"),
        total_cost=Decimal("2000.00"),
        starts_on=date(year, 1, 5),
        ends_on=date(year, 1, 20),
        hours=Decimal("28"),
        trainees=3,
    )
    services.indicator_target_set(
        actor=finance, convention_id=convention.pk, code=IndicatorCode.TRAINEES, year=year, target=Decimal("12")
    )
    settled_payment_to_a_cfa(finance, checker)
    transparency_publish(reason="test")

    page.goto(f"{live_server.url}/conventions/")
    page.fill("input[name=login]", finance.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/comptes/2fa/authenticate/**")
    page.fill("input[name=code]", code_at(TEST_TOTP_SECRET))
    page.click("button[type=submit]")
    page.wait_for_url("**/conventions/**")
    page.click(f"text={convention.number}")
    page.wait_for_url(f"**/conventions/{convention.pk}/")
    budget = page.locator("text=Budget total").locator("xpath=..").inner_text()
    assert "100" in budget and "000,00 €" in budget
    assert "400,00 €" in page.locator("text=Engagé (lignes de financement)").locator("xpath=..").inner_text()
    indicators = page.locator("#indicators").inner_text()
    assert "Personnes formées" in indicators and "12,00\t3\t25,0 %" in indicators

    anonymous = page.context.browser.new_context(locale="fr-FR")  # no session: the public, without an account
    public = anonymous.new_page()
    public.goto(f"{live_server.url}/transparence/")
    assert "/comptes/login/" not in public.url
    text = public.locator("body").inner_text()
    assert "CFA des Métiers du Goût" in text and "1234.56" in text
    assert "FR76" not in text  # never an IBAN
    anonymous.close()
