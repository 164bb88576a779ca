"""The simulator's interface (FINANCING.md « Interface »): a JSON object in, a JSON object out.

`parse_request` turns the input into typed values or raises `InvalidInput` with French messages
naming the field; `schedule_as_dict` writes the output with amounts as two-decimal strings and ISO
dates. The three doors (page, API, command) all go through `simulate`.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from contracts.financing.engine import (
    FinancingError,
    FinancingInput,
    FraisAnnexes,
    NpecSource,
    Schedule,
    amorcage_for,
    compute_schedule,
)

REQUIRED = ("signature_date", "start_date", "end_date", "certification_level")
KNOWN = {
    *REQUIRED,
    "npec",
    "rncp",
    "idcc",
    "cpne",
    "distance_learning_share",
    "distance_exempt",
    "rqth_majoration",
    "frais_annexes",
    "cfa_declared_on",
    "shortened_duration",
    "rupture_date",
    "rupture_during_probation",
    "after_previous_rupture",
}
FRAIS_KEYS = {"year", "nights", "meals", "first_equipment"}
# Far above any NPEC; bounds the digits Decimal must handle (a « 1e30 » is refused, not a crash).
MAX_AMOUNT = Decimal("10000000")


class InvalidInput(ValueError):
    """Bad input; `errors` maps each field to its French message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ; ".join(f"{field} : {message}" for field, message in errors.items()))


@dataclass(frozen=True)
class SimulationRequest:
    """The parsed input: the engine's input but for the NPEC, which may still have to be resolved."""

    engine_input: FinancingInput
    npec: Decimal | None
    rncp: str
    idcc: str
    cpne: str


@dataclass(frozen=True)
class NpecResolution:
    """What the referential says: an amount (None: none published, or NC), where it came from, and
    the valeur d'amorçage in force for the level (None: the engine's legal default)."""

    amount: Decimal | None
    source_label: str = ""
    amorcage: Decimal | None = None
    distance_exempt: bool = False


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("une date au format AAAA-MM-JJ est attendue")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"« {value} » n'est pas une date valide (AAAA-MM-JJ)")


def _bounded_decimal(value: Any, *, expected: str, noun: str, negative: str, maximum: Decimal, too_big: str) -> Decimal:
    """A non-negative number with at most two decimals, read from JSON (amounts, hours)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(expected)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"« {value} » n'est pas {noun}")
    if not number.is_finite():
        raise ValueError(f"« {value} » n'est pas {noun}")
    if number < 0:
        raise ValueError(negative)
    if number > maximum:
        raise ValueError(too_big)
    if number != number.quantize(Decimal("0.01")):
        raise ValueError("au plus deux décimales")
    return number


def _amount(value: Any) -> Decimal:
    return _bounded_decimal(
        value,
        expected="un montant est attendu (nombre ou chaîne)",
        noun="un montant",
        negative="le montant ne peut pas être négatif",
        maximum=MAX_AMOUNT,
        too_big="montant trop grand",
    )


def _share(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("une part entre 0 et 1 est attendue")
    try:
        share = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"« {value} » n'est pas un nombre")
    if not share.is_finite() or not 0 <= share <= 1:
        raise ValueError("la part doit être comprise entre 0 et 1")
    return share


def _integer(value: Any, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("un nombre entier est attendu")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"un entier de {low} à {high} est attendu" if high is not None else f"un entier ≥ {low} est attendu")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true ou false est attendu")
    return value


def _code(value: Any) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError("un code est attendu")
    return str(value).strip().upper()


def parse_request(data: Any) -> SimulationRequest:
    if not isinstance(data, dict):
        raise InvalidInput({"entrée": "un objet JSON est attendu"})
    values = {key: value for key, value in data.items() if value is not None}  # null = absent
    errors: dict[str, str] = {}
    for key in sorted(set(values) - KNOWN):
        errors[key] = "champ inconnu"
    for key in REQUIRED:
        if key not in values:
            errors[key] = "champ obligatoire"

    parsed: dict[str, Any] = {}

    def take(key: str, parser: Callable[[Any], Any]) -> None:
        if key in values:
            try:
                parsed[key] = parser(values[key])
            except ValueError as exc:
                errors[key] = str(exc)

    for key in ("signature_date", "start_date", "end_date", "cfa_declared_on", "rupture_date"):
        take(key, _date)
    take("certification_level", lambda v: _integer(v, 3, 8))
    take("npec", _amount)
    take("rqth_majoration", _amount)
    take("distance_learning_share", _share)
    for key in ("distance_exempt", "shortened_duration", "rupture_during_probation", "after_previous_rupture"):
        take(key, _boolean)
    for key in ("rncp", "idcc", "cpne"):
        take(key, _code)
    take("frais_annexes", _frais_annexes)

    if parsed.get("rupture_during_probation") and "rupture_date" not in values:
        errors["rupture_during_probation"] = "une rupture pendant la période d'essai demande une date de rupture"
    if errors:
        raise InvalidInput(errors)

    npec = parsed.get("npec")
    engine_input = FinancingInput(
        signature_date=parsed["signature_date"],
        start_date=parsed["start_date"],
        end_date=parsed["end_date"],
        certification_level=parsed["certification_level"],
        npec=npec if npec is not None else Decimal(0),
        distance_learning_share=parsed.get("distance_learning_share", Decimal(0)),
        distance_exempt=parsed.get("distance_exempt", False),
        rqth_majoration=parsed.get("rqth_majoration", Decimal(0)),
        frais_annexes=parsed.get("frais_annexes", ()),
        cfa_declared_on=parsed.get("cfa_declared_on"),
        shortened_duration=parsed.get("shortened_duration", False),
        rupture_date=parsed.get("rupture_date"),
        rupture_during_probation=parsed.get("rupture_during_probation", False),
        after_previous_rupture=parsed.get("after_previous_rupture", False),
    )
    return SimulationRequest(engine_input, npec, parsed.get("rncp", ""), parsed.get("idcc", ""), parsed.get("cpne", ""))


def _frais_annexes(value: Any) -> tuple[FraisAnnexes, ...]:
    if not isinstance(value, list):
        raise ValueError("une liste d'objets {year, nights, meals, first_equipment} est attendue")
    entries, seen = [], set()
    for position, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ValueError(f"l'élément {position} doit être un objet")
        item = {k: v for k, v in item.items() if v is not None}
        unknown = set(item) - FRAIS_KEYS
        if unknown:
            raise ValueError(f"l'élément {position} a des champs inconnus : {', '.join(sorted(unknown))}")
        if "year" not in item:
            raise ValueError(f"l'élément {position} doit indiquer l'année du contrat (year)")
        try:
            year = _integer(item["year"], 1)
            nights = _integer(item.get("nights", 0), 0)
            meals = _integer(item.get("meals", 0), 0)
            equipment = _amount(item.get("first_equipment", 0))
        except ValueError as exc:
            raise ValueError(f"élément {position} : {exc}")
        if year in seen:
            raise ValueError(f"deux éléments pour l'année {year}")
        seen.add(year)
        entries.append(FraisAnnexes(year, nights, meals, equipment))
    return tuple(entries)


def simulate(data: Any, resolve_npec: Callable[[SimulationRequest], NpecResolution] | None = None) -> tuple[Schedule, str]:
    """Parse, resolve the NPEC (input, else the referential, else the valeur d'amorçage), compute.
    Returns the schedule and a French description of where the NPEC came from."""
    request = parse_request(data)
    engine_input = request.engine_input
    resolution = resolve_npec(request) if resolve_npec else NpecResolution(None)
    if resolution.distance_exempt and not engine_input.distance_exempt:
        engine_input = replace(engine_input, distance_exempt=True)  # on the arrêté's list
    if request.npec is not None:
        engine_input = replace(engine_input, npec=request.npec, npec_source=NpecSource.INPUT)
        label = "NPEC saisi"
    elif resolution.amount is not None:
        engine_input = replace(engine_input, npec=resolution.amount, npec_source=NpecSource.REFERENTIEL)
        label = resolution.source_label
    else:
        level = engine_input.certification_level
        amount = resolution.amorcage if resolution.amorcage is not None else amorcage_for(level)
        engine_input = replace(engine_input, npec=amount, npec_source=NpecSource.AMORCAGE)
        label = resolution.source_label or f"valeur d'amorçage du niveau {level} (D6332-80, arrêté du 31 août 2022)"
    try:
        return compute_schedule(engine_input), label
    except FinancingError as exc:
        raise InvalidInput({"contrat": str(exc)})


def _money(amount: Decimal) -> str:
    return f"{(amount + 0).quantize(Decimal('0.01')):.2f}".replace("-0.00", "0.00")


def schedule_as_dict(schedule: Schedule) -> dict[str, Any]:
    return {
        "regime": schedule.regime.value,
        "npec": _money(schedule.npec),
        "npec_source": schedule.npec_source.value,
        "annual_amount": _money(schedule.annual_amount),
        "years": [
            {
                "index": year.index,
                "start": year.start.isoformat(),
                "end": year.end.isoformat(),
                "days": year.days,
                "complete": year.complete,
                "amount": _money(year.amount),
                "frais_annexes": _money(year.frais_annexes),
            }
            for year in schedule.years
        ],
        "employer_participation": _money(schedule.employer_participation),
        "instalments": [
            {
                "year": line.year,
                "kind": line.kind.value,
                "due_date": line.due_date.isoformat(),
                "gross": _money(line.gross),
                "deduction": _money(line.deduction),
                "net": _money(line.net),
            }
            for line in schedule.instalments
        ],
        "total_gross": _money(schedule.total_gross),
        "total_deduction": _money(schedule.total_deduction),
        "total_net": _money(schedule.total_net),
    }
