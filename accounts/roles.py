"""The roles views declare (opco.access.allow / RoleRequiredMixin)."""

from accounts.enums import StaffGroup, UserKind
from opco.access import Role


def _staff_group(group: StaffGroup) -> Role:
    return Role(group.value, group.label, lambda user: user.is_superuser or user.in_staff_group(group))


STAFF = Role("staff", "Personnel de l'OPCO", lambda user: user.is_superuser or user.kind == UserKind.STAFF)
GESTIONNAIRE = _staff_group(StaffGroup.GESTIONNAIRE)
FINANCE = _staff_group(StaffGroup.FINANCE)
RESPONSABLE = _staff_group(StaffGroup.RESPONSABLE)
ADMINISTRATEUR = _staff_group(StaffGroup.ADMINISTRATEUR)
ADVISOR = Role("advisor", "Conseiller de proximité", lambda user: user.kind == UserKind.ADVISOR)
BRANCH_REP = Role("branch_rep", "Représentant de branche", lambda user: user.kind == UserKind.BRANCH_REP)

ANY_USER = (STAFF, ADVISOR, BRANCH_REP)
# Who opens a contract file (a person's data): staff and the company's advisor. A branch
# representative sees aggregated figures only (RGPD art. 5 1 c; the branches' portal).
FILE_READERS = (STAFF, ADVISOR)
