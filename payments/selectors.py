"""Reads of payments that depend on who asks: the one place that scopes them to a user.

Money out is the OPCO's own business: staff see every run, line, account and recovery order; an
advisor or a branch representative sees nothing (their views are refused anyway, this is the second
lock). The row shapes below are built so that a page costs the same number of queries whatever its
number of rows.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from accounts import roles
from opco.audit import history_of
from opco.models import AuditEntry
from payments.enums import LineStatus, RunStatus
from payments.models import BeneficiaryAccount, PayableLine, PaymentRun, RecoveryOrder, Transfer

# A run's SEPA file exists (and may be downloaded) in these statuses.
FILE_STATUSES = (RunStatus.FILE_READY, RunStatus.SENT, RunStatus.SETTLED)
# A transfer may be declared returned by the bank once its file left, or could have.
RETURNABLE_STATUSES = FILE_STATUSES


def can_see_payments(user) -> bool:
    return roles.STAFF(user)


def can_act_on_payments(user) -> bool:
    """Preparing, approving, executing, returns and corrections are the finance department's."""
    return roles.FINANCE(user)


def runs_visible_to(user) -> QuerySet[PaymentRun]:
    runs = PaymentRun.objects.select_related("prepared_by", "approved_by")
    return runs if can_see_payments(user) else runs.none()


def lines_visible_to(user) -> QuerySet[PayableLine]:
    lines = PayableLine.objects.select_related("account", "run")
    return lines if can_see_payments(user) else lines.none()


def transfers_visible_to(user) -> QuerySet[Transfer]:
    transfers = Transfer.objects.select_related("run", "account")
    return transfers if can_see_payments(user) else transfers.none()


def transfers_of_run(run: PaymentRun) -> QuerySet[Transfer]:
    """The transfers of a run with their number of lines and their return, in one query."""
    return (
        Transfer.objects.filter(run=run)
        .select_related("account", "bank_return")
        .annotate(line_total=Count("transfer_lines"))
        .order_by("id")
    )


def flagged_accounts_visible_to(user) -> QuerySet[BeneficiaryAccount]:
    """Accounts a bank return flagged, with what waits for their correction."""
    waiting = Q(lines__status=LineStatus.PAYABLE)
    accounts = BeneficiaryAccount.objects.filter(blocked=True).annotate(
        waiting_count=Count("lines", filter=waiting), waiting_amount=Sum("lines__amount", filter=waiting)
    )
    accounts = accounts.order_by("-blocked_at", "name")
    return accounts if can_see_payments(user) else accounts.none()


def recovery_orders_visible_to(user) -> QuerySet[RecoveryOrder]:
    orders = RecoveryOrder.objects.select_related("account").annotate(line_total=Count("lines"))
    return orders if can_see_payments(user) else orders.none()


def late_lines(queryset: QuerySet[PayableLine]) -> QuerySet[PayableLine]:
    """Lines still waiting to be paid after the date they had to be paid by (R6332-25: 30 days)."""
    return queryset.filter(status=LineStatus.PAYABLE, pay_by__lt=timezone.localdate())


def run_history(run: PaymentRun) -> QuerySet[AuditEntry]:
    """The audit entries of the run and of its transfers (returns, statements), newest first."""
    transfer_ids = Transfer.objects.filter(run=run).annotate(text_id=Cast("id", CharField())).values("text_id")
    of_transfers = AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(Transfer), target_id__in=transfer_ids
    ).select_related("actor")
    return (history_of(run) | of_transfers).order_by("-occurred_at", "-id")
