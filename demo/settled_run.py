"""An earlier payment run, settled, for the demo (the bodies funded on the public transparency page,
C. trav. R6332-23 3°, come from settled runs only): the CFAs' documents sent by the end of last year
are recorded first, what they made payable is gathered into a run prepared by one finance officer,
approved by the other (four eyes), executed (its SEPA file), sent and settled — through the real
services. The documents of this year come afterwards (seed_payments), so that « payment_run prepare »
still has this year's work for the demo user. Idempotent: nothing is done once a demo run is settled."""

from datetime import date

from django.utils import timezone

from demo.contracts import demo_cfa_documents_record
from opco.money import euros
from payments.enums import RunStatus
from payments.models import PaymentRun
from payments.runs import (
    RunRefused,
    payment_run_approve,
    payment_run_execute,
    payment_run_mark_sent,
    payment_run_prepare,
    payment_run_settle,
)


def demo_earlier_run_settle(*, manager, finance, checker, contracts) -> str:
    """Returns a French line for the seed's output ("" when already done or nothing was payable)."""
    if PaymentRun.objects.filter(status=RunStatus.SETTLED).exists():
        return ""
    today = timezone.localdate()
    documents = demo_cfa_documents_record(actor=manager, contracts=contracts, today=date(today.year - 1, 12, 31))
    try:
        run = payment_run_prepare(actor=finance, execution_date=today, source="command").run
    except RunRefused:
        return ""
    payment_run_approve(actor=checker, run_id=run.pk, source="command")
    payment_run_execute(run_id=run.pk, source="command")
    payment_run_mark_sent(actor=finance, run_id=run.pk, source="command")
    run = payment_run_settle(actor=checker, run_id=run.pk, source="command")
    return (
        f"Lot de paiement réglé (pièces reçues jusqu'au 31/12/{today.year - 1}) : {documents.recorded} pièce(s) de CFA, "
        f"{run.line_count} ligne(s), {run.transfer_count} virement(s), {euros(run.total)}."
    )
