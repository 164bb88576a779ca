"""Input values of the funding engine (TRAINING_FUNDING.md « Interface »): amounts, integers, dates
and text, each read strictly with a French message naming the key. Pure: no ORM."""

import re
from datetime import date
from decimal import Decimal

AMOUNT_RE = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
IDCC_RE = re.compile(r"^[0-9]{4}$")
MAX_INTEGER = 1_000_000
AMOUNT_LIMIT = Decimal(1_000_000_000)
TWO_PLACES = Decimal("0.01")


class InvalidInput(ValueError):
    """An input the engine cannot read; `str(error)` is a French message naming the key."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"« {path} » : {reason}")


_ABSENT = object()


def amount(value, path: str, *, positive: bool = False, maximum: Decimal | None = None) -> Decimal:
    """A string `^[0-9]{1,9}(\\.[0-9]{1,2})?$` or a JSON number below 10⁹ with at most two decimals in its
    shortest decimal form; never negative, never a boolean; -0.0 reads as 0."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(path, "un montant est attendu (chaîne « 123.45 » ou nombre).")
    if isinstance(value, str):
        if not AMOUNT_RE.match(value):
            raise InvalidInput(path, f"montant invalide « {value} » (au plus 9 chiffres et 2 décimales, jamais négatif).")
        result = Decimal(value)
    elif isinstance(value, int):
        if value < 0 or value >= AMOUNT_LIMIT:
            raise InvalidInput(path, f"montant hors bornes : {value} (0 à moins de 10⁹).")
        result = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidInput(path, "montant invalide.")
        if value == 0:
            value = 0.0  # -0.0 reads as 0
        result = Decimal(repr(value))  # the shortest decimal form
        if result < 0 or result >= AMOUNT_LIMIT:
            raise InvalidInput(path, f"montant hors bornes : {value} (0 à moins de 10⁹).")
        if result.as_tuple().exponent < -2:
            raise InvalidInput(path, f"montant avec plus de deux décimales : {value}.")
    elif isinstance(value, Decimal):
        # A caller that parsed JSON numbers as Decimal: same bounds, same two decimals.
        if not value.is_finite() or value < 0 or value >= AMOUNT_LIMIT or value != value.quantize(TWO_PLACES):
            raise InvalidInput(path, f"montant invalide : {value}.")
        result = value + 0
    else:
        raise InvalidInput(path, "un montant est attendu (chaîne « 123.45 » ou nombre).")
    if positive and result <= 0:
        raise InvalidInput(path, "le montant doit être strictement positif.")
    if maximum is not None and result > maximum:
        raise InvalidInput(path, f"la valeur ne peut dépasser {maximum}.")
    return result


def integer(value, path: str, *, minimum: int = 0, maximum: int = MAX_INTEGER) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(path, "un nombre entier est attendu.")
    if value < minimum or value > maximum:
        raise InvalidInput(path, f"entier hors bornes : {value} (de {minimum} à {maximum}).")
    return value


def day(value, path: str) -> date:
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise InvalidInput(path, "une date AAAA-MM-JJ est attendue.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(path, f"« {value} » n'est pas un jour du calendrier.") from None


def text(value, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(path, "un texte non vide est attendu.")
    return value


def boolean(value, path: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(path, "true ou false est attendu.")
    return value


def choice(value, path: str, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise InvalidInput(path, f"valeur attendue parmi {', '.join(options)}.")
    return value


def text_list(value, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InvalidInput(path, "une liste est attendue.")
    return tuple(text(item, f"{path}[{i}]") for i, item in enumerate(value))


class Obj:
    """One JSON object read key by key: unknown keys are refused, `null` is an absent optional key, a key
    the object does not admit in that place is refused even when null."""

    def __init__(self, value, path: str, allowed: set[str]):
        if not isinstance(value, dict):
            raise InvalidInput(path or "racine", "un objet JSON est attendu.")
        self.data = value
        self.path = path
        for key in value:
            if key not in allowed:
                raise InvalidInput(self.sub(key), "clé inconnue ou non admise ici.")

    def sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return key in self.data

    def required(self, key: str, reader, **kwargs):
        value = self.data.get(key, _ABSENT)
        if value is _ABSENT or value is None:
            raise InvalidInput(self.sub(key), "clé obligatoire absente.")
        return reader(value, self.sub(key), **kwargs)

    def optional(self, key: str, reader, default=None, **kwargs):
        value = self.data.get(key)
        if value is None:
            return default
        return reader(value, self.sub(key), **kwargs)

    def refuse(self, key: str, reason: str) -> None:
        if key in self.data:
            raise InvalidInput(self.sub(key), reason)
