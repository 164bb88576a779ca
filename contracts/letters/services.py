"""Issuing a letter: the PDF into the file's documents, the history entry saying what was sent to
whom, and the e-mail with the PDF attached (notifications.email_send). Called by Celery tasks that
the workflow's transitions (opco.workflow.on_transition) and the payment runs' settlement schedule on
commit; the screens say beforehand to whom it will go (`recipients_text`)."""

import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from contracts.enums import DocumentKind
from contracts.letters.pdf import acceptance_letter_pdf, incomplete_notice_pdf, payment_advice_pdf
from contracts.models import ApprenticeshipContract, ContractDocument
from contracts.pdf import refusal_letter_pdf
from notifications.services import email_send
from opco import audit

ACCEPTANCE, INCOMPLETE, REFUSAL, PAYMENT_ADVICE = "acceptance", "incomplete", "refusal", "payment_advice"
LETTERS = {
    ACCEPTANCE: ("accord de prise en charge", "accord", "contracts/email/acceptance"),
    INCOMPLETE: ("demande de pièces", "pieces", "contracts/email/incomplete"),
    REFUSAL: ("refus de prise en charge", "refus", "contracts/email/refusal"),
    PAYMENT_ADVICE: ("avis de paiement", "avis-paiement", "contracts/email/payment_advice"),
}


def letter_recipients(contract: ApprenticeshipContract, kind: str) -> list[str]:
    """Decisions go to the depositor and the employer; the payment advice to the CFA."""
    if kind == PAYMENT_ADVICE:
        # The contract's CFA e-mail first; else the one staff entered on the provider's page.
        addresses = [contract.cfa_email or (contract.cfa.email if contract.cfa_id else "")]
    else:
        addresses = [contract.depositor_email, contract.employer_email]
    return list(dict.fromkeys(address for address in addresses if address))


def recipients_text(contract: ApprenticeshipContract, kind: str) -> str:
    """What the screen and the history say: « envoyé à … » or « aucun courrier envoyé : pas d'adresse »."""
    to = letter_recipients(contract, kind)
    return f"envoyé à {', '.join(to)}" if to else "aucun courrier envoyé : pas d'adresse"


def _pdf(contract: ApprenticeshipContract, kind: str, today: str, advice: dict | None) -> bytes:
    name = settings.OPCO_NAME
    if kind == ACCEPTANCE:
        return acceptance_letter_pdf(contract=contract, opco_name=name, today=today)
    if kind == INCOMPLETE:
        return incomplete_notice_pdf(contract=contract, opco_name=name, today=today)
    if kind == REFUSAL:
        latest = contract.check_runs.first()
        return refusal_letter_pdf(contract=contract, opco_name=name, checks=latest.results if latest else [], today=today)
    return payment_advice_pdf(contract=contract, opco_name=name, today=today, **(advice or {}))


def contract_letter_issue(*, contract_id: int, kind: str, advice: dict | None = None) -> ContractDocument:
    """Generate, keep, record and send one letter (one transaction: the e-mail is sent before the
    commit, so a failed sending leaves no document and the task retries)."""
    label, slug, template = LETTERS[kind]
    today = timezone.localdate()
    with transaction.atomic():
        contract = ApprenticeshipContract.objects.select_for_update(of=("self",)).get(pk=contract_id)
        pdf = _pdf(contract, kind, today.strftime("%d/%m/%Y"), advice)
        name = f"{slug}-{contract.file_number}.pdf"
        document = ContractDocument(
            contract=contract,
            kind=DocumentKind.LETTER,
            original_name=name,
            size=len(pdf),
            content_type="application/pdf",
            uploaded_by=None,
        )
        document.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
        document.save()
        to = letter_recipients(contract, kind)
        if to:
            context = {"file_number": contract.file_number, "message": contract.incomplete_message, "label": label}
            email_send(to=to, template=template, context=context, attachments=((name, pdf, "application/pdf"),))
        audit.record(
            actor=None,
            action=f"contract_letter_{kind}",
            target=contract,
            source="task",
            changes={"document": [None, document.pk], "destinataires": to},
            summary=f"Courrier « {label} » (PDF joint au dossier) : {recipients_text(contract, kind)}",
        )
    return document
