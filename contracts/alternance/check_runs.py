"""The checks run on a stored contract file, kept as a CheckRun (the instruction screen shows the
latest): CHECKS.md's for an apprenticeship contract, contracts.professionalisation.checks's for a professionalisation
contract."""

import dataclasses
from datetime import date
from typing import Any

from django.utils import timezone

from contracts.alternance.checks import CheckReport, check_contract_data, run_checks
from contracts.alternance.payload import ContractPayload, parse_contract_payload
from contracts.enums import ContractKind
from contracts.models import ApprenticeshipContract, CheckRun
from contracts.professionalisation.checks import check_pro_contract_data, run_pro_checks
from contracts.professionalisation.payload import ProContractPayload, parse_pro_payload


def contract_check(
    *, contract: ApprenticeshipContract, actor=None, payload: ContractPayload | ProContractPayload | None = None
) -> CheckReport:
    """Run the CHECKS.md checks on the stored payload (the NIR is not needed by any check), or on
    `payload` already read at deposit; the file's own reception date feeds DEPOT_DELAI, and this
    file does not count against its masters."""
    professionalisation = contract.contract_kind == ContractKind.PROFESSIONNALISATION
    if payload is None:
        data = dict(contract.payload)
        data.setdefault("recu_le", contract.received_on.isoformat())
        payload = parse_pro_payload(data) if professionalisation else parse_contract_payload(data)
    report, check_run = contract_check_run(contract=contract, payload=payload)
    check_run.save()
    return report


def contract_check_run(
    *, contract: ApprenticeshipContract, payload: ContractPayload | ProContractPayload
) -> tuple[CheckReport, CheckRun]:
    """The checks of a payload read at deposit, and their unsaved CheckRun (a batched import saves its
    runs together)."""
    professionalisation = contract.contract_kind == ContractKind.PROFESSIONNALISATION
    if payload.recu_le is None:
        payload = dataclasses.replace(payload, recu_le=contract.received_on)
    run = run_pro_checks if professionalisation else run_checks
    report = run(payload, today=timezone.localdate(), exclude_contract_id=contract.pk)
    return report, CheckRun(contract=contract, eligible=report.eligible, results=report.as_dict()["checks"])


PRO_TYPE = "professionnalisation"


def is_pro_payload(data: Any) -> bool:
    """An EJ20 payload says so in its `type_contrat` (a FA13 payload carries a CERFA code there)."""
    return isinstance(data, dict) and data.get("type_contrat") == PRO_TYPE


def check_payload(data: Any, *, today: date | None = None) -> CheckReport:
    """The checks of a payload not stored (API, command): the EJ20 checks or CHECKS.md's."""
    if is_pro_payload(data):
        return check_pro_contract_data(data, today=today)
    return check_contract_data(data, today=today)
