"""The co-financing of a proximity-service diagnostic (sme_services.diagnostic_funding): its funding
lines, and the form adding a convention's line — the convention's eligibility checked by the service,
refused with French reasons and nothing stored. Consuming and releasing a line happen on the line's own
page (payments)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from accounts import roles
from opco.access import allow
from opco.forms import add_service_errors
from payments.cofinancing import can_manage_funding
from sme_services import selectors
from sme_services.diagnostic_funding import cofinancing_of, diagnostic_cofinance, diagnostic_reference
from sme_services.enums import DiagnosticStatus
from sme_services.funding.forms import CofinancingForm


@allow(roles.STAFF)
def diagnostic_cofinancing(request, pk: int):
    diagnostic = get_object_or_404(selectors.diagnostics_visible_to(request.user), pk=pk)
    manage = can_manage_funding(request.user)
    cofinanceable = diagnostic.status == DiagnosticStatus.COMPLETED and diagnostic.cost > 0
    form = CofinancingForm(request.POST or None, prefix="cofi")
    if request.method == "POST":
        if not manage:
            raise PermissionDenied("Seuls les gestionnaires, le service financier et les responsables ajoutent une ligne.")
        if form.is_valid():
            try:
                diagnostic_cofinance(actor=request.user, pk=diagnostic.pk, **form.cleaned_data)
            except ValidationError as refusal:  # ineligible (FundingRefused), over budget (BudgetExceeded)
                add_service_errors(form, refusal)
            else:
                messages.success(request, "Ligne de cofinancement ajoutée : l'enveloppe de la convention est engagée.")
                return redirect("sme_cofinancing:diagnostic", pk=diagnostic.pk)
    return render(
        request,
        "sme_services/diagnostic_cofinancing.html",
        {
            "d": diagnostic,
            "reference": diagnostic_reference(diagnostic),
            "lines": cofinancing_of(diagnostic),
            "form": form if manage and cofinanceable else None,
            "cofinanceable": cofinanceable,
        },
    )
