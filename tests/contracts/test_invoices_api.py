"""POST /api/v1/invoices/: a CFA's invoice or attestation, in JSON or multipart with its file; 201 with
the instalments it matched and how many were released; 400 naming the field, nothing stored."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from contracts.alternance.payability import instalments_release
from contracts.alternance.workflow import contract_deposit_deca
from contracts.models import CfaDocument
from opco.models import AuditEntry
from payments.enums import ScheduleStatus
from payments.models import PayableLine
from tests.contracts.factories import ANNUAL, CFA_SIRET, line

pytestmark = pytest.mark.django_db

URL = "/api/v1/invoices/"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def made(contract):
    return contract()


@pytest.fixture
def api(client, staff):
    client.force_login(staff)
    return client


def body(made, **values) -> dict:
    return {
        "contract": made.file_number,
        "kind": ANNUAL,
        "cfa_siret": CFA_SIRET,
        "year": 1,
        "number": "F-2025-0917",
        "amount": "2188.00",
        "issued_on": "2025-09-10",
        "received_on": "2025-09-15",
        **values,
    }


def post_json(client, data):
    return client.post(URL, data=data if isinstance(data, str) else json.dumps(data), content_type="application/json")


def nothing_stored():
    return not CfaDocument.objects.exists() and not PayableLine.objects.exists()


def test_a_json_invoice_is_received_matched_and_released(api, made):
    response = post_json(api, body(made))
    assert response.status_code == 201, response.content
    document = CfaDocument.objects.get()
    assert response.json() == {
        "id": document.pk,
        "contract": made.file_number,
        "kind": "facture_annuelle",
        "kind_label": "Facture annuelle (avance de l'année, solde de l'année précédente)",
        "year": 1,
        "number": "F-2025-0917",
        "received_on": "2025-09-15",
        "matched": [{"year": 1, "kind": "advance", "due_date": "2025-09-01", "net": "2188.00", "status": "payable"}],
        "released": 1,
        "to_review": False,
        "review_reason": "",
    }
    assert (document.source, str(document.amount), document.issued_on, document.file.name) == (
        "api",
        "2188.00",
        date(2025, 9, 10),
        "",
    )
    assert line(made, 1, "advance").status == ScheduleStatus.PAYABLE
    assert AuditEntry.objects.get(action="contracts.cfa_document.received").source == AuditEntry.Source.API


def test_a_multipart_invoice_keeps_its_file_under_a_random_name(api, made):
    upload = SimpleUploadedFile("Facture septembre.pdf", PDF, content_type="application/pdf")
    response = api.post(URL, data={**body(made), "file": upload})
    assert response.status_code == 201, response.content
    assert response.json()["released"] == 1
    document = CfaDocument.objects.get()
    name = document.file.name
    assert name.startswith("cfa_documents/2025/09/") and name.endswith(".pdf") and "Facture" not in name
    assert document.file.read() == PDF


def test_the_contract_may_be_named_by_its_deca_number(api, made, staff):
    contract_deposit_deca(actor=staff, contract_id=made.pk, deca_number="011202509000123")
    response = post_json(api, body(made, contract="011202509000123"))
    assert response.status_code == 201, response.content
    assert (response.json()["contract"], response.json()["released"]) == (made.file_number, 1)


def test_an_attestation_needs_neither_year_nor_number(client, staff, made, clock):
    clock(date(2027, 9, 2))
    api = client
    api.force_login(staff)  # a session of 2025 has expired by 2027
    instalments_release()  # the 7th- and 10th-month lines due by now
    response = post_json(api, {"contract": made.file_number, "kind": "attestation_realisation", "cfa_siret": CFA_SIRET})
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["year"], answer["number"], answer["received_on"], answer["released"]) == (None, "", "2027-09-02", 0)
    assert answer["matched"] == [{"year": 2, "kind": "balance", "due_date": "2027-09-01", "net": "547.00", "status": "planned"}]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("facture.pdf", b"GIF89a not a pdf", "Seuls les fichiers PDF, JPEG et PNG sont acceptés."),
        ("facture.png", PDF, "L'extension « .png » ne correspond pas au contenu du fichier."),
        ("facture.pdf", b"", "Le fichier soumis est vide."),
    ],
)
def test_a_file_of_another_type_is_refused_and_nothing_is_stored(api, made, name, content, message):
    response = api.post(URL, data={**body(made), "file": SimpleUploadedFile(name, content)})
    assert (response.status_code, response.json()) == (400, {"errors": {"file": message}})
    assert nothing_stored()


def test_a_file_over_10_mo_is_refused(api, made):
    upload = SimpleUploadedFile("facture.pdf", PDF + b"0" * (10 * 1024 * 1024))
    response = api.post(URL, data={**body(made), "file": upload})
    assert response.status_code == 400
    assert response.json() == {"errors": {"file": "Le fichier dépasse 10 Mo (10.0 Mo) : réduisez-le ou scannez-le en PDF."}}
    assert nothing_stored()


def test_a_refusal_of_the_service_answers_400_naming_the_field(api, made):
    response = post_json(api, body(made, cfa_siret="78071407700069"))
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": {
                "cfa_siret": f"La pièce est émise par le SIRET 78071407700069 ; le CFA du contrat {made.file_number} "
                f"est {CFA_SIRET}."
            }
        },
    )
    response = post_json(api, body(made, contract="AP20259999999"))
    assert response.json() == {"errors": {"contract": "Aucun contrat ne porte le n° de dossier ou DECA « AP20259999999 »."}}
    assert nothing_stored()


def test_a_duplicate_is_refused_with_the_date_of_the_first_receipt(api, made, contract):
    assert post_json(api, body(made)).status_code == 201
    before = list(CfaDocument.objects.values_list("id", flat=True)), PayableLine.objects.count()
    again = post_json(api, body(made, number="F-2025-0918"))
    assert (again.status_code, again.json()) == (
        400,
        {
            "errors": {
                "kind": "Facture annuelle (avance de l'année, solde de l'année précédente) (année 1) du contrat "
                f"{made.file_number} déjà reçue le 15/09/2025."
            }
        },
    )
    other = contract()
    same_number = post_json(api, body(other))
    assert (same_number.status_code, same_number.json()) == (
        400,
        {
            "errors": {
                "number": f"La facture n° F-2025-0917 de ce CFA a déjà été reçue le 15/09/2025 (contrat {made.file_number})."
            }
        },
    )
    assert (list(CfaDocument.objects.values_list("id", flat=True)), PayableLine.objects.count()) == before


def test_a_simultaneous_duplicate_caught_by_the_database_answers_400_and_stores_nothing(api, made, monkeypatch):
    """Two sends at the same instant both pass the duplicate checks; the unique constraint keeps one."""

    def collide(self, *args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(CfaDocument, "save", collide)
    response = post_json(api, body(made))
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": {
                "number": "Cette pièce vient d'être reçue par un autre envoi simultané : elle n'est pas enregistrée deux fois."
            }
        },
    )
    assert (CfaDocument.objects.count(), PayableLine.objects.count()) == (0, 0)


def test_values_that_cannot_be_read_are_refused_in_french(api, made):
    response = post_json(api, body(made, received_on="15/09/2025", year="deux", amount="12,50", contract=None))
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "contract": "Ce champ ne peut être nul.",
            "year": "Un nombre entier valide est requis.",
            "amount": "Un nombre valide est requis.",
            "received_on": "La date n'a pas le bon format. Utilisez un des formats suivants\u00a0: YYYY-MM-DD.",
        }
    }
    missing = post_json(api, {})
    assert missing.json() == {"errors": {field: "Ce champ est obligatoire." for field in ("contract", "kind", "cfa_siret")}}
    assert post_json(api, "{not json").json() == {
        "errors": {"payload": "JSON invalide : nom de champ entre guillemets doubles attendu (ligne 1, colonne 2)"}
    }
    assert nothing_stored()


@pytest.mark.parametrize("kind", ["advisor", "branch_rep"])
def test_only_staff_send_documents(client, make_user, made, kind):
    client.force_login(make_user(kind=kind))
    assert post_json(client, body(made)).status_code == 403
    client.logout()
    assert post_json(client, body(made)).status_code == 403
    assert nothing_stored()


def test_the_openapi_schema_documents_the_invoices_endpoint(api):
    schema = api.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/invoices/"]["post"]
    assert operation["summary"] == "Transmettre une facture ou une attestation de CFA"
    assert set(operation["responses"]) == {"201", "400", "403"}
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    components = schema["components"]["schemas"]
    upload = components[content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert upload["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "description": "La pièce elle-même : PDF, JPEG ou PNG, 10 Mo au plus.",
    }
    assert "facture_annuelle (Facture annuelle" in upload["properties"]["kind"]["description"]
    received = components[operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"id", "contract", "kind", "matched", "released"} <= set(received["properties"])
