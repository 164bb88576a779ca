"""Portfolio rules at their boundaries (headcount 49/50, a company changing branch), reassignment with
history, « jamais accompagnées » first; the CSE training renewal (L2315-17); the diagnostic's funding
split (D5121-6/-7); AFEST's four elements (D6313-3-2)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sme_services.enums import DiagnosticKind, ProjectStatus
from sme_services.models import AfestProject, AssignmentRule, Diagnostic, PortfolioChange, PortfolioCompany
from sme_services.selectors import portfolio_of
from sme_services.services import company as company_services
from sme_services.services import diagnostics
from sme_services.services.afest import project_save
from sme_services.services.portfolio import departement_of, portfolio_reassign, portfolio_route
from tests.branches.factories import BranchFactory
from tests.referentials.factories import CompanyFactory, IdccFactory
from tests.sme_services.factories import questionnaire, received_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def advisors(make_user):
    return make_user(advisor=True), make_user(advisor=True)


@pytest.mark.parametrize(("headcount", "routed"), [(0, True), (49, True), (50, False), (None, False)])
def test_only_companies_under_50_are_routed(advisors, headcount, routed):
    AssignmentRule.objects.create(advisor=advisors[0], departement="69")
    company = CompanyFactory(headcount=headcount, postal_code="69003")
    portfolio_route(company=company)
    assert PortfolioCompany.objects.filter(company=company, advisor=advisors[0]).exists() is routed


def test_a_company_growing_to_50_leaves_the_rule_portfolio_with_history(advisors, make_user):
    AssignmentRule.objects.create(advisor=advisors[0], departement="69")
    company = CompanyFactory(headcount=49, postal_code="69003")
    portfolio_route(company=company)
    company_services.company_headcount_record(actor=make_user(), company=company, headcount=50, as_of=date(2026, 3, 31))
    assert not PortfolioCompany.objects.filter(company=company).exists()
    assert [(c.from_advisor, c.to_advisor) for c in PortfolioChange.objects.filter(company=company).order_by("id")] == [
        (None, advisors[0]),
        (advisors[0], None),
    ]


def test_the_most_specific_rule_wins_and_a_company_changing_branch_follows_it(advisors):
    one, two = advisors
    branch_a, branch_b = BranchFactory(idccs=["1111"]), BranchFactory(idccs=["2222"])
    AssignmentRule.objects.create(advisor=one, departement="69")
    AssignmentRule.objects.create(advisor=two, departement="69", branch=branch_b)
    company = CompanyFactory(headcount=12, postal_code="69003", idcc=IdccFactory(code="1111"))
    portfolio_route(company=company)
    assert PortfolioCompany.objects.get(company=company).advisor == one
    assert branch_a.pk
    company_services.company_idcc_change(actor=None, company=company, idcc=IdccFactory(code="2222"))
    assert PortfolioCompany.objects.get(company=company).advisor == two


def test_size_band_rule_boundaries(advisors):
    one, two = advisors
    AssignmentRule.objects.create(advisor=one, size_band="0-10")
    AssignmentRule.objects.create(advisor=two, size_band="11-49")
    ten, eleven = CompanyFactory(headcount=10), CompanyFactory(headcount=11)
    portfolio_route(company=ten)
    portfolio_route(company=eleven)
    assert PortfolioCompany.objects.get(company=ten).advisor == one
    assert PortfolioCompany.objects.get(company=eleven).advisor == two


def test_a_manual_reassignment_in_bulk_is_kept_and_recorded(advisors, make_user):
    one, two = advisors
    manager = make_user(responsable=True)
    AssignmentRule.objects.create(advisor=one, departement="69")
    companies = [CompanyFactory(headcount=5, postal_code="69001") for _ in range(3)]
    for c in companies:
        portfolio_route(company=c)
    with pytest.raises(ValidationError):
        portfolio_reassign(actor=manager, company_ids=[c.pk for c in companies], advisor=two, reason=" ")
    assert PortfolioCompany.objects.filter(advisor=one).count() == 3
    assert portfolio_reassign(actor=manager, company_ids=[c.pk for c in companies], advisor=two, reason="congé") == 3
    portfolio_route(company=companies[0])  # a rule no longer moves a company reassigned by hand
    assert PortfolioCompany.objects.filter(advisor=two, rule__isnull=True).count() == 3
    assert PortfolioChange.objects.filter(to_advisor=two, changed_by=manager).count() == 3


def test_never_accompanied_companies_come_first(advisors):
    one = advisors[0]
    followed = CompanyFactory(name="Aaa suivie")
    never = CompanyFactory(name="Zzz jamais")
    for c in (followed, never):
        PortfolioCompany.objects.create(advisor=one, company=c)
    received_need(followed, on=date(2026, 1, 5))
    from sme_services.services.needs import need_take

    need_take(actor=one, need_id=followed.needs.get().pk)
    assert [c.name for c in portfolio_of(one)] == ["Zzz jamais", "Aaa suivie"]


def test_departements_from_postal_codes():
    assert [departement_of(c) for c in ("75015", "97110", "20000", "20200", "1234")] == ["75", "971", "2A", "2B", ""]


# --- CSE: training renewed after four years of mandate, consecutive or not (L2315-17) ---------------------------
def test_cse_training_renewal_after_four_years_of_mandate():
    due = company_services.training_renewal_due_on
    assert due([(date(2024, 2, 29), None)]) == date(2028, 2, 29)
    assert due([(date(2023, 3, 31), None)]) == date(2027, 3, 31)
    # Two years held, a break, then a new mandate: the two years served count (not consecutive).
    assert due([(date(2018, 1, 1), date(2020, 1, 1)), (date(2022, 1, 1), None)]) == date(2024, 1, 1)
    # A closed mandate shorter than four years: nothing due.
    assert due([(date(2020, 1, 1), date(2022, 1, 1))]) is None
    # Counted again from the last training.
    assert due([(date(2018, 1, 1), None)], last_training_on=date(2022, 1, 1)) == date(2026, 1, 1)


# --- Diagnostics: funding split ---------------------------------------------------------------------------------
@pytest.fixture
def diagnostic(advisors):
    questionnaire(DiagnosticKind.SKILLS_HR)
    return diagnostics.diagnostic_open(
        actor=advisors[0], company=CompanyFactory(), kind=DiagnosticKind.SKILLS_HR, opened_on=date(2026, 1, 10)
    )


def external(diagnostic, actor, **amounts):
    return diagnostics.diagnostic_update(
        actor=actor,
        diagnostic_id=diagnostic.pk,
        answers={"effectifs": "2 vendeurs"},
        provider_kind="externe",
        consultant_name="RH Conseil",
        consultant_siret="73282932000074",
        **amounts,
    )


def test_the_state_takes_at_most_half_and_15000_euros(diagnostic, advisors):
    actor = advisors[0]
    d = external(
        diagnostic, actor, day_rate=Decimal("900"), days=Decimal("10"), opco_amount=Decimal("3000"), state_amount=Decimal("4500")
    )
    assert (d.cost, d.opco_amount, d.state_amount, d.company_amount) == (Decimal("9000.00"), 3000, 4500, Decimal("1500.00"))
    with pytest.raises(ValidationError, match="50 %"):
        external(diagnostic, actor, day_rate=Decimal("900"), days=Decimal("10"), opco_amount=0, state_amount=Decimal("4500.01"))
    with pytest.raises(ValidationError, match="15 000"):
        external(diagnostic, actor, day_rate=Decimal("1500"), days=Decimal("21"), opco_amount=0, state_amount=Decimal("15000.01"))
    d = external(diagnostic, actor, day_rate=Decimal("1500"), days=Decimal("21"), opco_amount=0, state_amount=Decimal("15000"))
    assert d.company_amount == Decimal("16500.00")
    with pytest.raises(ValidationError):
        external(diagnostic, actor, day_rate=Decimal("100"), days=Decimal("1"), opco_amount=Decimal("200"), state_amount=0)
    d.refresh_from_db()
    assert d.cost == Decimal("31500.00")  # the refusals changed nothing


def test_completing_needs_a_deliverable_and_a_plan_and_plans_follow_ups(diagnostic, advisors):
    actor = advisors[0]
    with pytest.raises(ValidationError):
        diagnostics.diagnostic_complete(actor=actor, diagnostic_id=diagnostic.pk, completed_on=date(2026, 1, 31))
    diagnostics.diagnostic_update(
        actor=actor, diagnostic_id=diagnostic.pk, answers={}, provider_kind="interne", deliverable="Synthèse"
    )
    item = diagnostics.plan_item_add(actor=actor, diagnostic_id=diagnostic.pk, title="Recruter un apprenti", kind="alternance")
    diagnostics.diagnostic_complete(actor=actor, diagnostic_id=diagnostic.pk, completed_on=date(2026, 1, 31))
    item.refresh_from_db()
    assert (item.follow_up_3_on, item.follow_up_6_on) == (date(2026, 4, 30), date(2026, 7, 31))
    assert Diagnostic.objects.get(pk=diagnostic.pk).status == "termine"


def test_the_ecological_diagnostic_reads_rome_flags(advisors):
    from sme_services import rome

    questionnaire(DiagnosticKind.ECOLOGY)
    d = diagnostics.diagnostic_open(
        actor=advisors[0], company=CompanyFactory(), kind=DiagnosticKind.ECOLOGY, opened_on=date(2026, 1, 1)
    )
    with pytest.raises(ValidationError):
        diagnostics.diagnostic_update(
            actor=advisors[0], diagnostic_id=d.pk, answers={}, provider_kind="interne", rome_codes=["Z9999"]
        )
    d = diagnostics.diagnostic_update(
        actor=advisors[0], diagnostic_id=d.pk, answers={}, provider_kind="interne", rome_codes=["A1101", "A1102"]
    )
    profile = rome.ecological_profile(d.rome_codes)
    assert [j.code for j in profile[rome.STRATEGIC]] == ["A1102"] and [j.code for j in profile[rome.WHITE]] == ["A1101"]
    assert len(rome.jobs()) == 1584


def test_an_afest_project_is_conforme_only_with_the_four_elements(advisors):
    project = AfestProject(
        company=CompanyFactory(),
        advisor=advisors[0],
        title="Préparateur",
        created_on=date(2026, 1, 5),
        status=ProjectStatus.READY,
        activity_analysis="Analyse du poste",
        trainer_name="M. Durand",
    )
    with pytest.raises(ValidationError) as refused:
        project_save(actor=advisors[0], project=project)
    assert (
        "phases réflexives" in str(refused.value) and "évaluations" in str(refused.value) and "désignation" in str(refused.value)
    )
    assert AfestProject.objects.count() == 0
    project.reflective_phases, project.assessments, project.trainer_named_on = (
        "Débriefs hebdomadaires",
        "Grille",
        date(2026, 1, 10),
    )
    project.starts_on = date(2026, 1, 9)
    with pytest.raises(ValidationError):  # the trainer is named beforehand (D6313-3-2 2°)
        project_save(actor=advisors[0], project=project)
    project.starts_on = date(2026, 1, 12)
    assert project_save(actor=advisors[0], project=project).pk
