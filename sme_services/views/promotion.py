"""Promotion campaigns (measured by what they brought), FOAD actions and the managers' questionnaires."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms import modelform_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts import roles
from opco import audit
from opco.access import allow
from opco.forms import DateWidget, StyledForm, add_service_errors
from opco.lists import keyset_page, list_context
from sme_services import selectors
from sme_services.enums import DiagnosticKind, NeedOutcome
from sme_services.models import Campaign, FoadAction, Questionnaire
from sme_services.services import afest as afest_services
from sme_services.services.diagnostics import QUESTION_TYPES, questionnaire_publish
from sme_services.services.documents import documents_by_element

MANAGERS = (roles.RESPONSABLE, roles.ADMINISTRATEUR)


def _style(form):
    for name, field in form.fields.items():
        if name.endswith("_on"):
            field.widget = DateWidget()
        css = "form-select form-select-sm" if getattr(field, "choices", None) else "form-control form-control-sm"
        field.widget.attrs.setdefault("class", css)
    return form


CampaignForm = modelform_factory(Campaign, fields=["name", "kind", "held_on", "subject", "branch", "audience", "description"])


CAMPAIGN_SORTS = {"nom": "name", "type": "kind", "date": "held_on", "theme": "subject", "touchees": "audience"}


@allow(roles.STAFF, roles.ADVISOR)
def campaigns(request):
    """Every campaign with what it brought: needs (and those closed with help), AFEST projects, FOAD
    actions, exchanges."""
    rows = Campaign.objects.select_related("branch").annotate(
        needs_count=Count("needs", distinct=True),
        helped_count=Count("needs", filter=Q(needs__outcome=NeedOutcome.HELPED), distinct=True),
        afest_count=Count("afest_projects", distinct=True),
        foad_count=Count("foad_actions", distinct=True),
        interactions_count=Count("interactions", distinct=True),
    )
    page = keyset_page(request.GET, rows, sort_fields=CAMPAIGN_SORTS, default_sort="-date")
    form = _style(CampaignForm(request.POST or None)) if roles.STAFF(request.user) else None
    if request.method == "POST" and form is not None and form.is_valid():
        campaign = form.save(commit=False)
        campaign.created_by = request.user
        campaign.full_clean()
        campaign.save()
        audit.record(actor=request.user, action="campaign_create", target=campaign, summary=str(campaign))
        messages.success(request, "Campagne enregistrée.")
        return redirect("sme_services:campaigns")
    return render(
        request,
        "sme_services/campaigns.html",
        {"campaigns": page, "form": form, "no_export": True, **list_context(page, target="", anchor="#campaigns")},
    )


FoadForm = modelform_factory(
    FoadAction, fields=["title", "status", "campaign", "assistance", "activities_information", "average_hours", "assessments"]
)


@allow(roles.STAFF, roles.ADVISOR)
def foad_edit(request, pk: int | None = None, company_pk: int | None = None):
    if pk:
        action = get_object_or_404(selectors.foad_visible_to(request.user), pk=pk)
    else:
        company = get_object_or_404(selectors.companies_visible_to(request.user), pk=company_pk)
        action = FoadAction(company=company, advisor=request.user, created_on=timezone.localdate())
    form = _style(FoadForm(request.POST or None, instance=action))
    if request.method == "POST" and form.is_valid():
        try:
            afest_services.project_save(actor=request.user, project=form.instance)
            messages.success(request, "Action de formation à distance enregistrée.")
            return redirect("sme_services:foad", form.instance.pk)
        except ValidationError as refusal:
            add_service_errors(form, refusal)
    return render(
        request,
        "sme_services/foad.html",
        {
            "form": form,
            "action": action,
            "missing": afest_services.missing_elements(action),
            "doc_kind": "foad",
            "doc_owner": action,
            "doc_groups": documents_by_element(action) if action.pk else None,
        },
    )


class QuestionnaireForm(StyledForm):
    kind = forms.ChoiceField(label="Type de diagnostic", choices=DiagnosticKind.choices)
    questions = forms.CharField(
        label="Questions (une par ligne : code | libellé | type)",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=f"Types : {', '.join(QUESTION_TYPES)}.",
    )


def parse_questions(text: str) -> list[dict]:
    questions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 3:
            raise ValidationError({"questions": f"Ligne {number} : « code | libellé | type » attendu."})
        questions.append({"code": parts[0], "label": parts[1], "type": parts[2]})
    return questions


@allow(*MANAGERS)
def questionnaires(request):
    """Managers publish a new version of a questionnaire; earlier versions stay with their diagnostics."""
    kind = request.GET.get("type", DiagnosticKind.PRE)
    current = Questionnaire.objects.filter(kind=kind).order_by("-version").first()
    initial = {
        "kind": kind,
        "questions": "\n".join(f"{q['code']} | {q['label']} | {q['type']}" for q in current.questions) if current else "",
    }
    form = QuestionnaireForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            q = questionnaire_publish(
                actor=request.user, kind=form.cleaned_data["kind"], questions=parse_questions(form.cleaned_data["questions"])
            )
            messages.success(request, f"{q} publiée.")
            return redirect(f"{request.path}?type={q.kind}")
        except ValidationError as refusal:
            add_service_errors(form, refusal)
    return render(
        request,
        "sme_services/questionnaires.html",
        {
            "form": form,
            "versions": Questionnaire.objects.filter(kind=kind).order_by("-version"),
            "kind": kind,
            "kinds": DiagnosticKind.choices,
        },
    )
