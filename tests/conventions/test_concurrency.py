"""On PostgreSQL: 8 funding lines added at once on a convention whose envelope holds 5 of them never
commit more than its budget — the convention's envelope row is locked (payments.budgets) before the
ledger is summed, each thread pausing after its sum to widen the window."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from payments.budgets import BudgetExceeded
from payments.cofinancing import funding_line_add
from payments.models import BudgetMovement, FundingLine
from tests.concurrency import pause_after, run_together
from tests.conftest import need_postgres
from tests.conventions.factories import company, covered_branch, instructed_file, signed_convention

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only():
    need_postgres()


def _ledger_sum(sql, params) -> bool:
    return "SUM(" in sql and BudgetMovement._meta.db_table in sql


def test_eight_simultaneous_lines_never_pass_the_conventions_budget(make_user):
    finance = make_user(finance=True)
    covered_branch("0843")
    convention = signed_convention(finance, budget=Decimal("5000"))
    firm = company(1, headcount=10)
    files = [instructed_file(f"RC-{n}") for n in range(8)]

    def adder(source):
        def work():
            with connection.execute_wrapper(pause_after(_ledger_sum, threading.Event(), 0.05)), transaction.atomic():
                return funding_line_add(
                    actor=finance,
                    source=source,
                    funder_kind="convention",
                    scope_key=convention.scope_key,
                    company=firm,
                    amount=Decimal("1000.00"),
                    total_cost=Decimal("2000.00"),
                    starts_on=date(2026, 5, 4),
                    ends_on=date(2026, 6, 30),
                    hours=Decimal("35"),
                    trainees=1,
                )

        return work

    results = run_together(*(adder(source) for source in files))
    refused = [result for result in results if isinstance(result, BaseException)]
    assert all(isinstance(error, BudgetExceeded) for error in refused), refused
    assert len(refused) == 3
    assert FundingLine.objects.filter(scope_key=convention.scope_key).count() == 5
    total = BudgetMovement.objects.filter(budget__scope_key=convention.scope_key).aggregate(total=Sum("amount"))["total"]
    assert total == Decimal("5000.00")
