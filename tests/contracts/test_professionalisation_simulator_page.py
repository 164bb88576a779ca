"""The staff page of the professionalisation simulator: the same figures as the API, French errors,
and the roles of the apprenticeship simulator."""

import html
from decimal import Decimal

import pytest

from contracts.financing.service import simulation_as_json

pytestmark = pytest.mark.django_db

QUERY = {
    "signature_date": "2026-02-23",
    "start_date": "2026-03-02",
    "end_date": "2027-03-01",
    "heures_formation": "400",
    "tuteur_age": "47",
    "tuteur_formation_heures": "30",
    "tutorat_mois": "6",
}


@pytest.fixture
def staff_client(client_for, make_user):
    return client_for(make_user(kind="staff", groups=["gestionnaire"]))


def test_the_page_shows_the_amounts_and_the_schedule(staff_client):
    response = staff_client.get("/contrats/simulateur/professionnalisation/", QUERY)
    assert response.status_code == 200
    page = response.content.decode()
    # 400 h × 9,15 €; 345 € × 6 (tutor of 47); 30 h × 15 €.
    assert "forfait légal (D6332-86) : 9,15 €/h" in page
    for amount in ("3\u202f660,00 €", "2\u202f070,00 €", "450,00 €", "6\u202f180,00 €"):
        assert amount in page
    assert response.context["total"] == Decimal("6180.00")
    labels = [line["label"] for line in response.context["lines"]]
    assert labels == [
        "Avance à l'organisme de formation (50 %)",
        "Formation du tuteur (employeur)",
        "Aide au tutorat (employeur)",
        "Solde à l'organisme de formation",
    ]


def test_the_page_and_the_api_answer_the_same_total(staff_client):
    page = staff_client.get("/contrats/simulateur/professionnalisation/", {**QUERY, "public_prioritaire": "on"})
    api = simulation_as_json(
        {
            "contrat": "professionnalisation",
            "signature_date": "2026-02-23",
            "start_date": "2026-03-02",
            "end_date": "2027-03-01",
            "heures_formation": 400,
            "public_prioritaire": True,
            "tuteur": {"age": 47, "formation_heures": 30},
            "tutorat_mois": 6,
        }
    )
    assert api["total"] == "8520.00"  # 400 × 15 + 345 × 6 + 450
    assert page.context["financing"].total == Decimal(api["total"])


def test_a_rupture_shows_the_pro_rata_balance(staff_client):
    response = staff_client.get("/contrats/simulateur/professionnalisation/", {**QUERY, "rupture_date": "2026-06-01"})
    nets = {line["label"]: line["net"] for line in response.context["lines"]}
    assert nets["Solde à l'organisme de formation"] == Decimal("-907.48")
    assert nets["Aide au tutorat (employeur)"] == Decimal("1035.00")


def test_an_end_before_the_start_is_refused_in_french(staff_client):
    response = staff_client.get("/contrats/simulateur/professionnalisation/", {**QUERY, "end_date": "2026-01-01"})
    assert "la date de fin prévue précède la date de début d'exécution" in html.unescape(response.content.decode())
    assert "financing" not in response.context


def test_a_branch_representative_may_not_simulate(client_for, make_user):
    response = client_for(make_user(kind="branch_rep")).get("/contrats/simulateur/professionnalisation/", QUERY)
    assert response.status_code == 403
