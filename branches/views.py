from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import roles
from branches.filtersets import NpecEntryFilter
from branches.forms import NpecDecisionForm, NpecExemptionForm
from branches.models import AmorcageValue, NpecExemption
from branches.selectors import branches_visible_to, npec_entries_visible_to, npec_publications_visible_to
from branches.services import npec_decision_record, npec_exemption_add, npec_exemption_remove
from opco.access import allow
from opco.forms import add_service_errors
from opco.lists import FilteredListView
from referentials.selectors import companies_visible_to


@allow(*roles.ANY_USER)
def branch_list(request):
    """Staff and advisors see every branch; a representative only theirs."""
    branches = branches_visible_to(request.user).annotate(idcc_count=Count("idccs")).order_by("name")
    return render(request, "branches/branch_list.html", {"branches": branches})


@allow(*roles.ANY_USER)
def branch_detail(request, pk: int):
    branch = get_object_or_404(branches_visible_to(request.user), pk=pk)
    idccs = branch.idccs.order_by("code")
    companies = companies_visible_to(request.user).filter(idcc__in=idccs)
    context = {"branch": branch, "idccs": idccs, "company_count": companies.count(), "companies": companies[:20]}
    return render(request, "branches/branch_detail.html", context)


# --- NPEC referential -------------------------------------------------------------------------------
class NpecEntryListView(FilteredListView):
    allowed_roles = roles.ANY_USER
    filterset_class = NpecEntryFilter
    partial_template_name = "branches/_npec_table.html"
    page_title = "Référentiel des niveaux de prise en charge (NPEC)"
    export_name = "referentiel-npec"
    sort_fields = {
        "certification": "rncp",
        "intitule": "title",
        "cpne": "cpne__code",
        "npec": "amount",
        "statut": "status",
        "applicable": "applicable_from",
        "publication": "publication__imported_at",
    }
    default_sort = "certification"
    export_columns = [
        ("Fiche RNCP", "rncp"),
        ("Code diplôme", "code_diplome"),
        ("Intitulé", "title"),
        ("Code CPNE", "cpne.code"),
        ("CPNE", "cpne.name"),
        ("NPEC", lambda e: "NC" if e.amount is None else e.amount),
        ("Statut", "status"),
        ("Applicable au", lambda e: e.applicable_from.strftime("%d/%m/%Y")),
        ("Publication", lambda e: str(e.publication)),
    ]

    def base_queryset(self):
        return npec_entries_visible_to(self.request.user).order_by(
            "rncp", "code_diplome", "cpne__code", "-applicable_from", "-id"
        )


@allow(*roles.ANY_USER)
def npec_history(request):
    """One certification × CPNE across every version, newest first."""
    code, cpne = request.GET.get("code", "").strip().upper(), request.GET.get("cpne", "").strip()
    entries = npec_entries_visible_to(request.user).filter(Q(rncp=code) | Q(code_diplome=code), cpne__code=cpne)
    entries = entries.order_by("-applicable_from", "-publication__imported_at", "-id")
    if not entries.exists():
        raise Http404("Aucun niveau pour ce couple certification × CPNE.")
    return render(request, "branches/npec_history.html", {"entries": entries, "code": code, "cpne": entries[0].cpne})


@allow(roles.STAFF)
def npec_publications(request):
    publications = npec_publications_visible_to(request.user)[:100]
    return render(request, "branches/npec_publications.html", {"publications": publications})


@allow(roles.STAFF)
def npec_publication_detail(request, pk: int):
    publication = get_object_or_404(npec_publications_visible_to(request.user), pk=pk)
    return render(request, "branches/npec_publication_detail.html", {"publication": publication})


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def npec_decision(request):
    form = NpecDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = npec_decision_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Décision enregistrée : {entry}.")
            return redirect(f"{reverse('branches:npec_history')}?code={entry.rncp}&cpne={entry.cpne.code}")
    return render(request, "branches/npec_decision.html", {"form": form})


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def npec_exemptions(request):
    form = NpecExemptionForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            exemption = get_object_or_404(NpecExemption, pk=request.POST["remove"])
            npec_exemption_remove(actor=request.user, exemption=exemption)
            messages.success(request, f"{exemption.rncp} retirée de la liste.")
            return redirect("branches:npec_exemptions")
        if form.is_valid():
            try:
                npec_exemption_add(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("rncp", exc.message_dict.get("rncp"))
            else:
                messages.success(request, f"{form.cleaned_data['rncp']} ajoutée à la liste.")
                return redirect("branches:npec_exemptions")
    context = {"form": form, "exemptions": NpecExemption.objects.all(), "amorcage": AmorcageValue.objects.all()}
    return render(request, "branches/npec_exemptions.html", context)
