"""Who may do what on a branch's certification projects: staff everything; a representative of the
branch by their role in its CPNE (enums.CPNE_WRITERS write, CPNE_REVIEWERS give opinions, an observer
reads). The services ask here, so every door (screen, command, demo) gets the same answer."""

from django.core.exceptions import PermissionDenied

from accounts import roles
from branches.certifications.enums import CPNE_REVIEWERS, CPNE_WRITERS


def cpne_role(user, branch) -> str:
    """The user's role in the branch's CPNE, « » when they hold no seat (or no membership)."""
    if not roles.BRANCH_REP(user):
        return ""
    from branches.certifications.models import CpneSeat

    seat = (
        CpneSeat.objects.filter(branch=branch, user=user, branch__memberships__user=user).values_list("role", flat=True).first()
    )
    return seat or ""


def can_read(user, branch) -> bool:
    return roles.STAFF(user) or bool(cpne_role(user, branch))


def can_write(user, branch) -> bool:
    return roles.STAFF(user) or cpne_role(user, branch) in CPNE_WRITERS


def can_review(user, branch) -> bool:
    return roles.STAFF(user) or cpne_role(user, branch) in CPNE_REVIEWERS


def require_write(user, branch) -> None:
    if user is not None and not can_write(user, branch):
        raise PermissionDenied("Votre rôle dans la CPNE ne permet pas de modifier les projets de certification de cette branche.")
