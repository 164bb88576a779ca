"""Figures of the reconversion dashboard: the D6332-90 II average and the D6332-89-1 external share."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from contracts.models.reconversion import ReconversionKind, ReconversionPayment, ReconversionPeriod
from contracts.models.reconversion import ReconversionStatus as S
from contracts.reconversion.funding import Funding, period_funding
from contracts.reconversion.rules import AVERAGE_CEILING, AWAITING_DECISION, EXTERNAL_FLOOR_PCT, FUNDED, ZERO, today_or_local
from opco.money import round_money
from payments.enums import ScheduleStatus


# --- Dashboard figures -------------------------------------------------------------------------------
@dataclass(frozen=True)
class YearFigures:
    year: int
    accepted: int
    committed: Decimal
    external_committed: Decimal
    floor_applies: bool

    @property
    def average(self) -> Decimal | None:
        return None if self.accepted == 0 else self.committed / self.accepted

    @property
    def average_rounded(self) -> Decimal | None:
        return None if self.average is None else round_money(self.average)

    @property
    def average_alert(self) -> bool:
        """D6332-90 II: the average per period « est fixé à 5 000 euros »; above it, an alert."""
        return self.average is not None and self.average > AVERAGE_CEILING

    @property
    def external_share(self) -> Decimal | None:
        """Percentage of the committed amount going to external periods (exact, not rounded)."""
        return None if self.committed == 0 else self.external_committed * 100 / self.committed

    @property
    def external_alert(self) -> bool:
        """D6332-89-1: at least 12 % for external periods, unless the CA moved the split from Q4."""
        return self.floor_applies and self.committed > 0 and self.external_committed * 100 < EXTERNAL_FLOOR_PCT * self.committed


def live_amounts(periods: QuerySet[ReconversionPeriod]) -> QuerySet:
    return ReconversionPayment.objects.filter(period__in=periods).exclude(status=ScheduleStatus.SUPERSEDED)


def floor_applies(year: int, *, reallocated: bool, today: date) -> bool:
    """D6332-89-1 al. 2-3: when the CA, finding under-consumption in Q3, changes the split, the 12 %
    floor no longer applies from the start of Q4 (1 October)."""
    return not (reallocated and today >= date(year, 10, 1))


def year_figures(
    periods: QuerySet[ReconversionPeriod], year: int, *, reallocated: bool = False, today: date | None = None
) -> YearFigures:
    """Periods funded (accepted, then running, ended or interrupted) by a decision of `year`, and what
    they still commit (their rows not superseded). A period interrupted before its start commits
    nothing any more: it counts neither in the amount nor in the number of periods of the average."""
    funded = periods.filter(status__in=FUNDED, decided_on__year=year)
    rows = live_amounts(funded)
    committed = rows.aggregate(total=Sum("amount"))["total"] or ZERO
    external = rows.filter(period__kind=ReconversionKind.EXTERNAL).aggregate(total=Sum("amount"))["total"] or ZERO
    return YearFigures(
        year=year,
        accepted=funded.filter(pk__in=rows.values("period_id")).count(),
        committed=committed,
        external_committed=external,
        floor_applies=floor_applies(year, reallocated=reallocated, today=today_or_local(today)),
    )


@dataclass(frozen=True)
class Simulation:
    funding: Funding
    figures: YearFigures


def simulate_acceptance(period: ReconversionPeriod, figures: YearFigures) -> Simulation:
    """The year's figures if this period were accepted now with its forfait."""
    funding = period_funding(period)
    external = funding.amount if period.kind == ReconversionKind.EXTERNAL else ZERO
    after = YearFigures(
        year=figures.year,
        accepted=figures.accepted + 1,
        committed=figures.committed + funding.amount,
        external_committed=figures.external_committed + external,
        floor_applies=figures.floor_applies,
    )
    return Simulation(funding=funding, figures=after)


def status_counts(periods: QuerySet[ReconversionPeriod], year: int) -> list[tuple[str, str, int]]:
    """(status, label, number of periods received in `year`) for every status."""
    counts = dict(periods.filter(received_on__year=year).values("status").annotate(n=Count("id")).values_list("status", "n"))
    return [(status.value, status.label, counts.get(status.value, 0)) for status in S]


def overdue(periods: QuerySet[ReconversionPeriod], today: date | None = None) -> QuerySet[ReconversionPeriod]:
    """Undecided periods past their decision date (R6324-2: 20 days; an incomplete one waits)."""
    return periods.filter(status__in=AWAITING_DECISION, decision_due_on__lt=today_or_local(today)).order_by(
        "decision_due_on", "id"
    )
