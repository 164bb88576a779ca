"""The bulk decision gives what one-by-one decisions give, in filing order, under the envelopes' lock;
the benchmark command runs and ends with one JSON line."""

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from opco.models import AuditEntry, TransitionLog
from payments.budgets import branch_envelope_set
from payments.models import BudgetMovement
from sme_services.funding.bulk import training_requests_decide_bulk
from sme_services.funding.enums import RequestStatus as S
from sme_services.funding.models import TrainingRequest
from sme_services.funding.services import training_request_file

from .factories import company, plan_data, teaching_only

pytestmark = pytest.mark.django_db


def test_bulk_decides_in_filing_order_within_the_envelope(funding_rules, make_user):
    staff = make_user(kind="staff", groups=["gestionnaire", "finance"])
    companies = [company(n) for n in range(1, 6)]
    branch_envelope_set(actor=staff, branch=companies[0].idcc.branch_link.branch, year=2026, quarter=1, amount=Decimal("1100.00"))
    filed = [
        training_request_file(actor=staff, data=teaching_only(of, "500.00"), received_on=date(2026, 2, 1) + timedelta(days=n))
        for n, of in enumerate(companies[:4])
    ]
    late = training_request_file(actor=staff, data=plan_data(companies[4]), received_on=date(2026, 3, 16))
    counts = training_requests_decide_bulk(actor=staff, today=date(2026, 3, 20))
    assert counts == {S.ACCEPTED: 2, S.WAITING: 2, S.REFUSED: 1}
    statuses = [TrainingRequest.objects.get(pk=r.pk).status for r in filed]
    assert statuses == [S.ACCEPTED, S.ACCEPTED, S.WAITING, S.WAITING]
    refused = TrainingRequest.objects.get(pk=late.pk)
    assert refused.refusal_codes == ["PLAN50_DELAI"] and refused.rule_set.reference == "EX-PLAN50-INTERPRO-2026-1"
    assert sum(m.amount for m in BudgetMovement.objects.filter(budget__kind="branche")) == Decimal("1000.00")
    assert TransitionLog.objects.filter(workflow="training_request").count() == 5
    assert AuditEntry.objects.filter(action__startswith="training_request_").exclude(action="training_request_file").count() == 5


def test_the_benchmark_ends_with_one_json_line(db):
    out = io.StringIO()
    call_command("bench_training_funding", count=200, bulk=30, stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["simulations"] == 200 and figures["bulk_requests"] == 30 and sum(figures["bulk_outcomes"].values()) == 30
    assert not TrainingRequest.objects.exists()  # rolled back
