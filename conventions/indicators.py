"""Achieved values of a convention's indicators, computed from the funding lines drawn on it (the files
linked to it), never typed: one aggregate query for a period. A line counts in the period its action
starts in; a line released with nothing consumed (a file abandoned) counts in nothing."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from conventions.enums import IndicatorCode
from conventions.models import Convention
from opco.money import round_money
from payments.models import FundingLine, FundingLineStatus, Public

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1")) if whole else ZERO


def counted_lines(convention: Convention, start: date | None = None, end: date | None = None):
    lines = FundingLine.objects.filter(scope_key=convention.scope_key).exclude(status=FundingLineStatus.RELEASED, consumed=0)
    if start:
        lines = lines.filter(starts_on__gte=start)
    if end:
        lines = lines.filter(starts_on__lte=end)
    return lines


def achieved(convention: Convention, start: date | None = None, end: date | None = None) -> dict[str, Decimal]:
    """Every indicator's value over the lines whose action starts between `start` and `end`."""
    totals = counted_lines(convention, start, end).aggregate(
        n_lines=Count("id"),
        n_companies=Count("company", distinct=True),
        n_trainees=Sum("trainees"),
        n_job_seekers=Sum("trainees", filter=Q(public=Public.JOB_SEEKERS)),
        n_hours=Sum("hours"),
        live=Sum("amount", filter=Q(status=FundingLineStatus.COMMITTED)),
        released=Sum("consumed", filter=Q(status=FundingLineStatus.RELEASED)),
        n_consumed=Sum("consumed"),
        n_completed=Count("id", filter=Q(completed=True)),
        n_seniors=Sum("seniors"),
        n_women=Sum("women"),
    )
    trainees = totals["n_trainees"] or 0
    return {
        IndicatorCode.COMPANIES: Decimal(totals["n_companies"]),
        IndicatorCode.TRAINEES: Decimal(trainees),
        IndicatorCode.JOB_SEEKERS: Decimal(totals["n_job_seekers"] or 0),
        IndicatorCode.HOURS: Decimal(totals["n_hours"] or 0).quantize(Decimal("0.01")),
        IndicatorCode.SPEND: round_money((totals["live"] or ZERO) + (totals["released"] or ZERO)),
        IndicatorCode.CONSUMED: round_money(totals["n_consumed"] or ZERO),
        IndicatorCode.COMPLETION: _share(totals["n_completed"], totals["n_lines"]),
        IndicatorCode.SENIORS: _share(totals["n_seniors"] or 0, trainees),
        IndicatorCode.WOMEN: _share(totals["n_women"] or 0, trainees),
    }


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    label: str
    year: int
    target: Decimal | None
    achieved: Decimal

    @property
    def percent(self) -> Decimal | None:
        return _share(self.achieved, self.target) if self.target else None


def indicator_table(convention: Convention) -> list[IndicatorRow]:
    """For each declared indicator and each year of the convention: the target and the achieved value."""
    indicators = list(convention.indicators.prefetch_related("targets"))
    rows = []
    for year in range(convention.starts_on.year, convention.ends_on.year + 1):
        values = achieved(convention, date(year, 1, 1), date(year, 12, 31)) if indicators else {}
        for indicator in indicators:
            target = next((row.target for row in indicator.targets.all() if row.year == year), None)
            rows.append(IndicatorRow(indicator.code, indicator.get_code_display(), year, target, values[indicator.code]))
    return rows
