"""Co-financed training requests: an FNE-Formation convention takes a share of an accepted request as a
funding line (payments.cofinancing) checked by the convention's rules, with the OPCO's share already
decided counted against the action's cost; a request not accepted takes none; refusals store nothing.
The request's rule sets reach the public transparency page through opco.publication."""

from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError

from branches.models import BranchIdcc
from conventions.indicators import achieved
from conventions.transparency import section_rows, transparency_publish
from payments.cofinancing import FundingRefused
from payments.models import BudgetMovement, FundingLine
from sme_services.funding.cofinancing import training_request_cofinance
from sme_services.funding.services import training_request_decide, training_request_file
from tests.conventions.factories import signed_convention

from .factories import company, teaching_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(funding_rules, staff, finance):
    firm = company(headcount=8)
    branch = BranchIdcc.objects.get(idcc=firm.idcc).branch
    convention = signed_convention(finance, branches=[branch], max_months=12)
    request = training_request_file(actor=staff, data=teaching_only(firm, cost="2000.00"), received_on=date(2026, 3, 2))
    request = training_request_decide(actor=staff, pk=request.pk, today=date(2026, 3, 5))
    assert request.status == "accepted" and request.funded_total == Decimal("560.00")
    return {"request": request, "convention": convention, "staff": staff}


def test_the_convention_takes_its_rate_of_the_cost_within_what_the_opco_left(accepted):
    request, convention = accepted["request"], accepted["convention"]
    with pytest.raises(FundingRefused) as caught:
        training_request_cofinance(
            actor=accepted["staff"], pk=request.pk, scope_key=convention.scope_key, amount=Decimal("1400.01")
        )
    assert caught.value.codes == ["taux_depasse"]
    assert not FundingLine.objects.exists() and not BudgetMovement.objects.filter(budget__scope_key=convention.scope_key).exists()
    line = training_request_cofinance(
        actor=accepted["staff"], pk=request.pk, scope_key=convention.scope_key, amount=Decimal("1400.00")
    )
    assert (line.reference, line.size_band, line.hours, line.trainees) == (request.file_number, "moins_50", Decimal("28.00"), 2)
    with pytest.raises(FundingRefused) as caught:
        training_request_cofinance(
            actor=accepted["staff"], pk=request.pk, scope_key=convention.scope_key, amount=Decimal("40.01")
        )
    assert "cout_depasse" in caught.value.codes  # 560 + 1400 + 40.01 > 2000
    values = achieved(convention)
    assert (values["entreprises"], values["stagiaires"], values["depense"]) == (Decimal(1), Decimal(2), Decimal("1400.00"))


def test_a_request_not_accepted_is_not_cofinanced(funding_rules, staff, finance):
    firm = company(2, headcount=8)
    convention = signed_convention(finance)
    request = training_request_file(actor=staff, data=teaching_only(firm, cost="2000.00"), received_on=date(2026, 3, 2))
    with pytest.raises(ValidationError) as caught:
        training_request_cofinance(actor=staff, pk=request.pk, scope_key=convention.scope_key, amount=Decimal("10"))
    assert caught.value.code == "demande_non_accordee" and not FundingLine.objects.exists()


def test_the_rule_sets_are_published_on_the_transparency_page(funding_rules):
    rows = section_rows(transparency_publish(reason="test"), "regles-moins-50")
    references = {row[3] for row in rows}
    assert {"EX-PLAN50-INTERPRO-2026-1", "EX-PLAN50-0843-2026-1"} <= references


def test_the_request_page_adds_a_cofinancing_line(accepted, client_for):
    request, convention = accepted["request"], accepted["convention"]
    client = client_for(accepted["staff"])
    page = client.get(f"/financements-formation/demandes/{request.pk}/").content.decode()
    assert "Cofinancement par une convention" in page and convention.title in page
    response = client.post(
        f"/financements-formation/demandes/{request.pk}/cofinance/",
        {
            "cofi-scope_key": convention.scope_key,
            "cofi-amount": "1400.00",
            "cofi-public": "salaries",
            "cofi-seniors": "0",
            "cofi-women": "1",
        },
        follow=True,
    )
    assert "Ligne de cofinancement ajoutée" in response.content.decode()
    assert FundingLine.objects.get().amount == Decimal("1400.00")
    response = client.post(
        f"/financements-formation/demandes/{request.pk}/cofinance/",
        {
            "cofi-scope_key": convention.scope_key,
            "cofi-amount": "50.00",
            "cofi-public": "salaries",
            "cofi-seniors": "0",
            "cofi-women": "0",
        },
        follow=True,
    )
    assert "coût de l'action" in unescape(response.content.decode()) and FundingLine.objects.count() == 1
