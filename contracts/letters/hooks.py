"""When letters are issued: on the workflow's transitions of a contract file (opco.workflow.on_transition,
inside the transition's transaction, so the task is scheduled on commit) and on a settled payment
run (payments.settlement)."""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from contracts.letters.services import ACCEPTANCE, INCOMPLETE, PAYMENT_ADVICE, REFUSAL
from contracts.pdf import KIND_LABELS

# Action code → letter (accept_implicit: D6325-2's silence accepts a professionalisation contract).
LETTER_OF_ACTION = {"accept": ACCEPTANCE, "accept_implicit": ACCEPTANCE, "refuse": REFUSAL, "request_documents": INCOMPLETE}


def _schedule(contract_id: int, kind: str, advice: dict | None = None) -> None:
    from contracts.tasks import issue_contract_letter

    transaction.on_commit(lambda: issue_contract_letter.delay(contract_id, kind, advice))


def letters_on_transition(workflow, file, action, before: str) -> None:
    if workflow.code == "contract" and action.code in LETTER_OF_ACTION:
        _schedule(file.pk, LETTER_OF_ACTION[action.code])


def letters_on_run_settled(run) -> None:
    """A payment advice per contract whose instalments the settled run paid, for its CFA."""
    from contracts.models import Instalment
    from payments.enums import LineStatus
    from payments.models import PayableLine

    paid = PayableLine.objects.filter(
        run=run, status=LineStatus.PAID, source_type=ContentType.objects.get_for_model(Instalment)
    ).values_list("source_id", "reference", "amount")
    by_id = {source_id: (reference, amount) for source_id, reference, amount in paid}
    per_contract: dict[int, list] = defaultdict(list)
    for instalment in Instalment.objects.filter(pk__in=by_id).select_related("commitment"):
        reference, amount = by_id[instalment.pk]
        per_contract[instalment.commitment.contract_id].append(
            (reference, f"Année {instalment.year} – {KIND_LABELS.get(instalment.kind, instalment.kind)}", str(amount))
        )
    for contract_id, lines in per_contract.items():
        _schedule(contract_id, PAYMENT_ADVICE, {"run_label": str(run), "lines": lines})
