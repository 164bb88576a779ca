"""Funding requests on the spine: filed, decided by the rules under the envelopes' lock, waiting list,
service fait (R6332-26), payment after the action through a real payment run (R6332-25 I)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from lxml import etree

from opco.models import AuditEntry, TransitionLog
from payments import sepa
from payments.budgets import branch_envelope_set
from payments.enums import ScheduleStatus
from payments.models import BudgetMovement, PayableLine
from payments.runs import payment_run_approve, payment_run_execute, payment_run_mark_sent, payment_run_prepare, payment_run_settle
from sme_services.funding.enums import EvidenceKind
from sme_services.funding.enums import RequestStatus as S
from sme_services.funding.envelopes import envelope_pull_forward, envelope_rows
from sme_services.funding.models import FundingPayment, TrainingRequest
from sme_services.funding.pdf import accord_pdf
from sme_services.funding.services import (
    evidence_record,
    training_request_correct,
    training_request_decide,
    training_request_file,
    training_request_service_fait,
    training_request_withdraw,
)

from .factories import PLAN_TOTAL, company, in_portfolio, plan_data, provider, teaching_only

pytestmark = pytest.mark.django_db
FILED = date(2026, 3, 2)


def file(actor, data, on=FILED):
    return training_request_file(actor=actor, data=data, received_on=on)


def test_a_request_is_filed_with_its_two_months_clock(funding_rules, staff):
    request = file(staff, plan_data(company()))
    assert request.status == S.RECEIVED and request.file_number == f"FP-2026-{request.pk:06d}"
    assert request.decision_due_on == date(2026, 5, 2)  # R6332-24: two months
    assert request.result["total_funded"] == "998.56" and request.asked_total == Decimal("1456.00")
    assert request.branch is not None and request.payload["filed_on"] == "2026-03-02"
    assert AuditEntry.objects.filter(action="training_request_file").count() == 1


def test_decision_commits_on_the_section_and_the_branch_quarter_and_records_the_rule_version(funding_rules, staff):
    request = file(staff, plan_data(company()))
    decided = training_request_decide(actor=staff, pk=request.pk, today=date(2026, 3, 5))
    assert decided.status == S.ACCEPTED and decided.rule_set.reference == "EX-PLAN50-INTERPRO-2026-1"
    assert (decided.funded_total, decided.committed, decided.counted_against_cap) == (PLAN_TOTAL, PLAN_TOTAL, PLAN_TOTAL)
    movements = BudgetMovement.objects.filter(reference=decided.file_number)
    assert sorted((m.budget.kind, m.budget.quarter, m.amount) for m in movements) == [
        ("branche", 1, PLAN_TOTAL),
        ("section", None, PLAN_TOTAL),
    ]
    assert decided.decided_by == staff and TransitionLog.objects.filter(action="accept").count() == 1
    assert accord_pdf(request=decided, opco_name="OPCO").startswith(b"%PDF")


def test_a_refusal_by_the_rules_is_reasoned_and_commits_nothing(funding_rules, staff):
    request = file(staff, plan_data(company()), on=date(2026, 3, 16))  # before_start: L = 15 March
    decided = training_request_decide(actor=staff, pk=request.pk, today=date(2026, 3, 20))
    assert decided.status == S.REFUSED and decided.refusal_codes == ["PLAN50_DELAI"]
    assert "2026-03-15" in decided.refusal_text and decided.rule_set.reference == "EX-PLAN50-INTERPRO-2026-1"
    assert decided.committed == 0 and not BudgetMovement.objects.exists()


def test_the_company_year_is_counted_by_the_product(funding_rules, staff):
    of = company()
    first = file(staff, plan_data(of))
    training_request_decide(actor=staff, pk=first.pk)
    second = file(staff, plan_data(of, start="2026-06-15", end="2026-06-16"))
    assert second.result["consumed_this_year"] == "998.56"
    decided = training_request_decide(actor=staff, pk=second.pk)
    # cap 3000, 998.56 used: 2001.44 left, this one 998.56 (SMIC 12.31 in June: pay 344.68) → all fits
    assert decided.result["remaining_cap"] == str(Decimal("3000") - Decimal("998.56") - decided.counted_against_cap)


def test_an_advisor_files_only_for_the_portfolio(funding_rules, make_user):
    advisor = make_user(advisor=True)
    mine, other = company(1), company(2)
    in_portfolio(advisor, mine)
    assert file(advisor, plan_data(mine)).filed_by == advisor
    with pytest.raises(PermissionDenied):
        file(advisor, plan_data(other))
    assert TrainingRequest.objects.count() == 1


def test_invalid_input_names_the_key_and_stores_nothing(funding_rules, staff):
    data = plan_data(company())
    data["training"]["trainees"] = 0
    with pytest.raises(ValidationError) as error:
        file(staff, data)
    assert "training.trainees" in error.value.message_dict
    assert not TrainingRequest.objects.exists()


def test_ssct_names_the_trainee_and_an_approved_body(funding_rules, staff):
    of = company(idcc="1486", headcount=18)
    data = {
        "company": {"siret": of.siret, "idcc": "1486", "headcount": 18},
        "dispositif": "ssct",
        "training": {
            "title": "Formation SSCT",
            "theme": "ssct",
            "modality": "presentiel",
            "start": "2026-05-26",
            "end": "2026-06-02",
            "trainees": 1,
            "pedagogical_cost": "2000.00",
            "mandate": "first",
            "days": 5,
        },
    }
    with pytest.raises(ValidationError) as error:
        file(staff, data, on=date(2026, 4, 20))
    assert "trainee_name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        file(staff, dict(data, trainee_name="C. Martin", provider_approved=False), on=date(2026, 4, 20))
    assert "provider_approved" in error.value.message_dict
    filed = file(staff, dict(data, trainee_name="C. Martin", provider_approved=True), on=date(2026, 4, 20))
    assert (filed.mandate, filed.days, filed.result["lines"][0]["cap"]) == ("first", 5, "2163.60")


def test_envelope_too_small_sends_to_the_waiting_list_a_withdrawal_frees_it(
    funding_rules, staff, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    from sme_services.models import CompanyContact

    finance = make_user(kind="staff", groups=["finance"])
    a, b = company(1), company(2)
    CompanyContact.objects.create(company=b, full_name="Jeanne Martin", email="jeanne@example.org", primary=True)
    branch_envelope_set(actor=finance, branch=a.idcc.branch_link.branch, year=2026, quarter=1, amount=Decimal("600.00"))
    first = file(staff, teaching_only(a, "560.00"))
    second = file(staff, teaching_only(b, "500.00"), on=date(2026, 3, 3))
    assert training_request_decide(actor=staff, pk=first.pk).status == S.ACCEPTED
    with django_capture_on_commit_callbacks(execute=True):
        waiting = training_request_decide(actor=staff, pk=second.pk)
    assert [m.to for m in mailoutbox] == [["jeanne@example.org"]] and "file d'attente" in mailoutbox[0].subject
    assert waiting.status == S.WAITING and waiting.committed == 0 and waiting.funded_total == Decimal("500.00")
    assert not BudgetMovement.objects.filter(reference=waiting.file_number).exists()
    row = envelope_rows(2026)[0]
    assert (row.committed, row.remaining, row.waiting, row.waiting_count) == (
        Decimal("560.00"),
        Decimal("40.00"),
        Decimal("500.00"),
        1,
    )
    training_request_withdraw(actor=staff, pk=first.pk, reason="Formation annulée")
    waiting.refresh_from_db()
    assert waiting.status == S.ACCEPTED and waiting.committed == Decimal("500.00") and waiting.decided_by is None


def test_a_pull_forward_by_a_manager_frees_the_waiting_list(
    funding_rules, staff, responsable, django_capture_on_commit_callbacks
):
    a = company(1)
    branch = a.idcc.branch_link.branch
    branch_envelope_set(actor=responsable, branch=branch, year=2026, quarter=1, amount=Decimal("100.00"))
    branch_envelope_set(actor=responsable, branch=branch, year=2026, quarter=2, amount=Decimal("1000.00"))
    request = file(staff, teaching_only(a, "500.00"))
    assert training_request_decide(actor=staff, pk=request.pk).status == S.WAITING
    with pytest.raises(PermissionDenied):
        envelope_pull_forward(actor=staff, branch=branch, year=2026, quarter=1, amount=Decimal("400"))
    with django_capture_on_commit_callbacks(execute=True):  # the credited quarter reviews its list on commit
        envelope_pull_forward(actor=responsable, branch=branch, year=2026, quarter=1, amount=Decimal("400"))
    request.refresh_from_db()
    assert request.status == S.ACCEPTED
    rows = {r.quarter: r for r in envelope_rows(2026)}
    assert (rows[1].amount, rows[1].committed, rows[2].amount) == (Decimal("500.00"), Decimal("500.00"), Decimal("600.00"))


def _accepted(staff, data, **kw):
    request = file(staff, data)
    return training_request_decide(actor=staff, pk=request.pk, **kw)


def test_service_fait_needs_the_closed_list_and_partial_attendance_reduces(funding_rules, staff):
    request = _accepted(staff, teaching_only(company(), "560.00"))
    with pytest.raises(ValidationError, match="Facture"):
        training_request_service_fait(actor=staff, pk=request.pk)
    assert TrainingRequest.objects.get(pk=request.pk).status == S.ACCEPTED and not FundingPayment.objects.exists()
    evidence_record(
        actor=staff, pk=request.pk, kind=EvidenceKind.INVOICE, received_on=date(2026, 3, 20), amount=Decimal("560.00")
    )
    evidence_record(
        actor=staff,
        pk=request.pk,
        kind=EvidenceKind.CERTIFICAT,
        received_on=date(2026, 3, 20),
        hours_attended=Decimal("14"),
        trainees_attended=1,  # one of two trainees came
    )
    done = training_request_service_fait(actor=staff, pk=request.pk, today=date(2026, 3, 21))
    assert done.status == S.SERVICE_FAIT and done.committed == Decimal("280.00")
    row = FundingPayment.objects.get()
    assert (row.amount, row.beneficiary_kind, row.status) == (Decimal("280.00"), "employeur", ScheduleStatus.PLANNED)
    # the 280 € not owed went back to the envelope (a negative movement on the ledger)
    assert sum(m.amount for m in BudgetMovement.objects.filter(budget__kind="section")) == Decimal("280.00")


def _pay(finance, finance2, on: date):
    run = payment_run_prepare(actor=finance, execution_date=on).run
    payment_run_approve(actor=finance2, run_id=run.pk)
    run = payment_run_execute(run_id=run.pk)
    xml = run.file.read()
    sepa.validate(xml)  # XSD-valid pain.001
    payment_run_mark_sent(actor=finance, run_id=run.pk)
    payment_run_settle(actor=finance2, run_id=run.pk)
    return etree.fromstring(xml)


def _service_fait(staff, request):
    evidence_record(
        actor=staff, pk=request.pk, kind=EvidenceKind.INVOICE, received_on=date(2026, 3, 20), amount=Decimal("560.00")
    )
    evidence_record(
        actor=staff,
        pk=request.pk,
        kind=EvidenceKind.CERTIFICAT,
        received_on=date(2026, 3, 20),
        hours_attended=Decimal("14"),
        trainees_attended=2,
    )
    return training_request_service_fait(actor=staff, pk=request.pk, today=date(2026, 3, 21))


@time_machine.travel(date(2026, 3, 23), tick=False)
@pytest.mark.parametrize("subrogation", [True, False])
def test_payment_run_pays_the_training_body_under_subrogation_the_company_otherwise(
    funding_rules, staff, finance, finance2, subrogation
):
    of, body = company(), provider(name="Organisme Formapro")
    data = teaching_only(of, "560.00", **{})
    data.update(provider_siret=body.siret, subrogation=subrogation)
    request = _service_fait(staff, _accepted(staff, data))
    root = _pay(finance, finance2, date(2026, 3, 24))
    ns = {"p": sepa.NAMESPACE}
    assert root.findtext(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=ns) == "560.00"
    creditor = root.findtext(".//p:CdtTrfTxInf/p:Cdtr/p:Nm", namespaces=ns)
    assert creditor == (body.display_name if subrogation else of.name)
    row = FundingPayment.objects.get(request=request)
    assert row.status == ScheduleStatus.PAID
    request.refresh_from_db()
    assert request.status == S.PAID
    line = PayableLine.objects.get(source_id=row.pk, source_type__model="fundingpayment")
    assert (line.account.kind, line.section) == ("organisme" if subrogation else "employeur", "plan_moins_50")


@time_machine.travel(date(2026, 3, 23), tick=False)
def test_a_correction_after_payment_adds_a_negative_row_never_edits_the_paid_one(funding_rules, staff, finance, finance2):
    request = _service_fait(staff, _accepted(staff, teaching_only(company(), "560.00")))
    _pay(finance, finance2, date(2026, 3, 24))
    paid = FundingPayment.objects.get()
    training_request_correct(
        actor=staff, pk=request.pk, new_due=Decimal("500.00"), reason="Présence partielle constatée au contrôle"
    )
    paid.refresh_from_db()
    assert (paid.amount, paid.status) == (Decimal("560.00"), ScheduleStatus.PAID)
    correction = FundingPayment.objects.exclude(pk=paid.pk).get()
    assert (correction.kind, correction.amount, correction.status) == ("correction", Decimal("-60.00"), ScheduleStatus.PLANNED)
    with pytest.raises(ValidationError):
        training_request_correct(actor=staff, pk=request.pk, new_due=Decimal("600.00"), reason="plus")


def test_afest_links_to_its_project_whose_four_elements_are_the_evidence(funding_rules, staff, make_user):
    from sme_services.models import AfestProject

    of = company(headcount=15)
    advisor = make_user(advisor=True)
    project = AfestProject.objects.create(company=of, title="Hygiène en cuisine", advisor=advisor, created_on=date(2026, 1, 10))
    data = plan_data(of, modality="afest", trainees=3, hours_per_trainee="35", pedagogical_cost="1500.00")
    data.pop("pay")
    data.pop("frais")
    with pytest.raises(ValidationError) as error:
        file(staff, data)
    assert "afest_project" in error.value.message_dict
    other = AfestProject.objects.create(company=company(2), title="Autre", advisor=advisor, created_on=date(2026, 1, 10))
    with pytest.raises(ValidationError):
        file(staff, dict(data, afest_project=other.pk))
    request = file(staff, dict(data, afest_project=project.pk))
    request = training_request_decide(actor=staff, pk=request.pk)
    assert request.result["lines"][0] == {"kind": "afest", "asked": "1500.00", "cap": "1092.00", "funded": "1092.00"}
    evidence_record(
        actor=staff,
        pk=request.pk,
        kind=EvidenceKind.CERTIFICAT,
        received_on=date(2026, 3, 20),
        hours_attended=Decimal("35"),
        trainees_attended=3,
    )
    with pytest.raises(ValidationError, match="formateur désigné"):
        training_request_service_fait(actor=staff, pk=request.pk)
    AfestProject.objects.filter(pk=project.pk).update(
        activity_analysis="Analyse du poste",
        trainer_name="M. Durand",
        trainer_named_on=date(2026, 1, 15),
        reflective_phases="Deux phases",
        assessments="Grille",
    )
    done = training_request_service_fait(actor=staff, pk=request.pk, today=date(2026, 3, 21))
    assert done.status == S.SERVICE_FAIT and FundingPayment.objects.get().amount == Decimal("1092.00")


def test_service_fait_is_found_after_the_last_day_of_training(funding_rules, staff):
    request = _accepted(staff, teaching_only(company(), "560.00"))  # 16–17 March 2026
    evidence_record(
        actor=staff, pk=request.pk, kind=EvidenceKind.INVOICE, received_on=date(2026, 3, 16), amount=Decimal("560.00")
    )
    evidence_record(
        actor=staff,
        pk=request.pk,
        kind=EvidenceKind.CERTIFICAT,
        received_on=date(2026, 3, 16),
        hours_attended=Decimal("14"),
        trainees_attended=2,
    )
    with pytest.raises(ValidationError, match="se termine le 17/03/2026"):
        training_request_service_fait(actor=staff, pk=request.pk, today=date(2026, 3, 16))
    assert not FundingPayment.objects.exists()
    assert training_request_service_fait(actor=staff, pk=request.pk, today=date(2026, 3, 17)).status == S.SERVICE_FAIT
