"""The branch's portrait from the open data embarked in branches/data/gpec (see SOURCES.md): DARES
key figures by IDCC, and for each certification the jobs it leads to (RNCP export → ROME 4.0 with
its ecological-transition flag (referentials.rome) → FAP 225 → DARES tensions 2019 and France Travail's BMO 2024)."""

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from referentials import rome
from referentials.rncp_export import current_export

DATA = Path(__file__).resolve().parent.parent / "data" / "gpec"
TENSION = {"1": "très faible", "2": "faible", "3": "moyenne", "4": "forte", "5": "très forte"}


def _read(name: str, delimiter: str = ","):
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=1)
def _portraits() -> dict[str, dict]:
    return {row["idcc"].lstrip("0").zfill(4): row for row in _read("portraits_branches_2020_key_figures.csv")}


def key_figures(idcc_codes) -> list[dict]:
    """DARES portraits 2020 of the branch's conventions (those the DARES publishes)."""
    rows = []
    for code in sorted(idcc_codes):
        row = _portraits().get(code.zfill(4))
        if row is None:
            continue
        rows.append(
            {
                "idcc": code,
                "title": row["title"],
                "companies": _number(row["nb_entreprises_idcc_principal"]),
                "establishments": _number(row["nb_etablissements_idcc_principal"]),
                "employees": _number(row["nb_salaries_31dec2020"]),
                "fte": _number(row["nb_salaries_etp_2020"]),
                "small_share": _number(row["pct_entreprises_1_9"]),
                "average_pay": _number(row["salaire_moyen_ensemble"]),
                "pay_gap": _number(row["ecart_HF_pct"]),
                "low_pay_share": _number(row["pct_salaries_moins_1_05_smic"]),
            }
        )
    return rows


@dataclass
class Job:
    rome: str
    title: str
    ecological: str = ""
    fap: str = ""
    tension: str = ""
    hiring_projects: int | None = None
    difficult_share: float | None = None


@dataclass
class Lookups:
    fap_of_rome: dict[str, str] = field(default_factory=dict)
    tension: dict[str, str] = field(default_factory=dict)
    bmo: dict[str, dict] = field(default_factory=dict)
    families: dict[str, str] = field(default_factory=dict)


def _fap_key(code: str) -> str:
    # BMO writes the FAP 225 codes with another third letter (S2X61 for S2Z61): compare the rest.
    return (code[:2] + code[3:]).upper()


@lru_cache(maxsize=1)
def lookups() -> Lookups:
    found = Lookups()
    for row in _read("fap225_rome.csv", ";"):
        if row["Rome"] and row["Rome"] != "NA":
            found.fap_of_rome.setdefault(row["Rome"], row["Fap"])
    for row in _read("tensions_2019_nat.csv"):
        category = (row.get("Catégorie Tension") or "").split(".")[0]
        found.tension[_fap_key(row["fap"])] = TENSION.get(category, "")
    for row in _read("bmo_2024_national.csv"):
        found.bmo[_fap_key(row["code_metier_bmo"])] = row
    for row in _read("Intitules_FAP2021.csv", ";"):
        found.families.setdefault(row["Code_FAP22"][:1], row["Intitulé_FAP22"])
    return found


def jobs_of(rncp: str) -> list[Job]:
    """The jobs (ROME) a certification leads to, as the RNCP export states them, with their ROME 4.0
    ecological flag, FAP family, DARES tension and BMO 2024 hiring projects."""
    data = lookups()
    jobs = []
    for code, label in current_export().romes.get(rncp.upper(), ()):
        job = rome.jobs().get(code)
        fap = data.fap_of_rome.get(code, "")
        bmo = data.bmo.get(_fap_key(fap)) if fap else None
        jobs.append(
            Job(
                rome=code,
                title=(job.label if job else "") or label,
                ecological=job.flag if job and job.flag != rome.WHITE else "",
                fap=f"{fap} – {data.families.get(fap[:1], '')}" if fap else "",
                tension=data.tension.get(_fap_key(fap), "") if fap else "",
                hiring_projects=int(float(bmo["met_sum_unmasked"]))
                if bmo and _number(bmo["met_sum_unmasked"]) is not None
                else None,
                difficult_share=_number(bmo["pct_difficiles"]) if bmo else None,
            )
        )
    return jobs
