"""Indicators computed from the funding lines linked to a convention, equal to a hand count of a small
fixture; the funder's report frozen when prepared, checked by a second person, sent; XLSX and PDF built
from the frozen figures; the reporting calendar with its reminders."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from conventions import reports, services
from conventions.enums import IndicatorCode
from conventions.indicators import achieved, indicator_table
from notifications.models import Reminder
from payments.cofinancing import funding_line_add, funding_line_complete, funding_line_consume, funding_line_release
from tests.conventions.factories import company, covered_branch, instructed_file, signed_convention

pytestmark = pytest.mark.django_db


@pytest.fixture
def edec(make_user):
    finance = make_user(finance=True)
    covered_branch("0843")
    convention = signed_convention(
        finance,
        kind="edec",
        title="EDEC numérique",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        years=(2026, 2027),
        publics=["salaries", "seniors", "demandeurs"],
        rates={"moins_50": Decimal("70"), "50_249": Decimal("70")},
    )
    a, b = company(11, headcount=12), company(12, headcount=80)

    def line(number, firm, amount, *, start, public="salaries", trainees=1, seniors=0, women=0, hours="35"):
        return funding_line_add(
            actor=finance,
            source=instructed_file(number),
            funder_kind="convention",
            scope_key=convention.scope_key,
            company=firm,
            amount=Decimal(amount),
            total_cost=Decimal(amount) * 2,
            starts_on=start,
            ends_on=start,
            hours=Decimal(hours),
            trainees=trainees,
            seniors=seniors,
            women=women,
            public=public,
        )

    # Hand count for 2026: lines 1, 2, 3 and 4 (line 4 released after 100 € consumed); line 5 released
    # with nothing consumed counts nowhere; line 6 starts in 2027.
    l1 = line("RC-1", a, "1000.00", start=date(2026, 2, 1), trainees=3, seniors=1, women=2, hours="105")
    line("RC-2", a, "500.00", start=date(2026, 3, 1), trainees=2, seniors=0, women=1, hours="70")
    line("RC-3", b, "800.00", start=date(2026, 12, 31), public="demandeurs", trainees=5, seniors=2, women=2, hours="175")
    l4 = line("RC-4", b, "300.00", start=date(2026, 6, 1), trainees=1, hours="14")
    l5 = line("RC-5", b, "999.00", start=date(2026, 7, 1), trainees=4, women=4, hours="140")
    line("RC-6", a, "200.00", start=date(2027, 1, 1), trainees=2, hours="20")
    funding_line_consume(actor=finance, line_id=l1.pk, amount=Decimal("1000.00"))
    funding_line_complete(actor=finance, line_id=l1.pk)
    funding_line_consume(actor=finance, line_id=l4.pk, amount=Decimal("100.00"))
    funding_line_release(actor=finance, line_id=l4.pk)
    funding_line_release(actor=finance, line_id=l5.pk)
    for code, target in ((IndicatorCode.COMPANIES, "2"), (IndicatorCode.TRAINEES, "20"), (IndicatorCode.SENIORS, "25")):
        services.indicator_target_set(actor=finance, convention_id=convention.pk, code=code, year=2026, target=Decimal(target))
    return {"finance": finance, "convention": convention}


def test_indicators_equal_the_hand_count(edec):
    values = achieved(edec["convention"], date(2026, 1, 1), date(2026, 12, 31))
    assert values == {
        IndicatorCode.COMPANIES: Decimal(2),
        IndicatorCode.TRAINEES: Decimal(11),  # 3 + 2 + 5 + 1
        IndicatorCode.JOB_SEEKERS: Decimal(5),
        IndicatorCode.HOURS: Decimal("364.00"),  # 105 + 70 + 175 + 14
        IndicatorCode.SPEND: Decimal("2400.00"),  # 1000 + 500 + 800 live, 100 consumed of the released line
        IndicatorCode.CONSUMED: Decimal("1100.00"),
        IndicatorCode.COMPLETION: Decimal("25.0"),  # 1 of 4 lines
        IndicatorCode.SENIORS: Decimal("27.3"),  # 3 / 11
        IndicatorCode.WOMEN: Decimal("45.5"),  # 5 / 11
    }
    table = {(row.year, row.code): row for row in indicator_table(edec["convention"])}
    assert table[(2026, "entreprises")].target == Decimal("2.00") and table[(2026, "entreprises")].percent == Decimal("100.0")
    assert table[(2027, "stagiaires")].achieved == Decimal(2) and table[(2027, "stagiaires")].target is None


def test_the_report_is_prepared_checked_by_another_person_then_sent(edec, make_user):
    finance, checker = edec["finance"], make_user(responsable=True)
    report = reports.report_prepare(
        actor=finance, convention_id=edec["convention"].pk, start=date(2026, 1, 1), end=date(2026, 12, 31)
    )
    assert {row["label"]: row["achieved"] for row in report.figures["indicators"]}["Personnes formées"] == "11"
    with pytest.raises(ValidationError):
        reports.report_send(actor=checker, report_id=report.pk)
    with pytest.raises(ValidationError) as caught:
        reports.report_check(actor=finance, report_id=report.pk)
    assert caught.value.code == "quatre_yeux"
    report.refresh_from_db()
    assert report.status == "prepare" and report.checked_by is None
    reports.report_check(actor=checker, report_id=report.pk)
    reports.report_send(actor=finance, report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "envoye"
    sheet = load_workbook(io.BytesIO(reports.report_xlsx(report))).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["Personnes formées", 20, 11] in cells and ["Entreprises accompagnées", 2, 2] in cells
    assert reports.report_pdf(report).startswith(b"%PDF")
    actions = [entry.action for entry in report_history(report)]
    assert actions == ["conventions.report_sent", "conventions.report_checked", "conventions.report_prepared"]


def report_history(report):
    from opco.audit import history_of

    return history_of(report).order_by("-occurred_at", "-id")


def test_the_reporting_calendar_plans_reports_and_reminders_once(edec):
    convention = edec["convention"]
    deadlines = services.reporting_calendar_plan(actor=edec["finance"], convention_id=convention.pk)
    assert [(d.period_start, d.period_end, d.due_on) for d in deadlines] == [
        (date(2026, 1, 1), date(2026, 12, 31), date(2027, 3, 1)),
        (date(2027, 1, 1), date(2027, 12, 31), date(2028, 2, 29)),
    ]
    services.reporting_calendar_plan(actor=edec["finance"], convention_id=convention.pk)
    reminders = Reminder.objects.filter(kind="conventions.bilan").order_by("due_on")
    assert [r.due_on for r in reminders] == [date(2027, 2, 14), date(2028, 2, 14)]
    report = reports.report_prepare(actor=edec["finance"], convention_id=convention.pk, deadline_id=deadlines[0].pk)
    assert (report.period_start, report.period_end) == (date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(ValidationError):
        reports.report_prepare(actor=edec["finance"], convention_id=convention.pk, deadline_id=deadlines[0].pk)
