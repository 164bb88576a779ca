"""Needs: the advisors' inbox, a need's page and its actions, staff entry, the public form (no account,
embeddable) and the satisfaction survey (signed link)."""

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST

from accounts import roles
from opco import audit, workflow
from opco.access import allow
from opco.forms import add_service_errors
from opco.lists import keyset_page, list_context, stream_csv
from referentials.models import Company
from sme_services import selectors
from sme_services.filtersets import NeedFilter
from sme_services.forms import CloseForm, NeedForm, PublicNeedForm, RefuseForm, SurveyForm
from sme_services.services import needs as services
from sme_services.workflow import NEED_WORKFLOW

READERS = (roles.STAFF, roles.ADVISOR)
# The inbox's sortable columns (opco.lists keyset on (key, id)); oldest first by default: the queue.
INBOX_SORTS = {
    "numero": "file_number",
    "recu": "received_on",
    "entreprise": "company__name",
    "sujet": "subject",
    "statut": "status",
    "conseiller": "assigned_to__last_name",
}
PUBLIC_BODY_MAX = 20_000  # bytes: the form's fields fit well under it


@allow(*READERS)
def inbox(request):
    tab = request.GET.get("onglet", "a_traiter")
    statuses = dict((code, s) for code, _, s in selectors.INBOX_TABS).get(tab, selectors.INBOX_TABS[0][2])
    needs = selectors.inbox(request.user).filter(status__in=statuses)
    filterset = NeedFilter(request.GET or None, queryset=needs.order_by())
    rows = needs.none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
    if request.GET.get("format") == "csv":
        audit.record(actor=request.user, action="export_csv", summary=f"Export CSV « besoins » ({request.GET.urlencode()})")
        header = [
            "N°",
            "Reçu le",
            "SIRET",
            "Entreprise",
            "Sujet",
            "Statut",
            "Conseiller",
            "Pris en charge le",
            "Clôturé le",
            "Issue",
        ]
        lines = (
            [
                n.file_number,
                n.received_on,
                n.company.siret,
                n.company.name,
                n.get_subject_display(),
                n.get_status_display(),
                str(n.assigned_to or ""),
                n.taken_on,
                n.closed_on,
                n.get_outcome_display(),
            ]
            for n in rows.order_by("received_on", "id").iterator(chunk_size=2000)
        )
        return stream_csv(f"besoins-{tab}.csv", header, lines)
    page = keyset_page(request.GET, rows, sort_fields=INBOX_SORTS, default_sort="recu", per_page=50)
    return render(
        request,
        "sme_services/inbox.html",
        {
            "tabs": selectors.inbox_counts(request.user),
            "tab": tab,
            "page": page,
            "filter": filterset,
            **list_context(page, target="", anchor="#needs-table"),
        },
    )


@allow(*READERS)
def need_detail(request, pk: int):
    need = get_object_or_404(selectors.needs_visible_to(request.user), pk=pk)
    actions = [a.code for a in NEED_WORKFLOW.available(need, request.user)] if services.may_act(request.user, need) else []
    return render(
        request,
        "sme_services/need.html",
        {
            "need": need,
            "actions": actions,
            "refuse_form": RefuseForm(),
            "close_form": CloseForm(),
            "transitions": workflow.transitions_of(need),
        },
    )


@allow(*READERS)
@require_POST
def need_action(request, pk: int, code: str):
    need = get_object_or_404(selectors.needs_visible_to(request.user), pk=pk)
    try:
        if code == "take":
            services.need_take(actor=request.user, need_id=need.pk)
        elif code == "reopen":
            services.need_reopen(actor=request.user, need_id=need.pk)
        elif code == "refuse":
            form = RefuseForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Choisissez le motif du refus.")
            services.need_refuse(actor=request.user, need_id=need.pk, **form.cleaned_data)
        elif code == "close":
            form = CloseForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Choisissez l'issue du besoin.")
            services.need_close(actor=request.user, need_id=need.pk, **form.cleaned_data)
        else:
            raise ValidationError("Action inconnue.")
        messages.success(request, "C'est fait.")
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    return redirect("sme_services:need", need.pk)


@allow(*READERS)
def need_new(request):
    form = NeedForm(request.POST or None, initial={"siret": request.GET.get("siret", "")})
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_receive(actor=request.user, data=services.NeedInput(**form.cleaned_data), channel="saisie")
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            messages.success(request, f"Besoin {need.file_number} enregistré.")
            if selectors.needs_visible_to(request.user).filter(pk=need.pk).exists():
                return redirect("sme_services:need", need.pk)
            return redirect("sme_services:inbox")
    return render(request, "sme_services/form.html", {"form": form, "title": "Saisir un besoin"})


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _rate_limited(request) -> bool:
    """At most SME_NEED_FORM_RATE submissions per IP and hour (a cache counter)."""
    key = f"sme_need_form:{_client_ip(request)}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > settings.SME_NEED_FORM_RATE


@login_not_required
@xframe_options_exempt
@csp_replace({"frame-ancestors": settings.SME_NEED_FORM_FRAME_ANCESTORS})
def public_need_form(request):
    """The public form: no account, embeddable on a branch's or partner's site. It refuses abuse (size,
    honeypot, rate per IP) and stores nothing when it refuses."""
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > PUBLIC_BODY_MAX:
            return render(request, "sme_services/public_need.html", {"refused": "Votre message est trop long."}, status=413)
        if _rate_limited(request):
            return render(
                request,
                "sme_services/public_need.html",
                {"refused": "Trop de demandes depuis votre connexion : réessayez dans une heure."},
                status=429,
            )
        form = PublicNeedForm(request.POST)
        if form.is_valid():
            if form.cleaned_data.pop("website"):
                # A robot filled the hidden field: thanked like anyone, nothing stored.
                return render(request, "sme_services/public_need.html", {"done": True})
            form.cleaned_data.pop("consent")
            campaign = request.GET.get("campagne", "")
            try:
                services.need_receive(
                    actor=None,
                    data=services.NeedInput(**form.cleaned_data, campaign_id=int(campaign) if campaign.isdigit() else None),
                    channel="formulaire",
                )
            except services.OtherOpco as other:
                return render(request, "sme_services/public_need.html", {"other_opco": other.messages[0]})
            except ValidationError as refusal:
                add_service_errors(form, refusal)
            else:
                return render(request, "sme_services/public_need.html", {"done": True})
        return render(request, "sme_services/public_need.html", {"form": form}, status=400)
    return render(request, "sme_services/public_need.html", {"form": PublicNeedForm()})


@login_not_required
@xframe_options_exempt
@csp_replace({"frame-ancestors": settings.SME_NEED_FORM_FRAME_ANCESTORS})
def public_siret_lookup(request):
    """The form's SIRET lookup: the name of a known establishment, nothing else (no contact)."""
    siret = "".join(request.GET.get("siret", "").split())
    company = Company.objects.filter(siret=siret).first() if len(siret) == 14 else None
    return render(request, "sme_services/_siret_lookup.html", {"company": company, "siret": siret})


@login_not_required
def survey(request, token: str):
    need = services.survey_need(token)
    if need is None:
        return render(request, "sme_services/survey.html", {"invalid": True}, status=404)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(need=need, **form.cleaned_data)
        except ValidationError as refusal:
            return render(request, "sme_services/survey.html", {"need": need, "already": refusal.messages[0]})
        return render(request, "sme_services/survey.html", {"need": need, "done": True})
    return render(request, "sme_services/survey.html", {"need": need, "form": form})
