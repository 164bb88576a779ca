"""The ROME 4.0 jobs (France Travail, v460) with their ecological-transition flag (referentials/data/rome,
SOURCE.txt): the one reader for the companies' ecological diagnostic and the branches' GPEC portrait."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "rome" / "rome_v460_transition_eco.csv"
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
