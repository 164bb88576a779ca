"""The staff form of a professionalisation contract (EJ20 blocks), through the same deposit service
as the API: the file is stored with its tutor and pay, its checks run; the payload parser's refusals
show next to their fields and nothing is stored."""

import pytest
from django.urls import reverse

from contracts.enums import ContractKind
from contracts.models import ApprenticeshipContract
from tests.contracts.factories import changed, form_data, pro_base

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff, referentials, load_certifications, clock):
    from datetime import date

    load_certifications("RNCP37105")
    clock(date(2026, 3, 5))
    client.force_login(staff)
    return client


def post(client, data: dict):
    fields = form_data({key: value for key, value in data.items() if key != "type_contrat"})
    return client.post(reverse("contracts:new_pro"), fields, follow=True)


def test_the_form_shows_the_ej20_blocks(staff_client):
    page = staff_client.get(reverse("contracts:new_pro")).content.decode()
    for block in (
        "L&#x27;employeur",
        "Le (la) salarié(e)",
        "Tuteur n° 1",
        "La qualification visée",
        "L&#x27;organisme de formation",
    ):
        assert block in page
    assert 'name="salarie__situation"' in page and 'name="tuteurs__0__nom"' in page


def test_staff_deposit_a_professionalisation_contract(staff_client):
    data = changed(pro_base(), {"courriel_deposant": "rh@boulangerie.test"})
    response = post(staff_client, data)
    contract = ApprenticeshipContract.objects.get()
    assert contract.contract_kind == ContractKind.PROFESSIONNALISATION
    assert contract.file_number.startswith("PR2026")
    assert (contract.apprentice_last_name, contract.depositor_email) == ("Lefèvre", "rh@boulangerie.test")
    assert contract.masters.get().last_name == "Martin"
    assert [str(p.rate) for p in contract.pay_periods.all()] == ["80.00"]
    assert contract.check_runs.exists()
    assert f"Dossier {contract.file_number} enregistré" in response.content.decode()


def test_a_refused_payload_shows_next_to_its_field_and_stores_nothing(staff_client):
    data = changed(pro_base(), {"contrat.nature": "cdi"})  # a CDI needs its action's dates
    response = post(staff_client, data)
    assert "champ obligatoire pour un CDI" in response.content.decode()
    assert not ApprenticeshipContract.objects.exists()


def test_a_tutor_is_required(staff_client):
    data = changed(pro_base(), {"tuteurs": []})
    response = post(staff_client, data)
    assert "Indiquez au moins un tuteur" in response.content.decode()
    assert not ApprenticeshipContract.objects.exists()
