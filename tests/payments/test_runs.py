"""Payment runs on payable lines built directly: netting of trop-perçus, recovery orders, four eyes,
refusals that change nothing, cancellation, failure, flagged accounts."""

from datetime import date
from decimal import Decimal
from itertools import count

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from contracts.models import Instalment
from payments.enums import LineStatus, RecoveryStatus, RunStatus
from payments.models import BeneficiaryAccount, PayableLine, PaymentRun, RecoveryOrder, Transfer, TransferLine
from payments.runs import (
    RunRefused,
    payment_run_approve,
    payment_run_cancel,
    payment_run_execute,
    payment_run_prepare,
    remittance_text,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
_source_ids = count(1_000_000)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


def account(siret="19750001200013", iban="FR7630004000031234567890143", **extra) -> BeneficiaryAccount:
    return BeneficiaryAccount.objects.create(
        kind="cfa",
        identifier=siret,
        name=f"CFA {siret}",
        street="rue des Écoles",
        building_number="3",
        postal_code="75005",
        town="Paris",
        iban=iban,
        **extra,
    )


def line(to: BeneficiaryAccount, amount: str, due: date = TODAY, reference: str = "") -> PayableLine:
    source_id = next(_source_ids)
    return PayableLine.objects.create(
        account=to,
        source_type=ContentType.objects.get_for_model(Instalment),
        source_id=source_id,
        amount=Decimal(amount),
        due_date=due,
        reference=reference or f"REF{source_id}",
        label=f"Ligne {source_id}",
        section="alternance",
    )


def state() -> tuple:
    return (
        list(PayableLine.objects.order_by("id").values_list("id", "status", "run_id")),
        PaymentRun.objects.count(),
        Transfer.objects.count(),
        TransferLine.objects.count(),
        RecoveryOrder.objects.count(),
    )


def test_one_transfer_per_account_with_trop_percus_netted(finance):
    first, second = account(), account("19750002000018", "FR7630004000031234567890144".replace("44", "43"))
    a1, a2, a_neg = line(first, "1000.00"), line(first, "250.50"), line(first, "-300.25", due=date(2026, 2, 1))
    b1 = line(second, "99.99")
    later = line(first, "500.00", due=date(2026, 3, 3))

    run = payment_run_prepare(actor=finance, execution_date=TODAY).run

    assert (run.line_count, run.transfer_count, run.total, run.netted_count) == (4, 2, Decimal("1050.24"), 1)
    amounts = dict(Transfer.objects.filter(run=run).values_list("account_id", "amount"))
    assert amounts == {first.pk: Decimal("950.25"), second.pk: Decimal("99.99")}
    assert set(TransferLine.objects.values_list("line_id", flat=True)) == {a1.pk, a2.pk, a_neg.pk, b1.pk}
    later.refresh_from_db()
    assert (later.status, later.run_id) == (LineStatus.PAYABLE, None)  # due tomorrow: not in this run


def test_a_trop_percu_larger_than_the_transfer_waits_for_the_next_run_when_more_is_to_come(finance, monkeypatch):
    cfa = account()
    positive, negative = line(cfa, "100.00"), line(cfa, "-300.00")
    monkeypatch.setattr("payments.sources.beneficiaries_with_pending", lambda identifiers: set(identifiers))

    run = payment_run_prepare(actor=finance, execution_date=TODAY).run

    assert (run.line_count, run.total, run.netted_count) == (1, Decimal("100.00"), 0)
    negative.refresh_from_db()
    assert (negative.status, negative.run_id, RecoveryOrder.objects.count()) == (LineStatus.PAYABLE, None, 0)
    positive.refresh_from_db()
    assert positive.status == LineStatus.IN_RUN


def test_a_trop_percu_with_nothing_left_to_net_against_becomes_a_recovery_order(finance):
    cfa, other = account(), account("19750002000018", "FR7630004000031234567890143")
    negative = line(cfa, "-412.30")
    line(other, "10.00")

    preparation = payment_run_prepare(actor=finance, execution_date=TODAY)

    order = RecoveryOrder.objects.get()
    negative.refresh_from_db()
    assert (order.account_id, order.amount, order.status) == (cfa.pk, Decimal("412.30"), RecoveryStatus.ISSUED)
    assert (negative.status, negative.recovery_order_id, negative.run_id) == (LineStatus.RECOVERY, order.pk, None)
    assert preparation.run.total == Decimal("10.00") and preparation.recovery_orders == [order]


def test_only_trop_percus_issue_their_recovery_orders_and_no_run(finance):
    negative = line(account(), "-50.00")
    preparation = payment_run_prepare(actor=finance, execution_date=TODAY)
    negative.refresh_from_db()
    assert preparation.run is None and PaymentRun.objects.count() == 0
    assert (negative.status, RecoveryOrder.objects.get().amount) == (LineStatus.RECOVERY, Decimal("50.00"))


def test_nothing_payable_is_refused_and_creates_no_run(finance):
    line(account(), "10.00", due=date(2026, 3, 3))
    before = state()
    with pytest.raises(RunRefused, match="Aucune ligne n'est payable au 02/03/2026"):
        payment_run_prepare(actor=finance, execution_date=TODAY)
    assert state() == before


def test_a_past_execution_date_and_a_non_finance_user_are_refused(finance, staff):
    line(account(), "10.00")
    before = state()
    with pytest.raises(RunRefused, match="passée"):
        payment_run_prepare(actor=finance, execution_date=date(2026, 3, 1))
    with pytest.raises(PermissionDenied):
        payment_run_prepare(actor=staff, execution_date=TODAY)
    assert state() == before


def test_lines_of_a_flagged_account_wait(finance):
    flagged = account(blocked=True, blocked_reason="Rejet AC04")
    waiting = line(flagged, "10.00")
    line(account("19750002000018", "FR7630004000031234567890143"), "20.00")
    run = payment_run_prepare(actor=finance, execution_date=TODAY).run
    waiting.refresh_from_db()
    assert (run.total, waiting.status) == (Decimal("20.00"), LineStatus.PAYABLE)


def test_four_eyes_the_preparer_cannot_approve_and_a_non_finance_user_neither(finance, finance2, staff):
    line(account(), "10.00")
    run = payment_run_prepare(actor=finance, execution_date=TODAY).run
    before = list(PaymentRun.objects.values_list("status", "approved_by_id"))
    with pytest.raises(RunRefused, match="autre membre du service financier"):
        payment_run_approve(actor=finance, run_id=run.pk)
    with pytest.raises(PermissionDenied):
        payment_run_approve(actor=staff, run_id=run.pk)
    assert list(PaymentRun.objects.values_list("status", "approved_by_id")) == before == [(RunStatus.PREPARED, None)]
    payment_run_approve(actor=finance2, run_id=run.pk)
    with pytest.raises(RunRefused, match="« Approuvé »"):
        payment_run_approve(actor=finance2, run_id=run.pk)
    assert PaymentRun.objects.get().approved_by == finance2


def test_an_unapproved_run_cannot_be_executed(finance):
    line(account(), "10.00")
    run = payment_run_prepare(actor=finance, execution_date=TODAY).run
    with pytest.raises(RunRefused, match="exécuter ce lot"):
        payment_run_execute(run_id=run.pk)
    assert PaymentRun.objects.get().status == RunStatus.PREPARED


def test_a_cancelled_run_gives_its_lines_back_and_they_join_the_next_run(finance, finance2):
    paid = line(account(), "10.00")
    first = payment_run_prepare(actor=finance, execution_date=TODAY).run
    payment_run_approve(actor=finance2, run_id=first.pk)
    payment_run_cancel(actor=finance, run_id=first.pk)
    paid.refresh_from_db()
    assert (paid.status, paid.run_id, Transfer.objects.count()) == (LineStatus.PAYABLE, None, 0)
    second = payment_run_prepare(actor=finance, execution_date=TODAY).run
    assert TransferLine.objects.get().transfer.run == second


@override_settings(OPCO_IBAN="")
def test_an_execution_that_cannot_build_a_valid_file_fails_with_its_reason_and_can_be_cancelled(finance, finance2):
    line(account(), "10.00")
    run = payment_run_prepare(actor=finance, execution_date=TODAY).run
    payment_run_approve(actor=finance2, run_id=run.pk)
    run = payment_run_execute(run_id=run.pk)
    assert run.status == RunStatus.FAILED and "IBAN" in run.error and not run.file
    payment_run_cancel(actor=finance, run_id=run.pk)
    assert PayableLine.objects.get().status == LineStatus.PAYABLE


def test_the_remittance_lists_what_fits_in_140_characters_then_points_to_the_statement():
    references = [f"A26{i:06d} JD A1 AVANCE" for i in range(12)]
    assert remittance_text(7, "OPCO-7-1", references[:1]) == "OPCO lot 7 : A26000000 JD A1 AVANCE"
    text = remittance_text(7, "OPCO-7-1", references)
    assert len(text) <= 140 and text.endswith("+8 autres, releve OPCO-7-1")
