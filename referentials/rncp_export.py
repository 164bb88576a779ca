"""France compétences' RNCP open-data export of 2026-02-01 (referentials/data/rncp, SOURCE.txt): the one
reader the house uses for which fiches are linked to a convention collective, the old → new lineage of
certifications (a renewal keeps its NPEC unless substantially changed, D6332-78 V / D6332-79 I) and the
jobs (ROME) a fiche leads to. settings.RNCP_EXPORT_DIR points it at another folder (tests)."""

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DEFAULT_DIR = Path(__file__).resolve().parent / "data" / "rncp"
CCN_FILE = "export_fiches_CSV_CCN_2026_02_01.csv"
LINEAGE_FILE = "export_fiches_CSV_Ancienne_Nouvelle_Certification_2026_02_01.csv"
ROME_FILE = "export_fiches_CSV_Rome_2026_02_01__subset_fiches_with_CCN.csv"
MAX_CHAIN = 50  # a lineage longer than this is a loop in the data, not a history


def export_dir() -> Path:
    return Path(getattr(settings, "RNCP_EXPORT_DIR", "") or DEFAULT_DIR)


@dataclass(frozen=True)
class RncpExport:
    idcc_fiches: dict[str, frozenset[str]]  # IDCC (4 digits) → fiches linked to it
    ccn_titles: dict[str, str]
    older: dict[str, frozenset[str]]  # fiche → the fiches it renews or replaces
    newer: dict[str, frozenset[str]]  # fiche → the fiches that renew or replace it
    romes: dict[str, tuple[tuple[str, str], ...]]  # fiche → (code ROME, libellé)


def _idcc(value: str) -> str:
    value = (value or "").strip()
    return value.zfill(4) if value.isdigit() else ""  # « 3005T2 » and other non-IDCC numbers are left out


def _rows(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=";")


def _frozen(links: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    return {k: frozenset(v) for k, v in links.items()}


@lru_cache(maxsize=4)
def read_export(directory: Path) -> RncpExport:
    idcc_fiches: dict[str, set[str]] = {}
    titles: dict[str, str] = {}
    for row in _rows(directory / CCN_FILE):
        fiche = row["Numero_Fiche"].strip().upper()
        for n in (1, 2, 3):
            code = _idcc(row.get(f"Ccn_{n}_Numero", ""))
            if code:
                idcc_fiches.setdefault(code, set()).add(fiche)
                titles[code] = row.get(f"Ccn_{n}_Libelle", "")
    older: dict[str, set[str]] = {}
    newer: dict[str, set[str]] = {}
    for row in _rows(directory / LINEAGE_FILE):
        fiche, old, new = (row[k].strip().upper() for k in ("Numero_Fiche", "Ancienne_Certification", "Nouvelle_Certification"))
        if old:
            older.setdefault(fiche, set()).add(old)
            newer.setdefault(old, set()).add(fiche)
        if new:
            newer.setdefault(fiche, set()).add(new)
            older.setdefault(new, set()).add(fiche)
    romes: dict[str, list] = {}
    rome_path = directory / ROME_FILE
    if rome_path.exists():
        for row in _rows(rome_path):
            romes.setdefault(row["Numero_Fiche"].strip().upper(), []).append((row["Codes_Rome_Code"], row["Codes_Rome_Libelle"]))
    return RncpExport(
        idcc_fiches=_frozen(idcc_fiches),
        ccn_titles=titles,
        older=_frozen(older),
        newer=_frozen(newer),
        romes={k: tuple(v) for k, v in romes.items()},
    )


def current_export() -> RncpExport:
    return read_export(export_dir())


def fiches_of_idccs(idcc_codes, export: RncpExport | None = None) -> set[str]:
    """The RNCP/RS fiches France compétences links to any of these conventions collectives."""
    links = (export or current_export()).idcc_fiches
    return set().union(*(links.get(str(code).zfill(4), frozenset()) for code in idcc_codes))


def _walk(start: str, links: dict[str, frozenset[str]]) -> list[str]:
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


def lineage_of(code: str, export: RncpExport | None = None) -> Lineage:
    code = code.strip().upper()
    export = export or current_export()
    return Lineage(code, _walk(code, export.older), _walk(code, export.newer))


def direct_successors(code: str, export: RncpExport | None = None) -> list[str]:
    return sorted((export or current_export()).newer.get(code.strip().upper(), ()))
