"""The dated legal parameters (SMIC, aid amounts…) as administrators see and extend them: a list of
every value with its text, a new dated value added (audited), a past value never overwritten, and
the warning that the newest SMIC may be out of date (it rises at least every 1 January, L3231-6,
and mid-year when inflation exceeds 2 %, L3231-5)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction

from opco import audit
from referentials.models import LegalParameter

SMIC_KEY = "smic_monthly"
SMIC_STALE_AFTER = relativedelta(months=12)


@dataclass(frozen=True)
class StaleSmic:
    latest: LegalParameter | None

    @property
    def message(self) -> str:
        if self.latest is None:
            return "Aucun SMIC n'est enregistré dans les paramètres légaux : le salaire des apprentis ne peut être contrôlé."
        return (
            f"Le SMIC le plus récent des paramètres légaux est en vigueur depuis le {self.latest.valid_from:%d/%m/%Y}, "
            "il y a plus de 12 mois : vérifiez qu'aucune revalorisation n'a été publiée et saisissez-la."
        )


def stale_smic(today: date) -> StaleSmic | None:
    """A warning when the newest monthly SMIC took effect more than 12 months before today."""
    latest = LegalParameter.objects.filter(key=SMIC_KEY).order_by("-valid_from").first()
    if latest is not None and latest.valid_from + SMIC_STALE_AFTER >= today:
        return None
    return StaleSmic(latest)


def legal_parameter_keys() -> list[tuple[str, str]]:
    """(key, label) of every parameter known, for the form's choices."""
    rows = LegalParameter.objects.order_by("key", "-valid_from").values_list("key", "label")
    seen: dict[str, str] = {}
    for key, label in rows:
        seen.setdefault(key, label)
    return sorted(seen.items(), key=lambda item: item[1])


@transaction.atomic
def legal_parameter_add(*, actor, key: str, value: Decimal, valid_from: date, source: str) -> LegalParameter:
    """A new value of a known parameter from a date. A value already recorded for that date is never
    replaced: contracts checked against it must find it again."""
    model = LegalParameter.objects.select_for_update().filter(key=key).order_by("-valid_from").first()
    if model is None:
        raise ValidationError({"key": f"Paramètre « {key} » inconnu."})
    existing = LegalParameter.objects.filter(key=key, valid_from=valid_from).first()
    if existing is not None:
        raise ValidationError(
            {
                "valid_from": f"Une valeur de « {model.label} » est déjà en vigueur au {valid_from:%d/%m/%Y} "
                f"({existing.value} {existing.unit}, {existing.source}) : une valeur passée n'est jamais remplacée."
            }
        )
    row = LegalParameter(key=key, label=model.label, unit=model.unit, value=value, valid_from=valid_from, source=source.strip())
    row.full_clean()
    row.save()
    audit.record(
        actor=actor,
        action="legal_parameter_add",
        target=row,
        changes=audit.snapshot(row, ["key", "value", "unit", "valid_from", "source"]),
        summary=f"{row.label} : {row.value} {row.unit} à partir du {row.valid_from:%d/%m/%Y}",
    )
    return row
