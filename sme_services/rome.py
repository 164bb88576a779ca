"""The ROME 4.0 jobs' ecological-transition flags (France Travail, v460; sme_services/data/SOURCE.txt),
read by the ecological-transition diagnostic (L6332-1 I 6°, second: help companies adapt to the
ecological transition by analysing their skills needs)."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "rome_v460_transition_eco.csv"
GREEN = "Emploi Vert"
BROWN = "Emploi Brun"
STRATEGIC = "Emploi stratégique pour la Transition écologique"
WHITE = "Emploi Blanc"


@dataclass(frozen=True)
class RomeJob:
    code: str
    label: str
    flag: str

    @property
    def concerned(self) -> bool:
        """A job the ecological transition changes: green, brown (to transform) or strategic."""
        return self.flag in (GREEN, BROWN, STRATEGIC)


@cache
def jobs() -> dict[str, RomeJob]:
    with DATA.open(encoding="utf-8") as handle:
        return {
            row["code_rome"]: RomeJob(row["code_rome"], row["libelle_rome"], row["transition_eco"])
            for row in csv.DictReader(handle)
        }


def unknown_codes(codes: list[str]) -> list[str]:
    known = jobs()
    return [code for code in codes if code not in known]


def ecological_profile(codes: list[str]) -> dict[str, list[RomeJob]]:
    """The jobs of a company grouped by their flag, for the diagnostic's page and its deliverable."""
    profile: dict[str, list[RomeJob]] = {GREEN: [], STRATEGIC: [], BROWN: [], WHITE: []}
    for code in codes:
        job = jobs().get(code)
        if job is not None:
            profile.setdefault(job.flag, []).append(job)
    return profile


def search(term: str, limit: int = 20) -> list[RomeJob]:
    term = term.strip().casefold()
    if len(term) < 2:
        return []
    return [job for job in jobs().values() if term in job.label.casefold() or job.code.casefold() == term][:limit]
