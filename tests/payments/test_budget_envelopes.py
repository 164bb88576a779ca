"""Envelopes beyond the section dotations: a branch's envelope for a quarter of a section, a
convention's yearly envelope. A commitment draws on one or several envelopes at once (all or
nothing), the month of each movement picks the quarter or the year, and only a manager (or the system,
when the law decides on silence) may go past an envelope. Sums are exact to the cent; refusals leave
the database as it was."""

import itertools
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from branches.models import Branch
from opco.audit import history_of
from opco.models import AuditEntry
from payments.budgets import (
    BudgetExceeded,
    EnvelopeKey,
    OverrunNotAllowed,
    branch_dashboard,
    branch_envelope_set,
    branch_key,
    budget_commit,
    budget_net_by_month,
    can_overrun,
    convention_dashboard,
    convention_key,
    envelope_commit,
    envelope_set,
    section_dashboard,
    section_key,
)
from payments.enums import FinancialSection, LineStatus, RunStatus
from payments.models import BudgetMovement, Envelope, EnvelopeKind, PayableLine, PaymentRun, SectionBudget
from tests.accounts.factories import UserFactory
from tests.payments.factories import D, make_account

pytestmark = pytest.mark.django_db

ALTERNANCE, PLAN = FinancialSection.ALTERNANCE, FinancialSection.PLAN_UNDER_50
NNBSP = "\u202f"
_sources = itertools.count(1)


@pytest.fixture
def chimie(db):
    return Branch.objects.create(code="B-CHI", name="Chimie")


def a_file() -> User:
    """A saved object standing for a mission's file: payments knows nothing of its source."""
    return UserFactory(email=f"demande-{next(_sources)}@opco.test")


def branch_envelope(branch, year: int, quarter: int, amount: str | None, section: str = PLAN) -> Envelope:
    return Envelope.objects.create(
        kind=EnvelopeKind.BRANCH,
        branch=branch,
        section=section,
        year=year,
        quarter=quarter,
        amount=None if amount is None else D(amount),
    )


def dotation(year: int, section: str, amount: str) -> Envelope:
    return SectionBudget.objects.create(year=year, section=section, amount=D(amount))


def commit(actor, keys, movements, *, reference="PL-2026-0001", source=None, **kwargs) -> list[BudgetMovement]:
    return envelope_commit(
        actor=actor,
        envelopes=keys,
        source=source or a_file(),
        reference=reference,
        movements=[(due, D(amount)) for due, amount in movements],
        **kwargs,
    )


def ledger() -> list[tuple]:
    """(kind, branch code, section, year, quarter, month, amount, overrun), in a stable order."""
    return list(
        BudgetMovement.objects.order_by("budget__kind", "budget__year", "budget__quarter", "month", "id").values_list(
            "budget__kind",
            "budget__branch__code",
            "budget__section",
            "budget__year",
            "budget__quarter",
            "month",
            "amount",
            "overrun",
        )
    )


def envelopes() -> list[tuple]:
    return list(
        Envelope.objects.order_by("kind", "year", "quarter", "id").values_list("kind", "section", "year", "quarter", "amount")
    )


# --- Entering a branch's quarter envelope -------------------------------------------------------------
def test_a_branch_quarter_envelope_is_entered_then_changed_with_its_history(finance, responsable, metallurgie):
    first = branch_envelope_set(actor=finance, branch=metallurgie, year=2026, quarter=2, amount=D("5000"), source="CPNE du 12/01")
    assert (first.kind, first.branch, first.section, first.year, first.quarter, first.amount) == (
        "branche",
        metallurgie,
        "plan_moins_50",
        2026,
        2,
        D("5000.00"),
    )
    second = branch_envelope_set(actor=responsable, branch=metallurgie, year=2026, quarter=2, amount=D("4500.50"))
    assert second.pk == first.pk and Envelope.objects.count() == 1
    entries = list(history_of(second))
    assert [entry.summary for entry in entries] == [
        "Enveloppe de la branche « Métallurgie » (section « Plan de développement des compétences < 50 »), 2e trimestre 2026 : "
        f"4{NNBSP}500,50 € (auparavant 5{NNBSP}000,00 €)",
        "Enveloppe de la branche « Métallurgie » (section « Plan de développement des compétences < 50 »), 2e trimestre 2026 : "
        f"5{NNBSP}000,00 € (auparavant non saisie)",
    ]
    assert entries[0].changes == {"amount": ["5000.00", "4500.50"], "source": ["CPNE du 12/01", ""]}
    assert (entries[0].actor, entries[1].actor) == (responsable, finance)
    # Another quarter, another section, another branch: other envelopes.
    branch_envelope_set(actor=finance, branch=metallurgie, year=2026, quarter=1, amount=D("1"))
    branch_envelope_set(actor=finance, branch=metallurgie, year=2026, quarter=2, amount=D("2"), section=ALTERNANCE)
    assert Envelope.objects.filter(kind="branche").count() == 3


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"amount": D("-0.01")}, "amount", "L'enveloppe d'une branche ne peut pas être négative."),
        ({"amount": D("10.001")}, "amount", "L'enveloppe se saisit au centime près (deux décimales au plus)."),
        ({"quarter": 5}, "quarter", "Indiquez le trimestre (1 à 4) de l'enveloppe de la branche."),
        ({"quarter": 0}, "quarter", "Indiquez le trimestre (1 à 4) de l'enveloppe de la branche."),
        ({"section": "sport"}, "section", "Section financière inconnue : « sport »."),
        ({"year": 2101}, "year", "L'année doit être comprise entre 2019 et 2100."),
    ],
)
def test_a_wrong_branch_envelope_is_refused_and_changes_nothing(finance, metallurgie, values, field, message):
    branch_envelope(metallurgie, 2026, 1, "500.00")
    arguments = {"actor": finance, "branch": metallurgie, "year": 2026, "quarter": 1, "amount": D("100.00"), **values}
    with pytest.raises(ValidationError) as refusal:
        branch_envelope_set(**arguments)
    assert refusal.value.message_dict == {field: [message]}
    assert envelopes() == [("branche", "plan_moins_50", 2026, 1, D("500.00"))]
    assert not AuditEntry.objects.exists()


def test_only_finance_and_managers_enter_envelopes(staff, metallurgie):
    with pytest.raises(PermissionDenied, match="Seuls le service financier et les responsables"):
        branch_envelope_set(actor=staff, branch=metallurgie, year=2026, quarter=1, amount=D("1.00"))
    with pytest.raises(PermissionDenied):
        envelope_set(actor=None, key=convention_key("convention:1"), year=2026, amount=D("1.00"))
    assert not Envelope.objects.exists() and not AuditEntry.objects.exists()


def test_the_database_keeps_one_envelope_per_kind_key_and_period_and_the_shape_of_each_kind(metallurgie):
    branch_envelope(metallurgie, 2026, 1, "1.00")
    dotation(2026, PLAN, "1.00")
    for duplicate in (
        lambda: branch_envelope(metallurgie, 2026, 1, "2.00"),
        lambda: dotation(2026, PLAN, "2.00"),
        lambda: branch_envelope(metallurgie, 2026, 5, "1.00"),  # no fifth quarter
        lambda: branch_envelope(metallurgie, 2026, None, "1.00"),  # a branch's envelope is for a quarter
        lambda: Envelope.objects.create(kind="branche", section=PLAN, year=2026, quarter=1),  # no branch
        lambda: Envelope.objects.create(kind="section", section=PLAN, year=2027, quarter=1),  # a dotation is yearly
        lambda: Envelope.objects.create(kind="convention", scope_key="", year=2026),
        lambda: Envelope.objects.create(kind="convention", scope_key="c:1", section=PLAN, year=2026),
        lambda: Envelope.objects.create(kind="autre", section=PLAN, year=2026),
        lambda: dotation(2026, ALTERNANCE, "-1.00"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            duplicate()
    # The same quarter in another section, or of the same section in another year, is another envelope.
    branch_envelope(metallurgie, 2026, 1, "3.00", section=ALTERNANCE)
    branch_envelope(metallurgie, 2027, 1, "4.00")
    assert Envelope.objects.count() == 4


def test_the_shape_of_an_envelope_is_explained_in_french(metallurgie):
    envelope = Envelope(kind="branche", section=PLAN, year=2026, quarter=None, branch=metallurgie, amount=D("1.00"))
    with pytest.raises(ValidationError) as refusal:
        envelope.full_clean()
    assert refusal.value.messages == [
        "Une enveloppe de branche porte une branche, une section, une année et un trimestre de 1 à 4, sans clé de convention."
    ]


# --- Commitments on a branch's quarters -------------------------------------------------------------------
def test_the_last_day_of_march_and_the_first_of_april_draw_on_two_quarters(staff, metallurgie):
    branch_envelope(metallurgie, 2026, 1, "100.00")
    branch_envelope(metallurgie, 2026, 2, "1000.00")
    written = commit(staff, [branch_key(metallurgie)], [(date(2026, 3, 31), "100.00"), (date(2026, 4, 1), "200.00")])
    assert [(m.budget.quarter, m.month, m.amount) for m in written] == [
        (1, date(2026, 3, 1), D("100.00")),
        (2, date(2026, 4, 1), D("200.00")),
    ]
    # The first quarter is full to the cent; the second still has room.
    with pytest.raises(BudgetExceeded) as refusal:
        commit(staff, [branch_key(metallurgie)], [(date(2026, 3, 31), "0.01")])
    assert (refusal.value.quarter, refusal.value.committed, refusal.value.excess) == (1, D("100.00"), D("0.01"))
    commit(staff, [branch_key(metallurgie)], [(date(2026, 4, 1), "800.00")])
    figures = {f.quarter: f for f in branch_dashboard(2026)}
    assert {q: (f.committed, f.remaining) for q, f in figures.items()} == {
        1: (D("100.00"), D("0.00")),
        2: (D("1000.00"), D("0.00")),
    }


def test_the_last_day_of_december_and_the_first_of_january_draw_on_the_fourth_then_next_years_first_quarter(staff, metallurgie):
    commit(staff, [branch_key(metallurgie)], [(date(2026, 12, 31), "300.00"), (date(2027, 1, 1), "400.00")])
    assert ledger() == [
        ("branche", "B-MET", "plan_moins_50", 2026, 4, date(2026, 12, 1), D("300.00"), False),
        ("branche", "B-MET", "plan_moins_50", 2027, 1, date(2027, 1, 1), D("400.00"), False),
    ]
    # No envelope was entered: both were created without an amount, and are flagged.
    assert envelopes() == [("branche", "plan_moins_50", 2026, 4, None), ("branche", "plan_moins_50", 2027, 1, None)]
    assert [(f.year, f.quarter, f.committed, f.alert, f.alert_label) for f in branch_dashboard(2027)] == [
        (2027, 1, D("400.00"), "non_saisie", "Aucune enveloppe saisie")
    ]


def test_a_branch_refusal_names_the_envelope_and_its_figures(staff, metallurgie):
    branch_envelope(metallurgie, 2026, 3, "10000.00")
    commit(staff, [branch_key(metallurgie)], [(date(2026, 8, 1), "9000.00")])
    with pytest.raises(BudgetExceeded) as refusal:
        commit(staff, [branch_key(metallurgie)], [(date(2026, 9, 30), "1500.00")], reference="PL-2026-0002")
    assert str(refusal.value) == (
        "Engagement refusé : la branche « Métallurgie » (section « Plan de développement des compétences < 50 »), "
        f"3e trimestre 2026 a une enveloppe de 10{NNBSP}000,00 € ; 9{NNBSP}000,00 € sont déjà engagés ; "
        f"ce dossier ajoute 1{NNBSP}500,00 € (dépassement de 500,00 €)."
    )
    error = refusal.value
    assert (error.kind, error.section, error.year, error.quarter, error.budget, error.reference) == (
        "branche",
        "plan_moins_50",
        2026,
        3,
        D("10000.00"),
        "PL-2026-0002",
    )
    assert error.code == "budget_exceeded"


def test_branches_do_not_share_their_envelopes(staff, metallurgie, chimie):
    branch_envelope(metallurgie, 2026, 1, "100.00")
    branch_envelope(chimie, 2026, 1, "100.00")
    commit(staff, [branch_key(metallurgie)], [(date(2026, 1, 1), "100.00")])
    commit(staff, [branch_key(chimie)], [(date(2026, 1, 1), "100.00")])
    with pytest.raises(BudgetExceeded):
        commit(staff, [branch_key(chimie)], [(date(2026, 1, 1), "0.01")])
    assert [(f.branch_name, f.committed) for f in branch_dashboard(2026)] == [
        ("Chimie", D("100.00")),
        ("Métallurgie", D("100.00")),
    ]


# --- A commitment on two envelopes: all or nothing -------------------------------------------------------
def test_a_plan_request_draws_on_the_branch_quarter_and_the_section_dotation(staff, metallurgie):
    branch_envelope(metallurgie, 2026, 2, "1000.00")
    dotation(2026, PLAN, "50000.00")
    source = a_file()
    written = commit(
        staff,
        [branch_key(metallurgie), section_key(PLAN)],
        [(date(2026, 5, 20), "600.00"), (date(2026, 7, 3), "150.25")],
        source=source,
    )
    assert len(written) == 4
    assert ledger() == [
        ("branche", "B-MET", "plan_moins_50", 2026, 2, date(2026, 5, 1), D("600.00"), False),
        ("branche", "B-MET", "plan_moins_50", 2026, 3, date(2026, 7, 1), D("150.25"), False),
        ("section", None, "plan_moins_50", 2026, None, date(2026, 5, 1), D("600.00"), False),
        ("section", None, "plan_moins_50", 2026, None, date(2026, 7, 1), D("150.25"), False),
    ]
    # The section counts the money once; the branch's quarters show their share of it.
    plan = next(f for f in section_dashboard(2026) if f.section == PLAN)
    assert (plan.committed, plan.remaining) == (D("750.25"), D("49249.75"))
    assert [(f.quarter, f.budget, f.committed) for f in branch_dashboard(2026)] == [
        (2, D("1000.00"), D("600.00")),
        (3, None, D("150.25")),
    ]
    # What a mission recalculating its file reads is the section's ledger, as before envelopes.
    assert budget_net_by_month(source) == {(PLAN, date(2026, 5, 1)): D("600.00"), (PLAN, date(2026, 7, 1)): D("150.25")}


@pytest.mark.parametrize("short", ["branche", "section"])
def test_a_commitment_on_two_envelopes_is_refused_as_a_whole_when_one_is_short(staff, metallurgie, short):
    branch_envelope(metallurgie, 2026, 2, "500.00" if short == "branche" else "5000.00")
    dotation(2026, PLAN, "500.00" if short == "section" else "5000.00")
    commit(staff, [branch_key(metallurgie), section_key(PLAN)], [(date(2026, 4, 1), "400.00")], reference="PL-1")
    before, envelopes_before, audit_before = ledger(), envelopes(), AuditEntry.objects.count()

    with pytest.raises(BudgetExceeded) as refusal:
        commit(
            staff,
            [section_key(PLAN), branch_key(metallurgie)],  # listed in either order
            [(date(2026, 6, 30), "100.01"), (date(2026, 10, 1), "50.00")],  # Q4 has no envelope yet
            reference="PL-2",
        )

    assert (refusal.value.kind, refusal.value.committed, refusal.value.requested, refusal.value.excess) == (
        short,
        D("400.00"),
        D("100.01") if short == "branche" else D("150.01"),
        D("0.01") if short == "branche" else D("50.01"),
    )
    # Nothing written on the envelope that had room, no Q4 envelope left behind, no audit.
    assert ledger() == before and envelopes() == envelopes_before and AuditEntry.objects.count() == audit_before


def test_an_envelope_listed_twice_or_none_is_a_programming_error(staff, metallurgie):
    with pytest.raises(ValueError, match="citée deux fois"):
        commit(staff, [branch_key(metallurgie), branch_key(metallurgie)], [(date(2026, 1, 1), "1.00")])
    with pytest.raises(ValueError, match="citée deux fois"):  # the enum member and its value are the same key
        commit(staff, [section_key(FinancialSection.PLAN_UNDER_50), section_key("plan_moins_50")], [(date(2026, 1, 1), "1.00")])
    with pytest.raises(ValueError, match="au moins une enveloppe"):
        commit(staff, [], [(date(2026, 1, 1), "1.00")])
    with pytest.raises(ValueError, match="branche enregistrée"):
        branch_key(Branch(code="X", name="Pas enregistrée"))
    with pytest.raises(ValidationError, match="Section financière inconnue"):
        branch_key(metallurgie, section="sport")
    with pytest.raises(ValidationError, match="clé d'une convention"):
        convention_key("   ")
    with pytest.raises(ValueError, match="Type d'enveloppe inconnu"):
        EnvelopeKey("autre")
    assert not BudgetMovement.objects.exists() and not Envelope.objects.exists()


# --- Who may go past an envelope -------------------------------------------------------------------------
def test_can_overrun_says_managers_and_the_system(make_user, staff, finance, responsable):
    superuser = make_user(kind="staff", is_superuser=True, email="root@example.org")
    advisor = make_user(kind="advisor")
    assert [can_overrun(user) for user in (responsable, superuser, None)] == [True, True, True]
    assert [can_overrun(user) for user in (staff, finance, advisor)] == [False, False, False]


def test_a_manager_may_go_past_a_branch_envelope_and_it_is_flagged_and_audited(staff, responsable, metallurgie):
    branch_envelope(metallurgie, 2026, 1, "1000.00")
    dotation(2026, PLAN, "50000.00")
    commit(staff, [branch_key(metallurgie), section_key(PLAN)], [(date(2026, 2, 1), "900.00")])
    written = commit(
        responsable,
        [branch_key(metallurgie), section_key(PLAN)],
        [(date(2026, 3, 1), "150.00")],
        reference="PL-2026-0099",
        allow_overrun=True,
    )
    # Only the envelope passed carries the flag; the section had room.
    assert [(m.budget.kind, m.amount, m.overrun, m.created_by) for m in written] == [
        ("branche", D("150.00"), True, responsable),
        ("section", D("150.00"), False, responsable),
    ]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id) == (
        "payments.budget.overrun_accepted",
        responsable,
        str(Envelope.objects.get(kind="branche").pk),
    )
    assert entry.summary == (
        "Dépassement d'enveloppe accepté : PL-2026-0099 ajoute 150,00 € à la branche « Métallurgie » "
        "(section « Plan de développement des compétences < 50 »), 1er trimestre 2026 "
        f"(900,00 € déjà engagés sur 1{NNBSP}000,00 €, dépassement de 50,00 €)"
    )
    figure = branch_dashboard(2026)[0]
    assert (figure.committed, figure.remaining, figure.overrun_count, figure.alert, figure.alert_label) == (
        D("1050.00"),
        D("-50.00"),
        1,
        "depassement",
        "Enveloppe dépassée",
    )


@pytest.mark.parametrize("who", ["staff", "finance"])
def test_a_non_manager_asking_to_go_past_is_refused_and_nothing_is_written(request, who, metallurgie):
    actor = request.getfixturevalue(who)
    branch_envelope(metallurgie, 2026, 1, "1000.00")
    commit(actor, [branch_key(metallurgie)], [(date(2026, 2, 1), "900.00")])
    before = ledger()

    with pytest.raises(OverrunNotAllowed) as refusal:
        commit(actor, [branch_key(metallurgie)], [(date(2026, 3, 1), "150.00")], allow_overrun=True)

    assert isinstance(refusal.value, BudgetExceeded) and refusal.value.code == "budget_overrun_not_allowed"
    assert str(refusal.value) == (
        "Engagement refusé : la branche « Métallurgie » (section « Plan de développement des compétences < 50 »), "
        f"1er trimestre 2026 a une enveloppe de 1{NNBSP}000,00 € ; 900,00 € sont déjà engagés ; ce dossier ajoute "
        "150,00 € (dépassement de 50,00 €). Seul un responsable peut accepter ce dépassement."
    )
    assert ledger() == before and not AuditEntry.objects.exists()
    # Asking costs nothing when the envelope has room: there is nothing to decide.
    commit(actor, [branch_key(metallurgie)], [(date(2026, 3, 1), "100.00")], allow_overrun=True)
    assert not BudgetMovement.objects.filter(overrun=True).exists()


def test_the_section_door_applies_the_same_rule(staff, responsable):
    dotation(2026, ALTERNANCE, "100.00")
    arguments = {
        "section": ALTERNANCE,
        "reference": "AP-1",
        "movements": [(date(2026, 5, 1), D("150.00"))],
        "allow_overrun": True,
    }
    with pytest.raises(OverrunNotAllowed, match="Seul un responsable peut accepter ce dépassement"):
        budget_commit(actor=staff, source=a_file(), **arguments)
    assert not BudgetMovement.objects.exists()
    budget_commit(actor=responsable, source=a_file(), **arguments)
    assert list(BudgetMovement.objects.values_list("overrun", flat=True)) == [True]


def test_the_system_goes_past_when_the_law_decides_on_silence(staff, metallurgie):
    branch_envelope(metallurgie, 2026, 4, "10.00")
    written = commit(
        None, [branch_key(metallurgie)], [(date(2026, 11, 1), "25.00")], reference="PL-IMPLICITE", allow_overrun=True
    )
    assert [(m.amount, m.overrun, m.created_by) for m in written] == [(D("25.00"), True, None)]
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_label, entry.action) == (None, "système", "payments.budget.overrun_accepted")
    # Without asking, the system is refused like anybody.
    with pytest.raises(BudgetExceeded):
        commit(None, [branch_key(metallurgie)], [(date(2026, 11, 1), "1.00")])


# --- Conventions -------------------------------------------------------------------------------------------
def test_a_convention_envelope_by_its_key(finance, staff):
    key = convention_key("convention:42")
    envelope = envelope_set(
        actor=finance, key=key, year=2026, amount=D("20000.00"), label="EDEC numérique", source="Convention du 03/02/2026"
    )
    assert (envelope.kind, envelope.scope_key, envelope.label, envelope.section, envelope.branch_id, envelope.quarter) == (
        "convention",
        "convention:42",
        "EDEC numérique",
        "",
        None,
        None,
    )
    assert history_of(envelope).get().summary == (
        f"Enveloppe de la convention « EDEC numérique » 2026 : 20{NNBSP}000,00 € (auparavant non saisie)"
    )
    commit(staff, [key], [(date(2026, 3, 1), "15000.00"), (date(2026, 12, 31), "4999.99")])
    with pytest.raises(BudgetExceeded, match="la convention « EDEC numérique » 2026 a une enveloppe de 20"):
        commit(staff, [key], [(date(2026, 6, 1), "0.02")])
    # January draws on next year's envelope of the convention.
    commit(staff, [key], [(date(2027, 1, 1), "5.00")])
    assert [(f.year, f.label, f.committed, f.remaining) for f in convention_dashboard(2026) + convention_dashboard(2027)] == [
        (2026, "EDEC numérique", D("19999.99"), D("0.01")),
        (2027, "convention:42", D("5.00"), None),
    ]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"quarter": 1}, "quarter", "Seules les enveloppes de branche se découpent par trimestre."),
        ({"amount": D("-1")}, "amount", "L'enveloppe d'une convention ne peut pas être négative."),
        ({"amount": None}, "amount", "Indiquez le montant de l'enveloppe."),
    ],
)
def test_a_wrong_convention_envelope_is_refused(finance, values, field, message):
    arguments = {"actor": finance, "key": convention_key("region:idf"), "year": 2026, "amount": D("1.00"), **values}
    with pytest.raises(ValidationError) as refusal:
        envelope_set(**arguments)
    assert refusal.value.message_dict == {field: [message]}
    assert not Envelope.objects.exists()


def test_only_a_convention_envelope_has_a_label(finance):
    with pytest.raises(ValidationError) as refusal:
        envelope_set(actor=finance, key=section_key(PLAN), year=2026, amount=D("1.00"), label="Intitulé")
    assert refusal.value.message_dict == {"label": ["Seule une enveloppe de convention porte un intitulé."]}


# --- Paid on a branch's and a convention's envelopes ---------------------------------------------------------
_runs = itertools.count(1)


def paid_line(source, amount: str, *, executed_on: date, status=LineStatus.PAID) -> PayableLine:
    """A line of a settled run executed on `executed_on`, whose source is `source` (built directly)."""
    run = PaymentRun.objects.create(
        execution_date=executed_on, prepared_by=UserFactory(), status=RunStatus.SETTLED, total=abs(D(amount))
    )
    number = next(_runs)
    return PayableLine.objects.create(
        account=make_account(),
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
        amount=D(amount),
        due_date=executed_on,
        reference=f"PAY-{number}",
        label="Versement",
        section=PLAN,
        status=status,
        run=run if status in (LineStatus.PAID, LineStatus.IN_RUN) else None,
    )


def test_paid_counts_the_lines_of_the_files_committed_on_the_envelope_paid_within_its_period(
    staff, metallurgie, chimie, django_assert_num_queries
):
    branch_envelope(metallurgie, 2026, 1, "1000.00")
    branch_envelope(metallurgie, 2026, 2, "1000.00")
    first, second, elsewhere, unrelated = a_file(), a_file(), a_file(), a_file()
    commit(staff, [branch_key(metallurgie), section_key(PLAN)], [(date(2026, 2, 1), "400.00")], source=first)
    commit(staff, [branch_key(metallurgie), section_key(PLAN)], [(date(2026, 3, 1), "300.00")], source=second)
    commit(staff, [branch_key(chimie), section_key(PLAN)], [(date(2026, 2, 1), "999.00")], source=elsewhere)
    paid_line(first, "400.00", executed_on=date(2026, 3, 31))  # Q1
    paid_line(second, "300.00", executed_on=date(2026, 4, 1))  # committed in Q1, paid in Q2: Q2's paid
    paid_line(elsewhere, "999.00", executed_on=date(2026, 2, 15))  # another branch's file
    paid_line(unrelated, "55.00", executed_on=date(2026, 2, 15))  # a file committed on no branch
    paid_line(a_file(), "1.00", executed_on=date(2026, 2, 15), status=LineStatus.IN_RUN)  # not paid
    with django_assert_num_queries(1):
        figures = branch_dashboard(2026)
    assert [(f.branch_name, f.quarter, f.budget, f.committed, f.paid, f.remaining, f.percent, f.alert) for f in figures] == [
        ("Chimie", 1, None, D("999.00"), D("999.00"), None, None, "non_saisie"),
        ("Métallurgie", 1, D("1000.00"), D("700.00"), D("400.00"), D("300.00"), D("70.00"), "ok"),
        ("Métallurgie", 2, D("1000.00"), D("0"), D("300.00"), D("1000.00"), D("0.00"), "ok"),
    ]
    # The section's paid is still every paid line of the section, as before envelopes.
    assert next(f for f in section_dashboard(2026) if f.section == PLAN).paid == D("1754.00")


def test_paid_on_a_convention_envelope(staff):
    key = convention_key("convention:7")
    first, second = a_file(), a_file()
    commit(staff, [key], [(date(2026, 5, 1), "500.00")], source=first)
    commit(staff, [key], [(date(2026, 5, 1), "300.00")], source=second)
    paid_line(first, "500.00", executed_on=date(2026, 12, 31))
    paid_line(second, "300.00", executed_on=date(2027, 1, 2))  # next year's paid
    assert [(f.year, f.committed, f.paid) for f in convention_dashboard(2026)] == [(2026, D("800.00"), D("500.00"))]
    assert convention_dashboard(2027) == []  # nothing committed nor entered for 2027: no envelope row


def test_the_envelope_reads_cost_a_constant_number_of_queries(staff, metallurgie, chimie, django_assert_num_queries):
    def add(count: int):
        for index in range(count):
            source = a_file()
            branch = metallurgie if index % 2 else chimie
            commit(
                staff,
                [branch_key(branch), convention_key(f"c:{index % 3}")],
                [(date(2026, 1 + index % 12, 1), "10.00")],
                source=source,
            )
            paid_line(source, "5.00", executed_on=date(2026, 1 + index % 12, 2))

    add(2)
    with django_assert_num_queries(1):
        branch_dashboard(2026)
    with django_assert_num_queries(1):
        convention_dashboard(2026)
    add(24)
    with django_assert_num_queries(1):
        assert sum(f.committed for f in branch_dashboard(2026)) == D("260.00")
    with django_assert_num_queries(1):
        assert sum(f.paid for f in convention_dashboard(2026)) == D("130.00")
