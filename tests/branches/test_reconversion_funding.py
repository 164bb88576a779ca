"""The branch's forfait of a période de reconversion (D6332-89, D6332-90), read by date: the latest
decision applicable on the date, an inactive row meaning none, the IDCC written with or without its
leading zero, and the other branches' and kinds' decisions ignored."""

from datetime import date
from decimal import Decimal

import pytest

from branches.models import Branch, BranchFundingDecision, BranchIdcc
from branches.reconversion_funding import DEFAULT_HOURLY_RATE, reconversion_funding
from referentials.models import Idcc

pytestmark = pytest.mark.django_db
RECONVERSION = BranchFundingDecision.Kind.RECONVERSION


def branch_with(code="1486"):
    branch = Branch.objects.create(code=f"B-{code}", name=f"Branche {code}")
    BranchIdcc.objects.create(branch=branch, idcc=Idcc.objects.create(code=code, title=f"Convention {code}"))
    return branch


def decision(branch, on, *, hourly=None, per_period=None, extended=False, active=True, kind=RECONVERSION, source=""):
    return BranchFundingDecision.objects.create(
        branch=branch,
        kind=kind,
        hourly_rate=None if hourly is None else Decimal(hourly),
        amount_per_period=None if per_period is None else Decimal(per_period),
        monthly_amount=Decimal("230.00") if kind == BranchFundingDecision.Kind.MASTER_AID else None,
        max_months=12 if kind == BranchFundingDecision.Kind.MASTER_AID else None,
        extended_by_agreement=extended,
        active=active,
        applicable_from=on,
        source=source,
    )


def test_the_default_is_9_15_per_hour():
    assert DEFAULT_HOURLY_RATE == Decimal("9.15")


def test_latest_decision_on_or_before_the_date():
    branch = branch_with()
    decision(branch, date(2026, 1, 1), hourly="10.00", source="CPNE du 10/12/2025")
    decision(branch, date(2026, 4, 1), per_period="4500.00", extended=True, source="Accord du 20/03/2026")
    assert reconversion_funding("1486", date(2025, 12, 31)) is None
    assert reconversion_funding("1486", date(2026, 1, 1)) == (Decimal("10.00"), None, False, "CPNE du 10/12/2025")
    assert reconversion_funding("1486", date(2026, 3, 31)) == (Decimal("10.00"), None, False, "CPNE du 10/12/2025")
    assert reconversion_funding("1486", date(2026, 4, 1)) == (None, Decimal("4500.00"), True, "Accord du 20/03/2026")
    assert reconversion_funding("1486", date(2026, 4, 2)) == (None, Decimal("4500.00"), True, "Accord du 20/03/2026")


def test_an_inactive_row_means_none_from_its_date():
    branch = branch_with()
    decision(branch, date(2026, 1, 1), hourly="10.00")
    decision(branch, date(2026, 6, 1), active=False)
    decision(branch, date(2026, 9, 1), hourly="11.00")
    assert reconversion_funding("1486", date(2026, 5, 31)) == (Decimal("10.00"), None, False, "")
    assert reconversion_funding("1486", date(2026, 6, 1)) is None
    assert reconversion_funding("1486", date(2026, 8, 31)) is None
    assert reconversion_funding("1486", date(2026, 9, 1)) == (Decimal("11.00"), None, False, "")


def test_no_branch_no_decision_other_kinds_and_other_branches():
    Idcc.objects.create(code="9999", title="Convention sans branche")
    decision(branch_with("0843"), date(2026, 1, 1), kind=BranchFundingDecision.Kind.MASTER_AID)
    decision(branch_with("2596"), date(2026, 1, 1), hourly="14.00")
    assert reconversion_funding("9999", date(2026, 3, 1)) is None
    assert reconversion_funding("0843", date(2026, 3, 1)) is None  # only a master aid decision
    assert reconversion_funding("", date(2026, 3, 1)) is None
    assert reconversion_funding("  ", date(2026, 3, 1)) is None
    assert reconversion_funding("2596", date(2026, 3, 1)) == (Decimal("14.00"), None, False, "")


def test_code_without_leading_zero():
    decision(branch_with("0843"), date(2026, 1, 1), hourly="9.50")
    assert reconversion_funding("843", date(2026, 3, 1)) == (Decimal("9.50"), None, False, "")
