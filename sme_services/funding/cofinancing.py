"""Co-financed training requests: a convention with the State or a region (FNE-Formation, EDEC…) takes a
share of an accepted request's cost, as a funding line of the spine (payments.cofinancing). The
convention's eligibility rules (registered by the conventions app: period, branch, size band, public,
rate, caps) are checked when the line is added, its envelope committed under its lock; the OPCO's own
share, committed by the request's decision, counts against the action's cost. sme_services imports no
convention: the convention is named by its envelope key."""

from decimal import Decimal

from django.core.exceptions import ValidationError

from payments.cofinancing import funding_line_add, lines_of
from payments.models import FunderKind, FundingLine, Public
from sme_services.funding.enums import RequestStatus
from sme_services.funding.models import TrainingRequest

COFINANCED_STATES = (RequestStatus.ACCEPTED, RequestStatus.SERVICE_FAIT, RequestStatus.PAID)


def training_request_cofinance(
    *, actor, pk: int, scope_key: str, amount: Decimal, public: str = Public.EMPLOYEES, seniors: int = 0, women: int = 0
) -> FundingLine:
    request = TrainingRequest.objects.select_related("company").get(pk=pk)
    if request.status not in COFINANCED_STATES:
        raise ValidationError(
            f"La demande {request.file_number} est « {request.get_status_display()} » : "
            "seule une demande accordée est cofinancée.",
            code="demande_non_accordee",
        )
    training = request.payload.get("training", {})
    hours = Decimal(str(training.get("hours_per_trainee") or 0)) * request.trainees
    return funding_line_add(
        actor=actor,
        source=request,
        funder_kind=FunderKind.CONVENTION,
        scope_key=scope_key,
        amount=amount,
        company=request.company,
        starts_on=request.start,
        ends_on=request.end,
        total_cost=Decimal(str(training.get("pedagogical_cost") or 0)),
        hours=hours,
        trainees=request.trainees,
        public=public,
        seniors=seniors,
        women=women,
        funded_elsewhere=request.funded_total,
    )


def cofinancing_of(request: TrainingRequest):
    return lines_of(request).order_by("id")
