"""Properties of `compute_schedule` over random valid contracts (FINANCING.md §§ 3–5): whatever the
dates, amounts and options, the lines add up, nothing is due after the contract, the participation
is deducted only where it can be, and the instalments come sorted. Pure functions: no database."""

from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.financing.engine import FinancingInput, FraisAnnexes, Kind, Regime, compute_schedule

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SETTINGS = settings(max_examples=300, deadline=None)


def cents(low: int, high: int):
    """Amounts with two decimals, from low to high euros."""
    return st.integers(low * 100, high * 100).map(lambda n: Decimal(n).scaleb(-2))


def planned_years(start: date, end: date) -> int:
    """Number of contract years from start to end (S_k = start + (k − 1) years ≤ end)."""
    count = 0
    while start + relativedelta(years=count) <= end:
        count += 1
    return count


@st.composite
def contracts(draw) -> FinancingInput:
    signature = draw(st.dates(date(2021, 1, 1), date(2030, 12, 31)))
    start = signature + timedelta(days=draw(st.integers(0, 120)))
    # Short (down to a day), about one year (around the 364/365-day boundary), or up to 3 years.
    length = draw(st.one_of(st.integers(0, 400), st.integers(360, 370), st.integers(0, 3 * 366)))
    end = start + timedelta(days=length)
    rupture = draw(st.none() | st.integers(0, length).map(lambda days: start + timedelta(days=days)))
    years = planned_years(start, end)
    frais = tuple(
        FraisAnnexes(
            year=year,
            nights=draw(st.integers(0, 200)),
            meals=draw(st.integers(0, 400)),
            first_equipment=draw(cents(0, 900)),
        )
        for year in draw(st.sets(st.integers(1, years), max_size=years))
    )
    return FinancingInput(
        signature_date=signature,
        start_date=start,
        end_date=end,
        certification_level=draw(st.integers(3, 8)),
        # Small NPECs often, so that the participation outgrows the lines (and a rupture's closing
        # line goes negative) often enough.
        npec=draw(cents(0, 2000) | cents(0, 30000)),
        distance_learning_share=draw(st.sampled_from(["0", "0.5", "0.79", "0.8", "0.85", "1"]).map(Decimal)),
        distance_exempt=draw(st.booleans()),
        rqth_majoration=draw(st.just(ZERO) | cents(0, 6000)),
        frais_annexes=frais,
        cfa_declared_on=draw(st.none() | st.integers(-400, 30).map(lambda days: start + timedelta(days=days))),
        shortened_duration=draw(st.booleans()),
        rupture_date=rupture,
        rupture_during_probation=rupture is not None and draw(st.booleans()),
        after_previous_rupture=draw(st.booleans()),
    )


@SETTINGS
@given(contracts())
def test_each_year_lines_sum_to_its_amount_plus_frais_annexes(inp):
    # FINANCING.md § 4: the balance takes the remainder (and a rupture's closing line settles the
    # year at its actual amount), so every year's lines add up exactly.
    result = compute_schedule(inp)
    for year in result.years:
        lines = [line.gross for line in result.instalments if line.year == year.index]
        assert sum(lines, ZERO) == year.amount + year.frais_annexes
        if inp.rupture_date is None or year.end < inp.rupture_date or year.complete:
            # A year the rupture did not cut is split on its planned amount: no negative line.
            assert all(gross >= 0 for gross in lines)


@SETTINGS
@given(contracts())
def test_years_cover_the_contract_up_to_its_effective_end(inp):
    result = compute_schedule(inp)
    effective_end = inp.rupture_date or inp.end_date
    assert result.years[0].start == inp.start_date
    assert result.years[-1].end == effective_end
    for previous, year in zip(result.years, result.years[1:], strict=False):
        assert year.start == inp.start_date + relativedelta(years=previous.index)
        assert year.index == previous.index + 1
    for year in result.years:
        assert year.days == (year.end - year.start).days + 1
        if year.complete:
            assert year.amount == result.annual_amount  # a complete year is worth exactly A
        else:
            assert ZERO <= year.amount <= result.annual_amount


@SETTINGS
@given(contracts())
def test_no_line_is_due_after_the_day_following_the_effective_end(inp):
    result = compute_schedule(inp)
    limit = (inp.rupture_date or inp.end_date) + timedelta(days=1)
    assert all(line.due_date <= limit for line in result.instalments)
    assert all(line.due_date >= inp.start_date for line in result.instalments)


@SETTINGS
@given(contracts())
def test_participation_is_deducted_only_where_it_can_be(inp):
    # FINANCING.md § 5: from the first positive lines in order, never more than a line, never on a
    # line of zero or less; what cannot be absorbed is not deducted.
    result = compute_schedule(inp)
    positive = sum((line.gross for line in result.instalments if line.gross > 0), ZERO)
    assert result.total_deduction == min(result.employer_participation, positive)
    for line in result.instalments:
        assert ZERO <= line.deduction <= max(line.gross, ZERO)
        if line.gross <= 0:
            assert line.deduction == ZERO
    if result.regime is Regime.R2021 or inp.certification_level < 6:
        assert result.employer_participation == ZERO
    else:
        assert ZERO <= result.employer_participation <= Decimal(750)


@SETTINGS
@given(contracts())
def test_totals_are_the_sums_of_the_lines(inp):
    result = compute_schedule(inp)
    assert result.total_gross == sum((line.gross for line in result.instalments), ZERO)
    assert result.total_deduction == sum((line.deduction for line in result.instalments), ZERO)
    assert result.total_net == result.total_gross - result.total_deduction
    assert all(line.net == line.gross - line.deduction for line in result.instalments)
    for amount in (result.annual_amount, result.employer_participation, *(line.gross for line in result.instalments)):
        assert amount == amount.quantize(CENT)  # everything is to the cent


@SETTINGS
@given(contracts().filter(lambda inp: inp.rupture_date is None))
def test_without_rupture_total_gross_is_the_years_amounts_plus_frais_annexes(inp):
    result = compute_schedule(inp)
    assert result.total_gross == sum((year.amount + year.frais_annexes for year in result.years), ZERO)
    assert Kind.REGULARISATION not in {line.kind for line in result.instalments}
    assert all(line.gross >= 0 for line in result.instalments)


@SETTINGS
@given(contracts())
def test_instalments_are_sorted_by_due_date_year_and_kind(inp):
    result = compute_schedule(inp)
    order = ["advance", "month7", "month10", "balance", "regularisation"]  # FINANCING.md « Interface »
    keys = [(line.due_date, line.year, order.index(line.kind.value)) for line in result.instalments]
    assert keys == sorted(keys)
    # At most one balance a year; a regularisation only after that year's balance (FINANCING.md § 4).
    for year in result.years:
        kinds = [line.kind for line in result.instalments if line.year == year.index]
        assert kinds.count(Kind.BALANCE) <= 1
        assert kinds.count(Kind.REGULARISATION) <= 1
        if Kind.REGULARISATION in kinds:
            assert kinds.index(Kind.BALANCE) < kinds.index(Kind.REGULARISATION) == len(kinds) - 1
