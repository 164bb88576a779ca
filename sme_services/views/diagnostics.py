"""Diagnostics (open from the company page, answer, fund, plan, complete) and AFEST projects."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import roles
from opco.access import allow
from opco.forms import add_service_errors
from sme_services import rome, selectors
from sme_services.enums import DiagnosticKind, DiagnosticStatus
from sme_services.forms import DiagnosticFundingForm, DiagnosticOpenForm, PlanItemForm
from sme_services.models import AfestProject
from sme_services.services import afest as afest_services
from sme_services.services import diagnostics as services
from sme_services.services import documents as document_services

READERS = (roles.STAFF, roles.ADVISOR)


@allow(*READERS)
@require_POST
def diagnostic_open(request, pk: int):
    company = get_object_or_404(selectors.companies_visible_to(request.user), pk=pk)
    form = DiagnosticOpenForm(request.POST)
    if form.is_valid():
        try:
            d = services.diagnostic_open(
                actor=request.user, company=company, kind=form.cleaned_data["kind"], opened_on=timezone.localdate()
            )
            return redirect("sme_services:diagnostic", d.pk)
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
    return redirect("sme_services:company", company.pk)


@allow(*READERS)
def diagnostic_detail(request, pk: int):
    d = get_object_or_404(selectors.diagnostics_visible_to(request.user), pk=pk)
    initial = {
        f: getattr(d, f)
        for f in (
            "provider_kind",
            "consultant_name",
            "consultant_siret",
            "day_rate",
            "days",
            "opco_amount",
            "state_amount",
            "deliverable",
        )
    }
    initial["rome_codes"] = ", ".join(d.rome_codes)
    form = DiagnosticFundingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        codes = [c.strip().upper() for c in data.pop("rome_codes").split(",") if c.strip()]
        answers = {q["code"]: request.POST.get(f"q_{q['code']}", "").strip()[:2000] for q in d.questionnaire.questions}
        try:
            services.diagnostic_update(
                actor=request.user,
                diagnostic_id=d.pk,
                answers=answers,
                rome_codes=codes,
                **{k: (v if v is not None else (0 if k.endswith("amount") else v)) for k, v in data.items()},
            )
            messages.success(request, "Diagnostic enregistré.")
            return redirect("sme_services:diagnostic", d.pk)
        except ValidationError as refusal:
            add_service_errors(form, refusal)
    questions = [{**q, "answer": d.answers.get(q["code"], "")} for q in d.questionnaire.questions]
    return render(
        request,
        "sme_services/diagnostic.html",
        {
            "d": d,
            "form": form,
            "questions": questions,
            "plan_form": PlanItemForm(),
            "items": [
                (item, services.plan_item_links(item, request.user))
                for item in d.plan_items.select_related("funding_request", "afest_project")
            ],
            "afest_projects": selectors.afest_visible_to(request.user).filter(company=d.company).order_by("-id"),
            "eco": rome.ecological_profile(d.rome_codes) if d.kind == DiagnosticKind.ECOLOGY else None,
            "open": d.status == DiagnosticStatus.OPEN,
            "doc_kind": "diagnostic",
            "doc_owner": d,
            "doc_groups": document_services.documents_by_element(d),
        },
    )


@allow(*READERS)
@require_POST
def plan_item_new(request, pk: int):
    d = get_object_or_404(selectors.diagnostics_visible_to(request.user), pk=pk)
    form = PlanItemForm(request.POST)
    if form.is_valid():
        services.plan_item_add(actor=request.user, diagnostic_id=d.pk, **form.cleaned_data)
    else:
        messages.error(request, "Action non enregistrée : vérifiez les champs.")
    return redirect("sme_services:diagnostic", d.pk)


@allow(*READERS)
@require_POST
def plan_item_status(request, pk: int, item_pk: int):
    """An action's progress: done (with its date and the request it led to), in progress, dropped."""
    d = get_object_or_404(selectors.diagnostics_visible_to(request.user), pk=pk)
    item = get_object_or_404(d.plan_items, pk=item_pk)
    status = request.POST.get("status", "")
    try:
        services.plan_item_set_status(
            actor=request.user,
            item_id=item.pk,
            status=status,
            request_reference=request.POST.get("request_reference", "")[:32],
            done_on=timezone.localdate() if status == "fait" else None,
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    return redirect("sme_services:diagnostic", d.pk)


@allow(*READERS)
@require_POST
def plan_item_link(request, pk: int, item_pk: int):
    """Link an action to the request it led to: a funding request's or a contract's file number, or an
    AFEST project of the company (checked by the service, refused in French)."""
    d = get_object_or_404(selectors.diagnostics_visible_to(request.user), pk=pk)
    item = get_object_or_404(d.plan_items, pk=item_pk)
    project = request.POST.get("afest_project", "")
    try:
        services.plan_item_link(
            actor=request.user,
            item_id=item.pk,
            reference=request.POST.get("reference", "")[:32],
            afest_project_id=int(project) if project.isdigit() else None,
        )
        messages.success(request, "Action liée à sa demande.")
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    return redirect(f"{reverse('sme_services:diagnostic', args=[d.pk])}#plan")


@allow(*READERS)
@require_POST
def diagnostic_complete(request, pk: int):
    d = get_object_or_404(selectors.diagnostics_visible_to(request.user), pk=pk)
    try:
        services.diagnostic_complete(actor=request.user, diagnostic_id=d.pk, completed_on=timezone.localdate())
        messages.success(request, "Diagnostic terminé ; les suivis à 3 et 6 mois sont planifiés.")
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    return redirect("sme_services:diagnostic", d.pk)


AfestForm = modelform_factory(
    AfestProject,
    fields=[
        "title",
        "status",
        "campaign",
        "learners",
        "activity_analysis",
        "trainer_name",
        "trainer_named_on",
        "reflective_phases",
        "assessments",
        "starts_on",
        "ends_on",
    ],
)


def _afest_form(data, instance):
    from opco.forms import DateWidget

    form = AfestForm(data, instance=instance)
    for name, field in form.fields.items():
        if name.endswith("_on"):
            field.widget = DateWidget()
        field.widget.attrs.setdefault(
            "class", "form-select form-select-sm" if getattr(field, "choices", None) else "form-control form-control-sm"
        )
    return form


@allow(*READERS)
def afest_edit(request, pk: int | None = None, company_pk: int | None = None):
    if pk:
        project = get_object_or_404(selectors.afest_visible_to(request.user), pk=pk)
    else:
        company = get_object_or_404(selectors.companies_visible_to(request.user), pk=company_pk)
        project = AfestProject(company=company, advisor=request.user, created_on=timezone.localdate())
    form = _afest_form(request.POST or None, project)
    if request.method == "POST" and form.is_valid():
        try:
            afest_services.project_save(actor=request.user, project=form.instance)
            messages.success(request, "Projet AFEST enregistré.")
            return redirect("sme_services:afest", form.instance.pk)
        except ValidationError as refusal:
            add_service_errors(form, refusal)
    return render(
        request,
        "sme_services/afest.html",
        {
            "form": form,
            "project": project,
            "missing": afest_services.missing_elements(project),
            "doc_kind": "afest",
            "doc_owner": project,
            "doc_groups": document_services.documents_by_element(project) if project.pk else None,
        },
    )


# --- Documents (deliverables, AFEST / FOAD evidence), reached only through their file's scoping ----------
DOCUMENT_OWNERS = {
    "diagnostic": (selectors.diagnostics_visible_to, "sme_services:diagnostic"),
    "afest": (selectors.afest_visible_to, "sme_services:afest"),
    "foad": (selectors.foad_visible_to, "sme_services:foad"),
}


def _document_owner(request, kind: str, pk: int):
    if kind not in DOCUMENT_OWNERS:
        raise Http404("Type de dossier inconnu.")
    visible, page = DOCUMENT_OWNERS[kind]
    return get_object_or_404(visible(request.user), pk=pk), page


@allow(*READERS)
@require_POST
def document_upload(request, kind: str, pk: int):
    owner, page = _document_owner(request, kind, pk)
    try:
        document = document_services.document_add(
            actor=request.user,
            owner=owner,
            element=request.POST.get("element", ""),
            upload=request.FILES.get("file"),
            title=request.POST.get("title", ""),
        )
        messages.success(request, f"Document « {document.title} » déposé.")
    except ValidationError as refusal:
        messages.error(request, "Document refusé, rien n'est enregistré : " + " ".join(refusal.messages))
    return redirect(f"{reverse(page, args=[owner.pk])}#documents")


@allow(*READERS)
def document_download(request, kind: str, pk: int, document_pk: int):
    owner, _ = _document_owner(request, kind, pk)
    document = get_object_or_404(owner.documents, pk=document_pk)
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
