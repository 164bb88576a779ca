"""The one simulation service behind the three doors (page, API, command)."""

from typing import Any

from contracts.financing.engine import Schedule
from contracts.financing.io import schedule_as_dict, simulate
from contracts.financing.npec import resolve_npec_from_referential
from contracts.financing.professionalisation import is_professionalisation, simulate_professionalisation


def simulation_run(payload: dict[str, Any]) -> tuple[Schedule, str]:
    """Compute the schedule of a payload (FINANCING.md « Interface »), the NPEC resolved from the
    referential when the payload gives none. Raises InvalidInput with French messages."""
    return simulate(payload, resolve_npec_from_referential)


def simulation_as_json(payload: dict[str, Any]) -> dict[str, Any]:
    if is_professionalisation(payload):
        # Issue 6: no branch-rate model yet, so an `idcc` finds no branch forfait (source « defaut »).
        return simulate_professionalisation(payload)
    schedule, _ = simulation_run(payload)
    return schedule_as_dict(schedule)
