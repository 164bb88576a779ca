"""The life of an apprenticeship contract file: explicit transitions, each made by one service
function that locks the row, re-checks the status, acts and records (pretix's pattern).

received → instruction → incomplete ⇄ instruction → accepted | refused → deposited → running →
ended, or broken (rupture). R6224-3: the OPCO decides within 20 days of the complete file; silence
is an implicit refusal, recorded once by a beat task. A professionalisation contract goes the same
way, except that its acceptance deposits it and silence accepts it (D6325-2), also by a beat task.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from contracts.enums import ContractKind
from contracts.enums import ContractStatus as S
from contracts.models import ApprenticeshipContract
from opco import audit
from opco.calendar import CALENDAR_DAYS, Deadline, SilenceMeans
from opco.workflow import Action, TransitionRefused, Workflow, register

# R6224-3: the OPCO decides within 20 days of the complete file, silence refuses; D6325-2: the same
# 20 days for a professionalisation contract, silence accepts (and deposits).
APPRENTICESHIP_DECISION = Deadline(
    20,
    CALENDAR_DAYS,
    "R6224-3",
    SilenceMeans.REFUSAL,
    label="Décision de prise en charge",
    starts_from="à compter du dossier complet",
)
PROFESSIONALISATION_DECISION = Deadline(
    20,
    CALENDAR_DAYS,
    "D6325-2",
    SilenceMeans.ACCEPTANCE,
    label="Décision de prise en charge",
    starts_from="à compter du dossier complet",
)
DECISION_DAYS = APPRENTICESHIP_DECISION.length
DECISION_BY_KIND = {
    ContractKind.APPRENTISSAGE: APPRENTICESHIP_DECISION,
    ContractKind.PROFESSIONNALISATION: PROFESSIONALISATION_DECISION,
}
APPRENTISSAGE_ONLY = (ContractKind.APPRENTISSAGE,)
PROFESSIONNALISATION_ONLY = (ContractKind.PROFESSIONNALISATION,)
BOTH_KINDS = (ContractKind.APPRENTISSAGE, ContractKind.PROFESSIONNALISATION)
# Deciding a funding (R6224-3, D6325-2) is the gestionnaires' and their managers' work: finance pays what
# was decided, it does not decide (the screens derive their buttons from these roles).
DECIDERS = (roles.GESTIONNAIRE, roles.RESPONSABLE)

CONTRACTS = register(
    Workflow(
        code="contract",
        model=ApprenticeshipContract,
        label="Contrat en alternance",
        awaiting_decision=(S.RECEIVED, S.UNDER_INSTRUCTION),  # incomplete: the clock stops (R6224-3)
        detail_url=lambda contract: reverse("contracts:detail", args=[contract.pk]),
        deadline=lambda contract: (
            PROFESSIONALISATION_DECISION
            if contract.contract_kind == ContractKind.PROFESSIONNALISATION
            else APPRENTICESHIP_DECISION
        ),
        noun=lambda contract: f"le dossier {contract.file_number}",
        kind_field="contract_kind",
        default_roles=(roles.STAFF,),  # representatives and advisors read; staff instruct
        clean_exclude=("employer", "certification", "cfa", "assigned_to", "decided_by"),
        audit_value=str,
        audit_skip=("refusal_codes",),
        actions=(
            Action("instruct", "Prendre en instruction", (S.RECEIVED,), S.UNDER_INSTRUCTION, BOTH_KINDS),
            Action("request_documents", "Déclarer incomplet", (S.RECEIVED, S.UNDER_INSTRUCTION), S.INCOMPLETE, BOTH_KINDS),
            Action("documents_received", "Pièces reçues : dossier complet", (S.INCOMPLETE,), S.UNDER_INSTRUCTION, BOTH_KINDS),
            Action(
                "accept",
                "Accepter la prise en charge",
                (S.UNDER_INSTRUCTION,),
                S.ACCEPTED,
                BOTH_KINDS,
                roles=DECIDERS,
                decides=True,
            ),
            # D6325-2: silence accepts a professionalisation contract, from wherever the file waits for a decision.
            Action(
                "accept_implicit",
                "Acceptation implicite (D6325-2)",
                (S.RECEIVED, S.UNDER_INSTRUCTION),
                S.DEPOSITED,
                PROFESSIONNALISATION_ONLY,
                automatic=True,
                decides=True,
            ),
            Action(
                "refuse",
                "Refuser la prise en charge",
                (S.RECEIVED, S.UNDER_INSTRUCTION, S.INCOMPLETE),
                S.REFUSED,
                BOTH_KINDS,
                roles=DECIDERS,
                decides=True,
            ),
            # A professionalisation contract is deposited by the OPCO's acceptance itself (D6325-2).
            Action("deposit", "Enregistrer le dépôt (n° DECA)", (S.ACCEPTED,), S.DEPOSITED, APPRENTISSAGE_ONLY),
            Action("start", "Constater le début d'exécution", (S.DEPOSITED,), S.RUNNING, BOTH_KINDS),
            Action("end", "Constater la fin du contrat", (S.RUNNING,), S.ENDED, BOTH_KINDS),
            Action("rupture", "Enregistrer une rupture", (S.ACCEPTED, S.DEPOSITED, S.RUNNING), S.BROKEN, BOTH_KINDS),
        ),
    )
)
ACTIONS = CONTRACTS.by_code
__all__ = ["ACTIONS", "CONTRACTS", "TransitionRefused"]


def available_actions(contract: ApprenticeshipContract, user=None) -> list[Action]:
    return CONTRACTS.available(contract, user)


def decision_deadline(complete_on: date) -> date:
    """R6224-3 (and D6325-2): 20 days from the receipt of the complete file."""
    return APPRENTICESHIP_DECISION.due_on(complete_on)


def contract_transition(*, actor, contract_id: int, action_code: str, **fields) -> ApprenticeshipContract:
    """A plain transition (no side effect beyond the fields given)."""
    return CONTRACTS.transition(actor=actor, pk=contract_id, code=action_code, **fields)


def contract_request_documents(*, actor, contract_id: int, message: str) -> ApprenticeshipContract:
    """Incomplete: the 20-day clock stops until the file is complete again (R6224-3)."""
    if not message.strip():
        raise ValidationError({"message": "Indiquez les pièces ou informations demandées au déposant."})
    with transaction.atomic():
        contract, action = CONTRACTS.lock(contract_id, "request_documents", actor=actor)
        contract = CONTRACTS.apply(
            contract,
            action,
            actor=actor,
            incomplete_message=message.strip(),
            complete_on=None,
            decision_due_on=None,
            summary=f"Dossier incomplet : {message.strip()[:200]}",
        )
    return contract


def contract_documents_received(*, actor, contract_id: int, on: date | None = None) -> ApprenticeshipContract:
    complete_on = on or timezone.localdate()
    with transaction.atomic():
        contract, action = CONTRACTS.lock(contract_id, "documents_received", actor=actor)
        return CONTRACTS.apply(
            contract,
            action,
            actor=actor,
            complete_on=complete_on,
            decision_due_on=decision_deadline(complete_on),
            summary=f"Dossier complet le {complete_on:%d/%m/%Y} : décision due le {decision_deadline(complete_on):%d/%m/%Y}",
        )


def contract_deposit_deca(*, actor, contract_id: int, deca_number: str) -> ApprenticeshipContract:
    from contracts.alternance.correction import deca_number_clean

    number = deca_number_clean(deca_number)  # « ABC » is refused with its format
    if ApprenticeshipContract.objects.filter(deca_number=number).exclude(pk=contract_id).exists():
        raise ValidationError({"deca_number": f"Le numéro DECA {number} est déjà celui d'un autre dossier."})
    return contract_transition(actor=actor, contract_id=contract_id, action_code="deposit", deca_number=number)


def contract_assign(*, actor, contract_ids: list[int], assignee) -> int:
    """Assign files to a gestionnaire (a bulk action of the list)."""
    with transaction.atomic():
        contracts = list(ApprenticeshipContract.objects.select_for_update(of=("self",)).filter(pk__in=contract_ids))
        for contract in contracts:
            before = contract.assigned_to_id
            contract.assigned_to = assignee
            contract.save(update_fields=["assigned_to", "updated_at"])
            audit.record(
                actor=actor,
                action="contract_assign",
                target=contract,
                changes={"assigned_to": [before, assignee.pk if assignee else None]},
                summary=f"Attribué à {assignee}" if assignee else "Attribution retirée",
            )
    return len(contracts)
