"""Instruction checks on an apprenticeship contract (CHECKS.md « The checks »).

`run_checks` runs every check of the CHECKS.md table, in its order, on a parsed payload; each check
is one function answering a status and a French message that says what is wrong, with the values.
Nothing is stored here. `check_contract_data` (parse, then check) is the service behind the API and
the `check_contract` command.

Calendar arithmetic is `dateutil.relativedelta`'s (it clips to the month's last day); every bound is
inclusive unless the rule says « less than »; amounts and hours are compared exactly.

Why one module over 600 lines: it is CHECKS.md's table, one function per row in the spec's order,
so that a reader checks the code against the spec top to bottom; the primitives are opco.checks'.
"""

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

from branches.certifications.rncp import registration_end
from branches.models import BranchIdcc
from branches.paygrids.selectors import ConventionalMinimum, conventional_minimum
from contracts.alternance.payload import ContractPayload, Master, PayPeriod, parse_contract_payload
from contracts.alternance.reference_cache import cached, is_cached
from contracts.enums import ContractKind, ContractStatus
from contracts.models import ApprenticeshipContract, ApprenticeshipMaster, EmployerOpposition
from opco.calendar import OUVRABLES, add_working_days
from opco.checks import CheckReport, Outcome, error, error_if_any, fr_date, fr_number, ok, run_table, warning
from referentials.enums import HolidayZone
from referentials.models import Certification, Company, Idcc, LegalParameter
from referentials.rncp_export import direct_successors
from referentials.selectors import public_holidays_between
from referentials.validators import UAI_CHECK_LETTERS, is_valid_siret, is_valid_uai, normalize_identifier

# --- The report --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckContext:
    today: date
    exclude_contract_id: int | None = None


# --- Formatting and calendar helpers ---------------------------------------------------------------


def _ordinal_year(year: int) -> str:
    return "1re année" if year == 1 else f"{year}e année"


def age_on(birth: date, day: date) -> int:
    """The largest n with birth + n years ≤ day; a 29 February birthday falls on 28 February in
    other years, as relativedelta clips it."""
    years = day.year - birth.year
    if birth + relativedelta(years=years) > day:
        years -= 1
    return years


def _period(first: date, last: date) -> str:
    return f"du {fr_date(first)} au {fr_date(last)}"


# --- EMPLOYEUR_SIRET, CFA_SIRET -----------------------------------------------------------------------
SIRET_RE = re.compile(r"^\d{14}$")


def _siret_outcome(siret: str, whose: str) -> Outcome:
    # INSEE: 14 digits and the Luhn key; La Poste's establishments (SIREN 356000000) use a digit
    # sum that is a multiple of 5 (python-stdnum's rule, behind is_valid_siret).
    if not SIRET_RE.match(siret):
        return error(f"Le SIRET {whose} « {siret} » doit compter exactement 14 chiffres.")
    if not is_valid_siret(siret):
        return error(f"Le SIRET {whose} « {siret} » a une clé de contrôle invalide.")
    return ok(f"SIRET {whose} valide ({siret}).")


def check_employer_siret(payload: ContractPayload, context: CheckContext) -> Outcome:
    return _siret_outcome(payload.employeur.siret, "de l'employeur")


def check_cfa_siret(payload: ContractPayload, context: CheckContext) -> Outcome:
    return _siret_outcome(payload.cfa.siret, "du CFA")


# --- CFA_UAI ------------------------------------------------------------------------------------------
UAI_FORMAT_RE = re.compile(r"^\d{7}[A-Z]$")


def check_cfa_uai(payload: ContractPayload, context: CheckContext) -> Outcome:
    # UAI/RNE key: the 7-digit number modulo 23, as a letter of UAI_CHECK_LETTERS.
    uai = payload.cfa.uai
    if not UAI_FORMAT_RE.match(uai):
        return error(f"L'UAI du CFA « {uai} » doit compter 7 chiffres suivis d'une lettre majuscule.")
    if not is_valid_uai(uai):
        expected = UAI_CHECK_LETTERS[int(uai[:7]) % 23]
        return error(f"L'UAI du CFA « {uai} » a une lettre de contrôle fausse : « {expected} » est attendue après {uai[:7]}.")
    return ok(f"UAI du CFA valide ({uai}).")


# --- CFA_QUALIOPI -------------------------------------------------------------------------------------
QUALIOPI_GRACE = relativedelta(months=6)  # R6316-9 I


def check_cfa_qualiopi(payload: ContractPayload, context: CheckContext) -> Outcome:
    # L6316-1: a provider funded by an OPCO is certified. R6316-9: a new CFA has 6 months without it,
    # counted here from its déclaration d'activité (house rule: the payload has no first agreement).
    cfa, start = payload.cfa, payload.contrat.date_debut
    if cfa.qualiopi:
        return ok("Le CFA est certifié Qualiopi (L6316-1).")
    declared = cfa.declaration_activite_date
    if declared is None:
        return error(
            "Le CFA n'est pas certifié Qualiopi et aucune date de déclaration d'activité n'ouvre le délai de grâce "
            "de 6 mois (L6316-1, R6316-9)."
        )
    last_grace_day = declared + QUALIOPI_GRACE - timedelta(days=1)
    if start < declared + QUALIOPI_GRACE:
        return warning(
            f"Le CFA n'est pas certifié Qualiopi ; déclaré le {fr_date(declared)}, il est dans le délai de grâce de 6 mois "
            f"(jusqu'au {fr_date(last_grace_day)}) pour un contrat commençant le {fr_date(start)} : il doit transmettre sous "
            "2 mois son contrat avec un organisme certificateur (R6316-9)."
        )
    return error(
        f"Le CFA n'est pas certifié Qualiopi et le contrat commence le {fr_date(start)}, après le délai de grâce de 6 mois "
        f"ouvert par sa déclaration d'activité du {fr_date(declared)} (fin le {fr_date(last_grace_day)}) (L6316-1, R6316-9)."
    )


# --- CERTIFICATION ------------------------------------------------------------------------------------
RNCP_RE = re.compile(r"^RNCP\d{2,6}$")


def _latest_expiry(rows: list[Certification]) -> date | None:
    """The fiche's « Date d'échéance »: none when a row has none, else the latest one — read by the same
    function as the branches' renewal alerts (branches.certifications.rncp)."""
    return registration_end(rows[0].rncp, rows)


def _certification_problems(rncp: str, rows: list[Certification], concluded: date) -> list[str]:
    problems = []
    if not any(row.open_to_apprenticeship for row in rows):
        access = "non" if rows[0].open_to_apprenticeship is False else "non renseigné"
        problems.append(f"La fiche {rncp} n'est pas ouverte à l'apprentissage (« Accès à l'apprentissage » : {access}).")
    expiry = _latest_expiry(rows)
    if expiry is not None and expiry < concluded:
        problems.append(
            f"La fiche {rncp} est arrivée à échéance le {fr_date(expiry)}, "
            f"avant la conclusion du contrat le {fr_date(concluded)}."
        )
    return problems


def check_certification(payload: ContractPayload, context: CheckContext) -> Outcome:
    # L6211-1, D6224-2 1°: a certification registered in the RNCP and open to apprenticeship, read
    # in the Kit apprentissage by exact fiche code (several rows: one per code diplôme).
    rncp, concluded = payload.formation.rncp, payload.contrat.date_conclusion
    if not RNCP_RE.match(rncp):
        return error(f"« {rncp} » n'est pas un code de fiche RNCP (« RNCP » suivi de 2 à 6 chiffres).")
    rows = cached(("certifications", rncp), lambda: list(Certification.objects.filter(rncp=rncp).order_by("code_diplome")))
    if not rows:
        return error(f"La fiche {rncp} est absente du référentiel des certifications (Kit apprentissage).")
    problems = _certification_problems(rncp, rows, concluded)
    if problems:
        # The Kit's successor, else the RNCP export's old → new lineage.
        successor = next((row.successor_rncp for row in rows if row.successor_rncp), "") or ", ".join(direct_successors(rncp))
        if successor:
            problems.append(f"Fiche remplaçante (« Nouvelle Certification ») : {successor}.")
        return error(" ".join(problems))
    expiry = _latest_expiry(rows)
    level = f", niveau {rows[0].level}" if rows[0].level else ""
    validity = f", échéance le {fr_date(expiry)}" if expiry else ""
    return ok(f"Fiche {rncp} ({rows[0].title}{level}) ouverte à l'apprentissage{validity}.")


# --- AGE ----------------------------------------------------------------------------------------------
AGE_DEROGATION_LABELS = {
    "diplome_superieur": "contrat menant à un diplôme supérieur (L6222-2 1°)",
    "rupture_independante": "rupture du précédent contrat indépendante de la volonté de l'apprenti (L6222-2 2°)",
}


def _derogation_problems(payload: ContractPayload) -> list[str]:
    # D6222-1: for L6222-2 1° and 2°, 35 at most when the contract is concluded, and concluded
    # within a year of the previous contract's end.
    apprentice, concluded = payload.apprenti, payload.contrat.date_conclusion
    problems = []
    previous_end = apprentice.precedent_contrat_fin
    if previous_end is None:
        problems.append("la date de fin du précédent contrat n'est pas renseignée")
    elif concluded > previous_end + relativedelta(years=1):
        problems.append(
            f"le contrat est conclu le {fr_date(concluded)}, plus d'un an "
            f"après la fin du précédent contrat ({fr_date(previous_end)})"
        )
    age_at_conclusion = age_on(apprentice.date_naissance, concluded)
    if age_at_conclusion > 35:
        problems.append(f"l'apprenti a {age_at_conclusion} ans à la conclusion du contrat (35 ans au plus)")
    return problems


def _age_over_29(payload: ContractPayload, intro: str) -> Outcome:
    apprentice = payload.apprenti
    no_limit = (
        (apprentice.handicap, "reconnaissance de la qualité de travailleur handicapé, L6222-2 3°"),
        (apprentice.projet_creation_reprise_entreprise, "projet de création ou de reprise d'entreprise, L6222-2 4°"),
        (apprentice.sportif_haut_niveau, "sportif de haut niveau, L6222-2 5°"),
    )
    for applies, reason in no_limit:
        if applies:
            return ok(f"{intro} : la limite de 29 ans ne s'applique pas ({reason}).")
    derogation = apprentice.derogation_age
    if derogation is None:
        return error(f"{intro} : au-delà de 29 ans, une dérogation est nécessaire (L6222-1, L6222-2).")
    label = AGE_DEROGATION_LABELS[derogation]
    problems = _derogation_problems(payload)
    if problems:
        return error(f"{intro} : la dérogation demandée ({label}) ne s'applique pas : {' ; '.join(problems)} (D6222-1).")
    return ok(f"{intro} : dérogation à la limite de 29 ans admise ({label}, D6222-1).")


def check_age(payload: ContractPayload, context: CheckContext) -> Outcome:
    # L6222-1: 16 to 29 at the start; from 15 with the first cycle of secondary school completed.
    apprentice = payload.apprenti
    age = age_on(apprentice.date_naissance, payload.contrat.date_debut)
    intro = f"L'apprenti a {age} ans au début du contrat (date de naissance : {fr_date(apprentice.date_naissance)})"
    if 16 <= age <= 29:
        return ok(f"{intro}.")
    if age == 15:
        if apprentice.premier_cycle_acheve:
            return ok(f"{intro} et a achevé le premier cycle de l'enseignement secondaire (L6222-1).")
        return error(
            f"{intro} : à 15 ans, il doit justifier avoir achevé le premier cycle de l'enseignement secondaire (L6222-1)."
        )
    if age < 15:
        return error(f"{intro} : l'âge minimum est de 15 ans, avec le premier cycle du secondaire achevé (L6222-1).")
    return _age_over_29(payload, intro)


# --- DUREE --------------------------------------------------------------------------------------------
def check_duration(payload: ContractPayload, context: CheckContext) -> Outcome:
    # L6222-7-1: 6 months to 3 years; R6222-46: up to 4 years for a disabled worker.
    start, end = payload.contrat.date_debut, payload.contrat.date_fin
    years, source = (4, "R6222-46") if payload.apprenti.handicap else (3, "L6222-7-1")
    earliest_end = start + relativedelta(months=6) - timedelta(days=1)
    latest_end = start + relativedelta(years=years) - timedelta(days=1)
    span = _period(start, end)
    if end < earliest_end:
        return error(
            f"Le contrat dure moins de 6 mois ({span}) : il doit finir le {fr_date(earliest_end)} au plus tôt (L6222-7-1)."
        )
    if end > latest_end:
        return error(
            f"Le contrat dure plus de {years} ans ({span}) : il doit finir le {fr_date(latest_end)} au plus tard ({source})."
        )
    return ok(f"Durée conforme ({span}) : entre 6 mois et {years} ans ({source}).")


# --- DATES --------------------------------------------------------------------------------------------
THREE_MONTHS = relativedelta(months=3)


def _training_start_problem(training_start: date, start: date) -> str | None:
    # L6222-12: CFA training starts at most 3 months after the contract; L6222-12-1: a young person
    # may start at the CFA up to 3 months before signing a contract.
    if training_start < start - THREE_MONTHS:
        return (
            f"La formation en CFA commence le {fr_date(training_start)}, plus de 3 mois avant le début du contrat "
            f"({fr_date(start)}) : au plus tôt le {fr_date(start - THREE_MONTHS)} (L6222-12-1)."
        )
    if training_start > start + THREE_MONTHS:
        return (
            f"La formation en CFA commence le {fr_date(training_start)}, plus de 3 mois après le début du contrat "
            f"({fr_date(start)}) : au plus tard le {fr_date(start + THREE_MONTHS)} (L6222-12)."
        )
    return None


def _practical_start_problem(practical_start: date, start: date) -> str | None:
    # L6222-12: the practical training at the employer starts at most 3 months after the contract.
    if practical_start < start:
        return (
            f"La formation pratique chez l'employeur commence le {fr_date(practical_start)}, avant le début du contrat "
            f"({fr_date(start)})."
        )
    if practical_start > start + THREE_MONTHS:
        return (
            f"La formation pratique chez l'employeur commence le {fr_date(practical_start)}, plus de 3 mois après le début "
            f"du contrat ({fr_date(start)}) : au plus tard le {fr_date(start + THREE_MONTHS)} (L6222-12)."
        )
    return None


def check_dates(payload: ContractPayload, context: CheckContext) -> Outcome:
    contract = payload.contrat
    start, end = contract.date_debut, contract.date_fin
    problems = []
    if end <= start:
        problems.append(f"La fin du contrat ({fr_date(end)}) doit être postérieure à son début ({fr_date(start)}).")
    for problem in (
        _training_start_problem(payload.formation.date_debut, start),
        _practical_start_problem(contract.date_debut_formation_pratique, start),
    ):
        if problem:
            problems.append(problem)
    return error_if_any(
        problems,
        f"Dates cohérentes : contrat {_period(start, end)}, formation "
        f"en CFA à partir du {fr_date(payload.formation.date_debut)}, "
        f"formation pratique à partir du {fr_date(contract.date_debut_formation_pratique)}.",
    )


# --- FORMATION_DUREE ----------------------------------------------------------------------------------
CFA_SHARE = Fraction(1, 4)  # L6211-2: at least 25 % of the contract's duration
YEARLY_HOURS = 1607  # house rule: the base of the official CERFA tool


def check_training_hours(payload: ContractPayload, context: CheckContext) -> Outcome:
    start, end = payload.contrat.date_debut, payload.contrat.date_fin
    days = (end - start).days + 1  # contract days, counted inclusively
    if days <= 0:
        return ok("Sans objet : la fin du contrat précède son début (voir DATES).")
    hours = payload.formation.duree_heures
    minimum = CFA_SHARE * YEARLY_HOURS * Fraction(days, 365)  # exact: no rounding before comparing
    if Fraction(hours) >= minimum:
        return ok(f"Formation en CFA de {fr_number(hours)} h, au moins 25 % de la durée du contrat ({days} jours) (L6211-2).")
    shown = Decimal(math.ceil(minimum * 100)) / 100  # rounded up, for reading only
    return error(
        f"La formation en CFA compte {fr_number(hours)} h : il en faut au moins {fr_number(shown)} h, soit 25 % de 1 607 h "
        f"× {days} jours / 365 pour un contrat {_period(start, end)} (L6211-2)."
    )


# --- REMUNERATION -------------------------------------------------------------------------------------
# D6222-26 (D6222-27: under 16 is paid as 16–17): percent of the SMIC by age band and contract year.
AGE_BANDS = (
    ("moins de 18 ans", (27, 39, 55)),
    ("18 à 20 ans", (43, 51, 67)),
    ("21 à 25 ans", (53, 61, 78)),
    ("26 ans et plus", (100, 100, 100)),
)
BAND_CHANGE_AGES = (18, 21, 26)
FIRST_CONVENTIONAL_BAND = 2  # « 21 à 25 ans »: D6222-26 3° and 4° name the branch minimum from 21
FULL_TIME_WEEKLY_HOURS = 35  # the monthly SMIC is for 35 h a week (L3121-27)


@dataclass(frozen=True)
class PayMinimum:
    """The legal minimum of a contract, day by day. `conventional_ratio` is the branch minimum over
    the SMIC when it is the base from 21 (D6222-26 3° and 4°), else 1."""

    start: date
    first_band: int
    band_changes: tuple[date, ...]
    conventional_ratio: Fraction = Fraction(1)

    @classmethod
    def of(cls, birth: date, start: date, conventional_ratio: Fraction = Fraction(1)) -> "PayMinimum":
        # The band of the age at start; D6222-31: a later 18th, 21st or 26th birthday moves the
        # apprentice to the next band on the first day of the following month.
        age = age_on(birth, start)
        first_band = sum(1 for threshold in BAND_CHANGE_AGES if age >= threshold)
        changes = tuple(
            (birth + relativedelta(years=threshold)).replace(day=1) + relativedelta(months=1)
            for threshold in BAND_CHANGE_AGES
            if age < threshold
        )
        return cls(start, first_band, changes, conventional_ratio)

    def year(self, day: date) -> int:
        """The largest k ≥ 1 with start + (k − 1) years ≤ day."""
        year = 1
        while self.start + relativedelta(years=year) <= day:
            year += 1
        return year

    def band(self, day: date) -> int:
        return self.first_band + sum(1 for change in self.band_changes if change <= day)

    def rate(self, day: date) -> int:
        return AGE_BANDS[self.band(day)][1][min(self.year(day), 3) - 1]

    def on_conventional_base(self, day: date) -> bool:
        return self.band(day) >= FIRST_CONVENTIONAL_BAND and self.conventional_ratio > 1

    def required(self, day: date) -> Fraction:
        """The minimum of a day in percent of the SMIC: the legal rate, applied from 21 to the branch
        minimum when that is higher (so a share of the SMIC above the legal rate)."""
        rate = Fraction(self.rate(day))
        return rate * self.conventional_ratio if self.on_conventional_base(day) else rate

    def label(self, day: date) -> str:
        return f"{_ordinal_year(self.year(day))}, {AGE_BANDS[self.band(day)][0]}"

    def _turning_days(self, first: date, last: date) -> list[date]:
        # The minimum only changes on a contract anniversary or a band change.
        anniversaries = (self.start + relativedelta(years=k) for k in range(1, self.year(last)))
        return sorted({first, *(d for d in (*anniversaries, *self.band_changes) if first < d <= last)})

    def highest(self, first: date, last: date) -> tuple[int, date]:
        """The highest legal rate on a day of [first, last] and the first day it applies."""
        days = self._turning_days(first, last)
        rate = max(self.rate(day) for day in days)
        return rate, next(day for day in days if self.rate(day) == rate)

    def highest_required(self, first: date, last: date) -> tuple[Fraction, date]:
        """As `highest`, with the branch minimum as the base where it applies."""
        days = self._turning_days(first, last)
        rate = max(self.required(day) for day in days)
        return rate, next(day for day in days if self.required(day) == rate)


def _numbered(periods: tuple[PayPeriod, ...]) -> list[tuple[int, PayPeriod]]:
    """Periods with their number (as in the payload, from 1), in date order."""
    return sorted(enumerate(periods, start=1), key=lambda pair: (pair[1].date_debut, pair[1].date_fin))


def _layout_problems(periods: tuple[PayPeriod, ...], start: date, end: date) -> list[str]:
    """Reversed periods, days outside the contract, overlaps."""
    problems = []
    for number, period in enumerate(periods, start=1):
        span = _period(period.date_debut, period.date_fin)
        if period.date_fin < period.date_debut:
            problems.append(f"La période de rémunération n° {number} ({span}) finit avant de commencer.")
        elif period.date_debut < start or period.date_fin > end:
            problems.append(f"La période de rémunération n° {number} ({span}) sort du contrat ({_period(start, end)}).")
    latest: tuple[int, PayPeriod] | None = None  # the period reaching furthest so far
    for number, period in _numbered(periods):
        if period.date_fin < period.date_debut:
            continue
        if latest is not None and period.date_debut <= latest[1].date_fin:
            overlap = _period(period.date_debut, min(period.date_fin, latest[1].date_fin))
            problems.append(f"Les périodes de rémunération n° {latest[0]} et n° {number} se chevauchent ({overlap}).")
        if latest is None or period.date_fin > latest[1].date_fin:
            latest = (number, period)
    return problems


def _gap_problems(periods: tuple[PayPeriod, ...], start: date, end: date) -> list[str]:
    """Contract days no period covers."""
    gaps, next_uncovered = [], start
    for _, period in _numbered(periods):
        if period.date_fin < period.date_debut:
            continue
        if period.date_debut > next_uncovered and next_uncovered <= end:
            gaps.append(_period(next_uncovered, min(period.date_debut - timedelta(days=1), end)))
        next_uncovered = max(next_uncovered, period.date_fin + timedelta(days=1))
    if next_uncovered <= end:
        gaps.append(_period(next_uncovered, end))
    return [f"Aucune période de rémunération ne couvre les jours {gap} du contrat." for gap in gaps]


def _shown_percent(rate: Fraction) -> str:
    if rate.denominator == 1:
        return str(rate.numerator)
    return fr_number(_ceil(rate, 4)) + " (arrondi)"


def _ceil(value: Fraction, places: int) -> Decimal:
    """Rounded up, for reading only: the comparison itself is exact."""
    scale = 10**places
    return Decimal(math.ceil(value * scale)) / scale


def _rate_problems(periods: tuple[PayPeriod, ...], minimum: PayMinimum, start: date, end: date) -> list[str]:
    problems = []
    for number, period in enumerate(periods, start=1):
        first, last = max(period.date_debut, start), min(period.date_fin, end)
        if first > last:
            continue  # no contract day in it: reported as outside the contract
        rate, from_day = minimum.highest_required(first, last)
        if Fraction(period.taux) < rate:
            base = " du salaire minimum conventionnel" if minimum.on_conventional_base(from_day) else ""
            legal = f" ({minimum.rate(from_day)} %{base})" if base else ""
            problems.append(
                f"La période de rémunération n° {number} ({_period(period.date_debut, period.date_fin)}) est payée "
                f"{fr_number(period.taux)} % du SMIC : le minimum est de {_shown_percent(rate)} %{legal} à partir du "
                f"{fr_date(from_day)} ({minimum.label(from_day)}) (D6222-26, D6222-31)."
            )
    return problems


@dataclass(frozen=True)
class PayBase:
    """What the minimum is computed on at the start date: the monthly SMIC in force, and the branch
    minimum of the declared position when staff entered it (None otherwise)."""

    smic: Decimal
    smic_from: date
    conventional: ConventionalMinimum | None

    def ratio(self) -> Fraction:
        if self.conventional is None or self.conventional.amount <= self.smic:
            return Fraction(1)
        return Fraction(self.conventional.amount) / Fraction(self.smic)


def _smic_row_on(day: date) -> tuple[Decimal, date] | None:
    row = cached(
        ("smic_monthly_row", day),
        lambda: (
            LegalParameter.objects.filter(key="smic_monthly", valid_from__lte=day)
            .order_by("-valid_from")
            .values_list("value", "valid_from")
            .first()
        ),
    )
    return tuple(row) if row else None


def _idcc_code(value: str) -> str:
    code = value.strip()
    return code.zfill(4) if code.isdigit() else code


def pay_base(payload: ContractPayload) -> PayBase | None:
    """The SMIC of the start date and the branch minimum (None when no SMIC is known that day)."""
    start, terms = payload.contrat.date_debut, payload.contrat
    smic = _smic_row_on(start)
    if smic is None:
        return None
    idcc = _idcc_code(payload.employeur.idcc)
    conventional = cached(
        ("pay_grid", idcc, terms.classification, terms.coefficient, start),
        lambda: conventional_minimum(idcc=idcc, classification=terms.classification, coefficient=terms.coefficient, on=start),
    )
    return PayBase(smic[0], smic[1], conventional)


def _salary_problem(payload: ContractPayload, minimum: PayMinimum, base: PayBase) -> tuple[str | None, str]:
    """The declared monthly salary against the minimum of the start date, compared exactly
    (D6222-26: 43 % × 1 823,03 € = 783,9029 €, so 783,90 € is under it); prorated below 35 h a
    week. Returns (problem, what was compared) in French."""
    terms, start = payload.contrat, payload.contrat.date_debut
    salary = terms.salaire_brut_mensuel_embauche
    rate = minimum.rate(start)
    conventional = base.conventional is not None and minimum.on_conventional_base(start)
    amount = base.conventional.amount if conventional else base.smic
    what = (
        f"{rate} % du {base.conventional.description}"
        if conventional
        else f"{rate} % du SMIC mensuel de {fr_number(base.smic)} € en vigueur au {fr_date(base.smic_from)}"
    )
    required = Fraction(amount) * rate / 100
    hours = terms.duree_hebdo_heures
    if hours is not None and hours < FULL_TIME_WEEKLY_HOURS:
        required = required * Fraction(hours) / FULL_TIME_WEEKLY_HOURS
        what += f", × {fr_number(hours)} h / 35 h"
    shown = fr_number(_ceil(required, 4))
    exact = "" if (required * 10**4).denominator == 1 else " (arrondi au dix-millième supérieur)"
    compared = f"{what} = {shown} €{exact} ({minimum.label(start)})"
    if Fraction(salary) < required:
        return (
            f"Le salaire brut mensuel à l'embauche de {fr_number(salary)} € est inférieur au minimum de {compared} "
            "(D6222-26, D6222-27).",
            compared,
        )
    return None, compared


def check_pay(payload: ContractPayload, context: CheckContext) -> Outcome:
    contract = payload.contrat
    start, end, periods = contract.date_debut, contract.date_fin, contract.remunerations
    if not periods:
        return error("Aucune période de rémunération n'est indiquée (D6222-26).")
    base = pay_base(payload)
    minimum = PayMinimum.of(payload.apprenti.date_naissance, start, base.ratio() if base else Fraction(1))
    problems = _layout_problems(periods, start, end)
    if end >= start:
        problems += _gap_problems(periods, start, end)
    problems += _rate_problems(periods, minimum, start, end)
    salary, compared = contract.salaire_brut_mensuel_embauche, ""
    if salary is not None and base is not None:
        problem, compared = _salary_problem(payload, minimum, base)
        if problem:
            problems.append(problem)
    if problems:
        return error(" ".join(problems))
    if salary is not None and base is None:
        return warning(
            f"Le SMIC mensuel en vigueur au {fr_date(start)} est absent des paramètres légaux : le salaire brut mensuel "
            f"à l'embauche de {fr_number(salary)} € n'a pas pu être comparé au minimum (D6222-26)."
        )
    span, sources = _period(start, end), "(D6222-26, D6222-31)"
    salary_text = f" Salaire à l'embauche de {fr_number(salary)} €, au moins {compared}." if compared else ""
    if len(periods) == 1:
        return ok(f"La période de rémunération couvre le contrat {span} et respecte le minimum {sources}.{salary_text}")
    return ok(
        f"Les {len(periods)} périodes de rémunération couvrent le contrat {span} et respectent le minimum {sources}.{salary_text}"
    )


# --- MAITRE -------------------------------------------------------------------------------------------
RUNNING_STATUSES = (ContractStatus.ACCEPTED, ContractStatus.DEPOSITED, ContractStatus.RUNNING)
MAX_APPRENTICES_PER_MASTER = 2  # R6223-6 (the third after an exam failure is not modelled)


def _folded(text: str) -> str:
    """A name compared without case nor accents: « Hélène » = « HELENE »."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _master_name(master: Master, number: int) -> str:
    name = f"{master.prenom} {master.nom}".strip()
    return f"Le maître d'apprentissage {name}" if name else f"Le maître d'apprentissage n° {number}"


def _is_competent(master: Master, level: int) -> bool:
    # R6223-22 (the default when the branch sets no rule): a diploma of the same field at the level
    # prepared or above and 1 year of experience, or 2 years of experience.
    by_diploma = (
        master.diplome_meme_domaine
        and master.diplome_niveau is not None
        and master.diplome_niveau >= level
        and master.experience_annees >= 1
    )
    return by_diploma or master.experience_annees >= 2


def _competence_description(master: Master) -> str:
    if master.diplome_niveau is None:
        diploma = "sans diplôme indiqué"
    else:
        field = "du même domaine" if master.diplome_meme_domaine else "d'un autre domaine"
        diploma = f"diplôme de niveau {master.diplome_niveau} {field}"
    return f"{diploma}, {fr_number(master.experience_annees)} an(s) d'expérience"


def _employers_with_running_contracts() -> set[str]:
    """SIRETs with a running contract, read once by a bulk import (the files it creates are only
    received: they never count as running during the job)."""
    contracts = ApprenticeshipContract.objects.filter(status__in=RUNNING_STATUSES)
    return set(contracts.values_list("employer_siret", flat=True).distinct())


def _running_contracts_of(master: Master, payload: ContractPayload, context: CheckContext) -> list[str]:
    """File numbers of the employer's running contracts (accepted, deposited or running, over a
    period that overlaps this one) naming the same master: same names and birth date."""
    contract = payload.contrat
    if is_cached() and payload.employeur.siret not in cached(("running_employers",), _employers_with_running_contracts):
        return []  # a bulk import: this employer had no running contract when the job started
    rows = ApprenticeshipMaster.objects.filter(
        birth_date=master.date_naissance,
        # R6223-6 counts apprentices; a professionalisation trainee counts for PRO_TUTEUR (D6325-9) only.
        contract__contract_kind=ContractKind.APPRENTISSAGE,
        contract__employer_siret=payload.employeur.siret,
        contract__status__in=RUNNING_STATUSES,
        contract__start_date__lte=contract.date_fin,
        contract__end_date__gte=contract.date_debut,
    )
    if context.exclude_contract_id is not None:
        rows = rows.exclude(contract_id=context.exclude_contract_id)
    identity = (_folded(master.nom), _folded(master.prenom))
    return sorted(
        {
            file_number
            for last_name, first_name, file_number in rows.values_list("last_name", "first_name", "contract__file_number")
            if (_folded(last_name), _folded(first_name)) == identity
        }
    )


def _master_problems(master: Master, number: int, payload: ContractPayload, context: CheckContext) -> list[str]:
    who, start, level = _master_name(master, number), payload.contrat.date_debut, payload.formation.niveau
    problems = []
    if master.date_naissance is None:
        problems.append(f"{who} n'a pas de date de naissance : sa majorité ne peut être vérifiée (L6223-8-1).")
    elif (age := age_on(master.date_naissance, start)) < 18:
        problems.append(
            f"{who} a {age} ans au début du contrat (date de naissance : {fr_date(master.date_naissance)}) : "
            "il doit être majeur (L6223-8-1)."
        )
    if not _is_competent(master, level):
        problems.append(
            f"{who} ne remplit pas la condition de compétence ({_competence_description(master)}) : il faut un diplôme du "
            f"même domaine de niveau {level} ou plus et 1 an d'expérience, ou 2 ans d'expérience (R6223-22)."
        )
    if master.date_naissance is not None and (master.nom or master.prenom):
        running = _running_contracts_of(master, payload, context)
        if len(running) >= MAX_APPRENTICES_PER_MASTER:
            problems.append(
                f"{who} est déjà maître d'apprentissage sur {len(running)} contrats en cours de cet employeur "
                f"({', '.join(running)}) : 2 apprentis au plus par maître (R6223-6)."
            )
    return problems


def check_masters(payload: ContractPayload, context: CheckContext) -> Outcome:
    masters = payload.maitres_apprentissage
    if not masters:
        return error("Aucun maître d'apprentissage n'est désigné (L6223-8-1).")
    problems = [
        problem
        for number, master in enumerate(masters, start=1)
        for problem in _master_problems(master, number, payload, context)
    ]
    if len(masters) == 1:
        return error_if_any(
            problems, "Le maître d'apprentissage est majeur, compétent et disponible (L6223-8-1, R6223-22, R6223-6)."
        )
    return error_if_any(
        problems,
        f"Les {len(masters)} maîtres d'apprentissage sont majeurs, compétents et disponibles (L6223-8-1, R6223-22, R6223-6).",
    )


# --- OPCO_RATTACHEMENT --------------------------------------------------------------------------------
IDCC_RE = re.compile(r"^\d{4}$")


def check_opco_branch(payload: ContractPayload, context: CheckContext) -> Outcome:
    # R6332-23-1: the OPCO checks that the company belongs to it (an IDCC linked to one of its branches).
    raw = payload.employeur.idcc
    if not raw:
        return warning("L'IDCC de l'employeur n'est pas renseigné : rattachement à l'OPCO à vérifier (R6332-23-1).")
    code = raw.zfill(4)
    if not IDCC_RE.match(code):
        return warning(f"« {raw} » n'est pas un IDCC (4 chiffres) : rattachement à l'OPCO à vérifier (R6332-23-1).")
    outcome = _typed_idcc_outcome(code)
    # Files are scoped by the IDCC of the employer's company in the referential (opco.scoping), not by
    # the one typed in the file: when they differ, who sees the file and who should may not match.
    siret = normalize_identifier(payload.employeur.siret)  # as the deposit stores it
    recorded = cached(("company_idcc", siret), lambda: _referential_idcc_of(siret))
    if recorded is None or recorded.code == code:
        return outcome
    return warning(
        f"L'IDCC déclaré ({code}) diffère de celui de l'employeur au référentiel des entreprises ({recorded.code}, "
        f"{recorded.title}) : rattachement à vérifier (R6332-23-1). {outcome[1]}"
    )


def _referential_idcc_of(siret: str) -> Idcc | None:
    """The IDCC of the employer's company in the referential, None when the company or its IDCC is unknown."""
    company = Company.objects.select_related("idcc").filter(siret=siret).first()
    return company.idcc if company is not None else None


def _typed_idcc_outcome(code: str) -> Outcome:
    """What the typed IDCC says: a branch of this OPCO (ok), another OPCO's, or unknown (warning)."""
    opco = settings.OPCO_NAME
    link = cached(
        ("branch_link", code), lambda: BranchIdcc.objects.select_related("branch", "idcc").filter(idcc__code=code).first()
    )
    if link is not None:
        return ok(f"IDCC {code} ({link.idcc.title}) : branche « {link.branch.name} » de l'{opco}.")
    idcc = cached(("idcc", code), lambda: Idcc.objects.filter(code=code).first())
    if idcc is None:
        return warning(
            f"L'IDCC {code} est inconnu du référentiel des conventions collectives : rattachement à vérifier (R6332-23-1)."
        )
    if idcc.opco_name and idcc.opco_name != opco:
        return warning(
            f"L'IDCC {code} ({idcc.title}) relève d'un autre OPCO : {idcc.opco_name}. Rattachement à vérifier (R6332-23-1)."
        )
    if idcc.opco_name:
        return warning(
            f"L'IDCC {code} ({idcc.title}) est attribué à l'{opco} mais n'est lié à aucune de ses branches : "
            "rattachement à vérifier (R6332-23-1)."
        )
    return warning(f"L'IDCC {code} ({idcc.title}) n'est rattaché à aucun OPCO connu : rattachement à vérifier (R6332-23-1).")


# --- EMPLOYEUR_OPPOSITION -----------------------------------------------------------------------------
def check_employer_opposition(payload: ContractPayload, context: CheckContext) -> Outcome:
    # L6225-1 to L6225-6: an opposition, suspension or ban in force on the contract's start.
    siret, start = payload.employeur.siret, payload.contrat.date_debut
    # A bulk import reads the (short) list once; a single check reads this employer's only.
    by_siret = cached(("oppositions",), _oppositions_by_siret) if is_cached() else _oppositions_by_siret(siret)
    recorded = by_siret.get(siret, [])
    active = [o for o in recorded if o.starts_on <= start and (o.ends_on is None or o.ends_on >= start)]
    descriptions = [
        f"{opposition.get_kind_display()} depuis le {fr_date(opposition.starts_on)}"
        + (f" jusqu'au {fr_date(opposition.ends_on)}" if opposition.ends_on else ", sans date de fin")
        for opposition in active
    ]
    if descriptions:
        return error(
            f"L'employeur (SIRET {siret}) fait l'objet, au début du contrat le {fr_date(start)}, de : {' ; '.join(descriptions)}."
        )
    return ok(f"Aucune opposition, suspension ni interdiction enregistrée contre l'employeur au {fr_date(start)}.")


def _oppositions_by_siret(siret: str | None = None) -> dict[str, list[EmployerOpposition]]:
    rows = EmployerOpposition.objects.order_by("starts_on", "id")
    grouped: dict[str, list[EmployerOpposition]] = {}
    for row in rows.filter(siret=siret) if siret else rows:
        grouped.setdefault(row.siret, []).append(row)
    return grouped


# --- DEPOT_DELAI --------------------------------------------------------------------------------------
DEPOSIT_WORKING_DAYS = 5  # D6224-1


def last_deposit_day(start: date, zone: str) -> date:
    """The 5th « jour ouvrable » after start: Monday to Saturday, the zone's public holidays excluded
    (opco.calendar), the holidays read once per zone and year for a whole import."""
    holidays = cached(
        ("holidays", zone, start.year), lambda: public_holidays_between(date(start.year, 1, 1), date(start.year + 1, 1, 31), zone)
    )
    return add_working_days(start, DEPOSIT_WORKING_DAYS, zone=zone, kind=OUVRABLES, holidays=holidays)


def _holiday_zone_of(siret: str) -> str:
    """The known company's holiday zone, else métropole."""
    zone = cached(("zone", siret), lambda: Company.objects.filter(siret=siret).values_list("holiday_zone", flat=True).first())
    return zone or HolidayZone.METROPOLE


def received_on(payload, context: CheckContext) -> tuple[date, str]:
    """The file's reception date (today when the payload has none) and how a message says it; shared
    by the deposit-delay checks of both kinds of contracts."""
    received = payload.recu_le or context.today
    return received, f"reçu le {fr_date(received)}" + ("" if payload.recu_le else " (date du jour : la date de réception manque)")


def check_deposit_delay(payload: ContractPayload, context: CheckContext) -> Outcome:
    # D6224-1: the employer sends the contract at the latest 5 jours ouvrables after it starts.
    start = payload.contrat.date_debut
    received, received_text = received_on(payload, context)
    deadline = last_deposit_day(start, _holiday_zone_of(payload.employeur.siret))
    if received <= deadline:
        return ok(f"Dossier {received_text}, au plus tard le {fr_date(deadline)} : dans les 5 jours ouvrables (D6224-1).")
    return warning(
        f"Dossier {received_text}, après le {fr_date(deadline)} : le contrat commencé le {fr_date(start)} devait être transmis "
        "dans les 5 jours ouvrables (lundi au samedi, hors jours fériés) (D6224-1)."
    )


# --- Running them all ---------------------------------------------------------------------------------
Check = Callable[[ContractPayload, CheckContext], Outcome]
CHECKS: tuple[tuple[str, Check], ...] = (
    ("EMPLOYEUR_SIRET", check_employer_siret),
    ("CFA_SIRET", check_cfa_siret),
    ("CFA_UAI", check_cfa_uai),
    ("CFA_QUALIOPI", check_cfa_qualiopi),
    ("CERTIFICATION", check_certification),
    ("AGE", check_age),
    ("DUREE", check_duration),
    ("DATES", check_dates),
    ("FORMATION_DUREE", check_training_hours),
    ("REMUNERATION", check_pay),
    ("MAITRE", check_masters),
    ("OPCO_RATTACHEMENT", check_opco_branch),
    ("EMPLOYEUR_OPPOSITION", check_employer_opposition),
    ("DEPOT_DELAI", check_deposit_delay),
)


def run_checks(payload: ContractPayload, *, today: date, exclude_contract_id: int | None = None) -> CheckReport:
    """Every check of CHECKS.md."""
    return run_table(CHECKS, payload, CheckContext(today=today, exclude_contract_id=exclude_contract_id))


def check_contract_data(data: Any, *, today: date | None = None, exclude_contract_id: int | None = None) -> CheckReport:
    """Parse a raw payload and check it: the service of the API and the command. Raises
    InvalidPayload (French messages by field) for a payload that cannot be read."""
    payload = parse_contract_payload(data)
    return run_checks(payload, today=today or timezone.localdate(), exclude_contract_id=exclude_contract_id)
