"""The one calendar of the back-office: calendar days, months, working days and deadline clocks.

Pure functions on `datetime.date` (DESIGN.md: business dates are dates, arithmetic with
`dateutil.relativedelta`). Two kinds of working days of the Code du travail:

- « jours ouvrables »: Monday to Saturday, public holidays excluded (D6224-1's 5 days to deposit);
- « jours ouvrés »: Monday to Friday, public holidays excluded.

Public holidays are reference data owned by a higher layer (referentials), which registers its
reader here with `register_holiday_provider()` in its AppConfig.ready(): opco never imports it.

A file kind declares its clock as a `Deadline`:

    DECISION = Deadline(20, CALENDAR_DAYS, "R6224-3", SilenceMeans.REFUSAL,
                        label="Décision de prise en charge", starts_from="à compter du dossier complet")
    contract.decision_due_on = DECISION.due_on(contract.complete_on)
"""

from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ImproperlyConfigured
from django.db import models

METROPOLE = "metropole"

HolidayProvider = Callable[[date, date, str], set[date]]


class Unit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", "jours calendaires"
    OUVRABLES = "ouvrables", "jours ouvrables"
    OUVRES = "ouvres", "jours ouvrés"
    MONTHS = "months", "mois"


CALENDAR_DAYS = Unit.CALENDAR_DAYS
OUVRABLES = Unit.OUVRABLES  # Monday to Saturday, public holidays excluded
OUVRES = Unit.OUVRES  # Monday to Friday, public holidays excluded
MONTHS = Unit.MONTHS

_SINGULAR = {
    Unit.CALENDAR_DAYS: "jour calendaire",
    Unit.OUVRABLES: "jour ouvrable",
    Unit.OUVRES: "jour ouvré",
    Unit.MONTHS: "mois",
}


class SilenceMeans(models.TextChoices):
    """What the administration's silence at the end of the clock means."""

    REFUSAL = "refusal", "le silence vaut refus"
    ACCEPTANCE = "acceptance", "le silence vaut acceptation"
    NOTHING = "nothing", "le silence ne vaut pas décision"


# --- Public holidays: read through the provider a higher layer registers ----------------------------
_holiday_provider: HolidayProvider | None = None


class NoHolidayProvider(ImproperlyConfigured):
    pass


def register_holiday_provider(provider: HolidayProvider | None) -> HolidayProvider | None:
    """Make `provider(start, end, zone) -> set[date]` the source of public holidays; returns the one it
    replaces (so that a test can put it back)."""
    global _holiday_provider
    previous, _holiday_provider = _holiday_provider, provider
    return previous


def _provider() -> HolidayProvider:
    if _holiday_provider is None:
        # Counting working days without the holidays would give a wrong date without a word.
        raise NoHolidayProvider(
            "Aucun calendrier des jours fériés n'est enregistré : l'application « referentials » doit être installée "
            "(opco.calendar.register_holiday_provider)."
        )
    return _holiday_provider


class _Holidays:
    """The holidays of one zone, read once per (zone, year) for the duration of one computation."""

    def __init__(self, zone: str):
        self.zone = zone
        self.provider = _provider()
        self.years: dict[int, frozenset[date]] = {}

    def __contains__(self, day: date) -> bool:
        if day.year not in self.years:
            self.years[day.year] = frozenset(self.provider(date(day.year, 1, 1), date(day.year, 12, 31), self.zone))
        return day in self.years[day.year]


def _check_kind(kind: Unit) -> Unit:
    if kind not in (OUVRABLES, OUVRES):
        raise ValueError(f"Type de jours ouvrables inconnu : « {kind} » (ouvrables ou ouvrés).")
    return Unit(kind)


def _is_working(day: date, kind: Unit, holidays: Container[date]) -> bool:
    last_weekday = 5 if kind == OUVRABLES else 4  # Saturday (5) counts for « ouvrables » only; Sunday never
    return day.weekday() <= last_weekday and day not in holidays


# --- Arithmetic -----------------------------------------------------------------------------------------
def add_days(start: date, n: int) -> date:
    """`n` calendar days after `start` (before it when n < 0)."""
    return start + timedelta(days=n)


def add_months(start: date, n: int) -> date:
    """`n` months after `start`, clipped to the month's last day (31 January + 1 month → 28 or 29 February)."""
    return start + relativedelta(months=n)


def is_working_day(day: date, *, zone: str, kind: Unit = OUVRABLES) -> bool:
    """Whether `day` is a « jour ouvrable » (Monday to Saturday) or « ouvré » (Monday to Friday) that is
    not a public holiday of `zone`."""
    return _is_working(day, _check_kind(kind), _Holidays(zone))


def add_working_days(start: date, n: int, *, zone: str, kind: Unit = OUVRABLES, holidays: Container[date] | None = None) -> date:
    """The n-th « jour ouvrable » / « ouvré » after `start` (`start` itself never counts; n < 0 counts
    back before it, n = 0 is `start`). `holidays`: the zone's public holidays when the caller already
    holds them (a bulk import reads them once for thousands of files), else read from the provider."""
    kind = _check_kind(kind)
    holidays = _Holidays(zone) if holidays is None else holidays
    step = 1 if n >= 0 else -1
    day, remaining = start, abs(n)
    while remaining:
        day += timedelta(days=step)
        if _is_working(day, kind, holidays):
            remaining -= 1
    return day


# --- The deadline a file kind declares ------------------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    """A legal clock: `length` `unit`s from an event, with what silence means at its end.

    `label` names what is due (« Décision de prise en charge »), `starts_from` what starts the clock
    (« à compter du dossier complet »). The last day is `due_on(start)`: the event's own day does not
    count, as in every delay of the Code du travail counted in days."""

    length: int
    unit: Unit
    legal_basis: str
    silence: SilenceMeans
    label: str
    starts_from: str = ""

    def __post_init__(self):
        if self.length <= 0:
            raise ValueError("Un délai dure au moins un jour ou un mois.")
        object.__setattr__(self, "unit", Unit(self.unit))
        object.__setattr__(self, "silence", SilenceMeans(self.silence))

    def due_on(self, start: date, *, zone: str = METROPOLE) -> date:
        if self.unit == CALENDAR_DAYS:
            return add_days(start, self.length)
        if self.unit == MONTHS:
            return add_months(start, self.length)
        return add_working_days(start, self.length, zone=zone, kind=self.unit)

    @property
    def length_text(self) -> str:
        """« 20 jours calendaires », « 1 jour ouvrable », « 2 mois »."""
        return f"{self.length} {_SINGULAR[self.unit] if self.length == 1 else self.unit.label}"

    @property
    def description(self) -> str:
        """« 20 jours calendaires à compter du dossier complet (R6224-3) ; le silence vaut refus »."""
        clock = " ".join(part for part in (self.length_text, self.starts_from) if part)
        return f"{clock} ({self.legal_basis}) ; {self.silence.label}"

    def __str__(self) -> str:
        return f"{self.label} : {self.description}"
