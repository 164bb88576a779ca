"""When a période de reconversion's payments become payable (the house rule in
`contracts.reconversion.rules`: the advance on the start with the provider's invoice, the balance on the
end with the attestation de réalisation and the final invoice), declared as the rows' `PayableSchedule`
(`SCHEDULE`); the release loop, the locking and the mirror of payment runs are payments'
(`payments.schedules`).
"""

from datetime import date

from django.db.models import Q

from contracts.models.reconversion import PaymentKind, ReconversionPayment, ReconversionPeriod
from contracts.models.reconversion import ReconversionStatus as S
from contracts.reconversion.rules import FUNDED, PAY_WITHIN, today_or_local
from payments.enums import BeneficiaryKind, FinancialSection
from payments.schedules import Decision, PayableSchedule, Release, referential_beneficiary, release
from payments.services import Beneficiary, LineRequest
from referentials.models import TrainingProvider


def payment_due(payment: ReconversionPayment, period: ReconversionPeriod) -> tuple[date | None, str]:
    """(date from which the row is payable, or None with what it waits for)."""
    if payment.kind == PaymentKind.ADVANCE:
        if period.status not in (S.RUNNING, S.ENDED, S.INTERRUPTED) or period.start_invoice_received_on is None:
            return None, "début de la formation et facture de l'organisme"
        return max(period.started_on or period.start_date, period.start_invoice_received_on), ""
    if period.status != S.ENDED or period.completion_attested_on is None:
        return None, "fin de la formation, attestation de réalisation et facture finale"
    return period.completion_attested_on, ""


def decide(payment: ReconversionPayment, period: ReconversionPeriod, today: date) -> Decision:
    """A row is paid within 30 days of its documents; nothing here closes a row as not due (an
    interruption supersedes what is not owed, in `contracts.reconversion.services`)."""
    due, waiting_for = payment_due(payment, period)
    return Decision(due=due, pay_by=None if due is None else due + PAY_WITHIN, waiting_for=waiting_for)


def beneficiary_of(payment: ReconversionPayment, period: ReconversionPeriod) -> Beneficiary | None:
    provider = period.provider or TrainingProvider.objects.filter(siret=period.provider_siret).first()
    return None if provider is None else referential_beneficiary(kind=BeneficiaryKind.PROVIDER, party=provider)


def unknown_provider(payment: ReconversionPayment) -> str:
    return "organisme de formation inconnu du référentiel"


def line_request(
    payment: ReconversionPayment, period: ReconversionPeriod, decision: Decision, beneficiary: Beneficiary
) -> LineRequest:
    code = "AVANCE" if payment.kind == PaymentKind.ADVANCE else "SOLDE"
    return LineRequest(
        source_id=payment.pk,
        beneficiary=beneficiary,
        amount=payment.amount,
        due_date=decision.due,
        pay_by=decision.pay_by,
        reference=f"{period.file_number} {period.employee_initials} {code}",
        label=f"Période de reconversion {period.file_number} – {period.employee_initials} – {payment.get_kind_display().lower()}",
        section=FinancialSection.RECONVERSION,
    )


# The rows as a payable schedule (payments.schedules), registered in contracts.apps. The decisions read
# the period itself; a negative line of the provider waits while it has rows to come (by the SIRET the
# period was deposited with).
SCHEDULE = PayableSchedule(
    row_model=ReconversionPayment,
    file_path="period",
    funded=FUNDED,
    amount_field="amount",
    decide=decide,
    beneficiary=beneficiary_of,
    unknown_beneficiary=unknown_provider,
    line=line_request,
    beneficiary_paths=((Q(), "period__provider_siret"),),
    file_related=("provider",),
)


def reconversion_payments_release(
    *, until: date | None = None, today: date | None = None, period_ids: list[int] | None = None
) -> Release:
    """Hand over to payments every planned row whose condition is met by `until`. Periods being
    changed elsewhere (row locked) are skipped and looked at next time."""
    day = today_or_local(today)
    return release(SCHEDULE, until=until or day, today=day, file_ids=period_ids)
