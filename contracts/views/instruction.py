"""The instruction screens: the work queue, the list of contracts (filters, CSV and XLSX exports,
bulk actions), and the contract page with its decision area and documents.

Rows always come from `contracts_visible_to` (another branch's or portfolio's file is a 404); every
POST also checks `can_instruct` (a representative or an advisor reads, 403 on any change). Writes
are the services' (workflow, decisions, documents); a refusal shows as a French message and
changes nothing.
"""

import io
from datetime import date

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import F, OuterRef, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from accounts import roles
from branches.models import BranchIdcc
from contracts.alternance.bulk import acceptance_review, bulk_actions_for, contracts_accept_eligible, contracts_bulk_transition
from contracts.alternance.check_runs import contract_check
from contracts.alternance.decisions import (
    commitment_regularise_npec,
    contract_accept,
    contract_amend,
    contract_refuse,
    contract_rupture,
)
from contracts.alternance.documents import contract_document_add
from contracts.alternance.payload import InvalidPayload
from contracts.alternance.workflow import (
    ACTIONS,
    available_actions,
    contract_assign,
    contract_deposit_deca,
    contract_documents_received,
    contract_request_documents,
    contract_transition,
)
from contracts.enums import ContractKind, ContractStatus
from contracts.filtersets import OPEN_STATUSES, ContractFilter, ContractQueueFilter
from contracts.forms.instruction import (
    AcceptForm,
    AmendForm,
    AssignForm,
    DecaForm,
    DocumentForm,
    DocumentsReceivedForm,
    RefuseForm,
    RequestDocumentsForm,
    RuptureForm,
)
from contracts.letters.services import ACCEPTANCE, INCOMPLETE, REFUSAL, recipients_text
from contracts.models import ApprenticeshipContract, CheckRun, Commitment, ContractDocument
from contracts.pdf import KIND_LABELS
from contracts.selectors import can_instruct, contracts_visible_to
from opco import audit
from opco.access import allow
from opco.checks import CheckStatus
from opco.lists import FilteredListView
from opco.money import euros
from opco.workflow import transitions_of
from payments.budgets import can_overrun
from payments.enums import ScheduleStatus

AMENDABLE_STATUSES = (ContractStatus.ACCEPTED, ContractStatus.DEPOSITED, ContractStatus.RUNNING)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Rows of the lists --------------------------------------------------------------------------------
def with_list_columns(contracts):
    """What a row shows, in the same query: the gestionnaire, the commitment's NPEC origin, the
    latest checks' verdict and the employer's branch (constant queries per page)."""
    latest = CheckRun.objects.filter(contract=OuterRef("pk")).order_by("-ran_at", "-id")
    branch = BranchIdcc.objects.filter(idcc__code=OuterRef("employer_idcc")).values("branch__name")[:1]
    return (
        contracts.select_related("assigned_to", "commitment")
        .defer("payload")
        .annotate(
            checks_eligible=Subquery(latest.values("eligible")[:1]),
            branch_name=Subquery(branch),
            # Read as a value: `c.commitment` on a file without one raises, and the template engine then
            # calls dir() on the row (a third of a page's rendering time, issue 19); a subquery, not a join,
            # so that the capped count does not join the commitments.
            npec_source=Subquery(Commitment.objects.filter(contract=OuterRef("pk")).values("npec_source")[:1]),
        )
    )


def _commitment(contract):
    try:
        return contract.commitment
    except ObjectDoesNotExist:
        return None


def _npec_source(contract) -> str:
    commitment = _commitment(contract)
    return commitment.npec_source if commitment else ""


def _checks_label(contract) -> str:
    value = getattr(contract, "checks_eligible", None)
    return "" if value is None else ("éligible" if value else "bloquant")


# Never the NIR (security baseline); the apprentice by name only.
EXPORT_COLUMNS = [
    ("N° de dossier", "file_number"),
    ("N° DECA", "deca_number"),
    ("Statut", lambda c: c.get_status_display()),
    ("Nom de l'apprenti", "apprentice_last_name"),
    ("Prénom de l'apprenti", "apprentice_first_name"),
    ("SIRET employeur", "employer_siret"),
    ("Employeur", "employer_name"),
    ("IDCC", "employer_idcc"),
    ("Branche", "branch_name"),
    ("SIRET CFA", "cfa_siret"),
    ("UAI CFA", "cfa_uai"),
    ("Fiche RNCP", "rncp"),
    ("Niveau", "level"),
    ("Début", "start_date"),
    ("Fin prévue", "end_date"),
    ("Reçu le", "received_on"),
    ("Décision due le", "decision_due_on"),
    ("Gestionnaire", lambda c: str(c.assigned_to) if c.assigned_to_id else ""),
    ("Contrôles", _checks_label),
    ("Origine du NPEC", _npec_source),
]


def _safe_cell(sheet, value):
    """A write-only cell; text is always text (a name starting with « = » is not a formula) and
    dates show as dates."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        cell.data_type = "s"
    elif isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
    return cell


class ContractListView(FilteredListView):
    allowed_roles = roles.FILE_READERS
    filterset_class = ContractFilter
    partial_template_name = "contracts/_contract_table.html"
    page_title = "Contrats d'apprentissage"
    export_name = "contrats-apprentissage"
    sort_fields = {
        "dossier": "file_number",
        "apprenti": "apprentice_last_name",
        "employeur": "employer_name",
        "certification": "rncp",
        "debut": "start_date",
        "statut": "status",
        "echeance": "decision_due_on",
        "recu": "received_on",
        "gestionnaire": "assigned_to__last_name",
    }
    default_sort = "-recu"
    export_columns = EXPORT_COLUMNS

    def base_queryset(self):
        return with_list_columns(contracts_visible_to(self.request.user)).order_by("-received_on", "-id")

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            return self.export_xlsx()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_instruct"] = can_instruct(self.request.user)
        if context["can_instruct"]:
            context["gestionnaire_choices"] = self.filterset.gestionnaire_choices
            context["bulk_actions"] = bulk_actions_for(self.request.user)
        context["back"] = self.request.get_full_path()
        context["xlsx_export"] = True
        return context

    def export_xlsx(self) -> HttpResponse:
        """Exactly what is filtered, as the CSV, in a write-only workbook (rows streamed to it)."""
        queryset = self.get_queryset()
        audit.record(
            actor=self.request.user,
            action="export_xlsx",
            summary=f"Export XLSX « {self.export_name} » ({self.request.GET.urlencode() or 'sans filtre'})",
        )
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Contrats")
        sheet.append([title for title, _ in self.export_columns])
        for contract in queryset.iterator(chunk_size=2000):
            sheet.append([_safe_cell(sheet, self._value(contract, accessor)) for _, accessor in self.export_columns])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}-{timezone.localdate().isoformat()}.xlsx"'
        return response


class ContractQueueView(FilteredListView):
    """The gestionnaires' queue: open files, the nearest decision deadline (R6224-3) first."""

    allowed_roles = (roles.STAFF,)
    filterset_class = ContractQueueFilter
    partial_template_name = "contracts/_queue_table.html"
    page_title = "File de travail"
    export_name = "file-de-travail"
    sort_fields = {
        "dossier": "file_number",
        "apprenti": "apprentice_last_name",
        "employeur": "employer_name",
        "statut": "status",
        "recu": "received_on",
        "echeance": "decision_due_on",
        "gestionnaire": "assigned_to__last_name",
    }
    default_sort = "echeance"
    export_columns = [column for column in EXPORT_COLUMNS if column[0] not in ("N° DECA", "Origine du NPEC")]

    def base_queryset(self):
        contracts = contracts_visible_to(self.request.user).filter(status__in=OPEN_STATUSES)
        return with_list_columns(contracts).order_by(F("decision_due_on").asc(nulls_last=True), "received_on", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        rows = list(context["object_list"])
        for contract in rows:
            contract.days_left = (contract.decision_due_on - today).days if contract.decision_due_on else None
            contract.days_overdue = -contract.days_left if contract.days_left is not None and contract.days_left < 0 else 0
        context.update(object_list=rows, today=today)
        # « Prendre en instruction » on the queue's received files: the list's bulk path (contracts_bulk),
        # its buttons from the workflow's roles, each file left said why.
        context["can_instruct"] = can_instruct(self.request.user)
        context["bulk_actions"] = [(code, label) for code, label in bulk_actions_for(self.request.user) if code == "instruct"]
        context["back"] = self.request.get_full_path()
        return context


# --- Bulk actions ---------------------------------------------------------------------------------------
def _back(request) -> str:
    target = request.POST.get("back", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("contracts:list")


@allow(roles.STAFF)
@require_POST
def contracts_bulk(request):
    """Assign the selected files, take the new ones « en instruction », or accept the eligible ones
    after a confirmation page; each file left says why (the workflow's reason)."""
    if not can_instruct(request.user):
        raise PermissionDenied("Seul le personnel de l'OPCO instruit les dossiers.")
    back = _back(request)
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    contracts = contracts_visible_to(request.user).filter(pk__in=ids)
    if not ids:
        messages.warning(request, "Sélectionnez au moins un dossier.")
        return redirect(back)
    action = request.POST.get("action")
    if action == "assign":
        form = AssignForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choisissez un gestionnaire de la liste.")
            return redirect(back)
        assignee = form.cleaned_data["assignee"]
        count = contract_assign(actor=request.user, contract_ids=list(contracts.values_list("pk", flat=True)), assignee=assignee)
        messages.success(request, f"{count} dossier(s) attribué(s) à {assignee}.")
        return redirect(back)
    if action == "instruct":
        outcome = contracts_bulk_transition(actor=request.user, contracts=contracts, code="instruct")
        if outcome.accepted:
            numbers = ", ".join(c.file_number for c in outcome.accepted)
            messages.success(request, f"{len(outcome.accepted)} dossier(s) pris en instruction : {numbers}.")
        for contract, reason in outcome.left:
            messages.warning(request, f"{contract.file_number} non pris en instruction : {reason}.")
        return redirect(back)
    if action == "accept_eligible":
        if request.POST.get("confirm") != "1":
            candidates = acceptance_review(contracts, request.user)
            context = {
                "eligible": [c for c in candidates if c.eligible],
                "ineligible": [c for c in candidates if not c.eligible],
                "back": back,
            }
            return render(request, "contracts/bulk_accept_confirm.html", context)
        outcome = contracts_accept_eligible(actor=request.user, contracts=contracts)
        if outcome.accepted:
            numbers = ", ".join(c.file_number for c in outcome.accepted)
            messages.success(request, f"{len(outcome.accepted)} dossier(s) accepté(s) : {numbers}.")
        for contract, reason in outcome.left:
            messages.warning(request, f"{contract.file_number} laissé pour examen individuel : {reason}")
        return redirect(back)
    messages.error(request, "Action inconnue.")
    return redirect(back)


# --- The contract page ------------------------------------------------------------------------------
def masked_nir(nir: str) -> str:
    """Only the last two digits (the key) of the NIR are ever shown."""
    return f"{'•' * 13}{nir[-2:]}" if nir else ""


FORMS = {
    "request_documents": RequestDocumentsForm,
    "documents_received": DocumentsReceivedForm,
    "accept": AcceptForm,
    "refuse": RefuseForm,
    "deposit": DecaForm,
    "rupture": RuptureForm,
    "amend": AmendForm,
}
# Money decisions ask for a confirmation in the browser (static/js/confirm.js).
CONFIRMATIONS = {
    "accept": "Accepter la prise en charge du dossier {number} ? Le financement est engagé sur le budget et l'échéancier créé.",
    "refuse": "Refuser la prise en charge du dossier {number} ?",
    "rupture": "Enregistrer la rupture du dossier {number} ? L'échéancier est recalculé.",
    "regularise": "Régulariser le NPEC du dossier {number} ? L'échéancier est recalculé.",
}
EXTRA_LABELS = {
    "amend": "Enregistrer un avenant",
    "regularise": "Régulariser le NPEC (niveau publié)",
    "recheck": "Relancer les contrôles",
}


def _latest_checks(contract) -> tuple[CheckRun | None, list[str], list[str]]:
    run = contract.check_runs.first()
    results = run.results if run else []
    errors = [r["code"] for r in results if r.get("status") == CheckStatus.ERROR]
    warnings = [r["code"] for r in results if r.get("status") == CheckStatus.WARNING]
    return run, errors, warnings


def _form_for(code: str, contract, errors, data=None):
    form_class = FORMS.get(code)
    if form_class is None:
        return None
    extra = {"error_codes": errors} if form_class is RefuseForm else {}
    return form_class(data, prefix=code, **extra)


def _decision_actions(contract, commitment, errors: list[str], warnings: list[str], user=None) -> list[dict]:
    # The workflow's roles decide which buttons a user sees (finance does not decide a funding).
    codes = [action.code for action in available_actions(contract, user)]
    if contract.status in AMENDABLE_STATUSES:
        codes.append("amend")
    if commitment is not None and commitment.npec_source == "amorcage":
        codes.append("regularise")
    return [
        {
            "code": code,
            "label": ACTIONS[code].label if code in ACTIONS else EXTRA_LABELS[code],
            "form": _form_for(code, contract, errors),
            "danger": code in ("refuse", "rupture"),
            "confirm": CONFIRMATIONS.get(code, "").format(number=contract.file_number),
        }
        for code in codes
    ]


@allow(*roles.FILE_READERS)
def contract_detail(request, pk: int):
    contract = get_object_or_404(
        contracts_visible_to(request.user).select_related("assigned_to", "cfa", "employer", "certification"), pk=pk
    )
    commitment = _commitment(contract)
    run, errors, warnings = _latest_checks(contract)
    staff = can_instruct(request.user)
    instalments = list(commitment.instalments.all()) if commitment else []
    for line in instalments:
        line.kind_label = KIND_LABELS.get(line.kind, line.kind)
    branch = BranchIdcc.objects.filter(idcc__code=contract.employer_idcc).select_related("branch").first()
    payload = contract.payload or {}
    context = {
        "contract": contract,
        "payload": payload,
        "employer": payload.get("employeur") or {},
        "apprentice": payload.get("apprenti") or payload.get("salarie") or {},
        "cfa_block": payload.get("cfa") or payload.get("organisme") or {},
        "pro": contract.contract_kind == ContractKind.PROFESSIONNALISATION,
        "branch": branch.branch if branch else None,
        "nir": masked_nir(contract.apprentice_nir),
        "masters": contract.masters.all(),
        "pay_periods": contract.pay_periods.all(),
        "run": run,
        "errors": errors,
        "warnings": warnings,
        "commitment": commitment,
        "instalments": instalments,
        "superseded": ScheduleStatus.SUPERSEDED,
        "documents": contract.documents.select_related("uploaded_by"),
        "amendments": contract.amendments.select_related("recorded_by"),
        "rupture": getattr(contract, "rupture", None),
        "history": audit.history_of(contract)[:200],
        "transitions": transitions_of(contract),
        "can_instruct": staff,
    }
    if staff:
        context["actions"] = _decision_actions(contract, commitment, errors, warnings, request.user)
        context["document_form"] = DocumentForm(prefix="document")
    return render(request, "contracts/contract_detail.html", context)


def _scoped_for_change(request, pk: int) -> ApprenticeshipContract:
    """404 outside the user's scope, then 403 for a read-only role (nothing is read or changed)."""
    contract = get_object_or_404(contracts_visible_to(request.user), pk=pk)
    if not can_instruct(request.user):
        raise PermissionDenied("Votre rôle donne accès au dossier en lecture seule.")
    return contract


def _run_action(code: str, actor, contract, form) -> str:
    """Call the service of an action; returns the French message of its success."""
    data = form.cleaned_data if form is not None else {}
    if code == "request_documents":
        contract_request_documents(actor=actor, contract_id=contract.pk, message=data["message"])
        letter = recipients_text(contract, INCOMPLETE)
        return f"Dossier déclaré incomplet : le délai de décision est suspendu. Demande de pièces (PDF au dossier) {letter}."
    if code == "documents_received":
        done = contract_documents_received(actor=actor, contract_id=contract.pk, on=data.get("on"))
        return f"Dossier complet : décision due le {done.decision_due_on:%d/%m/%Y}."
    if code == "accept":
        commitment = contract_accept(
            actor=actor,
            contract_id=contract.pk,
            warnings_acknowledged=data.get("warnings_acknowledged", False),
            # Going past the section's dotation is a manager's decision (L6332-3 sections, R6332-15).
            # The form offers the box to those who may go past (payments.budgets.can_overrun); the service decides.
            budget_overrun_acknowledged=data.get("budget_overrun_acknowledged", False) and can_overrun(actor),
        )
        letter = f" Accord de prise en charge (PDF au dossier) {recipients_text(contract, ACCEPTANCE)}."
        if commitment.regime == "PRO":
            return f"Prise en charge acceptée et contrat déposé (D6325-2) : {euros(commitment.annual_amount)} engagés.{letter}"
        return f"Prise en charge acceptée : {euros(commitment.annual_amount)} par an (NPEC {euros(commitment.npec)}).{letter}"
    if code == "refuse":
        contract_refuse(actor=actor, contract_id=contract.pk, codes=data["codes"], text=data["text"])
        return f"Prise en charge refusée. Courrier motivé (PDF au dossier) {recipients_text(contract, REFUSAL)}."
    if code == "deposit":
        contract_deposit_deca(actor=actor, contract_id=contract.pk, deca_number=data["deca_number"])
        return f"Dépôt enregistré (n° DECA {data['deca_number'].strip()})."
    if code == "rupture":
        contract_rupture(
            actor=actor,
            contract_id=contract.pk,
            rupture_date=data["rupture_date"],
            cause=data["cause"],
            during_probation=data["during_probation"],
        )
        return f"Rupture enregistrée au {data['rupture_date']:%d/%m/%Y} ; l'échéancier est recalculé."
    if code == "amend":
        contract_amend(
            actor=actor,
            contract_id=contract.pk,
            amendment_type=data["amendment_type"],
            effective_on=data["effective_on"],
            changes=form.changes(),
        )
        return f"Avenant {data['amendment_type']} enregistré au {data['effective_on']:%d/%m/%Y}."
    if code == "regularise":
        commitment = commitment_regularise_npec(actor=actor, contract_id=contract.pk)
        return f"NPEC régularisé : {euros(commitment.npec)} ; l'échéancier est recalculé sans toucher aux échéances payées."
    if code == "recheck":
        report = contract_check(contract=contract, actor=actor)
        return "Contrôles relancés : " + ("dossier éligible." if report.eligible else "des contrôles sont bloquants.")
    if code in ("instruct", "start", "end"):
        contract_transition(actor=actor, contract_id=contract.pk, action_code=code)
        return f"{ACTIONS[code].label} : fait."
    raise Http404("Action inconnue.")


def _form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label} : {' '.join(errors)}" if label else " ".join(errors))
    return " ; ".join(parts)


@allow(*roles.FILE_READERS)
@require_POST
def contract_action(request, pk: int, action: str):
    contract = _scoped_for_change(request, pk)
    if action not in ACTIONS and action not in EXTRA_LABELS:
        raise Http404("Action inconnue.")
    form = None
    if action in FORMS:
        _, errors, _ = _latest_checks(contract)
        form = _form_for(action, contract, errors, data=request.POST)
        if not form.is_valid():
            messages.error(request, f"Action non enregistrée — {_form_errors(form)}")
            return redirect("contracts:detail", pk=contract.pk)
    try:
        message = _run_action(action, request.user, contract, form)
    except (ValidationError, InvalidPayload) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, f"Action refusée : {text}")
    else:
        messages.success(request, message)
    return redirect("contracts:detail", pk=contract.pk)


# --- Documents ----------------------------------------------------------------------------------------
@allow(*roles.FILE_READERS)
@require_POST
def document_upload(request, pk: int):
    contract = _scoped_for_change(request, pk)
    form = DocumentForm(request.POST, request.FILES, prefix="document")
    if not form.is_valid():
        messages.error(request, f"Pièce non enregistrée — {_form_errors(form)}")
        return redirect("contracts:detail", pk=contract.pk)
    try:
        document = contract_document_add(
            actor=request.user, contract_id=contract.pk, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
        )
    except ValidationError as exc:
        messages.error(request, f"Pièce non enregistrée — {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Pièce ajoutée : {document.get_kind_display()} ({document.original_name}).")
    return redirect("contracts:detail", pk=contract.pk)


@allow(*roles.FILE_READERS)
def document_download(request, pk: int, document_pk: int):
    """The only way to a document: through the contract's scoping, as an attachment."""
    contract = get_object_or_404(contracts_visible_to(request.user), pk=pk)
    document = get_object_or_404(ContractDocument, pk=document_pk, contract=contract)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("Le fichier de cette pièce est introuvable.")
    response = FileResponse(handle, as_attachment=True, filename=document.original_name, content_type=document.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
