from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import roles
from contracts.alternance.oppositions import opposition_end, opposition_record
from contracts.enums import OppositionKind
from contracts.models import EmployerOpposition
from opco.access import allow
from opco.forms import DateWidget, add_service_errors

DATE_ATTRS = {"class": "form-control"}


class OppositionForm(forms.Form):
    siret = forms.CharField(label="SIRET de l'employeur", max_length=20, widget=forms.TextInput(attrs={"class": "form-control"}))
    kind = forms.ChoiceField(label="Nature", choices=OppositionKind.choices, widget=forms.Select(attrs={"class": "form-select"}))
    starts_on = forms.DateField(label="À partir du", widget=DateWidget(DATE_ATTRS))
    ends_on = forms.DateField(label="Jusqu'au (facultatif)", required=False, widget=DateWidget(DATE_ATTRS))
    reason = forms.CharField(
        label="Motif et référence de la décision", widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def oppositions(request):
    """Staff record oppositions, suspensions and bans, and lift them; the check reads this list."""
    form = OppositionForm(request.POST or None)
    if request.method == "POST":
        try:
            if "end" in request.POST:
                opposition_end(actor=request.user, opposition_id=int(request.POST["end"]), ends_on=timezone.localdate())
                messages.success(request, "Opposition levée à compter d'aujourd'hui.")
                return redirect("contracts:oppositions")
            if form.is_valid():
                opposition = opposition_record(actor=request.user, **form.cleaned_data)
                messages.success(request, f"{opposition} enregistrée.")
                return redirect("contracts:oppositions")
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (EmployerOpposition.DoesNotExist, ValueError):
            form.add_error(None, "Opposition introuvable.")
    today = timezone.localdate()
    rows = EmployerOpposition.objects.select_related("recorded_by").order_by("-starts_on", "-id")[:500]
    return render(request, "contracts/oppositions.html", {"form": form, "oppositions": rows, "today": today})
