"""A funding line of a co-financed file (payments.cofinancing): its facts, what was consumed on it
(service fait) and its release (the remainder goes back to the envelope), with its audit trail. Staff
read it; the services decide who acts (instructors, finance, managers) and refuse with a French reason.
The file's own page (a training request, a diagnostic) adds lines; this page follows one line."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import roles
from opco import audit
from opco.access import allow
from opco.forms import StyledForm
from payments.cofinancing import can_manage_funding, funding_line_consume, funding_line_release
from payments.models import FundingLine, FundingLineStatus

ACTORS = (roles.GESTIONNAIRE, roles.FINANCE, roles.RESPONSABLE)


class ConsumeForm(StyledForm):
    amount = forms.DecimalField(label="Montant payé sur la ligne (€)", min_value=Decimal("0.01"), max_digits=14, decimal_places=2)


def _back(request, line: FundingLine):
    target = request.POST.get("suivant") or request.GET.get("suivant") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("payments:funding_line", pk=line.pk)


@allow(roles.STAFF)
def funding_line(request, pk: int):
    line = get_object_or_404(FundingLine.objects.select_related("company", "created_by"), pk=pk)
    live = line.status == FundingLineStatus.COMMITTED
    return render(
        request,
        "payments/funding_line.html",
        {
            "line": line,
            "can_act": live and can_manage_funding(request.user),
            "consume_form": ConsumeForm(initial={"amount": line.amount - line.consumed}),
            "remainder": line.amount - line.consumed,
            "history": audit.history_of(line)[:50],
            "suivant": request.GET.get("suivant", ""),
        },
    )


def _refused(request, refusal: Exception) -> None:
    messages.error(request, " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal))


@allow(*ACTORS)
@require_POST
def funding_line_consume_view(request, pk: int):
    line = get_object_or_404(FundingLine, pk=pk)
    form = ConsumeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez un montant positif, au centime.")
        return _back(request, line)
    try:
        funding_line_consume(actor=request.user, line_id=line.pk, amount=form.cleaned_data["amount"])
    except (ValidationError, PermissionDenied) as refusal:
        _refused(request, refusal)
    else:
        messages.success(request, f"{line.reference} : {form.cleaned_data['amount']} € consommés sur la ligne.")
    return _back(request, line)


@allow(*ACTORS)
@require_POST
def funding_line_release_view(request, pk: int):
    line = get_object_or_404(FundingLine, pk=pk)
    try:
        line = funding_line_release(actor=request.user, line_id=line.pk)
    except (ValidationError, PermissionDenied) as refusal:
        _refused(request, refusal)
    else:
        messages.success(request, f"{line.reference} : ligne dégagée, le reliquat revient à l'enveloppe.")
    return _back(request, line)
