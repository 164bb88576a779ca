from django.shortcuts import render

from accounts import roles
from contracts.alternance.decisions import contracts_awaiting_npec_regularisation
from contracts.selectors import contracts_visible_to
from opco.access import allow


@allow(roles.STAFF)
def regularisations(request):
    """Contracts funded at the valeur d'amorçage whose level is now published (D6332-80); each is
    regularised from its page (the schedule is recomputed, paid lines untouched)."""
    rows = contracts_awaiting_npec_regularisation(contracts_visible_to(request.user))
    return render(request, "contracts/regularisations.html", {"rows": rows})
