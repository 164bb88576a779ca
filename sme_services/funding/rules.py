"""A rule set (« règles de prise en charge », TRAINING_FUNDING.md §1) read and validated into frozen
values. The law leaves the criteria to the OPCO's board (L6332-17, D6332-39, R6332-40): they come
from imported JSON, never from code. Pure: no ORM."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .inputs import IDCC_RE, InvalidInput, Obj, amount, boolean, choice, day, integer, text, text_list

PLAN50 = "plan50"
SSCT = "ssct"
DISPOSITIFS = (PLAN50, SSCT)
WILDCARD = "*"

# L2315-18: the minimum durations of the CSE members' health-and-safety training.
LEGAL_DAYS_FIRST_MANDATE = 5
LEGAL_DAYS_RENEWAL = 3
DEFAULT_HOURS_PER_DAY = Decimal("7")  # house rule
DEFAULT_SMIC_MULTIPLE = Decimal("36")  # R2315-21

COMMON_KEYS = {
    "reference",
    "label",
    "notes",
    "dispositif",
    "idcc",
    "proposed_by",
    "proposed_on",
    "validated_by",
    "validated_on",
    "applies_to_trainings_starting_from",
    "until",
    "size_bands",
    "pay",
    "frais",
    "themes_excluded",
    "themes_hors_plafond",
    "filing_deadline",
}
PLAN50_KEYS = {"pedagogy", "min_hours_per_action", "max_hours_per_trainee_per_year", "afest"}
SSCT_KEYS = {"ssct"}


@dataclass(frozen=True)
class SizeBand:
    min: int
    max: int
    annual_cap: Decimal | None

    def holds(self, headcount: int) -> bool:
        return self.min <= headcount <= self.max


@dataclass(frozen=True)
class Frais:
    per_km: Decimal
    per_night: Decimal
    per_meal: Decimal


@dataclass(frozen=True)
class Afest:
    per_trainee: Decimal | None = None
    additional_trainee_reduction: Decimal = Decimal(0)
    hourly_rate: Decimal | None = None


@dataclass(frozen=True)
class FilingDeadline:
    kind: str  # before_start | calendar_days | working_days
    days: int | None = None

    def describe(self) -> str:
        if self.kind == "before_start":
            return "la veille du début"
        unit = "jours ouvrés" if self.kind == "working_days" else "jours calendaires"
        if self.days == 1:
            unit = unit.replace("jours", "jour").replace("ouvrés", "ouvré").replace("calendaires", "calendaire")
        return f"{self.days} {unit} avant le début"


@dataclass(frozen=True)
class SsctParams:
    days_first_mandate: int = LEGAL_DAYS_FIRST_MANDATE
    days_renewal: int = LEGAL_DAYS_RENEWAL
    hours_per_day: Decimal = DEFAULT_HOURS_PER_DAY
    daily_cap_smic_multiple: Decimal = DEFAULT_SMIC_MULTIPLE


@dataclass(frozen=True)
class RuleSet:
    reference: str
    dispositif: str
    idcc: tuple[str, ...]
    proposed_by: str
    proposed_on: date
    validated_by: str
    validated_on: date
    starts_from: date
    until: date | None
    size_bands: tuple[SizeBand, ...]
    pay_funded: bool
    pay_hourly_rate: Decimal | None
    filing_deadline: FilingDeadline
    label: str | None = None
    notes: str | None = None
    frais: Frais | None = None
    themes_excluded: frozenset[str] = frozenset()
    themes_hors_plafond: frozenset[str] = frozenset()
    hourly_caps: dict[str, Decimal] = field(default_factory=dict)
    action_cap: Decimal | None = None
    min_hours_per_action: Decimal | None = None
    max_hours_per_trainee_per_year: Decimal | None = None
    afest: Afest | None = None
    ssct: SsctParams | None = None

    @property
    def is_default(self) -> bool:
        return self.idcc == (WILDCARD,)

    def covers(self, start: date) -> bool:
        return self.starts_from <= start and (self.until is None or start <= self.until)

    def band_for(self, headcount: int) -> SizeBand | None:
        return next((band for band in self.size_bands if band.holds(headcount)), None)


def _idcc_list(value, path: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidInput(path, 'une liste non vide de codes IDCC (4 chiffres) ou ["*"] est attendue.')
    if value == [WILDCARD]:
        return (WILDCARD,)
    for i, code in enumerate(value):
        if not isinstance(code, str) or not IDCC_RE.match(code):
            raise InvalidInput(f"{path}[{i}]", "un code IDCC de 4 chiffres est attendu (« * » seul pour le défaut).")
    if len(set(value)) != len(value):
        raise InvalidInput(path, "les codes IDCC doivent être distincts.")
    return tuple(value)


def _size_bands(value, path: str) -> tuple[SizeBand, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidInput(path, "une liste non vide de tranches d'effectif est attendue.")
    bands = []
    for i, item in enumerate(value):
        band = Obj(item, f"{path}[{i}]", {"min", "max", "annual_cap"})
        low = band.required("min", integer, maximum=49)
        high = band.required("max", integer, maximum=49)
        if high < low:
            raise InvalidInput(band.sub("max"), f"la borne haute {high} est inférieure à la borne basse {low}.")
        bands.append(SizeBand(low, high, band.optional("annual_cap", amount)))
    ordered = sorted(bands, key=lambda b: b.min)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.min <= before.max:
            raise InvalidInput(path, f"les tranches {before.min}–{before.max} et {after.min}–{after.max} se chevauchent.")
    return tuple(bands)


def _filing_deadline(value, path: str) -> FilingDeadline:
    obj = Obj(value, path, {"kind", "days"})
    kind = obj.required("kind", choice, options=("before_start", "calendar_days", "working_days"))
    if kind == "before_start":
        obj.refuse("days", "pas de nombre de jours avec « before_start ».")
        return FilingDeadline(kind)
    return FilingDeadline(kind, obj.required("days", integer, minimum=1, maximum=365))


def _pay(value, path: str) -> tuple[bool, Decimal | None]:
    obj = Obj(value, path, {"funded", "hourly_rate"})
    funded = obj.required("funded", boolean)
    if not funded:
        obj.refuse("hourly_rate", "un taux horaire seulement quand la rémunération est financée.")
        return False, None
    return True, obj.optional("hourly_rate", amount, positive=True)


def _frais(value, path: str) -> Frais:
    obj = Obj(value, path, {"per_km", "per_night", "per_meal"})
    return Frais(obj.required("per_km", amount), obj.required("per_night", amount), obj.required("per_meal", amount))


def _pedagogy(value, path: str) -> tuple[dict[str, Decimal], Decimal | None]:
    obj = Obj(value, path, {"hourly_caps", "action_cap"})
    raw = obj.data.get("hourly_caps")
    if not isinstance(raw, dict):
        raise InvalidInput(obj.sub("hourly_caps"), "un objet {type: montant horaire} est attendu.")
    caps = {}
    for kind, rate in raw.items():
        text(kind, obj.sub("hourly_caps"))
        caps[kind] = amount(rate, f"{obj.sub('hourly_caps')}.{kind}", positive=True)
    if "default" not in caps:
        raise InvalidInput(obj.sub("hourly_caps.default"), "le plafond horaire « default » est obligatoire.")
    if "action_cap" in obj.data and obj.data["action_cap"] is None:
        raise InvalidInput(obj.sub("action_cap"), "un montant strictement positif est attendu.")
    return caps, obj.optional("action_cap", amount, positive=True)


def _afest(value, path: str) -> Afest:
    if isinstance(value, dict) and "hourly_rate" in value:
        obj = Obj(value, path, {"hourly_rate"})
        return Afest(hourly_rate=obj.required("hourly_rate", amount, positive=True))
    obj = Obj(value, path, {"per_trainee", "additional_trainee_reduction"})
    return Afest(
        per_trainee=obj.required("per_trainee", amount, positive=True),
        additional_trainee_reduction=obj.optional("additional_trainee_reduction", amount, default=Decimal(0), maximum=Decimal(1)),
    )


def _ssct(value, path: str) -> SsctParams:
    obj = Obj(value, path, {"days_first_mandate", "days_renewal", "hours_per_day", "daily_cap_smic_multiple"})
    return SsctParams(
        days_first_mandate=obj.optional("days_first_mandate", integer, default=LEGAL_DAYS_FIRST_MANDATE, minimum=1),
        days_renewal=obj.optional("days_renewal", integer, default=LEGAL_DAYS_RENEWAL, minimum=1),
        hours_per_day=obj.optional("hours_per_day", amount, default=DEFAULT_HOURS_PER_DAY, positive=True),
        daily_cap_smic_multiple=obj.optional("daily_cap_smic_multiple", amount, default=DEFAULT_SMIC_MULTIPLE, positive=True),
    )


def parse_rule_set(data) -> RuleSet:
    """Validate one rule set; raises `InvalidInput` naming the key."""
    if not isinstance(data, dict):
        raise InvalidInput("racine", "un objet JSON est attendu.")
    dispositif = choice(data.get("dispositif"), "dispositif", DISPOSITIFS)
    obj = Obj(data, "", COMMON_KEYS | (PLAN50_KEYS if dispositif == PLAN50 else SSCT_KEYS))
    proposed_on = obj.required("proposed_on", day)
    validated_on = obj.required("validated_on", day)
    if validated_on < proposed_on:
        raise InvalidInput("validated_on", "la validation ne peut précéder la proposition.")
    starts_from = obj.required("applies_to_trainings_starting_from", day)
    until = obj.optional("until", day)
    if until is not None and until < starts_from:
        raise InvalidInput("until", "la fin d'application précède son début.")
    excluded = frozenset(obj.optional("themes_excluded", text_list, default=()))
    hors_plafond = frozenset(obj.optional("themes_hors_plafond", text_list, default=()))
    if excluded & hors_plafond:
        raise InvalidInput(
            "themes_hors_plafond", f"thèmes à la fois exclus et hors plafond : {', '.join(sorted(excluded & hors_plafond))}."
        )
    pay_funded, pay_rate = obj.required("pay", _pay)
    extra = {}
    if dispositif == PLAN50:
        caps, action_cap = obj.required("pedagogy", _pedagogy)
        extra = {
            "hourly_caps": caps,
            "action_cap": action_cap,
            "min_hours_per_action": obj.optional("min_hours_per_action", amount, positive=True),
            "max_hours_per_trainee_per_year": obj.optional("max_hours_per_trainee_per_year", amount, positive=True),
            "afest": obj.optional("afest", _afest),
        }
    else:
        extra = {"ssct": obj.optional("ssct", _ssct, default=SsctParams())}
    return RuleSet(
        reference=obj.required("reference", text),
        label=obj.optional("label", text),
        notes=obj.optional("notes", text),
        dispositif=dispositif,
        idcc=obj.required("idcc", _idcc_list),
        proposed_by=obj.required("proposed_by", text),
        proposed_on=proposed_on,
        validated_by=obj.required("validated_by", text),
        validated_on=validated_on,
        starts_from=starts_from,
        until=until,
        size_bands=obj.required("size_bands", _size_bands),
        pay_funded=pay_funded,
        pay_hourly_rate=pay_rate,
        frais=obj.optional("frais", _frais),
        themes_excluded=excluded,
        themes_hors_plafond=hors_plafond,
        filing_deadline=obj.required("filing_deadline", _filing_deadline),
        **extra,
    )


def select_rule_set(rule_sets, *, dispositif: str, idcc: str, start: date) -> RuleSet | None:
    """TRAINING_FUNDING.md §3: among the rule sets of the dispositif covering `start`, those naming the
    company's IDCC, else the « * » ones; the most recently imported wins. `rule_sets` come in import
    order (oldest first)."""
    named = default = None
    for rule_set in rule_sets:
        if rule_set.dispositif != dispositif or not rule_set.covers(start):
            continue
        if idcc in rule_set.idcc:
            named = rule_set
        elif rule_set.is_default:
            default = rule_set
    return named or default
