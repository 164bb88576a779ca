"""The RNCP's life read from France compétences' open-data export shipped in `data/` (SOURCE.txt):
the old → new lineage of certifications and their links to conventions collectives, plus the one
answer every screen and the contracts' CERTIFICATION check share: when a certification's
registration ends (the referential's « date d'échéance », or the registration the branch obtained
through a project when the referential does not know it yet).
"""

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
LINEAGE_FILE = "export_fiches_CSV_Ancienne_Nouvelle_Certification_2026_02_01.csv"
CCN_FILE = "export_fiches_CSV_CCN_2026_02_01.csv"
MAX_CHAIN = 50  # a lineage longer than this is a loop in the data, not a history


def _rows(name: str):
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=";")


@dataclass
class _Lineage:
    older: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    newer: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


@lru_cache(maxsize=1)
def _lineage() -> _Lineage:
    lineage = _Lineage()
    for row in _rows(LINEAGE_FILE):
        fiche = row["Numero_Fiche"].strip()
        old, new = row["Ancienne_Certification"].strip(), row["Nouvelle_Certification"].strip()
        if old:
            lineage.older[fiche].add(old)
            lineage.newer[old].add(fiche)
        if new:
            lineage.newer[fiche].add(new)
            lineage.older[new].add(fiche)
    return lineage


def _walk(start: str, links: dict[str, set[str]]) -> list[str]:
    """Every fiche reachable from `start` through `links`, nearest first (breadth first)."""
    seen, order, frontier = {start}, [], [start]
    while frontier and len(order) < MAX_CHAIN:
        following = []
        for code in frontier:
            for linked in sorted(links.get(code, ())):
                if linked not in seen:
                    seen.add(linked)
                    order.append(linked)
                    following.append(linked)
        frontier = following
    return order


@dataclass(frozen=True)
class Lineage:
    code: str
    predecessors: list[str]  # nearest first
    successors: list[str]  # nearest first

    @property
    def latest(self) -> str:
        """The newest certification of the line (the last successor), or the code itself."""
        return self.successors[-1] if self.successors else self.code


def lineage_of(code: str) -> Lineage:
    code = code.strip().upper()
    data = _lineage()
    return Lineage(code, _walk(code, data.older), _walk(code, data.newer))


def direct_successors(code: str) -> list[str]:
    return sorted(_lineage().newer.get(code.strip().upper(), ()))


@lru_cache(maxsize=1)
def _ccn_links() -> dict[str, set[str]]:
    """IDCC → the fiches linked to it (the export's Ccn_1..3_Numero)."""
    links: dict[str, set[str]] = defaultdict(set)
    for row in _rows(CCN_FILE):
        for n in (1, 2, 3):
            number = (row.get(f"Ccn_{n}_Numero") or "").strip()
            if number:
                links[number.zfill(4)].add(row["Numero_Fiche"].strip())
    return links


def fiches_of_idccs(idcc_codes) -> set[str]:
    """The RNCP/RS fiches France compétences links to any of these conventions collectives."""
    links = _ccn_links()
    return set().union(*(links.get(str(code).zfill(4), set()) for code in idcc_codes)) if idcc_codes else set()


def registration_end(code: str, referential_rows=None) -> date | None:
    """When the registration of fiche `code` ends: the referential's « date d'échéance » (the latest of
    its rows; none when one row has none), else the end of the registration a branch obtained through a
    project (R6113-12's decision), else None. `referential_rows`: the Certification rows the caller
    already read (the contracts' check reads them once)."""
    from branches.certifications.enums import ProjectStatus
    from branches.certifications.models import CertificationProject
    from referentials.models import Certification

    rows = list(Certification.objects.filter(rncp=code)) if referential_rows is None else list(referential_rows)
    if rows:
        dates = [row.expires_on for row in rows]
        if None not in dates:
            return max(dates)
        return None
    registered = (
        CertificationProject.objects.filter(rncp_code=code, status__in=(ProjectStatus.REGISTERED, ProjectStatus.WITHDRAWN))
        .exclude(registration_ends_on=None)
        .order_by("-registration_ends_on")
        .values_list("registration_ends_on", flat=True)
        .first()
    )
    return registered
