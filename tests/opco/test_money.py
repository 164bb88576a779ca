from decimal import Decimal

import pytest

from opco.money import round_money, to_cents


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("-0.005", "-0.01"), ("2187.495", "2187.50"), ("10", "10.00"), (3, "3.00")],
)
def test_round_half_up_to_the_cent(amount, expected):
    assert round_money(Decimal(amount) if isinstance(amount, str) else amount) == Decimal(expected)


def test_float_is_refused():
    with pytest.raises(TypeError):
        round_money(0.1)


def test_cents_only_of_rounded_amounts():
    assert to_cents(Decimal("1234.56")) == 123456
    assert to_cents(Decimal("-0.01")) == -1
    with pytest.raises(ValueError):
        to_cents(Decimal("1.005"))
