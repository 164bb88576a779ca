from django.shortcuts import render

from accounts import roles
from branches.selectors import branches_visible_to
from opco.access import allow

DISPLAYED_ROLES = (
    roles.STAFF,
    roles.GESTIONNAIRE,
    roles.FINANCE,
    roles.RESPONSABLE,
    roles.ADMINISTRATEUR,
    roles.ADVISOR,
    roles.BRANCH_REP,
)


@allow(*roles.ANY_USER)
def profile(request):
    """Who am I here: roles, branches, and the link to manage the second factor."""
    user = request.user
    context = {
        "role_labels": [role.label for role in DISPLAYED_ROLES if role(user)],
        "branches": branches_visible_to(user) if roles.BRANCH_REP(user) else None,
    }
    return render(request, "accounts/profile.html", context)
