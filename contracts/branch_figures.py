"""What the contracts tell the branches' portal (branches.portal.facts): each kind of contract as a
queryset of files annotated with the portal's names, aggregated there in SQL. No column names a
person: the portal shows figures, never an apprentice or an employee (RGPD art. 5 1 c)."""

from decimal import Decimal

from django.db.models import BooleanField, Case, CharField, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce

from branches.models import CpneIdcc
from branches.portal.facts import FactSource, register_fact_source
from branches.selectors import branch_idcc_codes
from contracts.enums import ContractKind, ContractStatus
from contracts.models import ApprenticeshipContract, Instalment, ReconversionPayment, ReconversionPeriod
from contracts.models.reconversion import ReconversionStatus
from payments.enums import ScheduleStatus

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)
# A contract counts as concluded once the OPCO took it in charge: accepted (or deposited) and after.
CONCLUDED = [
    ContractStatus.ACCEPTED,
    ContractStatus.DEPOSITED,
    ContractStatus.RUNNING,
    ContractStatus.ENDED,
    ContractStatus.BROKEN,
]
PERIOD_CONCLUDED = [
    ReconversionStatus.ACCEPTED,
    ReconversionStatus.RUNNING,
    ReconversionStatus.ENDED,
    ReconversionStatus.INTERRUPTED,
]
LIVE = Q(status__in=[ScheduleStatus.PLANNED, ScheduleStatus.PAYABLE, ScheduleStatus.IN_RUN, ScheduleStatus.PAID])


def _branch_idcc(branch) -> list[str]:
    # A literal list, not a subquery: the planner then reads the branch's files through the employer-IDCC
    # index instead of scanning every file of the OPCO (issue 19: 0.65 s per statement at 1 000 000 files).
    return branch_idcc_codes(branch)


def _instalments(contract_status):
    rows = Instalment.objects.filter(contract_status, commitment__contract=OuterRef("pk")).order_by()
    return Coalesce(
        Subquery(rows.values("commitment__contract").annotate(s=Sum("net")).values("s")[:1], output_field=MONEY), ZERO
    )


def _cpne_of_idcc():
    # The CPNE covering the employer's IDCC in the latest publication (« Onglet 4 »).
    mapping = CpneIdcc.objects.filter(idcc_code=OuterRef("employer_idcc")).order_by("-publication__imported_at", "-id")
    return Subquery(mapping.values("cpne__code")[:1], output_field=CharField())


def alternance_contracts(kind: str):
    def queryset(branch=None):
        qs = ApprenticeshipContract.objects.filter(contract_kind=kind, status__in=CONCLUDED)
        if branch is not None:
            qs = qs.filter(employer_idcc__in=_branch_idcc(branch))
        return qs.annotate(
            concluded_on=F("signed_on"),
            cert_code=Case(When(rncp="", then=F("code_diplome")), default=F("rncp"), output_field=CharField()),
            cert_title=Coalesce("certification__title", "training_title", output_field=CharField()),
            cfa_name=Coalesce("cfa__name", Value(""), output_field=CharField()),
            postal_code=Coalesce("employer__postal_code", Value(""), output_field=CharField()),
            broken=Case(
                When(Q(status=ContractStatus.BROKEN) | Q(rupture__isnull=False), then=True),
                default=False,
                output_field=BooleanField(),
            ),
            committed=_instalments(LIVE),
            paid=_instalments(Q(status=ScheduleStatus.PAID)),
            npec=F("commitment__npec"),
            cpne_code=Coalesce("commitment__npec_entry__cpne__code", _cpne_of_idcc(), Value(""), output_field=CharField()),
        )

    return queryset


def reconversion_periods(branch=None):
    qs = ReconversionPeriod.objects.filter(status__in=PERIOD_CONCLUDED)
    if branch is not None:
        qs = qs.filter(employer_idcc__in=_branch_idcc(branch))
    paid = ReconversionPayment.objects.filter(period=OuterRef("pk"), status=ScheduleStatus.PAID).order_by()
    return qs.annotate(
        concluded_on=F("agreement_signed_on"),
        cert_code=F("target_code"),
        cert_title=F("target_title"),
        level=F("certification__level"),
        cfa_name=Coalesce("provider__name", "provider_name", output_field=CharField()),
        postal_code=Coalesce("employer__postal_code", Value(""), output_field=CharField()),
        broken=Case(When(status=ReconversionStatus.INTERRUPTED, then=True), default=False, output_field=BooleanField()),
        committed=Coalesce("committed_amount", ZERO, output_field=MONEY),
        paid=Coalesce(Subquery(paid.values("period").annotate(s=Sum("amount")).values("s")[:1], output_field=MONEY), ZERO),
        npec=Cast(Value(None), output_field=MONEY),  # typed NULL: PostgreSQL sums no « unknown »
        cpne_code=Value("", output_field=CharField()),
    )


def register() -> None:
    register_fact_source(
        FactSource("apprentissage", "Apprentissage", alternance_contracts(ContractKind.APPRENTISSAGE), apprenticeship=True)
    )
    register_fact_source(
        FactSource("professionnalisation", "Professionnalisation", alternance_contracts(ContractKind.PROFESSIONNALISATION))
    )
    register_fact_source(FactSource("reconversion", "Reconversion ou promotion par l'alternance", reconversion_periods))
