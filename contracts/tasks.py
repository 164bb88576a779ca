"""Celery tasks of the contracts: they take ids and call one service (DESIGN.md)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract, ContractReminder
from contracts.pdf import refusal_letter_pdf
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
    message = EmailMessage(
        subject=f"Refus de prise en charge — dossier {contract.file_number}",
        body=(
            "Bonjour,\n\nVous trouverez ci-joint la décision de refus de prise en charge "
            f"du dossier {contract.file_number}.\n\n{settings.OPCO_NAME}"
        ),
        to=[contract.depositor_email],
    )
    message.attach(f"refus-{contract.file_number}.pdf", pdf, "application/pdf")
    message.send()
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
    EmailMessage(
        subject=f"Dossier incomplet — {contract.file_number}",
        body=(
            f"Bonjour,\n\nPour instruire le dossier {contract.file_number}, nous avons besoin de :\n\n"
            f"{contract.incomplete_message}\n\n{settings.OPCO_NAME}"
        ),
        to=[contract.depositor_email],
    ).send()
    audit.record(
        actor=None,
        action="contract_incomplete_notice_sent",
        target=contract,
        source="task",
        summary=f"Demande de pièces envoyée à {contract.depositor_email}",
    )


def _remind(contract: ApprenticeshipContract, kind: str, recipient: str, subject: str, body: str) -> bool:
    """Send a reminder once per (contract, kind): the unique row is written first, in the same
    transaction as the sending decision, so a second run finds it and sends nothing."""
    if not recipient:
        return False
    try:
        with transaction.atomic():
            ContractReminder.objects.create(contract=contract, kind=kind, recipient=recipient)
    except IntegrityError:
        return False
    EmailMessage(subject=subject, body=body, to=[recipient]).send()
    return True


@shared_task(acks_late=True)
def send_reminders() -> int:
    """Files whose decision deadline is near or passed (to the gestionnaire), incomplete files
    without an answer for 15 days (to the depositor), contracts ending within 30 days."""
    today = timezone.localdate()
    sent = 0
    open_statuses = (ContractStatus.RECEIVED, ContractStatus.UNDER_INSTRUCTION)
    near = ApprenticeshipContract.objects.filter(
        status__in=open_statuses, decision_due_on__range=(today, today + timedelta(days=5))
    )
    for contract in near.select_related("assigned_to"):
        recipient = contract.assigned_to.email if contract.assigned_to else ""
        sent += _remind(
            contract,
            ContractReminder.Kind.DEADLINE_NEAR,
            recipient,
            f"Décision à prendre avant le {contract.decision_due_on:%d/%m/%Y} — {contract.file_number}",
            f"Le dossier {contract.file_number} doit être décidé au plus tard le {contract.decision_due_on:%d/%m/%Y} (R6224-3).",
        )
    passed = ApprenticeshipContract.objects.filter(status=ContractStatus.REFUSED, implicit_refusal=True)
    for contract in passed.select_related("assigned_to"):
        recipient = contract.assigned_to.email if contract.assigned_to else ""
        sent += _remind(
            contract,
            ContractReminder.Kind.DEADLINE_PASSED,
            recipient,
            f"Refus implicite — {contract.file_number}",
            f"Le dossier {contract.file_number} n'a pas été décidé dans les 20 jours : il est réputé refusé (R6224-3).",
        )
    silent = ApprenticeshipContract.objects.filter(
        status=ContractStatus.INCOMPLETE, updated_at__date__lte=today - timedelta(days=15)
    )
    for contract in silent:
        sent += _remind(
            contract,
            ContractReminder.Kind.INCOMPLETE_NO_ANSWER,
            contract.depositor_email,
            f"Relance : dossier incomplet — {contract.file_number}",
            f"Nous attendons toujours pour le dossier {contract.file_number} :\n\n{contract.incomplete_message}",
        )
    ending = ApprenticeshipContract.objects.filter(
        status=ContractStatus.RUNNING, end_date__range=(today, today + timedelta(days=30))
    )
    for contract in ending.select_related("assigned_to"):
        recipient = contract.assigned_to.email if contract.assigned_to else ""
        sent += _remind(
            contract,
            ContractReminder.Kind.ENDING_SOON,
            recipient,
            f"Fin de contrat le {contract.end_date:%d/%m/%Y} — {contract.file_number}",
            f"Le contrat {contract.file_number} se termine le {contract.end_date:%d/%m/%Y} : le solde suppose la facture "
            "et l'attestation de réalisation dans les 4 mois (R6332-25 III 4°).",
        )
    return sent


@shared_task(acks_late=True)
def run_contract_import(job_id: int) -> str:
    from contracts.alternance.imports import contract_import_run

    return contract_import_run(job_id=job_id).status


@shared_task(acks_late=True)
def release_payable_instalments() -> dict:
    """Daily (beat): hand over the instalments that became payable, close the late last balances."""
    from contracts.alternance.payability import close_expired_balances, instalments_release

    closed = close_expired_balances()
    report = instalments_release()
    return {"released": report.released, "not_due": closed + report.closed_not_due, "blocked": len(report.blocked)}
