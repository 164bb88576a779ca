"""Branch hourly forfaits of professionalisation contracts (issue 6; D6332-85), read by date."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from branches.models import ProfessionalisationRate
from branches.pro_rates import professionalisation_rate
from opco.models import AuditEntry
from referentials.models import Idcc
from tests.branches.factories import branch_with, pro_rate

pytestmark = pytest.mark.django_db


def test_latest_rate_on_or_before_the_date():
    branch = branch_with()
    pro_rate(branch, "11.00", date(2024, 1, 1), source="CPNE du 12/12/2023")
    pro_rate(branch, "12.50", date(2025, 7, 1), source="CPNE du 20/06/2025")
    assert professionalisation_rate("1486", date(2023, 12, 31), False) is None
    assert professionalisation_rate("1486", date(2024, 1, 1), False) == (Decimal("11.00"), "CPNE du 12/12/2023")
    assert professionalisation_rate("1486", date(2025, 6, 30), False) == (Decimal("11.00"), "CPNE du 12/12/2023")
    assert professionalisation_rate("1486", date(2025, 7, 1), False) == (Decimal("12.50"), "CPNE du 20/06/2025")
    assert professionalisation_rate("1486", date(2026, 3, 1), False) == (Decimal("12.50"), "CPNE du 20/06/2025")


def test_priority_rate_preferred_then_general_rate():
    branch = branch_with()
    pro_rate(branch, "12.00", date(2024, 1, 1))
    assert professionalisation_rate("1486", date(2025, 1, 1), True) == (Decimal("12.00"), "")
    pro_rate(branch, "16.00", date(2024, 6, 1), priority=True)
    assert professionalisation_rate("1486", date(2025, 1, 1), True) == (Decimal("16.00"), "")
    assert professionalisation_rate("1486", date(2025, 1, 1), False) == (Decimal("12.00"), "")
    # before the priority rate applies, the general one
    assert professionalisation_rate("1486", date(2024, 5, 31), True) == (Decimal("12.00"), "")


def test_no_branch_or_no_rate():
    Idcc.objects.create(code="9999", title="Convention sans branche")
    branch_with("0843")
    assert professionalisation_rate("9999", date(2025, 1, 1), False) is None
    assert professionalisation_rate("0000", date(2025, 1, 1), False) is None
    assert professionalisation_rate("0843", date(2025, 1, 1), False) is None
    assert professionalisation_rate("", date(2025, 1, 1), False) is None


def test_code_without_leading_zero_and_other_branches_ignored():
    pro_rate(branch_with("0843"), "10.00", date(2024, 1, 1))
    pro_rate(branch_with("1486"), "12.00", date(2024, 1, 1))
    assert professionalisation_rate("843", date(2025, 1, 1), False) == (Decimal("10.00"), "")
    assert professionalisation_rate("1486", date(2025, 1, 1), False) == (Decimal("12.00"), "")


def test_constraints_positive_and_unique_per_branch_public_date():
    branch = branch_with()
    with pytest.raises(IntegrityError), transaction.atomic():
        pro_rate(branch, "0.00", date(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        pro_rate(branch, "-1.00", date(2024, 1, 1))
    pro_rate(branch, "11.00", date(2024, 1, 1))
    pro_rate(branch, "15.50", date(2024, 1, 1), priority=True)  # the priority rate may share the date
    with pytest.raises(IntegrityError), transaction.atomic():
        pro_rate(branch, "12.00", date(2024, 1, 1))


def test_admin_records_who_entered_the_rate_and_audits_it(client, make_user):
    branch = branch_with()
    admin_user = make_user(kind="staff", groups=["administrateur"])
    client.force_login(admin_user)
    assert client.get(reverse("admin:branches_professionalisationrate_changelist")).status_code == 200
    response = client.post(
        reverse("admin:branches_professionalisationrate_add"),
        {"branch": branch.pk, "hourly_rate": "12.50", "applicable_from": "2025-07-01", "source": "CPNE du 20/06/2025"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = ProfessionalisationRate.objects.get()
    assert (saved.hourly_rate, saved.priority_public, saved.created_by) == (Decimal("12.50"), False, admin_user)
    assert AuditEntry.objects.filter(action="admin_create", actor=admin_user).count() == 1

    client.force_login(make_user(kind="staff"))
    assert client.get(reverse("admin:branches_professionalisationrate_changelist")).status_code != 200
