"""Bulk acceptance from the contract list: which of the selected files may be accepted at once, and
accepting them one by one through `contract_accept` (each in its own transaction, so that one
refusal does not undo the others). Files whose checks need a staff decision are left for an
individual review: the bulk action never acknowledges warnings."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery

from contracts.alternance.decisions import contract_accept
from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract, CheckRun
from opco.checks import CheckStatus


@dataclass(frozen=True)
class Candidate:
    contract: ApprenticeshipContract
    eligible: bool
    reason: str = ""
    warnings: tuple[str, ...] = ()


@dataclass
class BulkOutcome:
    accepted: list[ApprenticeshipContract] = field(default_factory=list)
    left: list[tuple[ApprenticeshipContract, str]] = field(default_factory=list)


def acceptance_review(contracts: QuerySet[ApprenticeshipContract]) -> list[Candidate]:
    """Eligible: in instruction, and the latest check run has no error (CHECKS.md « eligible »)."""
    latest = CheckRun.objects.filter(contract=OuterRef("pk")).order_by("-ran_at", "-id").values("pk")[:1]
    rows = list(contracts.defer("payload").annotate(latest_run_id=Subquery(latest)).order_by("decision_due_on", "id"))
    runs = CheckRun.objects.in_bulk([row.latest_run_id for row in rows if row.latest_run_id])
    candidates = []
    for contract in rows:
        run = runs.get(contract.latest_run_id)
        results = run.results if run else []
        errors = [r["code"] for r in results if r.get("status") == CheckStatus.ERROR]
        warnings = tuple(r["code"] for r in results if r.get("status") == CheckStatus.WARNING)
        if contract.status != ContractStatus.UNDER_INSTRUCTION:
            reason = f"statut « {contract.get_status_display()} » : seul un dossier en instruction peut être accepté"
        elif run is None:
            reason = "aucun contrôle enregistré : relancez les contrôles"
        elif not run.eligible:
            reason = f"contrôles bloquants : {', '.join(errors) or 'voir le dossier'}"
        else:
            candidates.append(Candidate(contract, True, warnings=warnings))
            continue
        candidates.append(Candidate(contract, False, reason=reason, warnings=warnings))
    return candidates


def contracts_accept_eligible(*, actor, contracts: QuerySet[ApprenticeshipContract]) -> BulkOutcome:
    """Accept the files the review finds eligible; each refusal is reported, never forced."""
    outcome = BulkOutcome()
    for candidate in acceptance_review(contracts):
        if not candidate.eligible:
            outcome.left.append((candidate.contract, candidate.reason))
            continue
        try:
            contract_accept(actor=actor, contract_id=candidate.contract.pk, warnings_acknowledged=False)
        except ValidationError as exc:
            outcome.left.append((candidate.contract, " ".join(exc.messages)))
        else:
            outcome.accepted.append(candidate.contract)
    return outcome
