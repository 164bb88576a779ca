"""Correction screens: a received file's data (the deposit form, prefilled, and a mandatory reason)
and a deposited file's DECA number. The rules are contracts.alternance.correction's."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts import roles
from contracts.alternance.correction import contract_correct, contract_deca_correct
from contracts.alternance.payload import InvalidPayload
from contracts.enums import ContractKind
from contracts.forms.deposit import DepositForm
from contracts.forms.professionalisation import ProDepositForm
from contracts.models import ApprenticeshipContract
from contracts.selectors import contracts_visible_to
from opco.access import allow
from opco.forms import StyledForm, add_service_errors


def form_initial(value, prefix: str = "") -> dict:
    """The deposit form's initial values from a stored payload (`contrat.remunerations[0].taux` →
    `contrat__remunerations__0__taux`)."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in form_initial(item, f"{prefix}{key}__").items()}
    if isinstance(value, list):
        return {k: v for index, item in enumerate(value) for k, v in form_initial(item, f"{prefix}{index}__").items()}
    return {prefix[:-2]: value}


class ReasonForm(StyledForm):
    reason = forms.CharField(label="Motif de la correction", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class DecaCorrectionForm(StyledForm):
    deca_number = forms.CharField(label="N° DECA corrigé", max_length=32)
    reason = forms.CharField(label="Motif de la correction", max_length=500)


def _contract(request, pk: int) -> ApprenticeshipContract:
    return get_object_or_404(contracts_visible_to(request.user), pk=pk)


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def contract_correct_view(request, pk: int):
    contract = _contract(request, pk)
    # The file's own CERFA: the EJ20 blocks for a professionalisation contract, the FA13 ones otherwise.
    professionalisation = contract.contract_kind == ContractKind.PROFESSIONNALISATION
    form_class = ProDepositForm if professionalisation else DepositForm
    if request.method == "POST":
        form, reason_form = form_class(request.POST), ReasonForm(request.POST)
        if form.is_valid() and reason_form.is_valid():
            try:
                report = contract_correct(
                    actor=request.user, contract_id=contract.pk, data=form.payload(), reason=reason_form.cleaned_data["reason"]
                )
            except InvalidPayload as exc:
                form.add_payload_errors(exc.errors)
            except ValidationError as exc:
                add_service_errors(reason_form, exc)
            else:
                failing = [check.code for check in report.checks if check.status != "ok"]
                result = f"contrôles à examiner : {', '.join(failing)}" if failing else "tous les contrôles sont satisfaits"
                messages.success(request, f"Dossier corrigé, contrôles relancés : {result}.")
                return redirect("contracts:detail", pk=contract.pk)
    else:
        form, reason_form = form_class(initial=form_initial(contract.payload)), ReasonForm()
    context = {"form": form, "reason_form": reason_form, "contract": contract, "cerfa": "EJ20" if professionalisation else "FA13"}
    return render(request, "contracts/contract_correct.html", context)


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def contract_deca_correct_view(request, pk: int):
    contract = _contract(request, pk)
    form = DecaCorrectionForm(request.POST or None, initial={"deca_number": contract.deca_number})
    if request.method == "POST" and form.is_valid():
        try:
            contract_deca_correct(actor=request.user, contract_id=contract.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"N° DECA corrigé : {form.cleaned_data['deca_number'].strip().upper()}.")
            return redirect("contracts:detail", pk=contract.pk)
    return render(request, "contracts/contract_deca_correct.html", {"form": form, "contract": contract})
