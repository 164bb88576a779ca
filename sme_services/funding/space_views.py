"""Screens of the company's space (sme_services.funding.company_space): the public pages a signed link
opens (no account: the company's year, the simulator, the filing form and the company's requests),
and the staff's and advisor's sending and revoking of links from the company page.

The public pages resist abuse like the public needs form: a bounded body, a rate per IP, a honeypot
on the filing form; a tampered, expired or revoked link answers 404 in French and stores nothing."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from opco.access import allow
from opco.forms import StyledForm, add_service_errors
from opco.money import euros
from referentials.models import Company
from sme_services.funding import company_space as space
from sme_services.funding.forms import RequestForm, SimulatorForm
from sme_services.funding.inputs import InvalidInput
from sme_services.funding.views import LINE_LABELS

BODY_MAX = 30_000  # bytes: the forms' fields and a JSON request fit well under it
RATES = {"simulate": 60, "file": 10}  # per IP and hour
COMPANY_FIELDS = ("siret", "idcc", "headcount")
TEMPLATE = "sme_services/company_space/home.html"


class SpaceSimulatorForm(SimulatorForm):
    """The simulator's form without the company: the link says which one it is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in COMPANY_FIELDS:
            self.fields.pop(name)


class SpaceRequestForm(RequestForm):
    """The filing form without the company, with a honeypot a person never sees."""

    website = forms.CharField(required=False, label="Site web (laisser vide)", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in COMPANY_FIELDS:
            self.fields.pop(name)
        self.fields["website"].widget.attrs.update(tabindex="-1", autocomplete="off")


class SendLinkForm(StyledForm):
    contact = forms.ChoiceField(label="Contact")
    days = forms.IntegerField(label="Valable (jours)", min_value=1, max_value=space.LINK_MAX_DAYS, initial=space.LINK_DAYS)

    def __init__(self, *args, company=None, **kwargs):
        super().__init__(*args, **kwargs)
        contacts = company.contacts.exclude(email="") if company is not None else []
        self.fields["contact"].choices = [(c.pk, f"{c.full_name} — {c.email}") for c in contacts]


def _invalid(request):
    return render(request, TEMPLATE, {"invalid": True}, status=404)


def _rate_limited(request, kind: str) -> bool:
    key = f"company_space:{kind}:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > RATES[kind]


def _refused(request, kind: str):
    """A refusal before anything is read: a body too large, or too many posts from one IP."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > BODY_MAX:
        return "Votre envoi est trop volumineux.", 413
    if _rate_limited(request, kind):
        return "Trop d'envois depuis votre connexion : réessayez dans une heure.", 429
    return None


def _page(request, link, *, status=200, **extra):
    year, rows, consumed = space.company_space_year(link)
    amounts = ("committed", "used", "inside_cap", "outside_cap", "cap", "remaining")
    shown = [{**row, **{key: "—" if row[key] is None else euros(row[key]) for key in amounts}} for row in rows]
    context = {
        "link": link,
        "token": request.resolver_match.kwargs["token"],
        "company": link.company,
        "year": year,
        "rows": shown,
        "requests": list(space.company_space_requests(link)[:200]),
        "simulator_form": SpaceSimulatorForm(initial={"consumed_this_year": consumed}),
        "request_form": SpaceRequestForm(),
        "line_labels": LINE_LABELS,
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)


@login_not_required
@require_GET
def home(request, token: str):
    link = space.link_for(token)
    if link is None:
        return _invalid(request)
    return _page(request, link, filed=request.GET.get("depose", ""))


@login_not_required
@require_POST
def simulate(request, token: str):
    link = space.link_for(token)
    if link is None:
        return _invalid(request)
    refusal = _refused(request, "simulate")
    if refusal:
        return _page(request, link, status=refusal[1], refused=refusal[0])
    form = SpaceSimulatorForm(request.POST)
    result = error = None
    if form.is_valid():
        try:
            result = space.company_space_simulate(link, form.payload())
        except (InvalidInput, LookupError) as exc:
            error = str(exc)
        except (ValidationError, forms.ValidationError) as exc:
            error = " ".join(exc.messages)
    return _page(
        request,
        link,
        status=200 if result else 400,
        simulator_form=form,
        result=result,
        error=error,
        result_json=json.dumps(result, ensure_ascii=False, indent=2) if result else "",
    )


@login_not_required
@require_POST
def file(request, token: str):
    link = space.link_for(token)
    if link is None:
        return _invalid(request)
    refusal = _refused(request, "file")
    if refusal:
        return _page(request, link, status=refusal[1], refused=refusal[0])
    form = SpaceRequestForm(request.POST)
    if form.is_valid():
        if form.cleaned_data.get("website"):
            # A robot filled the hidden field: answered like anyone, nothing stored.
            return redirect(f"{request.path.rsplit('deposer/', 1)[0]}?depose=1")
        try:
            filed = space.company_space_file(link, form.request_data())
        except (ValidationError, forms.ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            return redirect(f"{request.path.rsplit('deposer/', 1)[0]}?depose={filed.file_number}")
    return _page(request, link, status=400, request_form=form)


# --- Staff and the company's advisor: sending and revoking links -------------------------------------------
@allow(roles.STAFF, roles.ADVISOR)
@require_POST
def send(request, company_pk: int):
    company = get_object_or_404(Company, pk=company_pk)
    if not space.may_send(request.user, company):
        raise PermissionDenied("Cette entreprise n'est pas dans votre portefeuille.")
    form = SendLinkForm(request.POST, company=company)
    if form.is_valid():
        try:
            link = space.company_space_link_send(
                actor=request.user, contact_id=int(form.cleaned_data["contact"]), days=form.cleaned_data["days"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Lien envoyé à {link.email}, valable jusqu'au {link.expires_at:%d/%m/%Y}.")
    else:
        messages.error(request, "Choisissez un contact qui a une adresse électronique et une durée de 1 à 90 jours.")
    return redirect("sme_services:company", pk=company.pk)


@allow(roles.STAFF, roles.ADVISOR)
@require_POST
def revoke(request, pk: int):
    link = get_object_or_404(space.CompanySpaceLink, pk=pk)
    try:
        space.company_space_link_revoke(actor=request.user, pk=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Le lien de {link.email} est révoqué.")
    return redirect("sme_services:company", pk=link.company_id)


def panel_context(user, company) -> dict:
    """The company page's panel: the contacts a link may go to and the links sent, with their state."""
    links = list(space.links_of(company)[:50])
    for link in links:
        link.state = space.state_of(link)
    return {
        "company": company,
        "may_send": space.may_send(user, company),
        "form": SendLinkForm(company=company),
        "links": links,
    }


def register() -> None:
    """Called once from sme_services.apps: the company page's panel of the company's space."""
    from referentials.company_page import register_company_panel

    register_company_panel(
        "company_space",
        template="sme_services/company_space/_company_panel.html",
        context=panel_context,
        roles=(roles.STAFF, roles.ADVISOR),
        order=41,
    )
