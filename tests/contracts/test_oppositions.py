import pytest
from django.urls import reverse

from contracts.models import EmployerOpposition
from opco.models import AuditEntry

pytestmark = pytest.mark.django_db
SIRET = "00123456600014"


def test_staff_record_and_lift_an_opposition(client, make_user):
    staff = make_user(kind="staff", groups=["gestionnaire"])
    client.force_login(staff)
    response = client.post(
        reverse("contracts:oppositions"),
        {
            "siret": "001 234 566 00014",
            "kind": "opposition",
            "starts_on": "2025-01-01",
            "reason": "Décision DREETS du 12/12/2024",
        },
    )
    assert response.status_code == 302
    opposition = EmployerOpposition.objects.get()
    assert (opposition.siret, opposition.kind, opposition.ends_on, opposition.recorded_by) == (SIRET, "opposition", None, staff)
    client.post(reverse("contracts:oppositions"), {"end": opposition.pk})
    opposition.refresh_from_db()
    assert opposition.ends_on is not None
    assert list(AuditEntry.objects.filter(target_id=str(opposition.pk)).values_list("action", flat=True).order_by("id")) == [
        "opposition_record",
        "opposition_end",
    ]


def test_bad_input_is_refused_in_french_and_stores_nothing(client, make_user):
    client.force_login(make_user(kind="staff"))
    page = client.post(
        reverse("contracts:oppositions"),
        {"siret": "12345678901234", "kind": "opposition", "starts_on": "2025-01-01", "reason": "x"},
    )
    assert "siret" in page.context["form"].errors
    page = client.post(
        reverse("contracts:oppositions"),
        {"siret": SIRET, "kind": "interdiction", "starts_on": "2025-01-01", "ends_on": "2024-12-31", "reason": "x"},
    )
    assert page.context["form"].errors == {"ends_on": ["La fin précède le début."]}
    assert not EmployerOpposition.objects.exists()


@pytest.mark.parametrize("kind", ["advisor", "branch_rep"])
def test_only_staff(client, make_user, kind):
    client.force_login(make_user(kind=kind))
    assert client.get(reverse("contracts:oppositions")).status_code == 403
    assert (
        client.post(
            reverse("contracts:oppositions"), {"siret": SIRET, "kind": "opposition", "starts_on": "2025-01-01", "reason": "x"}
        ).status_code
        == 403
    )
    assert not EmployerOpposition.objects.exists()
