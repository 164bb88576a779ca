"""The branch's forfait of a période de reconversion (D6332-89, D6332-90), read by date: the latest
decision applicable on the date, an inactive row meaning none, the IDCC written with or without its
leading zero, and the other branches' and kinds' decisions ignored."""

from datetime import date
from decimal import Decimal

import pytest

from branches.models import BranchFundingDecision
from branches.reconversion_funding import DEFAULT_HOURLY_RATE, reconversion_funding
from referentials.models import Idcc
from tests.branches.factories import branch_with, funding_decision

pytestmark = pytest.mark.django_db
RECONVERSION = BranchFundingDecision.Kind.RECONVERSION


def test_the_default_is_9_15_per_hour():
    assert DEFAULT_HOURLY_RATE == Decimal("9.15")


def test_latest_decision_on_or_before_the_date():
    branch = branch_with()
    funding_decision(branch, date(2026, 1, 1), hourly="10.00", source="CPNE du 10/12/2025")
    funding_decision(branch, date(2026, 4, 1), per_period="4500.00", extended=True, source="Accord du 20/03/2026")
    assert reconversion_funding("1486", date(2025, 12, 31)) is None
    assert reconversion_funding("1486", date(2026, 1, 1)) == (Decimal("10.00"), None, False, "CPNE du 10/12/2025")
    assert reconversion_funding("1486", date(2026, 3, 31)) == (Decimal("10.00"), None, False, "CPNE du 10/12/2025")
    assert reconversion_funding("1486", date(2026, 4, 1)) == (None, Decimal("4500.00"), True, "Accord du 20/03/2026")
    assert reconversion_funding("1486", date(2026, 4, 2)) == (None, Decimal("4500.00"), True, "Accord du 20/03/2026")


def test_an_inactive_row_means_none_from_its_date():
    branch = branch_with()
    funding_decision(branch, date(2026, 1, 1), hourly="10.00")
    funding_decision(branch, date(2026, 6, 1), active=False)
    funding_decision(branch, date(2026, 9, 1), hourly="11.00")
    assert reconversion_funding("1486", date(2026, 5, 31)) == (Decimal("10.00"), None, False, "")
    assert reconversion_funding("1486", date(2026, 6, 1)) is None
    assert reconversion_funding("1486", date(2026, 8, 31)) is None
    assert reconversion_funding("1486", date(2026, 9, 1)) == (Decimal("11.00"), None, False, "")


def test_no_branch_no_decision_other_kinds_and_other_branches():
    Idcc.objects.create(code="9999", title="Convention sans branche")
    funding_decision(branch_with("0843"), date(2026, 1, 1), kind=BranchFundingDecision.Kind.MASTER_AID)
    funding_decision(branch_with("2596"), date(2026, 1, 1), hourly="14.00")
    assert reconversion_funding("9999", date(2026, 3, 1)) is None
    assert reconversion_funding("0843", date(2026, 3, 1)) is None  # only a master aid decision
    assert reconversion_funding("", date(2026, 3, 1)) is None
    assert reconversion_funding("  ", date(2026, 3, 1)) is None
    assert reconversion_funding("2596", date(2026, 3, 1)) == (Decimal("14.00"), None, False, "")


def test_code_without_leading_zero():
    funding_decision(branch_with("0843"), date(2026, 1, 1), hourly="9.50")
    assert reconversion_funding("843", date(2026, 3, 1)) == (Decimal("9.50"), None, False, "")
