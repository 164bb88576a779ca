"""The checks run on a stored contract file, kept as a CheckRun (the instruction screen shows the
latest)."""

import dataclasses

from django.utils import timezone

from contracts.checks import CheckReport, run_checks
from contracts.models import ApprenticeshipContract, CheckRun
from contracts.payload import ContractPayload, parse_contract_payload


def contract_check(*, contract: ApprenticeshipContract, actor=None, payload: ContractPayload | None = None) -> CheckReport:
    """Run the CHECKS.md checks on the stored payload (the NIR is not needed by any check), or on
    `payload` already read at deposit; the file's own reception date feeds DEPOT_DELAI, and this
    file does not count against its masters."""
    if payload is None:
        data = dict(contract.payload)
        data.setdefault("recu_le", contract.received_on.isoformat())
        payload = parse_contract_payload(data)
    if payload.recu_le is None:
        payload = dataclasses.replace(payload, recu_le=contract.received_on)
    report = run_checks(payload, today=timezone.localdate(), exclude_contract_id=contract.pk)
    CheckRun.objects.create(contract=contract, eligible=report.eligible, results=report.as_dict()["checks"])
    return report
