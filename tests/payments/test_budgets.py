"""The three financial sections (C. trav. L6332-3, R6332-15): dotations, the commitment ledger and its
checks, the dashboard figures and alert levels, the screens (who may see, who may enter) and the CSV
of the monthly table. Sums are exact to the cent; refusals leave the database as it was."""

import itertools
from datetime import date

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from opco.audit import history_of
from opco.models import AuditEntry
from payments import budgets
from payments.budgets import BudgetExceeded, budget_commit, monthly_series, section_budget_set, section_dashboard
from payments.enums import FinancialSection, LineStatus, RunStatus
from payments.models import BudgetMovement, PayableLine, PaymentRun, SectionBudget
from payments.runs import payment_run_approve, payment_run_execute, payment_run_mark_sent, payment_run_prepare, payment_run_settle
from tests.accounts.factories import UserFactory
from tests.payments.factories import D, csv_rows, make_account, page, shown_messages

pytestmark = pytest.mark.django_db

ALTERNANCE, PLAN, RECONVERSION = FinancialSection.ALTERNANCE, FinancialSection.PLAN_UNDER_50, FinancialSection.RECONVERSION
NNBSP = "\u202f"  # narrow no-break space between thousands in messages
NBSP = "\u202f"  # templates format amounts with opco.money.euros too (|euros): the same narrow space
_sources = itertools.count(1)


@pytest.fixture
def advisor(make_user):
    return make_user(kind="advisor")


@pytest.fixture
def branch_rep(make_user):
    return make_user(kind="branch_rep")


def a_file() -> User:
    """A saved object standing for a mission's commitment: payments knows nothing of its source."""
    return UserFactory(email=f"dossier-{next(_sources)}@opco.test")


def budget(year: int, section: str, amount: str | None) -> SectionBudget:
    return SectionBudget.objects.create(year=year, section=section, amount=None if amount is None else D(amount))


def commit(actor, section, movements, *, reference="AP-2026-0001", source=None, **kwargs) -> list[BudgetMovement]:
    return budget_commit(
        actor=actor,
        section=section,
        source=source or a_file(),
        reference=reference,
        movements=[(due, D(amount)) for due, amount in movements],
        **kwargs,
    )


def ledger() -> list[tuple]:
    return list(
        BudgetMovement.objects.order_by("budget__year", "month", "id").values_list(
            "budget__year", "budget__section", "month", "amount", "overrun"
        )
    )


def figures_of(year: int) -> dict[str, budgets.EnvelopeFigures]:
    return {figure.section: figure for figure in section_dashboard(year)}


_runs = itertools.count(1)


def paid_line(
    amount: str, *, executed_on: date, section: str = ALTERNANCE, status=LineStatus.PAID, prepared_by=None, due_on=None
):
    """A payable line of a settled run executed on `executed_on` (built directly: the dates are past)."""
    run = PaymentRun.objects.create(
        execution_date=executed_on, prepared_by=prepared_by or UserFactory(), status=RunStatus.SETTLED, total=abs(D(amount))
    )
    number = next(_runs)
    return PayableLine.objects.create(
        account=make_account(),
        source_type=ContentType.objects.get_for_model(SectionBudget),
        source_id=900_000 + number,
        amount=D(amount),
        due_date=due_on or executed_on,
        reference=f"PAY-{number}",
        label="Échéance",
        section=section,
        status=status,
        run=run if status in (LineStatus.PAID, LineStatus.IN_RUN) else None,
    )


# --- Dotations ---------------------------------------------------------------------------------------
def test_a_dotation_is_entered_then_changed_with_its_history(finance, responsable):
    first = section_budget_set(
        actor=finance,
        year=2026,
        section=ALTERNANCE,
        amount=D("1000000.00"),
        source="Dotation France compétences notifiée le 15/01/2026",
    )
    assert (first.year, first.section, first.amount, first.updated_by) == (2026, "alternance", D("1000000.00"), finance)
    second = section_budget_set(
        actor=responsable, year=2026, section=ALTERNANCE, amount=D("1250000.50"), source="Avenant du 02/06/2026"
    )
    assert second.pk == first.pk and SectionBudget.objects.count() == 1
    assert (second.amount, second.source, second.updated_by) == (D("1250000.50"), "Avenant du 02/06/2026", responsable)

    entries = list(history_of(second))
    assert [entry.action for entry in entries] == ["payments.budget.set"] * 2
    assert entries[0].summary == (
        f"Dotation de la section « Alternance » 2026 : 1{NNBSP}250{NNBSP}000,50 € (auparavant 1{NNBSP}000{NNBSP}000,00 €)"
    )
    assert entries[0].changes == {
        "amount": ["1000000.00", "1250000.50"],
        "source": ["Dotation France compétences notifiée le 15/01/2026", "Avenant du 02/06/2026"],
    }
    assert (
        entries[1].summary == f"Dotation de la section « Alternance » 2026 : 1{NNBSP}000{NNBSP}000,00 € (auparavant non saisie)"
    )
    assert entries[1].actor == finance


def test_a_dotation_row_left_empty_by_a_commitment_is_filled_in(finance, staff):
    commit(staff, RECONVERSION, [(date(2027, 2, 1), "100.00")])
    row = SectionBudget.objects.get(year=2027, section=RECONVERSION)
    assert row.amount is None
    filled = section_budget_set(actor=finance, year=2027, section=RECONVERSION, amount=D("0"))
    assert filled.pk == row.pk and filled.amount == D("0.00")
    assert history_of(filled).get().summary == "Dotation de la section « Reconversion » 2027 : 0,00 € (auparavant non saisie)"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"amount": D("-0.01")}, "amount", "La dotation d'une section ne peut pas être négative."),
        ({"amount": D("10.001")}, "amount", "La dotation se saisit au centime près (deux décimales au plus)."),
        ({"section": "sport"}, "section", "Section financière inconnue : « sport »."),
        ({"year": 2018}, "year", "L'année doit être comprise entre 2019 et 2100."),
    ],
)
def test_a_wrong_dotation_is_refused_and_changes_nothing(finance, values, field, message):
    budget(2026, ALTERNANCE, "500.00")
    arguments = {"actor": finance, "year": 2026, "section": ALTERNANCE, "amount": D("100.00"), **values}
    with pytest.raises(ValidationError) as refusal:
        section_budget_set(**arguments)
    assert refusal.value.message_dict == {field: [message]}
    assert list(SectionBudget.objects.values_list("year", "section", "amount")) == [(2026, "alternance", D("500.00"))]
    assert not AuditEntry.objects.exists()


def test_only_finance_and_managers_enter_dotations(staff, advisor):
    for user in (staff, advisor):
        with pytest.raises(PermissionDenied, match="Seuls le service financier et les responsables"):
            section_budget_set(actor=user, year=2026, section=ALTERNANCE, amount=D("1.00"))
    assert not SectionBudget.objects.exists() and not AuditEntry.objects.exists()


# --- Commitments -------------------------------------------------------------------------------------
def test_movements_are_netted_per_month_exactly_to_the_cent(staff):
    budget(2026, ALTERNANCE, "1000.00")
    source = a_file()
    written = commit(
        staff,
        ALTERNANCE,
        [(date(2026, 3, 5), "100.10"), (date(2026, 4, 30), "250.33"), (date(2026, 3, 31), "0.01"), (date(2026, 3, 1), "0.02")],
        source=source,
        reference="AP-2026-0042",
        label="Contrat d'apprentissage, année 1",
    )
    assert [(m.month, m.amount) for m in written] == [(date(2026, 3, 1), D("100.13")), (date(2026, 4, 1), D("250.33"))]
    row = BudgetMovement.objects.get(month=date(2026, 3, 1))
    assert (row.reference, row.label, row.overrun, row.created_by) == (
        "AP-2026-0042",
        "Contrat d'apprentissage, année 1",
        False,
        staff,
    )
    assert (row.source_type, row.source_id) == (ContentType.objects.get_for_model(User), source.pk)
    assert figures_of(2026)[ALTERNANCE].committed == D("350.46")
    assert figures_of(2026)[ALTERNANCE].remaining == D("649.54")
    # A normal commitment writes no audit entry: the append-only ledger is its own journal.
    assert not AuditEntry.objects.exists()


def test_a_schedule_over_december_and_january_draws_on_two_dotations(staff):
    budget(2026, ALTERNANCE, "5000.00")
    budget(2027, ALTERNANCE, "5000.00")
    commit(staff, ALTERNANCE, [(date(2026, 12, 31), "1200.00"), (date(2027, 1, 1), "800.00"), (date(2027, 1, 20), "0.50")])
    assert ledger() == [
        (2026, "alternance", date(2026, 12, 1), D("1200.00"), False),
        (2027, "alternance", date(2027, 1, 1), D("800.50"), False),
    ]
    assert (figures_of(2026)[ALTERNANCE].committed, figures_of(2027)[ALTERNANCE].committed) == (D("1200.00"), D("800.50"))


def test_a_commitment_past_the_dotation_is_refused_with_the_figures_and_writes_nothing(staff):
    budget(2026, ALTERNANCE, "1000000.00")
    commit(staff, ALTERNANCE, [(date(2026, 2, 1), "998500.00")], reference="AP-2026-0001")
    before, audit_count = ledger(), AuditEntry.objects.count()

    with pytest.raises(BudgetExceeded) as refusal:
        commit(staff, ALTERNANCE, [(date(2026, 9, 1), "1300.00"), (date(2026, 10, 1), "1000.00")], reference="AP-2026-0002")

    assert refusal.value.messages == [
        f"Engagement refusé : la section « Alternance » 2026 a une dotation de 1{NNBSP}000{NNBSP}000,00 € ; "
        f"998{NNBSP}500,00 € sont déjà engagés ; ce dossier ajoute 2{NNBSP}300,00 € (dépassement de 800,00 €)."
    ]
    error = refusal.value
    assert (error.section, error.year, error.budget, error.committed, error.requested, error.excess) == (
        "alternance",
        2026,
        D("1000000.00"),
        D("998500.00"),
        D("2300.00"),
        D("800.00"),
    )
    assert error.reference == "AP-2026-0002" and error.code == "budget_exceeded"
    assert str(error) == error.messages[0]
    assert isinstance(error, ValidationError)
    assert ledger() == before and AuditEntry.objects.count() == audit_count


def test_a_refusal_in_one_year_writes_nothing_in_the_other(staff):
    budget(2026, PLAN, "10000.00")
    budget(2027, PLAN, "1000.00")
    with pytest.raises(BudgetExceeded) as refusal:
        commit(staff, PLAN, [(date(2026, 11, 1), "600.00"), (date(2027, 3, 1), "1000.01")])
    assert (refusal.value.year, refusal.value.requested, refusal.value.excess) == (2027, D("1000.01"), D("0.01"))
    assert ledger() == []


def test_a_refusal_leaves_no_dotation_row_created_for_another_year(staff):
    budget(2026, PLAN, "100.00")
    with pytest.raises(BudgetExceeded):
        commit(staff, PLAN, [(date(2026, 12, 1), "100.01"), (date(2027, 1, 1), "5.00")])
    assert list(SectionBudget.objects.values_list("year", flat=True)) == [2026]


@pytest.mark.parametrize(("amount", "accepted"), [("399.99", True), ("400.00", True), ("400.01", False)])
def test_the_dotation_may_be_committed_to_the_last_cent_not_one_more(staff, amount, accepted):
    budget(2026, RECONVERSION, "1000.00")
    commit(staff, RECONVERSION, [(date(2026, 1, 15), "600.00")])
    if accepted:
        commit(staff, RECONVERSION, [(date(2026, 6, 15), amount)])
        assert figures_of(2026)[RECONVERSION].committed == D("600.00") + D(amount)
    else:
        with pytest.raises(BudgetExceeded):
            commit(staff, RECONVERSION, [(date(2026, 6, 15), amount)])
        assert figures_of(2026)[RECONVERSION].committed == D("600.00")


def test_sections_do_not_share_their_dotations(staff):
    budget(2026, ALTERNANCE, "100.00")
    budget(2026, PLAN, "1000.00")
    commit(staff, PLAN, [(date(2026, 5, 1), "900.00")])
    commit(staff, ALTERNANCE, [(date(2026, 5, 1), "100.00")])
    with pytest.raises(BudgetExceeded):
        commit(staff, ALTERNANCE, [(date(2026, 5, 1), "0.01")])
    assert {s: f.committed for s, f in figures_of(2026).items()} == {
        "alternance": D("100.00"),
        "plan_moins_50": D("900.00"),
        "reconversion": D("0"),
    }


def test_an_acknowledged_overrun_is_recorded_flagged_and_audited(staff, responsable):
    budget(2026, ALTERNANCE, "1000.00")
    budget(2027, ALTERNANCE, "1000.00")
    commit(staff, ALTERNANCE, [(date(2026, 3, 1), "900.00")])
    source = a_file()
    written = commit(
        responsable,
        ALTERNANCE,
        [(date(2026, 11, 1), "150.00"), (date(2027, 2, 1), "150.00")],
        reference="AP-2026-0099",
        source=source,
        allow_overrun=True,
    )
    assert [(m.month, m.amount, m.overrun) for m in written] == [
        (date(2026, 11, 1), D("150.00"), True),  # 2026 goes past its dotation
        (date(2027, 2, 1), D("150.00"), False),  # 2027 stays within its own
    ]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id) == (
        "payments.budget.overrun_accepted",
        responsable,
        str(SectionBudget.objects.get(year=2026).pk),
    )
    assert entry.summary == (
        "Dépassement de dotation accepté : AP-2026-0099 ajoute 150,00 € à la section « Alternance » 2026 "
        "(900,00 € déjà engagés sur 1\u202f000,00 €, dépassement de 50,00 €)"
    )
    assert entry.changes == {
        "reference": "AP-2026-0099",
        "dotation": "1000.00",
        "engage_avant": "900.00",
        "ajoute": "150.00",
        "depassement": "50.00",
    }
    figure = figures_of(2026)[ALTERNANCE]
    assert (figure.committed, figure.remaining, figure.overrun_count, figure.alert) == (
        D("1050.00"),
        D("-50.00"),
        1,
        "depassement",
    )
    assert figures_of(2027)[ALTERNANCE].alert == "ok"


def test_an_overrun_movement_keeps_the_alert_even_once_back_within_the_dotation(staff, responsable):
    budget(2026, ALTERNANCE, "1000.00")
    source = a_file()
    commit(responsable, ALTERNANCE, [(date(2026, 3, 1), "1100.00")], allow_overrun=True, source=source)
    commit(staff, ALTERNANCE, [(date(2026, 3, 1), "-500.00")], source=source)
    figure = figures_of(2026)[ALTERNANCE]
    assert (figure.committed, figure.alert) == (D("600.00"), "depassement")


def test_negative_movements_are_never_refused(staff, finance):
    budget(2026, ALTERNANCE, "1000.00")
    source = a_file()
    commit(staff, ALTERNANCE, [(date(2026, 4, 1), "1000.00")], source=source)
    section_budget_set(actor=finance, year=2026, section=ALTERNANCE, amount=D("500.00"))  # lowered below the committed

    # A rupture gives back part of it: accepted although the section is still past its dotation.
    commit(staff, ALTERNANCE, [(date(2026, 9, 1), "-200.00")], source=source)
    # A recalculation moving money inside the year: net non-positive, accepted.
    commit(staff, ALTERNANCE, [(date(2026, 10, 1), "300.00"), (date(2026, 11, 1), "-300.00"), (date(2026, 12, 1), "-0.01")])
    assert figures_of(2026)[ALTERNANCE].committed == D("799.99")
    # But a net positive addition is checked.
    with pytest.raises(BudgetExceeded):
        commit(staff, ALTERNANCE, [(date(2026, 10, 1), "300.00"), (date(2026, 11, 1), "-299.99")])
    assert figures_of(2026)[ALTERNANCE].committed == D("799.99")
    assert not BudgetMovement.objects.filter(overrun=True).exists()


def test_a_year_with_no_dotation_accepts_commitments_and_is_flagged(staff):
    written = commit(staff, PLAN, [(date(2027, 5, 10), "25000.00")])
    assert len(written) == 1
    row = SectionBudget.objects.get()
    assert (row.year, row.section, row.amount) == (2027, "plan_moins_50", None)
    figure = figures_of(2027)[PLAN]
    assert (figure.budget, figure.committed, figure.remaining, figure.percent, figure.alert) == (
        None,
        D("25000.00"),
        None,
        None,
        "non_saisie",
    )
    assert figure.alert_label == "Aucune dotation saisie"


def test_no_movement_writes_nothing(staff):
    assert commit(staff, ALTERNANCE, []) == []
    # Months netting to zero write nothing either (a movement is never zero).
    assert commit(staff, ALTERNANCE, [(date(2026, 5, 1), "100.00"), (date(2026, 5, 31), "-100.00")]) == []
    assert not SectionBudget.objects.exists() and not BudgetMovement.objects.exists()


def test_wrong_arguments_are_refused(staff):
    source = a_file()
    with pytest.raises(ValidationError, match="Section financière inconnue"):
        budget_commit(actor=staff, section="", source=source, reference="X", movements=[(date(2026, 1, 1), D("1"))])
    with pytest.raises(TypeError, match="float"):
        budget_commit(actor=staff, section=ALTERNANCE, source=source, reference="X", movements=[(date(2026, 1, 1), 1.5)])
    with pytest.raises(ValueError, match="arrondi au centime"):
        budget_commit(actor=staff, section=ALTERNANCE, source=source, reference="X", movements=[(date(2026, 1, 1), D("1.005"))])
    with pytest.raises(ValueError, match="objet enregistré"):
        budget_commit(actor=staff, section=ALTERNANCE, source=User(), reference="X", movements=[(date(2026, 1, 1), D("1"))])
    with pytest.raises(ValidationError, match="hors de la plage"):
        budget_commit(actor=staff, section=ALTERNANCE, source=source, reference="X", movements=[(date(2101, 1, 1), D("1"))])
    assert not BudgetMovement.objects.exists() and not SectionBudget.objects.exists()


def test_the_commitment_belongs_to_the_callers_transaction(staff):
    budget(2026, ALTERNANCE, "1000.00")
    # The caller rolls back: its commitment goes with it.
    with pytest.raises(RuntimeError), transaction.atomic():
        commit(staff, ALTERNANCE, [(date(2026, 1, 1), "400.00")])
        raise RuntimeError("la décision échoue ensuite")
    assert ledger() == []
    # The caller catches a refusal and goes on: what it did stays, the refused commitment does not.
    with transaction.atomic():
        commit(staff, ALTERNANCE, [(date(2026, 1, 1), "400.00")], reference="A")
        with pytest.raises(BudgetExceeded):
            commit(staff, ALTERNANCE, [(date(2026, 2, 1), "400.00"), (date(2026, 3, 1), "200.01")], reference="B")
        commit(staff, ALTERNANCE, [(date(2026, 4, 1), "600.00")], reference="C")
    assert list(BudgetMovement.objects.order_by("month").values_list("reference", "amount")) == [
        ("A", D("400.00")),
        ("C", D("600.00")),
    ]


def test_the_ledger_is_append_only(staff):
    budget(2026, ALTERNANCE, None)
    movement = commit(staff, ALTERNANCE, [(date(2026, 1, 1), "10.00")])[0]
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        BudgetMovement.objects.filter(pk=movement.pk).update(amount=D("20.00"))
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
            BudgetMovement.objects.filter(pk=movement.pk).delete()
    assert ledger() == [(2026, "alternance", date(2026, 1, 1), D("10.00"), False)]


def test_the_net_of_a_source_per_section_and_month(staff):
    source = a_file()
    commit(staff, ALTERNANCE, [(date(2026, 9, 1), "100.00"), (date(2026, 10, 1), "100.00")], source=source)
    commit(staff, ALTERNANCE, [(date(2026, 10, 1), "-100.00"), (date(2026, 11, 1), "-30.00")], source=source)
    commit(staff, ALTERNANCE, [(date(2026, 9, 1), "999.00")])  # another file
    assert budgets.budget_net_by_month(source) == {
        ("alternance", date(2026, 9, 1)): D("100.00"),
        ("alternance", date(2026, 11, 1)): D("-30.00"),
    }


# --- Dashboard figures -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("committed", "percent", "alert"),
    [
        ("8999.00", D("89.99"), "ok"),
        ("8999.99", D("89.99"), "ok"),  # 89.9999 %: below the threshold, never shown as 90 %
        ("9000.00", D("90.00"), "seuil"),
        ("10000.00", D("100.00"), "seuil"),
        ("10001.00", D("100.01"), "depassement"),
    ],
)
def test_alert_levels_at_their_boundaries(staff, finance, committed, percent, alert):
    commit(staff, ALTERNANCE, [(date(2026, 6, 1), committed)])  # no dotation yet: accepted
    section_budget_set(actor=finance, year=2026, section=ALTERNANCE, amount=D("10000.00"))
    figure = figures_of(2026)[ALTERNANCE]
    assert (figure.committed, figure.percent, figure.alert) == (D(committed), percent, alert)
    assert figure.remaining == D("10000.00") - D(committed)


def test_a_zero_dotation(staff, finance, responsable):
    section_budget_set(actor=finance, year=2026, section=PLAN, amount=D("0.00"))
    assert (figures_of(2026)[PLAN].percent, figures_of(2026)[PLAN].alert) == (None, "ok")
    with pytest.raises(BudgetExceeded):
        commit(staff, PLAN, [(date(2026, 6, 1), "0.01")])
    commit(responsable, PLAN, [(date(2026, 6, 1), "0.01")], allow_overrun=True)
    assert figures_of(2026)[PLAN].alert == "depassement"


def test_paid_counts_the_paid_lines_of_the_section_executed_in_the_year(staff):
    paid_line("1000.10", executed_on=date(2026, 1, 1))
    paid_line("200.05", executed_on=date(2026, 12, 31))
    paid_line("-50.00", executed_on=date(2026, 7, 1))  # a trop-perçu netted in a transfer
    paid_line("7.00", executed_on=date(2025, 12, 31))  # the year before
    paid_line("8.00", executed_on=date(2027, 1, 1))  # the year after
    paid_line("9.00", executed_on=date(2026, 5, 1), status=LineStatus.IN_RUN)  # not paid yet
    paid_line("11.00", executed_on=date(2026, 5, 1), status=LineStatus.RETURNED)
    paid_line("300.00", executed_on=date(2026, 5, 1), section=RECONVERSION)
    paid_line("13.00", executed_on=date(2026, 5, 1), section="")  # a line with no section
    figures = figures_of(2026)
    assert {s: f.paid for s, f in figures.items()} == {
        "alternance": D("1150.15"),
        "plan_moins_50": D("0"),
        "reconversion": D("300.00"),
    }
    assert figures[ALTERNANCE].committed == D("0")


def test_monthly_series_committed_by_due_month_and_paid_by_execution_month(staff):
    commit(staff, ALTERNANCE, [(date(2026, 1, 10), "100.00"), (date(2026, 3, 10), "50.50"), (date(2027, 1, 1), "999.00")])
    commit(staff, ALTERNANCE, [(date(2026, 3, 20), "-20.25")])
    commit(staff, RECONVERSION, [(date(2026, 3, 5), "1000.00")])
    paid_line("40.00", executed_on=date(2026, 3, 31))
    paid_line("60.00", executed_on=date(2026, 3, 1))
    paid_line("70.00", executed_on=date(2026, 12, 1), section=RECONVERSION)

    series = monthly_series(2026)
    assert [month.month for month in series] == [date(2026, number, 1) for number in range(1, 13)]
    assert [(m.month.month, m.commitments, m.releases, m.committed, m.paid) for m in series if m.committed or m.paid] == [
        (1, D("100.00"), D("0"), D("100.00"), D("0")),
        (3, D("1050.50"), D("20.25"), D("1030.25"), D("100.00")),
        (12, D("0"), D("0"), D("0"), D("70.00")),
    ]
    alternance = monthly_series(2026, ALTERNANCE)
    assert [(m.month.month, m.committed, m.paid) for m in alternance if m.committed or m.paid] == [
        (1, D("100.00"), D("0")),
        (3, D("30.25"), D("100.00")),
    ]
    assert sum(m.committed for m in monthly_series(2026)) == sum(f.committed for f in section_dashboard(2026)) == D("1130.25")


def test_the_reads_cost_a_constant_number_of_queries(staff, django_assert_num_queries):
    def add(count: int):
        for index in range(count):
            commit(staff, FinancialSection.values[index % 3], [(date(2026, 1 + index % 12, 1), "10.00")])
            paid_line("5.00", executed_on=date(2026, 1 + index % 12, 2), section=FinancialSection.values[index % 3])

    add(2)
    with django_assert_num_queries(3):
        section_dashboard(2026)
    with django_assert_num_queries(2):
        monthly_series(2026)
    add(30)
    with django_assert_num_queries(3):
        section_dashboard(2026)
    with django_assert_num_queries(2):
        monthly_series(2026, PLAN)


def test_the_paid_figure_follows_a_real_run_through_settlement(staff, finance, finance2):
    account = make_account()
    today = timezone.localdate()
    line = PayableLine.objects.create(
        account=account,
        source_type=ContentType.objects.get_for_model(SectionBudget),
        source_id=1,
        amount=D("1234.56"),
        due_date=today,
        reference="AP-REEL",
        label="Échéance",
        section=RECONVERSION,
    )
    run = payment_run_prepare(actor=finance, execution_date=today).run
    payment_run_approve(actor=finance2, run_id=run.pk)
    assert payment_run_execute(run_id=run.pk).status == RunStatus.FILE_READY
    assert figures_of(run.execution_date.year)[RECONVERSION].paid == D("0")  # not paid before settlement
    payment_run_mark_sent(actor=finance, run_id=run.pk)
    payment_run_settle(actor=finance, run_id=run.pk)
    line.refresh_from_db()
    assert line.status == LineStatus.PAID
    assert figures_of(run.execution_date.year)[RECONVERSION].paid == D("1234.56")
    month = next(m for m in monthly_series(run.execution_date.year, RECONVERSION) if m.month.month == run.execution_date.month)
    assert month.paid == D("1234.56")


# --- Screens -----------------------------------------------------------------------------------------
DASHBOARD = reverse("payments:budgets")
ENTRY = reverse("payments:budget_entry")


@pytest.fixture
def filled(staff):
    """2026: alternance at 95 % with an overrun-free ledger, plan < 50 without dotation, reconversion fine."""
    budget(2026, ALTERNANCE, "10000.00")
    budget(2026, RECONVERSION, "5000.00")
    commit(staff, ALTERNANCE, [(date(2026, 2, 1), "9000.00"), (date(2026, 3, 1), "500.00")], reference="AP-2026-0001")
    commit(staff, PLAN, [(date(2026, 3, 1), "1200.00")], reference="PL-2026-0007")
    commit(staff, RECONVERSION, [(date(2026, 12, 1), "1000.00"), (date(2027, 1, 1), "1000.00")], reference="RC-2026-0003")
    commit(staff, ALTERNANCE, [(date(2026, 3, 1), "-100.25")], reference="AP-2026-0001", label="Rupture au 15/03/2026")
    paid_line("4000.00", executed_on=date(2026, 2, 10))
    paid_line("250.50", executed_on=date(2026, 3, 10), section=PLAN)


@pytest.mark.parametrize("who", ["staff", "finance", "responsable"])
def test_staff_see_the_dashboard(client_for, request, filled, who):
    response = client_for(request.getfixturevalue(who)).get(DASHBOARD, {"annee": "2026"})
    assert response.status_code == 200
    html = page(response)
    assert "Sections financières — 2026" in html
    figures = {f.section: f for f in response.context["figures"]}
    assert (figures["alternance"].committed, figures["alternance"].paid, figures["alternance"].alert) == (
        D("9399.75"),
        D("4000.00"),
        "seuil",
    )
    assert figures["plan_moins_50"].alert == "non_saisie"
    assert (figures["reconversion"].committed, figures["reconversion"].remaining) == (D("1000.00"), D("4000.00"))
    assert f'data-field="committed">9{NBSP}399,75 €' in html
    assert 'data-field="percent">93,99 %' in html
    assert 'data-field="remaining">600,25 €' in html
    assert 'data-field="budget">non saisie' in html
    assert (
        "Section « Plan de développement des compétences &lt; 50 » : aucune dotation saisie pour 2026."
        in response.content.decode()
    )
    assert "Section « Alternance » : 93,99 % de la dotation engagés." in html
    assert 'id="monthly-chart"' in html and html.count('"><title>') == 24  # two bars a month
    assert "AP-2026-0001" in html and "Rupture au 15/03/2026" in html and "-100,25 €" in html
    assert ('id="budget-entry-link"' in html) is (who != "staff")


def test_the_dashboard_shows_both_views_of_the_paid_and_never_a_green_badge_past_the_dotation(client_for, staff):
    """Paid in 2026 includes a 2025 commitment paid in January: 1 100 € paid in the year for a 1 000 €
    dotation with 900 € committed. Both views are shown; the badge says the payments went past."""
    budget(2026, ALTERNANCE, "1000.00")
    commit(staff, ALTERNANCE, [(date(2026, 3, 1), "900.00")], reference="AP-2026-0042")
    paid_line("800.00", executed_on=date(2026, 1, 20), due_on=date(2025, 12, 1))  # committed on 2025
    paid_line("300.00", executed_on=date(2026, 3, 10), due_on=date(2026, 3, 1))
    response = client_for(staff).get(DASHBOARD, {"annee": "2026"})
    alternance = {f.section: f for f in response.context["figures"]}[ALTERNANCE]
    assert (alternance.committed, alternance.paid_on_commitments, alternance.paid) == (D("900.00"), D("300.00"), D("1100.00"))
    assert alternance.alert == "paiements_au_dela"
    html = page(response)
    assert 'data-field="paid_on_commitments">300,00 €' in html and f'data-field="paid">1{NBSP}100,00 €' in html
    assert "Payé sur les engagements de l'année" in html and "Tous les paiements faits dans l'année" in html
    section = html.split('id="section-alternance"')[1].split("</section>")[0]
    assert 'data-alert="paiements_au_dela"' in section and "Dans la dotation" not in section
    assert "Section « Alternance » : paiements au-delà de la dotation." in html
    # 2025 sees the line on its own commitments.
    earlier = {f.section: f for f in section_dashboard(2025)}[ALTERNANCE]
    assert (earlier.paid_on_commitments, earlier.paid) == (D("800.00"), D("0"))


def test_the_dashboard_defaults_to_this_year(client_for, staff):
    with time_machine.travel(date(2027, 6, 15), tick=False):
        response = client_for(staff).get(DASHBOARD, {"annee": "pas une année"})
    assert response.context["year"] == 2027
    assert [m.month for m, _, _ in response.context["rows"]][0] == date(2027, 1, 1)


def test_the_dashboard_shows_an_acknowledged_overrun(client_for, staff, responsable):
    budget(2026, ALTERNANCE, "100.00")
    commit(responsable, ALTERNANCE, [(date(2026, 5, 1), "150.00")], reference="AP-2026-0777", allow_overrun=True)
    html = page(client_for(staff).get(DASHBOARD, {"annee": "2026"}))
    assert "Section « Alternance » : dotation dépassée." in html
    assert "1 mouvement enregistré au-delà de la dotation avec accord explicite" in html
    assert "Dépassement accepté" in html and 'data-alert="depassement"' in html


@pytest.mark.parametrize("who", ["advisor", "branch_rep"])
def test_advisors_and_branch_representatives_get_403(client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(DASHBOARD, {"format": "csv"}).status_code == 403
    assert client.get(ENTRY).status_code == 403
    assert client.post(ENTRY, {"year": "2026", "section": ALTERNANCE, "amount": "1"}).status_code == 403
    assert not SectionBudget.objects.exists()


def test_a_staff_member_outside_finance_may_not_enter_a_dotation(client_for, staff):
    budget(2026, ALTERNANCE, "10.00")
    client = client_for(staff)
    assert client.get(ENTRY).status_code == 403
    assert client.post(ENTRY, {"year": "2026", "section": ALTERNANCE, "amount": "99 999,00"}).status_code == 403
    assert list(SectionBudget.objects.values_list("amount", flat=True)) == [D("10.00")]
    assert not AuditEntry.objects.exists()


def test_finance_enters_a_dotation_through_the_form(client_for, finance):
    client = client_for(finance)
    response = client.get(ENTRY, {"annee": "2026", "section": PLAN})
    assert response.status_code == 200
    assert response.context["form"].initial == {"year": 2026, "section": "plan_moins_50"}

    response = client.post(
        ENTRY,
        {
            "year": "2026",
            "section": PLAN,
            "amount": "1\u202f250 000,50 €",
            "source": "Dotation France compétences notifiée le 15/01/2026",
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"{DASHBOARD}?annee=2026", 302)]
    assert shown_messages(response) == [
        f"Dotation de la section « Plan de développement des compétences < 50 » 2026 enregistrée : 1{NNBSP}250{NNBSP}000,50 €."
    ]
    row = SectionBudget.objects.get()
    assert (row.year, row.section, row.amount, row.source, row.updated_by) == (
        2026,
        "plan_moins_50",
        D("1250000.50"),
        "Dotation France compétences notifiée le 15/01/2026",
        finance,
    )
    # The form shows the current amount, and the history, when it is opened again.
    response = client.get(ENTRY, {"annee": "2026", "section": PLAN})
    assert response.context["form"].initial["amount"] == "1250000,50"
    assert [entry.action for entry in response.context["history"]] == ["payments.budget.set"]
    assert "(auparavant non saisie)" in page(response)


def test_a_dotation_below_the_committed_warns(client_for, finance, staff):
    commit(staff, ALTERNANCE, [(date(2026, 6, 1), "800.00")])
    response = client_for(finance).post(ENTRY, {"year": "2026", "section": ALTERNANCE, "amount": "500"}, follow=True)
    assert (
        shown_messages(response)[1]
        == "Attention : 800,00 € sont déjà engagés sur cette section pour 2026, au-delà de cette dotation."
    )
    entry = AuditEntry.objects.get(action="payments.budget.set")
    assert entry.changes == {"amount": [None, "500.00"]}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5,00", "La dotation d'une section ne peut pas être négative."),
        ("douze", "Saisissez un montant en euros, par exemple 1 250 000,00."),
        ("12,345", "La dotation se saisit au centime près (deux décimales au plus)."),
    ],
)
def test_a_wrong_amount_in_the_form_is_refused_in_french(client_for, responsable, amount, message):
    budget(2026, ALTERNANCE, "10.00")
    response = client_for(responsable).post(ENTRY, {"year": "2026", "section": ALTERNANCE, "amount": amount})
    assert response.status_code == 200
    assert response.context["form"].errors == {"amount": [message]}
    assert list(SectionBudget.objects.values_list("amount", flat=True)) == [D("10.00")]
    assert not AuditEntry.objects.exists()


def test_the_monthly_table_as_csv(client_for, staff, filled):
    response = client_for(staff).get(DASHBOARD, {"annee": "2026", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sections-financieres-2026.csv"'
    rows = csv_rows(response)
    assert rows[0] == ["Mois", "Engagements", "Dégagements", "Engagé net", "Payé", "Engagé net cumulé", "Payé cumulé"]
    assert len(rows) == 13
    assert rows[1] == ["01/2026", "0,00", "0,00", "0,00", "0,00", "0,00", "0,00"]
    assert rows[2] == ["02/2026", "9000,00", "0,00", "9000,00", "4000,00", "9000,00", "4000,00"]
    assert rows[3] == ["03/2026", "1700,00", "100,25", "1599,75", "250,50", "10599,75", "4250,50"]
    assert rows[12] == ["12/2026", "1000,00", "0,00", "1000,00", "0,00", "11599,75", "4250,50"]
    export = AuditEntry.objects.get(action="export_csv")
    assert (export.actor, export.summary) == (staff, "Export CSV « engagements et paiements mensuels » 2026, trois sections")

    one = csv_rows(client_for(staff).get(DASHBOARD, {"annee": "2026", "section": ALTERNANCE, "format": "csv"}))
    assert one[3] == ["03/2026", "500,00", "100,25", "399,75", "0,00", "9399,75", "4000,00"]


def test_a_negative_month_in_the_csv_is_guarded_against_formulas(client_for, staff):
    source = a_file()
    commit(staff, ALTERNANCE, [(date(2025, 12, 1), "100.00")], source=source)
    commit(staff, ALTERNANCE, [(date(2026, 1, 1), "-40.00")], source=source)
    rows = csv_rows(client_for(staff).get(DASHBOARD, {"annee": "2026", "format": "csv"}))
    assert rows[1] == ["01/2026", "0,00", "40,00", "'-40,00", "0,00", "'-40,00", "0,00"]


def test_the_dashboard_page_costs_the_same_queries_whatever_the_volume(client_for, staff):
    client = client_for(staff)
    budget(2026, ALTERNANCE, "100000.00")
    commit(staff, ALTERNANCE, [(date(2026, 1, 1), "1.00")])
    client.get(DASHBOARD, {"annee": "2026"})  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD, {"annee": "2026"})
    for index in range(25):
        commit(staff, FinancialSection.values[index % 3], [(date(2026, 1 + index % 12, 1), "10.00")], reference=f"F{index}")
        paid_line("3.00", executed_on=date(2026, 1 + index % 12, 5), section=FinancialSection.values[index % 3])
    with CaptureQueriesContext(connection) as many:
        response = client.get(DASHBOARD, {"annee": "2026"})
    assert len(response.context["movements"]) == 20
    assert len(many) == len(few)


def test_the_budget_screens_are_in_the_admin_read_only(client_for, make_user, staff):
    admin_user = make_user(kind="staff", groups=["administrateur"])
    budget(2026, ALTERNANCE, "10.00")
    commit(staff, ALTERNANCE, [(date(2026, 1, 1), "1.00")])
    client = client_for(admin_user)
    assert client.get(reverse("admin:payments_envelope_changelist")).status_code == 200
    assert client.get(reverse("admin:payments_budgetmovement_changelist")).status_code == 200
    assert client.get(reverse("admin:payments_envelope_add")).status_code == 403
