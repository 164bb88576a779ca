"""When a période de reconversion's payments become payable, and their hand-over to payments."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Subquery

from contracts.models.reconversion import (
    PaymentKind,
    PaymentStatus,
    ReconversionPayment,
    ReconversionPeriod,
)
from contracts.models.reconversion import ReconversionStatus as S
from contracts.reconversion.rules import FUNDED, PAY_WITHIN, today_or_local
from payments.enums import BeneficiaryKind, FinancialSection, LineStatus
from payments.services import Beneficiary, LineRequest, payable_lines_submit
from referentials.models import TrainingProvider


# --- Payability (payments.sources) -------------------------------------------------------------------
@dataclass
class Release:
    released: int = 0
    blocked: list[str] = field(default_factory=list)


def payment_due(payment: ReconversionPayment, period: ReconversionPeriod) -> tuple[date | None, str]:
    """(date from which the row is payable, or None with what it waits for)."""
    if payment.kind == PaymentKind.ADVANCE:
        if period.status not in (S.RUNNING, S.ENDED, S.INTERRUPTED) or period.start_invoice_received_on is None:
            return None, "début de la formation et facture de l'organisme"
        return max(period.started_on or period.start_date, period.start_invoice_received_on), ""
    if period.status != S.ENDED or period.completion_attested_on is None:
        return None, "fin de la formation, attestation de réalisation et facture finale"
    return period.completion_attested_on, ""


def beneficiary_of(period: ReconversionPeriod) -> Beneficiary | None:
    provider = period.provider or TrainingProvider.objects.filter(siret=period.provider_siret).first()
    if provider is None:
        return None
    return Beneficiary(
        kind=BeneficiaryKind.PROVIDER,
        identifier=provider.siret,
        name=provider.display_name,
        address=provider.address,
        postal_code=provider.postal_code,
        town=provider.city,
        iban=provider.iban,
        bic=provider.bic,
    )


def line_request(payment: ReconversionPayment, period: ReconversionPeriod, due: date, beneficiary: Beneficiary) -> LineRequest:
    code = "AVANCE" if payment.kind == PaymentKind.ADVANCE else "SOLDE"
    return LineRequest(
        source_id=payment.pk,
        beneficiary=beneficiary,
        amount=payment.amount,
        due_date=due,
        pay_by=due + PAY_WITHIN,
        reference=f"{period.file_number} {period.employee_initials} {code}",
        label=f"Période de reconversion {period.file_number} – {period.employee_initials} – {payment.get_kind_display().lower()}",
        section=FinancialSection.RECONVERSION,
    )


def reconversion_payments_release(*, until: date | None = None, today: date | None = None, period_ids=None) -> Release:
    """Hand over to payments every planned row whose condition is met by `until`. Periods being
    changed elsewhere (row locked) are skipped and looked at next time."""
    day = today_or_local(today)
    until = until or day
    report = Release()
    with transaction.atomic():
        planned = ReconversionPayment.objects.filter(status=PaymentStatus.PLANNED, period__status__in=FUNDED)
        if period_ids is not None:
            planned = planned.filter(period_id__in=period_ids)
        periods = {
            period.pk: period
            for period in ReconversionPeriod.objects.filter(id__in=Subquery(planned.values("period_id")))
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("provider")
        }
        if not periods:
            return report
        requests = []
        blocked = set()
        for payment in ReconversionPayment.objects.filter(status=PaymentStatus.PLANNED, period_id__in=list(periods)).order_by(
            "id"
        ):
            period = periods[payment.period_id]
            due, _ = payment_due(payment, period)
            if due is None or due > until:
                continue
            beneficiary = beneficiary_of(period)
            problems = beneficiary.problems() if beneficiary else ["organisme de formation inconnu du référentiel"]
            if problems:
                blocked.add(f"{period.file_number} : {', '.join(problems)}")
                continue
            requests.append(line_request(payment, period, due, beneficiary))
        payable_lines_submit(source_model=ReconversionPayment, requests=requests)
        ReconversionPayment.objects.filter(id__in=[r.source_id for r in requests]).update(status=PaymentStatus.PAYABLE)
        report.released, report.blocked = len(requests), sorted(blocked)
    return report


MIRRORED_FROM = {
    LineStatus.IN_RUN: (PaymentStatus.PAYABLE,),
    LineStatus.PAID: (PaymentStatus.IN_RUN,),
    LineStatus.PAYABLE: (PaymentStatus.IN_RUN, PaymentStatus.PAID),
    LineStatus.RECOVERY: (PaymentStatus.PAYABLE,),
}
MIRRORED_TO = {
    LineStatus.IN_RUN: PaymentStatus.IN_RUN,
    LineStatus.PAID: PaymentStatus.PAID,
    LineStatus.PAYABLE: PaymentStatus.PAYABLE,
    LineStatus.RECOVERY: PaymentStatus.RECOVERY,
}


def mirror_line_status(lines, status: str) -> None:
    """Keep the rows in step with their payable lines (one UPDATE, guarded by the previous status)."""
    if status not in MIRRORED_TO:
        return
    ReconversionPayment.objects.filter(
        id__in=Subquery(lines.order_by().values("source_id")), status__in=MIRRORED_FROM[status]
    ).update(status=MIRRORED_TO[status])


def providers_with_pending(identifiers: set[str]) -> set[str]:
    """Providers (by SIRET) with rows still to come: a negative line waits to be netted."""
    if not identifiers:
        return set()
    return set(
        ReconversionPayment.objects.filter(status=PaymentStatus.PLANNED, period__provider_siret__in=identifiers)
        .values_list("period__provider_siret", flat=True)
        .distinct()
    )


def release_for_payments(until: date) -> int:
    return reconversion_payments_release(until=until).released
