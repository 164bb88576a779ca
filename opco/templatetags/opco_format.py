"""The house's number formats in every template (a builtin: no {% load %} needed).

`{{ amount|euros }}` → « 5 621,00 € » through `opco.money.euros`, the one euro formatter: every amount
on a screen reads the same (never « 5621.00 € » or « 7000,00 € » beside « 180 000,00 € »). An empty
amount reads « — »."""

from decimal import Decimal, InvalidOperation

from django import template

from opco.money import euros as format_euros

register = template.Library()


@register.filter
def euros(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        return str(value)
    return format_euros(amount)
