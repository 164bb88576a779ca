from django.shortcuts import render

from accounts import roles
from opco.access import allow
from opco.panels import Panels

DISPLAYED_ROLES = (
    roles.STAFF,
    roles.GESTIONNAIRE,
    roles.FINANCE,
    roles.RESPONSABLE,
    roles.ADMINISTRATEUR,
    roles.ADVISOR,
    roles.BRANCH_REP,
)

# Rows of the profile's description list (<dt>…</dt><dd>…</dd>) that apps above accounts register in
# their AppConfig.ready() (opco.panels): branches lists a representative's branches.
PROFILE_SECTIONS = Panels()


@allow(*roles.ANY_USER)
def profile(request):
    """Who am I here: roles, what the other apps registered (branches), and the link to manage the second
    factor."""
    user = request.user
    context = {
        "role_labels": [role.label for role in DISPLAYED_ROLES if role(user)],
        "sections": PROFILE_SECTIONS.render(request),
    }
    return render(request, "accounts/profile.html", context)
