"""The instruction screens: the work queue, the list (filters, CSV and XLSX exports, bulk actions),
the contract page and its actions and documents, and the staff deposit form. Refusals show a French
message and change nothing."""

import csv
import io
from datetime import date, timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contracts.alternance.workflow import contract_assign, contract_request_documents, contract_transition
from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract, CheckRun, Commitment, ContractDocument
from opco.models import AuditEntry
from tests.contracts.factories import PDF, VALID_NIR, base, contract_payload, deposit_contract, form_data
from tests.referentials.factories import valid_siret

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def instruct(actor, contract) -> ApprenticeshipContract:
    return contract_transition(actor=actor, contract_id=contract.pk, action_code="instruct")


@pytest.fixture
def referentials(load):
    load("idcc", "branches", "certifications", "holidays", "legal_parameters")


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"], first_name="Gaëlle", last_name="Gestion")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_post(client, url, data=None, **extra):
    return client.post(url, data or {}, follow=True, **extra)


def action_url(contract, code: str) -> str:
    return reverse("contracts:action", args=[contract.pk, code])


# --- Each screen renders ------------------------------------------------------------------------------
def test_each_screen_renders(staff_client, staff, referentials):
    contract = deposit_contract(staff, **{"apprenti.nir": VALID_NIR})
    pages = {
        reverse("contracts:list"): "contract-table",
        reverse("contracts:queue"): "queue-table",
        reverse("contracts:detail", args=[contract.pk]): "block-employer",
        reverse("contracts:new"): "deposit-form",
    }
    for url, marker in pages.items():
        response = staff_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'id="{marker}"' in html, url
        assert VALID_NIR not in html, url
    nav = staff_client.get(reverse("home")).content.decode()
    assert "File de travail" in nav and "Nouveau contrat" in nav and reverse("contracts:list") in nav


def test_contract_page_shows_the_cerfa_blocks_checks_and_masked_nir(staff_client, staff, referentials):
    contract = deposit_contract(staff, **{"apprenti.nir": VALID_NIR})
    assert contract.apprentice_nir == VALID_NIR
    html = staff_client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert VALID_NIR not in html and VALID_NIR[:13] not in html
    assert "•••••••••••••93" in html
    for text in ("Boulangerie du Marché", "00123456600014", "RNCP37566", "0142321X", "Maitre000", ">43 %<", ">51 %<"):
        assert text in html, text
    assert "EMPLOYEUR_SIRET" in html and "Conforme" in html and "Relancer les contrôles" in html
    assert "Prendre en instruction" in html and "Refuser la prise en charge" in html
    assert "Dossier reçu le 02/09/2025" in html  # the history


# --- Work queue ---------------------------------------------------------------------------------------
def test_queue_lists_open_files_by_deadline_with_days_left_and_my_files(staff_client, staff, make_user, referentials):
    today = timezone.localdate()
    late = deposit_contract(staff, 1, recu_le=(today - timedelta(days=25)).isoformat())  # due 5 days ago
    soon = deposit_contract(staff, 2, recu_le=(today - timedelta(days=17)).isoformat())  # 3 days left
    later = deposit_contract(staff, 3, recu_le=(today - timedelta(days=2)).isoformat())  # 18 days left
    incomplete = deposit_contract(staff, 4)
    contract_request_documents(actor=staff, contract_id=incomplete.pk, message="Convention de formation")
    refused = deposit_contract(staff, 5)
    contract_transition(actor=staff, contract_id=refused.pk, action_code="refuse", refusal_text="x")
    contract_assign(actor=staff, contract_ids=[soon.pk], assignee=staff)

    response = staff_client.get(reverse("contracts:queue"))
    rows = list(response.context["object_list"])
    assert [c.pk for c in rows] == [late.pk, soon.pk, later.pk, incomplete.pk]
    assert [c.days_left for c in rows] == [-5, 3, 18, None]
    html = response.content.decode()
    assert "en retard de 5 j" in html and html.count('class="table-danger overdue"') == 1
    assert "suspendu (incomplet)" in html

    mine = staff_client.get(reverse("contracts:queue"), {"mine": "on"})
    assert [c.pk for c in mine.context["object_list"]] == [soon.pk]
    overdue = staff_client.get(reverse("contracts:queue"), {"overdue": "on"})
    assert [c.pk for c in overdue.context["object_list"]] == [late.pk]


# --- List: filters and exports --------------------------------------------------------------------------
@pytest.fixture
def varied(staff, make_user, referentials):
    """Five files differing by branch, CFA, certification, level, dates, status and gestionnaire."""
    other_staff = make_user(kind="staff", last_name="Autre")
    contracts = {
        "bakery": deposit_contract(staff, 1, **{"apprenti.nir": VALID_NIR}),
        "hairdresser": deposit_contract(staff, 2, idcc="2596", siret=valid_siret(4242)),
        "other_cfa": deposit_contract(staff, 3, **{"cfa.siret": "78071407700069", "cfa.uai": "0142321X"}),
        "level_5": deposit_contract(staff, 4, **{"formation.niveau": 5, "formation.rncp": "RNCP38962"}),
        "later": deposit_contract(
            staff,
            5,
            **{
                "contrat.date_debut": "2025-10-01",
                "contrat.date_fin": "2027-09-30",
                "contrat.date_debut_formation_pratique": "2025-10-01",
                "contrat.remunerations": [
                    {"date_debut": "2025-10-01", "date_fin": "2026-09-30", "taux": 43},
                    {"date_debut": "2026-10-01", "date_fin": "2027-09-30", "taux": 51},
                ],
                "recu_le": "2025-10-02",
            },
        ),
    }
    instruct(staff, contracts["later"])
    contract_assign(actor=staff, contract_ids=[contracts["level_5"].pk], assignee=other_staff)
    contracts["other_staff"] = other_staff
    return contracts


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "instruction"}, ["later"]),
        ({"branch": "IDCC-2596"}, ["hairdresser"]),
        ({"idcc": "2596"}, ["hairdresser"]),
        ({"idcc": "843"}, ["bakery", "other_cfa", "level_5", "later"]),
        ({"cfa": "78071407700069"}, ["other_cfa"]),
        ({"cfa": "0142321x"}, ["bakery", "hairdresser", "other_cfa", "level_5", "later"]),
        ({"rncp": "38962"}, ["level_5"]),
        ({"level": "5"}, ["level_5"]),
        ({"start_from": "2025-09-15"}, ["later"]),
        ({"start_to": "2025-09-15", "idcc": "2596"}, ["hairdresser"]),
        ({"due_before": "2025-09-30"}, ["bakery", "hairdresser", "other_cfa", "level_5"]),
        ({"q": "Apprenti003"}, ["other_cfa"]),
    ],
)
def test_list_filters(staff_client, varied, query, expected):
    response = staff_client.get(reverse("contracts:list"), query)
    assert response.status_code == 200
    assert {c.pk for c in response.context["object_list"]} == {varied[key].pk for key in expected}


def test_list_filters_by_gestionnaire_and_amorcage(staff_client, staff, varied):
    by_gestionnaire = staff_client.get(reverse("contracts:list"), {"assigned_to": varied["other_staff"].pk})
    assert [c.pk for c in by_gestionnaire.context["object_list"]] == [varied["level_5"].pk]
    unassigned = staff_client.get(reverse("contracts:list"), {"assigned_to": "null"})
    assert varied["level_5"].pk not in {c.pk for c in unassigned.context["object_list"]}
    assert staff_client.get(reverse("contracts:list"), {"amorcage": "on"}).context["object_list"].__len__() == 0
    staff_client.post(action_url(varied["later"], "accept"))
    assert Commitment.objects.get(contract=varied["later"]).npec_source == "amorcage"
    amorcage = staff_client.get(reverse("contracts:list"), {"amorcage": "on"})
    assert [c.pk for c in amorcage.context["object_list"]] == [varied["later"].pk]
    assert "amorçage" in amorcage.content.decode()


def test_csv_export_is_exactly_the_filtered_rows_without_nir(staff_client, varied):
    response = staff_client.get(reverse("contracts:list"), {"idcc": "843", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert VALID_NIR not in body and "NIR" not in body
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:3] == ["N° de dossier", "N° DECA", "Statut"]
    expected = {varied[key].file_number for key in ("bakery", "other_cfa", "level_5", "later")}
    assert len(rows) == 1 + len(expected) and {row[0] for row in rows[1:]} == expected
    assert {row[7] for row in rows[1:]} == {"0843"}


def test_xlsx_export_is_exactly_the_filtered_rows_without_nir(staff_client, varied):
    response = staff_client.get(reverse("contracts:list"), {"branch": "IDCC-0843", "level": "3", "format": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="contrats-apprentissage-')
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "N° de dossier" and "NIR" not in " ".join(rows[0])
    expected = {varied[key].file_number for key in ("bakery", "other_cfa", "later")}
    assert {row[0] for row in rows[1:]} == expected and len(rows) == 4
    assert all(VALID_NIR not in str(value) for row in rows for value in row)
    assert AuditEntry.objects.filter(action="export_xlsx").count() == 1


def test_xlsx_export_writes_a_name_starting_with_equals_as_text(staff_client, staff, referentials):
    deposit_contract(staff, 1, **{"employeur.denomination": '=HYPERLINK("http://x")'})
    response = staff_client.get(reverse("contracts:list"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=7)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_list_queries_are_constant_and_at_most_11(staff_client, staff, make_user, referentials):
    url = reverse("contracts:list")
    for n in range(10):
        deposit_contract(staff, n)
    staff_client.get(url)  # warm the per-user caches
    with CaptureQueriesContext(connection) as with_10:
        assert staff_client.get(url).status_code == 200
    for n in range(10, 50):
        contract = deposit_contract(staff, n)
        if n % 3 == 0:
            contract_assign(actor=staff, contract_ids=[contract.pk], assignee=staff)
    with CaptureQueriesContext(connection) as with_50:
        response = staff_client.get(url)
    assert len(response.context["object_list"]) == 50
    # 11: the user's groups are read once, the bulk buttons following the workflow's roles.
    assert len(with_10) == len(with_50) <= 11, "\n".join(q["sql"][:250] for q in with_50.captured_queries)


# --- Bulk actions ------------------------------------------------------------------------------------
def test_bulk_assign(staff_client, staff, make_user, referentials):
    colleague = make_user(kind="staff", last_name="Collègue")
    first, second, third = (deposit_contract(staff, n) for n in range(3))
    back = reverse("contracts:list") + "?status=received"
    response = follow_post(
        staff_client,
        reverse("contracts:bulk"),
        {"action": "assign", "assignee": colleague.pk, "ids": [first.pk, second.pk], "back": back},
    )
    assert response.redirect_chain[-1][0] == back
    assert "2 dossier(s) attribué(s)" in " ".join(messages_of(response))
    assigned = dict(ApprenticeshipContract.objects.values_list("pk", "assigned_to"))
    assert assigned == {first.pk: colleague.pk, second.pk: colleague.pk, third.pk: None}
    assert AuditEntry.objects.filter(action="contract_assign").count() == 2
    # An external « back » is not followed; no gestionnaire chosen changes nothing.
    response = staff_client.post(reverse("contracts:bulk"), {"action": "assign", "ids": [third.pk], "back": "https://evil.test/"})
    assert response["Location"] == reverse("contracts:list")
    assert ApprenticeshipContract.objects.get(pk=third.pk).assigned_to is None


def test_bulk_accept_confirms_then_accepts_only_the_eligible(staff_client, staff, referentials):
    eligible = instruct(staff, deposit_contract(staff, 1))
    warned = instruct(staff, deposit_contract(staff, 2, idcc="9999"))  # unknown IDCC: OPCO_RATTACHEMENT « à examiner »
    blocked = instruct(
        staff, deposit_contract(staff, 3, **{"apprenti.date_naissance": "2010-09-01", "apprenti.premier_cycle_acheve": False})
    )
    received = deposit_contract(staff, 4)
    ids = [eligible.pk, warned.pk, blocked.pk, received.pk]

    page = staff_client.post(reverse("contracts:bulk"), {"action": "accept_eligible", "ids": ids})
    assert page.status_code == 200
    assert [c.contract.pk for c in page.context["eligible"]] == [eligible.pk, warned.pk]
    reasons = {c.contract.pk: c.reason for c in page.context["ineligible"]}
    assert reasons == {
        blocked.pk: "contrôles bloquants : AGE",
        received.pk: "statut « Reçu » : « Accepter la prise en charge » se fait sur un dossier « En instruction »",
    }
    html = page.content.decode()
    assert "À examiner : OPCO_RATTACHEMENT" in html and "Accepter 2 dossiers" in html
    assert ApprenticeshipContract.objects.filter(status=ContractStatus.ACCEPTED).count() == 0  # nothing yet

    response = follow_post(
        staff_client, reverse("contracts:bulk"), {"action": "accept_eligible", "confirm": "1", "ids": [eligible.pk, warned.pk]}
    )
    statuses = dict(ApprenticeshipContract.objects.values_list("pk", "status"))
    assert statuses == {
        eligible.pk: "accepted",
        warned.pk: "instruction",
        blocked.pk: "instruction",
        received.pk: "received",
    }
    assert list(Commitment.objects.values_list("contract_id", flat=True)) == [eligible.pk]
    text = " ".join(messages_of(response))
    assert f"1 dossier(s) accepté(s) : {eligible.file_number}" in text
    assert f"{warned.file_number} laissé pour examen individuel" in text and "OPCO_RATTACHEMENT" in text


def test_bulk_instruct_takes_the_new_files_and_says_why_the_others_are_left(staff_client, staff, referentials):
    new_one, new_two = deposit_contract(staff, 1), deposit_contract(staff, 2)
    already = instruct(staff, deposit_contract(staff, 3))
    response = follow_post(
        staff_client, reverse("contracts:bulk"), {"action": "instruct", "ids": [new_one.pk, new_two.pk, already.pk]}
    )
    statuses = dict(ApprenticeshipContract.objects.values_list("pk", "status"))
    assert statuses == {new_one.pk: "instruction", new_two.pk: "instruction", already.pk: "instruction"}
    text = messages_of(response)
    assert f"2 dossier(s) pris en instruction : {new_one.file_number}, {new_two.file_number}." in text
    assert (
        f"{already.file_number} non pris en instruction : statut « En instruction » : « Prendre en instruction » "
        "se fait sur un dossier « Reçu »." in text
    )
    assert AuditEntry.objects.filter(action="contract_instruct").count() == 3


def test_the_work_queue_takes_its_received_files_in_instruction_in_bulk(staff_client, staff, referentials):
    """The queue's own selection boxes (on received files only) post to the list's bulk path: the files
    taken are named, each file left says the workflow's reason, and the page comes back to the queue."""
    new_one, new_two = deposit_contract(staff, 1), deposit_contract(staff, 2)
    already = instruct(staff, deposit_contract(staff, 3))
    queue_url = reverse("contracts:queue")
    page = staff_client.get(queue_url).content.decode()
    assert f'action="{reverse("contracts:bulk")}" id="queue-bulk-form"' in page
    assert 'value="instruct" id="queue-bulk-instruct">Prendre en instruction la sélection' in page
    assert f'name="back" value="{queue_url}"' in page
    for contract in (new_one, new_two):
        assert f'name="ids" value="{contract.pk}"' in page
    assert f'name="ids" value="{already.pk}"' not in page  # already in instruction: no box

    # A box ticked, then the file taken by someone else before the click: it is left with its reason.
    instruct(staff, new_two)
    response = follow_post(
        staff_client, reverse("contracts:bulk"), {"action": "instruct", "back": queue_url, "ids": [new_one.pk, new_two.pk]}
    )
    assert response.redirect_chain[-1][0] == queue_url
    assert ApprenticeshipContract.objects.get(pk=new_one.pk).status == ContractStatus.UNDER_INSTRUCTION
    text = messages_of(response)
    assert f"1 dossier(s) pris en instruction : {new_one.file_number}." in text
    assert (
        f"{new_two.file_number} non pris en instruction : statut « En instruction » : « Prendre en instruction » "
        "se fait sur un dossier « Reçu »." in text
    )
    assert 'name="ids"' not in response.content.decode()  # nothing received is left to select
    assert AuditEntry.objects.filter(action="contract_instruct").count() == 3


def test_the_bulk_buttons_and_the_decision_buttons_follow_the_workflow_roles(client, make_user, staff, referentials):
    """Finance pays what was decided: it sees neither « Accepter la prise en charge » nor the bulk
    acceptance, and the service refuses it the same (one rule: the workflow's roles)."""
    from contracts.alternance.decisions import contract_accept
    from contracts.alternance.workflow import TransitionRefused

    contract = instruct(staff, deposit_contract(staff, 1))
    finance = make_user(kind="staff", groups=["finance"], email="finance-roles@opco.test")
    client.force_login(finance)
    listing = client.get(reverse("contracts:list")).content.decode()
    assert 'value="instruct"' in listing and 'value="accept_eligible"' not in listing
    detail = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "Accepter la prise en charge" not in detail and "Refuser la prise en charge" not in detail
    assert 'id="action-request_documents"' in detail
    with pytest.raises(TransitionRefused):
        contract_accept(actor=finance, contract_id=contract.pk)
    assert ApprenticeshipContract.objects.get(pk=contract.pk).status == "instruction"
    client.force_login(staff)  # a gestionnaire
    detail = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert 'id="action-accept" data-confirm="Accepter la prise en charge du dossier ' + contract.file_number in detail
    assert 'value="accept_eligible"' in client.get(reverse("contracts:list")).content.decode()


# --- Actions of the contract page -----------------------------------------------------------------------
def test_the_decision_forms_walk_a_file_to_its_rupture(staff_client, staff, referentials):
    contract = deposit_contract(staff, 1, idcc="9999")  # a warning to acknowledge
    detail = reverse("contracts:detail", args=[contract.pk])

    def status():
        return ApprenticeshipContract.objects.get(pk=contract.pk).status

    follow_post(staff_client, action_url(contract, "instruct"))
    assert status() == "instruction"
    response = follow_post(
        staff_client, action_url(contract, "request_documents"), {"request_documents-message": "La convention"}
    )
    assert status() == "incomplete" and "Dossier déclaré incomplet" in " ".join(messages_of(response))
    follow_post(staff_client, action_url(contract, "documents_received"), {"documents_received-on": "2025-09-10"})
    stored = ApprenticeshipContract.objects.get(pk=contract.pk)
    assert stored.status == "instruction" and stored.decision_due_on.isoformat() == "2025-09-30"

    html = staff_client.get(detail).content.decode()
    assert "À examiner : OPCO_RATTACHEMENT" in html and "accept-warnings_acknowledged" in html
    refused = follow_post(staff_client, action_url(contract, "accept"))
    assert status() == "instruction" and not Commitment.objects.exists()
    assert "confirmez l'acceptation" in " ".join(messages_of(refused))
    follow_post(staff_client, action_url(contract, "accept"), {"accept-warnings_acknowledged": "on"})
    assert status() == "accepted" and Commitment.objects.get(contract=contract).instalments.count() == 8

    follow_post(staff_client, action_url(contract, "deposit"), {"deposit-deca_number": "075202609000001"})
    assert status() == "deposited"
    follow_post(staff_client, action_url(contract, "start"))
    assert status() == "running"
    response = follow_post(
        staff_client,
        action_url(contract, "amend"),
        {"amend-amendment_type": "33", "amend-effective_on": "2026-06-01", "amend-end_date": "2028-08-31"},
    )
    assert "Avenant 33 enregistré" in " ".join(messages_of(response))
    assert ApprenticeshipContract.objects.get(pk=contract.pk).end_date.isoformat() == "2028-08-31"
    follow_post(
        staff_client,
        action_url(contract, "rupture"),
        {"rupture-rupture_date": "2026-12-31", "rupture-cause": "accord_commun"},
    )
    assert status() == "broken"
    html = staff_client.get(detail).content.decode()
    assert "superseded" in html and "Rupture au 31/12/2026" in html and "Avenant" in html
    actions = [e.action for e in AuditEntry.objects.filter(target_id=str(contract.pk)).order_by("id")]
    assert actions[-1] == "contract_rupture" and "contract_amend" in actions


def test_refuse_end_recheck_and_regularise_forms(staff_client, staff, referentials):
    refused = deposit_contract(staff, 1)
    follow_post(staff_client, action_url(refused, "refuse"), {"refuse-codes": ["AGE", "DUREE"], "refuse-text": "Âge"})
    stored = ApprenticeshipContract.objects.get(pk=refused.pk)
    assert (stored.status, stored.refusal_codes, stored.refusal_text) == ("refused", ["AGE", "DUREE"], "Âge")

    running = instruct(staff, deposit_contract(staff, 2))
    follow_post(staff_client, action_url(running, "accept"))
    for code in ("deposit", "start", "end"):
        follow_post(staff_client, action_url(running, code), {"deposit-deca_number": "075202609000002"})
    assert ApprenticeshipContract.objects.get(pk=running.pk).status == "ended"

    runs = CheckRun.objects.filter(contract=running).count()
    response = follow_post(staff_client, action_url(running, "recheck"))
    assert CheckRun.objects.filter(contract=running).count() == runs + 1
    assert "Contrôles relancés : dossier éligible." in messages_of(response)

    # Financed at amorçage, no level published for it: the regularisation is refused, nothing moves.
    commitment = Commitment.objects.get(contract=running)
    lines = list(commitment.instalments.values_list("id", "status", "net"))
    response = follow_post(staff_client, action_url(running, "regularise"))
    assert "Aucun niveau n'est encore publié" in " ".join(messages_of(response))
    assert list(commitment.instalments.values_list("id", "status", "net")) == lines
    assert Commitment.objects.get(pk=commitment.pk).npec == commitment.npec


@pytest.mark.parametrize(
    ("code", "data", "message"),
    [
        ("deposit", {"deposit-deca_number": "075202609000003"}, "« Enregistrer le dépôt (n° DECA) » est impossible"),
        ("accept", {}, "« Accepter la prise en charge » est impossible"),
        (
            "rupture",
            {"rupture-rupture_date": "2026-01-01", "rupture-cause": "autre"},
            "« Enregistrer une rupture » est impossible",
        ),
        ("amend", {"amend-amendment_type": "36", "amend-effective_on": "2026-01-01"}, "Un avenant ne s'enregistre que"),
        ("refuse", {}, "Un refus est motivé"),
        ("request_documents", {"request_documents-message": ""}, "Pièces ou informations demandées : Ce champ est obligatoire."),
        ("unknown", {}, None),
    ],
)
def test_a_refused_action_shows_why_and_changes_nothing(staff_client, staff, referentials, code, data, message):
    contract = deposit_contract(staff, 1)
    before = (ApprenticeshipContract.objects.filter(pk=contract.pk).values().get(), AuditEntry.objects.count())
    response = follow_post(staff_client, action_url(contract, code), data)
    if message is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert any(message in text for text in messages_of(response)), messages_of(response)
    after = (ApprenticeshipContract.objects.filter(pk=contract.pk).values().get(), AuditEntry.objects.count())
    assert after == before


def test_actions_answer_only_to_post(staff_client, staff, referentials):
    contract = deposit_contract(staff, 1)
    assert staff_client.get(action_url(contract, "instruct")).status_code == 405
    assert ApprenticeshipContract.objects.get(pk=contract.pk).status == "received"


# --- Documents ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("cerfa.pdf", PDF, None),
        ("scan.PNG", PNG, None),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, None),
        ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "dépasse 10 Mo"),
        ("notes.txt", b"hello", "Seuls les fichiers PDF, JPEG et PNG"),
        ("macro.docm", b"PK\x03\x04", "Seuls les fichiers PDF, JPEG et PNG"),
        ("image.pdf", PNG, "ne correspond pas au contenu"),
        ("empty.pdf", b"", "Le fichier soumis est vide"),
    ],
)
def test_document_upload_limits(staff_client, staff, referentials, name, content, error):
    contract = deposit_contract(staff, 1)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = follow_post(
        staff_client,
        reverse("contracts:document_upload", args=[contract.pk]),
        {"document-kind": "cerfa", "document-file": upload},
    )
    text = " ".join(messages_of(response))
    if error:
        assert error in text
        assert not ContractDocument.objects.exists()
        return
    document = ContractDocument.objects.get()
    assert (document.original_name, document.size, document.kind) == (name, len(content), "cerfa")
    assert name not in document.file.name  # stored under a random name
    download = staff_client.get(reverse("contracts:document", args=[contract.pk, document.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;") and name in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == content
    assert document.original_name in staff_client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert AuditEntry.objects.filter(action="contract_document_add").count() == 1


def test_a_document_is_downloaded_only_through_its_contract(staff_client, staff, referentials):
    first, second = deposit_contract(staff, 1), deposit_contract(staff, 2)
    upload = SimpleUploadedFile("cerfa.pdf", PDF)
    staff_client.post(reverse("contracts:document_upload", args=[first.pk]), {"document-kind": "cerfa", "document-file": upload})
    document = ContractDocument.objects.get()
    assert staff_client.get(reverse("contracts:document", args=[second.pk, document.pk])).status_code == 404
    assert "/media/" not in staff_client.get(reverse("contracts:detail", args=[first.pk])).content.decode()


# --- Deposit form ------------------------------------------------------------------------------------
def test_deposit_form_happy_path(staff_client, staff, referentials):
    payload = contract_payload(7, **{"apprenti.nir": "2 95 10 99 126 111 93", "formation.rncp": "37566"})
    response = staff_client.post(reverse("contracts:new"), form_data(payload))
    contract = ApprenticeshipContract.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("contracts:detail", args=[contract.pk])
    assert contract.apprentice_last_name == "Apprenti007" and contract.apprentice_nir == VALID_NIR
    assert contract.rncp == "RNCP37566" and contract.employer_idcc == "0843" and contract.level == 3
    assert contract.received_on.isoformat() == "2025-09-02"
    assert [(p.start.isoformat(), str(p.rate)) for p in contract.pay_periods.all()] == [
        ("2025-09-01", "43.00"),
        ("2026-09-01", "51.00"),
    ]
    assert [m.last_name for m in contract.masters.all()] == ["Maitre007"]
    assert "nir" not in contract.payload["apprenti"]
    assert contract.check_runs.get().eligible is True
    assert AuditEntry.objects.get(action="contract_deposit").actor == staff


def test_deposit_form_with_two_masters_and_four_pay_periods(staff_client, referentials):
    payload = contract_payload(
        8,
        **{
            "maitres_apprentissage": [
                base()["maitres_apprentissage"][0],
                {"nom": "Petit", "prenom": "Jean", "date_naissance": "1975-01-01", "experience_annees": 10},
            ],
            "contrat.remunerations": [
                {"date_debut": "2025-09-01", "date_fin": "2026-02-28", "taux": 43},
                {"date_debut": "2026-03-01", "date_fin": "2026-08-31", "taux": 43},
                {"date_debut": "2026-09-01", "date_fin": "2027-02-28", "taux": 51},
                {"date_debut": "2027-03-01", "date_fin": "2027-08-31", "taux": "51.5"},
            ],
        },
    )
    assert staff_client.post(reverse("contracts:new"), form_data(payload)).status_code == 302
    contract = ApprenticeshipContract.objects.get()
    assert contract.masters.count() == 2 and contract.pay_periods.count() == 4
    assert contract.check_runs.get().eligible is True


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"apprenti.nir": "123"}, "apprenti__nir", "NIR invalide"),
        ({"employeur.siret": None}, "employeur__siret", "champ obligatoire"),
        ({"contrat.date_debut": None}, "contrat__date_debut", "champ obligatoire"),
        ({"formation.niveau": None}, "formation__niveau", "champ obligatoire"),
        (
            {"contrat.remunerations": [{"date_debut": "2025-09-01", "date_fin": "2027-08-31", "taux": None}]},
            "contrat__remunerations__0__taux",
            "champ obligatoire",
        ),
        ({"contrat.remunerations": []}, "contrat__remunerations__0__date_debut", "au moins une période"),
        ({"maitres_apprentissage": []}, "maitres_apprentissage__0__nom", "au moins un maître"),
        ({"maitres_apprentissage.0.date_naissance": None}, "maitres_apprentissage__0__date_naissance", "obligatoire"),
        ({"contrat.date_fin": "2027-02-30"}, "contrat__date_fin", "Saisissez une date valide"),
    ],
)
def test_deposit_form_errors_name_their_fields_and_store_nothing(staff_client, referentials, changes, field, message):
    response = staff_client.post(reverse("contracts:new"), form_data(contract_payload(9, **changes)))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors.get(field, [])), form.errors
    assert f'data-field="{field}"' in response.content.decode()
    assert not ApprenticeshipContract.objects.exists() and not AuditEntry.objects.filter(action="contract_deposit").exists()
    assert "123" not in str(form.errors.get("apprenti__nir", ""))  # a NIR is never echoed in a message


def test_depositing_the_same_contract_twice_opens_the_existing_file(staff_client, staff, referentials):
    staff_client.post(reverse("contracts:new"), form_data(contract_payload(1)))
    existing = ApprenticeshipContract.objects.get()
    response = staff_client.post(reverse("contracts:new"), form_data(contract_payload(1)), follow=True)
    assert ApprenticeshipContract.objects.count() == 1
    assert response.redirect_chain[-1][0] == reverse("contracts:detail", args=[existing.pk])
    assert f"déjà été reçu : dossier {existing.file_number}" in " ".join(messages_of(response))


@pytest.mark.parametrize(
    ("url_name", "params", "expected"),
    [
        ("contracts:check_siret", {"employeur__siret": "444 922 389 00036"}, "SIRET valide"),
        ("contracts:check_siret", {"employeur__siret": "44492238900037"}, "Clé de contrôle invalide"),
        ("contracts:check_siret", {"employeur__siret": "4449223890003"}, "exactement 14 chiffres"),
        ("contracts:check_siret", {"cfa__siret": "44492238900036"}, "SIRET valide"),
        ("contracts:check_uai", {"cfa__uai": "0142321x"}, "UAI valide"),
        ("contracts:check_uai", {"cfa__uai": "0142321A"}, "la lettre est « X »"),
        ("contracts:check_uai", {"cfa__uai": "142321X"}, "7 chiffres suivis d'une lettre"),
        ("contracts:check_rncp", {"formation__rncp": "RNCP1"}, "« RNCP » suivi de 2 à 6 chiffres"),
        ("contracts:check_rncp", {"formation__rncp": "RNCP999999"}, "absente du Kit apprentissage"),
    ],
)
def test_as_you_type_checks(staff_client, referentials, url_name, params, expected):
    response = staff_client.get(reverse(url_name), params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert expected in unescape(response.content.decode())


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 9, 1), "CS - Employé traiteur, niveau 3 : ouverte à l'apprentissage, échéance le 31/08/2026."),
        (
            date(2026, 9, 1),
            "CS - Employé traiteur, niveau 3 : fiche échue le 31/08/2026 ; valable si le contrat est conclu avant.",
        ),
    ],
)
def test_the_rncp_check_names_the_fiche_and_its_expiry(staff_client, referentials, monkeypatch, today, expected):
    monkeypatch.setattr("contracts.views.deposit.timezone.localdate", lambda: today)
    response = staff_client.get(reverse("contracts:check_rncp"), {"formation__rncp": "37566"}, HTTP_HX_REQUEST="true")
    assert expected in unescape(response.content.decode())


def test_the_deposit_form_wires_the_live_checks(staff_client):
    html = staff_client.get(reverse("contracts:new")).content.decode()
    assert f'hx-get="{reverse("contracts:check_siret")}"' in html and 'hx-target="#hint-employeur__siret"' in html
    assert f'hx-get="{reverse("contracts:check_uai")}"' in html and f'hx-get="{reverse("contracts:check_rncp")}"' in html
    assert 'id="hint-formation__rncp"' in html and html.count('name="contrat__remunerations__3__taux"') == 1
    assert 'name="maitres_apprentissage__1__nom"' in html
