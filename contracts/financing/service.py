"""The one simulation service behind the three doors (page, API, command)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from branches.pro_rates import professionalisation_rate
from contracts.financing.engine import Schedule
from contracts.financing.io import InvalidInput, schedule_as_dict, simulate
from contracts.financing.npec import resolve_npec_from_referential
from contracts.financing.professionalisation import (
    ProfessionalisationInput,
    ProfessionalisationSchedule,
    financing_as_dict,
    is_professionalisation,
    parse_professionalisation,
    professionalisation_schedule,
)
from referentials.models import Certification, Company
from referentials.validators import normalize_identifier


@dataclass(frozen=True)
class Inferred:
    """The payload once the referentials filled what it left out, and what they were read from."""

    payload: dict[str, Any]
    certification: Certification | None = None
    company: Company | None = None


def simulation_infer(payload: dict[str, Any]) -> Inferred:
    """What every door of the simulator infers from the referentials before computing: the RNCP fiche
    written « RNCP38962 », its level when none is given (Kit apprentissage), and the employer's IDCC
    from its SIRET (`siret`, not passed to the engine). Raises InvalidInput with French messages."""
    if not isinstance(payload, dict):
        return Inferred(payload)
    data = dict(payload)
    errors: dict[str, str] = {}
    certification = company = None
    rncp = normalize_identifier(data.get("rncp")) if isinstance(data.get("rncp"), str) else data.get("rncp")
    if isinstance(rncp, str) and rncp:
        rncp = rncp if rncp.startswith("RNCP") else f"RNCP{rncp}"
        data["rncp"] = rncp
        certification = Certification.objects.filter(rncp=rncp).exclude(level=None).order_by("-active").first()
        if certification is None and data.get("certification_level") in (None, ""):
            # With a level given, an RNCP outside the Kit only looks up the NPEC (amorçage when absent).
            errors["rncp"] = f"La fiche {rncp} est absente du Kit apprentissage."
    if data.get("certification_level") in (None, ""):
        data.pop("certification_level", None)
        if certification is not None:
            data["certification_level"] = certification.level
        elif "rncp" not in errors:
            errors["certification_level"] = "Indiquez le niveau, ou une fiche RNCP connue."
    siret = data.pop("siret", None)
    if isinstance(siret, str) and normalize_identifier(siret):
        company = Company.objects.select_related("idcc").filter(siret=normalize_identifier(siret)).first()
        if company is None:
            errors["siret"] = "Aucune entreprise enregistrée avec ce SIRET."
        elif not data.get("idcc") and company.idcc:
            data["idcc"] = company.idcc.code
    if errors:
        raise InvalidInput(errors)
    return Inferred(data, certification, company)


def simulation_run(payload: dict[str, Any]) -> tuple[Schedule, str]:
    """Compute the schedule of a payload (FINANCING.md « Interface »), after what the referentials
    infer (`simulation_infer`), the NPEC resolved from the referential when the payload gives none.
    Raises InvalidInput with French messages."""
    return simulate(simulation_infer(payload).payload, resolve_npec_from_referential)


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
