"""Screens of the training funding: the simulator, rule-set versions (list, import, read, compare,
export), requests (list with filters and exports, filing, detail with its actions, the accord PDF) and
the branches' envelopes. Rows come from the selectors (scoped); writes go through the services."""

import json
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from openpyxl import Workbook

from accounts import roles
from branches.models import Branch
from opco import audit
from opco.access import allow
from opco.forms import add_service_errors
from opco.lists import FilteredListView, keyset_page, list_context
from opco.workflow import TransitionRefused, transitions_of
from sme_services.funding import services
from sme_services.funding.cofinancing import cofinancing_of, training_request_cofinance
from sme_services.funding.enums import Channel
from sme_services.funding.enums import RequestStatus as S
from sme_services.funding.envelopes import (
    branch_dotation_split,
    envelope_pull_forward,
    envelope_rows,
    monthly_chart,
    waiting_list,
)
from sme_services.funding.filtersets import TrainingRequestFilter
from sme_services.funding.forms import (
    CofinancingForm,
    CorrectionForm,
    EvidenceForm,
    PullForwardForm,
    ReasonForm,
    RequestForm,
    RuleSetImportForm,
    SimulatorForm,
    SplitForm,
)
from sme_services.funding.inputs import InvalidInput
from sme_services.funding.pdf import accord_pdf
from sme_services.funding.rulesets import compare, read_json, rule_set_import
from sme_services.funding.selectors import requests_visible_to, rule_sets_visible_to
from sme_services.funding.simulation import simulation_as_json
from sme_services.funding.workflow import REQUESTS

SIMULATOR_ROLES = (roles.STAFF, roles.ADVISOR)
READERS = (roles.STAFF, roles.ADVISOR, roles.BRANCH_REP)
LINE_LABELS = {"pedagogy": "Coûts pédagogiques", "afest": "AFEST", "pay": "Rémunération", "frais": "Frais annexes"}


# --- Simulator -------------------------------------------------------------------------------------------
@allow(*SIMULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def simulator(request):
    """« Combien me reste-t-il cette année, et combien coûtera cette formation ? »"""
    result = error = None
    initial = {"filed_on": timezone.localdate()}
    if request.GET.get("siret"):
        initial.update(siret=request.GET["siret"], idcc=request.GET.get("idcc", ""), headcount=request.GET.get("headcount"))
        initial["consumed_this_year"] = request.GET.get("consumed")
    form = SimulatorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = simulation_as_json(form.payload())
        except (InvalidInput, LookupError) as exc:
            error = str(exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(
        request,
        "sme_services/funding/simulator.html",
        {
            "form": form,
            "result": result,
            "error": error,
            "result_json": json.dumps(result, ensure_ascii=False, indent=2) if result else "",
            "line_labels": LINE_LABELS,
        },
    )


# --- Rule sets -------------------------------------------------------------------------------------------
@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def rule_sets(request):
    form = RuleSetImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 512 * 1024:
            form.add_error("file", "Fichier trop volumineux (512 Ko au plus).")
        else:
            try:
                version = rule_set_import(actor=request.user, data=read_json(upload.read()), file_name=upload.name)
            except InvalidInput as exc:
                form.add_error("file", f"Règles refusées, rien n'est enregistré : {exc}")
            else:
                messages.success(request, f"Règles {version.reference} importées : nouvelle version n° {version.pk}.")
                return redirect("funding:rule-set", pk=version.pk)
    page = keyset_page(request.GET, rule_sets_visible_to(request.user), sort_fields=RULE_SET_SORTS, default_sort="-numero")
    return render(
        request,
        "sme_services/funding/rule_sets.html",
        {"form": form, "versions": page, **list_context(page, target="", anchor="#rule-sets"), "no_export": True},
    )


RULE_SET_SORTS = {
    "numero": "id",
    "reference": "reference",
    "dispositif": "dispositif",
    "debut": "starts_from",
    "importee": "imported_at",
}


@allow(roles.STAFF)
def rule_set_detail(request, pk: int):
    version = get_object_or_404(rule_sets_visible_to(request.user), pk=pk)
    content = json.dumps(version.content, ensure_ascii=False, indent=2)
    others = rule_sets_visible_to(request.user).exclude(pk=pk)[:200]
    return render(request, "sme_services/funding/rule_set.html", {"version": version, "content": content, "others": others})


@allow(roles.STAFF)
def rule_set_export(request, pk: int):
    version = get_object_or_404(rule_sets_visible_to(request.user), pk=pk)
    audit.record(
        actor=request.user, action="funding_rules_export", target=version, summary=f"Export des règles {version.reference}"
    )
    response = HttpResponse(
        json.dumps(version.content, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{version.reference}.json"'
    return response


@allow(roles.STAFF)
def rule_set_compare(request):
    versions = rule_sets_visible_to(request.user)
    try:
        left = versions.get(pk=int(request.GET.get("a", "")))
        right = versions.get(pk=int(request.GET.get("b", "")))
    except (ValueError, versions.model.DoesNotExist):
        raise Http404("Choisissez deux versions existantes.") from None
    rows = compare(left, right)
    return render(request, "sme_services/funding/rule_set_compare.html", {"left": left, "right": right, "rows": rows})


# --- Requests --------------------------------------------------------------------------------------------
class RequestList(FilteredListView):
    allowed_roles = READERS
    filterset_class = TrainingRequestFilter
    partial_template_name = "sme_services/funding/_requests_table.html"
    page_title = "Demandes de financement de formation (< 50)"
    export_name = "demandes-formation"
    export_columns = [
        ("N° de dossier", "file_number"),
        ("Reçue le", "received_on"),
        ("Entreprise", "company.name"),
        ("SIRET", "company.siret"),
        ("Branche", "branch.name"),
        ("Dispositif", lambda r: r.get_dispositif_display()),
        ("Formation", "title"),
        ("Début", "start"),
        ("Statut", lambda r: r.get_status_display()),
        ("Demandé", "asked_total"),
        ("Accordé", "funded_total"),
        ("Règles", "rule_set.reference"),
        ("Motifs de refus", lambda r: " ".join(r.refusal_codes)),
    ]
    sort_fields = {
        "numero": "file_number",
        "recu": "received_on",
        "statut": "status",
        "entreprise": "company__name",
        "dispositif": "dispositif",
        "debut": "start",
        "accorde": "funded_total",
        "echeance": "decision_due_on",
    }
    default_sort = "-recu"

    def base_queryset(self):
        return requests_visible_to(self.request.user)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            return self.export_xlsx()
        return super().get(request, *args, **kwargs)

    def export_xlsx(self) -> HttpResponse:
        audit.record(actor=self.request.user, action="export_xlsx", summary=f"Export XLSX « {self.export_name} »")
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Demandes")
        sheet.append([title for title, _ in self.export_columns])
        for row in self.sorted_queryset().iterator(chunk_size=2000):
            values = [self._value(row, accessor) for _, accessor in self.export_columns]
            sheet.append([v if isinstance(v, (int, Decimal, date)) else ("" if v is None else str(v)) for v in values])
        response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}-{timezone.localdate().isoformat()}.xlsx"'
        book.save(response)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_file"] = any(role(self.request.user) for role in SIMULATOR_ROLES)
        context["xlsx_export"] = True
        return context


@allow(*SIMULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def request_new(request):
    channel = Channel.ADVISOR if roles.ADVISOR(request.user) else Channel.STAFF
    form = RequestForm(request.POST or None, initial={"siret": request.GET.get("siret", "")})
    if request.method == "POST" and form.is_valid():
        try:
            filed = services.training_request_file(actor=request.user, data=form.request_data(), channel=channel)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Demande {filed.file_number} enregistrée : décision due le {filed.decision_due_on:%d/%m/%Y}."
            )
            return redirect("funding:request-detail", pk=filed.pk)
    return render(request, "sme_services/funding/request_new.html", {"form": form})


def _visible(request, pk: int):
    return get_object_or_404(requests_visible_to(request.user), pk=pk)


@allow(*READERS)
def request_detail(request, pk: int):
    file = _visible(request, pk)
    staff = roles.STAFF(request.user)
    due, missing = services.amount_due(file) if file.status == S.ACCEPTED else (None, [])
    return render(
        request,
        "sme_services/funding/request_detail.html",
        {
            "file": file,
            "staff": staff,
            "actions": [a.code for a in REQUESTS.available(file, request.user)] if staff else [],
            "history": transitions_of(file),
            "evidence": file.evidence.all(),
            "payments": file.payments.all(),
            "due": due,
            "missing": missing,
            "reason_form": ReasonForm(),
            "evidence_form": EvidenceForm(initial={"received_on": timezone.localdate()}),
            "correction_form": CorrectionForm(),
            "cofinancing_form": CofinancingForm(prefix="cofi") if staff and file.status == S.ACCEPTED else None,
            "cofinancing_lines": cofinancing_of(file),
            "line_labels": LINE_LABELS,
            "afest_missing": services.afest_elements_missing(file) if file.afest_project_id else [],
        },
    )


ACTIONS = {
    "instruct": lambda user, pk, data: services.training_request_instruct(actor=user, pk=pk),
    "request_documents": lambda user, pk, data: services.training_request_incomplete(
        actor=user, pk=pk, message=data.get("reason", "")
    ),
    "documents_received": lambda user, pk, data: services.training_request_complete(actor=user, pk=pk),
    "accept": lambda user, pk, data: services.training_request_decide(actor=user, pk=pk),
    "refuse": lambda user, pk, data: services.training_request_refuse(actor=user, pk=pk, reason=data.get("reason", "")),
    "withdraw": lambda user, pk, data: services.training_request_withdraw(actor=user, pk=pk, reason=data.get("reason", "")),
    "service_fait": lambda user, pk, data: services.training_request_service_fait(actor=user, pk=pk),
}


@allow(roles.STAFF)
@require_POST
def request_action(request, pk: int, action: str):
    file = _visible(request, pk)
    try:
        if action in ACTIONS:
            done = ACTIONS[action](request.user, file.pk, request.POST)
            messages.success(request, f"{file.file_number} : {done.get_status_display()}.")
        elif action == "evidence":
            form = EvidenceForm(request.POST)
            if not form.is_valid():
                raise ValidationError("; ".join(f"{k} : {' '.join(v)}" for k, v in form.errors.items()))
            services.evidence_record(actor=request.user, pk=file.pk, **form.cleaned_data)
            messages.success(request, "Pièce de service fait enregistrée.")
        elif action == "cofinance":
            form = CofinancingForm(request.POST, prefix="cofi")
            if not form.is_valid():
                raise ValidationError("; ".join(f"{k} : {' '.join(v)}" for k, v in form.errors.items()))
            training_request_cofinance(actor=request.user, pk=file.pk, **form.cleaned_data)
            messages.success(request, "Ligne de cofinancement ajoutée : l'enveloppe de la convention est engagée.")
        elif action == "correct":
            form = CorrectionForm(request.POST)
            if not form.is_valid():
                raise ValidationError("; ".join(f"{k} : {' '.join(v)}" for k, v in form.errors.items()))
            services.training_request_correct(actor=request.user, pk=file.pk, **form.cleaned_data)
            messages.success(request, "Montant dû corrigé.")
        else:
            raise Http404("Action inconnue.")
    except (ValidationError, TransitionRefused, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("funding:request-detail", pk=file.pk)


@allow(*READERS)
def request_accord_pdf(request, pk: int):
    file = _visible(request, pk)
    if file.status not in (S.ACCEPTED, S.SERVICE_FAIT, S.PAID):
        raise Http404("Aucun accord de prise en charge pour cette demande.")
    response = HttpResponse(accord_pdf(request=file, opco_name=settings.OPCO_NAME), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="accord-{file.file_number}.pdf"'
    return response


# --- Envelopes -------------------------------------------------------------------------------------------
def _year(request) -> int:
    try:
        year = int(request.GET.get("annee", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2020 <= year <= 2100 else timezone.localdate().year


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def envelopes(request):
    year = _year(request)
    if request.method == "POST":
        kind = request.POST.get("form")
        form = SplitForm(request.POST) if kind == "split" else PullForwardForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            branch = get_object_or_404(Branch, pk=data["branch"])
            try:
                if kind == "split":
                    branch_dotation_split(
                        actor=request.user, branch=branch, year=data["year"], amounts=[data[q] for q in ("q1", "q2", "q3", "q4")]
                    )
                    messages.success(request, f"Enveloppe {data['year']} de la branche « {branch.name} » répartie par trimestre.")
                else:
                    envelope_pull_forward(
                        actor=request.user, branch=branch, year=data["year"], quarter=data["quarter"], amount=data["amount"]
                    )
                    messages.success(request, f"Trimestre suivant avancé sur T{data['quarter']} {data['year']}.")
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.error(request, "Formulaire incomplet : " + "; ".join(f"{k} : {' '.join(v)}" for k, v in form.errors.items()))
        return redirect(f"{request.path}?annee={year}")
    rows = envelope_rows(year)
    # The waiting list in filing order (the order it is decided in), paged by keyset like every list.
    waiting = keyset_page(request.GET, waiting_list(year=year), sort_fields={"recu": "received_on"}, default_sort="recu")
    chart = monthly_chart(year)
    peak = max([max(m["committed"], m["paid"], m["waiting"]) for m in chart] + [Decimal(1)])
    for month in chart:
        for key in ("committed", "paid", "waiting"):
            month[f"{key}_pct"] = int(month[key] * 100 / peak) if month[key] > 0 else 0
    return render(
        request,
        "sme_services/funding/envelopes.html",
        {
            "year": year,
            "rows": rows,
            "chart": chart,
            "branches": Branch.objects.order_by("name"),
            "waiting": waiting,
            **list_context(waiting, target="", anchor="#waiting"),
            "no_export": True,
            "manager": roles.RESPONSABLE(request.user),
        },
    )


@allow(roles.STAFF)
def envelopes_json(request):
    """The live figures of the envelopes page (htmx / fetch), aggregated."""
    year = _year(request)
    rows = [
        {
            "branch": r.branch_name,
            "quarter": r.quarter,
            "amount": None if r.amount is None else str(r.amount),
            "committed": str(r.committed),
            "paid": str(r.paid),
            "remaining": None if r.remaining is None else str(r.remaining),
            "waiting": str(r.waiting),
            "waiting_count": r.waiting_count,
        }
        for r in envelope_rows(year)
    ]
    return JsonResponse({"year": year, "envelopes": rows})
