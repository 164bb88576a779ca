"""When an instalment becomes payable (R6332-25), and its hand-over to payments as a payable line.

- advance of a year: once the CFA's invoice for that year is received, paid within 30 days (III 1°);
  for a CFA declared less than 6 months before the start (R2025), also the attestation de début de
  formation (V);
- month7 and month10 lines: in their month (III 2° and 3°);
- balance of a year that is not the last (R2025): with the first advance of the next year (III 4°),
  so with that year's invoice;
- last balance (R2025): with the final invoice, the attestation de réalisation and, when the employer
  owes the participation (level ≥ 6), the copy of its invoice, all received within 4 months after the
  contract's end; otherwise it is closed as not due (III 4°: « le solde n'est pas dû »);
- R2021 contracts (signed before 1 July 2025, R6332-25 in its 2020 version): the advance after the
  invoice, the other lines at their date;
- regularisation and negative lines (trop-perçu): at their date; payments nets the negative ones;
- professionalisation contracts (house rule, D6332-85 leaves the terms to the OPCO): the advance on
  the training body's invoice of year 1, the balance on its final invoice and the attestation de
  réalisation, without the 4-month window of R6332-25 (which is about apprenticeship);
- the employer's aids (tutoring and tutor training, D6332-92/93 1°; master aid, D6332-93 2°): at their
  date, paid to the employer's account.

A document whose amount is « à vérifier » (contracts.alternance.cfa_documents: an invoice far from the
instalments it matches) unlocks nothing until staff clear it; received in time, it still keeps the last
balance alive past its 4 months while it waits for that review.

A line with nothing to pay (an advance absorbed by the employer participation) is settled at once.
These rules are declared as the instalments' `PayableSchedule` (`SCHEDULE`); the release loop, the
locking and the mirror of payment runs are payments' (`payments.schedules`, DESIGN.md: data flows
contracts → payments).
"""

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from contracts.enums import CfaDocumentKind, ContractKind, ContractStatus
from contracts.financing.professionalisation import EMPLOYER_KINDS
from contracts.models import ApprenticeshipContract, CfaDocument, Instalment
from opco import audit
from opco.models import AuditEntry
from payments.enums import BeneficiaryKind, ScheduleStatus
from payments.schedules import Decision, PayableSchedule, Release, referential_beneficiary, release
from payments.services import Beneficiary, LineRequest

# Every status a financing commitment lives in (accepted, then deposited on DECA, running, ended, broken).
FUNDED = (
    ContractStatus.ACCEPTED,
    ContractStatus.DEPOSITED,
    ContractStatus.RUNNING,
    ContractStatus.ENDED,
    ContractStatus.BROKEN,
)
INVOICE_DELAY = timedelta(days=30)  # III 1°: « au plus tard dans les 30 jours après la réception d'une facture »
DOCUMENTS_WINDOW = relativedelta(months=4)  # III 4°: « dans les quatre mois suivant le terme du contrat »
NEW_CFA_MONTHS = relativedelta(months=6)  # V: déclaration d'activité « depuis moins de six mois »
KIND_LABELS = {
    "advance": ("AVANCE", "avance"),
    "month7": ("M7", "7e mois"),
    "month10": ("M10", "10e mois"),
    "balance": ("SOLDE", "solde"),
    "regularisation": ("REGUL", "régularisation"),
    "regul_employeur": ("REGUL", "régularisation de l'aide"),
    "tutorat": ("TUTORAT", "aide au tutorat"),
    "formation_tuteur": ("FTUT", "formation du tuteur"),
    "aide_maitre": ("AMA", "aide au maître d'apprentissage"),
}


def end_of_month(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def contract_end(contract: ApprenticeshipContract) -> date:
    """The contract's term: the rupture date when it was broken, else its planned end."""
    rupture = getattr(contract, "rupture", None)
    return rupture.date if rupture is not None else contract.end_date


def documents_deadline(contract: ApprenticeshipContract) -> date:
    """Last day the final documents may arrive for the last balance to be due (R6332-25 III 4°)."""
    return contract_end(contract) + DOCUMENTS_WINDOW


def is_new_cfa(contract: ApprenticeshipContract) -> bool:
    """R6332-25 V (R2025 only): CFA declared less than 6 months before the start."""
    declared = contract.cfa_declared_on
    return declared is not None and declared > contract.start_date - NEW_CFA_MONTHS


@dataclass
class ContractFacts:
    contract: ApprenticeshipContract
    regime: str
    last_year: int
    participation_due: bool
    documents: dict[tuple[str, int | None], CfaDocument] = field(default_factory=dict)

    def document(self, kind: str, year: int | None = None) -> CfaDocument | None:
        """The document received, or None; one whose amount waits for review does not count yet."""
        document = self.documents.get((kind, year))
        return None if document is None or document.to_review else document

    def waiting(self, kind: str, year: int | None, label: str) -> str:
        """What an instalment waits for: « label », or « label (montant à vérifier) » when it came flagged."""
        document = self.documents.get((kind, year))
        return f"{label} (montant à vérifier)" if document is not None and document.to_review else label


def decide(instalment: Instalment, facts: ContractFacts, today: date) -> Decision:
    """Whether `instalment` is payable, from when and until when (the rules in the module docstring)."""
    contract = facts.contract
    kind = instalment.kind
    if instalment.net < 0 or kind == "regularisation" or kind in EMPLOYER_KINDS:
        return Decision(due=instalment.due_date, pay_by=end_of_month(instalment.due_date))
    if facts.regime == "PRO":
        return _decide_professionalisation(instalment, facts)
    r2025 = facts.regime == "R2025"
    if kind == "advance":
        invoice = facts.document(CfaDocumentKind.ANNUAL_INVOICE, instalment.year)
        if invoice is None:
            waiting = facts.waiting(CfaDocumentKind.ANNUAL_INVOICE, instalment.year, f"facture de l'année {instalment.year}")
            return Decision(due=None, waiting_for=waiting)
        due = max(instalment.due_date, invoice.received_on)
        if r2025 and is_new_cfa(contract):
            attestation = facts.document(CfaDocumentKind.START_ATTESTATION)
            if attestation is None:
                return Decision(due=None, waiting_for="attestation de début de formation (CFA de moins de 6 mois)")
            due = max(due, attestation.received_on)
        return Decision(due=due, pay_by=max(due, invoice.received_on + INVOICE_DELAY))
    if kind in ("month7", "month10"):
        return Decision(due=instalment.due_date, pay_by=end_of_month(instalment.due_date))
    # Balance.
    if not r2025:
        return Decision(due=instalment.due_date, pay_by=end_of_month(instalment.due_date))
    if instalment.year < facts.last_year:
        invoice = facts.document(CfaDocumentKind.ANNUAL_INVOICE, instalment.year + 1)
        if invoice is None:
            label = f"facture de l'année {instalment.year + 1}"
            return Decision(due=None, waiting_for=facts.waiting(CfaDocumentKind.ANNUAL_INVOICE, instalment.year + 1, label))
        due = max(instalment.due_date, invoice.received_on)
        return Decision(due=due, pay_by=max(due, invoice.received_on + INVOICE_DELAY))
    deadline = documents_deadline(contract)
    needed = [CfaDocumentKind.FINAL_INVOICE, CfaDocumentKind.COMPLETION_ATTESTATION]
    if facts.participation_due:
        needed.append(CfaDocumentKind.PARTICIPATION_INVOICE)
    # Received in time counts for the 4 months even while its amount waits for review.
    received = {kind: facts.documents.get((kind, None)) for kind in needed}
    in_time = {kind: doc for kind, doc in received.items() if doc is not None and doc.received_on <= deadline}
    held = [kind for kind, doc in in_time.items() if doc.to_review]
    if len(in_time) == len(needed) and not held:
        due = max([instalment.due_date, *(doc.received_on for doc in in_time.values())])
        return Decision(due=due, pay_by=due + INVOICE_DELAY)
    if len(in_time) < len(needed) and today > deadline:
        return Decision(due=None, not_due=True)
    missing = [CfaDocumentKind(kind).label.lower() for kind in needed if kind not in in_time]
    waiting = [", ".join(missing) + f" (avant le {deadline:%d/%m/%Y})"] if missing else []
    waiting += [facts.waiting(kind, None, CfaDocumentKind(kind).label.lower()) for kind in held]
    return Decision(due=None, waiting_for=", ".join(waiting))


def _decide_professionalisation(instalment: Instalment, facts: ContractFacts) -> Decision:
    """The training body's forfait: half on its invoice of year 1, the rest on its final invoice with
    the attestation de réalisation (house rule in the module docstring)."""
    if instalment.kind == "advance":
        needed = [(CfaDocumentKind.ANNUAL_INVOICE, 1)]
    else:
        needed = [(CfaDocumentKind.FINAL_INVOICE, None), (CfaDocumentKind.COMPLETION_ATTESTATION, None)]
    documents = [facts.document(kind, year) for kind, year in needed]
    if any(document is None for document in documents):
        absent = [(kind, year) for kind, year in needed if facts.documents.get((kind, year)) is None]
        held = [
            (kind, year)
            for (kind, year), doc in zip(needed, documents, strict=True)
            if doc is None and (kind, year) not in absent
        ]
        waiting = (
            [", ".join(CfaDocumentKind(kind).label.lower() for kind, _ in absent) + " de l'organisme de formation"]
            if absent
            else []
        )
        waiting += [
            facts.waiting(kind, year, f"{CfaDocumentKind(kind).label.lower()} de l'organisme de formation") for kind, year in held
        ]
        return Decision(due=None, waiting_for=", ".join(waiting))
    received = max(document.received_on for document in documents)
    due = max(instalment.due_date, received)
    return Decision(due=due, pay_by=max(due, received + INVOICE_DELAY))


def facts_of(contracts: list[ApprenticeshipContract]) -> dict[int, ContractFacts]:
    ids = [contract.pk for contract in contracts]
    last_years = dict(
        Instalment.objects.filter(commitment__contract_id__in=ids)
        .exclude(status=ScheduleStatus.SUPERSEDED)
        .values_list("commitment__contract_id")
        .annotate(last=Max("year"))
    )
    facts = {
        contract.pk: ContractFacts(
            contract=contract,
            regime=contract.commitment.regime,
            last_year=last_years.get(contract.pk, 1),
            participation_due=contract.commitment.employer_participation > 0,
        )
        for contract in contracts
    }
    for document in CfaDocument.objects.filter(contract_id__in=ids):
        facts[document.contract_id].documents[(document.kind, document.year)] = document
    return facts


def beneficiary_of(instalment: Instalment, facts: ContractFacts) -> Beneficiary | None:
    """Who a line is paid to: the employer for its aids, else the CFA (apprenticeship) or the training
    body (professionalisation)."""
    contract = facts.contract
    if instalment.kind in EMPLOYER_KINDS:
        employer = contract.employer
        return None if employer is None else referential_beneficiary(kind=BeneficiaryKind.EMPLOYER, party=employer)
    if contract.cfa is None:
        return None
    professionalisation = contract.contract_kind == ContractKind.PROFESSIONNALISATION
    kind = BeneficiaryKind.PROVIDER if professionalisation else BeneficiaryKind.CFA
    return referential_beneficiary(kind=kind, party=contract.cfa)


def unknown_beneficiary(instalment: Instalment) -> str:
    return "employeur inconnu du référentiel" if instalment.kind in EMPLOYER_KINDS else "CFA inconnu du référentiel"


def line_request(instalment: Instalment, facts: ContractFacts, decision: Decision, beneficiary: Beneficiary) -> LineRequest:
    contract = facts.contract
    code, label = KIND_LABELS.get(instalment.kind, (instalment.kind.upper(), instalment.kind))
    initials = contract.apprentice_initials
    return LineRequest(
        source_id=instalment.pk,
        beneficiary=beneficiary,
        amount=instalment.net,
        due_date=decision.due,
        pay_by=decision.pay_by,
        reference=f"{contract.file_number} {initials} A{instalment.year} {code}",
        label=f"Contrat {contract.file_number} – {initials} – année {instalment.year} – {label}",
        section=instalment.commitment.financial_section,
    )


def due_by(planned: QuerySet, until: date) -> QuerySet:
    """Only contracts with an instalment due by `until` are locked and looked at."""
    return planned.filter(due_date__lte=until)


def considered(instalment: Instalment, facts: ContractFacts, until: date) -> bool:
    # On a contract looked at, a last balance is decided whatever `until` says: its 4-month window may
    # have passed (III 4°).
    return instalment.due_date <= until or _is_last_balance(instalment, facts)


def _is_last_balance(instalment: Instalment, facts: ContractFacts) -> bool:
    return facts.regime == "R2025" and instalment.kind == "balance" and instalment.year == facts.last_year


def not_due_audit(instalment_ids: list[int]) -> None:
    audit.record(
        actor=None,
        action="contracts.instalments.not_due",
        summary=(
            f"{len(instalment_ids)} solde(s) non dû(s) : pièces finales non reçues dans les 4 mois suivant le terme "
            "du contrat (R6332-25 III 4°)"
        ),
        changes={"instalments": instalment_ids[:500]},
        source=AuditEntry.Source.TASK,
    )


# The instalments as a payable schedule (payments.schedules), registered in contracts.apps. A trop-perçu
# waits to be netted while the CFA, or the employer for its aids, has positive instalments to come.
SCHEDULE = PayableSchedule(
    row_model=Instalment,
    file_path="commitment__contract",
    funded=FUNDED,
    amount_field="net",
    facts=facts_of,
    decide=decide,
    beneficiary=beneficiary_of,
    unknown_beneficiary=unknown_beneficiary,
    line=line_request,
    beneficiary_paths=(
        (~Q(kind__in=EMPLOYER_KINDS), "commitment__contract__cfa__siret"),
        (Q(kind__in=EMPLOYER_KINDS), "commitment__contract__employer__siret"),
    ),
    file_related=("commitment", "cfa", "employer", "rupture"),
    row_related=("commitment",),
    candidates=due_by,
    considered=considered,
    on_not_due=not_due_audit,
)


def instalments_release(
    *, until: date | None = None, today: date | None = None, contract_ids: list[int] | None = None
) -> Release:
    """Hand over to payments every planned instalment whose conditions are met and that is payable by
    `until`, and close the last balances whose documents came too late. Contracts being changed by
    someone else (row locked) are skipped and looked at next time, so this never waits on a screen."""
    today = today or timezone.localdate()
    return release(SCHEDULE, until=until or today, today=today, file_ids=contract_ids)


def close_expired_balances(*, today: date | None = None) -> int:
    """The last balances whose documents did not arrive within 4 months are not due (III 4°)."""
    today = today or timezone.localdate()
    earliest_end = today - DOCUMENTS_WINDOW
    candidates = ApprenticeshipContract.objects.filter(
        status__in=FUNDED,
        commitment__regime="R2025",
        commitment__instalments__status=ScheduleStatus.PLANNED,
        commitment__instalments__kind="balance",
    )
    # ≤, not <: with month-end clipping, end + 4 months < today can hold for an end equal to today − 4
    # months (30 November + 4 months = 30 March; 31 March − 4 months = 30 November). decide() applies
    # the exact deadline to the contracts selected.
    candidates = candidates.filter(Q(end_date__lte=earliest_end) | Q(rupture__date__lte=earliest_end))
    ids = list(candidates.values_list("id", flat=True).distinct())
    if not ids:
        return 0
    return instalments_release(until=today, today=today, contract_ids=ids).closed_not_due
