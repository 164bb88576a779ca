"""The payments lists: payable lines (filters, CSV), accounts flagged by a bank return (with the
correction form) and recovery orders (titres de recette). Runs are in `payments.views_runs`.

IBANs are shown masked everywhere; corrections and settlements are the finance department's.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import roles
from opco.access import allow
from opco.forms import add_service_errors
from opco.lists import FilteredListView
from payments import exports
from payments.enums import LineStatus, RecoveryStatus
from payments.filtersets import LineFilter, RecoveryOrderFilter
from payments.forms import AccountCorrectionForm
from payments.models import mask_iban
from payments.runs import RunRefused, recovery_order_settle
from payments.selectors import can_act_on_payments, flagged_accounts_visible_to, lines_visible_to, recovery_orders_visible_to
from payments.services import beneficiary_account_correct


class PayableLineListView(FilteredListView):
    allowed_roles = (roles.STAFF,)
    filterset_class = LineFilter
    template_name = "includes/filtered_list.html"
    partial_template_name = "payments/_line_table.html"
    page_title = "Lignes à payer"
    export_name = "lignes-a-payer"
    sort_fields = {
        "reference": "reference",
        "beneficiaire": "account__name",
        "montant": "amount",
        "payable": "due_date",
        "limite": "pay_by",
        "statut": "status",
        "lot": "run_id",
    }
    default_sort = "payable"
    export_columns = [
        ("Référence", "reference"),
        ("Libellé", "label"),
        ("SIRET bénéficiaire", "account.identifier"),
        ("Bénéficiaire", "account.name"),
        ("IBAN", lambda line: mask_iban(line.account.iban)),
        ("Montant", lambda line: exports.french_amount(line.amount)),
        ("Sens", lambda line: exports.DEBIT if line.amount > 0 else exports.CREDIT),
        ("Payable à partir du", lambda line: exports.french_date(line.due_date)),
        ("À payer au plus tard le", lambda line: exports.french_date(line.pay_by)),
        ("Statut", lambda line: line.get_status_display()),
        ("Lot", lambda line: line.run_id or ""),
        ("Section financière", "section"),
    ]

    def base_queryset(self):
        return lines_visible_to(self.request.user).order_by("due_date", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(today=timezone.localdate(), payable=LineStatus.PAYABLE)
        return context


def _flagged_page(request, forms: dict | None = None):
    accounts = list(flagged_accounts_visible_to(request.user))
    forms = forms or {}
    can_correct = can_act_on_payments(request.user)
    rows = [(account, forms.get(account.pk) or AccountCorrectionForm(prefix=f"a{account.pk}")) for account in accounts]
    return render(request, "payments/flagged_accounts.html", {"rows": rows, "can_correct": can_correct})


@allow(roles.STAFF)
def flagged_accounts(request):
    """Accounts a bank return flagged: their lines wait until the finance department enters the
    corrected bank details."""
    return _flagged_page(request)


@allow(roles.FINANCE)
@require_POST
def account_correct(request, pk: int):
    account = get_object_or_404(flagged_accounts_visible_to(request.user), pk=pk)
    form = AccountCorrectionForm(request.POST, prefix=f"a{account.pk}")
    if form.is_valid():
        try:
            corrected = beneficiary_account_correct(
                actor=request.user, account_id=account.pk, iban=form.cleaned_data["iban"], bic=form.cleaned_data["bic"]
            )
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            messages.success(
                request,
                f"Coordonnées bancaires de {corrected.name} corrigées (IBAN {corrected.masked_iban}) : "
                f"ses {account.waiting_count} ligne(s) en attente seront payées au prochain lot.",
            )
            return redirect("payments:flagged_accounts")
    return _flagged_page(request, {account.pk: form})


class RecoveryOrderListView(FilteredListView):
    allowed_roles = (roles.STAFF,)
    filterset_class = RecoveryOrderFilter
    template_name = "includes/filtered_list.html"
    partial_template_name = "payments/_recovery_table.html"
    page_title = "Titres de recette"
    export_name = "titres-de-recette"
    sort_fields = {"numero": "number", "debiteur": "account__name", "montant": "amount", "emis": "issued_on", "statut": "status"}
    default_sort = "-emis"
    export_columns = [
        ("Numéro", "number"),
        ("SIRET débiteur", "account.identifier"),
        ("Débiteur", "account.name"),
        ("Montant à recouvrer", lambda order: exports.french_amount(order.amount)),
        ("Émis le", lambda order: exports.french_date(order.issued_on)),
        ("Statut", lambda order: order.get_status_display()),
        ("Lignes", "line_total"),
    ]

    def base_queryset(self):
        return recovery_orders_visible_to(self.request.user).order_by("-issued_on", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(can_settle=can_act_on_payments(self.request.user), issued=RecoveryStatus.ISSUED)
        return context


@allow(roles.FINANCE)
@require_POST
def recovery_order_settled(request, pk: int):
    order = get_object_or_404(recovery_orders_visible_to(request.user), pk=pk)
    try:
        recovery_order_settle(actor=request.user, order_id=order.pk)
    except RunRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{order} recouvré ({exports.french_amount(order.amount)} €).")
    return redirect("payments:recovery_orders")
