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
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts import roles
from branches.models import BranchIdcc
from branches.reconversion_funding import DEFAULT_HOURLY_RATE, reconversion_funding
from contracts.checks import CheckReport, CheckResult
from contracts.enums import CheckStatus
from contracts.models_reconversion import (
    PRO_A_END,
    FundingSource,
    HostContractKind,
    PaymentKind,
    PaymentStatus,
    ProAAmendment,
    ProAEmployeeContract,
    ProATarget,
    ReconversionKind,
    ReconversionPayment,
    ReconversionPeriod,
    ReconversionTarget,
)
from contracts.models_reconversion import ReconversionStatus as S
from contracts.workflow import Action, TransitionRefused
from opco import audit
from opco.models import AuditEntry
from opco.money import round_money
from payments.budgets import budget_commit
from payments.enums import BeneficiaryKind, FinancialSection, LineStatus
from payments.services import Beneficiary, LineRequest, payable_lines_submit
from referentials.models import Certification, Company, TrainingProvider
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
def _fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _hours(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f").replace(".", ",")
    integer, _, decimals = text.partition(",")
    grouped = f"{int(integer):,}".replace(",", "\u202f")
    return f"{grouped},{decimals}" if decimals else grouped


def euros(value: Decimal) -> str:
    """« 5 000,01 € »."""
    value = round_money(value)
    sign = "-" if value < 0 else ""
    integer, decimals = f"{abs(value):.2f}".split(".")
    return f"{sign}{int(integer):,}".replace(",", "\u202f") + f",{decimals} €"


def _rate(value: Decimal) -> str:
    return str(value).replace(".", ",")


def last_day(start: date, months: int) -> date:
    """The last day of a period of `months` months from `start` (1 February + 12 months → 31 January)."""
    return start + relativedelta(months=months) - timedelta(days=1)


# --- Rules -------------------------------------------------------------------------------------------
Outcome = tuple[CheckStatus, str]


@dataclass(frozen=True)
class RuleContext:
    """What the rules read outside the file: whether the branch's decision allows the longer period,
    and the certification rows of the RNCP fiche (empty when absent from the referential)."""

    branch_extended: bool = False
    certifications: tuple[Certification, ...] = ()


def _ok(message: str) -> Outcome:
    return CheckStatus.OK, message


def _warning(message: str) -> Outcome:
    return CheckStatus.WARNING, message


def _error(message: str) -> Outcome:
    return CheckStatus.ERROR, message


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
            f"L'accord a été conclu le {_fr(period.agreement_signed_on)}, avant le 01/01/2026 : il relève de la Pro-A "
            "(loi n° 2025-989 du 24 octobre 2025, art. 11 III) et s'enregistre dans le stock Pro-A."
        )
    if period.start_date < REGIME_START:
        problems.append(
            f"La période commence le {_fr(period.start_date)}, avant l'entrée en vigueur de la période de reconversion "
            "le 01/01/2026 (loi n° 2025-989, art. 11 II)."
        )
    if problems:
        return _error(" ".join(problems))
    return _ok("Période de reconversion : accord conclu et période commençant à partir du 01/01/2026.")


def check_employee_agreement(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    # L6324-3: « un accord écrit » fixes the period (at the employer's initiative, with the employee's
    # agreement); the request cannot precede it.
    signed = period.agreement_signed_on
    if signed is None:
        return _error("L'accord écrit du salarié est obligatoire (L6324-3) : sa date n'est pas renseignée.")
    if period.received_on and signed > period.received_on:
        return _error(
            f"L'accord écrit du salarié est daté du {_fr(signed)}, après la demande reçue le {_fr(period.received_on)} (L6324-3)."
        )
    return _ok(f"Accord écrit du salarié du {_fr(signed)} (L6324-3).")


def check_deposit(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    received, start = period.received_on, period.start_date
    if received < DEPOSIT_RULE_FROM:
        return _ok(
            f"Demande reçue le {_fr(received)}, avant le 01/02/2026 : le délai de R6324-1 (décret n° 2026-39) ne s'applique pas."
        )
    earliest = start - timedelta(days=DEPOSIT_WINDOW_DAYS)
    if received >= start:
        return _error(
            f"Demande reçue le {_fr(received)}, alors que la période commence le {_fr(start)} : l'employeur l'adresse "
            f"dans les 30 jours précédant le début (R6324-1), soit du {_fr(earliest)} au {_fr(start - timedelta(days=1))}."
        )
    if received < earliest:
        return _warning(
            f"Demande reçue le {_fr(received)}, plus de 30 jours avant le début le {_fr(start)} : R6324-1 prévoit un envoi "
            f"à partir du {_fr(earliest)}."
        )
    return _ok(f"Demande reçue le {_fr(received)}, dans les 30 jours précédant le début le {_fr(start)} (R6324-1).")


def check_external(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    if period.kind == ReconversionKind.INTERNAL:
        return _ok("Période interne : le contrat est maintenu, la rémunération sans modification (L6324-3 I).")
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
                f"Le CDD d'accueil du {_fr(first)} au {_fr(last)} dure moins de 6 mois : il devrait finir au plus tôt "
                f"le {_fr(last_day(first, HOST_CDD_MIN_MONTHS))} (L6324-3 II)."
            )
    if problems:
        return _error(" ".join(problems))
    contract = (
        "CDI" if kind == HostContractKind.CDI else f"CDD du {_fr(period.host_contract_start)} au {_fr(period.host_contract_end)}"
    )
    return _ok(f"Période externe chez {period.host_name} ({host}) : {contract}, contrat d'origine suspendu (L6324-3 II).")


def _latest_expiry(rows: tuple[Certification, ...]) -> date | None:
    dates = [row.expires_on for row in rows]
    return None if not dates or None in dates else max(dates)


def check_certification(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    code = (period.target_code or "").strip().upper()
    target = period.target
    if target == ReconversionTarget.SOCLE:
        return _ok("Socle de connaissances et de compétences (L6324-1 al. 2).")
    if target == ReconversionTarget.CQP:
        if not code:
            return _error("Le code du CQP ou de la qualification de branche visé n'est pas renseigné (L6324-1, L6314-1 3°).")
        return _ok(f"CQP ou qualification de branche « {code} » (L6314-1 3°).")
    if target == ReconversionTarget.BLOCS:
        codes = [part.strip() for part in code.split(",") if part.strip()]
        wrong = [part for part in codes if not BLOC_RE.match(part)]
        if not codes:
            return _error("Aucun bloc de compétences renseigné (codes « RNCP12345BC01 »).")
        if wrong:
            return _error(f"Code(s) de bloc de compétences invalide(s) : {', '.join(wrong)} (attendu : « RNCP12345BC01 »).")
        return _ok(f"Bloc(s) de compétences : {', '.join(codes)} (L6324-1).")
    if target != ReconversionTarget.RNCP:
        return _error("L'objectif de la période n'est pas renseigné (L6324-1).")
    if not RNCP_RE.match(code):
        return _error(f"« {code or 'non renseigné'} » n'est pas un code de fiche RNCP (« RNCP » suivi de 2 à 6 chiffres).")
    rows = context.certifications
    if not rows:
        return _warning(f"La fiche {code} est absente du référentiel local : vérifiez son enregistrement au RNCP.")
    expiry = _latest_expiry(rows)
    if expiry is not None and expiry < period.start_date:
        return _error(
            f"La fiche {code} est arrivée à échéance le {_fr(expiry)}, avant le début de la période le {_fr(period.start_date)}."
        )
    return _ok(f"Fiche {code} ({rows[0].title}) enregistrée au RNCP" + (f", échéance le {_fr(expiry)}." if expiry else "."))


def check_hours(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    hours = Decimal(period.training_hours)
    if period.target == ReconversionTarget.SOCLE:
        return _ok(f"{_hours(hours)} h : la durée de 150 à 450 heures ne s'applique pas au socle (L6324-4).")
    agreement = _agreement_label(period, context.branch_extended)
    ceiling = MAX_HOURS_EXTENDED if agreement else MAX_HOURS
    if hours < MIN_HOURS:
        return _error(f"{_hours(hours)} h de formation : 150 heures au minimum (L6324-4).")
    if hours > ceiling:
        if agreement:
            return _error(
                f"{_hours(hours)} h de formation : 2\u202f100 heures au plus, même avec un accord (L6324-4, {agreement})."
            )
        return _error(
            f"{_hours(hours)} h de formation : 450 heures au plus sans accord d'entreprise ou de branche (L6324-4) ; "
            "un tel accord permet d'aller jusqu'à 2\u202f100 heures."
        )
    bounds = f"entre 150 et {_hours(ceiling)} heures"
    return _ok(f"{_hours(hours)} h de formation, {bounds} (L6324-4{', ' + agreement if agreement else ''}).")


def check_duration(period: ReconversionPeriod, context: RuleContext) -> Outcome:
    if period.target == ReconversionTarget.SOCLE:
        return _ok("La limite de 12 mois ne s'applique pas au socle (L6324-4).")
    agreement = _agreement_label(period, context.branch_extended)
    months = MAX_MONTHS_EXTENDED if agreement else MAX_MONTHS
    latest = last_day(period.start_date, months)
    span = f"du {_fr(period.start_date)} au {_fr(period.end_date)}"
    if period.end_date > latest:
        if agreement:
            return _error(
                f"La période {span} dépasse 36 mois, même avec un accord ({agreement}) : "
                f"fin au plus tard le {_fr(latest)} (L6324-4)."
            )
        return _error(
            f"La période {span} dépasse 12 mois : fin au plus tard le {_fr(latest)} "
            "sans accord d'entreprise ou de branche (L6324-4)."
        )
    return _ok(f"La période {span} tient en {months} mois au plus (L6324-4{', ' + agreement if agreement else ''}).")


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
    return CheckReport([CheckResult(code, *check(period, context)) for code, _, check in RULES])


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


# --- Funding -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Funding:
    amount: Decimal
    source: str  # FundingSource
    hourly_rate: Decimal | None = None
    amount_per_period: Decimal | None = None
    origin: str = ""

    @property
    def explanation(self) -> str:
        if self.amount_per_period is not None:
            return f"forfait de la branche par période : {euros(self.amount_per_period)} (D6332-89)"
        if self.source == FundingSource.BRANCH:
            return f"forfait horaire de la branche : {_rate(self.hourly_rate)} €/h × heures (D6332-89)"
        return f"forfait par défaut : {_rate(self.hourly_rate)} €/h × heures (D6332-90 I)"


def funding_for(hours: Decimal, found) -> Funding:
    """The forfait of a period of `hours` hours given the branch's decision (`reconversion_funding`'s
    answer, or None): the amount per period, else the hourly rate × hours, else 9,15 €/h × hours."""
    if found is not None:
        hourly_rate, per_period, _, origin = found
        if per_period is not None:
            return Funding(round_money(per_period), FundingSource.BRANCH, amount_per_period=per_period, origin=origin)
        if hourly_rate is not None:
            return Funding(
                round_money(hourly_rate * Decimal(hours)), FundingSource.BRANCH, hourly_rate=hourly_rate, origin=origin
            )
    return Funding(
        round_money(DEFAULT_HOURLY_RATE * Decimal(hours)),
        FundingSource.DEFAULT,
        hourly_rate=DEFAULT_HOURLY_RATE,
        origin="D6332-90 I",
    )


def period_funding(period: ReconversionPeriod) -> Funding:
    found = reconversion_funding(period.employer_idcc, period.agreement_signed_on or period.start_date)
    return funding_for(period.training_hours, found)


def schedule_for(period: ReconversionPeriod, amount: Decimal) -> list[tuple[str, date, Decimal]]:
    """(kind, due date, amount): 50 % at the start, the rest at the end (house rule)."""
    advance = round_money(amount * ADVANCE_SHARE)
    rows = [(PaymentKind.ADVANCE, period.start_date, advance), (PaymentKind.BALANCE, period.end_date, amount - advance)]
    return [row for row in rows if row[2] > 0]


# --- Scoping -----------------------------------------------------------------------------------------
def periods_visible_to(user) -> QuerySet[ReconversionPeriod]:
    """Staff see every period; a branch representative those of their branch's IDCCs; an advisor those
    of their portfolio's companies; anyone else none (the same scoping as contracts.selectors)."""
    return _scoped(ReconversionPeriod.objects.all(), user)


def pro_a_visible_to(user) -> QuerySet[ProAAmendment]:
    return _scoped(ProAAmendment.objects.all(), user)


def _scoped(rows: QuerySet, user) -> QuerySet:
    if roles.STAFF(user):
        return rows
    if roles.BRANCH_REP(user):
        codes = BranchIdcc.objects.filter(branch__memberships__user=user).values("idcc__code")
        return rows.filter(employer_idcc__in=codes)
    if roles.ADVISOR(user):
        from sme_services.models import PortfolioCompany

        return rows.filter(employer_siret__in=PortfolioCompany.objects.filter(advisor=user).values("company__siret"))
    return rows.none()


def can_instruct(user) -> bool:
    return roles.STAFF(user)


# --- Workflow (the pattern of contracts.workflow: an action table, lock, re-check, act, audit) -------
ACTIONS = {
    action.code: action
    for action in (
        Action("instruct", "Prendre en instruction", (S.RECEIVED,), S.UNDER_INSTRUCTION),
        Action("request_documents", "Déclarer incomplète", (S.RECEIVED, S.UNDER_INSTRUCTION), S.INCOMPLETE),
        Action("documents_received", "Pièces reçues : dossier complet", (S.INCOMPLETE,), S.UNDER_INSTRUCTION),
        Action("accept", "Accepter la prise en charge", (S.UNDER_INSTRUCTION,), S.ACCEPTED),
        Action("refuse", "Refuser la prise en charge", (S.RECEIVED, S.UNDER_INSTRUCTION, S.INCOMPLETE), S.REFUSED),
        Action("start", "Constater le début de la formation", (S.ACCEPTED,), S.RUNNING),
        Action("end", "Constater la fin de la formation", (S.RUNNING,), S.ENDED),
        Action("interrupt", "Enregistrer une interruption", (S.ACCEPTED, S.RUNNING), S.INTERRUPTED),
    )
}


def available_actions(period: ReconversionPeriod) -> list[Action]:
    return [action for action in ACTIONS.values() if period.status in action.allowed_from]


def decision_deadline(complete_on: date) -> date:
    """R6324-2: 20 days from the receipt of the documents of R6324-1."""
    return complete_on + timedelta(days=DECISION_DAYS)


def lock_for(period_id: int, action_code: str) -> tuple[ReconversionPeriod, Action]:
    """Lock the period's row and check the action is allowed from its status (inside a transaction;
    a refusal changes nothing)."""
    action = ACTIONS[action_code]
    period = ReconversionPeriod.objects.select_for_update(of=("self",)).get(pk=period_id)
    if period.status not in action.allowed_from:
        raise TransitionRefused(
            f"« {action.label} » est impossible : la période {period.file_number} est « {period.get_status_display()} »."
        )
    return period, action


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, (bool, int, list)):
        return value
    return str(value)


def apply(period: ReconversionPeriod, action: Action, *, actor, summary: str = "", **fields) -> ReconversionPeriod:
    """Move the locked period to the action's status with `fields`, and record it."""
    before = period.status
    period.status = action.to_status
    for name, value in fields.items():
        setattr(period, name, value)
    period.full_clean(exclude=["employer", "certification", "provider", "assigned_to", "created_by"])
    period.save()
    audit.record(
        actor=actor,
        action=f"reconversion_{action.code}",
        target=period,
        changes={"status": [before, period.status], **{k: [None, _plain(v)] for k, v in fields.items()}},
        summary=summary or action.label,
    )
    return period


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _reload(period_id: int) -> ReconversionPeriod:
    return ReconversionPeriod.objects.select_related("provider", "assigned_to").get(pk=period_id)


# --- Services ----------------------------------------------------------------------------------------
DEPOSIT_FIELDS = (
    "kind",
    "employer_siret",
    "employer_name",
    "employer_idcc",
    "employee_last_name",
    "employee_first_name",
    "employee_birth_date",
    "agreement_signed_on",
    "host_siret",
    "host_name",
    "host_contract_kind",
    "host_contract_start",
    "host_contract_end",
    "target",
    "target_code",
    "target_title",
    "provider_siret",
    "provider_name",
    "training_hours",
    "start_date",
    "end_date",
    "company_agreement",
    "company_agreement_reference",
)
IDENTIFIERS = ("employer_siret", "host_siret", "provider_siret")


def _period_from(data: dict, received_on: date) -> ReconversionPeriod:
    unknown = set(data) - set(DEPOSIT_FIELDS)
    if unknown:
        raise ValidationError({name: "Champ inconnu." for name in sorted(unknown)})
    values = {name: data[name] for name in DEPOSIT_FIELDS if name in data and data[name] is not None}
    for name in IDENTIFIERS:
        values[name] = normalize_identifier(values.get(name, ""))
    for name in ("employer_idcc",):
        values[name] = (values.get(name) or "").strip()
    values["target_code"] = (values.get("target_code") or "").strip().upper()
    if values.get("kind") == ReconversionKind.INTERNAL:
        for name in ("host_siret", "host_name", "host_contract_kind"):
            values[name] = ""
        values["host_contract_start"] = values["host_contract_end"] = None
    if "training_hours" in values:
        values["training_hours"] = Decimal(str(values["training_hours"]))
    return ReconversionPeriod(received_on=received_on, **values)


def reconversion_deposit(*, actor, data: dict, received_on: date | None = None) -> ReconversionPeriod:
    """Record a request (staff form or API): `data` holds the fields of DEPOSIT_FIELDS. Refused with
    the codes of the rules in error (ReconversionRefused, a ValidationError by field) or the model's
    own validation; nothing is stored then. The decision is due 20 days after receipt (R6324-2)."""
    received = _today(received_on)
    period = _period_from(data, received)
    period.file_number = "PR-provisoire"
    period.full_clean(exclude=["file_number", "employer", "certification", "provider", "assigned_to", "created_by"])
    context = rule_context(period)
    refusal = _refusal(run_rules(period, context))
    if refusal is not None:
        raise refusal
    period.branch_agreement = context.branch_extended
    period.employer = Company.objects.filter(siret=period.employer_siret).first()
    period.provider = TrainingProvider.objects.filter(siret=period.provider_siret).first()
    if period.provider and not period.provider_name:
        period.provider_name = period.provider.display_name
    period.certification = context.certifications[0] if context.certifications else None
    period.complete_on = received
    period.decision_due_on = decision_deadline(received)
    period.created_by = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        period.save()
        period.file_number = f"PR-{received.year}-{period.pk:06d}"
        period.save(update_fields=["file_number"])
        audit.record(
            actor=actor,
            action="reconversion_deposit",
            target=period,
            changes={"status": [None, period.status], "training_hours": [None, str(period.training_hours)]},
            summary=f"Demande reçue le {_fr(received)} : décision due le {_fr(period.decision_due_on)} (R6324-2)",
        )
    return period


def reconversion_instruct(*, actor, period_id: int) -> ReconversionPeriod:
    with transaction.atomic():
        period, action = lock_for(period_id, "instruct")
        fields = {}
        if period.assigned_to_id is None and getattr(actor, "is_authenticated", False):
            fields["assigned_to"] = actor
        return apply(period, action, actor=actor, **fields)


def reconversion_request_documents(*, actor, period_id: int, message: str) -> ReconversionPeriod:
    """Incomplete (R6324-1 4°): the 20 days run again from the receipt of the documents (R6324-2)."""
    if not message.strip():
        raise ValidationError({"message": "Indiquez les pièces ou informations demandées à l'employeur."})
    with transaction.atomic():
        period, action = lock_for(period_id, "request_documents")
        return apply(
            period,
            action,
            actor=actor,
            incomplete_message=message.strip(),
            complete_on=None,
            decision_due_on=None,
            summary=f"Demande incomplète : {message.strip()[:200]}",
        )


def reconversion_documents_received(*, actor, period_id: int, on: date | None = None) -> ReconversionPeriod:
    complete_on = _today(on)
    with transaction.atomic():
        period, action = lock_for(period_id, "documents_received")
        due = decision_deadline(complete_on)
        return apply(
            period,
            action,
            actor=actor,
            complete_on=complete_on,
            decision_due_on=due,
            summary=f"Dossier complet le {_fr(complete_on)} : décision due le {_fr(due)} (R6324-2)",
        )


def reconversion_accept(*, actor, period_id: int, allow_overrun: bool = False, today: date | None = None) -> ReconversionPeriod:
    """Accept the funding: the rules again (refused with their codes, nothing decided), the forfait
    snapshotted, the two rows of the schedule, the commitment against the section's budget
    (payments.budgets; BudgetExceeded leaves the period undecided), the audit entry."""
    day = _today(today)
    with transaction.atomic():
        period, action = lock_for(period_id, "accept")
        context = rule_context(period)
        refusal = _refusal(run_rules(period, context))
        if refusal is not None:
            refused = TransitionRefused(f"Acceptation impossible ({', '.join(refusal.codes)}) : {' '.join(refusal.messages)}")
            refused.codes = refusal.codes
            raise refused
        funding = period_funding(period)
        if funding.amount <= 0:
            raise TransitionRefused("Acceptation impossible : le forfait calculé est nul.")
        rows = [
            ReconversionPayment(period=period, kind=kind, due_date=due, amount=amount)
            for kind, due, amount in schedule_for(period, funding.amount)
        ]
        for row in rows:
            row.full_clean(exclude=["period"])
        ReconversionPayment.objects.bulk_create(rows)
        budget_commit(
            actor=actor,
            section=FinancialSection.RECONVERSION,
            source=period,
            reference=period.file_number,
            movements=[(row.due_date, row.amount) for row in rows],
            label=f"Période de reconversion {period.file_number}",
            allow_overrun=allow_overrun,
        )
        return apply(
            period,
            action,
            actor=actor,
            decided_on=day,
            branch_agreement=context.branch_extended,
            funding_hourly_rate=funding.hourly_rate,
            funding_amount_per_period=funding.amount_per_period,
            funding_source=funding.source,
            funding_origin=funding.origin[:500],
            committed_amount=funding.amount,
            refusal_codes=[],
            refusal_text="",
            summary=f"Prise en charge accordée : {euros(funding.amount)} ({funding.explanation})",
        )


def reconversion_refuse(*, actor, period_id: int, codes: list[str], text: str, today: date | None = None) -> ReconversionPeriod:
    """A reasoned refusal (R6324-3): at least one reason code and the text of the decision."""
    codes = list(dict.fromkeys(codes or []))
    unknown = [code for code in codes if code not in REFUSAL_REASONS]
    errors = {}
    if not codes:
        errors["codes"] = "Choisissez au moins un motif de refus."
    elif unknown:
        errors["codes"] = f"Motif(s) inconnu(s) : {', '.join(unknown)}."
    if not (text or "").strip():
        errors["text"] = "Le refus est motivé (R6324-3) : rédigez le motif notifié aux parties."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        period, action = lock_for(period_id, "refuse")
        return apply(
            period,
            action,
            actor=actor,
            decided_on=_today(today),
            refusal_codes=codes,
            refusal_text=text.strip(),
            summary=f"Prise en charge refusée ({', '.join(codes)}) : {text.strip()[:200]}",
        )


def reconversion_start(
    *, actor, period_id: int, started_on: date, invoice_received_on: date, today: date | None = None
) -> ReconversionPeriod:
    """The training started; the provider's invoice makes the advance payable (house rule)."""
    day = _today(today)
    errors = {}
    if started_on > day:
        errors["started_on"] = f"Le début constaté ({_fr(started_on)}) ne peut pas être dans le futur."
    if invoice_received_on > day:
        errors["invoice_received_on"] = f"La facture ne peut pas être reçue dans le futur ({_fr(invoice_received_on)})."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        period, action = lock_for(period_id, "start")
        if started_on > period.end_date:
            raise ValidationError(
                {"started_on": f"Le début constaté ({_fr(started_on)}) est après la fin prévue ({_fr(period.end_date)})."}
            )
        period = apply(
            period,
            action,
            actor=actor,
            started_on=started_on,
            start_invoice_received_on=invoice_received_on,
            summary=f"Formation commencée le {_fr(started_on)}, facture de l'organisme reçue le {_fr(invoice_received_on)}",
        )
        reconversion_payments_release(until=day, today=day, period_ids=[period.pk])
    return _reload(period.pk)


def reconversion_end(
    *, actor, period_id: int, ended_on: date, completion_attested_on: date, today: date | None = None
) -> ReconversionPeriod:
    """The training ended; the attestation de réalisation and the final invoice make the balance
    payable (house rule)."""
    day = _today(today)
    with transaction.atomic():
        period, action = lock_for(period_id, "end")
        errors = {}
        if ended_on > day or ended_on < (period.started_on or period.start_date):
            errors["ended_on"] = f"La fin constatée ({_fr(ended_on)}) est entre le début de la formation et aujourd'hui."
        if completion_attested_on > day or completion_attested_on < ended_on:
            errors["completion_attested_on"] = (
                f"L'attestation de réalisation ({_fr(completion_attested_on)}) est reçue après la fin "
                "et au plus tard aujourd'hui."
            )
        if errors:
            raise ValidationError(errors)
        period = apply(
            period,
            action,
            actor=actor,
            ended_on=ended_on,
            completion_attested_on=completion_attested_on,
            summary=f"Formation terminée le {_fr(ended_on)}, attestation de réalisation et facture finale reçues le "
            f"{_fr(completion_attested_on)}",
        )
        reconversion_payments_release(until=day, today=day, period_ids=[period.pk])
    return _reload(period.pk)


def reconversion_interrupt(
    *, actor, period_id: int, interrupted_on: date, reason: str, reported_on: date | None = None, today: date | None = None
) -> ReconversionPeriod:
    """R6324-5: the employer reports an interruption within 30 days. A late report is still recorded
    (the OPCO cannot ignore the fact) and flagged in the history. The rows not owed are superseded —
    the balance, and the advance when the training never started — and their amounts leave the
    section's budget; nothing is prorated."""
    day = _today(today)
    reported = reported_on or day
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "Indiquez le motif de l'interruption."
    if interrupted_on > reported:
        errors["interrupted_on"] = (
            f"L'interruption ({_fr(interrupted_on)}) ne peut pas être après son signalement ({_fr(reported)})."
        )
    if reported > day:
        errors["reported_on"] = "Le signalement ne peut pas être dans le futur."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        period, action = lock_for(period_id, "interrupt")
        if interrupted_on > period.end_date:
            raise ValidationError(
                {"interrupted_on": f"L'interruption ({_fr(interrupted_on)}) est après la fin prévue ({_fr(period.end_date)})."}
            )
        started = period.status == S.RUNNING
        superseded = [
            row
            for row in period.payments.select_for_update().filter(status=PaymentStatus.PLANNED)
            if row.kind == PaymentKind.BALANCE or not started
        ]
        ReconversionPayment.objects.filter(pk__in=[row.pk for row in superseded]).update(status=PaymentStatus.SUPERSEDED)
        if superseded:
            budget_commit(
                actor=actor,
                section=FinancialSection.RECONVERSION,
                source=period,
                reference=period.file_number,
                movements=[(row.due_date, -row.amount) for row in superseded],
                label=f"Interruption de la période de reconversion {period.file_number}",
            )
        late = reported > interrupted_on + timedelta(days=INTERRUPTION_REPORT_DAYS)
        released = sum((row.amount for row in superseded), ZERO)
        summary = f"Interrompue le {_fr(interrupted_on)}, signalée le {_fr(reported)}"
        if late:
            summary += " — hors du délai de 30 jours (R6324-5)"
        summary += f" ; {euros(released)} dégagé(s)"
        return apply(
            period,
            action,
            actor=actor,
            interrupted_on=interrupted_on,
            interruption_reported_on=reported,
            interruption_reason=reason.strip()[:500],
            summary=summary,
        )


def interruption_reported_late(period: ReconversionPeriod) -> bool:
    if period.interrupted_on is None or period.interruption_reported_on is None:
        return False
    return period.interruption_reported_on > period.interrupted_on + timedelta(days=INTERRUPTION_REPORT_DAYS)


# --- Payability (payments.sources) -------------------------------------------------------------------
@dataclass
class Release:
    released: int = 0
    blocked: list[str] = field(default_factory=list)


def payment_due(payment: ReconversionPayment, period: ReconversionPeriod) -> tuple[date | None, str]:
    """(date from which the row is payable, or None with what it waits for)."""
    if payment.kind == PaymentKind.ADVANCE:
        if period.status not in (S.RUNNING, S.ENDED, S.INTERRUPTED) or period.start_invoice_received_on is None:
            return None, "début de la formation et facture de l'organisme"
        return max(period.started_on or period.start_date, period.start_invoice_received_on), ""
    if period.status != S.ENDED or period.completion_attested_on is None:
        return None, "fin de la formation, attestation de réalisation et facture finale"
    return period.completion_attested_on, ""


def beneficiary_of(period: ReconversionPeriod) -> Beneficiary | None:
    provider = period.provider or TrainingProvider.objects.filter(siret=period.provider_siret).first()
    if provider is None:
        return None
    return Beneficiary(
        kind=BeneficiaryKind.PROVIDER,
        identifier=provider.siret,
        name=provider.display_name,
        address=provider.address,
        postal_code=provider.postal_code,
        town=provider.city,
        iban=provider.iban,
        bic=provider.bic,
    )


def line_request(payment: ReconversionPayment, period: ReconversionPeriod, due: date, beneficiary: Beneficiary) -> LineRequest:
    code = "AVANCE" if payment.kind == PaymentKind.ADVANCE else "SOLDE"
    return LineRequest(
        source_id=payment.pk,
        beneficiary=beneficiary,
        amount=payment.amount,
        due_date=due,
        pay_by=due + PAY_WITHIN,
        reference=f"{period.file_number} {period.employee_initials} {code}",
        label=f"Période de reconversion {period.file_number} – {period.employee_initials} – {payment.get_kind_display().lower()}",
        section=FinancialSection.RECONVERSION,
    )


def reconversion_payments_release(*, until: date | None = None, today: date | None = None, period_ids=None) -> Release:
    """Hand over to payments every planned row whose condition is met by `until`. Periods being
    changed elsewhere (row locked) are skipped and looked at next time."""
    day = _today(today)
    until = until or day
    report = Release()
    with transaction.atomic():
        planned = ReconversionPayment.objects.filter(status=PaymentStatus.PLANNED, period__status__in=FUNDED)
        if period_ids is not None:
            planned = planned.filter(period_id__in=period_ids)
        periods = {
            period.pk: period
            for period in ReconversionPeriod.objects.filter(id__in=Subquery(planned.values("period_id")))
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("provider")
        }
        if not periods:
            return report
        requests = []
        blocked = set()
        for payment in ReconversionPayment.objects.filter(status=PaymentStatus.PLANNED, period_id__in=list(periods)).order_by(
            "id"
        ):
            period = periods[payment.period_id]
            due, _ = payment_due(payment, period)
            if due is None or due > until:
                continue
            beneficiary = beneficiary_of(period)
            problems = beneficiary.problems() if beneficiary else ["organisme de formation inconnu du référentiel"]
            if problems:
                blocked.add(f"{period.file_number} : {', '.join(problems)}")
                continue
            requests.append(line_request(payment, period, due, beneficiary))
        payable_lines_submit(source_model=ReconversionPayment, requests=requests)
        ReconversionPayment.objects.filter(id__in=[r.source_id for r in requests]).update(status=PaymentStatus.PAYABLE)
        report.released, report.blocked = len(requests), sorted(blocked)
    return report


MIRRORED_FROM = {
    LineStatus.IN_RUN: (PaymentStatus.PAYABLE,),
    LineStatus.PAID: (PaymentStatus.IN_RUN,),
    LineStatus.PAYABLE: (PaymentStatus.IN_RUN, PaymentStatus.PAID),
    LineStatus.RECOVERY: (PaymentStatus.PAYABLE,),
}
MIRRORED_TO = {
    LineStatus.IN_RUN: PaymentStatus.IN_RUN,
    LineStatus.PAID: PaymentStatus.PAID,
    LineStatus.PAYABLE: PaymentStatus.PAYABLE,
    LineStatus.RECOVERY: PaymentStatus.RECOVERY,
}


def mirror_line_status(lines, status: str) -> None:
    """Keep the rows in step with their payable lines (one UPDATE, guarded by the previous status)."""
    if status not in MIRRORED_TO:
        return
    ReconversionPayment.objects.filter(
        id__in=Subquery(lines.order_by().values("source_id")), status__in=MIRRORED_FROM[status]
    ).update(status=MIRRORED_TO[status])


def providers_with_pending(identifiers: set[str]) -> set[str]:
    """Providers (by SIRET) with rows still to come: a negative line waits to be netted."""
    if not identifiers:
        return set()
    return set(
        ReconversionPayment.objects.filter(status=PaymentStatus.PLANNED, period__provider_siret__in=identifiers)
        .values_list("period__provider_siret", flat=True)
        .distinct()
    )


def release_for_payments(until: date) -> int:
    return reconversion_payments_release(until=until).released


# --- Dashboard figures -------------------------------------------------------------------------------
@dataclass(frozen=True)
class YearFigures:
    year: int
    accepted: int
    committed: Decimal
    external_committed: Decimal
    floor_applies: bool

    @property
    def average(self) -> Decimal | None:
        return None if self.accepted == 0 else self.committed / self.accepted

    @property
    def average_rounded(self) -> Decimal | None:
        return None if self.average is None else round_money(self.average)

    @property
    def average_alert(self) -> bool:
        """D6332-90 II: the average per period « est fixé à 5 000 euros »; above it, an alert."""
        return self.average is not None and self.average > AVERAGE_CEILING

    @property
    def external_share(self) -> Decimal | None:
        """Percentage of the committed amount going to external periods (exact, not rounded)."""
        return None if self.committed == 0 else self.external_committed * 100 / self.committed

    @property
    def external_alert(self) -> bool:
        """D6332-89-1: at least 12 % for external periods, unless the CA moved the split from Q4."""
        return self.floor_applies and self.committed > 0 and self.external_committed * 100 < EXTERNAL_FLOOR_PCT * self.committed


def live_amounts(periods: QuerySet[ReconversionPeriod]) -> QuerySet:
    return ReconversionPayment.objects.filter(period__in=periods).exclude(status=PaymentStatus.SUPERSEDED)


def floor_applies(year: int, *, reallocated: bool, today: date) -> bool:
    """D6332-89-1 al. 2-3: when the CA, finding under-consumption in Q3, changes the split, the 12 %
    floor no longer applies from the start of Q4 (1 October)."""
    return not (reallocated and today >= date(year, 10, 1))


def year_figures(
    periods: QuerySet[ReconversionPeriod], year: int, *, reallocated: bool = False, today: date | None = None
) -> YearFigures:
    """Periods funded (accepted, then running, ended or interrupted) by a decision of `year`, and what
    they still commit (their rows not superseded). A period interrupted before its start commits
    nothing any more: it counts neither in the amount nor in the number of periods of the average."""
    funded = periods.filter(status__in=FUNDED, decided_on__year=year)
    rows = live_amounts(funded)
    committed = rows.aggregate(total=Sum("amount"))["total"] or ZERO
    external = rows.filter(period__kind=ReconversionKind.EXTERNAL).aggregate(total=Sum("amount"))["total"] or ZERO
    return YearFigures(
        year=year,
        accepted=funded.filter(pk__in=rows.values("period_id")).count(),
        committed=committed,
        external_committed=external,
        floor_applies=floor_applies(year, reallocated=reallocated, today=_today(today)),
    )


@dataclass(frozen=True)
class Simulation:
    funding: Funding
    figures: YearFigures


def simulate_acceptance(period: ReconversionPeriod, figures: YearFigures) -> Simulation:
    """The year's figures if this period were accepted now with its forfait."""
    funding = period_funding(period)
    external = funding.amount if period.kind == ReconversionKind.EXTERNAL else ZERO
    after = YearFigures(
        year=figures.year,
        accepted=figures.accepted + 1,
        committed=figures.committed + funding.amount,
        external_committed=figures.external_committed + external,
        floor_applies=figures.floor_applies,
    )
    return Simulation(funding=funding, figures=after)


def status_counts(periods: QuerySet[ReconversionPeriod], year: int) -> list[tuple[str, str, int]]:
    """(status, label, number of periods received in `year`) for every status."""
    counts = dict(periods.filter(received_on__year=year).values("status").annotate(n=Count("id")).values_list("status", "n"))
    return [(status.value, status.label, counts.get(status.value, 0)) for status in S]


def overdue(periods: QuerySet[ReconversionPeriod], today: date | None = None) -> QuerySet[ReconversionPeriod]:
    """Undecided periods past their decision date (R6324-2: 20 days; an incomplete one waits)."""
    return periods.filter(status__in=AWAITING_DECISION, decision_due_on__lt=_today(today)).order_by("decision_due_on", "id")


# --- Pro-A stock (rules before 1 January 2026) -------------------------------------------------------
PRO_A_PUBLIC = (
    ProAEmployeeContract.CDI,
    ProAEmployeeContract.CUI_CDI,
    ProAEmployeeContract.SPORT_CDD,
    ProAEmployeeContract.PARTIAL_ACTIVITY,
)
PRO_A_MIN_MONTHS, PRO_A_MAX_MONTHS, PRO_A_MAX_MONTHS_BRANCH = 6, 12, 24  # L6325-11, L6325-12 (via D6324-1)
PRO_A_MIN_SHARE, PRO_A_MAX_SHARE, PRO_A_MIN_HOURS = Decimal(15), Decimal(25), Decimal(150)  # L6325-13, L6325-14


def _pro_a_date(amendment: ProAAmendment) -> Outcome:
    if amendment.signed_on >= PRO_A_END:
        return _error(
            f"Avenant conclu le {_fr(amendment.signed_on)} : à partir du 01/01/2026, c'est une période de reconversion "
            "(loi n° 2025-989 du 24 octobre 2025, art. 11)."
        )
    return _ok(
        f"Avenant conclu le {_fr(amendment.signed_on)}, avant le 01/01/2026 : règles de la Pro-A (loi n° 2025-989, art. 11 III)."
    )


def _pro_a_public(amendment: ProAAmendment) -> Outcome:
    if amendment.employee_contract not in PRO_A_PUBLIC:
        return _error(
            f"Contrat du salarié « {amendment.get_employee_contract_display()} » : la Pro-A concernait les salariés "
            "en CDI, CUI-CDI, "
            "CDD de sportif ou en activité partielle (L6324-1 ancien)."
        )
    return _ok(f"Salarié en {amendment.get_employee_contract_display()} (L6324-1 ancien).")


def _pro_a_level(amendment: ProAAmendment) -> Outcome:
    if not amendment.below_licence:
        return _error("Le salarié a atteint le grade de la licence : la Pro-A lui était fermée (L6324-2 et D6324-1-1 anciens).")
    return _ok("Qualification inférieure au grade de la licence (D6324-1-1 ancien).")


def _pro_a_duration(amendment: ProAAmendment) -> Outcome:
    if amendment.target != ProATarget.QUALIFICATION:
        return _ok(f"{amendment.get_target_display()} : la durée de 6 à 12 mois ne s'applique pas (D6324-1 ancien).")
    start, end = amendment.start_date, amendment.end_date
    longest = PRO_A_MAX_MONTHS_BRANCH if amendment.extended_by_branch else PRO_A_MAX_MONTHS
    span = f"du {_fr(start)} au {_fr(end)}"
    if end < last_day(start, PRO_A_MIN_MONTHS):
        return _error(
            f"L'action {span} dure moins de 6 mois (fin au plus tôt le {_fr(last_day(start, PRO_A_MIN_MONTHS))} ; "
            "L6325-11 via D6324-1 ancien)."
        )
    if end > last_day(start, longest):
        return _error(
            f"L'action {span} dépasse {longest} mois (fin au plus tard le {_fr(last_day(start, longest))} ; "
            "L6325-11 et L6325-12 via D6324-1 ancien)."
        )
    return _ok(f"L'action {span} dure de 6 à {longest} mois (D6324-1 ancien).")


def _pro_a_hours(amendment: ProAAmendment) -> Outcome:
    if amendment.target != ProATarget.QUALIFICATION:
        return _ok(f"{amendment.get_target_display()} : la part de 15 à 25 % ne s'applique pas (D6324-1 ancien).")
    hours, total = Decimal(amendment.training_hours), Decimal(amendment.total_hours)
    share = hours * 100 / total
    shown = f"{_hours(hours)} h sur {_hours(total)} h, soit {str(round_money(share)).replace('.', ',')} %"
    problems = []
    if hours < PRO_A_MIN_HOURS:
        problems.append(f"{_hours(hours)} h de formation : 150 heures au minimum (L6325-13 via D6324-1 ancien).")
    if share < PRO_A_MIN_SHARE:
        problems.append(f"{shown} : moins de 15 % de la durée totale (L6325-13).")
    if share > PRO_A_MAX_SHARE and not amendment.above_25_by_agreement:
        problems.append(f"{shown} : plus de 25 % sans accord de branche (L6325-14).")
    if problems:
        return _error(" ".join(problems))
    return _ok(f"{shown} : au moins 150 h, entre 15 % et 25 % (D6324-1 ancien).")


def _pro_a_tutor(amendment: ProAAmendment) -> Outcome:
    if not (amendment.tutor_last_name.strip() and amendment.tutor_first_name.strip()):
        return _error("Aucun tuteur désigné : l'employeur en désigne un pour chaque bénéficiaire (D6324-2 ancien).")
    return _ok(f"Tuteur : {amendment.tutor_first_name} {amendment.tutor_last_name} (D6324-2 ancien).")


PRO_A_RULES = [
    ("PROA_DATE", _pro_a_date),
    ("PROA_PUBLIC", _pro_a_public),
    ("PROA_NIVEAU", _pro_a_level),
    ("PROA_DUREE", _pro_a_duration),
    ("PROA_HEURES", _pro_a_hours),
    ("PROA_TUTEUR", _pro_a_tutor),
]


def pro_a_checks(amendment: ProAAmendment) -> CheckReport:
    """The old rules, shown on the amendment's page (the stock is read, not decided again)."""
    return CheckReport([CheckResult(code, *check(amendment)) for code, check in PRO_A_RULES])


def pro_a_funding(branch_hourly_rate: Decimal | None, hours: Decimal) -> tuple[Decimal, Decimal]:
    """(hourly rate, amount): the branch's forfait, else 9,15 €/h (D6332-89 and D6332-90 anciens)."""
    rate = branch_hourly_rate if branch_hourly_rate is not None else DEFAULT_HOURLY_RATE
    return rate, round_money(rate * Decimal(hours))


PRO_A_FIELDS = (
    "deposit_reference",
    "signed_on",
    "employer_siret",
    "employer_name",
    "employer_idcc",
    "employee_last_name",
    "employee_first_name",
    "employee_birth_date",
    "employee_contract",
    "below_licence",
    "target",
    "certification_code",
    "certification_title",
    "start_date",
    "end_date",
    "extended_by_branch",
    "training_hours",
    "total_hours",
    "above_25_by_agreement",
    "tutor_last_name",
    "tutor_first_name",
    "provider_siret",
    "provider_name",
    "branch_hourly_rate",
)


def pro_a_amendment_record(*, actor, data: dict) -> ProAAmendment:
    """Record a Pro-A amendment of the stock. Refused when concluded on or after 1 January 2026 (a
    période de reconversion then) or when the model's validation fails; nothing stored then."""
    unknown = set(data) - set(PRO_A_FIELDS)
    if unknown:
        raise ValidationError({name: "Champ inconnu." for name in sorted(unknown)})
    values = {name: data[name] for name in PRO_A_FIELDS if name in data and data[name] is not None}
    signed = values.get("signed_on")
    if signed is not None and signed >= PRO_A_END:
        raise ValidationError(
            {
                "signed_on": (
                    f"Avenant conclu le {_fr(signed)} : depuis le 1er janvier 2026, la Pro-A est remplacée par la période de "
                    "reconversion (loi n° 2025-989 du 24 octobre 2025, art. 11) ; déposez une période de reconversion."
                )
            }
        )
    for name in ("employer_siret", "provider_siret"):
        values[name] = normalize_identifier(values.get(name, ""))
    amendment = ProAAmendment(**values)
    if amendment.training_hours is not None:
        _, amendment.funding_amount = pro_a_funding(amendment.branch_hourly_rate, amendment.training_hours)
    amendment.file_number = "PA-provisoire"
    amendment.full_clean(exclude=["file_number", "employer", "recorded_by"])
    if amendment.end_date < amendment.start_date:
        raise ValidationError({"end_date": "La fin de l'action ne peut pas précéder son début."})
    amendment.employer = Company.objects.filter(siret=amendment.employer_siret).first()
    amendment.recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        amendment.save()
        amendment.file_number = f"PA-{amendment.signed_on.year}-{amendment.pk:06d}"
        amendment.save(update_fields=["file_number"])
        report = pro_a_checks(amendment)
        failing = [check.code for check in report.checks if check.status == CheckStatus.ERROR]
        audit.record(
            actor=actor,
            action="pro_a_record",
            target=amendment,
            changes={"funding_amount": [None, str(amendment.funding_amount)], "old_rule_errors": [None, failing]},
            summary="Avenant Pro-A enregistré (stock avant 2026)"
            + (f" ; règles anciennes non respectées : {', '.join(failing)}" if failing else ""),
            source=AuditEntry.Source.WEB,
        )
    return amendment
