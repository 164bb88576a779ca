"""Celery tasks of the contracts: they take ids and call one service (DESIGN.md)."""

from celery import shared_task


@shared_task(acks_late=True)
def record_implicit_refusals() -> int:
    from contracts.alternance.decisions import contracts_record_implicit_refusals

    return len(contracts_record_implicit_refusals())


@shared_task(acks_late=True)
def record_implicit_acceptances() -> int:
    from contracts.alternance.decisions import contracts_record_implicit_acceptances

    return len(contracts_record_implicit_acceptances())


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def issue_contract_letter(contract_id: int, kind: str, advice: dict | None = None) -> None:
    """One letter of a file: its PDF kept, its history entry, its e-mail (contracts.letters)."""
    from contracts.letters.services import contract_letter_issue

    contract_letter_issue(contract_id=contract_id, kind=kind, advice=advice)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_refusal_letter(contract_id: int) -> None:
    issue_contract_letter(contract_id, "refusal")


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_incomplete_notice(contract_id: int) -> None:
    issue_contract_letter(contract_id, "incomplete")


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
