"""Reading the NPEC referential (FINANCING.md §6): the CPNE of the employer's IDCC, then the entry
for (certification, CPNE) with the latest date d'applicabilité on or before the signature date,
across every imported version; the valeur d'amorçage otherwise (D6332-80)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q

from branches.models import AmorcageValue, Cpne, CpneIdcc, NpecEntry, NpecExemption


@dataclass(frozen=True)
class NpecFound:
    entry: NpecEntry

    @property
    def amount(self) -> Decimal | None:
        return self.entry.amount

    def describe(self) -> str:
        entry = self.entry
        code = entry.rncp or f"code diplôme {entry.code_diplome}"
        return (
            f"référentiel NPEC : {code} × CPNE {entry.cpne.code} ({entry.cpne.name}), "
            f"applicable au {entry.applicable_from:%d/%m/%Y}, statut {entry.status or '—'}, "
            f"publication « {entry.publication} »"
        )


def cpne_codes_for_idcc(idcc: str) -> list[str]:
    """The CPNE of an IDCC according to the latest publication that maps it."""
    code = idcc.strip().zfill(4)
    latest = CpneIdcc.objects.filter(idcc_code=code).order_by("-publication__imported_at", "-publication_id").first()
    if latest is None:
        return []
    return list(
        CpneIdcc.objects.filter(idcc_code=code, publication_id=latest.publication_id).values_list("cpne__code", flat=True)
    )


def lookup_npec(*, rncp: str, idcc: str = "", cpne: str = "", on: date) -> NpecFound | None:
    """The entry in force on `on` for the certification and the CPNE (given, or that of the IDCC)."""
    from referentials.models import Certification

    cpne_codes = [cpne] if cpne else cpne_codes_for_idcc(idcc) if idcc else []
    if not rncp or not cpne_codes:
        return None
    # 2019 publications are keyed by code diplôme: the Kit apprentissage links it to the RNCP fiche.
    codes_diplome = list(Certification.objects.filter(rncp=rncp).values_list("code_diplome", flat=True))
    entry = (
        NpecEntry.objects.filter(Q(rncp=rncp) | Q(rncp="", code_diplome__in=codes_diplome))
        .filter(cpne__code__in=cpne_codes, applicable_from__lte=on)
        .select_related("cpne", "publication")
        .order_by("-applicable_from", "-publication__imported_at", "-publication_id", "-id")
        .first()
    )
    return NpecFound(entry) if entry else None


def amorcage_on(level: int, on: date) -> Decimal | None:
    value = AmorcageValue.objects.filter(level=level, valid_from__lte=on).order_by("-valid_from").first()
    return value.amount if value else None


def is_exempt_from_distance_minoration(rncp: str) -> bool:
    return bool(rncp) and NpecExemption.objects.filter(rncp=rncp).exists()


def cpne_by_code(code: str) -> Cpne | None:
    return Cpne.objects.filter(code=code).first()
