"""Screens of the NPEC round: campaigns (staff), the branch's proposal (its representatives), the
review and transmission (staff), and the referential workbook's import from a screen."""

import os
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import roles
from branches.npec_import import npec_publication_import
from branches.npec_round import services
from branches.npec_round.models import NpecCampaign, NpecProposal
from branches.npec_round.workflow import PROPOSAL_WORKFLOW
from branches.portal.exports import XLSX
from branches.portal.services import visit_log
from opco.access import allow
from opco.forms import DateWidget, StyledForm, add_service_errors
from opco.models import AuditEntry
from opco.workflow import transitions_of

ROUND_ROLES = (roles.STAFF, roles.BRANCH_REP)


def proposals_visible_to(user):
    proposals = NpecProposal.objects.select_related("campaign", "branch", "cpne")
    if roles.STAFF(user):
        return proposals
    if roles.BRANCH_REP(user):
        return proposals.filter(branch__memberships__user=user)
    return proposals.none()


def campaigns_visible_to(user):
    if roles.STAFF(user):
        return NpecCampaign.objects.all()
    if roles.BRANCH_REP(user):
        return NpecCampaign.objects.filter(proposals__branch__memberships__user=user).distinct()
    return NpecCampaign.objects.none()


@allow(*ROUND_ROLES)
def round_list(request):
    visit_log(user=request.user, page="campagnes_npec")
    today = timezone.localdate()
    campaigns = campaigns_visible_to(request.user).order_by("-published_on")
    proposals = proposals_visible_to(request.user).order_by("campaign__deadline", "branch__name")
    context = {"campaigns": campaigns, "proposals": proposals, "today": today, "feedback_page": "campagnes_npec"}
    return render(request, "branches/npec_round/round_list.html", context)


class CampaignForm(StyledForm):
    title = forms.CharField(label="Intitulé", max_length=255)
    kind = forms.ChoiceField(label="Nature", choices=NpecCampaign.Kind.choices)
    published_on = forms.DateField(label="Publiée au bulletin officiel le", widget=DateWidget)
    file = forms.FileField(label="Fichier des recommandations (.csv « ; » ou .xlsx)", required=False)
    lines = forms.CharField(
        label="Ou saisies à la main : une ligne par certification « RNCP12345;Intitulé;Code CPNE;Montant »",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def _typed_lines(text: str) -> tuple[list, list[str]]:
    rows, report = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split(";")]
        if len(parts) != 4:
            report.append(f"Ligne saisie {number} : quatre champs séparés par « ; » attendus.")
            continue
        try:
            amount = Decimal(parts[3].replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            report.append(f"Ligne saisie {number} : montant « {parts[3]} » illisible.")
            continue
        if not parts[0].upper().startswith("RNCP") or amount <= 0:
            report.append(f"Ligne saisie {number} : code RNCP ou montant invalide.")
            continue
        rows.append(services.Recommendation(parts[0].upper(), parts[1], parts[2], amount))
    return rows, report


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    form = CampaignForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recs, report = services.recommendations_read(data["file"]) if data["file"] else ([], [])
            typed, typed_report = _typed_lines(data["lines"])
            campaign, record_report = services.campaign_record(
                actor=request.user,
                title=data["title"],
                kind=data["kind"],
                published_on=data["published_on"],
                recommendations=recs + typed,
                source_file=data["file"].name if data["file"] else "",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            for line in report + typed_report + record_report:
                messages.warning(request, line)
            messages.success(request, f"Campagne enregistrée : date limite des branches le {campaign.deadline:%d/%m/%Y}.")
            return redirect("branches:campaign", pk=campaign.pk)
    return render(request, "branches/npec_round/campaign_new.html", {"form": form})


@allow(*ROUND_ROLES)
def campaign_detail(request, pk: int):
    campaign = get_object_or_404(campaigns_visible_to(request.user), pk=pk)
    proposals = proposals_visible_to(request.user).filter(campaign=campaign)
    recommendations = campaign.recommendations.select_related("cpne")
    if not roles.STAFF(request.user):  # a representative reads the recommendations for their CPNE only
        recommendations = recommendations.filter(Q(cpne__in=proposals.values("cpne")) | Q(cpne__isnull=True))
    context = {"campaign": campaign, "proposals": proposals, "recommendations": recommendations}
    return render(request, "branches/npec_round/campaign_detail.html", context)


def _line_values(proposal, post) -> tuple[dict, list[str]]:
    values, errors = {}, []
    for line in proposal.lines.all():
        raw = post.get(f"amount-{line.pk}", "").strip().replace(",", ".").replace(" ", "")
        try:
            amount = Decimal(raw) if raw else None
        except InvalidOperation:
            errors.append(f"{line.rncp} : montant « {raw} » illisible.")
            continue
        values[line.pk] = (amount, post.get(f"justification-{line.pk}", "")[:4000])
    return values, errors


@allow(*ROUND_ROLES)
@require_http_methods(["GET", "POST"])
def proposal_detail(request, pk: int):
    proposal = get_object_or_404(proposals_visible_to(request.user), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action in ("save", "submit"):
                if not services.may_edit(request.user, proposal):
                    raise ValidationError("Cette proposition ne se modifie plus.")
                values, errors = _line_values(proposal, request.POST)
                if errors:
                    raise ValidationError(errors)
                services.proposal_lines_save(actor=request.user, proposal_id=proposal.pk, values=values)
                if action == "submit":
                    services.proposal_submit(actor=request.user, proposal_id=proposal.pk)
                    messages.success(request, "Proposition soumise à l'OPCO.")
                else:
                    messages.success(request, "Niveaux enregistrés.")
            elif action == "return":
                services.proposal_return(actor=request.user, proposal_id=proposal.pk, comment=request.POST.get("comment", ""))
                messages.success(request, "Proposition renvoyée à la branche.")
            elif action == "accept":
                services.proposal_accept(actor=request.user, proposal_id=proposal.pk)
                messages.success(request, "Proposition acceptée.")
            elif action == "transmit":
                services.proposal_transmit(actor=request.user, proposal_id=proposal.pk)
                messages.success(request, "Transmission à France compétences enregistrée : téléchargez le fichier transmis.")
            else:
                raise Http404("Action inconnue.")
        except ValidationError as exc:
            messages.error(request, "Action refusée : " + " ".join(exc.messages))
        return redirect("branches:proposal", pk=proposal.pk)
    visit_log(user=request.user, page="proposition_npec", branch=proposal.branch)
    on = proposal.submitted_on or timezone.localdate()
    lines = [{"line": line, "too_soon": services.changed_too_soon(line, on)} for line in proposal.lines.all()]
    context = {
        "proposal": proposal,
        "lines": lines,
        "editable": services.may_edit(request.user, proposal),
        "actions": [a.code for a in PROPOSAL_WORKFLOW.available(proposal, request.user)],
        "transitions": transitions_of(proposal),
        "feedback_page": "proposition_npec",
    }
    return render(request, "branches/npec_round/proposal_detail.html", context)


@allow(roles.STAFF)
def proposal_export(request, pk: int):
    proposal = get_object_or_404(proposals_visible_to(request.user), pk=pk)
    response = HttpResponse(services.proposal_export(proposal), content_type=XLSX)
    name = proposal.transmission_file or f"npec-{proposal.cpne.code}-{proposal.branch.code}-projet.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class WorkbookForm(StyledForm):
    file = forms.FileField(label="Classeur du référentiel des NPEC (.xlsx)")
    applicable_from = forms.DateField(label="Date d'applicabilité par défaut", required=False, widget=DateWidget)


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def npec_workbook_import(request):
    """The same import as `manage.py import_npec`, from a screen; its report is the publication's page."""
    form = WorkbookForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = os.path.basename(upload.name or "referentiel.xlsx")
        if not name.lower().endswith(".xlsx"):
            form.add_error("file", "Un classeur .xlsx est attendu.")
        else:
            with tempfile.TemporaryDirectory() as directory:
                path = Path(directory) / name
                with path.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                try:
                    publication = npec_publication_import(
                        path=path,
                        actor=request.user,
                        applicable_from=form.cleaned_data["applicable_from"],
                        source=AuditEntry.Source.WEB,
                    )
                except ValidationError as exc:
                    form.add_error("file", " ".join(exc.messages))
                else:
                    messages.success(
                        request,
                        f"Référentiel importé : {publication.entry_count} niveaux, "
                        f"{len(publication.report)} ligne(s) signalée(s).",
                    )
                    return redirect("branches:npec_publication", pk=publication.pk)
    return render(request, "branches/npec_round/workbook_import.html", {"form": form})
