"""Périodes de reconversion (L6324-1 … L6324-11, R6324-1 … R6324-5, in force since 1 January 2026)
and the read-only stock of Pro-A amendments signed before that date.

Rules (stable codes, French messages with the values; `run_rules`):

- RECO_DATE_REGIME: the written agreement is concluded, and the period starts, on or after
  1 January 2026; an agreement concluded before it is a Pro-A amendment (loi n° 2025-989 art. 11 III).
- RECO_ACCORD_SALARIE: the employee's written agreement (L6324-3) is dated, not after the request.
- RECO_DEPOT: R6324-1 (from 1 February 2026, décret n° 2026-39): the employer sends the file « dans
  les trente jours précédant le début »: received on or after the start is an error; received more
  than 30 days before it is a warning (the text asks for the window; refusing an early file would
  only make the employer send it again).
- RECO_EXTERNE: an external period is a CDI or a CDD of at least 6 months in another company
  (L6324-3 II).
- RECO_CERTIFICATION: what the period leads to (L6324-1): an RNCP fiche, a CQP, blocs de compétences,
  or the socle.
- RECO_HEURES: 150 to 450 hours; up to 2 100 with a branch or company agreement (L6324-4); the socle
  is outside these bounds (L6324-4 « à l'exception de … socle »).
- RECO_DUREE: over at most 12 months, 36 with an agreement (L6324-4); a period of n months ends at the
  latest the day before start + n months (relativedelta).

A deposit breaking any rule in error is refused with its codes and nothing is stored; acceptance
runs the rules again (a branch decision may have changed) and refuses the same way, nothing decided.

Funding (D6332-89, D6332-90 I): the branch's amount per period, else its hourly rate × hours, else
9,15 €/h × hours, read at the date of the written agreement (the date the period is concluded, as
the professionalisation forfait is read at the contract's signature). Only the frais pédagogiques:
pay and frais annexes (L6332-14-1 II, D6332-91) need an L6324-9 agreement and a CA decision; they are
not funded here.

Payment schedule (house rule; D6332-89 fixes a forfait per period, not when it is paid): the forfait
goes to the training provider in two rows — an advance of 50 % when the training starts, payable once
the start is recorded with the provider's invoice, and the balance when the training ends, payable
once the end is recorded with the attestation de réalisation and the final invoice. An interruption
(R6324-5) supersedes what is not yet owed: the balance always, the advance when the training never
started; nothing is prorated (no text provides for it), and the released amount goes back to the
section's budget.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.reconversion_funding import reconversion_funding
from contracts.models.reconversion import (
    PRO_A_END,
    HostContractKind,
    ReconversionKind,
    ReconversionPeriod,
    ReconversionTarget,
)
from contracts.models.reconversion import ReconversionStatus as S
from opco.checks import CheckReport, CheckStatus, Outcome, error, fr_date, ok, run_table, warning
from referentials.models import Certification
from referentials.validators import is_valid_siret, normalize_identifier

# --- Figures of the texts ----------------------------------------------------------------------------
REGIME_START = PRO_A_END  # loi n° 2025-989 art. 11 II: in force on 1 January 2026
DEPOSIT_RULE_FROM = date(2026, 2, 1)  # R6324-1 (décret n° 2026-39 du 28 janvier 2026) in force
DEPOSIT_WINDOW_DAYS = 30  # R6324-1: « dans les trente jours précédant le début »
DECISION_DAYS = 20  # R6324-2: « dans le délai de vingt jours à compter de la réception des documents »
INTERRUPTION_REPORT_DAYS = 30  # R6324-5: « dans un délai maximum de trente jours »
MIN_HOURS = Decimal(150)  # L6324-4 al. 1
MAX_HOURS = Decimal(450)
MAX_HOURS_EXTENDED = Decimal(2100)  # L6324-4 al. 2
MAX_MONTHS = 12
MAX_MONTHS_EXTENDED = 36
HOST_CDD_MIN_MONTHS = 6  # L6324-3 II
AVERAGE_CEILING = Decimal("5000.00")  # D6332-90 II
EXTERNAL_FLOOR_PCT = Decimal(12)  # D6332-89-1 al. 1
ADVANCE_SHARE = Decimal("0.50")  # house rule (module docstring)
PAY_WITHIN = timedelta(days=30)  # house rule: paid within 30 days of the documents
ZERO = Decimal("0.00")

# The employer and the employee, as a period or a Pro-A amendment declares them.
PARTY_FIELDS = (
    "employer_siret",
    "employer_name",
    "employer_idcc",
    "employee_last_name",
    "employee_first_name",
    "employee_birth_date",
)
RNCP_RE = re.compile(r"^RNCP\d{2,6}$")
BLOC_RE = re.compile(r"^RNCP\d{2,6}BC\d{1,2}$")

# A file moves through these statuses once funded; the figures of the dashboard count them.
FUNDED = (S.ACCEPTED, S.RUNNING, S.ENDED, S.INTERRUPTED)
AWAITING_DECISION = (S.RECEIVED, S.UNDER_INSTRUCTION)


class ReconversionRefused(ValidationError):
    """A refusal by the rules: `codes` are the rule codes in error, the messages name them."""

    def __init__(self, message, codes: list[str]):
        super().__init__(message)
        self.codes = codes


# --- Formatting --------------------------------------------------------------------------------------


def _hours(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f").replace(".", ",")
    integer, _, decimals = text.partition(",")
    grouped = f"{int(integer):,}".replace(",", "\u202f")
    return f"{grouped},{decimals}" if decimals else grouped


def _rate(value: Decimal) -> str:
    return str(value).replace(".", ",")


def last_day(start: date, months: int) -> date:
    """The last day of a period of `months` months from `start` (1 February + 12 months → 31 January)."""
    return start + relativedelta(months=months) - timedelta(days=1)


# --- Rules -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleContext:
    """What the rules read outside the file: whether the branch's decision allows the longer period,
    and the certification rows of the RNCP fiche (empty when absent from the referential)."""

    branch_extended: bool = False
    certifications: tuple[Certification, ...] = ()


def _agreement_label(period: ReconversionPeriod, branch_extended: bool) -> str:
    sources = []
    if branch_extended:
        sources.append("accord de branche")
    if period.company_agreement:
        sources.append(
            "accord d'entreprise" + (f" ({period.company_agreement_reference})" if period.company_agreement_reference else "")
        )
    return " et ".join(sources)


def check_date_regime(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    problems = []
    if period.agreement_signed_on and period.agreement_signed_on < REGIME_START:
        problems.append(
            f"L'accord a été conclu le {fr_date(period.agreement_signed_on)}, avant le 01/01/2026 : il relève de la Pro-A "
            "(loi n° 2025-989 du 24 octobre 2025, art. 11 III) et s'enregistre dans le stock Pro-A."
        )
    if period.start_date < REGIME_START:
        problems.append(
            f"La période commence le {fr_date(period.start_date)}, avant l'entrée en vigueur de la période de reconversion "
            "le 01/01/2026 (loi n° 2025-989, art. 11 II)."
        )
    if problems:
        return error(" ".join(problems))
    return ok("Période de reconversion : accord conclu et période commençant à partir du 01/01/2026.")


def check_employee_agreement(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    # L6324-3: « un accord écrit » fixes the period (at the employer's initiative, with the employee's
    # agreement); the request cannot precede it.
    signed = period.agreement_signed_on
    if signed is None:
        return error("L'accord écrit du salarié est obligatoire (L6324-3) : sa date n'est pas renseignée.")
    if period.received_on and signed > period.received_on:
        return error(
            f"L'accord écrit du salarié est daté du {fr_date(signed)}, après "
            f"la demande reçue le {fr_date(period.received_on)} (L6324-3)."
        )
    return ok(f"Accord écrit du salarié du {fr_date(signed)} (L6324-3).")


def check_deposit(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    received, start = period.received_on, period.start_date
    if received < DEPOSIT_RULE_FROM:
        return ok(
            f"Demande reçue le {fr_date(received)}, avant le 01/02/2026 : "
            "le délai de R6324-1 (décret n° 2026-39) ne s'applique pas."
        )
    earliest = start - timedelta(days=DEPOSIT_WINDOW_DAYS)
    if received >= start:
        return error(
            f"Demande reçue le {fr_date(received)}, alors que la période "
            f"commence le {fr_date(start)} : l'employeur l'adresse "
            "dans les 30 jours précédant le début (R6324-1), soit du "
            f"{fr_date(earliest)} au {fr_date(start - timedelta(days=1))}."
        )
    if received < earliest:
        return warning(
            f"Demande reçue le {fr_date(received)}, plus de 30 jours avant "
            f"le début le {fr_date(start)} : R6324-1 prévoit un envoi "
            f"à partir du {fr_date(earliest)}."
        )
    return ok(f"Demande reçue le {fr_date(received)}, dans les 30 jours précédant le début le {fr_date(start)} (R6324-1).")


def check_external(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    if period.kind == ReconversionKind.INTERNAL:
        return ok("Période interne : le contrat est maintenu, la rémunération sans modification (L6324-3 I).")
    problems = []
    host = normalize_identifier(period.host_siret)
    if not is_valid_siret(host):
        problems.append(f"SIRET de l'entreprise d'accueil invalide : « {period.host_siret or 'non renseigné'} ».")
    elif host == normalize_identifier(period.employer_siret):
        problems.append(
            "L'entreprise d'accueil est l'employeur lui-même : une période externe se déroule dans une autre entreprise."
        )
    if not period.host_name.strip():
        problems.append("Dénomination de l'entreprise d'accueil non renseignée.")
    kind = period.host_contract_kind
    if kind not in HostContractKind.values:
        problems.append(
            "Le contrat dans l'entreprise d'accueil est un CDI ou un CDD d'au moins 6 mois (L6324-3 II) : non renseigné."
        )
    elif kind == HostContractKind.CDD:
        first, last = period.host_contract_start, period.host_contract_end
        if first is None or last is None:
            problems.append("Les dates du CDD d'accueil sont obligatoires pour vérifier ses 6 mois (L6324-3 II).")
        elif last < last_day(first, HOST_CDD_MIN_MONTHS):
            problems.append(
                f"Le CDD d'accueil du {fr_date(first)} au {fr_date(last)} dure moins de 6 mois : il devrait finir au plus tôt "
                f"le {fr_date(last_day(first, HOST_CDD_MIN_MONTHS))} (L6324-3 II)."
            )
    if problems:
        return error(" ".join(problems))
    contract = (
        "CDI"
        if kind == HostContractKind.CDI
        else f"CDD du {fr_date(period.host_contract_start)} au {fr_date(period.host_contract_end)}"
    )
    return ok(f"Période externe chez {period.host_name} ({host}) : {contract}, contrat d'origine suspendu (L6324-3 II).")


def _latest_expiry(rows: tuple[Certification, ...]) -> date | None:
    dates = [row.expires_on for row in rows]
    return None if not dates or None in dates else max(dates)


def check_certification(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    code = (period.target_code or "").strip().upper()
    target = period.target
    if target == ReconversionTarget.SOCLE:
        return ok("Socle de connaissances et de compétences (L6324-1 al. 2).")
    if target == ReconversionTarget.CQP:
        if not code:
            return error("Le code du CQP ou de la qualification de branche visé n'est pas renseigné (L6324-1, L6314-1 3°).")
        return ok(f"CQP ou qualification de branche « {code} » (L6314-1 3°).")
    if target == ReconversionTarget.BLOCS:
        codes = [part.strip() for part in code.split(",") if part.strip()]
        wrong = [part for part in codes if not BLOC_RE.match(part)]
        if not codes:
            return error("Aucun bloc de compétences renseigné (codes « RNCP12345BC01 »).")
        if wrong:
            return error(f"Code(s) de bloc de compétences invalide(s) : {', '.join(wrong)} (attendu : « RNCP12345BC01 »).")
        return ok(f"Bloc(s) de compétences : {', '.join(codes)} (L6324-1).")
    if target != ReconversionTarget.RNCP:
        return error("L'objectif de la période n'est pas renseigné (L6324-1).")
    if not RNCP_RE.match(code):
        return error(f"« {code or 'non renseigné'} » n'est pas un code de fiche RNCP (« RNCP » suivi de 2 à 6 chiffres).")
    rows = context.certifications
    if not rows:
        return warning(f"La fiche {code} est absente du référentiel local : vérifiez son enregistrement au RNCP.")
    expiry = _latest_expiry(rows)
    if expiry is not None and expiry < period.start_date:
        return error(
            f"La fiche {code} est arrivée à échéance le {fr_date(expiry)}, "
            f"avant le début de la période le {fr_date(period.start_date)}."
        )
    return ok(f"Fiche {code} ({rows[0].title}) enregistrée au RNCP" + (f", échéance le {fr_date(expiry)}." if expiry else "."))


def check_hours(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    hours = Decimal(period.training_hours)
    if period.target == ReconversionTarget.SOCLE:
        return ok(f"{_hours(hours)} h : la durée de 150 à 450 heures ne s'applique pas au socle (L6324-4).")
    agreement = _agreement_label(period, context.branch_extended)
    ceiling = MAX_HOURS_EXTENDED if agreement else MAX_HOURS
    if hours < MIN_HOURS:
        return error(f"{_hours(hours)} h de formation : 150 heures au minimum (L6324-4).")
    if hours > ceiling:
        if agreement:
            return error(
                f"{_hours(hours)} h de formation : 2\u202f100 heures au plus, même avec un accord (L6324-4, {agreement})."
            )
        return error(
            f"{_hours(hours)} h de formation : 450 heures au plus sans accord d'entreprise ou de branche (L6324-4) ; "
            "un tel accord permet d'aller jusqu'à 2\u202f100 heures."
        )
    bounds = f"entre 150 et {_hours(ceiling)} heures"
    return ok(f"{_hours(hours)} h de formation, {bounds} (L6324-4{', ' + agreement if agreement else ''}).")


def check_duration(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    if period.target == ReconversionTarget.SOCLE:
        return ok("La limite de 12 mois ne s'applique pas au socle (L6324-4).")
    agreement = _agreement_label(period, context.branch_extended)
    months = MAX_MONTHS_EXTENDED if agreement else MAX_MONTHS
    latest = last_day(period.start_date, months)
    span = f"du {fr_date(period.start_date)} au {fr_date(period.end_date)}"
    if period.end_date > latest:
        if agreement:
            return error(
                f"La période {span} dépasse 36 mois, même avec un accord ({agreement}) : "
                f"fin au plus tard le {fr_date(latest)} (L6324-4)."
            )
        return error(
            f"La période {span} dépasse 12 mois : fin au plus tard le {fr_date(latest)} "
            "sans accord d'entreprise ou de branche (L6324-4)."
        )
    return ok(f"La période {span} tient en {months} mois au plus (L6324-4{', ' + agreement if agreement else ''}).")


RULES: list[tuple[str, str, Callable[[ReconversionPeriod, RuleContext], Outcome]]] = [
    # (code, form field the message belongs to, check)
    ("RECO_DATE_REGIME", "agreement_signed_on", check_date_regime),
    ("RECO_ACCORD_SALARIE", "agreement_signed_on", check_employee_agreement),
    ("RECO_DEPOT", "start_date", check_deposit),
    ("RECO_EXTERNE", "host_contract_kind", check_external),
    ("RECO_CERTIFICATION", "target_code", check_certification),
    ("RECO_HEURES", "training_hours", check_hours),
    ("RECO_DUREE", "end_date", check_duration),
]
RULE_FIELDS = {code: name for code, name, _ in RULES}
RULE_CODES = [code for code, _, _ in RULES]
# Reasons staff may give on top of the rules (R6324-3: any breach found during instruction).
REFUSAL_REASONS = {
    **{code: code for code in RULE_CODES},
    "RECO_PIECES": "Pièces demandées non fournies (R6324-1 4°)",
    "RECO_CONTROLE": "Manquement constaté lors d'un contrôle (R6324-3 al. 2)",
    "RECO_ORGANISME": "Organisme de formation ne remplissant pas ses obligations (R6324-3)",
    "RECO_CRITERES_CA": "Critères de prise en charge du conseil d'administration non remplis (L6332-1 I 1° bis)",
    "RECO_AUTRE": "Autre motif (préciser)",
}


def run_rules(period: ReconversionPeriod, context: RuleContext) -> CheckReport:
    return run_table(((code, check) for code, _, check in RULES), period, context)


def rule_context(period: ReconversionPeriod) -> RuleContext:
    """Read what the rules need: the branch's decision at the agreement's date, the RNCP rows."""
    found = reconversion_funding(period.employer_idcc, period.agreement_signed_on or period.start_date)
    rows: tuple[Certification, ...] = ()
    code = (period.target_code or "").strip().upper()
    if period.target == ReconversionTarget.RNCP and RNCP_RE.match(code):
        rows = tuple(Certification.objects.filter(rncp=code).order_by("code_diplome"))
    return RuleContext(branch_extended=bool(found and found[2]), certifications=rows)


def _refusal(report: CheckReport) -> ReconversionRefused | None:
    errors = [check for check in report.checks if check.status == CheckStatus.ERROR]
    if not errors:
        return None
    by_field: dict[str, list[str]] = {}
    for check in errors:
        by_field.setdefault(RULE_FIELDS[check.code], []).append(f"{check.code} : {check.message}")
    return ReconversionRefused(by_field, codes=[check.code for check in errors])


def today_or_local(today: date | None) -> date:
    return today or timezone.localdate()
