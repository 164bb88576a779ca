"""The payment run screens: the runs and the « prepare » form, then one run with its four-eyes state,
its actions, its live progress (polled by htmx every 2 s while it executes), its transfers, its
history and its downloads; a transfer's manual bank return and the import of a pain.002 report.

Staff read everything; preparing, approving, executing, declaring, returns and the SEPA file (it
carries whole IBANs) are the finance department's. Writes are `payments.runs`'; a refusal shows as
a French message and changes nothing.
"""

import hashlib
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles
from opco import audit
from opco.access import allow
from opco.forms import add_service_errors
from opco.lists import FilteredListView, keyset_page, list_context
from opco.money import euros
from payments import exports, runs
from payments.enums import ReturnSource, RunStatus, TransferStatus
from payments.filtersets import RunFilter
from payments.forms import RETURN_REASONS, BankReturnForm, Pain002Form, PrepareRunForm
from payments.models import PaymentRun
from payments.selectors import (
    FILE_STATUSES,
    RETURNABLE_STATUSES,
    can_act_on_payments,
    run_history,
    runs_visible_to,
    transfers_of_run,
    transfers_visible_to,
)

TRANSFERS_PER_PAGE = 100
# The transfers of a run: one per beneficiary, 3 000 for a 200 000-line run; sorted on these keys only.
TRANSFER_SORTS = {"identifiant": "id", "beneficiaire": "name", "montant": "amount", "lignes": "line_total", "statut": "status"}
HISTORY_SHOWN = 100
STATEMENT_LINES_SHOWN = 100
REPORT_IDS_SHOWN = 20


# --- Runs ---------------------------------------------------------------------------------------------
class RunListView(FilteredListView):
    """The runs, newest first; a finance user prepares a new one for an execution date."""

    allowed_roles = (roles.STAFF,)
    filterset_class = RunFilter
    template_name = "payments/run_list.html"
    partial_template_name = "payments/_run_table.html"
    page_title = "Lots de paiement"
    export_name = "lots-de-paiement"
    sort_fields = {
        "numero": "id",
        "execution": "execution_date",
        "statut": "status",
        "lignes": "line_count",
        "virements": "transfer_count",
        "montant": "total",
        "prepare": "prepared_at",
    }
    default_sort = "-numero"
    export_columns = [
        ("N°", "pk"),
        ("Date d'exécution", lambda r: exports.french_date(r.execution_date)),
        ("Statut", lambda r: r.get_status_display()),
        ("Lignes", "line_count"),
        ("Virements", "transfer_count"),
        ("Montant", lambda r: exports.french_amount(r.total)),
        ("Préparé par", lambda r: str(r.prepared_by)),
        ("Approuvé par", lambda r: str(r.approved_by) if r.approved_by_id else ""),
        ("Identifiant du message", "message_id"),
    ]

    def base_queryset(self):
        return runs_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_prepare"] = can_act_on_payments(self.request.user)
        context.setdefault("prepare_form", PrepareRunForm())
        return context

    def post(self, request, *args, **kwargs):
        if not can_act_on_payments(request.user):
            raise PermissionDenied("Seul un membre du service financier peut préparer un lot de paiement.")
        form = PrepareRunForm(request.POST)
        if form.is_valid():
            try:
                preparation = runs.payment_run_prepare(actor=request.user, execution_date=form.cleaned_data["execution_date"])
            except runs.RunRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                run = preparation.run
                text = (
                    f"Lot n° {run.pk} préparé pour le {run.execution_date:%d/%m/%Y} : {run.line_count} ligne(s), "
                    f"{run.transfer_count} virement(s), {euros(run.total)}. "
                    "Il doit être approuvé par un autre membre du service financier."
                )
                if preparation.recovery_orders:
                    text += f" {len(preparation.recovery_orders)} titre(s) de recette émis."
                if preparation.left_for_netting:
                    text += f" {preparation.left_for_netting} trop-perçu(s) attendent une imputation."
                if preparation.flagged_accounts:
                    text += (
                        f" {preparation.flagged_accounts} compte(s) signalé(s) : coordonnées bancaires refusées par le fichier "
                        "SEPA, leurs lignes attendent une correction (comptes signalés)."
                    )
                messages.success(request, text)
                return redirect("payments:run_detail", pk=run.pk)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(prepare_form=form))


def _actions(run: PaymentRun, user) -> dict[str, bool]:
    """Which buttons the page shows; the services refuse anyway what is not allowed."""
    finance = can_act_on_payments(user)
    return {
        "approve": finance and run.status == RunStatus.PREPARED and run.prepared_by_id != user.pk,
        "execute": finance and run.status == RunStatus.APPROVED,
        "resume": finance and run.status == RunStatus.EXECUTING,
        "mark_sent": finance and run.status == RunStatus.FILE_READY,
        "settle": finance and run.status == RunStatus.SENT,
        "cancel": finance and run.status in (RunStatus.PREPARED, RunStatus.APPROVED, RunStatus.FAILED),
        "file": finance and run.status in FILE_STATUSES,
        "pain002": finance and run.status in FILE_STATUSES,
        "returns": finance and run.status in RETURNABLE_STATUSES,
    }


@allow(roles.STAFF)
def run_detail(request, pk: int):
    run = get_object_or_404(runs_visible_to(request.user), pk=pk)
    page = keyset_page(
        request.GET, transfers_of_run(run), sort_fields=TRANSFER_SORTS, default_sort="identifiant", per_page=TRANSFERS_PER_PAGE
    )
    context = {
        "run": run,
        "transfers": page,
        "actions": _actions(run, request.user),
        "is_preparer": run.prepared_by_id == request.user.pk,
        "can_act": can_act_on_payments(request.user),
        "history": list(run_history(run)[:HISTORY_SHOWN]),
        "pain002_form": Pain002Form(),
        "returned": TransferStatus.RETURNED,
        **list_context(page, target="", anchor="#transfers"),
        "no_export": True,
    }
    return render(request, "payments/run_detail.html", context)


@allow(roles.STAFF)
def run_progress(request, pk: int):
    """The progress block the run page polls every 2 s while the run executes; once the run is
    finished, htmx reloads the page so that its actions and downloads follow the new status."""
    run = get_object_or_404(runs_visible_to(request.user), pk=pk)
    response = render(request, "payments/_run_progress.html", {"run": run})
    if request.htmx and run.finished:
        response["HX-Refresh"] = "true"
    return response


RUN_ACTIONS = {
    "approuver": (runs.payment_run_approve, "Lot n° {pk} approuvé : il peut être exécuté."),
    "executer": (runs.payment_run_request_execution, "Exécution du lot n° {pk} demandée : elle se déroule en tâche de fond."),
    "envoyer": (runs.payment_run_mark_sent, "Lot n° {pk} déclaré envoyé à la banque."),
    "regler": (runs.payment_run_settle, "Lot n° {pk} déclaré réglé : ses lignes sont payées."),
    "annuler": (runs.payment_run_cancel, "Lot n° {pk} annulé : ses lignes sont de nouveau à payer."),
}


@allow(roles.FINANCE)
@require_POST
def run_action(request, pk: int, action: str):
    run = get_object_or_404(runs_visible_to(request.user), pk=pk)
    if action not in RUN_ACTIONS:
        messages.error(request, "Action inconnue.")
        return redirect("payments:run_detail", pk=run.pk)
    service, success = RUN_ACTIONS[action]
    try:
        service(actor=request.user, run_id=run.pk)
    except runs.RunRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, success.format(pk=run.pk))
    return redirect("payments:run_detail", pk=run.pk)


@allow(roles.FINANCE)
def run_file(request, pk: int):
    """The SEPA file as it was validated: served only if its bytes still have the recorded SHA-256."""
    run = get_object_or_404(runs_visible_to(request.user), pk=pk)
    if run.status not in FILE_STATUSES or not run.file:
        messages.error(request, f"Le fichier SEPA du {run} n'est pas disponible : le lot est « {run.get_status_display()} ».")
        return redirect("payments:run_detail", pk=run.pk)
    try:
        with run.file.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        messages.error(request, f"Le fichier SEPA {run.message_id}.xml est introuvable sur le serveur.")
        return redirect("payments:run_detail", pk=run.pk)
    if hashlib.sha256(content).hexdigest() != run.file_sha256:
        messages.error(request, f"Le fichier SEPA {run.message_id}.xml a été modifié depuis sa validation : il n'est pas servi.")
        return redirect("payments:run_detail", pk=run.pk)
    audit.record(
        actor=request.user,
        action="payments.run.file_downloaded",
        target=run,
        summary=f"Fichier SEPA {run.message_id}.xml téléchargé",
    )
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=f"{run.message_id}.xml", content_type="application/xml")


@allow(roles.STAFF)
def run_accounting_export(request, pk: int):
    run = get_object_or_404(runs_visible_to(request.user), pk=pk)
    return exports.accounting_export(actor=request.user, run=run)


@allow(roles.FINANCE)
@require_POST
def run_pain002(request, pk: int):
    """Import the bank's pain.002 status report: rejected transfers are recorded as returns."""
    run = get_object_or_404(runs_visible_to(request.user), pk=pk)
    form = Pain002Form(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("payments:run_detail", pk=run.pk)
    from payments.pain002 import import_pain002  # written alongside; imported when used

    upload = form.cleaned_data["file"]
    try:
        report = import_pain002(actor=request.user, xml=upload.read(), filename=upload.name)
    except (ValidationError, runs.RunRefused) as refusal:
        texts = refusal.messages if isinstance(refusal, ValidationError) else [str(refusal)]
        messages.error(request, f"Compte rendu {upload.name} refusé : {' '.join(texts)}")
        return redirect("payments:run_detail", pk=run.pk)
    messages.success(request, _pain002_summary(upload.name, report))
    for error in report.errors[:REPORT_IDS_SHOWN]:
        messages.warning(request, error)
    # The report names the run it answers, which may be another one than the page it was sent from.
    return redirect("payments:run_detail", pk=getattr(report, "run_id", None) or run.pk)


def _ids(ids: list[str]) -> str:
    shown = ", ".join(ids[:REPORT_IDS_SHOWN])
    return shown + (f" et {len(ids) - REPORT_IDS_SHOWN} autre(s)" if len(ids) > REPORT_IDS_SHOWN else "")


def _pain002_summary(filename: str, report) -> str:
    run_id = getattr(report, "run_id", None)
    about = f" (lot n° {run_id})" if run_id else ""
    parts = [f"Compte rendu {filename}{about} importé : {len(report.returned)} rejet(s) enregistré(s)"]
    if report.returned:
        parts[0] += f" ({_ids(report.returned)})"
    parts.append(f"{report.accepted} virement(s) accepté(s)")
    if report.already:
        parts.append(f"{len(report.already)} rejet(s) déjà enregistré(s) ({_ids(report.already)})")
    if report.unknown:
        parts.append(f"{len(report.unknown)} identifiant(s) inconnu(s) ({_ids(report.unknown)})")
    return ", ".join(parts) + "."


# --- Transfers ----------------------------------------------------------------------------------------
@allow(roles.STAFF)
def transfer_statement(request, pk: int):
    """The detailed statement of a transfer (CSV), for the CFA: every line, then the total."""
    transfer = get_object_or_404(transfers_visible_to(request.user), pk=pk)
    return exports.statement_export(actor=request.user, transfer=transfer)


@allow(roles.FINANCE)
@require_http_methods(["GET", "POST"])
def transfer_return(request, pk: int):
    """Record by hand a transfer the bank rejected or returned: its lines are to be paid again and
    the beneficiary's IBAN is flagged until corrected."""
    transfer = get_object_or_404(transfers_visible_to(request.user).select_related("bank_return"), pk=pk)
    form = BankReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            runs.transfer_return(
                actor=request.user,
                transfer_id=transfer.pk,
                reason_code=form.cleaned_data["reason_code"],
                reason=form.cleaned_data["reason"],
                source=ReturnSource.MANUAL,
            )
        except runs.RunRefused as refusal:
            form.add_error(None, str(refusal))
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            messages.success(
                request,
                f"Rejet du virement {transfer.end_to_end_id} enregistré : ses lignes sont de nouveau à payer et l'IBAN "
                f"de {transfer.name} est signalé jusqu'à sa correction.",
            )
            return redirect("payments:run_detail", pk=transfer.run_id)
    lines = transfer.transfer_lines.select_related("line").order_by("line__due_date", "line_id")
    context = {
        "transfer": transfer,
        "form": form,
        "lines": lines[:STATEMENT_LINES_SHOWN],
        "line_total": lines.count(),
        "lines_shown": STATEMENT_LINES_SHOWN,
        "reasons": RETURN_REASONS,
        "returnable": transfer.run.status in RETURNABLE_STATUSES and transfer.status != TransferStatus.RETURNED,
    }
    return render(request, "payments/transfer_return.html", context)
