"""The one simulation service behind the three doors (page, API, command)."""

from decimal import Decimal
from typing import Any

from branches.pro_rates import professionalisation_rate
from contracts.financing.engine import Schedule
from contracts.financing.io import schedule_as_dict, simulate
from contracts.financing.npec import resolve_npec_from_referential
from contracts.financing.professionalisation import (
    ProfessionalisationInput,
    is_professionalisation,
    simulate_professionalisation,
)


def simulation_run(payload: dict[str, Any]) -> tuple[Schedule, str]:
    """Compute the schedule of a payload (FINANCING.md « Interface »), the NPEC resolved from the
    referential when the payload gives none. Raises InvalidInput with French messages."""
    return simulate(payload, resolve_npec_from_referential)


def branch_professionalisation_rate(request: ProfessionalisationInput) -> Decimal | None:
    """The branch's hourly forfait (D6332-85) for the request's IDCC on its signature date, the
    priority rate for the L6325-1-1 public and GEIQ paths; None without an IDCC or a branch rate."""
    if not request.idcc:
        return None
    found = professionalisation_rate(request.idcc, request.signature_date, request.public_prioritaire or request.geiq)
    return found[0] if found is not None else None


def simulation_as_json(payload: dict[str, Any]) -> dict[str, Any]:
    if is_professionalisation(payload):
        return simulate_professionalisation(payload, branch_professionalisation_rate)
    schedule, _ = simulation_run(payload)
    return schedule_as_dict(schedule)
