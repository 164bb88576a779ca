"""Bulk actions from the contract list and the work queue: « prendre en instruction » the new files, and accept the
eligible ones. Which of the selected files an action applies to, and why not, comes from the workflow
itself (contracts.alternance.workflow: statuses it starts from, kinds, roles, precondition), so the
list says per file why it is left and never keeps a second copy of the rules. Each file goes through
its own service call in its own transaction, so that one refusal does not undo the others. Files
whose checks need a staff decision are left for an individual review: the bulk acceptance never
acknowledges warnings."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery

from contracts.alternance.decisions import contract_accept
from contracts.alternance.workflow import CONTRACTS, contract_transition
from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract, CheckRun
from opco.checks import CheckStatus
from opco.workflow import Action

# The workflow actions offered on a selection, with the bulk button's label.
BULK_ACTIONS = {"instruct": "Prendre en instruction la sélection", "accept": "Accepter les dossiers éligibles…"}


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


def bulk_actions_for(user) -> list[tuple[str, str]]:
    """The bulk buttons `user` sees: those of the workflow actions their role may take."""
    return [(code, label) for code, label in BULK_ACTIONS.items() if CONTRACTS.may(user, CONTRACTS.action(code))]


def why_not(contract: ApprenticeshipContract, action: Action, user=None) -> str:
    """Why the workflow would refuse `action` on `contract` (French, empty when it applies): the
    status it starts from, the kind of contract, the role, then the action's precondition."""
    if contract.status not in action.allowed_from:
        labels = dict(ContractStatus.choices)
        starts = " ou ".join(f"« {labels[status]} »" for status in action.allowed_from)
        return f"statut « {contract.get_status_display()} » : « {action.label} » se fait sur un dossier {starts}"
    if action.kinds and contract.contract_kind not in action.kinds:
        return f"« {action.label} » ne s'applique pas à un {contract.get_contract_kind_display().lower()}"
    if user is not None and not CONTRACTS.may(user, action):
        return f"votre rôle ne permet pas « {action.label} »"
    if action.precondition is not None:
        return action.precondition(contract)
    return ""


def transition_review(contracts: QuerySet[ApprenticeshipContract], code: str, user=None) -> list[Candidate]:
    """Each selected file with whether the workflow action `code` applies to it, and why not."""
    action = CONTRACTS.action(code)
    candidates = []
    for contract in contracts.defer("payload").order_by("decision_due_on", "id"):
        reason = why_not(contract, action, user)
        candidates.append(Candidate(contract, not reason, reason=reason))
    return candidates


def contracts_bulk_transition(*, actor, contracts: QuerySet[ApprenticeshipContract], code: str) -> BulkOutcome:
    """A plain workflow action (« instruct ») on every selected file it applies to, one transaction
    each; the others are reported with the workflow's reason, never forced."""
    outcome = BulkOutcome()
    for candidate in transition_review(contracts, code, actor):
        if not candidate.eligible:
            outcome.left.append((candidate.contract, candidate.reason))
            continue
        try:
            outcome.accepted.append(contract_transition(actor=actor, contract_id=candidate.contract.pk, action_code=code))
        except ValidationError as exc:
            outcome.left.append((candidate.contract, " ".join(exc.messages)))
    return outcome


def acceptance_review(contracts: QuerySet[ApprenticeshipContract], user=None) -> list[Candidate]:
    """Eligible: what the workflow's « accept » requires (in instruction, role), and the latest check
    run has no error (CHECKS.md « eligible »)."""
    accept = CONTRACTS.action("accept")
    latest = CheckRun.objects.filter(contract=OuterRef("pk")).order_by("-ran_at", "-id").values("pk")[:1]
    rows = list(contracts.defer("payload").annotate(latest_run_id=Subquery(latest)).order_by("decision_due_on", "id"))
    runs = CheckRun.objects.in_bulk([row.latest_run_id for row in rows if row.latest_run_id])
    candidates = []
    for contract in rows:
        run = runs.get(contract.latest_run_id)
        results = run.results if run else []
        errors = [r["code"] for r in results if r.get("status") == CheckStatus.ERROR]
        warnings = tuple(r["code"] for r in results if r.get("status") == CheckStatus.WARNING)
        refusal = why_not(contract, accept, user)
        if refusal:
            reason = refusal
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
    for candidate in acceptance_review(contracts, actor):
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
