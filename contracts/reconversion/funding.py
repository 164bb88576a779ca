"""Funding of a période de reconversion (D6332-89, D6332-90 I) and its payment schedule (house rule)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from branches.reconversion_funding import DEFAULT_HOURLY_RATE, reconversion_funding
from contracts.models.reconversion import (
    FundingSource,
    PaymentKind,
    ReconversionPeriod,
)
from contracts.reconversion.rules import ADVANCE_SHARE, _rate
from opco.money import euros, round_money


# --- Funding -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Funding:
    amount: Decimal
    source: str  # FundingSource
    hourly_rate: Decimal | None = None
    amount_per_period: Decimal | None = None
    origin: str = ""

    @property
    def explanation(self) -> str:
        if self.amount_per_period is not None:
            return f"forfait de la branche par période : {euros(self.amount_per_period)} (D6332-89)"
        if self.source == FundingSource.BRANCH:
            return f"forfait horaire de la branche : {_rate(self.hourly_rate)} €/h × heures (D6332-89)"
        return f"forfait par défaut : {_rate(self.hourly_rate)} €/h × heures (D6332-90 I)"


def funding_for(hours: Decimal, found) -> Funding:
    """The forfait of a period of `hours` hours given the branch's decision (`reconversion_funding`'s
    answer, or None): the amount per period, else the hourly rate × hours, else 9,15 €/h × hours."""
    if found is not None:
        hourly_rate, per_period, _, origin = found
        if per_period is not None:
            return Funding(round_money(per_period), FundingSource.BRANCH, amount_per_period=per_period, origin=origin)
        if hourly_rate is not None:
            return Funding(
                round_money(hourly_rate * Decimal(hours)), FundingSource.BRANCH, hourly_rate=hourly_rate, origin=origin
            )
    return Funding(
        round_money(DEFAULT_HOURLY_RATE * Decimal(hours)),
        FundingSource.DEFAULT,
        hourly_rate=DEFAULT_HOURLY_RATE,
        origin="D6332-90 I",
    )


def period_funding(period: ReconversionPeriod) -> Funding:
    found = reconversion_funding(period.employer_idcc, period.agreement_signed_on or period.start_date)
    return funding_for(period.training_hours, found)


def schedule_for(period: ReconversionPeriod, amount: Decimal) -> list[tuple[str, date, Decimal]]:
    """(kind, due date, amount): 50 % at the start, the rest at the end (house rule)."""
    advance = round_money(amount * ADVANCE_SHARE)
    rows = [(PaymentKind.ADVANCE, period.start_date, advance), (PaymentKind.BALANCE, period.end_date, amount - advance)]
    return [row for row in rows if row[2] > 0]
