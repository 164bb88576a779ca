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

A line with nothing to pay (an advance absorbed by the employer participation) is settled at once.
Payments is told through `payments.services` only (DESIGN.md: data flows contracts → payments).
"""

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Max, Q, Subquery
from django.utils import timezone

from contracts.enums import CfaDocumentKind, ContractKind, ContractStatus, InstalmentStatus
from contracts.financing.professionalisation import EMPLOYER_KINDS
from contracts.models import ApprenticeshipContract, CfaDocument, Instalment
from opco import audit
from opco.models import AuditEntry
from payments.enums import BeneficiaryKind, LineStatus
from payments.services import Beneficiary, LineRequest, payable_lines_submit

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


@dataclass(frozen=True)
class Decision:
    """None of `due` means: not payable yet."""

    due: date | None
    pay_by: date | None = None
    not_due: bool = False
    waiting_for: str = ""


@dataclass
class ContractFacts:
    contract: ApprenticeshipContract
    regime: str
    last_year: int
    participation_due: bool
    documents: dict[tuple[str, int | None], CfaDocument] = field(default_factory=dict)

    def document(self, kind: str, year: int | None = None) -> CfaDocument | None:
        return self.documents.get((kind, year))


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
            return Decision(due=None, waiting_for=f"facture de l'année {instalment.year}")
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
            return Decision(due=None, waiting_for=f"facture de l'année {instalment.year + 1}")
        due = max(instalment.due_date, invoice.received_on)
        return Decision(due=due, pay_by=max(due, invoice.received_on + INVOICE_DELAY))
    deadline = documents_deadline(contract)
    needed = [CfaDocumentKind.FINAL_INVOICE, CfaDocumentKind.COMPLETION_ATTESTATION]
    if facts.participation_due:
        needed.append(CfaDocumentKind.PARTICIPATION_INVOICE)
    received = {kind: facts.document(kind) for kind in needed}
    in_time = {kind: doc for kind, doc in received.items() if doc is not None and doc.received_on <= deadline}
    if len(in_time) == len(needed):
        due = max([instalment.due_date, *(doc.received_on for doc in in_time.values())])
        return Decision(due=due, pay_by=due + INVOICE_DELAY)
    if today > deadline:
        return Decision(due=None, not_due=True)
    missing = [CfaDocumentKind(kind).label.lower() for kind in needed if kind not in in_time]
    return Decision(due=None, waiting_for=", ".join(missing) + f" (avant le {deadline:%d/%m/%Y})")


def _decide_professionalisation(instalment: Instalment, facts: ContractFacts) -> Decision:
    """The training body's forfait: half on its invoice of year 1, the rest on its final invoice with
    the attestation de réalisation (house rule in the module docstring)."""
    if instalment.kind == "advance":
        needed = [(CfaDocumentKind.ANNUAL_INVOICE, 1)]
    else:
        needed = [(CfaDocumentKind.FINAL_INVOICE, None), (CfaDocumentKind.COMPLETION_ATTESTATION, None)]
    documents = [facts.document(kind, year) for kind, year in needed]
    if any(document is None for document in documents):
        missing = [CfaDocumentKind(kind).label.lower() for (kind, _), doc in zip(needed, documents, strict=True) if doc is None]
        return Decision(due=None, waiting_for=", ".join(missing) + " de l'organisme de formation")
    received = max(document.received_on for document in documents)
    due = max(instalment.due_date, received)
    return Decision(due=due, pay_by=max(due, received + INVOICE_DELAY))


@dataclass
class Release:
    released: int = 0
    settled_at_zero: int = 0
    closed_not_due: int = 0
    blocked: list[str] = field(default_factory=list)


def facts_of(contracts: list[ApprenticeshipContract]) -> dict[int, ContractFacts]:
    ids = [contract.pk for contract in contracts]
    last_years = dict(
        Instalment.objects.filter(commitment__contract_id__in=ids)
        .exclude(status=InstalmentStatus.SUPERSEDED)
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


def beneficiary_of(contract: ApprenticeshipContract, kind: str = "advance") -> Beneficiary | None:
    """Who a line is paid to: the employer for its aids, else the CFA (apprenticeship) or the training
    body (professionalisation)."""
    if kind in EMPLOYER_KINDS:
        employer = contract.employer
        if employer is None:
            return None
        return Beneficiary(
            kind=BeneficiaryKind.EMPLOYER,
            identifier=employer.siret,
            name=employer.name,
            address=employer.address,
            postal_code=employer.postal_code,
            town=employer.city,
            iban=employer.iban,
            bic=employer.bic,
        )
    cfa = contract.cfa
    if cfa is None:
        return None
    professionalisation = contract.contract_kind == ContractKind.PROFESSIONNALISATION
    return Beneficiary(
        kind=BeneficiaryKind.PROVIDER if professionalisation else BeneficiaryKind.CFA,
        identifier=cfa.siret,
        name=cfa.display_name,
        address=cfa.address,
        postal_code=cfa.postal_code,
        town=cfa.city,
        iban=cfa.iban,
        bic=cfa.bic,
    )


def line_request(instalment: Instalment, contract: ApprenticeshipContract, decision: Decision, beneficiary) -> LineRequest:
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


def instalments_release(*, until: date | None = None, today: date | None = None, contract_ids=None) -> Release:
    """Hand over to payments every planned instalment whose conditions are met and that is payable by
    `until`, and close the last balances whose documents came too late. Contracts being changed by
    someone else (row locked) are skipped and looked at next time, so this never waits on a screen."""
    today = today or timezone.localdate()
    until = until or today
    report = Release()
    with transaction.atomic():
        planned = Instalment.objects.filter(
            status=InstalmentStatus.PLANNED, due_date__lte=until, commitment__contract__status__in=FUNDED
        )
        if contract_ids is not None:
            planned = planned.filter(commitment__contract_id__in=contract_ids)
        # Last balances past their window are looked at whatever `until` says.
        locked = ApprenticeshipContract.objects.filter(
            Q(id__in=Subquery(planned.values("commitment__contract_id")))
        ).select_for_update(skip_locked=True, of=("self",))
        contracts = list(locked.select_related("commitment", "cfa", "employer", "rupture"))
        if not contracts:
            return report
        facts = facts_of(contracts)
        instalments = list(
            Instalment.objects.filter(status=InstalmentStatus.PLANNED, commitment__contract_id__in=list(facts))
            .select_related("commitment")
            .order_by("id")
        )
        requests, zero_ids, not_due_ids = [], [], []
        blocked: set[str] = set()
        for instalment in instalments:
            contract_facts = facts[instalment.commitment.contract_id]
            if instalment.due_date > until and not _is_last_balance(instalment, contract_facts):
                continue
            decision = decide(instalment, contract_facts, today)
            if decision.not_due:
                not_due_ids.append(instalment.pk)
                continue
            if decision.due is None or decision.due > until:
                continue
            if instalment.net == 0:
                zero_ids.append(instalment.pk)
                continue
            contract = contract_facts.contract
            beneficiary = beneficiary_of(contract, instalment.kind)
            if beneficiary is None:
                unknown = (
                    "employeur inconnu du référentiel" if instalment.kind in EMPLOYER_KINDS else "CFA inconnu du référentiel"
                )
                problems = [unknown]
            else:
                problems = beneficiary.problems()
            if problems:
                blocked.add(f"{contract.file_number} : {', '.join(problems)}")
                continue
            requests.append(line_request(instalment, contract, decision, beneficiary))
        payable_lines_submit(source_model=Instalment, requests=requests)
        Instalment.objects.filter(id__in=[r.source_id for r in requests]).update(status=InstalmentStatus.PAYABLE)
        Instalment.objects.filter(id__in=zero_ids).update(status=InstalmentStatus.PAID)
        Instalment.objects.filter(id__in=not_due_ids).update(status=InstalmentStatus.NOT_DUE)
        report.released, report.settled_at_zero, report.closed_not_due = len(requests), len(zero_ids), len(not_due_ids)
        report.blocked = sorted(blocked)
        if not_due_ids:
            audit.record(
                actor=None,
                action="contracts.instalments.not_due",
                summary=(
                    f"{len(not_due_ids)} solde(s) non dû(s) : pièces finales non reçues dans les 4 mois suivant le terme "
                    "du contrat (R6332-25 III 4°)"
                ),
                changes={"instalments": not_due_ids[:500]},
                source=AuditEntry.Source.TASK,
            )
    return report


def _is_last_balance(instalment: Instalment, facts: ContractFacts) -> bool:
    return facts.regime == "R2025" and instalment.kind == "balance" and instalment.year == facts.last_year


def close_expired_balances(*, today: date | None = None) -> int:
    """The last balances whose documents did not arrive within 4 months are not due (III 4°)."""
    today = today or timezone.localdate()
    earliest_end = today - DOCUMENTS_WINDOW
    candidates = ApprenticeshipContract.objects.filter(
        status__in=FUNDED,
        commitment__regime="R2025",
        commitment__instalments__status=InstalmentStatus.PLANNED,
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


# --- What payments reads back (payments.sources) ---------------------------------------------------
MIRRORED_FROM = {
    LineStatus.IN_RUN: (InstalmentStatus.PAYABLE,),
    LineStatus.PAID: (InstalmentStatus.IN_RUN,),
    LineStatus.PAYABLE: (InstalmentStatus.IN_RUN, InstalmentStatus.PAID),
    LineStatus.RECOVERY: (InstalmentStatus.PAYABLE,),
}
MIRRORED_TO = {
    LineStatus.IN_RUN: InstalmentStatus.IN_RUN,
    LineStatus.PAID: InstalmentStatus.PAID,
    LineStatus.PAYABLE: InstalmentStatus.PAYABLE,
    LineStatus.RECOVERY: InstalmentStatus.RECOVERY,
}


def mirror_line_status(lines, status: str) -> None:
    """Keep instalments in step with their payable lines: one UPDATE, guarded by the expected previous
    status so that a superseded or closed instalment is never revived."""
    if status not in MIRRORED_TO:
        return
    Instalment.objects.filter(id__in=Subquery(lines.order_by().values("source_id")), status__in=MIRRORED_FROM[status]).update(
        status=MIRRORED_TO[status]
    )


def cfas_with_pending(identifiers: set[str]) -> set[str]:
    """CFAs (by SIRET) that still have positive instalments to come: a trop-perçu waits to be netted."""
    if not identifiers:
        return set()
    planned = Instalment.objects.filter(status=InstalmentStatus.PLANNED, net__gt=0)
    providers = planned.exclude(kind__in=EMPLOYER_KINDS).filter(commitment__contract__cfa__siret__in=identifiers)
    employers = planned.filter(kind__in=EMPLOYER_KINDS, commitment__contract__employer__siret__in=identifiers)
    return set(providers.values_list("commitment__contract__cfa__siret", flat=True).distinct()) | set(
        employers.values_list("commitment__contract__employer__siret", flat=True).distinct()
    )


def release_for_payments(until: date) -> int:
    return instalments_release(until=until).released
