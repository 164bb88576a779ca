"""The contracts' own reminders, planned in the daily round of notifications (notifications.deadlines)
next to the decision deadlines every file kind gets: a file implicitly refused (R6224-3, to its
gestionnaire), a file left incomplete for 15 days (to the depositor), a contract ending within 30 days
(its balance needs the final documents within 4 months, R6332-25 III 4°). One reminder per file, kind
and date: the round may run any number of times."""

from datetime import date, timedelta

from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract
from notifications.kinds import register_kind
from notifications.services import reminder_schedule

DEADLINE_PASSED = "contract_deadline_passed"
INCOMPLETE_NO_ANSWER = "contract_incomplete_no_answer"
ENDING_SOON = "contract_ending_soon"
INCOMPLETE_WAIT = timedelta(days=15)
ENDING_WITHIN = timedelta(days=30)


def register() -> None:
    register_kind(DEADLINE_PASSED, "Contrats réputés refusés faute de décision (R6224-3)")
    register_kind(INCOMPLETE_NO_ANSWER, "Relances des déposants de dossiers incomplets", in_app=False)
    register_kind(ENDING_SOON, "Contrats se terminant dans 30 jours")


def contract_reminders_schedule(*, today: date) -> None:
    passed = ApprenticeshipContract.objects.filter(
        status=ContractStatus.REFUSED, implicit_refusal=True, assigned_to__isnull=False, decided_on__isnull=False
    )
    for contract in passed.select_related("assigned_to"):
        reminder_schedule(
            target=contract,
            kind=DEADLINE_PASSED,
            due_on=contract.decided_on,
            recipient=contract.assigned_to,
            subject=f"Refus implicite — {contract.file_number}",
            context={
                "message": f"Le dossier {contract.file_number} n'a pas été décidé dans les 20 jours : "
                "il est réputé refusé (R6224-3)."
            },
        )
    silent = ApprenticeshipContract.objects.filter(
        status=ContractStatus.INCOMPLETE, updated_at__date__lte=today - INCOMPLETE_WAIT
    ).exclude(depositor_email="")
    for contract in silent:
        reminder_schedule(
            target=contract,
            kind=INCOMPLETE_NO_ANSWER,
            due_on=contract.updated_at.date() + INCOMPLETE_WAIT,
            email=contract.depositor_email,
            subject=f"Relance : dossier incomplet — {contract.file_number}",
            context={
                "message": f"Nous attendons toujours pour le dossier {contract.file_number} :\n\n{contract.incomplete_message}"
            },
        )
    ending = ApprenticeshipContract.objects.filter(
        status=ContractStatus.RUNNING, end_date__range=(today, today + ENDING_WITHIN), assigned_to__isnull=False
    )
    for contract in ending.select_related("assigned_to"):
        reminder_schedule(
            target=contract,
            kind=ENDING_SOON,
            due_on=contract.end_date - ENDING_WITHIN,
            recipient=contract.assigned_to,
            subject=f"Fin de contrat le {contract.end_date:%d/%m/%Y} — {contract.file_number}",
            context={
                "message": f"Le contrat {contract.file_number} se termine le {contract.end_date:%d/%m/%Y} : le solde suppose "
                "la facture et l'attestation de réalisation dans les 4 mois (R6332-25 III 4°)."
            },
        )
