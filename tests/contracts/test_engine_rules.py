"""Every rule and boundary of FINANCING.md, with exact values computed by hand (the arithmetic is in
the comments; « S » is a year's start, « A » the annual amount). Pure functions: no database.

Unless a test says otherwise the contract is R2025 (signed 2025-08-20), level 5, NPEC 8 000 €, from
2025-09-01 to 2027-08-31 (two complete years)."""

from datetime import date
from decimal import Decimal

import pytest

from contracts.financing.engine import (
    FinancingError,
    FinancingInput,
    FraisAnnexes,
    Instalment,
    Kind,
    compute_schedule,
    months_begun,
)
from contracts.financing.io import schedule_as_dict, simulate
from opco.money import round_money

DATE_FIELDS = {"signature_date", "start_date", "end_date", "rupture_date", "cfa_declared_on"}
DECIMAL_FIELDS = {"npec", "rqth_majoration", "distance_learning_share"}


def contract(**changes) -> FinancingInput:
    """The default contract with some fields changed; dates and amounts may be given as strings."""
    values = {
        "signature_date": "2025-08-20",
        "start_date": "2025-09-01",
        "end_date": "2027-08-31",
        "certification_level": 5,
        "npec": "8000",
        **changes,
    }
    for key in DATE_FIELDS & values.keys():
        if isinstance(values[key], str):
            values[key] = date.fromisoformat(values[key])
    for key in DECIMAL_FIELDS & values.keys():
        values[key] = Decimal(values[key])
    return FinancingInput(**values)


def schedule(**changes):
    return compute_schedule(contract(**changes))


def lines(result) -> list[tuple]:
    """(year, kind, due date, gross, deduction) of each instalment, in the schedule's order."""
    return [
        (line.year, line.kind.value, line.due_date.isoformat(), f"{line.gross:.2f}", f"{line.deduction:.2f}")
        for line in result.instalments
    ]


def years(result) -> list[tuple]:
    """(index, start, end, days, complete, amount, frais annexes) of each contract year."""
    return [
        (y.index, y.start.isoformat(), y.end.isoformat(), y.days, y.complete, f"{y.amount:.2f}", f"{y.frais_annexes:.2f}")
        for y in result.years
    ]


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


# The split of a complete R2025 year of A = 8 000 (R6332-25 III): 40 % = 3 200, 30 % = 2 400,
# 20 % = 1 600, balance = 8 000 − 7 200 = 800.
FULL_YEAR_2025_09 = [
    (1, "advance", "2025-09-01", "3200.00", "0.00"),
    (1, "month7", "2026-03-01", "2400.00", "0.00"),
    (1, "month10", "2026-06-01", "1600.00", "0.00"),
    (1, "balance", "2026-09-01", "800.00", "0.00"),
]


# ---------------------------------------------------------------------------------------------
# § 1 Regime


@pytest.mark.parametrize(
    ("signed", "regime"),
    [
        ("2021-01-01", "R2021"),  # décret 2020-1739: contracts concluded from 1 January 2021
        ("2025-06-30", "R2021"),  # the day before décret 2025-585 applies
        ("2025-07-01", "R2025"),  # décret 2025-585 art. 2: contracts concluded from 1 July 2025
    ],
)
def test_regime_follows_the_signature_date(signed, regime):
    assert schedule(signature_date=signed).regime == regime


def test_contract_signed_before_2021_is_not_financed():
    with pytest.raises(FinancingError, match="Régime non pris en charge"):
        schedule(signature_date="2020-12-31")


def test_end_before_start_and_rupture_outside_the_contract_are_errors():
    with pytest.raises(FinancingError, match="précède"):
        schedule(end_date="2025-08-31")
    with pytest.raises(FinancingError, match="comprise entre"):
        schedule(rupture_date="2027-09-01")
    with pytest.raises(FinancingError, match="comprise entre"):
        schedule(rupture_date="2025-08-31")


def test_frais_annexes_for_a_year_beyond_the_contract_are_an_error():
    # 2025-09-01 → 2027-08-31 has two planned years; an entry for year 3 cannot be paid.
    with pytest.raises(FinancingError, match="l'année 3"):
        schedule(frais_annexes=(FraisAnnexes(year=3, nights=1),))


# ---------------------------------------------------------------------------------------------
# § 2 Annual amount A


@pytest.mark.parametrize(
    ("npec", "share", "exempt", "signed", "rqth", "annual"),
    [
        # D6332-82-1 I: the minoration needs at least 80 % at a distance.
        ("8000", "0.79", False, "2025-08-20", "0", "8000.00"),  # 0.79 < 0.80: none
        ("8000", "0.80", False, "2025-08-20", "0", "6400.00"),  # max(8000 × 0.80 = 6400, min(8000, 4000)) = 6400
        ("8000", "1", False, "2025-08-20", "0", "6400.00"),
        # D6332-82-1 II: the exemption counts only for contracts signed from 2025-11-30 (house rule).
        ("8000", "1", True, "2025-11-29", "0", "6400.00"),
        ("8000", "1", True, "2025-11-30", "0", "8000.00"),
        # D6332-82-1 III: never below 4 000 (nor above the NPEC itself).
        ("4500", "0.80", False, "2025-08-20", "0", "4000.00"),  # max(3600, min(4500, 4000) = 4000) = 4000
        ("3000", "0.80", False, "2025-08-20", "0", "3000.00"),  # max(2400, min(3000, 4000) = 3000) = 3000
        ("5000", "0.80", False, "2025-08-20", "0", "4000.00"),  # max(4000, 4000) = 4000
        ("4999.99", "0.80", False, "2025-08-20", "0", "4000.00"),  # max(3999.992 → 3999.99, 4000) = 4000
        ("6200.01", "0.85", False, "2025-08-20", "0", "4960.01"),  # 6200.01 × 0.80 = 4960.008 → 4960.01
        # R2021 knows no minoration (D6332-82-1 applies to contracts from 1 July 2025).
        ("8000", "1", False, "2025-06-30", "0", "8000.00"),
        # D6332-82: RQTH majoration capped at 4 000 a year, added after the minoration.
        ("8000", "0", False, "2025-08-20", "1500.50", "9500.50"),  # 8000 + 1500.50
        ("8000", "0", False, "2025-08-20", "4000", "12000.00"),  # 8000 + 4000
        ("8000", "0", False, "2025-08-20", "5000", "12000.00"),  # 8000 + min(5000, 4000)
        ("6200", "0.85", False, "2025-08-20", "1500", "6460.00"),  # max(4960, 4000) + 1500
        ("8000", "0", False, "2025-06-30", "4000.01", "12000.00"),  # R2021 too: 8000 + min(4000.01, 4000)
    ],
)
def test_annual_amount(npec, share, exempt, signed, rqth, annual):
    result = schedule(
        npec=npec, distance_learning_share=share, distance_exempt=exempt, signature_date=signed, rqth_majoration=rqth
    )
    assert money(result.annual_amount) == annual
    assert money(result.npec) == money(Decimal(npec))  # the NPEC shown is the one given, before minoration


def test_rqth_majoration_is_per_contract_year():
    # House rule: min(5000, 4000) = 4000 every year → A = 12 000 in each of the two complete years.
    result = schedule(rqth_majoration="5000")
    assert [money(y.amount) for y in result.years] == ["12000.00", "12000.00"]
    assert money(result.total_gross) == "24000.00"


@pytest.mark.parametrize(
    ("level", "annual"),
    [(3, "5470.00"), (4, "5621.00"), (5, "6000.00"), (6, "6000.00"), (7, "7000.00"), (8, "7000.00")],
)
def test_valeur_d_amorcage_when_no_npec_is_known(level, annual):
    # D6332-80, arrêté of 31 August 2022: the amounts by level when no NPEC is given nor published.
    result, label = simulate(
        {"signature_date": "2025-08-20", "start_date": "2025-09-01", "end_date": "2026-08-31", "certification_level": level}
    )
    assert result.npec_source == "amorcage"
    assert money(result.annual_amount) == annual
    assert "amorçage" in label


# ---------------------------------------------------------------------------------------------
# § 3 Contract years


def test_29_february_start_gives_28_february_in_other_years():
    # S_2 = 2028-02-29 + 1 year = 2029-02-28 (clipped); E_1 = 2029-02-28 − 1 day = 2029-02-27;
    # E_2 = 2028-02-29 + 2 years − 1 day = 2030-02-27. Month offsets are added to S_2 itself:
    # month7 of year 2 = 2029-02-28 + 6 months = 2029-08-28 (not the 29th).
    result = schedule(signature_date="2028-01-15", start_date="2028-02-29", end_date="2030-02-27")
    assert years(result) == [
        (1, "2028-02-29", "2029-02-27", 365, True, "8000.00", "0.00"),
        (2, "2029-02-28", "2030-02-27", 365, True, "8000.00", "0.00"),
    ]
    assert lines(result) == [
        (1, "advance", "2028-02-29", "3200.00", "0.00"),
        (1, "month7", "2028-08-29", "2400.00", "0.00"),
        (1, "month10", "2028-11-29", "1600.00", "0.00"),
        (1, "balance", "2029-02-28", "800.00", "0.00"),
        (2, "advance", "2029-02-28", "3200.00", "0.00"),
        (2, "month7", "2029-08-28", "2400.00", "0.00"),
        (2, "month10", "2029-11-28", "1600.00", "0.00"),
        (2, "balance", "2030-02-28", "800.00", "0.00"),
    ]


def test_29_february_start_back_on_29_february_in_its_fourth_year():
    # S_4 = 2028-02-29 + 3 years = 2031-02-28; E_4 = 2028-02-29 + 4 years − 1 day = 2032-02-28:
    # 366 days, complete, worth exactly A.
    result = schedule(signature_date="2028-01-15", start_date="2028-02-29", end_date="2032-02-28")
    assert years(result)[3] == (4, "2031-02-28", "2032-02-28", 366, True, "8000.00", "0.00")
    assert [y.complete for y in result.years] == [True, True, True, True]


def test_month_ends_clip_to_the_last_day_of_the_month():
    # Start 31 August: + 6 months = 28 February (29 in 2028), + 9 months = 31 May; E_k = 30 August.
    result = schedule(start_date="2025-08-31", end_date="2028-08-30")
    due = {(line.year, line.kind.value): line.due_date.isoformat() for line in result.instalments}
    assert [due[(k, "month7")] for k in (1, 2, 3)] == ["2026-02-28", "2027-02-28", "2028-02-29"]
    assert [due[(k, "month10")] for k in (1, 2, 3)] == ["2026-05-31", "2027-05-31", "2028-05-31"]
    assert [due[(k, "balance")] for k in (1, 2, 3)] == ["2026-08-31", "2027-08-31", "2028-08-31"]
    assert [(y.start.isoformat(), y.end.isoformat()) for y in result.years] == [
        ("2025-08-31", "2026-08-30"),
        ("2026-08-31", "2027-08-30"),
        ("2027-08-31", "2028-08-30"),
    ]


def test_a_complete_leap_year_of_366_days_is_worth_exactly_a():
    # 2027-03-01 → 2028-02-29 is 366 days and complete: 8 000, not 8 000 × 366 / 365 = 8 021.92.
    result = schedule(signature_date="2027-01-10", start_date="2027-03-01", end_date="2028-02-29")
    assert years(result) == [(1, "2027-03-01", "2028-02-29", 366, True, "8000.00", "0.00")]
    assert money(result.total_gross) == "8000.00"


def test_r2025_proration_divides_by_365_even_in_a_leap_year():
    # Rupture 2028-03-01 of a contract from 2027-09-01: 30+31+30+31+31+29+1 = 183 days (house rule:
    # divisor 365); 8000 × 183 / 365 = 4010.958… → 4010.96.
    result = schedule(signature_date="2027-08-01", start_date="2027-09-01", end_date="2029-08-31", rupture_date="2028-03-01")
    assert years(result) == [(1, "2027-09-01", "2028-03-01", 183, False, "4010.96", "0.00")]


def test_r2025_proration_is_one_step_not_a_daily_rate():
    # 3-day last year: 8000 × 3 / 365 = 65.753… → 65.75 (a daily rate 21.92 × 3 would give 65.76).
    result = schedule(end_date="2026-09-03")
    assert years(result)[1] == (2, "2026-09-01", "2026-09-03", 3, False, "65.75", "0.00")


def test_contract_of_exactly_one_year_is_not_short():
    # end = 2025-09-01 + 1 year − 1 day = 2026-08-31: not short, the four R2025 lines (R6332-25 III).
    result = schedule(end_date="2026-08-31")
    assert years(result) == [(1, "2025-09-01", "2026-08-31", 365, True, "8000.00", "0.00")]
    assert lines(result) == FULL_YEAR_2025_09


def test_contract_of_one_year_minus_one_day_is_short():
    # end 2026-08-30 < 2026-08-31: short (R6332-25 IV 1°). 364 days: 8000 × 364 / 365 = 7978.082… →
    # 7978.08; one advance of 50 % = 3989.04, the balance 7978.08 − 3989.04 = 3989.04 the day after the end.
    result = schedule(end_date="2026-08-30")
    assert years(result) == [(1, "2025-09-01", "2026-08-30", 364, False, "7978.08", "0.00")]
    assert lines(result) == [
        (1, "advance", "2025-09-01", "3989.04", "0.00"),
        (1, "balance", "2026-08-31", "3989.04", "0.00"),
    ]


@pytest.mark.parametrize(
    ("start", "end", "short"),
    [
        ("2028-02-29", "2029-02-27", False),  # 2028-02-29 + 1 year − 1 day = 2029-02-28 − 1 = 2029-02-27
        ("2028-02-29", "2029-02-26", True),
        ("2025-08-31", "2026-08-30", False),
        ("2025-08-31", "2026-08-29", True),
    ],
)
def test_short_contract_boundary_with_clipped_dates(start, end, short):
    result = schedule(signature_date="2025-08-20", start_date=start, end_date=end)
    kinds = [line.kind.value for line in result.instalments]
    assert kinds == (["advance", "balance"] if short else ["advance", "month7", "month10", "balance"])


def test_short_contract_with_shortened_duration_is_raised_by_ten_percent():
    # R6332-25 IV 2°, L6222-7-1 al. 3. 2025-09-01 → 2026-02-28 = 181 days, NPEC 7000:
    # 7000 × 181 / 365 = 3471.232… → 3471.23; × 1.10 = 3818.353 → 3818.35 ≤ 7000.
    # Advance 50 % = 1909.175 → 1909.18 (half up); balance 3818.35 − 1909.18 = 1909.17.
    result = schedule(npec="7000", end_date="2026-02-28", shortened_duration=True)
    assert years(result) == [(1, "2025-09-01", "2026-02-28", 181, False, "3818.35", "0.00")]
    assert lines(result) == [
        (1, "advance", "2025-09-01", "1909.18", "0.00"),
        (1, "balance", "2026-03-01", "1909.17", "0.00"),
    ]


def test_short_contract_raise_never_exceeds_a():
    # 364 days, NPEC 7000: 7000 × 364 / 365 = 6980.821… → 6980.82; × 1.10 = 7678.902 → 7678.90;
    # min(7678.90, 7000) = 7000 (R6332-25 IV 2°: « ne peut toutefois excéder »). 50 % = 3500.
    result = schedule(npec="7000", end_date="2026-08-30", shortened_duration=True)
    assert years(result) == [(1, "2025-09-01", "2026-08-30", 364, False, "7000.00", "0.00")]
    assert lines(result) == [
        (1, "advance", "2025-09-01", "3500.00", "0.00"),
        (1, "balance", "2026-08-31", "3500.00", "0.00"),
    ]


def test_shortened_duration_does_nothing_for_a_contract_of_one_year():
    result = schedule(end_date="2026-08-31", shortened_duration=True)
    assert lines(result) == FULL_YEAR_2025_09


def test_short_contract_raise_applies_to_the_actual_amount_after_a_rupture_too():
    # Planned: 3818.35 as above, advance 1909.18 kept. Rupture 2025-11-30: 30+31+30 = 91 days,
    # 7000 × 91 / 365 = 1745.205… → 1745.21; × 1.10 = 1919.731 → 1919.73;
    # closing = 1919.73 − 1909.18 = 10.55, due the day after the rupture.
    result = schedule(npec="7000", end_date="2026-02-28", shortened_duration=True, rupture_date="2025-11-30")
    assert years(result) == [(1, "2025-09-01", "2025-11-30", 91, False, "1919.73", "0.00")]
    assert lines(result) == [
        (1, "advance", "2025-09-01", "1909.18", "0.00"),
        (1, "balance", "2025-12-01", "10.55", "0.00"),
    ]


# ---------------------------------------------------------------------------------------------
# § 4 Instalments


def test_r2025_partial_last_year_drops_the_lines_after_its_end():
    # Year 2 = 2026-09-01 → 2027-03-31: 30+31+30+31+31+28+31 = 212 days;
    # 8000 × 212 / 365 = 4646.575… → 4646.58. Advance 40 % = 1858.632 → 1858.63; month7 (2027-03-01,
    # inside) 30 % = 1393.974 → 1393.97; month10 (2027-06-01) after the end: not made, its share stays
    # in the balance = 4646.58 − 1858.63 − 1393.97 = 1393.98, due 2027-04-01.
    result = schedule(end_date="2027-03-31")
    assert years(result)[1] == (2, "2026-09-01", "2027-03-31", 212, False, "4646.58", "0.00")
    assert lines(result)[4:] == [
        (2, "advance", "2026-09-01", "1858.63", "0.00"),
        (2, "month7", "2027-03-01", "1393.97", "0.00"),
        (2, "balance", "2027-04-01", "1393.98", "0.00"),
    ]


def test_r2021_complete_year_balance_at_the_tenth_month():
    # Historical R6332-25 III: 40 % = 3200 at S, 30 % = 2400 at S + 6 months, the rest 2400 at
    # S + 9 months (the 10th month), not after the year's end.
    result = schedule(signature_date="2024-08-20", start_date="2024-09-01", end_date="2025-08-31")
    assert lines(result) == [
        (1, "advance", "2024-09-01", "3200.00", "0.00"),
        (1, "month7", "2025-03-01", "2400.00", "0.00"),
        (1, "balance", "2025-06-01", "2400.00", "0.00"),
    ]


def test_r2021_planned_partial_last_year_counts_months_begun():
    # House rule: months begun for a planned partial year. Year 2 = 2025-09-01 → 2026-03-15: months
    # m = 0…6 (2026-03-01 ≤ 2026-03-15) = 7; 8000 × 7 / 12 = 4666.666… → 4666.67.
    # Advance 40 % = 1866.668 → 1866.67; month7 (2026-03-01 ≤ end) 30 % = 1400.001 → 1400.00;
    # balance = 4666.67 − 3266.67 = 1400.00 at min(S + 9 months = 2026-06-01, end + 1 = 2026-03-16).
    result = schedule(signature_date="2024-08-20", start_date="2024-09-01", end_date="2026-03-15")
    assert years(result)[1] == (2, "2025-09-01", "2026-03-15", 196, False, "4666.67", "0.00")
    assert lines(result)[3:] == [
        (2, "advance", "2025-09-01", "1866.67", "0.00"),
        (2, "month7", "2026-03-01", "1400.00", "0.00"),
        (2, "balance", "2026-03-16", "1400.00", "0.00"),
    ]


def test_r2021_short_contract_counts_months_begun_and_pays_half_in_advance():
    # Historical R6332-25 IV (house rule: months begun). 2024-09-01 → 2025-02-14: m = 0…5 = 6 months;
    # 8000 × 6 / 12 = 4000; 50 % advance = 2000, the rest 2000 « à la fin du contrat » (end + 1).
    result = schedule(signature_date="2024-08-20", start_date="2024-09-01", end_date="2025-02-14")
    assert years(result) == [(1, "2024-09-01", "2025-02-14", 167, False, "4000.00", "0.00")]
    assert lines(result) == [
        (1, "advance", "2024-09-01", "2000.00", "0.00"),
        (1, "balance", "2025-02-15", "2000.00", "0.00"),
    ]


def test_r2021_short_contract_with_shortened_duration_is_raised_too():
    # Historical R6332-25 IV 2°: 4000 × 1.10 = 4400 ≤ 8000; 50 % = 2200.
    result = schedule(signature_date="2024-08-20", start_date="2024-09-01", end_date="2025-02-14", shortened_duration=True)
    assert [money(line.gross) for line in result.instalments] == ["2200.00", "2200.00"]


@pytest.mark.parametrize(
    ("start", "declared", "first_advance"),
    [
        # R6332-25 V: declared less than 6 months before the start → first advance at start + 2 months.
        ("2025-09-01", "2025-03-01", "2025-09-01"),  # exactly start − 6 months: not « moins de six mois »
        ("2025-09-01", "2025-03-02", "2025-11-01"),  # one day later: deferred to 2025-09-01 + 2 months
        ("2025-09-01", "2025-09-01", "2025-11-01"),
        ("2025-08-31", "2025-02-28", "2025-08-31"),  # 2025-08-31 − 6 months = 2025-02-28 (clipped)
        ("2025-08-31", "2025-03-01", "2025-10-31"),  # 2025-08-31 + 2 months = 2025-10-31
    ],
)
def test_new_cfa_first_advance_deferral_boundary(start, declared, first_advance):
    result = schedule(start_date=start, end_date="2027-08-30", cfa_declared_on=declared)
    advances = [line.due_date.isoformat() for line in result.instalments if line.kind is Kind.ADVANCE]
    assert advances[0] == first_advance
    assert advances[1] == ("2026-09-01" if start == "2025-09-01" else "2026-08-31")  # year 2 is not deferred


def test_new_cfa_deferral_keeps_the_amounts_and_the_other_lines():
    result = schedule(end_date="2026-08-31", cfa_declared_on="2025-06-01")
    assert lines(result) == [
        (1, "advance", "2025-11-01", "3200.00", "0.00"),
        (1, "month7", "2026-03-01", "2400.00", "0.00"),
        (1, "month10", "2026-06-01", "1600.00", "0.00"),
        (1, "balance", "2026-09-01", "800.00", "0.00"),
    ]


def test_new_cfa_deferral_applies_to_the_single_advance_of_a_short_contract():
    # 181 days, NPEC 7000 → 3471.23 (example 3); advance 1735.62 moved to 2025-09-01 + 2 months.
    result = schedule(npec="7000", end_date="2026-02-28", cfa_declared_on="2025-06-01")
    assert lines(result) == [
        (1, "advance", "2025-11-01", "1735.62", "0.00"),
        (1, "balance", "2026-03-01", "1735.61", "0.00"),
    ]


def test_new_cfa_deferred_advance_after_the_end_is_not_made():
    # 2025-09-01 → 2025-10-15 = 45 days; 8000 × 45 / 365 = 986.301… → 986.30. The deferred advance
    # (2025-11-01) would fall after the planned end: not made, the whole amount is the balance.
    result = schedule(end_date="2025-10-15", cfa_declared_on="2025-06-01")
    assert lines(result) == [(1, "balance", "2025-10-16", "986.30", "0.00")]


def test_r2021_never_defers_the_first_advance():
    # R6332-25 V exists only in the 2025 version.
    result = schedule(signature_date="2024-08-20", start_date="2024-09-01", end_date="2026-08-31", cfa_declared_on="2024-08-01")
    assert result.instalments[0].due_date.isoformat() == "2024-09-01"


def test_rupture_on_the_last_day_of_a_year_keeps_that_year_whole():
    # Rupture 2026-08-31 = E_1: year 1 complete (A = 8000, its four lines), year 2 disappears.
    result = schedule(rupture_date="2026-08-31")
    assert years(result) == [(1, "2025-09-01", "2026-08-31", 365, True, "8000.00", "0.00")]
    assert lines(result) == FULL_YEAR_2025_09


def test_rupture_on_the_first_day_of_a_year_gives_that_year_one_day():
    # Rupture 2026-09-01 = S_2: year 2 lasts 1 day, 8000 × 1 / 365 = 21.917… → 21.92; its advance
    # (40 % of the planned 8000 = 3200, due that day) is kept; closing 21.92 − 3200 = −3178.08.
    result = schedule(rupture_date="2026-09-01")
    assert years(result)[1] == (2, "2026-09-01", "2026-09-01", 1, False, "21.92", "0.00")
    assert lines(result)[4:] == [
        (2, "advance", "2026-09-01", "3200.00", "0.00"),
        (2, "balance", "2026-09-02", "-3178.08", "0.00"),
    ]


def test_rupture_on_an_instalment_due_date_keeps_that_instalment():
    # Rupture 2026-03-01, the month7 due date: 30+31+30+31+31+28+1 = 182 days;
    # 8000 × 182 / 365 = 3989.041… → 3989.04. Kept: 3200 + 2400 = 5600 (due on or before the rupture);
    # closing = 3989.04 − 5600 = −1610.96 (a trop-perçu), due 2026-03-02, kind balance.
    result = schedule(rupture_date="2026-03-01")
    assert years(result) == [(1, "2025-09-01", "2026-03-01", 182, False, "3989.04", "0.00")]
    assert lines(result) == [
        (1, "advance", "2025-09-01", "3200.00", "0.00"),
        (1, "month7", "2026-03-01", "2400.00", "0.00"),
        (1, "balance", "2026-03-02", "-1610.96", "0.00"),
    ]


def test_rupture_the_day_before_an_instalment_drops_it():
    # Rupture 2026-02-28: 181 days; 8000 × 181 / 365 = 3967.123… → 3967.12; kept 3200;
    # closing = 767.12 due 2026-03-01 (same day the dropped month7 would have been).
    result = schedule(rupture_date="2026-02-28")
    assert lines(result) == [
        (1, "advance", "2025-09-01", "3200.00", "0.00"),
        (1, "balance", "2026-03-01", "767.12", "0.00"),
    ]


# ---------------------------------------------------------------------------------------------
# R2021 months begun (historical R6332-25 VI: « Chaque mois de contrat d'apprentissage débuté est dû »)


@pytest.mark.parametrize(
    ("start", "end", "rupture", "months", "amount"),
    [
        # Year 2 from 2025-09-01: a rupture on the 1st of a month counts that month.
        ("2024-09-01", "2026-08-31", "2025-09-01", 1, "666.67"),  # 8000 × 1 / 12 = 666.666… → 666.67
        ("2024-09-01", "2026-08-31", "2025-10-31", 2, "1333.33"),  # 8000 × 2 / 12 = 1333.333… → 1333.33
        ("2024-09-01", "2026-08-31", "2025-11-01", 3, "2000.00"),  # 2025-11-01 ≤ 2025-11-01: begun
        ("2024-09-01", "2026-08-31", "2025-11-15", 3, "2000.00"),
        # Start 31 January: S + 1 month = 28 February, S + 2 months = 31 March.
        ("2025-01-31", "2026-01-30", "2025-03-30", 2, "1333.33"),  # 2025-03-31 > 2025-03-30: not begun
        ("2025-01-31", "2026-01-30", "2025-03-31", 3, "2000.00"),
    ],
)
def test_r2021_rupture_counts_months_begun(start, end, rupture, months, amount):
    result = schedule(signature_date="2024-08-20", start_date=start, end_date=end, rupture_date=rupture)
    assert months_begun(result.years[-1].start, date.fromisoformat(rupture)) == months
    assert money(result.years[-1].amount) == amount == money(round_money(Decimal(8000) * months / 12))


def test_r2021_rupture_after_the_balance_gives_a_regularisation():
    # Rupture 2025-07-10, year 1 from 2024-09-01: months m = 0…10 = 11 (2025-07-01 ≤ 2025-07-10);
    # 8000 × 11 / 12 = 7333.333… → 7333.33. The balance (S + 9 months = 2025-06-01) was already due:
    # kept lines 3200 + 2400 + 2400 = 8000; closing 7333.33 − 8000 = −666.67, kind regularisation.
    # Days: 30+31+30+31+31+28+31+30+31+30+10 = 313.
    result = schedule(signature_date="2024-08-20", start_date="2024-09-01", end_date="2026-08-31", rupture_date="2025-07-10")
    assert years(result) == [(1, "2024-09-01", "2025-07-10", 313, False, "7333.33", "0.00")]
    assert lines(result) == [
        (1, "advance", "2024-09-01", "3200.00", "0.00"),
        (1, "month7", "2025-03-01", "2400.00", "0.00"),
        (1, "balance", "2025-06-01", "2400.00", "0.00"),
        (1, "regularisation", "2025-07-11", "-666.67", "0.00"),
    ]


def test_r2021_rupture_in_the_twelfth_month_needs_no_closing_line():
    # Rupture 2025-08-15: m = 0…11 = 12 months begun → 8000 × 12 / 12 = 8000, already paid: the
    # closing line would be 0, so none is made; the year stays incomplete.
    result = schedule(signature_date="2024-08-20", start_date="2024-09-01", end_date="2026-08-31", rupture_date="2025-08-15")
    assert years(result) == [(1, "2024-09-01", "2025-08-15", 349, False, "8000.00", "0.00")]
    assert [line.kind.value for line in result.instalments] == ["advance", "month7", "balance"]


# ---------------------------------------------------------------------------------------------
# Frais annexes (D6332-83)


def test_frais_annexes_first_equipment_capped_at_500_in_year_one_only():
    # Year 1: 6 × 10 + 3 × 20 + min(650, 500) = 60 + 60 + 500 = 620 → Y = 8620:
    #   40 % = 3448, 30 % = 2586, 20 % = 1724, balance 8620 − 7758 = 862.
    # Year 2: 6 × 5 + 3 × 0 = 30, the equipment of year 2 is not paid → Y = 8030:
    #   40 % = 3212, 30 % = 2409, 20 % = 1606, balance 8030 − 7227 = 803.
    result = schedule(
        frais_annexes=(
            FraisAnnexes(year=1, nights=10, meals=20, first_equipment=Decimal("650")),
            FraisAnnexes(year=2, nights=5, first_equipment=Decimal("300")),
        )
    )
    assert [(money(y.amount), money(y.frais_annexes)) for y in result.years] == [("8000.00", "620.00"), ("8000.00", "30.00")]
    assert lines(result) == [
        (1, "advance", "2025-09-01", "3448.00", "0.00"),
        (1, "month7", "2026-03-01", "2586.00", "0.00"),
        (1, "month10", "2026-06-01", "1724.00", "0.00"),
        (1, "balance", "2026-09-01", "862.00", "0.00"),
        (2, "advance", "2026-09-01", "3212.00", "0.00"),
        (2, "month7", "2027-03-01", "2409.00", "0.00"),
        (2, "month10", "2027-06-01", "1606.00", "0.00"),
        (2, "balance", "2027-09-01", "803.00", "0.00"),
    ]


def test_first_equipment_under_the_cap_is_paid_in_full():
    result = schedule(frais_annexes=(FraisAnnexes(year=1, first_equipment=Decimal("499.99")),))
    assert money(result.years[0].frais_annexes) == "499.99"


def test_frais_annexes_are_not_prorated_on_rupture():
    # Rupture 2026-03-01 (182 days → 3989.04 as above) with 620 of frais annexes in year 1:
    # planned Y = 8620 → kept 3448 + 2586 = 6034; closing = 3989.04 + 620 − 6034 = −1424.96.
    result = schedule(
        rupture_date="2026-03-01", frais_annexes=(FraisAnnexes(year=1, nights=10, meals=20, first_equipment=Decimal("650")),)
    )
    assert years(result) == [(1, "2025-09-01", "2026-03-01", 182, False, "3989.04", "620.00")]
    assert lines(result) == [
        (1, "advance", "2025-09-01", "3448.00", "0.00"),
        (1, "month7", "2026-03-01", "2586.00", "0.00"),
        (1, "balance", "2026-03-02", "-1424.96", "0.00"),
    ]
    assert money(result.total_gross) == "4609.04"  # 3989.04 + 620


def test_frais_annexes_of_a_year_after_the_rupture_disappear_with_it():
    result = schedule(rupture_date="2026-03-01", frais_annexes=(FraisAnnexes(year=2, nights=10),))
    assert len(result.years) == 1
    assert money(result.total_gross) == "3989.04"


# ---------------------------------------------------------------------------------------------
# § 5 Employer participation (R6332-25-1, R6332-25 III 1°)


@pytest.mark.parametrize(
    ("changes", "participation"),
    [
        ({"certification_level": 6}, "750.00"),  # R6332-25-1 al. 1: 750 € from level 6
        ({"certification_level": 8}, "750.00"),
        ({"certification_level": 5}, "0.00"),  # below level 6: none
        ({"certification_level": 7, "signature_date": "2025-06-30"}, "0.00"),  # R2021: none
        # al. 3: 200 € after an L6222-18-2 rupture, whatever else happens.
        ({"certification_level": 6, "after_previous_rupture": True}, "200.00"),
        (
            {
                "certification_level": 6,
                "after_previous_rupture": True,
                "rupture_date": "2025-09-10",
                "rupture_during_probation": True,
            },
            "200.00",  # rather than 8000 × 0.5 × 10 / 365 = 109.59
        ),
        ({"certification_level": 5, "after_previous_rupture": True}, "0.00"),
        # al. 2: rupture in the 45 days: min(750, 50 % × base × days / 365).
        # 2025-09-01 → 2025-10-05 = 35 days; 9500 × 0.5 × 35 / 365 = 455.479… → 455.48.
        ({"certification_level": 7, "npec": "9500", "rupture_date": "2025-10-05", "rupture_during_probation": True}, "455.48"),
        # Base after minoration, without RQTH (house rule): 9500 × 0.80 = 7600;
        # 7600 × 0.5 × 35 / 365 = 364.383… → 364.38 (the 1000 of RQTH is left out).
        (
            {
                "certification_level": 7,
                "npec": "9500",
                "distance_learning_share": "0.90",
                "rqth_majoration": "1000",
                "rupture_date": "2025-10-05",
                "rupture_during_probation": True,
            },
            "364.38",
        ),
        # 45 days at NPEC 30000: 30000 × 0.5 × 45 / 365 = 1849.32 → capped at 750.
        ({"certification_level": 7, "npec": "30000", "rupture_date": "2025-10-15", "rupture_during_probation": True}, "750.00"),
        # A rupture outside the probation does not reduce it.
        ({"certification_level": 7, "rupture_date": "2025-10-05"}, "750.00"),
    ],
)
def test_employer_participation(changes, participation):
    assert money(schedule(**changes).employer_participation) == participation


def test_participation_comes_off_the_first_advance():
    # 3200 − 750 = 2450 (R6332-25 III 1°).
    result = schedule(certification_level=6, end_date="2026-08-31")
    assert lines(result)[0] == (1, "advance", "2025-09-01", "3200.00", "750.00")
    assert (money(result.total_gross), money(result.total_deduction), money(result.total_net)) == ("8000.00", "750.00", "7250.00")


def test_participation_larger_than_the_advance_spills_over_the_next_lines_across_years():
    # A = 500: year lines 200, 150, 100, 50. 750 = 200 + 150 + 100 + 50 (year 1, all absorbed)
    # + 200 (year 2 advance) + 50 (out of year 2's month7 of 150) — in the order of instalments[].
    result = schedule(certification_level=6, npec="500")
    assert lines(result) == [
        (1, "advance", "2025-09-01", "200.00", "200.00"),
        (1, "month7", "2026-03-01", "150.00", "150.00"),
        (1, "month10", "2026-06-01", "100.00", "100.00"),
        (1, "balance", "2026-09-01", "50.00", "50.00"),
        (2, "advance", "2026-09-01", "200.00", "200.00"),
        (2, "month7", "2027-03-01", "150.00", "50.00"),
        (2, "month10", "2027-06-01", "100.00", "0.00"),
        (2, "balance", "2027-09-01", "50.00", "0.00"),
    ]
    assert (money(result.total_deduction), money(result.total_net)) == ("750.00", "250.00")


def test_participation_that_no_line_can_absorb_is_not_deducted():
    # Short contract 2025-09-01 → 2025-10-31 = 61 days, NPEC 3000: 3000 × 61 / 365 = 501.369… → 501.37;
    # advance 50 % = 250.685 → 250.69, balance 250.68. 750 is due, only 501.37 can be deducted.
    result = schedule(certification_level=6, npec="3000", end_date="2025-10-31")
    assert lines(result) == [
        (1, "advance", "2025-09-01", "250.69", "250.69"),
        (1, "balance", "2025-11-01", "250.68", "250.68"),
    ]
    assert money(result.employer_participation) == "750.00"
    assert (money(result.total_deduction), money(result.total_net)) == ("501.37", "0.00")


def test_participation_is_never_deducted_from_a_negative_line():
    # Rupture 2025-10-05 (not in probation: 750 due). NPEC 1000: 1000 × 35 / 365 = 95.890… → 95.89;
    # kept advance 400 (40 % of 1000); closing 95.89 − 400 = −304.11. Only the advance absorbs: 400.
    result = schedule(certification_level=6, npec="1000", rupture_date="2025-10-05")
    assert lines(result) == [
        (1, "advance", "2025-09-01", "400.00", "400.00"),
        (1, "balance", "2025-10-06", "-304.11", "0.00"),
    ]
    assert (money(result.total_gross), money(result.total_deduction), money(result.total_net)) == ("95.89", "400.00", "-304.11")


def test_participation_is_never_deducted_from_a_zero_line():
    result = schedule(certification_level=6, npec="0")
    assert {line.gross for line in result.instalments} == {Decimal(0)}
    assert money(result.employer_participation) == "750.00"
    assert money(result.total_deduction) == "0.00"


# ---------------------------------------------------------------------------------------------
# Order of instalments


def test_previous_year_balance_comes_before_next_year_advance_on_the_same_day():
    result = schedule()
    same_day = [(line.year, line.kind.value) for line in result.instalments if line.due_date == date(2026, 9, 1)]
    assert same_day == [(1, "balance"), (2, "advance")]


def test_instalments_sort_by_due_date_then_year_then_kind():
    day, later = date(2026, 1, 1), date(2026, 1, 2)
    shuffled = [
        Instalment(1, Kind.REGULARISATION, day, Decimal(1)),
        Instalment(2, Kind.ADVANCE, day, Decimal(1)),
        Instalment(1, Kind.ADVANCE, later, Decimal(1)),
        Instalment(1, Kind.BALANCE, day, Decimal(1)),
        Instalment(1, Kind.MONTH10, day, Decimal(1)),
        Instalment(1, Kind.ADVANCE, day, Decimal(1)),
        Instalment(1, Kind.MONTH7, day, Decimal(1)),
    ]
    ordered = sorted(shuffled, key=Instalment.sort_key)
    assert [(line.due_date.day, line.year, line.kind.value) for line in ordered] == [
        (1, 1, "advance"),
        (1, 1, "month7"),
        (1, 1, "month10"),
        (1, 1, "balance"),
        (1, 1, "regularisation"),
        (1, 2, "advance"),
        (2, 1, "advance"),
    ]


def test_output_amounts_are_two_decimal_strings():
    # FINANCING.md « Interface »: a negative closing line keeps its sign, zero is "0.00".
    output = schedule_as_dict(schedule(rupture_date="2026-03-01"))
    assert [line["gross"] for line in output["instalments"]] == ["3200.00", "2400.00", "-1610.96"]
    assert output["employer_participation"] == "0.00"
