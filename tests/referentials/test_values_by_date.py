from datetime import date
from decimal import Decimal

import pytest

from referentials.selectors import add_working_days, legal_parameter_on

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "on", "expected"),
    [
        ("smic_hourly", date(2024, 10, 31), "11.65"),
        ("smic_hourly", date(2024, 11, 1), "11.88"),
        ("smic_hourly", date(2025, 6, 15), "11.88"),
        ("smic_hourly", date(2025, 12, 31), "11.88"),
        ("smic_hourly", date(2026, 1, 1), "12.02"),
        ("smic_monthly", date(2025, 2, 28), "1801.80"),
        ("smic_monthly", date(2026, 2, 28), "1823.03"),
        ("smic_monthly", date(2026, 5, 31), "1823.03"),
        ("smic_monthly", date(2026, 6, 1), "1867.02"),  # arrêté du 22 mai 2026
        ("smic_monthly", date(2028, 2, 29), "1867.02"),
    ],
)
def test_smic_by_date(load, key, on, expected):
    load("legal_parameters")
    assert legal_parameter_on(key, on) == Decimal(expected)


def test_no_value_before_the_first_one(load):
    load("legal_parameters")
    with pytest.raises(LookupError, match="smic_hourly"):
        legal_parameter_on("smic_hourly", date(2020, 12, 31))  # the history starts on 1 January 2021


def test_working_days_skip_weekends_and_the_zone_holidays(load):
    load("holidays")
    # Thursday 24 December 2026 + 1 working day: 25 (Christmas) is off everywhere → Monday 28 in
    # Alsace-Moselle (26 December is a holiday there, and a Saturday anyway); Monday 28 in métropole.
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    # Thursday 2 April 2026 + 1: Good Friday (3 April) is a holiday only in Alsace-Moselle.
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 3)
    assert add_working_days(date(2026, 4, 2), 1, zone="alsace-moselle") == date(2026, 4, 7)
    # 20 working days from Friday 1 May 2026 (8 May, 14 May Ascension, 25 May Whit Monday are off).
    # May: 4-7, 11-13, 15, 18-22, 26-29 (17 days), then 1, 2, 3 June.
    assert add_working_days(date(2026, 5, 1), 20) == date(2026, 6, 3)
