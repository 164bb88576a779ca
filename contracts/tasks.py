"""Celery tasks of the contracts: they take ids and call one service (DESIGN.md)."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from contracts.models import ApprenticeshipContract
from contracts.pdf import refusal_letter_pdf
from notifications.services import email_send
from opco import audit


@shared_task(acks_late=True)
def record_implicit_refusals() -> int:
    from contracts.alternance.decisions import contracts_record_implicit_refusals

    return len(contracts_record_implicit_refusals())


@shared_task(acks_late=True)
def record_implicit_acceptances() -> int:
    from contracts.alternance.decisions import contracts_record_implicit_acceptances

    return len(contracts_record_implicit_acceptances())


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_refusal_letter(contract_id: int) -> None:
    contract = ApprenticeshipContract.objects.get(pk=contract_id)
    if not contract.depositor_email:
        return
    latest = contract.check_runs.first()
    pdf = refusal_letter_pdf(
        contract=contract,
        opco_name=settings.OPCO_NAME,
        checks=latest.results if latest else [],
        today=timezone.localdate().strftime("%d/%m/%Y"),
    )
    email_send(
        to=contract.depositor_email,
        template="contracts/email/refusal",
        context={"file_number": contract.file_number},
        attachments=((f"refus-{contract.file_number}.pdf", pdf, "application/pdf"),),
    )
    audit.record(
        actor=None,
        action="contract_refusal_letter_sent",
        target=contract,
        source="task",
        summary=f"Lettre de refus envoyée à {contract.depositor_email}",
    )


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_incomplete_notice(contract_id: int) -> None:
    contract = ApprenticeshipContract.objects.get(pk=contract_id)
    if not contract.depositor_email:
        return
    email_send(
        to=contract.depositor_email,
        template="contracts/email/incomplete",
        context={"file_number": contract.file_number, "message": contract.incomplete_message},
    )
    audit.record(
        actor=None,
        action="contract_incomplete_notice_sent",
        target=contract,
        source="task",
        summary=f"Demande de pièces envoyée à {contract.depositor_email}",
    )


@shared_task(acks_late=True)
def run_contract_import(job_id: int) -> str:
    from contracts.alternance.imports import contract_import_run

    return contract_import_run(job_id=job_id).status


@shared_task(acks_late=True)
def fail_stale_contract_imports() -> int:
    """Every 15 minutes (beat): the imports left « en cours » by a dead worker are marked failed."""
    from contracts.alternance.imports import contract_imports_fail_stale

    return contract_imports_fail_stale()


@shared_task(acks_late=True)
def release_payable_instalments() -> dict:
    """Daily (beat): hand over the instalments that became payable, close the late last balances."""
    from contracts.alternance.payability import close_expired_balances, instalments_release

    closed = close_expired_balances()
    report = instalments_release()
    return {"released": report.released, "not_due": closed + report.closed_not_due, "blocked": len(report.blocked)}
