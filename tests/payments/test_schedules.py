"""The generic release of a payable schedule (payments.schedules), on a minimal declaration over
instalment rows (payable at their due date, within 30 days, to the contract's CFA): what it promises
to every mission, whatever its rules. Files locked elsewhere are left for next time, a row with nothing
to pay is settled at once, an unknown beneficiary blocks its own file only, a row decided not due is
closed and recorded, a release run twice hands each row over once, and payment runs' moves are
mirrored without reviving a closed row."""

import threading
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connections, transaction
from django.db.models import Q

from contracts.models import ApprenticeshipContract, Instalment
from payments.enums import BeneficiaryKind, LineStatus, ScheduleStatus
from payments.models import PayableLine
from payments.schedules import Decision, PayableSchedule, mirror, pending_beneficiaries, referential_beneficiary, release
from payments.services import Beneficiary, LineRequest
from tests.payments.conftest import CFA_SIRET

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)  # the advance (1 September 2025) and the 7th month (1 March 2026) of year 1 are due


def at_due_date(row: Instalment, contract: ApprenticeshipContract, today: date) -> Decision:
    return Decision(due=row.due_date, pay_by=row.due_date + timedelta(days=30))


def cfa_of(row: Instalment, contract: ApprenticeshipContract) -> Beneficiary | None:
    return None if contract.cfa is None else referential_beneficiary(kind=BeneficiaryKind.CFA, party=contract.cfa)


def unknown_cfa(row: Instalment) -> str:
    return "CFA inconnu du référentiel"


def line_of(row: Instalment, contract: ApprenticeshipContract, decision: Decision, beneficiary: Beneficiary) -> LineRequest:
    return LineRequest(
        source_id=row.pk,
        beneficiary=beneficiary,
        amount=row.net,
        due_date=decision.due,
        pay_by=decision.pay_by,
        reference=f"{contract.file_number} {row.kind} {row.year}",
        label=f"Essai {contract.file_number}",
    )


MINIMAL = PayableSchedule(
    row_model=Instalment,
    file_path="commitment__contract",
    funded=("accepted",),
    amount_field="net",
    decide=at_due_date,
    beneficiary=cfa_of,
    unknown_beneficiary=unknown_cfa,
    line=line_of,
    beneficiary_paths=((Q(), "commitment__contract__cfa__siret"),),
    file_related=("cfa",),
)


@pytest.fixture
def contract(accept):
    """contract(name): an accepted contract of the base payload (R2025, 8 instalments from 1 September
    2025 to 1 September 2027), its CFA with a bank account."""
    with time_machine.travel(date(2025, 9, 15), tick=False):
        yield lambda name="Durand": accept({"apprenti.nom": name})


def statuses(contract: ApprenticeshipContract) -> list[tuple[int, str, str]]:
    return list(contract.commitment.instalments.order_by("id").values_list("year", "kind", "status"))


def lines() -> list[tuple]:
    return list(
        PayableLine.objects.order_by("id").values_list(
            "amount", "due_date", "pay_by", "reference", "status", "account__identifier"
        )
    )


def test_the_rows_due_by_until_become_one_line_each_and_the_rows_follow(contract):
    made = contract()
    report = release(MINIMAL, until=MARCH, today=MARCH)
    assert (report.released, report.settled_at_zero, report.closed_not_due, report.blocked) == (2, 0, 0, [])
    assert lines() == [
        (Decimal("2188.00"), date(2025, 9, 1), date(2025, 10, 1), f"{made.file_number} advance 1", LineStatus.PAYABLE, CFA_SIRET),
        (Decimal("1641.00"), date(2026, 3, 1), date(2026, 3, 31), f"{made.file_number} month7 1", LineStatus.PAYABLE, CFA_SIRET),
    ]
    assert [status for _, _, status in statuses(made)] == ["payable", "payable", *["planned"] * 6]


def test_a_release_run_twice_hands_each_row_over_once(contract):
    contract()
    assert release(MINIMAL, until=MARCH, today=MARCH).released == 2
    assert release(MINIMAL, until=MARCH, today=MARCH).released == 0
    assert release(MINIMAL, until=date(2026, 6, 1), today=date(2026, 6, 1)).released == 1  # the 10th month
    assert PayableLine.objects.count() == 3
    assert PayableLine.objects.values("source_id").distinct().count() == 3


def test_a_row_with_nothing_to_pay_is_settled_at_once_without_a_line(contract):
    made = contract()
    advance = made.commitment.instalments.get(year=1, kind="advance")
    Instalment.objects.filter(pk=advance.pk).update(gross=0, net=0)
    report = release(MINIMAL, until=MARCH, today=MARCH)
    assert (report.released, report.settled_at_zero) == (1, 1)
    assert statuses(made)[:2] == [(1, "advance", "paid"), (1, "month7", "payable")]
    assert not PayableLine.objects.filter(source_id=advance.pk).exists()


def test_an_unknown_beneficiary_blocks_its_own_file_only(contract):
    unknown, known = contract("Durand"), contract("Petit")
    ApprenticeshipContract.objects.filter(pk=unknown.pk).update(cfa=None)
    report = release(MINIMAL, until=MARCH, today=MARCH)
    assert (report.released, report.blocked) == (2, [f"{unknown.file_number} : CFA inconnu du référentiel"])
    assert [status for _, _, status in statuses(unknown)] == ["planned"] * 8
    assert [status for _, _, status in statuses(known)][:2] == ["payable", "payable"]


def test_a_row_decided_not_due_is_closed_and_the_schedule_records_it(contract):
    made = contract()
    recorded: list[int] = []

    def month10_not_due(row: Instalment, facts: ApprenticeshipContract, today: date) -> Decision:
        return Decision(due=None, not_due=True) if row.kind == "month10" else at_due_date(row, facts, today)

    schedule = replace(MINIMAL, decide=month10_not_due, on_not_due=recorded.extend)
    report = release(schedule, until=MARCH, today=MARCH)
    assert (report.released, report.closed_not_due) == (2, 2)  # decided whatever `until` says
    month10 = list(made.commitment.instalments.filter(kind="month10").order_by("id").values_list("id", flat=True))
    assert recorded == month10
    assert [status for _, kind, status in statuses(made) if kind == "month10"] == ["not_due", "not_due"]


def test_only_files_in_a_funded_status_are_looked_at(contract):
    made = contract()
    assert release(replace(MINIMAL, funded=("running",)), until=MARCH, today=MARCH).released == 0
    assert release(MINIMAL, until=MARCH, today=MARCH, file_ids=[made.pk + 1]).released == 0
    assert release(MINIMAL, until=MARCH, today=MARCH, file_ids=[made.pk]).released == 2


@pytest.mark.django_db(transaction=True)
def test_a_file_locked_elsewhere_is_left_for_the_next_release(contract):
    busy, free = contract("Durand"), contract("Petit")
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                ApprenticeshipContract.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                done.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        report = release(MINIMAL, until=MARCH, today=MARCH)
    finally:
        done.set()
        holder.join()
    assert (report.released, report.blocked) == (2, [])
    assert [status for _, _, status in statuses(busy)] == ["planned"] * 8
    assert [status for _, _, status in statuses(free)][:2] == ["payable", "payable"]
    assert release(MINIMAL, until=MARCH, today=MARCH).released == 2
    assert [status for _, _, status in statuses(busy)][:2] == ["payable", "payable"]


def test_the_rows_follow_their_lines_but_a_closed_row_is_never_revived(contract):
    made = contract()
    release(MINIMAL, until=MARCH, today=MARCH)
    advance, month7 = made.commitment.instalments.filter(year=1, kind__in=["advance", "month7"]).order_by("id")
    Instalment.objects.filter(pk=month7.pk).update(status=ScheduleStatus.SUPERSEDED)
    handed_over = PayableLine.objects.filter(source_id__in=[advance.pk, month7.pk])
    mirror(model=Instalment, lines=handed_over, status=LineStatus.IN_RUN)
    assert statuses(made)[:2] == [(1, "advance", "in_run"), (1, "month7", "superseded")]
    mirror(model=Instalment, lines=handed_over, status=LineStatus.RETURNED)  # not a row status: nothing moves
    mirror(model=Instalment, lines=handed_over, status=LineStatus.PAID)
    assert statuses(made)[:2] == [(1, "advance", "paid"), (1, "month7", "superseded")]


def test_a_beneficiary_is_pending_while_it_has_positive_planned_rows(contract):
    made = contract()
    assert pending_beneficiaries(MINIMAL, identifiers={CFA_SIRET, "11111111111111"}) == {CFA_SIRET}
    assert pending_beneficiaries(MINIMAL, identifiers=set()) == set()
    made.commitment.instalments.filter(kind__in=["month7", "month10", "balance"]).update(gross=0, net=0)
    made.commitment.instalments.filter(kind="advance").update(status=ScheduleStatus.PAYABLE)
    assert pending_beneficiaries(MINIMAL, identifiers={CFA_SIRET}) == set()


def test_the_source_of_a_schedule_releases_mirrors_and_says_who_is_pending(contract):
    made = contract()
    source = MINIMAL.as_source()
    assert source.model is Instalment
    with time_machine.travel(MARCH, tick=False):
        assert source.release(date(2026, 6, 1)) == 3
    source.mirror(PayableLine.objects.all(), LineStatus.IN_RUN)
    assert [status for _, _, status in statuses(made)][:4] == ["in_run", "in_run", "in_run", "planned"]
    assert source.pending_beneficiaries({CFA_SIRET}) == {CFA_SIRET}
