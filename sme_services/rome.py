"""The ecological-transition diagnostic's reading of the ROME 4.0 flags (referentials.rome; L6332-1 I 6°,
second: help companies adapt to the ecological transition by analysing their skills needs)."""

from referentials.rome import BROWN, GREEN, STRATEGIC, WHITE, RomeJob, jobs

__all__ = ["BROWN", "GREEN", "STRATEGIC", "WHITE", "RomeJob", "ecological_profile", "jobs", "unknown_codes"]


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
