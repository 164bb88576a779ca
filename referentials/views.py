from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import roles
from opco.access import allow
from opco.forms import add_service_errors
from opco.lists import FilteredListView
from referentials import selectors
from referentials.filtersets import CertificationFilter, CompanyFilter, IdccFilter, ProviderFilter
from referentials.legal_parameters import legal_parameter_add, legal_parameter_keys, stale_smic
from referentials.loaders import KIND_LABELS
from referentials.models import LegalParameter
from referentials.services import provider_email_set, referential_load_request


def _yes_no(value) -> str:
    return "" if value is None else ("oui" if value else "non")


class ProviderListView(FilteredListView):
    allowed_roles = roles.ANY_USER
    filterset_class = ProviderFilter
    partial_template_name = "referentials/_provider_table.html"
    page_title = "Organismes de formation (CFA)"
    export_name = "organismes-de-formation"
    sort_fields = {
        "siret": "siret",
        "uai": "uai",
        "nom": "name",
        "commune": "city",
        "region": "region",
        "nda": "nda",
        "qualiopi": "qualiopi",
    }
    default_sort = "nom"
    export_columns = [
        ("SIRET", "siret"),
        ("UAI", "uai"),
        ("Raison sociale", "name"),
        ("Enseigne", "trade_name"),
        ("NDA", "nda"),
        ("Qualiopi", lambda p: _yes_no(p.qualiopi)),
        ("Nature", lambda p: p.get_nature_display()),
        ("Adresse", "address"),
        ("Code postal", "postal_code"),
        ("Commune", "city"),
        ("Région", "region"),
        ("Réseaux", "networks"),
    ]

    def base_queryset(self):
        return selectors.providers_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["user_is_staff"] = roles.STAFF(self.request.user)  # staff open the provider's page (its e-mail)
        return context


class CertificationListView(FilteredListView):
    allowed_roles = roles.ANY_USER
    filterset_class = CertificationFilter
    partial_template_name = "referentials/_certification_table.html"
    page_title = "Certifications"
    export_name = "certifications"
    sort_fields = {
        "rncp": "rncp",
        "diplome": "code_diplome",
        "niveau": "level",
        "intitule": "title",
        "apprentissage": "open_to_apprenticeship",
        "echeance": "expires_on",
        "etat": "active",
    }
    default_sort = "rncp"
    export_columns = [
        ("Fiche RNCP", "rncp"),
        ("Code diplôme", "code_diplome"),
        ("Niveau", "level"),
        ("Abrégé", "abbreviation"),
        ("Intitulé", "title"),
        ("Ouverte à l'apprentissage", lambda c: _yes_no(c.open_to_apprenticeship)),
        ("Échéance", lambda c: c.expires_on.strftime("%d/%m/%Y") if c.expires_on else ""),
        ("Active", lambda c: _yes_no(c.active)),
        ("Remplacée par", "successor_rncp"),
    ]

    def base_queryset(self):
        return selectors.certifications_visible_to(self.request.user)


class IdccListView(FilteredListView):
    allowed_roles = roles.ANY_USER
    filterset_class = IdccFilter
    partial_template_name = "referentials/_idcc_table.html"
    page_title = "Conventions collectives (IDCC)"
    export_name = "conventions-collectives"
    sort_fields = {
        "code": "code",
        "intitule": "title",
        "nature": "nature",
        "opco": "opco_name",
        "branche": "branch_link__branch__name",
    }
    default_sort = "code"
    export_columns = [
        ("IDCC", "code"),
        ("Intitulé", "title"),
        ("Nature", "nature"),
        ("États juridiques", "legal_states"),
        ("OPCO", "opco_name"),
        ("Branche", lambda i: i.branch_link.branch.name if hasattr(i, "branch_link") else ""),
    ]

    def base_queryset(self):
        return selectors.idcc_visible_to(self.request.user)


class CompanyListView(FilteredListView):
    allowed_roles = roles.ANY_USER
    filterset_class = CompanyFilter
    partial_template_name = "referentials/_company_table.html"
    page_title = "Entreprises"
    export_name = "entreprises"
    sort_fields = {
        "siret": "siret",
        "nom": "name",
        "naf": "naf__code",
        "idcc": "idcc__code",
        "effectif": "headcount",
        "commune": "city",
    }
    default_sort = "nom"
    export_columns = [
        ("SIRET", "siret"),
        ("Raison sociale", "name"),
        ("Code NAF", "naf.code"),
        ("IDCC", "idcc.code"),
        ("Effectif", "headcount"),
        ("Code postal", "postal_code"),
        ("Commune", "city"),
    ]

    def base_queryset(self):
        return selectors.companies_visible_to(self.request.user)


class ReferentialLoadForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Référentiels à recharger",
        # Read when the form is used: apps above referentials register loaders in their ready().
        choices=lambda: list(KIND_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        initial=lambda: list(KIND_LABELS),
    )


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def referential_loads(request):
    """The history of loads; administrators start a new one (run by Celery)."""
    can_start = roles.ADMINISTRATEUR(request.user)
    form = ReferentialLoadForm(request.POST or None)
    if request.method == "POST":
        if not can_start:
            messages.error(request, "Seuls les administrateurs peuvent recharger les référentiels.")
            return redirect("referentials:loads")
        if form.is_valid():
            job = referential_load_request(actor=request.user, kinds=form.cleaned_data["kinds"])
            messages.success(request, f"Chargement n° {job.pk} demandé : il s'exécute en tâche de fond.")
            return redirect("referentials:load_detail", pk=job.pk)
    loads = selectors.referential_loads_visible_to(request.user)[:50]
    return render(request, "referentials/load_list.html", {"loads": loads, "form": form, "can_start": can_start})


@allow(roles.STAFF)
def referential_load_detail(request, pk: int):
    job = get_object_or_404(selectors.referential_loads_visible_to(request.user), pk=pk)
    template = "referentials/_load_progress.html" if request.htmx else "referentials/load_detail.html"
    return render(request, template, {"job": job})


# --- Dated legal parameters (administrators) ---------------------------------------------------------
class LegalParameterForm(forms.Form):
    key = forms.ChoiceField(label="Paramètre")
    value = forms.DecimalField(label="Valeur", max_digits=14, decimal_places=4, min_value=0)
    valid_from = forms.DateField(label="En vigueur à partir du", widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label="Texte (décret, arrêté)", max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = legal_parameter_keys()
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control")


@allow(roles.ADMINISTRATEUR)
@require_http_methods(["GET", "POST"])
def legal_parameters(request):
    form = LegalParameterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = legal_parameter_add(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Valeur ajoutée : {row.label}, {row.value.normalize()} {row.unit} au {row.valid_from:%d/%m/%Y}."
            )
            return redirect("referentials:legal_parameters")
    context = {
        "form": form,
        "parameters": LegalParameter.objects.order_by("label", "-valid_from"),
        "stale": stale_smic(timezone.localdate()),
    }
    return render(request, "referentials/legal_parameters.html", context)


class ProviderEmailForm(forms.Form):
    email = forms.EmailField(label="E-mail de l'organisme (avis de paiement)", required=False, max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["class"] = "form-control"


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def provider_detail(request, pk: int):
    """A training provider's page: its referential data, and its e-mail entered by staff (the payment
    advice goes there when the contract names none), with the history of its changes."""
    from opco.audit import history_of

    provider = get_object_or_404(selectors.providers_visible_to(request.user), pk=pk)
    form = ProviderEmailForm(request.POST or None, initial={"email": provider.email})
    if request.method == "POST" and form.is_valid():
        try:
            provider = provider_email_set(actor=request.user, provider_id=provider.pk, email=form.cleaned_data["email"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"E-mail de l'organisme enregistré : {provider.email or 'aucun'}.")
            return redirect("referentials:provider", pk=provider.pk)
    context = {"provider": provider, "form": form, "history": history_of(provider)[:20]}
    return render(request, "referentials/provider_detail.html", context)
