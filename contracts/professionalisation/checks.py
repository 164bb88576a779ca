"""Instruction checks on a professionalisation contract (CERFA EJ20), the counterpart of
`contracts.alternance.checks` for apprenticeship: same report (CheckResult, CheckReport), same context, one
function per check answering a status and a French message with the values; nothing is stored.

« The action » is the professionalisation action: the contract itself for a CDD, `action_date_debut`
→ `action_date_fin` for a CDI (L6325-11, L6325-13, L6325-9). Calendar arithmetic is
`dateutil.relativedelta`'s (it clips to the month's last day); bounds are inclusive unless the rule
says « more than »; hours, rates and amounts are compared exactly (fractions, no rounding). The
table `PRO_CHECKS` gives the codes in their order; `run_pro_checks` runs each exactly once.

Why one module over 600 lines: it is the EJ20 counterpart of the CHECKS.md table, one function per
rule (L6325-1 to D6325-18) in the order staff read them on the file's page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from fractions import Fraction
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from contracts.alternance.checks import (
    RNCP_RE,
    RUNNING_STATUSES,
    YEARLY_HOURS,
    CheckContext,
    _folded,
    _latest_expiry,
    _numbered,
    _period,
    _siret_outcome,
    age_on,
    check_employer_siret,
    check_opco_branch,
    received_on,
)
from contracts.alternance.payload import PayPeriod
from contracts.alternance.reference_cache import cached
from contracts.models import ApprenticeshipMaster
from contracts.professionalisation.payload import (
    SITUATIONS,
    ProContractPayload,
    Tutor,
    parse_pro_payload,
    priority_public_reasons,
)
from opco.calendar import add_days
from opco.checks import CheckReport, Outcome, error, error_if_any, fr_date, fr_number, ok, run_table, warning
from referentials.models import Certification
from referentials.selectors import legal_parameter_on


# --- Helpers ------------------------------------------------------------------------------------------
def _action(payload: ProContractPayload) -> tuple[date, date]:
    return payload.contrat.action_start, payload.contrat.action_end


def _action_name(payload: ProContractPayload) -> str:
    """What the action is, for messages: the CDD itself, or the action of the CDI."""
    return "le contrat (CDD)" if payload.contrat.nature == "cdd" else "l'action de professionnalisation (CDI)"


def _of_action(payload: ProContractPayload) -> str:
    """The same, after « de »."""
    return "du contrat (CDD)" if payload.contrat.nature == "cdd" else "de l'action de professionnalisation (CDI)"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shown(value: Fraction, rounding: str = ROUND_UP) -> str:
    """A fraction shown to the cent, rounded away from the side that passes (display only)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return fr_number(exact.quantize(Decimal("0.01"), rounding=rounding))


# --- EMPLOYEUR_SIRET, ORGANISME_SIRET ---------------------------------------------------------------
def check_provider_siret(payload: ProContractPayload, context: CheckContext) -> Outcome:
    return _siret_outcome(payload.organisme.siret, "de l'organisme de formation")


# --- PRO_QUALIFICATION --------------------------------------------------------------------------------
QUALIFICATION_LABELS = {
    "cqp": "un certificat de qualification professionnelle (CQP)",
    "classification": "une qualification reconnue dans les classifications d'une convention collective de branche",
}


def check_pro_qualification(payload: ProContractPayload, context: CheckContext) -> Outcome:
    # L6325-1, L6314-1: an RNCP certification, a CQP or a qualification of the branch classification.
    # An RNCP fiche must be in the certification referential and in force when the contract is
    # concluded: its « Date d'échéance » on or after the conclusion, or none and the fiche ACTIVE.
    # Access to apprenticeship is not required.
    training, concluded = payload.formation, payload.contrat.date_conclusion
    if training.type_qualification != "rncp":
        title = f" « {training.intitule} »" if training.intitule else ""
        rncp = f" (fiche {training.rncp})" if training.rncp else ""
        return ok(
            f"Qualification visée : {QUALIFICATION_LABELS[training.type_qualification]}{title}{rncp}, "
            "admise sans contrôle dans le référentiel des certifications (L6314-1)."
        )
    rncp = training.rncp
    if not RNCP_RE.match(rncp):
        return error(f"« {rncp} » n'est pas un code de fiche RNCP (« RNCP » suivi de 2 à 6 chiffres).")
    rows = cached(("certifications", rncp), lambda: list(Certification.objects.filter(rncp=rncp).order_by("code_diplome")))
    if not rows:
        return error(f"La fiche {rncp} est absente du référentiel des certifications.")
    expiry = _latest_expiry(rows)
    successor = next((row.successor_rncp for row in rows if row.successor_rncp), "")
    replaced = f" Fiche remplaçante (« Nouvelle Certification ») : {successor}." if successor else ""
    if expiry is not None and expiry < concluded:
        return error(
            f"La fiche {rncp} est arrivée à échéance le {fr_date(expiry)}, "
            f"avant la conclusion du contrat le {fr_date(concluded)}." + replaced
        )
    if expiry is None and not any(row.active for row in rows):
        # Without a « Date d'échéance », the referential's ACTIVE/INACTIVE column is all there is.
        return error(f"La fiche {rncp} est inactive au référentiel des certifications, sans date d'échéance." + replaced)
    level = f", niveau {rows[0].level}" if rows[0].level else ""
    validity = f", échéance le {fr_date(expiry)}" if expiry else ", sans date d'échéance"
    return ok(f"Fiche {rncp} ({rows[0].title}{level}) en vigueur à la conclusion du contrat le {fr_date(concluded)}{validity}.")


# --- PRO_PUBLIC -------------------------------------------------------------------------------------
def check_pro_public(payload: ProContractPayload, context: CheckContext) -> Outcome:
    # L6325-1: 1° 16 to 25 completed years; 2° job seekers of 26 and over; 3° RSA, ASS, AAH
    # recipients and former CUI holders. Nobody under 16.
    employee, start = payload.salarie, payload.contrat.date_debut
    age = age_on(employee.date_naissance, start)
    situation = SITUATIONS[employee.situation]
    intro = (
        f"Le salarié a {age} ans au début du contrat le {fr_date(start)} "
        f"(date de naissance : {fr_date(employee.date_naissance)}), "
        f"situation : {situation}"
    )
    if age < 16:
        return error(f"{intro} : le contrat de professionnalisation est ouvert à partir de 16 ans (L6325-1).")
    if age <= 25:
        return ok(f"{intro} : public de 16 à 25 ans révolus (L6325-1 1°).")
    if employee.situation == "demandeur_emploi":
        return ok(f"{intro} : demandeur d'emploi de 26 ans et plus (L6325-1 2°).")
    if employee.situation in ("rsa", "ass", "aah", "cui"):
        return ok(f"{intro} : bénéficiaire d'un minimum social ou d'un ancien CUI, sans condition d'âge (L6325-1 3°).")
    return error(
        f"{intro} : à 26 ans et plus, le contrat est ouvert aux seuls demandeurs d'emploi et aux bénéficiaires du RSA, "
        "de l'ASS, de l'AAH ou d'un ancien contrat unique d'insertion (L6325-1 2° et 3°)."
    )


# --- PRO_DUREE ----------------------------------------------------------------------------------------
MIN_ACTION_MONTHS = 6  # L6325-11
MAX_ACTION_MONTHS = 12  # L6325-11
BRANCH_ACTION_MONTHS = 24  # L6325-12
PRIORITY_ACTION_MONTHS = 36  # L6325-11, for the L6325-1-1 public


def action_length_bounds(start: date, months_max: int) -> tuple[date, date]:
    """The earliest and latest last day of an action starting on `start` and lasting from 6 months
    to `months_max` months, both inclusive: start + 6 months − 1 day, start + max months − 1 day."""
    one_day = timedelta(days=1)
    return start + relativedelta(months=MIN_ACTION_MONTHS) - one_day, start + relativedelta(months=months_max) - one_day


# The longest action allowed, why (in French, empty for the general rule), the source, and what
# a longer action would need.
_LONGER = {
    MAX_ACTION_MONTHS: " ; 24 mois avec un accord de branche (L6325-12), 36 mois pour le public prioritaire (L6325-1-1)",
    BRANCH_ACTION_MONTHS: " ; 36 mois pour le public prioritaire (L6325-1-1)",
    PRIORITY_ACTION_MONTHS: "",
}


def _longest_action(payload: ProContractPayload) -> tuple[int, str, str]:
    reasons = priority_public_reasons(payload)
    if reasons:
        return PRIORITY_ACTION_MONTHS, f"public prioritaire : {' ; '.join(reasons)}", "L6325-11, L6325-1-1"
    if payload.contrat.accord_branche_duree:
        return BRANCH_ACTION_MONTHS, "allongement prévu par un accord de branche", "L6325-12"
    return MAX_ACTION_MONTHS, "", "L6325-11"


def check_pro_duration(payload: ProContractPayload, context: CheckContext) -> Outcome:
    # L6325-11: the action of a CDD (the contract) or at the start of a CDI lasts « between six and
    # twelve months », up to 36 months for the L6325-1-1 public; L6325-12: up to 24 months for the
    # people or qualifications a branch agreement names.
    start, end = _action(payload)
    months, why, source = _longest_action(payload)
    earliest_end, latest_end = action_length_bounds(start, months)
    what = _capitalised(_action_name(payload))
    span = _period(start, end)
    because = f"{why}, {source}" if why else source
    if end < earliest_end:
        return error(
            f"{what} dure moins de 6 mois ({span}) : sa fin doit être au plus tôt le {fr_date(earliest_end)} (L6325-11)."
        )
    if end > latest_end:
        return error(
            f"{what} dure plus de {months} mois ({span}) : sa fin doit être au plus tard le {fr_date(latest_end)} ({because})"
            f"{_LONGER[months]}."
        )
    return ok(f"{what} dure de 6 à {months} mois ({span}{', ' + why if why else ''}) ({source}).")


# --- PRO_DATES ----------------------------------------------------------------------------------------
def _contract_problems(payload: ProContractPayload) -> list[str]:
    contract = payload.contrat
    start, end, concluded = contract.date_debut, contract.date_fin, contract.date_conclusion
    problems = []
    if concluded > start:
        problems.append(f"Le contrat est conclu le {fr_date(concluded)}, après son début le {fr_date(start)}.")
    if end is not None and end < start:
        problems.append(f"La fin du contrat ({fr_date(end)}) précède son début ({fr_date(start)}).")
    first, last = contract.action_date_debut, contract.action_date_fin
    if first is not None and last is not None and last < first:
        problems.append(f"La fin de l'action de professionnalisation ({fr_date(last)}) précède son début ({fr_date(first)}).")
    if first is not None and first < start:
        problems.append(
            f"L'action de professionnalisation commence le {fr_date(first)}, avant le début du contrat ({fr_date(start)})."
        )
    if last is not None and end is not None and last > end:
        problems.append(f"L'action de professionnalisation finit le {fr_date(last)}, après la fin du contrat ({fr_date(end)}).")
    return problems


def _training_problems(payload: ProContractPayload) -> list[str]:
    training = payload.formation
    start, end = _action(payload)
    of_action = _of_action(payload)
    problems = []
    if training.date_fin < training.date_debut:
        problems.append(
            f"La formation finit le {fr_date(training.date_fin)}, avant de commencer le {fr_date(training.date_debut)}."
        )
    if training.date_debut < start:
        problems.append(
            f"La formation commence le {fr_date(training.date_debut)}, avant le début {of_action} ({fr_date(start)})."
        )
    if training.date_fin > end:
        problems.append(f"La formation finit le {fr_date(training.date_fin)}, après la fin {of_action} ({fr_date(end)}).")
    return problems


def check_pro_dates(payload: ProContractPayload, context: CheckContext) -> Outcome:
    # Coherence: concluded on or before the start, each period ends on or after its start, the action
    # lies within the contract and the training within the action (L6325-2, L6325-13).
    contract, training = payload.contrat, payload.formation
    start, end = _action(payload)
    term = _period(contract.date_debut, contract.date_fin) if contract.date_fin else f"à partir du {fr_date(contract.date_debut)}"
    return error_if_any(
        _contract_problems(payload) + _training_problems(payload),
        f"Dates cohérentes : contrat conclu le {fr_date(contract.date_conclusion)}, exécuté {term}, action de "
        f"professionnalisation {_period(start, end)}, formation {_period(training.date_debut, training.date_fin)}.",
    )


# --- PRO_FORMATION_DUREE ------------------------------------------------------------------------------
FULL_TIME_WEEKLY_HOURS = 35
MIN_TRAINING_SHARE = Fraction(15, 100)  # L6325-13
MAX_TRAINING_SHARE = Fraction(25, 100)  # L6325-13; L6325-14: more with a branch agreement
MIN_TRAINING_HOURS = 150  # L6325-13


def total_hours(days: int, weekly_hours: Decimal | None) -> Fraction:
    """The total duration, in hours, of an action of `days` calendar days (counted inclusively).

    The house base of the apprenticeship FORMATION_DUREE check, 1 607 h a year for a full time of
    35 h a week (the legal yearly working time, paid leave and public holidays excluded), prorated
    by the contract's weekly hours (35 h when not given) and by days / 365:
    1 607 × (weekly hours / 35) × days / 365. A 12-month full-time action of 365 days counts 1 607 h
    (15 % = 241,05 h, 25 % = 401,75 h). Weekly hours × weeks (1 825 h a year at 35 h) would count
    paid leave and public holidays as working time, and give another total for the same full-time
    contract depending on whether its weekly hours are filled in. Exact: a fraction, never rounded."""
    weekly = Fraction(FULL_TIME_WEEKLY_HOURS) if weekly_hours is None else Fraction(weekly_hours)
    return YEARLY_HOURS * weekly / FULL_TIME_WEEKLY_HOURS * Fraction(days, 365)


def check_pro_training_hours(payload: ProContractPayload, context: CheckContext) -> Outcome:
    # L6325-13: positioning, assessment, support and teaching take 15 % to 25 % of the total duration
    # of the CDD or of the CDI's action, and at least 150 h; L6325-14: a branch agreement may go
    # above 25 %.
    start, end = _action(payload)
    days = (end - start).days + 1
    if days <= 0:
        return ok("Sans objet : la fin de l'action de professionnalisation précède son début (voir PRO_DATES).")
    weekly = payload.contrat.duree_hebdo_heures
    if weekly is not None and weekly == 0:
        return error("La durée hebdomadaire du contrat est nulle : la part de formation ne peut être calculée (L6325-13).")
    total = total_hours(days, weekly)
    hours = Fraction(payload.formation.duree_heures)
    share = hours / total * 100
    weekly_text = f"{fr_number(weekly)} h par semaine" if weekly is not None else "durée hebdomadaire absente : 35 h retenues"
    basis = f"{days} jours, {weekly_text} ; base 1 607 h par an pour 35 h par semaine"
    base = f"durée totale de {_shown(total, ROUND_DOWN)} h pour {_action_name(payload)} {_period(start, end)} ({basis})"
    training = f"La formation compte {fr_number(payload.formation.duree_heures)} h"
    problems = []
    if hours < MIN_TRAINING_HOURS:
        problems.append(f"{training} : il en faut au moins 150 (L6325-13).")
    if hours < MIN_TRAINING_SHARE * total:
        problems.append(
            f"{training}, soit {_shown(share, ROUND_DOWN)} % de la {base} : il faut au moins 15 %, soit "
            f"{_shown(MIN_TRAINING_SHARE * total)} h (L6325-13)."
        )
    above = hours > MAX_TRAINING_SHARE * total
    if above and not payload.formation.accord_branche_au_dela_25:
        problems.append(
            f"{training}, soit {_shown(share)} % de la {base} : au-delà de 25 %, soit "
            f"{_shown(MAX_TRAINING_SHARE * total, ROUND_DOWN)} h, un accord de branche est nécessaire (L6325-13, L6325-14)."
        )
    if problems:
        return error(" ".join(problems))
    if above:
        return ok(
            f"{training}, soit {_shown(share)} % de la {base} : au-delà de 25 % en vertu d'un accord de branche (L6325-14)."
        )
    return ok(f"{training}, soit {_shown(share, ROUND_DOWN)} % de la {base} : entre 15 % et 25 %, et 150 h au moins (L6325-13).")


# --- PRO_REMUNERATION ---------------------------------------------------------------------------------
# D6325-15: percent of the SMIC by age band, the higher rate when the employee holds a qualification
# at least equal to a bac pro or a vocational diploma of that level; L6325-9: the SMIC from 26.
PRO_AGE_BANDS = (("moins de 21 ans", 55, 65), ("21 à 25 ans", 70, 80), ("26 ans et plus", 100, 100))
PRO_BAND_CHANGE_AGES = (21, 26)
CONVENTIONAL_SHARE = Fraction(85)  # D6325-18: 85 % of the branch minimum, from 26
BAC_PRO_LEVEL = 4


def band_change_day(birth: date, age: int) -> date:
    """D6325-16: the new rate applies from the first day of the month following the day the age is
    reached (a 29 February birthday is reached on 28 February in other years: from 1 March)."""
    return (birth + relativedelta(years=age)).replace(day=1) + relativedelta(months=1)


@dataclass(frozen=True)
class ProPayMinimum:
    """The legal minimum of a professionalisation contract, day by day."""

    band_changes: tuple[date, ...]  # the days the 21 and 26 bands start (D6325-16)
    qualified: bool
    conventional: Decimal | None

    @classmethod
    def of(cls, payload: ProContractPayload) -> "ProPayMinimum":
        # D6325-16 read as written: the 21–25 (or 26 and over) rate applies from the first day of the
        # month after the 21st (26th) birthday, also when that birthday falls just before the start
        # (born 01/03/2005, started 02/03/2026: the under-21 rate until 31/03/2026). The apprenticeship
        # REMUNERATION takes the age at the start instead (CHECKS.md).
        employee = payload.salarie
        changes = tuple(band_change_day(employee.date_naissance, age) for age in PRO_BAND_CHANGE_AGES)
        qualified = employee.diplome_professionnel and employee.diplome_niveau >= BAC_PRO_LEVEL
        return cls(changes, qualified, payload.contrat.salaire_minimum_conventionnel)

    def band(self, day: date) -> int:
        return sum(1 for change in self.band_changes if change <= day)

    def base_rate(self, day: date) -> int:
        _, base, higher = PRO_AGE_BANDS[self.band(day)]
        return higher if self.qualified else base

    def requirement(self, day: date) -> tuple[Fraction, str]:
        """The minimum rate (percent of the SMIC) on a day and its reason, in French, with its
        sources. Raises LookupError when the SMIC of that day is unknown and the branch minimum must
        be compared."""
        band = self.band(day)
        label = PRO_AGE_BANDS[band][0]
        rate = Fraction(self.base_rate(day))
        if band == 2:
            reason, sources = f"{label}, au moins le SMIC", ["L6325-9"]
        else:
            holder = (
                "titulaire d'une qualification au moins égale au bac professionnel"
                if self.qualified
                else "sans qualification professionnelle de niveau bac"
            )
            reason, sources = f"{label}, {holder}", ["D6325-15"]
        if band == 2 and self.conventional is not None:
            smic = smic_monthly_on(day)
            floor = CONVENTIONAL_SHARE * Fraction(self.conventional) / 100  # euros a month
            if floor * 100 / Fraction(smic) > rate:
                rate = floor * 100 / Fraction(smic)
                reason = (
                    f"{label}, 85 % du salaire minimum conventionnel de {fr_number(self.conventional)} €, soit "
                    f"{_shown(floor)} € par mois pour un SMIC mensuel de {fr_number(smic)} €"
                )
                sources = ["L6325-9", "D6325-18"]
        if day in self.band_changes:
            reason += ", dès le 1er du mois qui suit l'anniversaire"
            sources.append("D6325-16")
        return rate, f"{reason} ({', '.join(sources)})"

    def highest(self, first: date, last: date) -> tuple[Fraction, date, str]:
        """The highest minimum on a day of [first, last], the first day it applies and why. It only
        rises on a band change; from 26 the branch minimum's share of the SMIC only falls as the SMIC
        rises, so `first` and the band changes are the days to look at."""
        days = sorted({first, *(change for change in self.band_changes if first < change <= last)})
        best: tuple[Fraction, date, str] | None = None
        for day in days:
            rate, reason = self.requirement(day)
            if best is None or rate > best[0]:
                best = (rate, day, reason)
        return best


def smic_monthly_on(day: date) -> Decimal:
    """The gross monthly SMIC (35 h) in force on a day, from the legal parameters (LookupError if none)."""
    return cached(("smic_monthly", day), lambda: legal_parameter_on("smic_monthly", day))


def _layout_problems(periods: tuple[PayPeriod, ...], start: date, end: date, what: str) -> list[str]:
    """Reversed periods, days outside the action, overlaps (as the apprenticeship REMUNERATION)."""
    problems = []
    for number, period in enumerate(periods, start=1):
        span = _period(period.date_debut, period.date_fin)
        if period.date_fin < period.date_debut:
            problems.append(f"La période de rémunération n° {number} ({span}) finit avant de commencer.")
        elif period.date_debut < start or period.date_fin > end:
            problems.append(f"La période de rémunération n° {number} ({span}) sort {what} ({_period(start, end)}).")
    latest: tuple[int, PayPeriod] | None = None
    for number, period in _numbered(periods):
        if period.date_fin < period.date_debut:
            continue
        if latest is not None and period.date_debut <= latest[1].date_fin:
            overlap = _period(period.date_debut, min(period.date_fin, latest[1].date_fin))
            problems.append(f"Les périodes de rémunération n° {latest[0]} et n° {number} se chevauchent ({overlap}).")
        if latest is None or period.date_fin > latest[1].date_fin:
            latest = (number, period)
    return problems


def _gap_problems(periods: tuple[PayPeriod, ...], start: date, end: date, what: str) -> list[str]:
    """Days of the action that no period covers."""
    gaps, next_uncovered = [], start
    for _, period in _numbered(periods):
        if period.date_fin < period.date_debut:
            continue
        if period.date_debut > next_uncovered and next_uncovered <= end:
            gaps.append(_period(next_uncovered, min(period.date_debut - timedelta(days=1), end)))
        next_uncovered = max(next_uncovered, period.date_fin + timedelta(days=1))
    if next_uncovered <= end:
        gaps.append(_period(next_uncovered, end))
    return [f"Aucune période de rémunération ne couvre les jours {gap} {what}." for gap in gaps]


def _rate_problems(payload: ProContractPayload, start: date, end: date) -> tuple[list[str], list[str]]:
    """Periods paid under the minimum, and days whose SMIC is unknown (the branch minimum cannot be
    compared then)."""
    minimum = ProPayMinimum.of(payload)
    problems, unknown = [], []
    for number, period in enumerate(payload.contrat.remunerations, start=1):
        first, last = max(period.date_debut, start), min(period.date_fin, end)
        if first > last:
            continue  # no day of the action in it: reported as outside
        try:
            rate, from_day, reason = minimum.highest(first, last)
        except LookupError:
            unknown.append(f"n° {number} ({_period(period.date_debut, period.date_fin)})")
            continue
        if Fraction(period.taux) < rate:
            shown = fr_number(Decimal(rate.numerator)) if rate.denominator == 1 else _shown(rate)
            problems.append(
                f"La période de rémunération n° {number} ({_period(period.date_debut, period.date_fin)}) est payée "
                f"{fr_number(period.taux)} % du SMIC : le minimum est de {shown} % à partir du {fr_date(from_day)} : {reason}."
            )
    return problems, unknown


def check_pro_pay(payload: ProContractPayload, context: CheckContext) -> Outcome:
    # D6325-14, L6325-9: the minimum applies during the CDD or the CDI's action; D6325-15, D6325-16,
    # D6325-18 give it. The periods must cover the action, day by day, without overlapping.
    start, end = _action(payload)
    periods = payload.contrat.remunerations
    what, of_action = _action_name(payload), _of_action(payload)
    if not periods:
        return error("Aucune période de rémunération n'est indiquée (D6325-15).")
    problems = _layout_problems(periods, start, end, of_action)
    if end >= start:
        problems += _gap_problems(periods, start, end, of_action)
    rate_problems, unknown = _rate_problems(payload, start, end)
    problems += rate_problems
    if problems:
        return error(" ".join(problems))
    if unknown:
        return warning(
            f"Le SMIC mensuel en vigueur est absent des paramètres légaux pour la période de rémunération "
            f"{', '.join(unknown)} : le salaire minimum conventionnel ne peut y être comparé (D6325-18)."
        )
    covered = (
        "La période de rémunération couvre" if len(periods) == 1 else f"Les {len(periods)} périodes de rémunération couvrent"
    )
    return ok(
        f"{covered} {what} {_period(start, end)} et respecte{'nt' if len(periods) > 1 else ''} le minimum (D6325-15 à D6325-18)."
    )


# --- PRO_TUTEUR ---------------------------------------------------------------------------------------
MIN_TUTOR_EXPERIENCE_YEARS = 2  # D6325-6
MAX_TRAINEES_SALARIED_TUTOR = 3  # D6325-9
MAX_TRAINEES_EMPLOYER_TUTOR = 2  # D6325-9


def _tutor_name(tutor: Tutor) -> str:
    name = f"{tutor.prenom} {tutor.nom}".strip()
    return f"L'employeur tuteur {name}" if tutor.est_employeur else f"Le tuteur {name}"


def tutor_running_contracts(tutor: Tutor, start: date, end: date, exclude_contract_id: int | None = None) -> list[str]:
    """File numbers of the contracts (apprenticeship and professionalisation, any employer) accepted,
    deposited or running over a period overlapping [start, end] that name this person as master or
    tutor: same birth date, same names without case nor accents."""
    rows = ApprenticeshipMaster.objects.filter(
        birth_date=tutor.date_naissance,
        contract__status__in=RUNNING_STATUSES,
        contract__start_date__lte=end,
        contract__end_date__gte=start,
    )
    if exclude_contract_id is not None:
        rows = rows.exclude(contract_id=exclude_contract_id)
    identity = (_folded(tutor.nom), _folded(tutor.prenom))
    return sorted(
        {
            file_number
            for last_name, first_name, file_number in rows.values_list("last_name", "first_name", "contract__file_number")
            if (_folded(last_name), _folded(first_name)) == identity
        }
    )


def _tutor_problems(tutor: Tutor, payload: ProContractPayload, context: CheckContext) -> list[str]:
    who = _tutor_name(tutor)
    problems = []
    if tutor.experience_annees < MIN_TUTOR_EXPERIENCE_YEARS:
        problems.append(
            f"{who} a {fr_number(tutor.experience_annees)} an(s) d'expérience professionnelle : il en faut au moins 2 dans une "
            "qualification en rapport avec l'objectif de professionnalisation (D6325-6)."
        )
    start, end = _action(payload)
    if end >= start:
        running = tutor_running_contracts(tutor, start, end, context.exclude_contract_id)
        limit = MAX_TRAINEES_EMPLOYER_TUTOR if tutor.est_employeur else MAX_TRAINEES_SALARIED_TUTOR
        if len(running) >= limit:
            kind = "l'employeur qui assure lui-même le tutorat" if tutor.est_employeur else "un tuteur salarié"
            problems.append(
                f"{who} suit déjà {len(running)} salariés en alternance sur des contrats en cours ({', '.join(running)}) : "
                f"{limit} au plus à la fois pour {kind} (D6325-9)."
            )
    return problems


def check_pro_tutors(payload: ProContractPayload, context: CheckContext) -> Outcome:
    # D6325-6: a tutor with at least 2 years of experience, possibly the employer; D6325-9: at most
    # 3 trainees at a time (apprenticeship and professionalisation) for a salaried tutor, 2 for the
    # employer. The count is of stored contracts whose masters or tutors match by identity.
    tutors = payload.tuteurs
    if not tutors:
        return error("Aucun tuteur n'est désigné (D6325-6).")
    problems = [problem for tutor in tutors for problem in _tutor_problems(tutor, payload, context)]
    if len(tutors) == 1:
        return error_if_any(problems, f"{_tutor_name(tutors[0])} est expérimenté et disponible (D6325-6, D6325-9).")
    return error_if_any(problems, f"Les {len(tutors)} tuteurs sont expérimentés et disponibles (D6325-6, D6325-9).")


# --- PRO_DEPOT_DELAI ----------------------------------------------------------------------------------
DEPOSIT_DAYS = 5  # D6325-1: « au plus tard dans les cinq jours qui suivent le début du contrat »


def pro_last_deposit_day(start: date) -> date:
    """D6325-1 counts « jours », not « jours ouvrables » as D6224-1 does for apprenticeship: calendar
    days, so the 5th day after the start (start + 5 days), whatever the weekday or holidays."""
    return add_days(start, DEPOSIT_DAYS)


def check_pro_deposit_delay(payload: ProContractPayload, context: CheckContext) -> Outcome:
    start = payload.contrat.date_debut
    received, received_text = received_on(payload, context)
    deadline = pro_last_deposit_day(start)
    if received <= deadline:
        return ok(
            f"Dossier {received_text}, au plus tard le {fr_date(deadline)} : dans les 5 jours qui suivent le début (D6325-1)."
        )
    return warning(
        f"Dossier {received_text}, après le {fr_date(deadline)} : le contrat commencé le {fr_date(start)} devait être transmis "
        "dans les 5 jours qui suivent son début (D6325-1)."
    )


# --- Running them all ---------------------------------------------------------------------------------
ProCheck = Callable[[ProContractPayload, CheckContext], Outcome]
# check_employer_siret and check_opco_branch read only `employeur.siret` / `employeur.idcc`, which
# the professionalisation payload has under the same names.
PRO_CHECKS: tuple[tuple[str, ProCheck], ...] = (
    ("EMPLOYEUR_SIRET", check_employer_siret),
    ("ORGANISME_SIRET", check_provider_siret),
    ("PRO_QUALIFICATION", check_pro_qualification),
    ("PRO_PUBLIC", check_pro_public),
    ("PRO_DUREE", check_pro_duration),
    ("PRO_DATES", check_pro_dates),
    ("PRO_FORMATION_DUREE", check_pro_training_hours),
    ("PRO_REMUNERATION", check_pro_pay),
    ("PRO_TUTEUR", check_pro_tutors),
    ("OPCO_RATTACHEMENT", check_opco_branch),
    ("PRO_DEPOT_DELAI", check_pro_deposit_delay),
)


def run_pro_checks(payload: ProContractPayload, *, today: date, exclude_contract_id: int | None = None) -> CheckReport:
    """Every check of PRO_CHECKS (the same runner as the apprenticeship checks)."""
    return run_table(PRO_CHECKS, payload, CheckContext(today=today, exclude_contract_id=exclude_contract_id))


def check_pro_contract_data(data: Any, *, today: date | None = None, exclude_contract_id: int | None = None) -> CheckReport:
    """Parse a raw professionalisation payload and check it. Raises InvalidPayload (French messages
    by field) for a payload that cannot be read."""
    payload = parse_pro_payload(data)
    return run_pro_checks(payload, today=today or timezone.localdate(), exclude_contract_id=exclude_contract_id)
