"""Co-financed diagnostics: a convention with the State or a region (EDEC, prestation de conseil RH —
C. trav. L6332-1 II 1° a, D5121-6) takes a share of a finished diagnostic's cost, as a funding line of
the spine (payments.cofinancing). The convention's eligibility rules (registered by the conventions app)
are checked when the line is added and its envelope committed under its lock; the OPCO's own share of
the diagnostic counts against its cost. sme_services imports no convention: it is named by its
envelope key. A diagnostic is no instructed file: it is registered as a source of lines, known by
« DIAG-<id> »."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from payments.cofinancing import can_manage_funding, funding_line_add, lines_of, register_source
from payments.models import FunderKind, FundingLine, Public
from sme_services.enums import DiagnosticStatus
from sme_services.models import Diagnostic

HOURS_PER_DAY = Decimal("7")  # a consultant's day, for the conventions capping an hourly cost


def diagnostic_reference(diagnostic: Diagnostic) -> str:
    return f"DIAG-{diagnostic.pk:06d}"


def diagnostic_cofinance(
    *, actor, pk: int, scope_key: str, amount: Decimal, public: str = Public.EMPLOYEES, seniors: int = 0, women: int = 0
) -> FundingLine:
    """Add a convention's line to a finished, costed diagnostic. Refused — ValidationError (French
    reason, stable code), FundingRefused, BudgetExceeded or PermissionDenied — with nothing stored."""
    if not can_manage_funding(actor):
        raise PermissionDenied("Seuls les gestionnaires, le service financier et les responsables cofinancent un diagnostic.")
    diagnostic = Diagnostic.objects.select_related("company").get(pk=pk)
    if diagnostic.status != DiagnosticStatus.COMPLETED:
        raise ValidationError(
            "Seul un diagnostic terminé est cofinancé : son coût et ses parts sont alors arrêtés.", code="diagnostic_non_termine"
        )
    if diagnostic.cost <= 0:
        raise ValidationError(
            "Ce diagnostic, réalisé par un conseiller de l'OPCO, ne coûte rien à l'entreprise : rien à cofinancer.",
            code="diagnostic_sans_cout",
        )
    return funding_line_add(
        actor=actor,
        source=diagnostic,
        funder_kind=FunderKind.CONVENTION,
        scope_key=scope_key,
        amount=amount,
        company=diagnostic.company,
        starts_on=diagnostic.opened_on,
        ends_on=diagnostic.completed_on,
        total_cost=diagnostic.cost,
        hours=(diagnostic.days or Decimal(0)) * HOURS_PER_DAY,
        public=public,
        seniors=seniors,
        women=women,
        funded_elsewhere=diagnostic.opco_amount,
    )


def cofinancing_of(diagnostic: Diagnostic):
    return lines_of(diagnostic).order_by("id")


def register() -> None:
    register_source(Diagnostic, diagnostic_reference)
