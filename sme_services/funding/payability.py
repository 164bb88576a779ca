"""When a request's payable rows are paid: after the action (C. trav. R6332-25 I), from the service
fait date, to the training body under subrogation, to the company otherwise; declared as the rows'
`PayableSchedule` (payments.schedules), registered in sme_services.apps."""

from datetime import date

from django.db.models import Q

from payments.enums import BeneficiaryKind, FinancialSection
from payments.schedules import Decision, PayableSchedule, Release, referential_beneficiary, release
from payments.services import Beneficiary, LineRequest
from sme_services.funding.enums import RequestStatus as S
from sme_services.funding.models import FundingPayment, TrainingRequest


def decide(row: FundingPayment, request: TrainingRequest, today: date) -> Decision:
    return Decision(due=row.due_on)


def beneficiary_of(row: FundingPayment, request: TrainingRequest) -> Beneficiary | None:
    if row.beneficiary_kind == BeneficiaryKind.PROVIDER:
        if request.provider is None:
            return None
        return referential_beneficiary(kind=BeneficiaryKind.PROVIDER, party=request.provider)
    return referential_beneficiary(kind=BeneficiaryKind.EMPLOYER, party=request.company)


def unknown_beneficiary(row: FundingPayment) -> str:
    return "organisme de formation inconnu du référentiel"


def line_request(row: FundingPayment, request: TrainingRequest, decision: Decision, beneficiary: Beneficiary) -> LineRequest:
    return LineRequest(
        source_id=row.pk,
        beneficiary=beneficiary,
        amount=row.amount,
        due_date=decision.due,
        pay_by=decision.pay_by,
        reference=f"{request.file_number} {row.pk}"[:35],
        label=f"Formation {request.file_number} – {request.title}"[:140],
        section=FinancialSection.PLAN_UNDER_50,
    )


SCHEDULE = PayableSchedule(
    row_model=FundingPayment,
    file_path="request",
    funded=(S.SERVICE_FAIT, S.PAID),
    amount_field="amount",
    decide=decide,
    beneficiary=beneficiary_of,
    unknown_beneficiary=unknown_beneficiary,
    line=line_request,
    beneficiary_paths=(
        (Q(beneficiary_kind=BeneficiaryKind.PROVIDER), "request__provider__siret"),
        (Q(beneficiary_kind=BeneficiaryKind.EMPLOYER), "request__company__siret"),
    ),
    file_related=("provider", "company"),
)


def training_payments_release(*, until: date, today: date, request_ids: list[int] | None = None) -> Release:
    return release(SCHEDULE, until=until, today=today, file_ids=request_ids)


def requests_settle(request_ids) -> int:
    """Requests whose live rows are all paid move to « payée » (the workflow's automatic action),
    called after payments mirrored a run's lines onto the rows."""
    from django.db import transaction

    from opco.workflow import TransitionRefused
    from payments.enums import ScheduleStatus
    from sme_services.funding.workflow import REQUESTS

    settled = 0
    live = FundingPayment.objects.exclude(status__in=(ScheduleStatus.SUPERSEDED, ScheduleStatus.NOT_DUE))
    done = TrainingRequest.objects.filter(pk__in=request_ids, status=S.SERVICE_FAIT).exclude(
        pk__in=live.exclude(status=ScheduleStatus.PAID).values("request_id")
    )
    for pk in done.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                file, action = REQUESTS.lock(pk, "paid", actor=None)
                REQUESTS.apply(file, action, actor=None, summary="Paiement exécuté (R6332-25 I)")
                settled += 1
        except TransitionRefused:
            continue
    return settled


def source():
    """The rows as payments' source: the schedule's, and after a mirror to « payée », the requests
    settled."""
    from dataclasses import replace

    from payments.enums import LineStatus

    base = SCHEDULE.as_source()

    def mirror(lines, status):
        base.mirror(lines, status)
        if status == LineStatus.PAID:
            ids = FundingPayment.objects.filter(pk__in=lines.order_by().values("source_id")).values_list("request_id", flat=True)
            requests_settle(list(ids))

    return replace(base, mirror=mirror)
