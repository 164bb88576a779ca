"""Financing of a contrat de professionnalisation (RULES.md §2.1), pure functions.

The simulator's input is a JSON object with `"contrat": "professionnalisation"` (issue 6): the
forfait horaire of the training (the branch's, else the legal default of D6332-86), the tutoring aid
(D6332-93 1°) and the tutor's training (D6332-92). Nothing here reads the database: the branch's
hourly rate, when one is known, is passed in as a value by the caller.

Amounts are Decimal, rounded half up to the cent by `opco.money.round_money`; the output writes them
as two-decimal strings. Bad input raises `InvalidInput` with French messages naming the field, as the
apprenticeship simulator does.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from dateutil.relativedelta import relativedelta

from contracts.financing.engine import Instalment
from contracts.financing.io import InvalidInput, _amount, _boolean, _bounded_decimal, _code, _date, _integer
from opco.money import round_money

CONTRAT = "professionnalisation"

# D6332-86 (décret n° 2020-1122, art. 2): the default forfait applies to contracts concluded from this date.
D6332_86_FROM = date(2020, 10, 1)
# D6332-86: without a forfait set by the branch (D6332-85), 9,15 € per hour of training…
DEFAULT_RATE = Decimal("9.15")
# … or 15 € per hour for the L6325-1-1 public and people on a GEIQ insertion path (L1253-1).
PRIORITY_RATE = Decimal("15.00")
# D6332-93 1°: tutoring, 230 € a month per employee for at most six months…
TUTORAT_MONTHLY = Decimal("230.00")
TUTORAT_MAX_MONTHS = 6
# … majorated by 50 % when the tutor is 45 or older or supports an L6325-1-1 person.
TUTORAT_MAJORATION = Decimal("1.5")
TUTORAT_MAJORATION_AGE = 45
# D6332-92: training as a tutor, 15 € per hour for at most 40 hours.
TUTOR_TRAINING_RATE = Decimal("15.00")
TUTOR_TRAINING_MAX_HOURS = 40

REQUIRED = ("signature_date", "start_date", "end_date", "heures_formation")
KNOWN = {
    "contrat",
    *REQUIRED,
    "forfait_horaire",
    "idcc",
    "public_prioritaire",
    "geiq",
    "tuteur",
    "tutorat_mois",
}
TUTEUR_KEYS = {"age", "formation_heures"}
# Far above any real programme; bounds the digits Decimal must handle.
MAX_HOURS = Decimal("100000")


class ForfaitSource(StrEnum):
    INPUT = "input"  # forfait_horaire given in the request
    BRANCHE = "branche"  # the branch's hourly forfait (D6332-85)
    DEFAUT = "defaut"  # the legal default (D6332-86)


@dataclass(frozen=True)
class Tuteur:
    age: int | None = None
    formation_heures: Decimal = Decimal(0)


@dataclass(frozen=True)
class ProfessionalisationInput:
    signature_date: date
    start_date: date
    end_date: date
    heures_formation: Decimal
    forfait_horaire: Decimal | None = None
    idcc: str = ""
    public_prioritaire: bool = False
    geiq: bool = False
    tuteur: Tuteur | None = None
    tutorat_mois: int = 0


@dataclass(frozen=True)
class ProfessionalisationFinancing:
    forfait_horaire: Decimal
    forfait_source: ForfaitSource
    formation: Decimal
    tutorat: Decimal
    formation_tuteur: Decimal

    @property
    def total(self) -> Decimal:
        return self.formation + self.tutorat + self.formation_tuteur


def is_professionalisation(data: Any) -> bool:
    return isinstance(data, dict) and data.get("contrat") == CONTRAT


def _hours(value: Any) -> Decimal:
    return _bounded_decimal(
        value,
        expected="un nombre d'heures est attendu",
        noun="un nombre d'heures",
        negative="le nombre d'heures ne peut pas être négatif",
        maximum=MAX_HOURS,
        too_big="nombre d'heures trop grand",
    )


def _tuteur(value: Any) -> Tuteur:
    if not isinstance(value, dict):
        raise ValueError("un objet {age, formation_heures} est attendu")
    value = {k: v for k, v in value.items() if v is not None}
    unknown = set(value) - TUTEUR_KEYS
    if unknown:
        raise ValueError(f"champs inconnus : {', '.join(sorted(unknown))}")
    try:
        age = _integer(value["age"], 18, 99) if "age" in value else None
    except ValueError as exc:
        raise ValueError(f"age : {exc}")
    try:
        heures = _hours(value.get("formation_heures", 0))
    except ValueError as exc:
        raise ValueError(f"formation_heures : {exc}")
    return Tuteur(age, heures)


def parse_professionalisation(data: Any) -> ProfessionalisationInput:
    if not isinstance(data, dict):
        raise InvalidInput({"entrée": "un objet JSON est attendu"})
    values = {key: value for key, value in data.items() if value is not None}  # null = absent
    errors: dict[str, str] = {}
    for key in sorted(set(values) - KNOWN):
        errors[key] = "champ inconnu"
    if values.get("contrat") != CONTRAT:
        errors["contrat"] = f"« {CONTRAT} » est attendu"
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

    for key in ("signature_date", "start_date", "end_date"):
        take(key, _date)
    take("heures_formation", _hours)
    take("forfait_horaire", _amount)
    take("idcc", _code)
    take("public_prioritaire", _boolean)
    take("geiq", _boolean)
    take("tuteur", _tuteur)
    take("tutorat_mois", lambda v: _integer(v, 0, 120))

    start, end, signature = parsed.get("start_date"), parsed.get("end_date"), parsed.get("signature_date")
    if start and end and end < start:
        errors["end_date"] = "la date de fin prévue précède la date de début d'exécution"
    if signature and signature < D6332_86_FROM:
        errors["signature_date"] = "seuls les contrats conclus à compter du 1er octobre 2020 sont simulés (D6332-86)"
    tuteur = parsed.get("tuteur")
    if parsed.get("tutorat_mois") and (tuteur is None or tuteur.age is None) and "tuteur" not in errors:
        errors["tuteur"] = "l'âge du tuteur (age) est nécessaire pour calculer l'aide au tutorat"
    if errors:
        raise InvalidInput(errors)

    return ProfessionalisationInput(
        signature_date=parsed["signature_date"],
        start_date=parsed["start_date"],
        end_date=parsed["end_date"],
        heures_formation=parsed["heures_formation"],
        forfait_horaire=parsed.get("forfait_horaire"),
        idcc=parsed.get("idcc", ""),
        public_prioritaire=parsed.get("public_prioritaire", False),
        geiq=parsed.get("geiq", False),
        tuteur=tuteur,
        tutorat_mois=parsed.get("tutorat_mois", 0),
    )


def forfait_for(request: ProfessionalisationInput, branch_rate: Decimal | None = None) -> tuple[Decimal, ForfaitSource]:
    """The hourly forfait: the one given in the request, else the branch's (D6332-85), else the legal
    default of D6332-86: 15 €/h for the L6325-1-1 public and GEIQ paths, 9,15 €/h otherwise."""
    if request.forfait_horaire is not None:
        return request.forfait_horaire, ForfaitSource.INPUT
    if branch_rate is not None:
        return branch_rate, ForfaitSource.BRANCHE
    if request.public_prioritaire or request.geiq:
        return PRIORITY_RATE, ForfaitSource.DEFAUT
    return DEFAULT_RATE, ForfaitSource.DEFAUT


def tutorat_for(request: ProfessionalisationInput) -> Decimal:
    """D6332-93 1°: 230 € a month for at most six months, +50 % (345 €) when the tutor is 45 or older
    or supports an L6325-1-1 person."""
    months = min(request.tutorat_mois, TUTORAT_MAX_MONTHS)
    if months == 0:
        return Decimal("0.00")
    monthly = TUTORAT_MONTHLY
    tuteur = request.tuteur
    if request.public_prioritaire or (tuteur is not None and tuteur.age is not None and tuteur.age >= TUTORAT_MAJORATION_AGE):
        monthly = round_money(TUTORAT_MONTHLY * TUTORAT_MAJORATION)
    return round_money(monthly * months)


def formation_tuteur_for(request: ProfessionalisationInput) -> Decimal:
    """D6332-92: 15 € per hour of the tutor's training, for at most 40 hours."""
    if request.tuteur is None:
        return Decimal("0.00")
    hours = min(request.tuteur.formation_heures, Decimal(TUTOR_TRAINING_MAX_HOURS))
    return round_money(hours * TUTOR_TRAINING_RATE)


def compute_professionalisation(
    request: ProfessionalisationInput, branch_rate: Decimal | None = None
) -> ProfessionalisationFinancing:
    rate, source = forfait_for(request, branch_rate)
    return ProfessionalisationFinancing(
        forfait_horaire=rate,
        forfait_source=source,
        formation=round_money(request.heures_formation * rate),
        tutorat=tutorat_for(request),
        formation_tuteur=formation_tuteur_for(request),
    )


def forfait_origin(financing: ProfessionalisationFinancing) -> str:
    """Where the hourly forfait comes from, as staff read it."""
    rate = f"{financing.forfait_horaire:.2f}".replace(".", ",")
    return {
        ForfaitSource.INPUT: f"forfait saisi : {rate} €/h",
        ForfaitSource.BRANCHE: f"forfait de la branche (D6332-85) : {rate} €/h",
        ForfaitSource.DEFAUT: f"forfait légal (D6332-86) : {rate} €/h",
    }[financing.forfait_source]


def _money(amount: Decimal) -> str:
    return f"{round_money(amount):.2f}"


def financing_as_dict(financing: ProfessionalisationFinancing) -> dict[str, Any]:
    return {
        "forfait_horaire": _money(financing.forfait_horaire),
        "forfait_source": financing.forfait_source.value,
        "formation": _money(financing.formation),
        "tutorat": _money(financing.tutorat),
        "formation_tuteur": _money(financing.formation_tuteur),
        "total": _money(financing.total),
    }


def simulate_professionalisation(
    data: Any, branch_rate_for: Callable[[ProfessionalisationInput], Decimal | None] | None = None
) -> dict[str, Any]:
    """Parse, find the branch's rate (when a lookup is given and the request names no forfait), compute.
    Returns the JSON answer; raises InvalidInput with French messages."""
    request = parse_professionalisation(data)
    branch_rate = None
    if request.forfait_horaire is None and branch_rate_for is not None:
        branch_rate = branch_rate_for(request)
    return financing_as_dict(compute_professionalisation(request, branch_rate))


# --- Schedule of a professionalisation contract accepted by the OPCO ---------------------------------
# D6332-85 sets the forfait and leaves the payment terms to the OPCO; the house rule (decided by the
# conseil d'administration, README) pays the training body half of the forfait on its invoice at the
# start and the rest on its final invoice with the attestation de réalisation, and the employer its
# aids: the tutor's training at the start, the tutoring once its months are served.
ZERO = Decimal("0.00")
EMPLOYER_KINDS = frozenset({"tutorat", "formation_tuteur", "aide_maitre", "regul_employeur"})


# One line of a professionalisation or aid schedule is an engine instalment (same fields, same net):
# the decision and payability code reads both kinds of schedule the same way.
ScheduleLine = Instalment


@dataclass(frozen=True)
class ProfessionalisationSchedule:
    financing: ProfessionalisationFinancing
    instalments: list[ScheduleLine]
    regime: str = "PRO"


def contract_year(start: date, day: date) -> int:
    """1 for the first twelve months from the start, 2 for the next twelve, and so on."""
    year = 1
    while start + relativedelta(years=year) <= day:
        year += 1
    return year


def months_begun(start: date, term: date) -> int:
    """The months of the contract begun on or before `term` (a month starts on the start's day of
    month, month ends clipped): 12 for 1 September to 31 August."""
    months = 0
    while start + relativedelta(months=months) <= term:
        months += 1
    return months


def professionalisation_schedule(
    request: ProfessionalisationInput, branch_rate: Decimal | None = None, *, rupture_date: date | None = None
) -> ProfessionalisationSchedule:
    """The lines to pay for a professionalisation contract (house rule above). After a rupture, the
    training forfait is earned pro rata temporis of the days of the contract done, the tutoring for
    the months begun (D6332-93 1°: « par mois »), the tutor's training stays due."""
    financing = compute_professionalisation(request, branch_rate)
    start, end = request.start_date, request.end_date
    term = min(rupture_date, end) if rupture_date is not None else end
    lines: list[ScheduleLine] = []
    advance = round_money(financing.formation / 2)
    lines.append(ScheduleLine(1, "advance", start, advance))
    if term < end:
        earned = round_money(financing.formation * Decimal((term - start).days + 1) / Decimal((end - start).days + 1))
    else:
        earned = financing.formation
    lines.append(ScheduleLine(contract_year(start, term), "balance", term, earned - advance))
    if financing.formation_tuteur > 0:
        lines.append(ScheduleLine(1, "formation_tuteur", start, financing.formation_tuteur))
    if financing.tutorat > 0:
        months = min(request.tutorat_mois, TUTORAT_MAX_MONTHS)
        served = min(months, months_begun(start, term))
        due = min(start + relativedelta(months=served), term)
        monthly = round_money(financing.tutorat / months)
        lines.append(ScheduleLine(contract_year(start, due), "tutorat", due, round_money(monthly * served)))
    return ProfessionalisationSchedule(financing, [line for line in lines if line.gross != 0])


# --- The apprenticeship master aid (D6332-93 2°), where the branch decided it --------------------------
MASTER_AID_MONTHLY = Decimal("230.00")
MASTER_AID_MAX_MONTHS = 12


def master_aid_line(
    start: date, end: date, *, monthly: Decimal, max_months: int, rupture_date: date | None = None
) -> ScheduleLine | None:
    """230 € a month per apprentice for at most 12 months (D6332-93 2°), paid to the employer once the
    months are served; after a rupture, the months begun until it."""
    term = min(rupture_date, end) if rupture_date is not None else end
    months = min(max_months, MASTER_AID_MAX_MONTHS, months_begun(start, term))
    if months <= 0:
        return None
    due = start + relativedelta(months=months)
    if due > term:
        due = term
    return ScheduleLine(contract_year(start, due), "aide_maitre", due, round_money(monthly * months))
