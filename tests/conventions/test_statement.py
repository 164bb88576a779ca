"""The yearly statement (R6332-31): figures by section and by mission from the ledger; reviewed by a
second person and locked; once locked, later payments change neither its figures nor its XLSX."""

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from schwifty import IBAN

from contracts.models import Instalment
from conventions import statement
from payments.budgets import section_budget_set
from payments.cofinancing import funding_line_add
from payments.models import BeneficiaryAccount, PayableLine
from payments.runs import payment_run_approve, payment_run_execute, payment_run_mark_sent, payment_run_prepare, payment_run_settle
from tests.conventions.factories import company, covered_branch, instructed_file

pytestmark = pytest.mark.django_db
SOURCES = iter(range(900_000, 990_000))


def pay(finance, finance2, amount: str, day: date):
    account, _ = BeneficiaryAccount.objects.get_or_create(
        kind="employeur",
        identifier="73282932000074",
        defaults={
            "name": "Boulangerie",
            "town": "Caen",
            "iban": IBAN.generate("FR", bank_code="10107", account_code="1").compact,
        },
    )
    PayableLine.objects.create(
        account=account,
        source_type=ContentType.objects.get_for_model(Instalment),
        source_id=next(SOURCES),
        amount=Decimal(amount),
        due_date=day,
        reference=f"AIDE-{amount}",
        label="Aide",
        section="alternance",
    )
    with time_machine.travel(day, tick=False):
        run = payment_run_prepare(actor=finance, execution_date=day).run
        payment_run_approve(actor=finance2, run_id=run.pk)
        payment_run_execute(run_id=run.pk)
        payment_run_mark_sent(actor=finance, run_id=run.pk)
        payment_run_settle(actor=finance2, run_id=run.pk)


def test_the_locked_statement_never_changes(make_user):
    finance, finance2 = make_user(finance=True), make_user(finance=True)
    covered_branch("0843")
    section_budget_set(actor=finance, year=2025, section="plan_moins_50", amount=Decimal("50000"))
    funding_line_add(
        actor=finance,
        source=instructed_file("RC-77"),
        funder_kind="section",
        section="plan_moins_50",
        company=company(3, headcount=8),
        amount=Decimal("1200.00"),
        total_cost=Decimal("1500.00"),
        starts_on=date(2025, 5, 5),
        ends_on=date(2025, 5, 9),
        hours=Decimal("35"),
        trainees=1,
    )
    pay(finance, finance2, "4000.00", date(2025, 10, 6))
    draft = statement.statement_compute(actor=finance, year=2025)
    figures = draft.figures
    sections = {label: values for label, *values in figures["sections"]}
    assert sections["Alternance"] == ["0.00", "0.00", "4000.00"]
    assert sections["Plan de développement des compétences < 50"] == ["50000.00", "1200.00", "0.00"]
    assert figures["missions"] == [
        ["Lignes de financement", 1, "1200.00", "1200.00", "0.00"],
        [str(Instalment._meta.verbose_name_plural).capitalize(), 0, "0.00", "0.00", "4000.00"],
    ]
    assert figures["companies_served"] == 2 and figures["training_hours"] == "35.00" and figures["trainees"] == 1
    with pytest.raises(ValidationError) as caught:
        statement.statement_lock(actor=finance, statement_id=draft.pk)
    assert caught.value.code == "quatre_yeux"
    locked = statement.statement_lock(actor=finance2, statement_id=draft.pk)
    before_xlsx = [
        [c.value for c in row] for row in load_workbook(io.BytesIO(statement.statement_xlsx(locked))).active.iter_rows()
    ]

    pay(finance, finance2, "999.00", date(2025, 12, 15))  # a late payment of the same year
    with pytest.raises(ValidationError):
        statement.statement_compute(actor=finance, year=2025)
    locked.refresh_from_db()
    assert locked.figures == figures
    after_xlsx = [
        [c.value for c in row] for row in load_workbook(io.BytesIO(statement.statement_xlsx(locked))).active.iter_rows()
    ]
    assert after_xlsx == before_xlsx
    assert statement.statement_figures(2025)["sections"][0][3] == "4999.00"  # the live figures did move
