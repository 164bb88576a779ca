"""The branch's hourly forfait of a professionalisation contract (D6332-85), read by date."""

from datetime import date
from decimal import Decimal

from branches.funding import branch_id_for_idcc
from branches.models import ProfessionalisationRate


def professionalisation_rate(idcc_code: str, on: date, priority: bool) -> tuple[Decimal, str] | None:
    """The hourly rate applicable on `on` (the latest `applicable_from` on or before it) for the branch
    that holds the IDCC, with its source text; for the L6325-1-1 public and GEIQ paths (`priority`) the
    branch's priority rate when it set one, else its general rate. None when the IDCC belongs to no
    branch or the branch has no rate applicable on that date (the legal default of D6332-86 applies)."""
    branch_id = branch_id_for_idcc(idcc_code)
    if branch_id is None:
        return None
    rates = ProfessionalisationRate.objects.filter(branch_id=branch_id, applicable_from__lte=on).order_by("-applicable_from")
    choices = (True, False) if priority else (False,)
    for priority_public in choices:
        rate = rates.filter(priority_public=priority_public).first()
        if rate is not None:
            return rate.hourly_rate, rate.source
    return None
