"""The company page (« fiche entreprise »): the hub every mission's panel joins, and its forms."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import roles
from opco.access import allow
from opco.forms import add_service_errors
from referentials.company_page import COMPANY_PANELS
from sme_services import selectors
from sme_services.enums import size_band
from sme_services.forms import CompanyCreateForm, ContactForm, CseMemberForm, HeadcountForm, InteractionForm
from sme_services.models import ActionPlanItem, CompanyContact, Interaction, PortfolioChange
from sme_services.services import company as company_services
from sme_services.services.diagnostics import plan_item_links
from sme_services.services.interactions import interaction_record
from sme_services.services.portfolio import advisor_of, company_branch_id, departement_of
from sme_services.timeline import timeline_of

READERS = (roles.STAFF, roles.ADVISOR)


def belongs_to_opco(company) -> tuple[bool | None, str]:
    """R6332-23-1: whether the establishment is attached to this OPCO, by its IDCC (IDCC → OPCO table)."""
    from django.conf import settings

    if company.idcc_id is None:
        return None, "IDCC inconnu : rattachement à vérifier (R6332-23-1)."
    if company.idcc.opco_name == settings.OPCO_NAME or company_branch_id(company):
        return True, f"Rattachée à l'OPCO par l'IDCC {company.idcc.code}."
    if company.idcc.opco_name:
        return False, f"Relève de « {company.idcc.opco_name} » (IDCC {company.idcc.code})."
    return None, f"IDCC {company.idcc.code} absent de la table IDCC → OPCO : rattachement à vérifier."


@allow(*READERS)
def company_page(request, pk: int):
    company = get_object_or_404(selectors.companies_visible_to(request.user).select_related("naf", "idcc"), pk=pk)
    attached, attachment = belongs_to_opco(company)
    branch = getattr(getattr(company.idcc, "branch_link", None), "branch", None) if company.idcc_id else None
    establishments = type(company).objects.filter(siren=company.siren).exclude(pk=company.pk)
    establishments = [e for e in establishments if selectors.companies_visible_to(request.user).filter(pk=e.pk).exists()]
    members = []
    for member in company.cse_members.prefetch_related("mandates"):
        mandates = [(m.started_on, m.ended_on) for m in member.mandates.all()]
        member.renewal_due_on = company_services.training_renewal_due_on(mandates, member.last_training_on)
        member.first_mandate = len(mandates) <= 1 and member.last_training_on is None
        members.append(member)
    return render(
        request,
        "sme_services/company.html",
        {
            "company": company,
            "band": size_band(company.headcount),
            "departement": departement_of(company.postal_code),
            "attached": attached,
            "attachment": attachment,
            "branch": branch,
            "advisor": advisor_of(company),
            "establishments": establishments,
            "contacts": company.contacts.all(),
            "headcounts": company.headcount_history.all()[:20],
            "cse_members": members,
            "changes": PortfolioChange.objects.filter(company=company).select_related("from_advisor", "to_advisor")[:20],
            "timeline": timeline_of(company, request.user),
            "plan_items": [
                (item, plan_item_links(item, request.user))
                for item in ActionPlanItem.objects.filter(
                    diagnostic__in=selectors.diagnostics_visible_to(request.user).filter(company=company)
                )
                .select_related("diagnostic", "funding_request", "afest_project")
                .order_by("-diagnostic__opened_on", "id")[:100]
            ],
            "panels": COMPANY_PANELS.render(request, company=company),
            "interaction_form": InteractionForm(initial={"occurred_on": timezone.localdate()}),
            "contact_form": ContactForm(),
            "cse_form": CseMemberForm(),
            "headcount_form": HeadcountForm(initial={"as_of": timezone.localdate()}),
            "today": timezone.localdate(),
        },
    )


@allow(*READERS)
def company_create(request):
    form = CompanyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company = company_services.company_create_from_siret(actor=request.user, **form.cleaned_data)
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            if selectors.companies_visible_to(request.user).filter(pk=company.pk).exists():
                return redirect("sme_services:company", company.pk)
            messages.info(request, f"{company.name} est enregistrée ; elle relève du portefeuille d'un autre conseiller.")
            return redirect("sme_services:portfolio")
    return render(request, "sme_services/form.html", {"form": form, "title": "Nouvelle entreprise (depuis son SIRET)"})


def _company_for_write(request, pk):
    return get_object_or_404(selectors.companies_visible_to(request.user), pk=pk)


@allow(*READERS)
@require_POST
def interaction_new(request, pk: int):
    company = _company_for_write(request, pk)
    form = InteractionForm(request.POST)
    if form.is_valid():
        try:
            interaction_record(
                actor=request.user, interaction=Interaction(company=company, advisor=request.user, **form.cleaned_data)
            )
            messages.success(request, "Échange enregistré.")
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
    else:
        messages.error(request, "Échange non enregistré : " + " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("sme_services:company", company.pk)


@allow(*READERS)
@require_POST
def contact_new(request, pk: int):
    company = _company_for_write(request, pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        company_services.contact_save(actor=request.user, contact=CompanyContact(company=company, **form.cleaned_data))
        messages.success(request, "Contact enregistré.")
    else:
        messages.error(request, "Contact non enregistré : vérifiez les champs.")
    return redirect("sme_services:company", company.pk)


@allow(*READERS)
@require_POST
def cse_member_new(request, pk: int):
    company = _company_for_write(request, pk)
    form = CseMemberForm(request.POST)
    if form.is_valid():
        company_services.cse_member_add(actor=request.user, company=company, **form.cleaned_data)
        messages.success(request, "Membre du CSE enregistré.")
    else:
        messages.error(request, "Membre du CSE non enregistré : vérifiez les champs.")
    return redirect("sme_services:company", company.pk)


@allow(*READERS)
@require_POST
def headcount_new(request, pk: int):
    company = _company_for_write(request, pk)
    form = HeadcountForm(request.POST)
    if form.is_valid():
        company_services.company_headcount_record(actor=request.user, company=company, **form.cleaned_data)
        messages.success(request, "Effectif enregistré.")
    else:
        messages.error(request, "Effectif non enregistré : vérifiez les champs.")
    return redirect("sme_services:company", company.pk)
