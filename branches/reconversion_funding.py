"""The branch's forfait of a période de reconversion (D6332-89, D6332-90), read by date.

A branch sets a flat amount per period, or in practice an hourly rate, and may have concluded an
agreement raising the training to 2 100 hours over 36 months (L6324-4, L6324-8). Staff record each
decision as a `BranchFundingDecision` of kind « reconversion », never overwritten: the one that
applies on a date is the latest `applicable_from` on or before it, and an inactive row records that
the branch stopped its forfait (the legal default of D6332-90 I applies again).
"""

from datetime import date
from decimal import Decimal

from branches.funding import latest_decision
from branches.models import BranchFundingDecision

# D6332-90 I: without a forfait set by the branch, 9,15 € per hour of training.
DEFAULT_HOURLY_RATE = Decimal("9.15")

ReconversionFunding = tuple[Decimal | None, Decimal | None, bool, str]


def reconversion_funding(idcc_code: str, on: date) -> ReconversionFunding | None:
    """(hourly rate or None, amount per period or None, extended by a branch agreement, source text)
    of the decision applicable on `on` for the branch that holds the IDCC. None when the IDCC belongs
    to no branch, the branch has no decision applicable on that date, or the applicable decision is
    the stop of the forfait (`active=False`): the caller then applies DEFAULT_HOURLY_RATE."""
    decision = latest_decision(idcc_code, BranchFundingDecision.Kind.RECONVERSION, on)
    if decision is None:
        return None
    return decision.hourly_rate, decision.amount_per_period, decision.extended_by_agreement, decision.source
