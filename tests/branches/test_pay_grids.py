"""Branch pay grids: dated rows per classification / coefficient entered by staff on a screen,
audited, listed with their history; never overwritten; the value in force on a date."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from branches.models import BranchMembership
from branches.paygrids.models import PayGridRow
from branches.paygrids.selectors import conventional_minimum
from opco.models import AuditEntry
from tests.branches.factories import branch_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch():
    return branch_with("1486")


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user(kind="staff", groups=["gestionnaire"]))
    return client


def post(client, branch, **changes):
    data = {
        "branch": branch.pk,
        "classification": "Technicien",
        "coefficient": "250",
        "monthly_minimum": "2100.50",
        "valid_from": "2026-01-01",
        "source": "Avenant n° 48 du 12/12/2025",
        **changes,
    }
    return client.post(reverse("branches:pay_grids"), data)


def test_staff_enter_a_dated_row_audited_and_listed(staff_client, branch):
    assert post(staff_client, branch).status_code == 302
    row = PayGridRow.objects.get()
    assert (row.classification, row.coefficient, row.monthly_minimum, row.valid_from) == (
        "Technicien",
        "250",
        Decimal("2100.50"),
        date(2026, 1, 1),
    )
    entry = AuditEntry.objects.get(action="pay_grid_row_add")
    assert entry.changes["monthly_minimum"] == "2100.50" and entry.actor is not None
    page = staff_client.get(reverse("branches:pay_grids")).content.decode()
    assert "Technicien" in page and "Avenant n° 48 du 12/12/2025" in page


def test_a_new_value_is_a_new_row_and_the_history_stays(staff_client, branch):
    post(staff_client, branch)
    post(staff_client, branch, monthly_minimum="2150.00", valid_from="2026-07-01", source="Avenant n° 49")
    assert PayGridRow.objects.count() == 2
    on = {
        day: conventional_minimum(idcc="1486", classification="technicien", coefficient="250", on=day)
        for day in (date(2025, 12, 31), date(2026, 6, 30), date(2026, 7, 1))
    }
    assert on[date(2025, 12, 31)] is None
    assert on[date(2026, 6, 30)].amount == Decimal("2100.50")
    assert on[date(2026, 7, 1)].amount == Decimal("2150.00")


def test_the_same_position_and_date_is_refused_and_nothing_changes(staff_client, branch):
    post(staff_client, branch)
    response = post(staff_client, branch, monthly_minimum="9.99", classification="TECHNICIEN")
    assert response.status_code == 200
    assert "une valeur passée n&#x27;est jamais remplacée" in response.content.decode()
    assert list(PayGridRow.objects.values_list("monthly_minimum", flat=True)) == [Decimal("2100.50")]
    assert AuditEntry.objects.filter(action="pay_grid_row_add").count() == 1


def test_a_row_needs_a_classification_or_a_coefficient(staff_client, branch):
    response = post(staff_client, branch, classification="", coefficient="")
    assert "Indiquez une classification, un coefficient ou les deux." in response.content.decode()
    assert not PayGridRow.objects.exists()


def test_a_representative_sees_only_their_branch_and_cannot_enter_rows(make_user, staff_client, branch):
    other = branch_with("0843")
    post(staff_client, branch)
    post(staff_client, other, classification="Vendeur")
    representative = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=representative, branch=branch)
    client = Client()
    client.force_login(representative)
    page = client.get(reverse("branches:pay_grids")).content.decode()
    assert "Technicien" in page and "Vendeur" not in page
    client.post(
        reverse("branches:pay_grids"),
        {"branch": branch.pk, "classification": "X", "monthly_minimum": "1", "valid_from": "2026-01-01", "source": "x"},
    )
    assert PayGridRow.objects.count() == 2


def test_advisors_do_not_reach_the_grids(client, make_user):
    client.force_login(make_user(kind="advisor"))
    assert client.get(reverse("branches:pay_grids")).status_code == 403
