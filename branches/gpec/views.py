"""The GPEC observatory: the branch's portrait from the open data next to its own contracts by job and
certification, and the library of studies with their documents (served only through the study's
scoping, as attachments)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts import roles
from branches.gpec import portrait
from branches.gpec.models import GpecDocument, GpecStudy
from branches.gpec.services import FIELDS, may_manage, study_document_add, study_save
from branches.portal import facts
from branches.portal.exports import table_response
from branches.portal.selectors import figures_branch_or_404, figures_branches, masks_for
from branches.portal.services import visit_log
from opco.access import allow
from opco.forms import DateWidget, StyledForm, add_service_errors

GPEC_ROLES = (roles.STAFF, roles.BRANCH_REP)


def studies_visible_to(user):
    """Staff: every study; a representative: their branch's, and those another branch made public."""
    studies = GpecStudy.objects.select_related("branch")
    if roles.STAFF(user):
        return studies
    if roles.BRANCH_REP(user):
        return studies.filter(Q(branch__memberships__user=user) | Q(visibility=GpecStudy.Visibility.PUBLIC)).distinct()
    return studies.none()


@allow(*GPEC_ROLES)
def observatory(request, pk: int):
    branch = figures_branch_or_404(request.user, pk)
    visit_log(user=request.user, page="observatoire", branch=branch)
    rows = facts.figures_by("certification", branch=branch, kinds=["apprentissage", "professionnalisation"])
    if masks_for(request.user):
        facts.mask(rows)
    certifications = [{"row": row, "jobs": portrait.jobs_of(row.key[0]) if row.key[0] else []} for row in rows[:40]]
    if request.GET.get("format") in ("csv", "xlsx"):
        body = [
            [
                c["row"].label,
                "< 5" if c["row"].masked else c["row"].contracts,
                job.rome,
                job.title,
                job.ecological,
                job.fap,
                job.tension,
                job.hiring_projects,
            ]
            for c in certifications
            for job in (c["jobs"] or [portrait.Job("", "")])
        ]
        header = [
            "Certification",
            "Contrats",
            "Code ROME",
            "Métier",
            "Transition écologique (ROME 4.0)",
            "FAP",
            "Tension 2019 (DARES)",
            "Projets de recrutement BMO 2024",
        ]
        return table_response(request.GET["format"], f"observatoire-{branch.code}", header, body)
    idcc_codes = list(branch.idccs.values_list("code", flat=True))
    context = {
        "branch": branch,
        "key_figures": portrait.key_figures(idcc_codes),
        "certifications": certifications,
        "studies": studies_visible_to(request.user).filter(branch=branch)[:10],
        "feedback_page": "observatoire",
    }
    return render(request, "branches/gpec/observatory.html", context)


@allow(*GPEC_ROLES)
def study_list(request):
    visit_log(user=request.user, page="etudes")
    studies = studies_visible_to(request.user).order_by("branch__name", "-created_at")
    branch = request.GET.get("branche")
    if branch and branch.isdigit():
        studies = studies.filter(branch_id=int(branch))
    if request.GET.get("format") in ("csv", "xlsx"):
        header = [
            "Branche",
            "Intitulé",
            "Type",
            "Statut",
            "Prestataire",
            "Budget",
            "OPCO",
            "Branche (financement)",
            "Autres",
            "Publiée le",
            "Visibilité",
        ]
        body = [
            [
                s.branch.name,
                s.title,
                s.get_study_type_display(),
                s.get_status_display(),
                s.provider,
                s.budget,
                s.opco_funding,
                s.branch_funding,
                s.other_funding,
                s.published_on,
                s.get_visibility_display(),
            ]
            for s in studies
        ]
        return table_response(request.GET["format"], "etudes-gpec", header, body)
    context = {"studies": studies, "branches": figures_branches(request.user), "feedback_page": "etudes"}
    return render(request, "branches/gpec/study_list.html", context)


class StudyForm(StyledForm, forms.ModelForm):
    class Meta:
        model = GpecStudy
        fields = list(FIELDS)  # the fields study_save writes: one list
        widgets = {"published_on": DateWidget, "deliverables": forms.Textarea(attrs={"rows": 3})}


@allow(*GPEC_ROLES)
@require_http_methods(["GET", "POST"])
def study_edit(request, branch_pk: int, pk: int | None = None):
    branch = figures_branch_or_404(request.user, branch_pk)
    study = get_object_or_404(GpecStudy, pk=pk, branch=branch) if pk else None
    if not may_manage(request.user, branch):
        return redirect("branches:studies")
    initial = {f: getattr(study, f) for f in StudyForm.Meta.fields} if study else None
    form = StudyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            study = study_save(actor=request.user, branch=branch, data=form.cleaned_data, study=study)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Étude enregistrée.")
            return redirect("branches:study", pk=study.pk)
    return render(request, "branches/gpec/study_form.html", {"form": form, "branch": branch, "study": study})


class DocumentForm(StyledForm):
    title = forms.CharField(label="Intitulé du livrable", max_length=255, required=False)
    file = forms.FileField(label="Fichier (PDF, JPEG ou PNG, 10 Mo au plus)")


@allow(*GPEC_ROLES)
@require_http_methods(["GET", "POST"])
def study_detail(request, pk: int):
    study = get_object_or_404(studies_visible_to(request.user), pk=pk)
    manage = may_manage(request.user, study.branch)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not manage:
            return redirect("branches:study", pk=study.pk)
        if form.is_valid():
            try:
                study_document_add(
                    actor=request.user, study=study, title=form.cleaned_data["title"], upload=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Livrable déposé.")
                return redirect("branches:study", pk=study.pk)
    context = {"study": study, "documents": study.documents.all(), "form": form, "manage": manage}
    return render(request, "branches/gpec/study_detail.html", context)


@allow(*GPEC_ROLES)
def study_document(request, pk: int, document_pk: int):
    study = get_object_or_404(studies_visible_to(request.user), pk=pk)
    document = get_object_or_404(GpecDocument, pk=document_pk, study=study)
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
