"""Money is Decimal, rounded half up to the cent by this one helper (DESIGN.md); never float.
Integer cents exist only at the SEPA boundary (`to_cents`)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(amount: Decimal | int | str) -> Decimal:
    """Round half up to the cent: 0.005 → 0.01, -0.005 → -0.01."""
    if isinstance(amount, float):
        raise TypeError("Un montant ne se calcule jamais en float : utilisez Decimal.")
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """Integer cents of an amount already rounded to the cent (SEPA files)."""
    rounded = round_money(amount)
    if rounded != amount:
        raise ValueError(f"{amount} n'est pas arrondi au centime.")
    return int(rounded * 100)


def euros(amount: Decimal | int, *, thousands: str = "\u202f") -> str:
    """The one euro formatter: 1000000 → « 1 000 000,00 € » (narrow no-break spaces between
    thousands, sign kept, rounded half up to the cent). `thousands=" "` where a font lacks the
    narrow space (PDF)."""
    value = round_money(amount)
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    return f"{sign}{int(whole):,}".replace(",", thousands) + f",{cents} €"
