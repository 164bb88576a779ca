"""Simultaneous decisions on PostgreSQL: eight acceptances against a branch quarter with room for three
→ exactly three committed, five on the waiting list in filing order, served in that order when money
frees. Each decision pauses after summing the ledger: without the envelope's lock all would pass."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from payments.budgets import branch_envelope_set
from payments.models import BudgetMovement
from sme_services.funding.enums import RequestStatus as S
from sme_services.funding.envelopes import waiting_list
from sme_services.funding.models import TrainingRequest
from sme_services.funding.services import training_request_decide, training_request_file, training_request_withdraw
from tests.concurrency import pause_after, run_together
from tests.conftest import need_postgres

from .factories import company, teaching_only

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only():
    need_postgres()


def _ledger_sum(sql, params) -> bool:
    return "SUM(" in sql and BudgetMovement._meta.db_table in sql


def decider(actor, pk: int):
    def work():
        with connection.execute_wrapper(pause_after(_ledger_sum, threading.Event(), 0.05)):
            return training_request_decide(actor=actor, pk=pk, today=date(2026, 3, 10)).status

    return work


def test_eight_simultaneous_acceptances_room_for_three(funding_rules, make_user):
    staff = make_user(kind="staff", groups=["gestionnaire", "finance"])
    companies = [company(n) for n in range(1, 9)]
    branch = companies[0].idcc.branch_link.branch
    branch_envelope_set(actor=staff, branch=branch, year=2026, quarter=1, amount=Decimal("1500.00"))
    requests = [
        training_request_file(actor=staff, data=teaching_only(of, "500.00"), received_on=date(2026, 2, 1) + timedelta(days=n))
        for n, of in enumerate(companies)
    ]
    statuses = run_together(*[decider(staff, r.pk) for r in reversed(requests)])
    assert not [s for s in statuses if isinstance(s, BaseException)], statuses
    assert sorted(statuses) == sorted([S.ACCEPTED] * 3 + [S.WAITING] * 5)
    accepted = TrainingRequest.objects.filter(status=S.ACCEPTED)
    assert accepted.count() == 3
    on_branch = BudgetMovement.objects.filter(budget__branch=branch, budget__quarter=1)
    assert sum(m.amount for m in on_branch) == Decimal("1500.00") and on_branch.count() == 3
    waiting = list(waiting_list(branch_id=branch.pk, year=2026))
    assert len(waiting) == 5
    filing_order = [r.pk for r in requests if r.pk in {w.pk for w in waiting}]
    assert [w.pk for w in waiting] == filing_order
    # Money frees: the first filed of the waiting list is served first, and only it (500 freed).
    training_request_withdraw(actor=staff, pk=accepted.first().pk, reason="Rupture")
    assert TrainingRequest.objects.get(pk=filing_order[0]).status == S.ACCEPTED
    assert [w.pk for w in waiting_list(branch_id=branch.pk, year=2026)] == filing_order[1:]
