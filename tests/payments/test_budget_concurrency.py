"""Section budgets under concurrency, on PostgreSQL: simultaneous commitments never take more than the
dotation between them, whether they touch one year or two (listed in any order: no deadlock), and the
dotation row of a new year is created once.

Each thread commits inside its own transaction, as a mission's decision would, and pauses after
summing the ledger: without the row locks every thread would read the same total and all would pass."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from payments.budgets import BudgetExceeded, budget_commit, section_dashboard
from payments.enums import FinancialSection
from payments.models import BudgetMovement, SectionBudget
from tests.accounts.factories import UserFactory
from tests.concurrency import pause_after, run_together
from tests.conftest import need_postgres

pytestmark = pytest.mark.django_db(transaction=True)

ALTERNANCE, RECONVERSION = FinancialSection.ALTERNANCE, FinancialSection.RECONVERSION
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


def committed(year: int, section: str) -> Decimal:
    return BudgetMovement.objects.filter(budget__year=year, budget__section=section).aggregate(total=Sum("amount"))["total"]


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
