"""Reads of the certification projects that depend on who asks: staff everything; a representative
the projects of the branches where they hold a CPNE seat (any role reads); the public only what a
branch published. Confidential review notes are for staff only."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from accounts import roles
from branches.certifications.enums import ProjectStatus, Repertoire
from branches.certifications.models import Candidate, CertificationProject, Review
from referentials import rncp_export


def projects_visible_to(user) -> QuerySet[CertificationProject]:
    projects = CertificationProject.objects.select_related("branch")
    if roles.STAFF(user):
        return projects
    if roles.BRANCH_REP(user):
        # A seat in the CPNE of a branch the user is a member of (both: leaving the branch ends the seat's reach).
        return projects.filter(branch__cpne_seats__user=user, branch__memberships__user=user).distinct()
    return projects.none()


def published_certifications() -> QuerySet[CertificationProject]:
    """The public page: registered certifications their branch chose to publish, nothing else."""
    return CertificationProject.objects.filter(status=ProjectStatus.REGISTERED, published=True).select_related("branch")


def reviews_of(project, user) -> list[Review]:
    """The project's reviews; the confidential note blanked for anyone but staff."""
    reviews = list(project.reviews.select_related("reviewer", "requested_by"))
    if not roles.STAFF(user):
        for review in reviews:
            review.confidential_note = ""
    return reviews


def holders_of(project) -> QuerySet[Candidate]:
    """Holders (certified or with blocs) of a project's sessions; the NIR is deferred: lists never read it."""
    return (
        Candidate.objects.filter(session__project=project)
        .filter(Q(result="certified") | Q(result="partial"))
        .defer("nir")
        .select_related("session")
        .prefetch_related("blocs_passed")
    )


def projects_summary(branch) -> dict:
    """The branch portal's panel: counts by status (figures only)."""
    counts = {status: 0 for status in ProjectStatus.values}
    for status in CertificationProject.objects.filter(branch=branch).values_list("status", flat=True):
        counts[status] += 1
    return {ProjectStatus(status).label: count for status, count in counts.items() if count}


# --- For the NPEC round of the branches' portal (D6332-79) ------------------------------------------------
@dataclass(frozen=True)
class NewCertification:
    rncp: str
    title: str
    since: date | None
    origin: str


def registered_rncp_projects(branch) -> list[NewCertification]:
    """The RNCP fiches the branch's own projects registered (R6113-12), oldest registration first — the
    part the NPEC round's « certifications to decide » shares with new_rncp_without_npec."""
    found: dict[str, NewCertification] = {}
    projects = CertificationProject.objects.filter(branch=branch, repertoire=Repertoire.RNCP, status=ProjectStatus.REGISTERED)
    for project in projects.exclude(rncp_code="").order_by("registered_from"):
        found.setdefault(
            project.rncp_code, NewCertification(project.rncp_code, project.title, project.registered_from, "projet de la branche")
        )
    return list(found.values())


def new_rncp_without_npec(branch) -> list[NewCertification]:
    """New RNCP certifications of the branch with no NPEC yet (D6332-79: France compétences takes them
    into the next NPEC round; meanwhile the amorçage amount applies, D6332-80): the RNCP fiches its
    projects registered, and the fiches France compétences links to its conventions collectives that
    replace an older certification; neither in any NPEC publication nor on the exemptions list."""
    from branches.models import NpecEntry, NpecExemption
    from referentials.models import Certification

    found: dict[str, NewCertification] = {item.rncp: item for item in registered_rncp_projects(branch)}
    export = rncp_export.current_export()
    linked = rncp_export.fiches_of_idccs(branch.idccs.values_list("code", flat=True), export)
    for code in sorted(linked):
        renews = rncp_export.lineage_of(code, export).predecessors
        if code.startswith("RNCP") and renews and not rncp_export.direct_successors(code, export):
            found.setdefault(code, NewCertification(code, "", None, "fiche liée à la convention collective (export RNCP)"))
    known = set(NpecEntry.objects.filter(rncp__in=found).values_list("rncp", flat=True))
    known |= set(NpecExemption.objects.filter(rncp__in=found).values_list("rncp", flat=True))
    titles = dict(Certification.objects.filter(rncp__in=found).values_list("rncp", "title"))
    return [
        NewCertification(item.rncp, item.title or titles.get(item.rncp, ""), item.since, item.origin)
        for code, item in sorted(found.items())
        if code not in known
    ]
