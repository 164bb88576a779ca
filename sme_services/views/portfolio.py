"""Portfolios: the advisor's list (« jamais accompagnées » first), the managers' rules and reassignment."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles
from accounts.enums import StaffGroup, UserKind
from accounts.models import User
from opco import audit
from opco.access import allow
from opco.forms import add_service_errors
from opco.lists import FilteredListView
from sme_services import selectors
from sme_services.enums import size_band
from sme_services.filtersets import PortfolioFilter
from sme_services.forms import ReassignForm
from sme_services.models import AdvisorTeam, AssignmentRule, PortfolioChange
from sme_services.services.portfolio import assignment_rule_save, portfolio_reassign, portfolio_route_all
from sme_services.services.teams import team_save

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


class TeamForm(forms.Form):
    name = forms.CharField(label="Nom de l'équipe", max_length=128)
    manager = forms.ModelChoiceField(label="Responsable", queryset=User.objects.none())
    members = forms.ModelMultipleChoiceField(label="Conseillers", queryset=User.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.filter(
            is_active=True, kind=UserKind.STAFF, groups__name=StaffGroup.RESPONSABLE
        ).order_by("last_name", "email")
        self.fields["members"].queryset = User.objects.filter(is_active=True, kind=UserKind.ADVISOR).order_by(
            "last_name", "email"
        )
        self.fields["name"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["manager"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["members"].widget.attrs.update({"class": "form-select form-select-sm", "size": 8})


@allow(*MANAGERS)
@require_http_methods(["GET", "POST"])
def teams(request, pk: int | None = None):
    """The advisor teams: create one, or change its name, manager and advisors (audited)."""
    team = get_object_or_404(AdvisorTeam, pk=pk) if pk else None
    initial = {"name": team.name, "manager": team.manager_id, "members": list(team.members.all())} if team else None
    form = TeamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = team_save(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            messages.success(request, f"Équipe « {saved.name} » enregistrée.")
            return redirect("sme_services:teams")
    rows = AdvisorTeam.objects.select_related("manager").prefetch_related("members").order_by("name")
    history = audit.history_of(team) if team else []
    return render(request, "sme_services/teams.html", {"form": form, "team": team, "teams": rows, "history": history})
