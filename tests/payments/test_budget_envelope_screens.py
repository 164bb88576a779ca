"""The budget screens with envelopes: the dashboard shows the branches' quarter envelopes and the
conventions' envelopes beside the section dotations (whose figures and CSV do not change), finance
and managers enter a branch's quarter envelope on the entry page (audited, refusals in French), and
nobody else may."""

import itertools
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from branches.models import Branch
from opco.models import AuditEntry
from payments.budgets import branch_key, convention_key, envelope_commit, envelope_set, section_key
from payments.enums import FinancialSection, LineStatus, RunStatus
from payments.models import Envelope, EnvelopeKind, PayableLine, PaymentRun, SectionBudget
from tests.accounts.factories import UserFactory
from tests.payments.factories import D, csv_rows, make_account, page, shown_messages

pytestmark = pytest.mark.django_db

PLAN = FinancialSection.PLAN_UNDER_50
DASHBOARD = reverse("payments:budgets")
ENTRY = reverse("payments:budget_entry")
BRANCH_ENTRY = reverse("payments:budget_branch_entry")
NNBSP = NBSP = "\u202f"  # templates format amounts with opco.money.euros (|euros)
_sources = itertools.count(1)


def a_file() -> User:
    return UserFactory(email=f"demande-{next(_sources)}@opco.test")


def commit(actor, keys, movements, *, source=None, reference="PL-2026-0001", **kwargs):
    return envelope_commit(
        actor=actor,
        envelopes=keys,
        source=source or a_file(),
        reference=reference,
        movements=[(due, D(amount)) for due, amount in movements],
        **kwargs,
    )


def paid_line(source, amount: str, executed_on: date) -> PayableLine:
    run = PaymentRun.objects.create(
        execution_date=executed_on, prepared_by=UserFactory(), status=RunStatus.SETTLED, total=D(amount)
    )
    return PayableLine.objects.create(
        account=make_account(),
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
        amount=D(amount),
        due_date=executed_on,
        reference=f"PAY-{source.pk}",
        label="Versement",
        section=PLAN,
        status=LineStatus.PAID,
        run=run,
    )


def branch_form(**values) -> dict:
    data = {"branch": "", "section": PLAN, "year": "2026", "quarter": "2", "amount": "", "source": "", **values}
    return {f"branche-{name}": value for name, value in data.items()}


@pytest.fixture
def filled(staff, finance, metallurgie):
    """2026: the plan < 50 dotation; Métallurgie's Q1 at 95 %, its Q2 passed by a manager, its Q3 drawn on
    with nothing entered; a convention envelope."""
    SectionBudget.objects.create(year=2026, section=PLAN, amount=D("100000.00"))
    for quarter, amount in ((1, "1000.00"), (2, "500.00")):
        Envelope.objects.create(
            kind=EnvelopeKind.BRANCH, branch=metallurgie, section=PLAN, year=2026, quarter=quarter, amount=D(amount)
        )
    both = [branch_key(metallurgie), section_key(PLAN)]
    first = a_file()
    commit(staff, both, [(date(2026, 2, 1), "950.00")], source=first, reference="PL-2026-0001")
    commit(None, both, [(date(2026, 5, 1), "600.00")], reference="PL-2026-0002", allow_overrun=True)
    commit(staff, both, [(date(2026, 9, 1), "75.50")], reference="PL-2026-0003")
    paid_line(first, "950.00", date(2026, 3, 15))
    envelope_set(actor=finance, key=convention_key("convention:42"), year=2026, amount=D("20000.00"), label="EDEC numérique")
    commit(staff, [convention_key("convention:42")], [(date(2026, 4, 1), "2000.00")], reference="CV-2026-0001")


@pytest.mark.parametrize("who", ["staff", "finance", "responsable"])
def test_staff_see_the_branch_and_convention_envelopes_on_the_dashboard(client_for, request, filled, who):
    response = client_for(request.getfixturevalue(who)).get(DASHBOARD, {"annee": "2026"})
    assert response.status_code == 200
    html = page(response)
    (group,) = response.context["branch_groups"]
    assert [(f.quarter, f.budget, f.committed, f.paid, f.remaining, f.alert) for f in group.quarters] == [
        (1, D("1000.00"), D("950.00"), D("950.00"), D("50.00"), "seuil"),
        (2, D("500.00"), D("600.00"), D("0"), D("-100.00"), "depassement"),
        (3, None, D("75.50"), D("0"), None, "non_saisie"),
    ]
    assert (group.branch_name, group.budget, group.committed, group.paid) == (
        "Métallurgie",
        D("1500.00"),
        D("1625.50"),
        D("950.00"),
    )
    (convention,) = response.context["conventions"]
    assert (convention.label, convention.budget, convention.committed, convention.remaining, convention.alert) == (
        "EDEC numérique",
        D("20000.00"),
        D("2000.00"),
        D("18000.00"),
        "ok",
    )
    # The section counts each commitment once, whatever the envelopes it also drew on.
    plan = next(f for f in response.context["figures"] if f.section == PLAN)
    assert (plan.committed, plan.paid) == (D("1625.50"), D("950.00"))
    assert "Enveloppes des branches — 2026" in html and "Enveloppes des conventions — 2026" in html
    assert (
        "Branche « Métallurgie », section « Plan de développement des compétences < 50 », T1 : 95,00 % de l'enveloppe engagés."
        in html
    )
    assert "T2 : enveloppe dépassée." in html and "1 mouvement enregistré au-delà avec accord explicite" in html
    assert "T3 : aucune enveloppe saisie." in html
    assert f'Total Métallurgie, 2026</th>\n        <td class="text-end nowrap">1{NBSP}500,00 €' in html
    assert 'data-alert="depassement">Enveloppe dépassée' in html and "Aucune enveloppe saisie" in html
    assert f"20{NBSP}000,00 €" in html and f"18{NBSP}000,00 €" in html
    # The movements show the envelope they were written on.
    assert "Branche « Métallurgie » (section « Plan de développement des compétences < 50 »), 1er trimestre 2026" in html
    assert "Convention « EDEC numérique » 2026" in html


def test_the_section_csv_counts_a_commitment_on_two_envelopes_once(client_for, staff, filled):
    rows = csv_rows(client_for(staff).get(DASHBOARD, {"annee": "2026", "section": PLAN, "format": "csv"}))
    assert rows[2] == ["02/2026", "950,00", "0,00", "950,00", "0,00", "950,00", "0,00"]
    assert rows[3] == ["03/2026", "0,00", "0,00", "0,00", "950,00", "950,00", "950,00"]
    assert rows[12] == ["12/2026", "0,00", "0,00", "0,00", "0,00", "1625,50", "950,00"]


def test_an_empty_year_says_so(client_for, staff):
    html = page(client_for(staff).get(DASHBOARD, {"annee": "2026"}))
    assert "Aucune enveloppe de branche saisie ni engagée pour 2026." in html
    assert "Aucune enveloppe de convention pour 2026." in html


def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_envelopes(client_for, staff, metallurgie):
    client = client_for(staff)
    commit(staff, [branch_key(metallurgie), convention_key("c:0")], [(date(2026, 1, 1), "1.00")])
    client.get(DASHBOARD, {"annee": "2026"})  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD, {"annee": "2026"})
    for index in range(12):
        branch = Branch.objects.create(code=f"B-{index}", name=f"Branche {index}")
        commit(
            staff, [branch_key(branch), convention_key(f"c:{index}"), section_key(PLAN)], [(date(2026, 1 + index, 1), "10.00")]
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(DASHBOARD, {"annee": "2026"})
    assert len(response.context["branch_groups"]) == 13 and len(response.context["conventions"]) == 12
    assert len(many) == len(few)


# --- Entering a branch's quarter envelope ------------------------------------------------------------------
def test_finance_enters_a_branch_quarter_envelope_on_the_entry_page(client_for, finance, metallurgie):
    client = client_for(finance)
    response = client.get(ENTRY, {"annee": "2026"})
    assert response.status_code == 200
    assert response.context["branch_form"].initial == {"year": 2026, "section": PLAN}
    assert 'id="branch-form"' in page(response)

    response = client.post(
        f"{BRANCH_ENTRY}?annee=2026",
        branch_form(branch=metallurgie.pk, quarter="2", amount="125 000,50", source="Répartition CPNE du 12/01/2026"),
        follow=True,
    )
    assert response.redirect_chain == [(f"{DASHBOARD}?annee=2026#branches", 302)]
    assert shown_messages(response) == [
        "Enveloppe de la branche « Métallurgie » (section « Plan de développement des compétences < 50 »), 2e trimestre 2026 "
        f"enregistrée : 125{NNBSP}000,50 €."
    ]
    envelope = Envelope.objects.get()
    assert (
        envelope.kind,
        envelope.branch,
        envelope.section,
        envelope.year,
        envelope.quarter,
        envelope.amount,
        envelope.updated_by,
    ) == (
        "branche",
        metallurgie,
        PLAN,
        2026,
        2,
        D("125000.50"),
        finance,
    )
    entry = AuditEntry.objects.get(action="payments.budget.set")
    assert (entry.actor, entry.changes) == (
        finance,
        {"amount": [None, "125000.50"], "source": ["", "Répartition CPNE du 12/01/2026"]},
    )
    # Opened again from its row: the form shows the current amount, the history shows the entry.
    response = client.get(ENTRY, {"annee": "2026", "branche": metallurgie.pk, "trimestre": "2", "section_branche": PLAN})
    assert response.context["branch_form"].initial == {
        "year": 2026,
        "section": PLAN,
        "branch": metallurgie.pk,
        "quarter": 2,
        "amount": "125000,50",
        "source": "Répartition CPNE du 12/01/2026",
    }
    assert [entry.action for entry in response.context["history"]] == ["payments.budget.set"]
    assert "2e trimestre 2026 : 125\u202f000,50 € (auparavant non saisie)" in page(response)


def test_an_envelope_below_the_committed_warns(client_for, responsable, staff, metallurgie):
    commit(staff, [branch_key(metallurgie)], [(date(2026, 7, 1), "800.00")])
    response = client_for(responsable).post(
        BRANCH_ENTRY, branch_form(branch=metallurgie.pk, quarter="3", amount="500"), follow=True
    )
    assert shown_messages(response)[1] == "Attention : 800,00 € sont déjà engagés sur cette enveloppe, au-delà de son montant."
    assert Envelope.objects.get().amount == D("500.00")


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"amount": "-5,00"}, {"amount": ["L'enveloppe d'une branche ne peut pas être négative."]}),
        ({"amount": "douze"}, {"amount": ["Saisissez un montant en euros, par exemple 1 250 000,00."]}),
        ({"amount": "12,345"}, {"amount": ["L'enveloppe se saisit au centime près (deux décimales au plus)."]}),
        ({"year": "2101"}, {"year": ["L'année doit être comprise entre 2019 et 2100."]}),
        ({"quarter": "5"}, {"quarter": ["Sélectionnez un choix valide. 5 n’en fait pas partie."]}),
    ],
)
def test_a_wrong_branch_envelope_in_the_form_is_refused_in_french(client_for, finance, metallurgie, values, errors):
    response = client_for(finance).post(BRANCH_ENTRY, branch_form(**{"branch": metallurgie.pk, "amount": "10", **values}))
    assert response.status_code == 200
    assert response.context["branch_form"].errors == errors
    assert not Envelope.objects.exists() and not AuditEntry.objects.exists()


def test_only_finance_and_managers_enter_branch_envelopes(client_for, make_user, staff, metallurgie):
    for user in (staff, make_user(kind="advisor"), make_user(kind="branch_rep")):
        client = client_for(user)
        assert client.post(BRANCH_ENTRY, branch_form(branch=metallurgie.pk, amount="10")).status_code == 403
    assert client_for(staff).get(BRANCH_ENTRY).status_code == 403
    assert not Envelope.objects.exists() and not AuditEntry.objects.exists()


def test_the_branch_entry_takes_posts_only(client_for, finance):
    assert client_for(finance).get(BRANCH_ENTRY).status_code == 405


def test_the_admin_lists_every_kind_of_envelope_read_only(client_for, make_user, staff, metallurgie):
    commit(staff, [branch_key(metallurgie), section_key(PLAN), convention_key("c:1")], [(date(2026, 1, 1), "1.00")])
    client = client_for(make_user(kind="staff", groups=["administrateur"]))
    response = client.get(reverse("admin:payments_envelope_changelist"))
    assert response.status_code == 200 and "Métallurgie" in page(response)
    assert client.get(reverse("admin:payments_budgetmovement_changelist")).status_code == 200
    envelope = Envelope.objects.get(kind=EnvelopeKind.BRANCH)
    assert client.get(reverse("admin:payments_envelope_change", args=[envelope.pk])).status_code == 200
