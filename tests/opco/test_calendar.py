"""The one calendar: calendar days, months, « jours ouvrables » / « ouvrés » with the zone's public
holidays (read from the referentials' file, or from a fake provider), and the deadline clocks."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opco import calendar
from opco.calendar import (
    CALENDAR_DAYS,
    MONTHS,
    OUVRABLES,
    OUVRES,
    Deadline,
    NoHolidayProvider,
    SilenceMeans,
    add_days,
    add_months,
    add_working_days,
    is_working_day,
    register_holiday_provider,
)

# A fake calendar for the tests that need no database: métropole's 2026 holidays and a 2027 New Year.
FAKE_HOLIDAYS = {
    "metropole": {
        date(2026, 1, 1),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
        date(2027, 1, 1),
    },
}


@pytest.fixture
def fake_provider():
    """Registers a fake holiday provider that records each call, and puts the real one back after."""
    calls = []

    def provider(start, end, zone):
        calls.append((start, end, zone))
        return {day for day in FAKE_HOLIDAYS.get(zone, set()) if start <= day <= end}

    previous = register_holiday_provider(provider)
    yield calls
    register_holiday_provider(previous)


# --- Calendar days and months ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 2, 28), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 2, 28), 1, date(2025, 3, 1)),
        (date(2024, 2, 10), 20, date(2024, 3, 1)),
        (date(2025, 2, 10), 20, date(2025, 3, 2)),
        (date(2025, 12, 15), 20, date(2026, 1, 4)),
        (date(2024, 3, 1), -1, date(2024, 2, 29)),
        (date(2025, 6, 30), 0, date(2025, 6, 30)),
    ],
)
def test_add_days_counts_calendar_days(start, n, expected):
    assert add_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # clipped to the end of a leap February
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 8, 31), 1, date(2025, 9, 30)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 11, 30), 2, date(2026, 1, 30)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
    ],
)
def test_add_months_clips_to_the_last_day_of_the_month(start, n, expected):
    assert add_months(start, n) == expected


# --- Working days with the referentials' holidays (the registered provider) ---------------------------
@pytest.mark.parametrize(
    ("start", "n", "zone", "kind", "expected"),
    [
        # D6224-1's 5 jours ouvrables from Thursday 2 April 2026: Easter Monday (6 April) is off everywhere,
        # Good Friday (3 April) only in Alsace-Moselle.
        (date(2026, 4, 2), 5, "metropole", OUVRABLES, date(2026, 4, 9)),
        (date(2026, 4, 2), 5, "alsace-moselle", OUVRABLES, date(2026, 4, 10)),
        (date(2026, 4, 2), 5, "metropole", OUVRES, date(2026, 4, 10)),
        # Ascension (Thursday 14 May 2026): Saturday counts as « ouvrable », not as « ouvré ».
        (date(2026, 5, 13), 5, "metropole", OUVRABLES, date(2026, 5, 20)),
        (date(2026, 5, 13), 5, "metropole", OUVRES, date(2026, 5, 21)),
        # Whit Monday (25 May 2026).
        (date(2026, 5, 22), 1, "metropole", OUVRES, date(2026, 5, 26)),
        (date(2026, 5, 22), 1, "metropole", OUVRABLES, date(2026, 5, 23)),
        (date(2026, 5, 23), 1, "metropole", OUVRABLES, date(2026, 5, 26)),
        # A holiday on a Saturday: Assomption 2026, Toussaint 2025 — one « jour ouvrable » fewer that week.
        (date(2026, 8, 14), 1, "metropole", OUVRABLES, date(2026, 8, 17)),
        (date(2026, 8, 7), 1, "metropole", OUVRABLES, date(2026, 8, 8)),
        (date(2025, 10, 31), 1, "metropole", OUVRABLES, date(2025, 11, 3)),
        # Christmas, and Alsace-Moselle's 26 December (a Saturday in 2026).
        (date(2026, 12, 24), 3, "metropole", OUVRABLES, date(2026, 12, 29)),
        (date(2026, 12, 24), 3, "alsace-moselle", OUVRABLES, date(2026, 12, 30)),
        # Across a year end: New Year's Day 2027 (a Friday).
        (date(2026, 12, 30), 3, "metropole", OUVRES, date(2027, 1, 5)),
        # Around 29 February 2028 (a Tuesday).
        (date(2028, 2, 26), 2, "metropole", OUVRES, date(2028, 2, 29)),
        (date(2028, 2, 28), 2, "metropole", OUVRABLES, date(2028, 3, 1)),
        # Counting back: the working day before Tuesday 7 April 2026.
        (date(2026, 4, 7), -1, "metropole", OUVRES, date(2026, 4, 3)),
        (date(2026, 4, 7), -1, "alsace-moselle", OUVRES, date(2026, 4, 2)),
        (date(2026, 4, 7), -1, "alsace-moselle", OUVRABLES, date(2026, 4, 4)),
        (date(2026, 4, 6), 0, "metropole", OUVRES, date(2026, 4, 6)),
    ],
)
def test_add_working_days_with_the_zone_holidays(load, start, n, zone, kind, expected):
    load("holidays")
    assert add_working_days(start, n, zone=zone, kind=kind) == expected


@pytest.mark.parametrize(
    ("day", "zone", "ouvrable", "ouvre"),
    [
        (date(2026, 5, 23), "metropole", True, False),  # a Saturday
        (date(2026, 5, 24), "metropole", False, False),  # a Sunday
        (date(2026, 5, 25), "metropole", False, False),  # Whit Monday
        (date(2026, 5, 26), "metropole", True, True),
        (date(2026, 8, 15), "metropole", False, False),  # Assomption on a Saturday
        (date(2026, 4, 3), "metropole", True, True),
        (date(2026, 4, 3), "alsace-moselle", False, False),  # Good Friday
        (date(2024, 2, 29), "metropole", True, True),
    ],
)
def test_is_working_day(load, day, zone, ouvrable, ouvre):
    load("holidays")
    assert is_working_day(day, zone=zone, kind=OUVRABLES) is ouvrable
    assert is_working_day(day, zone=zone, kind=OUVRES) is ouvre


def test_the_referentials_register_their_holidays_as_the_provider():
    from referentials.selectors import public_holidays_between

    assert calendar._holiday_provider is public_holidays_between


# --- The provider: read once per (zone, year), required -----------------------------------------------
def test_holidays_are_read_once_per_zone_and_year_within_a_call(fake_provider):
    # 30 December 2026 + 30 jours ouvrés runs into February 2027: two years, two reads.
    assert add_working_days(date(2026, 12, 30), 30, zone="metropole", kind=OUVRES) == date(2027, 2, 11)
    assert fake_provider == [
        (date(2026, 1, 1), date(2026, 12, 31), "metropole"),
        (date(2027, 1, 1), date(2027, 12, 31), "metropole"),
    ]


def test_without_a_provider_counting_working_days_is_refused_not_guessed():
    previous = register_holiday_provider(None)
    try:
        with pytest.raises(NoHolidayProvider, match="Aucun calendrier des jours fériés"):
            add_working_days(date(2026, 4, 2), 5, zone="metropole", kind=OUVRABLES)
        with pytest.raises(NoHolidayProvider):
            is_working_day(date(2026, 4, 6), zone="metropole", kind=OUVRES)
        # Calendar days and months need no holidays.
        assert add_days(date(2026, 4, 2), 5) == date(2026, 4, 7)
        assert Deadline(2, MONTHS, "R6332-24", SilenceMeans.NOTHING, label="Rejet").due_on(date(2026, 4, 2)) == date(2026, 6, 2)
    finally:
        register_holiday_provider(previous)


def test_an_unknown_kind_of_working_day_is_refused(fake_provider):
    with pytest.raises(ValueError, match="Type de jours ouvrables inconnu"):
        add_working_days(date(2026, 4, 2), 1, zone="metropole", kind=MONTHS)
    with pytest.raises(ValueError, match="Type de jours ouvrables inconnu"):
        is_working_day(date(2026, 4, 2), zone="metropole", kind="lundi")


def _working_days_between(start: date, end: date, kind) -> int:
    """Working days in (start, end], counted one by one with is_working_day."""
    return sum(is_working_day(start + timedelta(days=k), zone="metropole", kind=kind) for k in range(1, (end - start).days + 1))


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=1, max_value=40),
    kind=st.sampled_from([OUVRABLES, OUVRES]),
)
def test_the_nth_working_day_is_a_working_day_with_exactly_n_before_it(start, n, kind):
    previous = register_holiday_provider(lambda s, e, zone: {d for d in FAKE_HOLIDAYS[zone] if s <= d <= e})
    try:
        end = add_working_days(start, n, zone="metropole", kind=kind)
        assert is_working_day(end, zone="metropole", kind=kind)
        assert _working_days_between(start, end, kind) == n
        # Counting back n from there lands on the last working day on or before start.
        back = add_working_days(end, -n, zone="metropole", kind=kind)
        assert back <= start and _working_days_between(back, start, kind) == 0
        if is_working_day(start, zone="metropole", kind=kind):
            assert back == start
    finally:
        register_holiday_provider(previous)


# --- Deadlines a file kind declares -------------------------------------------------------------------
APPRENTICESHIP = Deadline(
    20,
    CALENDAR_DAYS,
    "R6224-3",
    SilenceMeans.REFUSAL,
    label="Décision de prise en charge du contrat d'apprentissage",
    starts_from="à compter du dossier complet",
)
PROFESSIONALISATION = Deadline(
    20,
    CALENDAR_DAYS,
    "D6325-2",
    SilenceMeans.ACCEPTANCE,
    label="Décision de prise en charge du contrat de professionnalisation",
    starts_from="à compter de la réception du contrat",
)
# R6332-24: « La décision de rejet total ou partiel […] est motivée et notifiée dans un délai de deux
# mois » — the article gives silence no meaning.
FUNDING_REFUSAL = Deadline(
    2,
    MONTHS,
    "R6332-24",
    SilenceMeans.NOTHING,
    label="Notification d'un rejet motivé de demande de prise en charge",
    starts_from="à compter de la demande",
)
DEPOSIT = Deadline(5, OUVRABLES, "D6224-1", SilenceMeans.NOTHING, label="Transmission du contrat", starts_from="après son début")


def test_deadline_descriptions_are_french_and_cite_their_article():
    assert APPRENTICESHIP.description == "20 jours calendaires à compter du dossier complet (R6224-3) ; le silence vaut refus"
    assert PROFESSIONALISATION.description == (
        "20 jours calendaires à compter de la réception du contrat (D6325-2) ; le silence vaut acceptation"
    )
    assert FUNDING_REFUSAL.description == "2 mois à compter de la demande (R6332-24) ; le silence ne vaut pas décision"
    assert DEPOSIT.description == "5 jours ouvrables après son début (D6224-1) ; le silence ne vaut pas décision"
    assert str(APPRENTICESHIP) == (
        "Décision de prise en charge du contrat d'apprentissage : "
        "20 jours calendaires à compter du dossier complet (R6224-3) ; le silence vaut refus"
    )
    one_day = Deadline(1, OUVRES, "X", SilenceMeans.NOTHING, label="Essai")
    assert one_day.length_text == "1 jour ouvré"
    assert Deadline(1, MONTHS, "X", "refusal", label="Essai").description == "1 mois (X) ; le silence vaut refus"


@pytest.mark.parametrize(
    ("deadline", "start", "zone", "expected"),
    [
        (APPRENTICESHIP, date(2025, 9, 2), "metropole", date(2025, 9, 22)),
        (APPRENTICESHIP, date(2025, 12, 15), "metropole", date(2026, 1, 4)),
        (APPRENTICESHIP, date(2024, 2, 10), "metropole", date(2024, 3, 1)),
        (PROFESSIONALISATION, date(2026, 2, 9), "metropole", date(2026, 3, 1)),
        (FUNDING_REFUSAL, date(2025, 12, 31), "metropole", date(2026, 2, 28)),
        (FUNDING_REFUSAL, date(2027, 12, 31), "metropole", date(2028, 2, 29)),
        (FUNDING_REFUSAL, date(2026, 3, 15), "metropole", date(2026, 5, 15)),
        (DEPOSIT, date(2026, 4, 2), "metropole", date(2026, 4, 9)),
        (DEPOSIT, date(2026, 4, 2), "alsace-moselle", date(2026, 4, 10)),
        (DEPOSIT, date(2026, 5, 13), "metropole", date(2026, 5, 20)),
    ],
)
def test_deadline_due_dates(load, deadline, start, zone, expected):
    load("holidays")
    assert deadline.due_on(start, zone=zone) == expected


def test_a_deadline_is_frozen_and_lasts_at_least_one_unit():
    with pytest.raises(ValueError, match="au moins un jour"):
        Deadline(0, CALENDAR_DAYS, "R6224-3", SilenceMeans.REFUSAL, label="Essai")
    with pytest.raises(ValueError):
        Deadline(3, "weeks", "R6224-3", SilenceMeans.REFUSAL, label="Essai")
    with pytest.raises(AttributeError):
        APPRENTICESHIP.length = 30  # type: ignore[misc]
