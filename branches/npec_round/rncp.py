"""The RNCP export (France compétences open data, branches/data/rncp) read for the NPEC round:
which fiches are linked to a convention collective, and which renew an older fiche (D6332-79 I)."""

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data" / "rncp"
CCN_FILE = "export_fiches_CSV_CCN_2026_02_01.csv"
LINEAGE_FILE = "export_fiches_CSV_Ancienne_Nouvelle_Certification_2026_02_01.csv"
ROME_FILE = "export_fiches_CSV_Rome_2026_02_01__subset_fiches_with_CCN.csv"


def export_dir() -> Path:
    return Path(getattr(settings, "RNCP_EXPORT_DIR", "") or DEFAULT_DIR)


@dataclass(frozen=True)
class RncpExport:
    idcc_fiches: dict[str, frozenset[str]]  # IDCC (4 digits) → fiches linked to it
    ccn_titles: dict[str, str]
    older: dict[str, frozenset[str]]  # fiche → the fiches it renews or replaces
    romes: dict[str, tuple[tuple[str, str], ...]]  # fiche → (code ROME, libellé)


def _idcc(value: str) -> str:
    value = (value or "").strip()
    return value.zfill(4) if value.isdigit() else ""  # « 3005T2 » and other non-IDCC numbers are left out


def _rows(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=";")


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
    for row in _rows(directory / LINEAGE_FILE):
        fiche, old, new = (row[k].strip().upper() for k in ("Numero_Fiche", "Ancienne_Certification", "Nouvelle_Certification"))
        if old:
            older.setdefault(fiche, set()).add(old)
        if new:
            older.setdefault(new, set()).add(fiche)
    romes: dict[str, list] = {}
    rome_path = directory / ROME_FILE
    if rome_path.exists():
        for row in _rows(rome_path):
            romes.setdefault(row["Numero_Fiche"].strip().upper(), []).append((row["Codes_Rome_Code"], row["Codes_Rome_Libelle"]))
    return RncpExport(
        idcc_fiches={k: frozenset(v) for k, v in idcc_fiches.items()},
        ccn_titles=titles,
        older={k: frozenset(v) for k, v in older.items()},
        romes={k: tuple(v) for k, v in romes.items()},
    )


def current_export() -> RncpExport:
    return read_export(export_dir())
