"""Exactly once under concurrency, on PostgreSQL (issue 5): simultaneous prepares share the payable
lines without overlap, a recomputation racing a prepare either leaves the line to the run or cancels
it (never both), two simultaneous executes of a run produce one file.

Each thread has its own database connection (Django's connections are per thread) and closes it when
it ends, so that the test database can be flushed and dropped."""

import hashlib
import threading
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from contracts.alternance.cfa_documents import cfa_document_receive
from contracts.alternance.decisions import contract_rupture
from contracts.models import Instalment
from opco.models import AuditEntry
from payments import sepa
from payments.enums import LineStatus, RunStatus, ScheduleStatus
from payments.models import PayableLine, PaymentRun, Transfer, TransferLine
from payments.runs import RunRefused, payment_run_execute, payment_run_prepare
from tests.concurrency import after_statement, pause_after, run_together
from tests.conftest import need_postgres
from tests.contracts.factories import CFA_SIRET
from tests.payments.factories import approved_run_on, make_accounts, make_lines

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only():
    need_postgres()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- 8 simultaneous prepares ------------------------------------------------------------------------
def test_eight_simultaneous_prepares_put_every_line_in_exactly_one_run(make_user):
    today = timezone.localdate()
    users = [make_user(kind="staff", groups=["finance"], email=f"finance-{n}@example.org") for n in range(8)]
    accounts = make_accounts(20)
    lines = make_lines(accounts, 400, today)
    expected_total = sum((line.amount for line in lines), Decimal("0"))

    results = run_together(*(lambda user=user: payment_run_prepare(actor=user, execution_date=today) for user in users))

    runs = [result.run for result in results if not isinstance(result, BaseException)]
    refusals = [result for result in results if isinstance(result, BaseException)]
    assert runs, refusals
    assert all(isinstance(refusal, RunRefused) for refusal in refusals), refusals
    assert all(str(refusal).startswith("Aucune ligne n'est payable au") for refusal in refusals), refusals
    assert len(runs) + len(refusals) == 8
    # A refused prepare keeps nothing: only the successful runs exist.
    assert sorted(PaymentRun.objects.values_list("id", flat=True)) == sorted(run.pk for run in runs)

    # Every line in exactly one transfer of one run, and in_run in that very run.
    assert TransferLine.objects.count() == 400
    assert TransferLine.objects.values("line_id").distinct().count() == 400
    placed = dict(TransferLine.objects.values_list("line_id", "transfer__run_id"))
    assert set(placed) == {line.pk for line in lines}
    assert list(PayableLine.objects.exclude(status=LineStatus.IN_RUN).values_list("id", "status")) == []
    assert dict(PayableLine.objects.values_list("id", "run_id")) == placed

    for run in PaymentRun.objects.all():
        transfers = Transfer.objects.filter(run=run)
        assert run.status == RunStatus.PREPARED
        assert run.transfer_count == transfers.count() > 0
        assert run.line_count == TransferLine.objects.filter(transfer__run=run).count() > 0
        assert run.total == transfers.aggregate(total=Sum("amount"))["total"]
        assert run.total == PayableLine.objects.filter(run=run).aggregate(total=Sum("amount"))["total"]
        # One transfer per account per run, each equal to the sum of its lines.
        for transfer in transfers.annotate(lines_total=Sum("transfer_lines__amount")):
            assert transfer.amount == transfer.lines_total
    assert sum(run.total for run in PaymentRun.objects.all()) == expected_total
    assert Transfer.objects.values("end_to_end_id").distinct().count() == Transfer.objects.count()


# --- A recomputation racing a prepare ---------------------------------------------------------------
def _claim_statement(sql, params) -> bool:
    return sql.lstrip().startswith(f"UPDATE {PayableLine._meta.db_table} SET status") and "SKIP LOCKED" in sql


def _cancel_statement(sql, params) -> bool:
    return sql.startswith(f'UPDATE "{PayableLine._meta.db_table}"') and LineStatus.CANCELLED in params


@pytest.mark.parametrize("order", ["together", "prepare_holds_its_claim", "rupture_holds_its_cancel"])
@time_machine.travel(date(2025, 9, 15), tick=False)
def test_a_recomputation_racing_a_prepare_never_leaves_a_line_both_paid_and_superseded(order, accept, staff, finance):
    contract = accept()
    advance = contract.commitment.instalments.get(year=1, kind="advance")
    cfa_document_receive(
        actor=staff,
        contract_reference=contract.file_number,
        kind="facture_annuelle",
        year=1,
        cfa_siret=CFA_SIRET,
        number="F-2025-001",
        amount=advance.net,
    )
    line = PayableLine.objects.get(source_id=advance.pk, status=LineStatus.PAYABLE)

    claimed, cancelled = threading.Event(), threading.Event()

    def prepare():
        if order == "rupture_holds_its_cancel":
            assert cancelled.wait(30)
        with connection.execute_wrapper(pause_after(_claim_statement, claimed, 0.5 if order == "prepare_holds_its_claim" else 0)):
            return payment_run_prepare(actor=finance, execution_date=date(2025, 9, 16))

    def rupture():
        if order == "prepare_holds_its_claim":
            assert claimed.wait(30)
        with connection.execute_wrapper(
            pause_after(_cancel_statement, cancelled, 0.5 if order == "rupture_holds_its_cancel" else 0)
        ):
            return contract_rupture(actor=staff, contract_id=contract.pk, rupture_date=date(2025, 10, 5), cause="accord_commun")

    prepared, ruptured = run_together(prepare, rupture)

    assert not isinstance(ruptured, BaseException), ruptured
    line.refresh_from_db()
    advance.refresh_from_db()
    transfer_lines = TransferLine.objects.filter(line=line)
    if line.status == LineStatus.IN_RUN:
        # The run claimed the line first: the instalment is settled and the recomputation kept it.
        assert not isinstance(prepared, BaseException), prepared
        assert (advance.status, line.run_id) == (ScheduleStatus.IN_RUN, prepared.run.pk)
        assert transfer_lines.count() == 1
    else:
        # The recomputation cancelled the line first: the run does not have it.
        assert (line.status, advance.status) == (LineStatus.CANCELLED, ScheduleStatus.SUPERSEDED)
        assert line.run_id is None and not transfer_lines.exists()
        if isinstance(prepared, BaseException):
            assert isinstance(prepared, RunRefused) and str(prepared).startswith("Aucune ligne n'est payable au"), prepared
    if order == "prepare_holds_its_claim":
        assert line.status == LineStatus.IN_RUN
    if order == "rupture_holds_its_cancel":
        assert line.status == LineStatus.CANCELLED

    # Whatever the order: no live line for a superseded instalment, no claimed line whose instalment
    # is not in a run, one transfer line per line in a run.
    instalment_type = ContentType.objects.get_for_model(Instalment)
    superseded = list(Instalment.objects.filter(status=ScheduleStatus.SUPERSEDED).values_list("id", flat=True))
    live_for_superseded = PayableLine.objects.filter(source_type=instalment_type, source_id__in=superseded).exclude(
        status__in=[LineStatus.CANCELLED, LineStatus.RETURNED]
    )
    assert list(live_for_superseded.values_list("source_id", "status")) == []
    in_run = PayableLine.objects.filter(status=LineStatus.IN_RUN)
    assert set(in_run.values_list("source_id", flat=True)) == set(
        Instalment.objects.filter(status=ScheduleStatus.IN_RUN).values_list("id", flat=True)
    )
    assert TransferLine.objects.count() == in_run.count()
    live = Counter(
        PayableLine.objects.exclude(status__in=[LineStatus.CANCELLED, LineStatus.RETURNED]).values_list("source_id", flat=True)
    )
    assert [source for source, count in live.items() if count > 1] == []


# --- Two simultaneous executes ----------------------------------------------------------------------
def test_two_simultaneous_executes_of_a_run_produce_one_file(finance, finance2, media, settings):
    today = timezone.localdate()
    make_lines(make_accounts(25), 120, today)
    run = approved_run_on(finance, finance2, today + timedelta(days=1))
    settings.PAYMENTS_EXECUTION_PAUSE_SECONDS = 0.05
    first_started, second_started = threading.Event(), threading.Event()

    def is_start(sql, params) -> bool:
        return sql.startswith(f'UPDATE "{PaymentRun._meta.db_table}"') and '"attempts"' in sql

    def first():
        # In the middle of the execution (after a progress step), wait until the second one has started.
        def is_progress(sql, params) -> bool:
            return sql.startswith(f'UPDATE "{PaymentRun._meta.db_table}" SET "progress_done"')

        def wait_for_second():
            assert second_started.wait(30)

        with (
            connection.execute_wrapper(pause_after(is_start, first_started, 0)),
            connection.execute_wrapper(after_statement(is_progress, wait_for_second)),
        ):
            return payment_run_execute(run_id=run.pk)

    def second():
        assert first_started.wait(30)
        with connection.execute_wrapper(pause_after(is_start, second_started, 0)):
            return payment_run_execute(run_id=run.pk)

    results = run_together(first, second)

    assert not any(isinstance(result, BaseException) for result in results), results
    run.refresh_from_db()
    assert run.status == RunStatus.FILE_READY, run.error
    assert run.attempts == 2
    assert [(result.status, result.file.name, result.file_sha256) for result in results] == [
        (RunStatus.FILE_READY, run.file.name, run.file_sha256)
    ] * 2
    files = sorted(path.name for path in (media / "payments" / "runs").iterdir())
    assert files == [f"{run.message_id}.xml"]  # one file, no temporary left behind
    xml = (media / "payments" / "runs" / files[0]).read_bytes()
    assert hashlib.sha256(xml).hexdigest() == run.file_sha256
    sepa.validate(xml)
    assert run.transaction_count == Transfer.objects.filter(run=run).count() == 25
    assert run.control_sum == run.total == PayableLine.objects.filter(run=run).aggregate(total=Sum("amount"))["total"]
    assert AuditEntry.objects.filter(action="payments.run.file_ready", target_id=str(run.pk)).count() == 1
