"""The branch pay grids screen: the rows in force and their history, filtered by branch and position,
and the staff form that adds a dated row (branches.paygrids.services)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import roles
from branches.models import Branch
from branches.paygrids.selectors import folded, pay_grid_rows_visible_to
from branches.paygrids.services import pay_grid_row_add
from opco.access import allow
from opco.forms import DateWidget, StyledForm, add_service_errors


class PayGridRowForm(StyledForm):
    branch = forms.ModelChoiceField(label="Branche", queryset=Branch.objects.order_by("name"))
    classification = forms.CharField(label="Classification (emploi, niveau)", max_length=120, required=False)
    coefficient = forms.CharField(label="Coefficient", max_length=32, required=False)
    monthly_minimum = forms.DecimalField(
        label="Salaire minimum conventionnel mensuel brut (€, 35 h)", max_digits=14, decimal_places=2, min_value=0.01
    )
    valid_from = forms.DateField(label="En vigueur à partir du", widget=DateWidget())
    source = forms.CharField(label="Texte (accord, avenant salaires)", max_length=255)

    def clean(self):
        data = super().clean()
        if not (data.get("classification", "").strip() or data.get("coefficient", "").strip()):
            raise forms.ValidationError("Indiquez une classification, un coefficient ou les deux.")
        return data


@allow(roles.STAFF, roles.BRANCH_REP)
@require_http_methods(["GET", "POST"])
def pay_grids(request):
    rows = pay_grid_rows_visible_to(request.user)
    branch, position = request.GET.get("branche", "").strip(), folded(request.GET.get("position", ""))
    if branch.isdigit():
        rows = rows.filter(branch_id=int(branch))
    if position:
        rows = [row for row in rows if position in folded(f"{row.classification} {row.coefficient}")]
    form = PayGridRowForm(request.POST or None) if roles.STAFF(request.user) else None
    if request.method == "POST":
        if form is None:
            return redirect("branches:pay_grids")
        if form.is_valid():
            try:
                row = pay_grid_row_add(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Ligne enregistrée : {row}.")
                return redirect("branches:pay_grids")
    context = {
        "form": form,
        "rows": list(rows)[:500],
        "branches": Branch.objects.filter(pk__in=pay_grid_rows_visible_to(request.user).values("branch")).order_by("name"),
        "selected_branch": branch,
        "position": request.GET.get("position", ""),
    }
    return render(request, "branches/pay_grids.html", context)
