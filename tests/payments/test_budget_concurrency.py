"""Envelopes under concurrency, on PostgreSQL: simultaneous commitments never take more than the
dotation between them, whether they touch one year or two (listed in any order: no deadlock), and the
dotation row of a new year is created once; the same for a branch's quarter envelope, and for
commitments drawing on a branch's quarter and its section at once, listed in either order.

Each thread commits inside its own transaction, as a mission's decision would, and pauses after
summing the ledger: without the row locks every thread would read the same total and all would pass."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from branches.models import Branch
from payments.budgets import BudgetExceeded, branch_key, budget_commit, envelope_commit, section_dashboard, section_key
from payments.enums import FinancialSection
from payments.models import BudgetMovement, Envelope, EnvelopeKind, SectionBudget
from tests.accounts.factories import UserFactory
from tests.concurrency import pause_after, run_together
from tests.conftest import need_postgres

pytestmark = pytest.mark.django_db(transaction=True)

ALTERNANCE, PLAN, RECONVERSION = FinancialSection.ALTERNANCE, FinancialSection.PLAN_UNDER_50, FinancialSection.RECONVERSION
PAUSE_SECONDS = 0.05  # widens the window between the sum and the insert; the outcome does not depend on it


@pytest.fixture(autouse=True)
def postgres_only():
    need_postgres()


def _ledger_sum(sql, params) -> bool:
    return "SUM(" in sql and BudgetMovement._meta.db_table in sql


def committer(actor, section: str, reference: str, movements: list[tuple[date, Decimal]]):
    source = UserFactory(email=f"{reference.lower()}@opco.test")

    def work():
        with connection.execute_wrapper(pause_after(_ledger_sum, threading.Event(), PAUSE_SECONDS)), transaction.atomic():
            return budget_commit(actor=actor, section=section, source=source, reference=reference, movements=movements)

    return work


def envelope_committer(actor, keys, reference: str, movements: list[tuple[date, Decimal]]):
    source = UserFactory(email=f"{reference.lower()}@opco.test")

    def work():
        with connection.execute_wrapper(pause_after(_ledger_sum, threading.Event(), PAUSE_SECONDS)), transaction.atomic():
            return envelope_commit(actor=actor, envelopes=keys, source=source, reference=reference, movements=movements)

    return work


def on_branch(branch: Branch, quarter: int) -> Decimal:
    """Committed on a branch's quarter (zero when no commitment won there)."""
    movements = BudgetMovement.objects.filter(budget__kind=EnvelopeKind.BRANCH, budget__branch=branch, budget__quarter=quarter)
    return movements.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def branch_envelope(branch: Branch, quarter: int, amount: str) -> Envelope:
    return Envelope.objects.create(
        kind=EnvelopeKind.BRANCH, branch=branch, section=PLAN, year=2026, quarter=quarter, amount=Decimal(amount)
    )


def committed(year: int, section: str) -> Decimal:
    dotation = {"budget__kind": EnvelopeKind.SECTION, "budget__year": year, "budget__section": section}
    return BudgetMovement.objects.filter(**dotation).aggregate(total=Sum("amount"))["total"]


def split(results):
    done = [result for result in results if not isinstance(result, BaseException)]
    refused = [result for result in results if isinstance(result, BaseException)]
    assert all(isinstance(error, BudgetExceeded) for error in refused), refused
    return done, refused


def test_eight_simultaneous_commitments_share_a_dotation_without_exceeding_it(staff):
    SectionBudget.objects.create(year=2026, section=ALTERNANCE, amount=Decimal("10000.00"))
    workers = [committer(staff, ALTERNANCE, f"AP-{n}", [(date(2026, 3, 1), Decimal("3000.00"))]) for n in range(8)]

    done, refused = split(run_together(*workers))

    assert (len(done), len(refused)) == (3, 5)
    assert committed(2026, ALTERNANCE) == Decimal("9000.00")
    assert BudgetMovement.objects.count() == 3
    # Every refusal saw the ledger as the winners left it, and says so.
    assert {(error.committed, error.requested, error.excess) for error in refused} == {
        (Decimal("9000.00"), Decimal("3000.00"), Decimal("2000.00"))
    }
    figure = next(f for f in section_dashboard(2026) if f.section == ALTERNANCE)
    assert (figure.committed, figure.remaining, figure.alert) == (Decimal("9000.00"), Decimal("1000.00"), "seuil")


def test_simultaneous_commitments_over_two_years_in_any_order(staff):
    SectionBudget.objects.create(year=2026, section=RECONVERSION, amount=Decimal("10000.00"))
    SectionBudget.objects.create(year=2027, section=RECONVERSION, amount=Decimal("5000.00"))
    december, january = (date(2026, 12, 15), Decimal("2000.00")), (date(2027, 1, 15), Decimal("2000.00"))
    # Half the schedules list January first: the locks are still taken in year order (no deadlock).
    workers = [committer(staff, RECONVERSION, f"RC-{n}", [december, january] if n % 2 else [january, december]) for n in range(8)]

    done, refused = split(run_together(*workers))

    # 2027 holds two schedules (4 000 ≤ 5 000, a third would make 6 000); 2026 is not the limit.
    assert (len(done), len(refused)) == (2, 6)
    assert (committed(2026, RECONVERSION), committed(2027, RECONVERSION)) == (Decimal("4000.00"), Decimal("4000.00"))
    assert {error.year for error in refused} == {2027}
    assert BudgetMovement.objects.count() == 4


def test_simultaneous_commitments_to_a_year_with_no_dotation_create_its_row_once(staff):
    workers = [committer(staff, ALTERNANCE, f"AP-{n}", [(date(2028, 1, 1), Decimal("123.45"))]) for n in range(8)]

    done, refused = split(run_together(*workers))

    assert (len(done), len(refused)) == (8, 0)
    assert list(SectionBudget.objects.values_list("year", "section", "amount")) == [(2028, "alternance", None)]
    assert committed(2028, ALTERNANCE) == Decimal("987.60")


def test_sections_do_not_wait_for_each_other_nor_share(staff):
    SectionBudget.objects.create(year=2026, section=ALTERNANCE, amount=Decimal("5000.00"))
    SectionBudget.objects.create(year=2026, section=RECONVERSION, amount=Decimal("5000.00"))
    workers = [
        committer(staff, ALTERNANCE if n % 2 else RECONVERSION, f"X-{n}", [(date(2026, 6, 1), Decimal("2000.00"))])
        for n in range(8)
    ]

    done, refused = split(run_together(*workers))

    assert (len(done), len(refused)) == (4, 4)
    assert (committed(2026, ALTERNANCE), committed(2026, RECONVERSION)) == (Decimal("4000.00"), Decimal("4000.00"))


def test_simultaneous_commitments_on_a_branch_quarter_never_both_take_the_last_euros(staff):
    branch = Branch.objects.create(code="B-MET", name="Métallurgie")
    branch_envelope(branch, 2, "1000.00")
    workers = [
        envelope_committer(staff, [branch_key(branch)], f"PL-{n}", [(date(2026, 6, 30), Decimal("300.00"))]) for n in range(8)
    ]

    done, refused = split(run_together(*workers))

    assert (len(done), len(refused)) == (3, 5)
    assert on_branch(branch, 2) == Decimal("900.00")
    assert {(error.quarter, error.committed, error.excess) for error in refused} == {(2, Decimal("900.00"), Decimal("200.00"))}


def test_commitments_on_a_branch_quarter_and_its_section_listed_in_either_order(staff):
    """Two branches share the plan < 50 dotation: the section is the limit, each commitment locks its
    branch's quarter and the section (in one order, whatever the order listed: no deadlock)."""
    metallurgie = Branch.objects.create(code="B-MET", name="Métallurgie")
    chimie = Branch.objects.create(code="B-CHI", name="Chimie")
    branch_envelope(metallurgie, 1, "10000.00")
    branch_envelope(chimie, 1, "10000.00")
    SectionBudget.objects.create(year=2026, section=PLAN, amount=Decimal("1000.00"))
    workers = []
    for n in range(8):
        keys = [branch_key(metallurgie if n % 2 else chimie), section_key(PLAN)]
        workers.append(
            envelope_committer(staff, keys if n % 4 < 2 else keys[::-1], f"PL-{n}", [(date(2026, 3, 1), Decimal("300.00"))])
        )

    done, refused = split(run_together(*workers))

    assert (len(done), len(refused)) == (3, 5)
    assert {error.kind for error in refused} == {"section"}
    assert committed(2026, PLAN) == Decimal("900.00")
    assert on_branch(metallurgie, 1) + on_branch(chimie, 1) == Decimal("900.00")
    # All or nothing: every refused commitment left no movement on its branch either.
    assert BudgetMovement.objects.count() == 6
