"""The one euro format in every template (`|euros`, a builtin over opco.money.euros): « 5 621,00 € »,
never « 5621.00 € » nor « 7000,00 € »; an empty amount reads « — »."""

from decimal import Decimal

import pytest
from django.template import engines

NNBSP = "\u202f"


def render(value) -> str:
    return engines["django"].from_string("{{ amount|euros }}").render({"amount": value})


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("5621"), f"5{NNBSP}621,00 €"),
        (Decimal("7000.00"), f"7{NNBSP}000,00 €"),
        (Decimal("180000"), f"180{NNBSP}000,00 €"),
        (Decimal("-100.25"), "-100,25 €"),
        (Decimal("0.005"), "0,01 €"),  # half up, by opco.money.round_money
        (1234, f"1{NNBSP}234,00 €"),
        ("2188.00", f"2{NNBSP}188,00 €"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_the_euros_filter(value, shown):
    assert render(value) == shown


def test_no_template_writes_an_amount_before_a_euro_sign_without_the_filter():
    """Hunt: « {{ x }} € » or « {{ x|floatformat }} € » anywhere in the templates."""
    import re
    from pathlib import Path

    from django.conf import settings

    pattern = re.compile(r"\{\{(?![^}]*\|euros)[^}]*\}\}(?:\s|&nbsp;)*€")
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
        for path in Path(settings.BASE_DIR).rglob("*.html")
        if ".venv" not in path.parts
        for match in pattern.finditer(path.read_text())
    ]
    assert found == []
