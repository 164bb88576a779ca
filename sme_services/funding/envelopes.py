"""The plan < 50 money of the branches: the section's dotation split into branch envelopes by quarter,
the pull-forward of the next quarter by a manager, and what each envelope holds (committed, paid,
remaining, waiting) — on payments' envelopes and their append-only ledger (payments.budgets)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum

from accounts import roles
from branches.models import Branch
from opco import audit
from opco.money import euros, round_money
from payments.budgets import branch_envelope_set, quarter_of
from payments.enums import FinancialSection, LineStatus
from payments.models import BudgetMovement, Envelope, EnvelopeKind, PayableLine
from sme_services.funding.enums import RequestStatus as S
from sme_services.funding.models import FundingPayment, TrainingRequest
from sme_services.funding.services import waiting_list_review

ZERO = Decimal("0.00")
SECTION = FinancialSection.PLAN_UNDER_50


def _envelope(branch: Branch, year: int, quarter: int) -> Envelope | None:
    return Envelope.objects.filter(kind=EnvelopeKind.BRANCH, section=SECTION, branch=branch, year=year, quarter=quarter).first()


def waiting_lists_on_credit(envelope: Envelope, *, actor, previous: Decimal | None = None) -> list[TrainingRequest]:
    """Registered into payments (`on_envelope_credited`, from the app's ready()): whatever the door that
    raised a plan < 50 envelope (the payments budget screen, the split below, a pull-forward), its
    waiting requests are decided in filing order. A branch's quarter reviews its own list; the
    section's yearly dotation, which every request also draws on, the lists of every branch quarter
    of the year."""
    del previous  # the rise is what matters, not its size: the review stops at the first request not covered
    if envelope.section != SECTION:
        return []
    if envelope.kind == EnvelopeKind.BRANCH:
        return waiting_list_review(actor=actor, branch_id=envelope.branch_id, year=envelope.year, quarter=envelope.quarter)
    if envelope.kind != EnvelopeKind.SECTION:
        return []
    slots = sorted(
        {
            (branch_id, quarter_of(start))
            for branch_id, start in TrainingRequest.objects.filter(status=S.WAITING, start__year=envelope.year).values_list(
                "branch_id", "start"
            )
        },
        key=lambda slot: (slot[1], slot[0] or 0),
    )
    accepted = []
    for branch_id, quarter in slots:
        accepted += waiting_list_review(actor=actor, branch_id=branch_id, year=envelope.year, quarter=quarter)
    return accepted


def branch_dotation_split(*, actor, branch: Branch, year: int, amounts: list[Decimal], source: str = "") -> list[Envelope]:
    """A branch's yearly plan < 50 envelope split by quarter (four amounts); each quarter raised then
    has its waiting list reviewed on commit (`waiting_lists_on_credit`): a new dotation frees money."""
    if len(amounts) != 4:
        raise ValidationError({"amounts": "Quatre montants, un par trimestre."})
    with transaction.atomic():
        return [
            branch_envelope_set(actor=actor, branch=branch, year=year, quarter=q, amount=Decimal(a), source=source)
            for q, a in enumerate(amounts, start=1)
        ]


def envelope_pull_forward(*, actor, branch: Branch, year: int, quarter: int, amount: Decimal) -> tuple[Envelope, Envelope]:
    """A manager brings forward part of the next quarter's envelope (Q4 draws on Q1 of the next year);
    both amounts change in one transaction, each audited by payments; the quarter raised has its
    waiting list reviewed on commit (`waiting_lists_on_credit`)."""
    if not roles.RESPONSABLE(actor):
        raise PermissionDenied("Seul un responsable avance l'enveloppe du trimestre suivant.")
    amount = round_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": "Le montant avancé est positif."})
    next_year, next_quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    with transaction.atomic():
        current, following = _envelope(branch, year, quarter), _envelope(branch, next_year, next_quarter)
        if following is None or following.amount is None:
            raise ValidationError({"amount": f"Aucune enveloppe saisie pour T{next_quarter} {next_year}."})
        if current is None or current.amount is None:
            raise ValidationError({"amount": f"Aucune enveloppe saisie pour T{quarter} {year}."})
        committed_next = BudgetMovement.objects.filter(budget=following).aggregate(total=Sum("amount"))["total"] or ZERO
        if following.amount - committed_next < amount:
            raise ValidationError(
                {"amount": f"Le trimestre suivant n'a que {euros(following.amount - committed_next)} non engagés à avancer."}
            )
        source = f"Avance de {euros(amount)} de T{next_quarter} {next_year} sur T{quarter} {year}"
        after = branch_envelope_set(
            actor=actor, branch=branch, year=next_year, quarter=next_quarter, amount=following.amount - amount, source=source
        )
        now = branch_envelope_set(
            actor=actor, branch=branch, year=year, quarter=quarter, amount=current.amount + amount, source=source
        )
        audit.record(
            actor=actor,
            action="funding_envelope_pull_forward",
            target=now,
            changes={"amount": [None, str(amount)]},
            summary=source,
        )
    return now, after


@dataclass(frozen=True)
class EnvelopeRow:
    branch_id: int
    branch_name: str
    year: int
    quarter: int
    amount: Decimal | None
    committed: Decimal
    paid: Decimal
    waiting: Decimal
    waiting_count: int

    @property
    def remaining(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.committed


def envelope_rows(year: int, *, branch: Branch | None = None) -> list[EnvelopeRow]:
    """Each branch quarter of `year`: amount, committed (ledger), paid (the requests' lines paid),
    remaining, waiting (amount and count). Aggregated: no personal data."""
    envelopes = Envelope.objects.filter(kind=EnvelopeKind.BRANCH, section=SECTION, year=year).select_related("branch")
    if branch is not None:
        envelopes = envelopes.filter(branch=branch)
    committed = dict(
        BudgetMovement.objects.filter(budget__in=envelopes).order_by().values_list("budget").annotate(total=Sum("amount"))
    )
    requests = TrainingRequest.objects.filter(start__year=year)
    if branch is not None:
        requests = requests.filter(branch=branch)
    waiting = {}
    for branch_id, month, total, count in (
        requests.filter(status=S.WAITING)
        .order_by()
        .values_list("branch_id", "start__month")
        .annotate(total=Sum("funded_total"), count=Count("id"))
    ):
        key = (branch_id, quarter_of(date(year, month, 1)))
        before = waiting.get(key, (ZERO, 0))
        waiting[key] = (before[0] + total, before[1] + count)
    paid_rows = FundingPayment.objects.filter(
        request__in=requests,
        pk__in=PayableLine.objects.filter(
            status=LineStatus.PAID, source_type__app_label="sme_services", source_type__model="fundingpayment"
        ).values("source_id"),
    )
    paid = {}
    for branch_id, month, total in (
        paid_rows.order_by().values_list("request__branch_id", "request__start__month").annotate(total=Sum("amount"))
    ):
        key = (branch_id, quarter_of(date(year, month, 1)))
        paid[key] = paid.get(key, ZERO) + total
    return [
        EnvelopeRow(
            branch_id=e.branch_id,
            branch_name=e.branch.name,
            year=year,
            quarter=e.quarter,
            amount=e.amount,
            committed=round_money(committed.get(e.pk) or ZERO),
            paid=round_money(paid.get((e.branch_id, e.quarter), ZERO)),
            waiting=round_money(waiting.get((e.branch_id, e.quarter), (ZERO, 0))[0]),
            waiting_count=waiting.get((e.branch_id, e.quarter), (ZERO, 0))[1],
        )
        for e in envelopes.order_by("branch__name", "branch_id", "quarter")
    ]


def monthly_chart(year: int, *, branch: Branch | None = None) -> list[dict]:
    """Committed (by the month of the training's start) and paid (by run execution month) per month of
    `year` on the branches' plan < 50 envelopes: twelve entries, January first."""
    movements = BudgetMovement.objects.filter(budget__kind=EnvelopeKind.BRANCH, budget__section=SECTION, month__year=year)
    lines = PayableLine.objects.filter(
        status=LineStatus.PAID,
        run__execution_date__year=year,
        source_type__app_label="sme_services",
        source_type__model="fundingpayment",
    )
    if branch is not None:
        movements = movements.filter(budget__branch=branch)
        lines = lines.filter(source_id__in=FundingPayment.objects.filter(request__branch=branch).values("pk"))
    committed = dict(movements.order_by().values_list("month__month").annotate(total=Sum("amount")))
    paid = dict(lines.order_by().values_list("run__execution_date__month").annotate(total=Sum("amount")))
    waiting = dict(
        TrainingRequest.objects.filter(status=S.WAITING, start__year=year, **({"branch": branch} if branch else {}))
        .order_by()
        .values_list("start__month")
        .annotate(total=Sum("funded_total"))
    )
    return [
        {
            "month": month,
            "committed": round_money(committed.get(month) or ZERO),
            "paid": round_money(paid.get(month) or ZERO),
            "waiting": round_money(waiting.get(month) or ZERO),
        }
        for month in range(1, 13)
    ]


def waiting_list(*, branch_id: int | None = None, year: int | None = None):
    rows = TrainingRequest.objects.filter(status=S.WAITING).filter(Q(branch_id=branch_id) if branch_id else Q())
    if year:
        rows = rows.filter(start__year=year)
    return rows.select_related("company", "branch").order_by("received_on", "id")
