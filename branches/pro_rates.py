"""The branch's hourly forfait of a professionalisation contract (D6332-85), read by date."""

from datetime import date
from decimal import Decimal

from branches.models import BranchIdcc, ProfessionalisationRate


def _idcc_codes(idcc_code: str) -> list[str]:
    code = idcc_code.strip().upper()
    codes = [code]
    if code.isdigit() and len(code) < 4:  # « 843 » for the published « 0843 »
        codes.append(code.zfill(4))
    return codes


def professionalisation_rate(idcc_code: str, on: date, priority: bool) -> tuple[Decimal, str] | None:
    """The hourly rate applicable on `on` (the latest `applicable_from` on or before it) for the branch
    that holds the IDCC, with its source text; for the L6325-1-1 public and GEIQ paths (`priority`) the
    branch's priority rate when it set one, else its general rate. None when the IDCC belongs to no
    branch or the branch has no rate applicable on that date (the legal default of D6332-86 applies)."""
    if not idcc_code or not idcc_code.strip():
        return None
    link = BranchIdcc.objects.filter(idcc__code__in=_idcc_codes(idcc_code)).first()
    if link is None:
        return None
    rates = ProfessionalisationRate.objects.filter(branch_id=link.branch_id, applicable_from__lte=on).order_by("-applicable_from")
    choices = (True, False) if priority else (False,)
    for priority_public in choices:
        rate = rates.filter(priority_public=priority_public).first()
        if rate is not None:
            return rate.hourly_rate, rate.source
    return None
