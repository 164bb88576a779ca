"""The funding engine of TRAINING_FUNDING.md: a request (§2) and the imported rule sets in, the result
(§6) out. Pure: Decimal and dates, no ORM; the SMIC table is given by the caller (the referential's
`smic_hourly`), the public holidays are computed for any year. Every door (the command, the API, the
page, the instruction of a real request, the benchmark) calls `simulate()`."""

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from dateutil.easter import easter
from stdnum.fr import siret as siret_number

from opco.calendar import OUVRES, add_working_days

from .inputs import IDCC_RE, InvalidInput, Obj, amount, choice, day, integer, text
from .rules import LEGAL_DAYS_FIRST_MANDATE, LEGAL_DAYS_RENEWAL, PLAN50, SSCT, RuleSet, select_rule_set

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FIRST_TRAINING_START = date(2024, 1, 1)  # the first SMIC of the table
LEGAL_SIZE_LIMIT = 50  # L6332-17, L6332-3 2°: fewer than fifty employees
MODALITIES = ("presentiel", "foad", "afest")


def round_cents(value: Decimal) -> Decimal:
    """Half up to the cent, only where a product appears (§5 « Rounding »)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


# --- Public holidays of metropolitan France, any year (§4) -------------------------------------------
@lru_cache(maxsize=256)
def metropole_holidays(year: int) -> frozenset[date]:
    """The eleven public holidays of metropolitan France (L3133-1)."""
    easter_sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [easter_sunday + timedelta(days=n) for n in (1, 39, 50)]  # Easter Monday, Ascension, Whit Monday
    return frozenset([date(year, m, d) for m, d in fixed] + moving)


class _Holidays:
    def __contains__(self, day_: date) -> bool:
        return day_ in metropole_holidays(day_.year)


HOLIDAYS = _Holidays()


@lru_cache(maxsize=4096)
def _latest_working_day(start: date, days: int) -> date:
    return add_working_days(start, -days, zone="metropole", kind=OUVRES, holidays=HOLIDAYS)


def latest_filing_date(rule_set: RuleSet, start: date) -> date:
    """L of §4: before_start → the day before; calendar_days N → start − N; working_days N → the N-th
    jour ouvré before start, counting back from the day before start."""
    deadline = rule_set.filing_deadline
    if deadline.kind == "before_start":
        return start - timedelta(days=1)
    if deadline.kind == "calendar_days":
        return start - timedelta(days=deadline.days)
    return _latest_working_day(start, deadline.days)


# --- SMIC table --------------------------------------------------------------------------------------
class SmicTable:
    """The hourly SMIC by date of entry into force (referentials' `smic_hourly`, métropole)."""

    def __init__(self, rows: Sequence[tuple[date, Decimal]]):
        ordered = sorted(rows)  # empty: every lookup answers LookupError (referentials not loaded)
        self.starts = [row[0] for row in ordered]
        self.values = [Decimal(row[1]) for row in ordered]

    def on(self, day_: date) -> Decimal:
        index = bisect_right(self.starts, day_) - 1
        if index < 0:
            raise LookupError(f"Aucun SMIC horaire en vigueur le {day_.isoformat()} dans les paramètres légaux.")
        return self.values[index]


# --- The request (§2) --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    siret: str
    idcc: str
    headcount: int
    dispositif: str
    title: str
    theme: str
    modality: str
    start: date
    end: date
    trainees: int
    pedagogical_cost: Decimal
    filed_on: date
    hours_per_trainee: Decimal | None = None
    pedagogy_kind: str = "default"
    mandate: str | None = None
    days: int | None = None
    hourly_pay: tuple[Decimal, ...] | None = None  # one per trainee
    frais_amount: Decimal | None = None
    frais_km: int = 0
    frais_nights: int = 0
    frais_meals: int = 0
    consumed_this_year: Decimal = ZERO
    hours_this_year: Decimal = ZERO


@lru_cache(maxsize=100_000)
def _siret_valid(digits: str) -> bool:
    """python-stdnum's check (La Poste's exception included), remembered: the same companies file
    again and again, and the check is a third of a simulation's time."""
    return siret_number.is_valid(digits)


def _siret(value, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(path, "un SIRET (14 chiffres) est attendu.")
    digits = value.replace(" ", "").replace(".", "")
    if len(digits) != 14 or not digits.isascii() or not digits.isdigit() or not _siret_valid(digits):
        raise InvalidInput(path, f"SIRET invalide « {value} » (14 chiffres et sa clé de contrôle).")
    return digits


def _idcc(value, path: str) -> str:
    if not isinstance(value, str) or not IDCC_RE.match(value):
        raise InvalidInput(path, "un code IDCC de 4 chiffres est attendu.")
    return value


def _company(value, path: str) -> tuple[str, str, int]:
    obj = Obj(value, path, {"siret", "idcc", "headcount"})
    return obj.required("siret", _siret), obj.required("idcc", _idcc), obj.required("headcount", integer)


def _pay(value, path: str, *, trainees: int) -> tuple[Decimal, ...]:
    obj = Obj(value, path, {"hourly_pay", "hourly_pay_by_trainee"})
    if obj.has("hourly_pay") == obj.has("hourly_pay_by_trainee"):
        raise InvalidInput(path, "exactement une clé : « hourly_pay » ou « hourly_pay_by_trainee ».")
    if obj.has("hourly_pay"):
        return (obj.required("hourly_pay", amount),) * trainees
    raw = obj.data["hourly_pay_by_trainee"]
    key = obj.sub("hourly_pay_by_trainee")
    if not isinstance(raw, list) or len(raw) != trainees:
        raise InvalidInput(key, f"une liste d'un montant par stagiaire ({trainees}) est attendue.")
    return tuple(amount(item, f"{key}[{i}]") for i, item in enumerate(raw))


def _frais(value, path: str) -> tuple[Decimal, int, int, int]:
    obj = Obj(value, path, {"amount", "km", "nights", "meals"})
    return (
        obj.required("amount", amount),
        obj.optional("km", integer, default=0),
        obj.optional("nights", integer, default=0),
        obj.optional("meals", integer, default=0),
    )


TOP_KEYS = {"company", "dispositif", "training", "pay", "frais", "filed_on", "consumed_this_year"}
TRAINING_KEYS = {"title", "theme", "modality", "start", "end", "trainees", "pedagogical_cost"}


def parse_request(data) -> Request:
    """Validate one request; raises `InvalidInput` naming the key."""
    if not isinstance(data, dict):
        raise InvalidInput("racine", "un objet JSON est attendu.")
    dispositif = choice(data.get("dispositif"), "dispositif", (PLAN50, SSCT))
    plan = dispositif == PLAN50
    obj = Obj(data, "", TOP_KEYS | ({"hours_this_year"} if plan else set()))
    siret, idcc, headcount = obj.required("company", _company)
    training = Obj(
        data.get("training"),
        "training",
        TRAINING_KEYS | ({"hours_per_trainee", "pedagogy_kind"} if plan else {"mandate", "days"}),
    )
    modality = training.required("modality", choice, options=MODALITIES if plan else ("presentiel", "foad"))
    start = training.required("start", day)
    end = training.required("end", day)
    if end < start:
        raise InvalidInput("training.end", "la fin de la formation précède son début.")
    if start < FIRST_TRAINING_START:
        raise InvalidInput("training.start", "une formation commençant avant le 2024-01-01 n'est pas simulée.")
    trainees = training.required("trainees", integer, minimum=1)
    fields = {}
    if plan:
        fields["hours_per_trainee"] = training.required("hours_per_trainee", amount, positive=True)
        if modality != "presentiel":
            training.refuse("pedagogy_kind", "le type de plafond horaire ne s'indique qu'en présentiel.")
        fields["pedagogy_kind"] = training.optional("pedagogy_kind", text, default="default")
        fields["hours_this_year"] = obj.optional("hours_this_year", amount, default=ZERO)
    else:
        fields["mandate"] = training.required("mandate", choice, options=("first", "renewal"))
        fields["days"] = training.required("days", integer, minimum=1, maximum=min((end - start).days + 1, 1_000_000))
    frais = obj.optional("frais", _frais)
    if frais is not None:
        fields.update(frais_amount=frais[0], frais_km=frais[1], frais_nights=frais[2], frais_meals=frais[3])
    return Request(
        siret=siret,
        idcc=idcc,
        headcount=headcount,
        dispositif=dispositif,
        title=training.required("title", text),
        theme=training.required("theme", text),
        modality=modality,
        start=start,
        end=end,
        trainees=trainees,
        pedagogical_cost=training.required("pedagogical_cost", amount),
        filed_on=obj.required("filed_on", day),
        hourly_pay=obj.optional("pay", _pay, trainees=trainees),
        consumed_this_year=obj.optional("consumed_this_year", amount, default=ZERO),
        **fields,
    )


# --- The computation (§3 to §6) ----------------------------------------------------------------------
@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def _fr(value: Decimal) -> str:
    """« 1 234,50 » in messages."""
    whole, _, cents = f"{value.quantize(CENT):,.2f}".partition(".")
    return whole.replace(",", "\u202f") + "," + cents


def _checks(request: Request, rule_set: RuleSet | None, band, latest: date | None) -> list[Refusal]:
    prefix = "PLAN50_" if request.dispositif == PLAN50 else "SSCT_"
    plan = request.dispositif == PLAN50
    refusals = []
    if request.headcount >= LEGAL_SIZE_LIMIT:
        source = "L6332-17 et L6332-3 2°" if plan else "L2315-22-1 et R6332-40"
        refusals.append(
            Refusal(
                prefix + "TAILLE",
                f"L'entreprise compte {request.headcount} salariés : seules les entreprises de moins de cinquante salariés "
                f"sont financées sur cette section ({source}).",
            )
        )
    elif rule_set is not None and band is None:
        bands = ", ".join(f"{b.min} à {b.max}" for b in rule_set.size_bands)
        refusals.append(
            Refusal(
                prefix + "TAILLE",
                f"L'entreprise compte {request.headcount} salariés : les règles {rule_set.reference} ne financent que les "
                f"effectifs de {bands} salariés (règle de la branche).",
            )
        )
    if rule_set is None:
        source = "L6332-17" if plan else "R6332-40"
        refusals.append(
            Refusal(
                prefix + "PAS_DE_REGLE",
                f"Aucune règle de prise en charge validée par le conseil d'administration ne couvre une formation "
                f"commençant le {request.start.isoformat()} pour l'IDCC {request.idcc} ({source}).",
            )
        )
        return refusals
    if request.filed_on > latest:
        refusals.append(
            Refusal(
                prefix + "DELAI",
                f"Demande déposée le {request.filed_on.isoformat()} : elle devait l'être au plus tard le "
                f"{latest.isoformat()} ({rule_set.filing_deadline.describe()}) (règle de la branche).",
            )
        )
    if request.theme in rule_set.themes_excluded:
        refusals.append(
            Refusal(
                prefix + "THEME_EXCLU",
                f"Le thème « {request.theme} » n'est pas financé par les règles {rule_set.reference} (règle de la branche).",
            )
        )
    if plan:
        if request.modality == "afest" and rule_set.afest is None:
            refusals.append(
                Refusal(
                    "PLAN50_AFEST_EXCLU",
                    f"Les règles {rule_set.reference} ne financent pas l'action de formation en situation de travail "
                    "(D6313-3-2, règle de la branche).",
                )
            )
        if rule_set.min_hours_per_action is not None and request.hours_per_trainee < rule_set.min_hours_per_action:
            refusals.append(
                Refusal(
                    "PLAN50_DUREE_MIN",
                    f"L'action dure {_fr(request.hours_per_trainee)} h par stagiaire : le minimum financé est de "
                    f"{_fr(rule_set.min_hours_per_action)} h (règle de la branche).",
                )
            )
        maximum = rule_set.max_hours_per_trainee_per_year
        if maximum is not None and request.hours_this_year + request.hours_per_trainee > maximum:
            refusals.append(
                Refusal(
                    "PLAN50_DUREE_MAX",
                    f"{_fr(request.hours_this_year)} h déjà financées cette année et "
                    f"{_fr(request.hours_per_trainee)} h demandées : "
                    f"au plus {_fr(maximum)} h par stagiaire et par an (règle de la branche).",
                )
            )
    else:
        legal = LEGAL_DAYS_FIRST_MANDATE if request.mandate == "first" else LEGAL_DAYS_RENEWAL
        if request.days < legal:
            what = "un premier mandat" if request.mandate == "first" else "un renouvellement"
            refusals.append(
                Refusal(
                    "SSCT_JOURS",
                    f"{request.days} jour(s) de formation pour {what} : la durée minimale est de {legal} jours (L2315-18).",
                )
            )
    if band is not None and band.annual_cap is not None and request.theme not in rule_set.themes_hors_plafond:
        left = band.annual_cap - request.consumed_this_year
        if left <= 0:
            refusals.append(
                Refusal(
                    prefix + "PLAFOND_ATTEINT",
                    f"Plafond annuel de {_fr(band.annual_cap)} € déjà consommé ({_fr(request.consumed_this_year)} €) pour "
                    f"l'année {request.start.year} (règle de la branche).",
                )
            )
    return refusals


def _line(kind: str, asked: Decimal, cap: Decimal, funded: Decimal | None = None) -> dict:
    return {"kind": kind, "asked": asked, "cap": cap, "funded": min(asked, cap) if funded is None else funded}


def _teaching_line(request: Request, rule_set: RuleSet, smic: Decimal, funded_days: int | None) -> dict:
    n = request.trainees
    if request.dispositif == SSCT:
        daily_cap = round_cents(rule_set.ssct.daily_cap_smic_multiple * smic)
        return _line("pedagogy", request.pedagogical_cost, daily_cap * funded_days * n)
    if request.modality == "afest":
        afest = rule_set.afest
        if afest.per_trainee is not None:
            additional = round_cents(afest.per_trainee * (1 - afest.additional_trainee_reduction))
            cap = afest.per_trainee + (n - 1) * additional
        else:
            cap = round_cents(afest.hourly_rate * request.hours_per_trainee * n)
        kind = "afest"
    else:
        cap_kind = "foad" if request.modality == "foad" else request.pedagogy_kind
        rate = rule_set.hourly_caps.get(cap_kind, rule_set.hourly_caps["default"])  # house rule: unknown kind → default
        cap = round_cents(rate * request.hours_per_trainee * n)
        kind = "pedagogy"
    if rule_set.action_cap is not None:
        cap = min(cap, rule_set.action_cap)
    return _line(kind, request.pedagogical_cost, cap)


def _pay_line(request: Request, rule_set: RuleSet, smic: Decimal, hours: Decimal) -> dict:
    # D6332-39 I, R6332-40 2°: never above the hourly SMIC, whatever the rule set says.
    if not rule_set.pay_funded:
        rate = Decimal(0)
    elif rule_set.pay_hourly_rate is None:
        rate = smic
    else:
        rate = min(rule_set.pay_hourly_rate, smic)
    asked = round_cents(sum(hours * c for c in request.hourly_pay))
    cap = round_cents(hours * request.trainees * rate)
    funded = round_cents(sum(hours * min(c, rate) for c in request.hourly_pay))
    return _line("pay", asked, cap, funded)


def _frais_line(request: Request, rule_set: RuleSet) -> dict:
    # D6332-39 II, R6332-40 3°
    scale = rule_set.frais
    if scale is None:
        cap = Decimal(0)
    else:
        cap = request.frais_km * scale.per_km + request.frais_nights * scale.per_night + request.frais_meals * scale.per_meal
    return _line("frais", request.frais_amount, cap)


@dataclass(frozen=True)
class Result:
    """The engine's answer: `as_dict()` is the JSON of §6; `rule_set` the version applied."""

    request: Request
    rule_set: RuleSet | None
    smic: Decimal
    band: object
    latest: date | None
    ssct: dict | None
    lines: list[dict]
    subtotal: Decimal
    reduction: Decimal
    total: Decimal
    hors_plafond: bool
    counted: Decimal
    remaining_cap: Decimal | None
    refusals: list[Refusal]

    @property
    def eligible(self) -> bool:
        return not self.refusals

    @property
    def annual_cap(self) -> Decimal | None:
        return self.band.annual_cap if self.band is not None else None

    def as_dict(self) -> dict:
        band = self.band
        ssct = None
        if self.ssct is not None:
            ssct = dict(
                self.ssct, hours_per_trainee=money(self.ssct["hours_per_trainee"]), daily_cap=money(self.ssct["daily_cap"])
            )
        return {
            "dispositif": self.request.dispositif,
            "rule_set": self.rule_set.reference if self.rule_set else None,
            "smic_hourly": money(self.smic),
            "size_band": {"min": band.min, "max": band.max} if band is not None else None,
            "annual_cap": money(band.annual_cap) if band is not None and band.annual_cap is not None else None,
            "latest_filing_date": self.latest.isoformat() if self.latest else None,
            "ssct": ssct,
            "lines": [
                {"kind": line["kind"], "asked": money(line["asked"]), "cap": money(line["cap"]), "funded": money(line["funded"])}
                for line in self.lines
            ],
            "subtotal": money(self.subtotal),
            "annual_cap_reduction": money(self.reduction),
            "total_funded": money(self.total),
            "hors_plafond": self.hors_plafond,
            "counted_against_cap": money(self.counted),
            "consumed_this_year": money(self.request.consumed_this_year),
            "remaining_cap": money(self.remaining_cap) if self.remaining_cap is not None else None,
            "decision": "eligible" if self.eligible else "refused",
            "refusals": [{"code": r.code, "message": r.message} for r in self.refusals],
        }


def compute(request: Request, rule_sets: Sequence[RuleSet], smic_table: SmicTable) -> Result:
    """§3 to §6 for one validated request; `rule_sets` in import order (oldest first)."""
    smic = smic_table.on(request.start)
    rule_set = select_rule_set(rule_sets, dispositif=request.dispositif, idcc=request.idcc, start=request.start)
    band = latest = ssct = None
    funded_days = None
    hours = request.hours_per_trainee
    hors_plafond = False
    if rule_set is not None:
        if request.headcount < LEGAL_SIZE_LIMIT:
            band = rule_set.band_for(request.headcount)
        latest = latest_filing_date(rule_set, request.start)
        hors_plafond = request.theme in rule_set.themes_hors_plafond
        if request.dispositif == SSCT:
            params = rule_set.ssct
            entitlement = params.days_first_mandate if request.mandate == "first" else params.days_renewal
            funded_days = min(request.days, entitlement)  # house rule: further days are the employer's (L2315-18)
            hours = funded_days * params.hours_per_day
            ssct = {
                "entitlement_days": entitlement,
                "funded_days": funded_days,
                "hours_per_trainee": hours,
                "daily_cap": round_cents(params.daily_cap_smic_multiple * smic),
            }
    refusals = _checks(request, rule_set, band, latest)
    cap = band.annual_cap if band is not None else None
    consumed = request.consumed_this_year
    if refusals:
        remaining = max(ZERO, cap - consumed) if cap is not None else None
        return Result(request, rule_set, smic, band, latest, ssct, [], ZERO, ZERO, ZERO, hors_plafond, ZERO, remaining, refusals)
    lines = [_teaching_line(request, rule_set, smic, funded_days)]
    if request.hourly_pay is not None:
        lines.append(_pay_line(request, rule_set, smic, hours))
    if request.frais_amount is not None:
        lines.append(_frais_line(request, rule_set))
    subtotal = sum((line["funded"] for line in lines), ZERO)
    if hors_plafond:
        reduction, counted = ZERO, ZERO
    elif cap is None:
        reduction, counted = ZERO, subtotal
    else:
        # House rule: a request above what is left is funded up to it (a partial refusal).
        reduction = max(ZERO, subtotal - (cap - consumed))
        counted = subtotal - reduction
    remaining = max(ZERO, cap - consumed - counted) if cap is not None else None
    return Result(
        request,
        rule_set,
        smic,
        band,
        latest,
        ssct,
        lines,
        subtotal,
        reduction,
        subtotal - reduction,
        hors_plafond,
        counted,
        remaining,
        [],
    )


def simulate(data, rule_sets: Sequence[RuleSet], smic_table: SmicTable) -> Result:
    """Parse then compute; raises `InvalidInput` on invalid input."""
    return compute(parse_request(data), rule_sets, smic_table)
