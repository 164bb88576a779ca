"""Périodes de reconversion: the rules at their boundaries (L6324-4 hours and months, L6324-3 external
host contract, R6324-1 deposit window, the 1 January 2026 regime date), the workflow and its refusals
that change nothing, the forfait (D6332-89, D6332-90) and the budget of the reconversion section."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts.models.reconversion import ReconversionPayment, ReconversionPeriod
from contracts.reconversion.funding import funding_for, period_funding
from contracts.reconversion.rules import ReconversionRefused, RuleContext, run_rules
from contracts.reconversion.services import (
    TransitionRefused,
    reconversion_accept,
    reconversion_documents_received,
    reconversion_instruct,
    reconversion_refuse,
    reconversion_request_documents,
)
from opco.models import AuditEntry
from payments.budgets import BudgetExceeded, section_budget_set
from payments.models import BudgetMovement, PayableLine
from tests.branches.factories import funding_decision
from tests.contracts.factories import EMPLOYER_SIRET, HOST_SIRET, period_data

pytestmark = pytest.mark.django_db


def codes_of(report) -> dict[str, str]:
    return {check.code: check.status for check in report.checks}


NO_AGREEMENT = RuleContext()


def rules(context=NO_AGREEMENT, received_on=date(2026, 3, 2), **changes):
    period = ReconversionPeriod(received_on=received_on, **period_data(**changes))
    return codes_of(run_rules(period, context))


def refused_codes(deposit, **changes) -> list[str]:
    before = (ReconversionPeriod.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ReconversionRefused) as refused:
        deposit(**changes)
    assert (ReconversionPeriod.objects.count(), AuditEntry.objects.count()) == before
    return refused.value.codes


# --- RECO_HEURES (L6324-4) --------------------------------------------------------------------------------
@pytest.mark.parametrize("hours", ["150", "450"])
def test_150_and_450_hours_are_accepted_without_agreement(deposit, hours):
    period = deposit(training_hours=Decimal(hours))
    assert period.status == "received"
    assert period.training_hours == Decimal(hours)
    assert period.branch_agreement is False and period.company_agreement is False


def test_451_hours_without_agreement_are_refused_and_nothing_is_stored(deposit):
    assert refused_codes(deposit, training_hours=Decimal("451")) == ["RECO_HEURES"]


def test_the_message_names_the_hours_and_the_article(deposit):
    with pytest.raises(ReconversionRefused) as refused:
        deposit(training_hours=Decimal("451"))
    assert refused.value.message_dict["training_hours"] == [
        "RECO_HEURES : 451 h de formation : 450 heures au plus sans accord d'entreprise ou de branche (L6324-4) ; "
        "un tel accord permet d'aller jusqu'à 2\u202f100 heures."
    ]


def test_149_hours_are_refused(deposit):
    assert refused_codes(deposit, training_hours=Decimal("149.5")) == ["RECO_HEURES"]


@pytest.mark.parametrize("hours", ["451", "2100"])
def test_a_branch_agreement_allows_up_to_2100_hours(deposit, branches, hours):
    funding_decision(branches["1486"], date(2026, 1, 1), hourly="10.00", extended=True)
    period = deposit(training_hours=Decimal(hours), end_date=date(2027, 12, 15))
    assert period.branch_agreement is True


@pytest.mark.parametrize("hours", ["451", "2100"])
def test_a_company_agreement_allows_up_to_2100_hours(deposit, hours):
    period = deposit(training_hours=Decimal(hours), company_agreement=True, company_agreement_reference="Accord GEPP 2025")
    assert period.company_agreement is True and period.branch_agreement is False


def test_2101_hours_are_refused_even_with_an_agreement(deposit, branches):
    funding_decision(branches["1486"], date(2026, 1, 1), hourly="10.00", extended=True)
    assert refused_codes(deposit, training_hours=Decimal("2101")) == ["RECO_HEURES"]
    assert refused_codes(deposit, training_hours=Decimal("2101"), company_agreement=True) == ["RECO_HEURES"]


def test_the_branch_agreement_is_read_at_the_agreement_date(deposit, branches):
    funding_decision(branches["1486"], date(2026, 2, 21), hourly="10.00", extended=True)
    # The written agreement of 20 February precedes the branch's decision of 21 February.
    assert refused_codes(deposit, training_hours=Decimal("451")) == ["RECO_HEURES"]
    assert deposit(training_hours=Decimal("451"), agreement_signed_on=date(2026, 2, 21)).branch_agreement is True


def test_a_stopped_branch_decision_gives_no_agreement(deposit, branches):
    funding_decision(branches["1486"], date(2026, 1, 1), hourly="10.00", extended=True)
    funding_decision(branches["1486"], date(2026, 2, 1), active=False)
    assert refused_codes(deposit, training_hours=Decimal("451")) == ["RECO_HEURES"]


def test_the_socle_is_outside_the_hour_bounds():
    assert rules(target="socle", target_code="", training_hours=Decimal("80"))["RECO_HEURES"] == "ok"


# --- RECO_DUREE (L6324-4): 12 months, 36 with an agreement --------------------------------------------------
@pytest.mark.parametrize(
    ("end", "status"),
    [(date(2027, 3, 14), "ok"), (date(2027, 3, 15), "ok"), (date(2027, 3, 16), "error")],
    ids=["day-before", "day-of", "day-after"],
)
def test_twelve_months_from_16_march_end_on_15_march(end, status):
    assert rules(end_date=end)["RECO_DUREE"] == status


def test_the_day_after_twelve_months_is_refused_at_deposit(deposit):
    assert deposit(end_date=date(2027, 3, 15)).end_date == date(2027, 3, 15)
    assert refused_codes(deposit, end_date=date(2027, 3, 16)) == ["RECO_DUREE"]


@pytest.mark.parametrize(
    ("end", "status"),
    [(date(2029, 3, 14), "ok"), (date(2029, 3, 15), "ok"), (date(2029, 3, 16), "error")],
    ids=["day-before", "day-of", "day-after"],
)
def test_thirty_six_months_with_an_agreement(end, status):
    assert rules(RuleContext(branch_extended=True), end_date=end)["RECO_DUREE"] == status
    assert rules(company_agreement=True, end_date=end)["RECO_DUREE"] == status


def test_the_duration_message_gives_the_last_allowed_day():
    period = ReconversionPeriod(received_on=date(2026, 3, 2), **period_data(end_date=date(2027, 3, 16)))
    check = next(c for c in run_rules(period, RuleContext()).checks if c.code == "RECO_DUREE")
    assert check.message == (
        "La période du 16/03/2026 au 16/03/2027 dépasse 12 mois : fin au plus tard le 15/03/2027 "
        "sans accord d'entreprise ou de branche (L6324-4)."
    )


# --- RECO_ACCORD_SALARIE, RECO_DEPOT, RECO_DATE_REGIME ----------------------------------------------------
def test_the_agreement_cannot_be_after_the_request():
    assert rules(agreement_signed_on=date(2026, 3, 2))["RECO_ACCORD_SALARIE"] == "ok"
    assert rules(agreement_signed_on=date(2026, 3, 3))["RECO_ACCORD_SALARIE"] == "error"


def test_the_agreement_date_is_required(deposit):
    with pytest.raises(ValidationError) as refused:
        deposit(agreement_signed_on=None)
    assert "agreement_signed_on" in refused.value.message_dict
    assert ReconversionPeriod.objects.count() == 0


@pytest.mark.parametrize(
    ("received", "status"),
    [
        (date(2026, 2, 13), "warning"),  # 31 days before the start of 16 March
        (date(2026, 2, 14), "ok"),  # 30 days before
        (date(2026, 3, 15), "ok"),  # the day before
        (date(2026, 3, 16), "error"),  # the day of the start
    ],
)
def test_the_file_is_sent_within_the_30_days_before_the_start(received, status):
    assert rules(received_on=received, agreement_signed_on=date(2026, 2, 10))["RECO_DEPOT"] == status


def test_r6324_1_applies_to_requests_received_from_1_february_2026():
    early = {"agreement_signed_on": date(2026, 1, 5), "start_date": date(2026, 1, 20), "end_date": date(2026, 10, 31)}
    assert rules(received_on=date(2026, 1, 31), **early)["RECO_DEPOT"] == "ok"
    assert rules(received_on=date(2026, 2, 1), **early)["RECO_DEPOT"] == "error"


def test_a_late_request_is_refused_at_deposit(deposit):
    assert refused_codes(deposit, received_on=date(2026, 3, 16)) == ["RECO_DEPOT"]


def test_an_agreement_of_2025_is_a_pro_a(deposit):
    codes = refused_codes(deposit, agreement_signed_on=date(2025, 12, 31))
    assert codes == ["RECO_DATE_REGIME"]
    assert rules(agreement_signed_on=date(2026, 1, 1))["RECO_DATE_REGIME"] == "ok"


def test_a_period_starting_in_2025_is_refused():
    assert rules(start_date=date(2025, 12, 31), received_on=date(2025, 12, 20))["RECO_DATE_REGIME"] == "error"


# --- RECO_EXTERNE (L6324-3 II) and RECO_CERTIFICATION -------------------------------------------------------
EXTERNAL = {"kind": "externe", "host_siret": HOST_SIRET, "host_name": "Atelier Dupont"}


@pytest.mark.parametrize(
    ("end", "status"),
    [(date(2026, 9, 14), "error"), (date(2026, 9, 15), "ok"), (date(2026, 9, 16), "ok")],
    ids=["5-months-and-30-days", "6-months", "6-months-and-a-day"],
)
def test_an_external_cdd_lasts_at_least_six_months(end, status):
    changes = {**EXTERNAL, "host_contract_kind": "cdd", "host_contract_start": date(2026, 3, 16), "host_contract_end": end}
    assert rules(**changes)["RECO_EXTERNE"] == status


def test_an_external_cdi_and_its_refusals():
    assert rules(**EXTERNAL, host_contract_kind="cdi")["RECO_EXTERNE"] == "ok"
    assert rules(**EXTERNAL)["RECO_EXTERNE"] == "error"  # no host contract
    assert rules(**{**EXTERNAL, "host_siret": EMPLOYER_SIRET}, host_contract_kind="cdi")["RECO_EXTERNE"] == "error"
    assert rules(**{**EXTERNAL, "host_siret": "12345678901234"}, host_contract_kind="cdi")["RECO_EXTERNE"] == "error"


def test_an_internal_period_ignores_host_fields(deposit):
    period = deposit(host_siret=HOST_SIRET, host_name="X", host_contract_kind="cdd")
    assert (period.host_siret, period.host_name, period.host_contract_kind) == ("", "", "")


@pytest.mark.parametrize(
    ("target", "code", "status"),
    [
        ("rncp", "RNCP37566", "warning"),  # not in the local referential
        ("rncp", "RNC37566", "error"),
        ("blocs", "RNCP37566BC01, RNCP37566BC02", "ok"),
        ("blocs", "RNCP37566BC01, BC02", "error"),
        ("cqp", "CQP-0042", "ok"),
        ("cqp", "", "error"),
        ("socle", "", "ok"),
    ],
)
def test_certification_targets(target, code, status):
    assert rules(target=target, target_code=code)["RECO_CERTIFICATION"] == status


# --- Funding (D6332-89, D6332-90) -------------------------------------------------------------------------
def test_funding_order_amount_per_period_then_hourly_rate_then_default():
    assert funding_for(Decimal("300"), (None, Decimal("4200.00"), False, "CPNE")).amount == Decimal("4200.00")
    assert funding_for(Decimal("300"), (Decimal("12.50"), Decimal("4200.00"), False, "")).amount == Decimal("4200.00")
    assert funding_for(Decimal("300"), (Decimal("12.50"), None, False, "")).amount == Decimal("3750.00")
    default = funding_for(Decimal("333.5"), None)
    assert (default.amount, default.hourly_rate, default.source) == (Decimal("3051.53"), Decimal("9.15"), "defaut")


@pytest.mark.parametrize(
    ("signed", "amount", "rate"),
    [
        (date(2026, 3, 31), Decimal("3000.00"), Decimal("10.00")),
        (date(2026, 4, 1), Decimal("3750.00"), Decimal("12.50")),
        (date(2026, 4, 2), Decimal("3750.00"), Decimal("12.50")),
    ],
    ids=["day-before", "day-of", "day-after"],
)
def test_a_branch_rate_changed_during_the_year(accepted, branches, signed, amount, rate):
    funding_decision(branches["1486"], date(2026, 1, 1), hourly="10.00", source="CPNE du 10/12/2025")
    funding_decision(branches["1486"], date(2026, 4, 1), hourly="12.50", source="CPNE du 20/03/2026")
    period = accepted(
        on=date(2026, 4, 10),
        received_on=date(2026, 4, 5),
        agreement_signed_on=signed,
        start_date=date(2026, 4, 20),
        end_date=date(2026, 12, 18),
    )
    assert (period.committed_amount, period.funding_hourly_rate, period.funding_source) == (amount, rate, "branche")
    assert period.funding_amount_per_period is None
    assert list(period.payments.values_list("kind", "due_date", "amount", "status")) == [
        ("advance", date(2026, 4, 20), amount / 2, "planned"),
        ("balance", date(2026, 12, 18), amount / 2, "planned"),
    ]


def test_an_amount_per_period(accepted, branches):
    funding_decision(branches["1486"], date(2026, 1, 1), per_period="4200.00", source="Accord du 01/12/2025")
    period = accepted(training_hours=Decimal("420"))
    assert (period.committed_amount, period.funding_amount_per_period, period.funding_hourly_rate) == (
        Decimal("4200.00"),
        Decimal("4200.00"),
        None,
    )
    assert period.funding_origin == "Accord du 01/12/2025"


def test_the_default_forfait_and_the_rounding_of_the_advance(accepted):
    period = accepted(training_hours=Decimal("333.5"))
    assert (period.committed_amount, period.funding_hourly_rate, period.funding_source) == (
        Decimal("3051.53"),
        Decimal("9.15"),
        "defaut",
    )
    assert list(period.payments.values_list("kind", "amount")) == [
        ("advance", Decimal("1525.77")),
        ("balance", Decimal("1525.76")),
    ]
    assert period_funding(period).amount == Decimal("3051.53")


# --- Workflow -----------------------------------------------------------------------------------------------
def test_deposit_numbers_and_the_20_day_deadline(deposit):
    period = deposit()
    assert period.file_number == f"PR-2026-{period.pk:06d}"
    assert (period.received_on, period.complete_on, period.decision_due_on) == (
        date(2026, 3, 2),
        date(2026, 3, 2),
        date(2026, 3, 22),
    )
    assert AuditEntry.objects.filter(action="reconversion_deposit", target_id=str(period.pk)).count() == 1


def test_incomplete_then_complete_restarts_the_20_days(deposit, staff):
    period = deposit()
    period = reconversion_request_documents(actor=staff, period_id=period.pk, message="Convention de formation signée")
    assert (period.status, period.decision_due_on, period.complete_on) == ("incomplete", None, None)
    period = reconversion_documents_received(actor=staff, period_id=period.pk, on=date(2026, 3, 9))
    assert (period.status, period.complete_on, period.decision_due_on) == ("instruction", date(2026, 3, 9), date(2026, 3, 29))


def test_accept_snapshots_commits_and_audits(accepted, staff):
    period = accepted()
    assert (period.status, period.decided_on, period.committed_amount) == ("accepted", date(2026, 3, 5), Decimal("2745.00"))
    movements = BudgetMovement.objects.filter(source_id=period.pk, budget__section="reconversion").order_by("month")
    assert list(movements.values_list("month", "amount")) == [
        (date(2026, 3, 1), Decimal("1372.50")),
        (date(2026, 12, 1), Decimal("1372.50")),
    ]
    entry = AuditEntry.objects.get(action="reconversion_accept", target_id=str(period.pk))
    assert entry.summary == "Prise en charge accordée : 2\u202f745,00 € (forfait par défaut : 9,15 €/h × heures (D6332-90 I))"
    assert period.assigned_to == staff


def test_accept_runs_the_rules_again_and_decides_nothing_when_they_fail(deposit, staff, branches, clock):
    decision = funding_decision(branches["1486"], date(2026, 1, 1), hourly="10.00", extended=True)
    period = deposit(training_hours=Decimal("451"))
    reconversion_instruct(actor=staff, period_id=period.pk)
    decision.extended_by_agreement = False  # the branch's decision is corrected: no agreement after all
    decision.save()
    with pytest.raises(TransitionRefused) as refused:
        reconversion_accept(actor=staff, period_id=period.pk)
    assert refused.value.codes == ["RECO_HEURES"]
    period.refresh_from_db()
    assert (period.status, period.decided_on, period.committed_amount) == ("instruction", None, None)
    assert not ReconversionPayment.objects.exists() and not BudgetMovement.objects.exists()


def test_a_budget_refusal_leaves_the_period_undecided(deposit, staff, finance, clock, make_user):
    section_budget_set(actor=finance, year=2026, section="reconversion", amount=Decimal("2000.00"))
    period = deposit()
    reconversion_instruct(actor=staff, period_id=period.pk)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(BudgetExceeded):
        reconversion_accept(actor=staff, period_id=period.pk)
    period.refresh_from_db()
    assert (period.status, period.decided_on, period.committed_amount, period.funding_source) == ("instruction", None, None, "")
    assert not ReconversionPayment.objects.exists() and not BudgetMovement.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    # An acknowledged overrun is accepted and recorded as such.
    manager = make_user(kind="staff", groups=["responsable"])  # only a manager may go past (payments.budgets)
    period = reconversion_accept(actor=manager, period_id=period.pk, allow_overrun=True)
    assert period.status == "accepted"
    assert set(BudgetMovement.objects.values_list("overrun", flat=True)) == {True}


def test_refusal_is_reasoned_and_known_codes_only(deposit, staff, clock):
    period = deposit()
    with pytest.raises(ValidationError) as refused:
        reconversion_refuse(actor=staff, period_id=period.pk, codes=["RECO_PIECES"], text=" ")
    assert "text" in refused.value.message_dict
    with pytest.raises(ValidationError):
        reconversion_refuse(actor=staff, period_id=period.pk, codes=["NIMPORTE"], text="Motif")
    period.refresh_from_db()
    assert period.status == "received"
    period = reconversion_refuse(actor=staff, period_id=period.pk, codes=["RECO_PIECES"], text="Convention non fournie.")
    assert (period.status, period.decided_on, period.refusal_codes) == ("refused", date(2026, 3, 5), ["RECO_PIECES"])


def test_transitions_are_refused_from_the_wrong_status(deposit, staff):
    period = deposit()
    with pytest.raises(TransitionRefused):
        reconversion_accept(actor=staff, period_id=period.pk)  # not instructed yet
    period.refresh_from_db()
    assert period.status == "received" and not PayableLine.objects.exists()
