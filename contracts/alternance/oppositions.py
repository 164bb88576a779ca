"""The employers under an opposition, suspension or ban (L6225-1 to L6225-6), kept by staff; the
EMPLOYEUR_OPPOSITION check reads them."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from contracts.models import EmployerOpposition
from opco import audit
from referentials.validators import is_valid_siret, normalize_identifier


@transaction.atomic
def opposition_record(*, actor, siret: str, kind: str, starts_on: date, ends_on: date | None, reason: str) -> EmployerOpposition:
    siret = normalize_identifier(siret)
    if not is_valid_siret(siret):
        raise ValidationError({"siret": f"« {siret} » n'est pas un SIRET valide."})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "La fin précède le début."})
    opposition = EmployerOpposition(
        siret=siret, kind=kind, starts_on=starts_on, ends_on=ends_on, reason=reason.strip(), recorded_by=actor
    )
    opposition.full_clean()
    opposition.save()
    audit.record(actor=actor, action="opposition_record", target=opposition, changes=audit.diff({}, audit.snapshot(opposition)))
    return opposition


@transaction.atomic
def opposition_end(*, actor, opposition_id: int, ends_on: date) -> EmployerOpposition:
    """Lift an opposition from a date (its history stays: the row is kept, with its end)."""
    opposition = EmployerOpposition.objects.select_for_update().get(pk=opposition_id)
    if ends_on < opposition.starts_on:
        raise ValidationError({"ends_on": "La fin précède le début."})
    before = audit.snapshot(opposition)
    opposition.ends_on = ends_on
    opposition.save(update_fields=["ends_on"])
    audit.record(actor=actor, action="opposition_end", target=opposition, changes=audit.diff(before, audit.snapshot(opposition)))
    return opposition
