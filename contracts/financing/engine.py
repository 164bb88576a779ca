"""The apprenticeship financing engine: what the OPCO owes a CFA for one contract, and when.

Pure functions on Decimal and date, no database: the simulator, the contract decision and, later,
the payments all call `compute_schedule`. The specification is FINANCING.md (house rules marked
there); the articles are cited where each rule applies.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from opco.money import round_money

ZERO = Decimal("0.00")
ONE_DAY = timedelta(days=1)

R2025_FROM = date(2025, 7, 1)  # décret 2025-585, art. 2: contracts concluded from 1 July 2025
R2021_FROM = date(2021, 1, 1)  # décret 2020-1739
DISTANCE_EXEMPTION_FROM = date(2025, 11, 30)  # D6332-82-1 II, in force by 30 Nov 2025 (house rule)

# Valeurs d'amorçage by level (arrêté of 31 August 2022; D6332-80).
AMORCAGE_BY_LEVEL = {3: Decimal(5470), 4: Decimal(5621), 5: Decimal(6000), 6: Decimal(6000), 7: Decimal(7000), 8: Decimal(7000)}

MINORATION_THRESHOLD = Decimal("0.80")  # D6332-82-1: at least 80 % of the teaching at a distance
MINORATION_RATE = Decimal("0.80")
MINORATION_FLOOR = Decimal(4000)
RQTH_CAP = Decimal(4000)  # D6332-82
NIGHT_RATE, MEAL_RATE, FIRST_EQUIPMENT_CAP = Decimal(6), Decimal(3), Decimal(500)  # D6332-83
SHORT_CONTRACT_RAISE = Decimal("1.10")  # R6332-25 IV 2°, L6222-7-1 al. 3
PARTICIPATION = Decimal(750)  # R6332-25-1
PARTICIPATION_AFTER_RUPTURE = Decimal(200)
PARTICIPATION_MIN_LEVEL = 6
NEW_CFA_MONTHS = 6  # R6332-25 V
NEW_CFA_DEFERRAL_MONTHS = 2


class FinancingError(ValueError):
    """Input the rules cannot finance; the message is French and shown as is."""


class Regime(StrEnum):
    R2025 = "R2025"
    R2021 = "R2021"


class Kind(StrEnum):
    ADVANCE = "advance"
    MONTH7 = "month7"
    MONTH10 = "month10"
    BALANCE = "balance"
    REGULARISATION = "regularisation"


KIND_ORDER = {kind: position for position, kind in enumerate(Kind)}


class NpecSource(StrEnum):
    INPUT = "input"
    REFERENTIEL = "referentiel"
    AMORCAGE = "amorcage"


@dataclass(frozen=True, slots=True)
class FraisAnnexes:
    year: int
    nights: int = 0
    meals: int = 0
    first_equipment: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class FinancingInput:
    signature_date: date
    start_date: date
    end_date: date
    certification_level: int
    npec: Decimal
    npec_source: NpecSource = NpecSource.INPUT
    distance_learning_share: Decimal = ZERO
    distance_exempt: bool = False
    rqth_majoration: Decimal = ZERO
    frais_annexes: tuple[FraisAnnexes, ...] = ()
    cfa_declared_on: date | None = None
    shortened_duration: bool = False
    rupture_date: date | None = None
    rupture_during_probation: bool = False
    after_previous_rupture: bool = False


@dataclass(frozen=True, slots=True)
class Year:
    index: int
    start: date
    end: date
    days: int
    complete: bool
    amount: Decimal
    frais_annexes: Decimal


@dataclass(frozen=True, slots=True)
class Instalment:
    year: int
    kind: Kind
    due_date: date
    gross: Decimal
    deduction: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.deduction

    def sort_key(self):
        return (self.due_date, self.year, KIND_ORDER[self.kind])


@dataclass(frozen=True, slots=True)
class Schedule:
    regime: Regime
    npec: Decimal
    npec_source: NpecSource
    annual_amount: Decimal
    years: tuple[Year, ...]
    employer_participation: Decimal
    instalments: tuple[Instalment, ...] = field(default=())

    @property
    def total_gross(self) -> Decimal:
        return sum((line.gross for line in self.instalments), ZERO)

    @property
    def total_deduction(self) -> Decimal:
        return sum((line.deduction for line in self.instalments), ZERO)

    @property
    def total_net(self) -> Decimal:
        return self.total_gross - self.total_deduction


def regime_for(signature_date: date) -> Regime:
    if signature_date >= R2025_FROM:
        return Regime.R2025
    if signature_date >= R2021_FROM:
        return Regime.R2021
    raise FinancingError("Régime non pris en charge : contrat conclu avant le 1er janvier 2021.")


def amorcage_for(level: int) -> Decimal:
    return AMORCAGE_BY_LEVEL[level]


def base_after_minoration(inp: FinancingInput, regime: Regime) -> Decimal:
    """D6332-82-1 (R2025 only): at least 80 % at a distance → max(NPEC × 0.80, min(NPEC, 4 000)),
    unless the certification is exempt (II, for contracts signed from 30 Nov 2025)."""
    exempt = inp.distance_exempt and inp.signature_date >= DISTANCE_EXEMPTION_FROM
    if regime is Regime.R2025 and inp.distance_learning_share >= MINORATION_THRESHOLD and not exempt:
        return max(round_money(inp.npec * MINORATION_RATE), min(inp.npec, MINORATION_FLOOR))
    return inp.npec


def months_begun(start: date, end: date) -> int:
    """R2021 « chaque mois de contrat débuté est dû »: the m ≥ 0 with start + m months ≤ end."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    while months > 0 and start + relativedelta(months=months - 1) > end:
        months -= 1
    return months


def frais_annexes_of(year: int, entries: dict[int, FraisAnnexes]) -> Decimal:
    """D6332-83: 6 € a night, 3 € a meal, the first equipment up to 500 € in year 1; not prorated."""
    entry = entries.get(year)
    if entry is None:
        return ZERO
    amount = NIGHT_RATE * entry.nights + MEAL_RATE * entry.meals
    if year == 1:
        amount += min(entry.first_equipment, FIRST_EQUIPMENT_CAP)
    return round_money(amount)


def employer_participation(inp: FinancingInput, regime: Regime, base: Decimal) -> Decimal:
    """R6332-25-1 (R2025, level ≥ 6): 750 €; 200 € after an L6222-18-2 rupture; pro rata of the
    days worked for a rupture within the 45 days of probation (base without RQTH, house rule)."""
    if regime is not Regime.R2025 or inp.certification_level < PARTICIPATION_MIN_LEVEL:
        return ZERO
    if inp.after_previous_rupture:
        return round_money(PARTICIPATION_AFTER_RUPTURE)
    if inp.rupture_during_probation and inp.rupture_date is not None:
        days_worked = (inp.rupture_date - inp.start_date).days + 1
        return min(PARTICIPATION, round_money(base * Decimal("0.5") * days_worked / 365))
    return round_money(PARTICIPATION)


def compute_schedule(inp: FinancingInput) -> Schedule:
    regime = regime_for(inp.signature_date)
    if inp.end_date < inp.start_date:
        raise FinancingError("La date de fin prévue précède la date de début d'exécution.")
    if inp.rupture_date is not None and not inp.start_date <= inp.rupture_date <= inp.end_date:
        raise FinancingError("La date de rupture doit être comprise entre le début et la fin prévue du contrat.")

    base = base_after_minoration(inp, regime)
    annual = round_money(base + min(inp.rqth_majoration, RQTH_CAP))
    effective_end = inp.rupture_date or inp.end_date
    first_year_end = inp.start_date + relativedelta(years=1) - ONE_DAY
    short = inp.end_date < first_year_end
    raise_short = short and inp.shortened_duration
    new_cfa = (
        regime is Regime.R2025
        and inp.cfa_declared_on is not None
        and inp.cfa_declared_on > inp.start_date - relativedelta(months=NEW_CFA_MONTHS)
    )
    frais_by_year = {entry.year: entry for entry in inp.frais_annexes}
    planned_years = len(_year_starts(inp.start_date, inp.end_date))
    beyond = sorted(year for year in frais_by_year if year > planned_years)
    if beyond:
        raise FinancingError(
            f"Frais annexes déclarés pour l'année {beyond[0]}, hors de la durée du contrat ({planned_years} an(s))."
        )

    def year_amount(year_start: date, year_end: date, full_end: date) -> Decimal:
        if year_end == full_end:
            amount = annual
        elif regime is Regime.R2025:
            amount = round_money(annual * ((year_end - year_start).days + 1) / 365)
        else:
            amount = round_money(annual * months_begun(year_start, year_end) / 12)
        if raise_short:
            amount = min(round_money(amount * SHORT_CONTRACT_RAISE), annual)
        return amount

    years: list[Year] = []
    lines: list[Instalment] = []
    index = 1
    while True:
        year_start = inp.start_date + relativedelta(years=index - 1)
        if year_start > effective_end:
            break
        full_end = inp.start_date + relativedelta(years=index) - ONE_DAY
        planned_end = min(full_end, inp.end_date)
        actual_end = min(full_end, effective_end)
        frais = frais_annexes_of(index, frais_by_year)
        planned = _split(
            year=index,
            amount=year_amount(year_start, planned_end, full_end) + frais,
            year_start=year_start,
            planned_end=planned_end,
            regime=regime,
            short=short,
            first_advance_due=inp.start_date + relativedelta(months=NEW_CFA_DEFERRAL_MONTHS) if new_cfa and index == 1 else None,
        )
        actual_amount = year_amount(year_start, actual_end, full_end)
        if actual_end < planned_end:
            # A rupture cuts this year short: kept lines stay as they are, one closing line settles
            # the year at its actual amount (possibly negative: a trop-perçu).
            kept = [line for line in planned if line.due_date <= actual_end]
            closing = actual_amount + frais - sum((line.gross for line in kept), ZERO)
            if closing != ZERO:
                kind = Kind.REGULARISATION if any(line.kind is Kind.BALANCE for line in kept) else Kind.BALANCE
                kept.append(Instalment(index, kind, actual_end + ONE_DAY, closing))
            planned = kept
        lines.extend(planned)
        years.append(
            Year(index, year_start, actual_end, (actual_end - year_start).days + 1, actual_end == full_end, actual_amount, frais)
        )
        index += 1

    lines.sort(key=Instalment.sort_key)
    participation = employer_participation(inp, regime, base)
    return Schedule(
        regime=regime,
        npec=round_money(inp.npec),
        npec_source=inp.npec_source,
        annual_amount=annual,
        years=tuple(years),
        employer_participation=participation,
        instalments=tuple(_deduct(lines, participation)),
    )


def _year_starts(start: date, last_day: date) -> list[date]:
    starts, index = [], 0
    while (year_start := start + relativedelta(years=index)) <= last_day:
        starts.append(year_start)
        index += 1
    return starts


def _split(
    *,
    year: int,
    amount: Decimal,
    year_start: date,
    planned_end: date,
    regime: Regime,
    short: bool,
    first_advance_due: date | None,
) -> list[Instalment]:
    """The planned lines of one year (R6332-25 III and IV; historical R6332-25 for R2021). Each
    percentage line is rounded; the balance takes the rest, so the lines sum to `amount` exactly. A
    line other than the balance falling after the year's planned end is not made."""
    after_end = planned_end + ONE_DAY
    if short:
        shares = [(Kind.ADVANCE, Decimal("0.50"), year_start)]
        balance_due = after_end
    elif regime is Regime.R2025:
        shares = [
            (Kind.ADVANCE, Decimal("0.40"), year_start),
            (Kind.MONTH7, Decimal("0.30"), year_start + relativedelta(months=6)),
            (Kind.MONTH10, Decimal("0.20"), year_start + relativedelta(months=9)),
        ]
        balance_due = after_end
    else:
        shares = [
            (Kind.ADVANCE, Decimal("0.40"), year_start),
            (Kind.MONTH7, Decimal("0.30"), year_start + relativedelta(months=6)),
        ]
        balance_due = min(year_start + relativedelta(months=9), after_end)
    lines = []
    for kind, share, due in shares:
        if kind is Kind.ADVANCE and first_advance_due is not None:
            due = first_advance_due  # R6332-25 V: a new CFA's first advance at the third month
        if due > planned_end:
            continue
        lines.append(Instalment(year, kind, due, round_money(amount * share)))
    lines.append(Instalment(year, Kind.BALANCE, balance_due, amount - sum((line.gross for line in lines), ZERO)))
    return lines


def _deduct(lines: list[Instalment], participation: Decimal) -> list[Instalment]:
    """The participation comes off the first advance, then the next positive lines in order
    (house rule); what no line can absorb is not deducted."""
    remaining = participation
    result = []
    for line in lines:
        if remaining > ZERO and line.gross > ZERO:
            deduction = min(line.gross, remaining)
            remaining -= deduction
            line = replace(line, deduction=deduction)
        result.append(line)
    return result
