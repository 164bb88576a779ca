"""The one simulation service behind the three doors (page, API, command)."""

from decimal import Decimal
from typing import Any

from branches.pro_rates import professionalisation_rate
from contracts.financing.engine import Schedule
from contracts.financing.io import schedule_as_dict, simulate
from contracts.financing.npec import resolve_npec_from_referential
from contracts.financing.professionalisation import (
    ProfessionalisationInput,
    ProfessionalisationSchedule,
    financing_as_dict,
    is_professionalisation,
    parse_professionalisation,
    professionalisation_schedule,
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


def professionalisation_run(payload: dict[str, Any], *, rupture_date=None) -> ProfessionalisationSchedule:
    """A professionalisation contract's financing and schedule: the request's forfait, else the branch's
    on the signature date, else D6332-86's. Raises InvalidInput with French messages."""
    request = parse_professionalisation(payload)
    branch_rate = None if request.forfait_horaire is not None else branch_professionalisation_rate(request)
    return professionalisation_schedule(request, branch_rate, rupture_date=rupture_date)


def simulation_as_json(payload: dict[str, Any]) -> dict[str, Any]:
    if is_professionalisation(payload):
        return financing_as_dict(professionalisation_run(payload).financing)
    schedule, _ = simulation_run(payload)
    return schedule_as_dict(schedule)
