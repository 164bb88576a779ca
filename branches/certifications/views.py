"""Screens of certification support. Thin: a selector scopes (404 outside), a service decides, a
refusal comes back on the form (add_service_errors). Writes are POST only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.models import User
from branches.certifications import access, cpf_export, forms, lifecycle, rncp, selectors, services
from branches.certifications.enums import ProjectStatus
from branches.certifications.filing import checklist, filing_report
from branches.certifications.filtersets import ProjectFilter
from branches.certifications.models import Bloc, Candidate, Review
from branches.certifications.workflow import PROJECT_WORKFLOW
from branches.selectors import branches_visible_to
from opco import audit
from opco.access import allow
from opco.forms import add_service_errors
from opco.lists import FilteredListView, stream_csv
from opco.workflow import transitions_of
from referentials import rncp_export
from referentials.models import Certification

READERS = (roles.STAFF, roles.BRANCH_REP)


def _project(request, pk: int):
    return get_object_or_404(selectors.projects_visible_to(request.user), pk=pk)


def _back(project):
    return redirect("branches:certifications:project", pk=project.pk)


def _refused(request, refusal: ValidationError) -> None:
    for text in refusal.messages:
        messages.error(request, text)


class ProjectListView(FilteredListView):
    """Projects the user may see (selectors), filtered, with a CSV export of the same rows (no personal data)."""

    allowed_roles = READERS
    filterset_class = ProjectFilter
    template_name = "branches/certifications/project_list.html"
    partial_template_name = "branches/certifications/_project_table.html"
    page_title = "Projets de certification"
    export_name = "projets-certification"
    export_columns = [
        ("N°", "file_number"),
        ("Branche", "branch.name"),
        ("Intitulé", "title"),
        ("Nature", lambda p: p.get_kind_display()),
        ("Répertoire", lambda p: p.get_repertoire_display()),
        ("Statut", lambda p: p.get_status_display()),
        ("Fiche", "rncp_code"),
        ("Déposé le", lambda p: p.filed_on.strftime("%d/%m/%Y") if p.filed_on else ""),
        ("Échéance", lambda p: p.registration_ends_on.strftime("%d/%m/%Y") if p.registration_ends_on else ""),
    ]

    def base_queryset(self):
        return selectors.projects_visible_to(self.request.user).order_by("branch__name", "-received_on", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        branches = branches_visible_to(self.request.user)
        if roles.BRANCH_REP(self.request.user):
            branches = branches.filter(cpne_seats__user=self.request.user)
        context["branches"] = branches.distinct()
        context["can_create"] = any(access.can_write(self.request.user, b) for b in context["branches"])
        return context


@allow(*READERS)
def project_create(request):
    branches = [b.pk for b in branches_visible_to(request.user) if access.can_write(request.user, b)]
    form = forms.ProjectCreateForm(request.POST or None, branches=branches_visible_to(request.user).filter(pk__in=branches))
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Projet {project.file_number} ouvert.")
            return _back(project)
    return render(
        request, "branches/certifications/project_form.html", {"form": form, "title": "Nouveau projet de certification"}
    )


@allow(*READERS)
@require_GET
def project_detail(request, pk: int):
    project = _project(request, pk)
    user, today = request.user, timezone.localdate()
    writer = access.can_write(user, project.branch)
    filing_day = project.filed_on or today
    reviewers = User.objects.filter(is_active=True).filter(
        pk__in=[s.user_id for s in project.branch.cpne_seats.all()]
        + list(User.objects.filter(kind="staff").values_list("pk", flat=True)[:50])
    )
    context = {
        "project": project,
        "writer": writer,
        "staff": roles.STAFF(user),
        "cpne_role": access.cpne_role(user, project.branch),
        "blocs": project.blocs.all(),
        "checklist": checklist(project, filed_on=filing_day),
        "report": filing_report(project, filed_on=filing_day),
        "reviews": selectors.reviews_of(project, user),
        "actions": [a for a in PROJECT_WORKFLOW.available(project, user) if a.code not in ("register", "refuse")]
        if writer
        else [],
        "transitions": transitions_of(project),
        "habilitations": project.habilitations.all(),
        "sessions": project.sessions.prefetch_related("candidates").all(),
        "holders": selectors.holders_of(project),
        "surveys": project.surveys.all(),
        "lineage": rncp_export.lineage_of(project.rncp_code) if project.rncp_code else None,
        "bloc_form": forms.BlocForm(),
        "register_form": forms.RegisterForm(),
        "refuse_form": forms.RefuseForm(),
        "review_form": forms.ReviewRequestForm(reviewers=reviewers),
        "answer_form": forms.ReviewAnswerForm(staff=roles.STAFF(user)),
        "habilitation_form": forms.HabilitationForm(),
        "session_form": forms.SessionForm(habilitations=project.habilitations.all()),
        "candidate_form": forms.CandidateForm(),
        "survey_form": forms.SurveyForm(),
        "result_form": forms.ResultForm(blocs=project.blocs.all()),
    }
    return render(request, "branches/certifications/project_detail.html", context)


@allow(*READERS)
def project_edit(request, pk: int):
    project = _project(request, pk)
    if not access.can_write(request.user, project.branch):
        raise PermissionDenied("Votre rôle dans la CPNE ne permet pas de modifier ce projet.")
    if project.status not in services.EDITABLE:
        messages.error(request, f"Le projet est « {project.get_status_display()} » : il n'est plus modifiable.")
        return _back(project)
    initial = {name: getattr(project, name) for name in services.PROJECT_FIELDS}
    form = forms.ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Projet enregistré.")
            return _back(project)
    return render(
        request, "branches/certifications/project_form.html", {"form": form, "project": project, "title": f"Modifier {project}"}
    )


def _post_service(request, project, call, success: str):
    try:
        call()
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, success)
    return _back(project)


@allow(*READERS)
@require_POST
def project_action(request, pk: int, code: str):
    project = _project(request, pk)
    return _post_service(
        request,
        project,
        lambda: services.project_transition(actor=request.user, project=project, code=code),
        "Projet mis à jour.",
    )


@allow(roles.STAFF)
@require_POST
def project_register(request, pk: int):
    project = _project(request, pk)
    form = forms.RegisterForm(request.POST)
    if not form.is_valid():
        _refused(request, ValidationError([f"{form.fields[k].label} : {' '.join(v)}" for k, v in form.errors.items()]))
        return _back(project)
    return _post_service(
        request,
        project,
        lambda: services.project_register(actor=request.user, project=project, **form.cleaned_data),
        "Enregistrement au répertoire saisi.",
    )


@allow(roles.STAFF)
@require_POST
def project_refuse(request, pk: int):
    project = _project(request, pk)
    form = forms.RefuseForm(request.POST)
    if not form.is_valid():
        _refused(request, ValidationError("Date et motif du refus requis."))
        return _back(project)
    return _post_service(
        request,
        project,
        lambda: services.project_refuse(actor=request.user, project=project, **form.cleaned_data),
        "Refus saisi.",
    )


@allow(*READERS)
@require_POST
def project_publish(request, pk: int):
    project = _project(request, pk)
    published = request.POST.get("published") == "1"
    return _post_service(
        request,
        project,
        lambda: services.project_publish(actor=request.user, project=project, published=published),
        "Page publique mise à jour.",
    )


@allow(*READERS)
@require_POST
def project_renew(request, pk: int):
    project = _project(request, pk)
    try:
        renewal = services.project_renew(actor=request.user, project=project)
    except ValidationError as exc:
        _refused(request, exc)
        return _back(project)
    messages.success(request, f"Renouvellement ouvert : {renewal.file_number}.")
    return _back(renewal)


def _form_post(request, project, form, call, success):
    if not form.is_valid():
        _refused(
            request,
            ValidationError(
                [f"{form.fields[k].label if k in form.fields else ''} : {' '.join(v)}" for k, v in form.errors.items()]
            ),
        )
        return _back(project)
    return _post_service(request, project, lambda: call(**form.cleaned_data), success)


@allow(*READERS)
@require_POST
def bloc_add(request, pk: int):
    project = _project(request, pk)
    return _form_post(
        request,
        project,
        forms.BlocForm(request.POST),
        lambda **data: services.bloc_add(actor=request.user, project=project, **data),
        "Bloc ajouté.",
    )


@allow(*READERS)
@require_POST
def bloc_remove(request, pk: int):
    bloc = get_object_or_404(Bloc.objects.filter(project__in=selectors.projects_visible_to(request.user)), pk=pk)
    return _post_service(request, bloc.project, lambda: services.bloc_remove(actor=request.user, bloc=bloc), "Bloc retiré.")


@allow(*READERS)
@require_POST
def criterion_answer(request, pk: int):
    project = _project(request, pk)
    return _form_post(
        request,
        project,
        forms.CriterionForm(request.POST),
        lambda **data: services.criterion_answer(actor=request.user, project=project, **data),
        "Critère enregistré.",
    )


@allow(*READERS)
@require_POST
def review_request(request, pk: int):
    project = _project(request, pk)
    form = forms.ReviewRequestForm(request.POST, reviewers=User.objects.filter(is_active=True))
    return _form_post(
        request,
        project,
        form,
        lambda **data: services.review_request(actor=request.user, project=project, **data),
        "Avis demandé.",
    )


@allow(*READERS)
@require_POST
def review_answer(request, pk: int):
    review = get_object_or_404(Review.objects.filter(project__in=selectors.projects_visible_to(request.user)), pk=pk)
    form = forms.ReviewAnswerForm(request.POST, staff=roles.STAFF(request.user))
    return _form_post(
        request,
        review.project,
        form,
        lambda **data: services.review_answer(actor=request.user, review=review, **data),
        "Avis rendu.",
    )


@allow(*READERS)
@require_POST
def habilitation_add(request, pk: int):
    project = _project(request, pk)
    return _form_post(
        request,
        project,
        forms.HabilitationForm(request.POST),
        lambda **data: services.habilitation_add(actor=request.user, project=project, **data),
        "Organisme habilité.",
    )


@allow(*READERS)
@require_POST
def session_add(request, pk: int):
    project = _project(request, pk)
    form = forms.SessionForm(request.POST, habilitations=project.habilitations.all())
    return _form_post(
        request, project, form, lambda **data: services.session_add(actor=request.user, project=project, **data), "Session créée."
    )


@allow(*READERS)
@require_POST
def candidate_add(request, pk: int):
    project = _project(request, pk)
    session = get_object_or_404(project.sessions.all(), pk=request.POST.get("session"))
    return _form_post(
        request,
        project,
        forms.CandidateForm(request.POST),
        lambda **data: services.candidate_add(actor=request.user, session=session, **data),
        "Candidat inscrit.",
    )


@allow(*READERS)
@require_POST
def candidate_result(request, pk: int):
    candidate = get_object_or_404(
        Candidate.objects.filter(session__project__in=selectors.projects_visible_to(request.user)).defer("nir"), pk=pk
    )
    project = candidate.session.project
    form = forms.ResultForm(request.POST, blocs=project.blocs.all())
    return _form_post(
        request,
        project,
        form,
        lambda **data: services.candidate_result(actor=request.user, candidate=candidate, **data),
        "Résultat enregistré.",
    )


@allow(*READERS)
@require_POST
def survey_record(request, pk: int):
    project = _project(request, pk)
    return _form_post(
        request,
        project,
        forms.SurveyForm(request.POST),
        lambda **data: services.survey_record(actor=request.user, project=project, **data),
        "Données d'insertion enregistrées.",
    )


@allow(*READERS)
@require_GET
def holders_cpf_export(request, pk: int):
    """The CPF file (L6113-8): staff and the CPNE's writers only; the download is audited, without the NIRs."""
    project = _project(request, pk)
    if not access.can_write(request.user, project.branch):
        raise PermissionDenied("Votre rôle dans la CPNE ne permet pas d'exporter les titulaires.")
    if project.status != ProjectStatus.REGISTERED:
        raise Http404("Certification non enregistrée.")
    audit.record(
        actor=request.user, action="certification_cpf_export", target=project, summary="Export des titulaires pour le SI du CPF"
    )
    header = [name for name, _ in cpf_export.COLUMNS]
    return stream_csv(
        f"titulaires-cpf-{project.rncp_code}-{timezone.localdate().isoformat()}.csv", header, cpf_export.holder_rows(project)
    )


@allow(*READERS)
@require_GET
def branch_renewals(request, pk: int):
    """The certifications a branch uses, their registration end and the alerts (12, 6, 3 months)."""
    branch = get_object_or_404(branches_visible_to(request.user), pk=pk)
    if not access.can_read(request.user, branch):
        raise Http404("Aucune branche ne correspond.")
    today = timezone.localdate()
    used = lifecycle.certifications_used_by(branch)
    for item in used:
        item.left = item.months_left(today)
    return render(
        request,
        "branches/certifications/branch_renewals.html",
        {
            "branch": branch,
            "used": used,
            "without_npec": selectors.new_rncp_without_npec(branch),
            "today": today,
        },
    )


@allow(*READERS)
@require_GET
def certification_page(request, code: str):
    """A certification's page: the referential's rows, its registration end and the RNCP's old → new lineage."""
    code = code.strip().upper()
    rows = list(Certification.objects.filter(rncp=code))
    lineage = rncp_export.lineage_of(code)
    projects = selectors.projects_visible_to(request.user).filter(rncp_code=code)
    if not rows and not lineage.predecessors and not lineage.successors and not projects.exists():
        raise Http404("Certification inconnue.")
    return render(
        request,
        "branches/certifications/certification.html",
        {
            "code": code,
            "rows": rows,
            "lineage": lineage,
            "projects": projects,
            "ends_on": rncp.registration_end(code, rows) if rows else rncp.registration_end(code),
        },
    )


@login_not_required
@require_GET
def public_certifications(request):
    """No login: the registered certifications the branches chose to publish, nothing else."""
    return render(
        request,
        "branches/certifications/public.html",
        {"projects": selectors.published_certifications().prefetch_related("blocs")},
    )


@allow(roles.STAFF)
def cpne_seats(request, pk: int):
    """Staff name the representatives' roles in the branch's CPNE: they decide who reads and who writes."""
    branch = get_object_or_404(branches_visible_to(request.user), pk=pk)
    members = User.objects.filter(branch_memberships__branch=branch, kind="branch_rep").order_by("last_name", "first_name")
    form = forms.SeatForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            services.seat_set(actor=request.user, branch=branch, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Rôle dans la CPNE enregistré.")
            return redirect("branches:certifications:cpne_seats", pk=branch.pk)
    seats = branch.cpne_seats.select_related("user").order_by("role", "user__last_name")
    return render(request, "branches/certifications/cpne_seats.html", {"branch": branch, "seats": seats, "form": form})
