"""Portfolios: the advisor's list (« jamais accompagnées » first), the managers' rules and reassignment."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import roles
from opco.access import allow
from opco.lists import FilteredListView
from sme_services import selectors
from sme_services.enums import size_band
from sme_services.filtersets import PortfolioFilter
from sme_services.forms import ReassignForm
from sme_services.models import AssignmentRule, PortfolioChange
from sme_services.services.portfolio import assignment_rule_save, portfolio_reassign, portfolio_route_all

MANAGERS = (roles.RESPONSABLE, roles.ADMINISTRATEUR)


class PortfolioView(FilteredListView):
    allowed_roles = (roles.STAFF, roles.ADVISOR)
    filterset_class = PortfolioFilter
    template_name = "sme_services/portfolio.html"
    partial_template_name = "sme_services/_portfolio_table.html"
    page_title = "Portefeuille d'entreprises"
    export_name = "portefeuille"
    export_columns = [
        ("SIRET", "siret"),
        ("Raison sociale", "name"),
        ("NAF", "naf.code"),
        ("IDCC", "idcc.code"),
        ("Effectif", "headcount"),
        ("Tranche", lambda c: size_band(c.headcount)),
        ("Commune", "city"),
        ("Code postal", "postal_code"),
        ("Accompagnée", lambda c: "oui" if c.accompanied else "non"),
    ]
    # « suivi »: « jamais accompagnées » first, then by name (one key: selectors.portfolio_of).
    sort_fields = {
        "suivi": "followed_then_name",
        "nom": "name",
        "siret": "siret",
        "effectif": "headcount",
        "commune": "city",
        "idcc": "idcc__code",
    }
    default_sort = "suivi"

    def base_queryset(self):
        return selectors.portfolio_of(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reassign_form"] = ReassignForm() if any(r(self.request.user) for r in MANAGERS) else None
        return context


@allow(*MANAGERS)
@require_POST
def reassign(request):
    form = ReassignForm(request.POST)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if form.is_valid():
        try:
            n = portfolio_reassign(
                actor=request.user, company_ids=ids, advisor=form.cleaned_data["advisor"], reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"{n} entreprise(s) réaffectée(s).")
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
    else:
        messages.error(request, "Choisissez le conseiller et le motif.")
    return redirect("sme_services:portfolio")


RuleForm = modelform_factory(
    AssignmentRule, fields=["advisor", "departement", "commune", "branch", "size_band", "priority", "active"]
)


@allow(*MANAGERS)
def rules(request, pk: int | None = None):
    rule = get_object_or_404(AssignmentRule, pk=pk) if pk else AssignmentRule()
    form = RuleForm(request.POST or None, instance=rule)
    from accounts.enums import UserKind

    form.fields["advisor"].queryset = form.fields["advisor"].queryset.filter(kind=UserKind.ADVISOR)
    for field in form.fields.values():
        field.widget.attrs.setdefault(
            "class",
            "form-select form-select-sm"
            if hasattr(field, "queryset") or getattr(field, "choices", None)
            else "form-control form-control-sm",
        )
    if request.method == "POST" and form.is_valid():
        try:
            assignment_rule_save(actor=request.user, rule=form.instance)
        except ValidationError as refusal:
            form.add_error(None, refusal.messages)
        else:
            if request.POST.get("apply"):
                n = portfolio_route_all(actor=request.user)
                messages.success(request, f"Règle enregistrée ; {n} entreprise(s) réaffectée(s) par les règles.")
            else:
                messages.success(request, "Règle enregistrée.")
            return redirect("sme_services:rules")
    return render(
        request,
        "sme_services/rules.html",
        {
            "form": form,
            "rules": AssignmentRule.objects.select_related("advisor", "branch"),
            "changes": PortfolioChange.objects.select_related("company", "from_advisor", "to_advisor", "changed_by")[:50],
        },
    )
