"""A text longer than the file's column is refused, naming the field, by the payload's own rule: the
same refusal through the API, the staff form and the bulk import, and nothing is cut silently.
The professionalisation payload follows the same rule."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.alternance.deposit import contract_deposit
from contracts.alternance.imports import contract_import_request
from contracts.alternance.payload import InvalidPayload
from contracts.models import ApprenticeshipContract, ApprenticeshipMaster, ContractImport
from tests.contracts.factories import base, changed, contract_payload, form_data, pro_base

pytestmark = pytest.mark.django_db

DEPOSIT_URL = "/api/v1/apprenticeship-contracts/"
LONG = 100_000


def too_long(limit: int, got: int | None = None) -> str:
    got = limit + 1 if got is None else got
    return f"{limit} caractères au plus (ici {got:,})".replace(",", "\u202f")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def payload() -> dict:
    return {**base(), "recu_le": "2025-09-02"}


def post(client, data: dict):
    return client.post(DEPOSIT_URL, data=json.dumps(data), content_type="application/json")


# (dotted path to change, path named by the refusal, the file's limit)
LIMITS = [
    ("apprenti.nom", "apprenti.nom", 150),
    ("apprenti.prenom", "apprenti.prenom", 150),
    ("maitres_apprentissage.0.nom", "maitres_apprentissage[0].nom", 150),
    ("maitres_apprentissage.0.prenom", "maitres_apprentissage[0].prenom", 150),
    ("employeur.denomination", "employeur.denomination", 255),
    ("employeur.naf", "employeur.naf", 255),
    ("employeur.adresse.numero", "employeur.adresse.numero", 16),
    ("employeur.adresse.voie", "employeur.adresse.voie", 238),
    ("employeur.adresse.code_postal", "employeur.adresse.code_postal", 5),
    ("employeur.adresse.commune", "employeur.adresse.commune", 128),
    ("formation.code_diplome", "formation.code_diplome", 8),
    ("formation.intitule", "formation.intitule", 500),
    ("cfa.denomination", "cfa.denomination", 255),
]
# Identifiers are counted as stored: without the spaces and dots people type.
IDENTIFIERS = [
    ("employeur.siret", "0" * 15, 14),
    ("cfa.siret", "4" * 15, 14),
    ("cfa.uai", "0142321XX", 8),
    ("formation.rncp", "RNCP" + "3" * 13, 16),
    ("employeur.idcc", "1" * 17, 16),
]


@pytest.mark.parametrize(("path", "field", "limit"), LIMITS)
def test_the_api_refuses_a_text_longer_than_its_column_naming_the_field(client, staff, payload, path, field, limit):
    client.force_login(staff)
    response = post(client, changed(payload, {path: "x" * (limit + 1)}))
    assert (response.status_code, response.json()) == (400, {"errors": {field: too_long(limit)}})
    assert not ApprenticeshipContract.objects.exists()


def test_a_name_of_100_000_characters_is_refused_not_cut_to_150(client, staff, payload):
    client.force_login(staff)
    response = post(client, changed(payload, {"apprenti.nom": "D" * LONG}))
    assert (response.status_code, response.json()) == (400, {"errors": {"apprenti.nom": too_long(150, LONG)}})
    assert response.json()["errors"]["apprenti.nom"] == "150 caractères au plus (ici 100\u202f000)"
    assert not ApprenticeshipContract.objects.exists()


@pytest.mark.parametrize(("path", "value", "limit"), IDENTIFIERS)
def test_an_identifier_longer_than_its_column_is_refused(client, staff, payload, path, value, limit):
    client.force_login(staff)
    response = post(client, changed(payload, {path: value}))
    assert (response.status_code, response.json()) == (400, {"errors": {path: too_long(limit, len(value))}})


def test_texts_at_their_limit_are_stored_whole(client, staff, payload):
    client.force_login(staff)
    values = {path: "é" * limit for path, _, limit in LIMITS if path != "employeur.adresse.code_postal"}
    values |= {"employeur.siret": "001 234 566 00014", "cfa.uai": "0142321 X"}  # 17 and 9 as typed, 14 and 8 stored
    response = post(client, changed(payload, values))
    assert response.status_code == 201, response.content
    contract = ApprenticeshipContract.objects.get()
    assert (len(contract.apprentice_last_name), len(contract.apprentice_first_name)) == (150, 150)
    assert (len(contract.employer_name), len(contract.training_title), len(contract.code_diplome)) == (255, 500, 8)
    assert (contract.employer_siret, contract.cfa_uai) == ("00123456600014", "0142321X")
    master = ApprenticeshipMaster.objects.get()
    assert (len(master.last_name), len(master.first_name)) == (150, 150)


def test_the_service_refuses_it_for_every_door(staff, payload):
    with pytest.raises(InvalidPayload) as refusal:
        contract_deposit(actor=staff, data=changed(payload, {"apprenti.nom": "D" * 151}), source="web")
    assert refusal.value.errors == {"apprenti.nom": too_long(150)}
    assert not ApprenticeshipContract.objects.exists()


def test_the_form_refuses_a_master_name_its_field_lets_through(client, staff):
    """The form's field takes 255 characters; the file keeps 150: the payload's rule answers next to the field."""
    client.force_login(staff)
    response = client.post(reverse("contracts:new"), form_data(contract_payload(1, **{"maitres_apprentissage.0.nom": "M" * 200})))
    assert response.status_code == 200
    assert response.context["form"].errors["maitres_apprentissage__0__nom"] == [too_long(150, 200)]
    assert not ApprenticeshipContract.objects.exists()


def test_the_import_refuses_the_row_with_the_same_message(staff, payload, django_capture_on_commit_callbacks):
    columns = [
        "apprenti.nom",
        "apprenti.prenom",
        "apprenti.date_naissance",
        "employeur.siret",
        "formation.rncp",
        "formation.niveau",
    ]
    columns += ["formation.date_debut", "formation.duree_heures", "cfa.siret", "cfa.uai", "maitres_apprentissage"]
    columns += ["contrat.date_conclusion", "contrat.date_debut", "contrat.date_fin", "contrat.date_debut_formation_pratique"]
    columns += ["contrat.remunerations", "recu_le"]

    def row(name: str) -> list[str]:
        data = changed(payload, {"apprenti.nom": name})
        values = []
        for column in columns:
            value = data
            for part in column.split("."):
                value = value[part]
            values.append(json.dumps(value) if isinstance(value, list) else str(value))
        return values

    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerows([columns, row("Un"), row("D" * LONG), row("Trois")])
    with django_capture_on_commit_callbacks(execute=True):
        job = contract_import_request(actor=staff, upload=SimpleUploadedFile("depots.csv", text.getvalue().encode()))
    job.refresh_from_db()
    assert job.status == ContractImport.Status.DONE
    assert (job.created_count, job.failed_count) == (2, 1)
    assert job.report == [{"line": 3, "errors": {"apprenti.nom": too_long(150, LONG)}}]


# --- Professionalisation ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "field", "limit"),
    [
        ("salarie.nom", "salarie.nom", 150),
        ("salarie.prenom", "salarie.prenom", 150),
        ("tuteurs.0.nom", "tuteurs[0].nom", 150),
        ("formation.intitule", "formation.intitule", 500),
        ("organisme.denomination", "organisme.denomination", 255),
        ("employeur.denomination", "employeur.denomination", 255),
    ],
)
def test_a_professionalisation_payload_follows_the_same_rule(client, staff, path, field, limit):
    client.force_login(staff)
    response = post(client, changed(pro_base(), {path: "x" * (limit + 1)}))
    assert (response.status_code, response.json()) == (400, {"errors": {field: too_long(limit)}})
    assert not ApprenticeshipContract.objects.exists()


@pytest.mark.parametrize(
    ("path", "value", "limit"),
    [("organisme.siret", "4" * 15, 14), ("organisme.uai", "0142321XX", 8), ("formation.rncp", "RNCP" + "3" * 13, 16)],
)
def test_a_professionalisation_identifier_longer_than_its_column_is_refused(client, staff, path, value, limit):
    client.force_login(staff)
    response = post(client, changed(pro_base(), {path: value}))
    assert (response.status_code, response.json()) == (400, {"errors": {path: too_long(limit, len(value))}})
