"""The payment schedule of a période de reconversion becoming payable lines to the training provider
(house rule: 50 % on the start and the provider's invoice, the balance on the end, the attestation de
réalisation and the final invoice), a payment run taking them, and interruptions (R6324-5): what is not
owed is superseded and leaves the reconversion section's budget, nothing is prorated."""

# ruff: noqa: F811 — the fixtures imported below are used as test arguments, as pytest intends.

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from contracts.models.reconversion import ReconversionPayment, ReconversionPeriod
from contracts.reconversion.dashboard import year_figures
from contracts.reconversion.payability import SCHEDULE, reconversion_payments_release
from contracts.reconversion.services import reconversion_end, reconversion_interrupt, reconversion_start
from opco.models import AuditEntry
from payments import sources
from payments.enums import LineStatus
from payments.models import BudgetMovement, PayableLine
from payments.runs import payment_run_prepare
from payments.schedules import pending_beneficiaries
from tests.contracts.conftest import (  # noqa: F401
    PROVIDER_SIRET,
    accepted,
    branches,
    clock,
    deposit,
    finance,
    provider,
    staff,
)

pytestmark = pytest.mark.django_db


def lines():
    content_type = ContentType.objects.get_for_model(ReconversionPayment)
    return list(
        PayableLine.objects.filter(source_type=content_type)
        .order_by("id")
        .values_list("amount", "due_date", "pay_by", "reference", "section", "status", "account__kind", "account__identifier")
    )


def rows(period):
    return list(period.payments.order_by("id").values_list("kind", "amount", "status"))


def started(accepted, staff, clock, **changes):
    period = accepted(**changes)
    clock(date(2026, 3, 16))
    return reconversion_start(
        actor=staff, period_id=period.pk, started_on=date(2026, 3, 16), invoice_received_on=date(2026, 3, 16)
    )


def test_the_registered_source_is_the_reconversion_schedule():
    assert any(source.model is ReconversionPayment for source in sources.registered())


def test_nothing_is_payable_before_the_start(accepted):
    period = accepted()
    assert reconversion_payments_release(until=date(2026, 12, 31), today=date(2026, 3, 5)).released == 0
    assert rows(period) == [("advance", Decimal("1372.50"), "planned"), ("balance", Decimal("1372.50"), "planned")]
    assert lines() == []


def test_the_start_with_the_invoice_makes_the_advance_payable_to_the_provider(accepted, staff, clock):
    period = started(accepted, staff, clock)
    assert period.status == "running"
    assert rows(period) == [("advance", Decimal("1372.50"), "payable"), ("balance", Decimal("1372.50"), "planned")]
    assert lines() == [
        (
            Decimal("1372.50"),
            date(2026, 3, 16),
            date(2026, 4, 15),
            f"{period.file_number} LM AVANCE",
            "reconversion",
            LineStatus.PAYABLE,
            "organisme",
            PROVIDER_SIRET,
        )
    ]
    assert pending_beneficiaries(SCHEDULE, identifiers={PROVIDER_SIRET}) == {PROVIDER_SIRET}


def test_an_invoice_received_after_the_start_dates_the_advance(accepted, staff, clock):
    period = accepted()
    clock(date(2026, 3, 20))
    reconversion_start(actor=staff, period_id=period.pk, started_on=date(2026, 3, 16), invoice_received_on=date(2026, 3, 19))
    assert lines()[0][1:3] == (date(2026, 3, 19), date(2026, 4, 18))


def test_a_payment_run_takes_the_advance_and_the_row_follows(accepted, staff, finance, clock):
    period = started(accepted, staff, clock)
    run = payment_run_prepare(actor=finance, execution_date=date(2026, 3, 17)).run
    assert PayableLine.objects.get(reference=f"{period.file_number} LM AVANCE").run_id == run.pk
    assert rows(period)[0] == ("advance", Decimal("1372.50"), "in_run")


def test_the_end_with_the_attestation_makes_the_balance_payable(accepted, staff, clock):
    period = started(accepted, staff, clock)
    clock(date(2026, 12, 20))
    with pytest.raises(ValidationError):
        reconversion_end(actor=staff, period_id=period.pk, ended_on=date(2026, 12, 15), completion_attested_on=date(2026, 12, 14))
    period = reconversion_end(
        actor=staff, period_id=period.pk, ended_on=date(2026, 12, 15), completion_attested_on=date(2026, 12, 18)
    )
    assert period.status == "ended"
    assert rows(period) == [("advance", Decimal("1372.50"), "payable"), ("balance", Decimal("1372.50"), "payable")]
    assert lines()[1][:4] == (Decimal("1372.50"), date(2026, 12, 18), date(2027, 1, 17), f"{period.file_number} LM SOLDE")
    assert pending_beneficiaries(SCHEDULE, identifiers={PROVIDER_SIRET}) == set()


def test_a_provider_without_bank_account_blocks_the_line(accepted, staff, clock, provider):
    provider.iban = ""
    provider.save()
    period = started(accepted, staff, clock)
    assert rows(period)[0] == ("advance", Decimal("1372.50"), "planned")
    report = reconversion_payments_release(until=date(2026, 3, 16), today=date(2026, 3, 16))
    assert report.released == 0
    assert report.blocked == [f"{period.file_number} : IBAN absent ou invalide"]


def test_an_interruption_of_a_running_period_supersedes_the_balance_only(accepted, staff, clock):
    period = started(accepted, staff, clock)
    clock(date(2026, 6, 10))
    period = reconversion_interrupt(
        actor=staff, period_id=period.pk, interrupted_on=date(2026, 6, 1), reported_on=date(2026, 6, 10), reason="Démission"
    )
    assert period.status == "interrupted"
    assert rows(period) == [("advance", Decimal("1372.50"), "payable"), ("balance", Decimal("1372.50"), "superseded")]
    assert list(BudgetMovement.objects.filter(source_id=period.pk).order_by("id").values_list("month", "amount")) == [
        (date(2026, 3, 1), Decimal("1372.50")),
        (date(2026, 12, 1), Decimal("1372.50")),
        (date(2026, 12, 1), Decimal("-1372.50")),
    ]
    figures = year_figures(ReconversionPeriod.objects.all(), 2026, today=date(2026, 6, 10))
    assert (figures.accepted, figures.committed) == (1, Decimal("1372.50"))
    entry = AuditEntry.objects.get(action="reconversion_interrupt", target_id=str(period.pk))
    assert entry.summary == "Interrompue le 01/06/2026, signalée le 10/06/2026 ; 1\u202f372,50 € dégagé(s)"


def test_an_interruption_before_the_start_supersedes_everything(accepted, staff, clock):
    period = accepted()
    clock(date(2026, 3, 12))
    period = reconversion_interrupt(actor=staff, period_id=period.pk, interrupted_on=date(2026, 3, 10), reason="Projet abandonné")
    assert rows(period) == [("advance", Decimal("1372.50"), "superseded"), ("balance", Decimal("1372.50"), "superseded")]
    assert sum(BudgetMovement.objects.filter(source_id=period.pk).values_list("amount", flat=True)) == 0
    figures = year_figures(ReconversionPeriod.objects.all(), 2026, today=date(2026, 3, 12))
    assert (figures.accepted, figures.committed, figures.average) == (0, Decimal("0"), None)
    assert reconversion_payments_release(until=date(2026, 12, 31), today=date(2026, 3, 12)).released == 0


@pytest.mark.parametrize(("reported", "late"), [(date(2026, 7, 1), False), (date(2026, 7, 2), True)], ids=["30-days", "31-days"])
def test_an_interruption_reported_after_30_days_is_recorded_and_flagged(accepted, staff, clock, reported, late):
    period = started(accepted, staff, clock)
    clock(date(2026, 7, 10))
    period = reconversion_interrupt(
        actor=staff, period_id=period.pk, interrupted_on=date(2026, 6, 1), reported_on=reported, reason="Rupture"
    )
    summary = AuditEntry.objects.get(action="reconversion_interrupt", target_id=str(period.pk)).summary
    assert ("hors du délai de 30 jours (R6324-5)" in summary) is late


def test_an_interruption_needs_a_reason_and_changes_nothing_without(accepted, staff, clock):
    period = started(accepted, staff, clock)
    with pytest.raises(ValidationError):
        reconversion_interrupt(actor=staff, period_id=period.pk, interrupted_on=date(2026, 3, 16), reason=" ")
    period.refresh_from_db()
    assert period.status == "running"
    assert rows(period)[1] == ("balance", Decimal("1372.50"), "planned")


def test_the_demo_seed_goes_through_the_services_and_is_idempotent(staff, branches, provider, clock):
    from contracts.models.reconversion import ProAAmendment
    from demo.contracts import demo_reconversions_seed

    clock(date(2026, 11, 26))
    counts = demo_reconversions_seed(actor=staff)
    assert counts == {"reçues": 2, "acceptées": 3, "refusées": 1, "avenants Pro-A": 2}
    statuses = sorted(ReconversionPeriod.objects.values_list("status", flat=True))
    assert statuses == ["accepted", "accepted", "instruction", "received", "refused", "running"]
    assert ReconversionPayment.objects.filter(status="payable").count() == 1
    assert demo_reconversions_seed(actor=staff) == {}
    assert ReconversionPeriod.objects.count() == 6 and ProAAmendment.objects.count() == 2
