"""Funding lines on an instructed file (payments.cofinancing) drawn on a convention: each eligibility
rule at its boundary — the exact limit passes, one step past is refused with its stable code and
nothing stored (no line, no ledger movement) —; the envelope consumed through the spine's ledger."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Sum

from conventions import services
from payments.budgets import BudgetExceeded, convention_dashboard
from payments.cofinancing import FundingRefused, funding_line_add, funding_line_consume, funding_line_release
from payments.models import BudgetMovement, FundingLine
from tests.conventions.factories import company, covered_branch, instructed_file, signed_convention

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    finance = make_user(finance=True)
    branch = covered_branch("0843")
    covered_branch("1486")
    convention = signed_convention(
        finance, branches=[branch], max_hourly_cost=Decimal("30"), max_line_amount=Decimal("5000"), max_months=12
    )
    return {"finance": finance, "convention": convention, "company": company(1, headcount=49), "file": instructed_file("RC-0001")}


def add(world, **overrides):
    values = {
        "actor": world["finance"],
        "source": world["file"],
        "funder_kind": "convention",
        "scope_key": world["convention"].scope_key,
        "company": world["company"],
        "amount": Decimal("700.00"),
        "total_cost": Decimal("1000.00"),
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2026, 6, 30),
        "hours": Decimal("100"),
        "trainees": 2,
        "public": "salaries",
    }
    values.update(overrides)
    return funding_line_add(**values)


def refused(world, code, **overrides):
    before = FundingLine.objects.count(), BudgetMovement.objects.count()
    with pytest.raises(FundingRefused) as caught:
        add(world, **overrides)
    assert code in caught.value.codes, caught.value.codes
    assert (FundingLine.objects.count(), BudgetMovement.objects.count()) == before
    return caught.value


FILES = iter(range(100, 10_000))


def new_file():
    return instructed_file(f"RC-{next(FILES)}")


def test_a_line_within_every_rule_is_committed_on_the_conventions_envelope(world):
    line = add(world)
    assert line.size_band == "moins_50" and line.headcount == 49
    movements = BudgetMovement.objects.filter(source_id=line.pk)
    assert [(m.month, m.amount) for m in movements] == [(date(2026, 3, 1), Decimal("700.00"))]
    (figures,) = convention_dashboard(2026)
    assert figures.budget == Decimal("100000.00") and figures.committed == Decimal("700.00")


def test_rate_boundary_by_size_band(world):
    refused(world, "taux_depasse", amount=Decimal("700.01"))
    add(world, company=company(2, headcount=50), amount=Decimal("600.00"))
    world["file"] = new_file()
    world["file"] = new_file()
    refused(world, "taux_depasse", company=company(3, headcount=249), amount=Decimal("600.01"))
    add(world, company=company(4, headcount=250), amount=Decimal("500.00"))


def test_a_size_band_without_a_rate_is_not_eligible(world, make_user):
    convention = signed_convention(world["finance"], rates={"moins_50": Decimal("70")}, title="Seulement TPE")
    with pytest.raises(FundingRefused) as caught:
        add(world, scope_key=convention.scope_key, company=company(5, headcount=50), amount=Decimal("10"))
    assert caught.value.codes == ["taille_non_eligible"]
    refused(world, "effectif_inconnu", company=company(6, headcount=None))


def test_period_boundaries(world):
    refused(world, "hors_periode", starts_on=date(2025, 12, 31))
    refused(world, "hors_periode", starts_on=date(2026, 12, 1), ends_on=date(2027, 1, 1))
    add(world, starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 1))
    add(world, starts_on=date(2026, 12, 31), ends_on=date(2026, 12, 31), source=new_file())


def test_twelve_months_at_most(make_user):
    finance = make_user(finance=True)
    convention = signed_convention(
        finance, max_months=12, starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31), years=(2024, 2025, 2026)
    )
    covered_branch("0843")
    world = {"finance": finance, "convention": convention, "company": company(7), "file": instructed_file("RC-9")}
    # From 29 February 2024: twelve months end on 27 February 2025 at the latest (28 February is one too many).
    add(world, starts_on=date(2024, 2, 29), ends_on=date(2025, 2, 27), hours=Decimal("100"))
    world["file"] = new_file()
    refused(world, "duree_depassee", starts_on=date(2024, 2, 29), ends_on=date(2025, 2, 28))


def test_scope_branch_and_public(world):
    refused(world, "hors_perimetre", company=company(8, idcc="1486"))
    refused(world, "public_non_eligible", public="demandeurs")
    add(world, public="seniors")


def test_hourly_cost_cap_boundary(world):
    add(world, total_cost=Decimal("3000.00"), amount=Decimal("100.00"), hours=Decimal("100"))
    world["file"] = new_file()
    refused(world, "cout_horaire_depasse", total_cost=Decimal("3000.01"), amount=Decimal("100.00"), hours=Decimal("100"))
    refused(world, "heures_manquantes", hours=Decimal("0"))


def test_per_file_cap_boundary(world):
    add(world, total_cost=Decimal("8000.00"), amount=Decimal("5000.00"), hours=Decimal("300"))
    world["file"] = new_file()
    refused(world, "plafond_dossier_depasse", total_cost=Decimal("8000.00"), amount=Decimal("5000.01"), hours=Decimal("300"))


def test_the_lines_of_a_file_never_pass_its_cost(world):
    add(world, amount=Decimal("700.00"))
    add(world, funder_kind="entreprise", scope_key="", amount=Decimal("300.00"))
    with pytest.raises(FundingRefused) as caught:
        add(world, funder_kind="section", scope_key="", section="plan_moins_50", amount=Decimal("0.01"))
    assert caught.value.codes == ["cout_depasse"]
    assert FundingLine.objects.count() == 2


def test_a_draft_or_closed_convention_takes_no_line(world):
    draft = signed_convention(world["finance"], sign=False, title="Projet")
    refused(world, "convention_non_active", scope_key=draft.scope_key)
    services.convention_close(actor=world["finance"], convention_id=world["convention"].pk)
    refused(world, "convention_non_active")
    refused(world, "convention_inconnue", scope_key="convention:999999")


def test_the_envelope_is_never_passed(world):
    convention = signed_convention(world["finance"], budget=Decimal("1000"), title="Petite", max_line_amount=None)
    add(world, scope_key=convention.scope_key, amount=Decimal("700"))
    with pytest.raises(BudgetExceeded):
        add(
            world,
            scope_key=convention.scope_key,
            amount=Decimal("300.01"),
            total_cost=Decimal("1000"),
            source=instructed_file("RC-3"),
        )
    assert FundingLine.objects.filter(scope_key=convention.scope_key).count() == 1
    add(world, scope_key=convention.scope_key, amount=Decimal("300.00"), source=instructed_file("RC-4"))


def test_release_gives_the_remainder_back_and_use_is_computed_from_lines(world):
    line = add(world)
    funding_line_consume(actor=world["finance"], line_id=line.pk, amount=Decimal("400"))
    funding_line_release(actor=world["finance"], line_id=line.pk)
    total = BudgetMovement.objects.filter(source_id=line.pk).aggregate(total=Sum("amount"))["total"]
    assert total == Decimal("400.00")
    money = services.money_summary(world["convention"])
    assert money["committed"] == Decimal("400.00") and money["consumed"] == Decimal("400.00")


def test_only_instructing_staff_add_lines(world, make_user):
    with pytest.raises(PermissionDenied):
        add(world, actor=make_user(branch_rep=True))
    assert FundingLine.objects.count() == 0
