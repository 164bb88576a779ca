"""Every dashboard figure computed exactly on a fixture built for it (the expected numbers are written
here, derived by hand from the fixture)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from referentials import company_activity
from referentials.models import Company
from sme_services.enums import DiagnosticKind
from sme_services.kpis import Scope, compute
from sme_services.models import AdvisorTeam, Interaction
from sme_services.services import diagnostics, needs
from tests.branches.factories import BranchFactory
from tests.referentials.factories import CompanyFactory, IdccFactory
from tests.sme_services.factories import portfolio_company, questionnaire, received_need

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)


@pytest.fixture
def world(make_user, monkeypatch, time_machine):
    time_machine.move_to(datetime(2026, 6, 30, 12, tzinfo=ZoneInfo("Europe/Paris")))
    a, b = make_user(advisor=True), make_user(advisor=True)
    branch = BranchFactory(idccs=["1516"])
    idcc = IdccFactory(code="1516")
    c1 = portfolio_company(a, headcount=5, idcc=idcc)
    c2 = portfolio_company(a, headcount=20, idcc=idcc)
    c3 = portfolio_company(a, headcount=49)
    c4 = portfolio_company(a, headcount=50)  # not under 50: out of every figure
    c5 = portfolio_company(a, headcount=8)
    d1 = portfolio_company(b, headcount=10, idcc=idcc)
    # Contacts: c1 visited 1 March 2026, c2 called 1 July 2025 (inside 12 months), c3 called 30 June 2025
    # (exactly 12 months ago: outside), c4 visited (50 employees).
    for company, kind, on in (
        (c1, "visite", date(2026, 3, 1)),
        (c2, "appel", date(2025, 7, 1)),
        (c3, "appel", date(2025, 6, 30)),
        (c4, "visite", date(2026, 1, 1)),
    ):
        Interaction.objects.create(company=company, advisor=a, kind=kind, occurred_on=on, outcome="informee")
    # Funded actions in 2026: c1, c4 and d1 (another portfolio).
    monkeypatch.setitem(
        company_activity._SOURCES,
        "test",
        lambda year: Company.objects.filter(pk__in=[c1.pk, c4.pk, d1.pk] if year == 2026 else []).values("pk"),
    )
    n1 = received_need(c1, on=date(2026, 1, 5))
    needs.need_take(actor=a, need_id=n1.pk, today=date(2026, 1, 10))  # 5 days: within 5
    needs.need_close(actor=a, need_id=n1.pk, outcome="aide_proposee", today=date(2026, 2, 1))
    n2 = received_need(c2, on=date(2026, 2, 1))
    needs.need_take(actor=a, need_id=n2.pk, today=date(2026, 2, 7))  # 6 days
    needs.need_close(actor=a, need_id=n2.pk, outcome="pas_d_aide", today=date(2026, 3, 1))
    n3 = received_need(c3, on=date(2026, 3, 1), subject="ecologie")
    needs.need_refuse(actor=a, need_id=n3.pk, reason="doublon", today=date(2026, 3, 2))
    received_need(c5, on=date(2026, 4, 1))
    needs.need_reminders_schedule(today=date(2026, 5, 16))  # 45 days: abandoned
    received_need(c5, on=date(2025, 12, 20))  # last year
    received_need(d1, on=date(2026, 2, 2))  # another portfolio
    needs.survey_answer(need=n1, recontacted=True, useful=True)
    needs.survey_answer(need=n2, recontacted=True, useful=False)
    for kind in (DiagnosticKind.PRE, DiagnosticKind.ECOLOGY, DiagnosticKind.SKILLS_HR):
        questionnaire(kind)
    d_c1 = diagnostics.diagnostic_open(actor=a, company=c1, kind=DiagnosticKind.PRE, opened_on=date(2026, 2, 1))
    diagnostics.diagnostic_update(actor=a, diagnostic_id=d_c1.pk, answers={}, provider_kind="interne", deliverable="Synthèse")
    items = [diagnostics.plan_item_add(actor=a, diagnostic_id=d_c1.pk, title=t, kind="alternance") for t in ("A", "B", "C")]
    diagnostics.diagnostic_complete(actor=a, diagnostic_id=d_c1.pk, completed_on=date(2026, 3, 1))
    diagnostics.plan_item_set_status(actor=a, item_id=items[0].pk, status="fait", done_on=date(2026, 4, 1))
    diagnostics.plan_item_set_status(actor=a, item_id=items[2].pk, status="abandonne")
    diagnostics.diagnostic_open(actor=a, company=c2, kind=DiagnosticKind.ECOLOGY, opened_on=date(2026, 5, 1))
    d_c3 = diagnostics.diagnostic_open(actor=a, company=c3, kind=DiagnosticKind.SKILLS_HR, opened_on=date(2025, 11, 1))
    diagnostics.diagnostic_update(actor=a, diagnostic_id=d_c3.pk, answers={}, provider_kind="interne", deliverable="Synthèse")
    diagnostics.plan_item_add(actor=a, diagnostic_id=d_c3.pk, title="D", kind="financement")
    diagnostics.diagnostic_complete(actor=a, diagnostic_id=d_c3.pk, completed_on=date(2026, 1, 15))
    team = AdvisorTeam.objects.create(name="Équipe A", manager=make_user(responsable=True))
    team.members.add(a)
    return {"a": a, "b": b, "team": team, "branch": branch}


EXPECTED_A = {
    "portfolio": 4,  # c1, c2, c3, c5 (c4 has 50 employees)
    "contacted_12m": 2,  # c1, c2
    "visited_12m": 1,  # c1
    "funded": 1,  # c1
    "penetration": 25,  # 1 / 4
    "needs_received": 4,  # n1, n2, n3, n4 (2025's and d1's are not counted)
    "taken_within_5_days": 25,  # n1
    "positioning": 75,  # n1, n2 taken; n3 refused
    "closed_with_help": 50,  # n1 of n1, n2
    "abandoned": 1,  # n4
    "diagnostics_opened": 2,  # c1, c2 (c3's was opened in 2025)
    "diagnostics_completed": 2,  # c1, c3
    "plan_progress": 33.3,  # A done; B and D to do; C dropped, not counted → 1 / 3
    "ecological_actions": 2,  # c2's diagnostic, n3's subject
    "satisfaction": 50,  # n1 useful, n2 not
    "survey_answers": 2,
}


def test_an_advisors_figures(world):
    figures = compute(Scope(advisor=world["a"]), year=2026, today=TODAY)
    assert {k: (float(v) if v is not None and not isinstance(v, int) else v) for k, v in figures.items()} == EXPECTED_A


def test_the_teams_figures_are_its_members_and_the_other_advisors_apart(world):
    assert compute(Scope(team=world["team"]), year=2026, today=TODAY) == compute(
        Scope(advisor=world["a"]), year=2026, today=TODAY
    )
    b = compute(Scope(advisor=world["b"]), year=2026, today=TODAY)
    assert (b["portfolio"], b["funded"], float(b["penetration"]), b["needs_received"], b["taken_within_5_days"]) == (
        1,
        1,
        100.0,
        1,
        0,
    )


def test_the_branch_and_size_band_figures(world):
    branch = compute(Scope(branch=world["branch"]), year=2026, today=TODAY)
    # c1, c2 (advisor A) and d1 (advisor B) have the branch's IDCC.
    assert (branch["portfolio"], branch["funded"], float(branch["penetration"]), branch["needs_received"]) == (3, 2, 66.7, 3)
    small = compute(Scope(advisor=world["a"], size_band="0-10"), year=2026, today=TODAY)
    assert (small["portfolio"], small["contacted_12m"], float(small["penetration"]), small["needs_received"]) == (2, 1, 50.0, 2)


def test_no_denominator_gives_no_rate(make_user):
    figures = compute(Scope(advisor=make_user(advisor=True)), year=2026, today=TODAY)
    assert figures["penetration"] is None and figures["portfolio"] == 0


def test_the_penetration_rate_reads_the_employers_of_the_contracts_not_their_ids(make_user):
    """The contracts' source answers employer ids: a company counts as funded when it employs an apprentice
    under a contract running that year, whatever the contracts' own ids (which once stood in for them)."""
    from contracts.enums import ContractStatus
    from referentials.company_activity import companies_funded_in
    from tests.contracts.factories import contract_with_master

    advisor = make_user(advisor=True)
    employer, other = portfolio_company(advisor, headcount=12), portfolio_company(advisor, headcount=30)
    outside = CompanyFactory(headcount=8)  # funded, but in no portfolio
    for company in (outside, outside, employer):
        contract_with_master(company, status=ContractStatus.RUNNING, start="2025-09-01", end="2027-08-31")
    contract_with_master(other, status=ContractStatus.REFUSED, start="2025-09-01", end="2027-08-31")  # not funded
    assert companies_funded_in(2026, among=Company.objects.all()) == {employer.pk, outside.pk}
    assert companies_funded_in(2028, among=Company.objects.all()) == set()
    figures = compute(Scope(advisor=advisor), year=2026, today=TODAY)
    assert (figures["portfolio"], figures["funded"], float(figures["penetration"])) == (2, 1, 50.0)
