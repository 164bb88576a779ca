"""The deposit API (POST /api/v1/apprenticeship-contracts/, reading a file by its number, scoped) and
the bulk import (JSON lines and CSV, idempotent, through Celery), with its screens."""

import copy
import json
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from branches.models import Branch, BranchIdcc, BranchMembership
from contracts.alternance.imports import contract_import_request, contract_import_run, rows_of
from contracts.alternance.payload import InvalidPayload
from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract, CheckRun, Commitment, ContractImport, Instalment, PayPeriod
from opco.models import AuditEntry
from payments.enums import ScheduleStatus
from referentials.models import Company, Idcc
from sme_services.models import PortfolioCompany
from tests.conftest import need_postgres, need_redis
from tests.contracts.factories import DROP, VALID_NIR, base, changed

pytestmark = pytest.mark.django_db

DEPOSIT_URL = "/api/v1/apprenticeship-contracts/"


@pytest.fixture
def payload() -> dict:
    """The CHECKS.md payload of tests/contracts/test_checks.py: eligible once the referentials are in."""
    return {**base(), "recu_le": "2025-09-02"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


def post(client, data):
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(DEPOSIT_URL, data=body, content_type="application/json")


def apprentice(data: dict, name: str) -> dict:
    """Another apprentice in the same contract: another file."""
    return changed(data, {"apprenti.nom": name})


# --- POST: deposit ---------------------------------------------------------------------------------------
def test_a_deposit_creates_the_file_and_answers_its_checks(client, staff, payload, load):
    load("certifications", "idcc", "branches", "holidays", "legal_parameters")
    client.force_login(staff)
    response = post(client, changed(payload, {"apprenti.nir": VALID_NIR}))
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"file_number", "status", "decision_due_on", "checks"}
    contract = ApprenticeshipContract.objects.get()
    assert body["file_number"] == contract.file_number and contract.file_number.startswith("AP2025")
    assert body["status"] == ContractStatus.RECEIVED
    assert body["decision_due_on"] == "2025-09-22"  # received 2025-09-02 + 20 days (R6224-3)
    assert body["checks"]["eligible"] is True
    assert [check["status"] for check in body["checks"]["checks"]] == ["ok"] * 14
    assert response["Location"] == f"{DEPOSIT_URL}{contract.file_number}/"
    assert VALID_NIR not in response.content.decode()
    assert "nir" not in contract.payload["apprenti"]
    assert contract.masters.count() == 1 and contract.pay_periods.count() == 2
    assert AuditEntry.objects.filter(action="contract_deposit", source="api").count() == 1


def test_the_same_payload_posted_again_answers_200_with_the_same_file(client, staff, payload):
    client.force_login(staff)
    first = post(client, payload)
    again = post(client, copy.deepcopy(payload))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["file_number"] == first.json()["file_number"]
    assert again.json()["checks"] == first.json()["checks"]
    assert ApprenticeshipContract.objects.count() == 1 and CheckRun.objects.count() == 1
    assert post(client, apprentice(payload, "Autre")).status_code == 201  # another content: another file


def test_an_invalid_payload_is_refused_naming_the_fields_and_nothing_is_stored(client, staff, payload):
    client.force_login(staff)
    response = post(client, changed(payload, {"cfa.uai": DROP, "contrat.date_debut": "2025-02-30"}))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["cfa.uai"] == "champ obligatoire"
    assert errors["contrat.date_debut"] == "« 2025-02-30 » n'est pas une date valide (AAAA-MM-JJ)"
    assert post(client, [payload]).json() == {"errors": {"payload": "un objet JSON est attendu"}}
    assert post(client, "{pas du json").status_code == 400
    assert not ApprenticeshipContract.objects.exists() and not Company.objects.exists()
    assert not AuditEntry.objects.filter(action="contract_deposit").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"contrat.remunerations.0.taux": 1000}, "contrat.remunerations[0].taux"),
        ({"formation.distance_pct": 101}, "formation.distance_pct"),
        ({"maitres_apprentissage.0.experience_annees": 100}, "maitres_apprentissage[0].experience_annees"),
        ({"type_contrat": "111"}, "type_contrat"),
    ],
)
def test_a_payload_the_file_cannot_hold_is_refused_with_400_not_500(client, staff, payload, changes, field):
    client.force_login(staff)
    response = post(client, changed(payload, changes))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not ApprenticeshipContract.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code", "status"),
    [
        ({"contrat.date_fin": "2025-08-31"}, "DATES", "error"),  # ends before it starts
        ({"employeur.idcc": "12345"}, "OPCO_RATTACHEMENT", "warning"),
        ({"formation.duree_heures": "840.5"}, "FORMATION_DUREE", "ok"),
    ],
)
def test_a_file_the_checks_refuse_is_still_received(client, staff, payload, changes, code, status):
    """About a third of the files have errors: they are received, and the checks say why."""
    client.force_login(staff)
    response = post(client, changed(payload, changes))
    assert response.status_code == 201
    checks = {check["code"]: check["status"] for check in response.json()["checks"]["checks"]}
    assert checks[code] == status


@pytest.mark.parametrize("kind", ["advisor", "branch_rep"])
def test_only_staff_deposit(client, make_user, payload, kind):
    client.force_login(make_user(kind=kind))
    assert post(client, payload).status_code == 403
    assert not ApprenticeshipContract.objects.exists()


def test_anonymous_calls_are_refused(client, payload):
    assert post(client, payload).status_code == 403
    assert client.get(f"{DEPOSIT_URL}AP20250000001/").status_code == 403


# --- GET: one file, scoped -------------------------------------------------------------------------------
@pytest.fixture
def deposited(client, staff, payload):
    """A file of an employer in IDCC 0843, accepted with a commitment and two instalments."""
    client.force_login(staff)
    number = post(client, payload).json()["file_number"]
    client.logout()
    contract = ApprenticeshipContract.objects.get(file_number=number)
    contract.status = ContractStatus.ACCEPTED
    contract.decided_on = date(2025, 9, 10)
    contract.save()
    commitment = Commitment.objects.create(
        contract=contract,
        regime="R2025",
        npec=Decimal("8000.00"),
        npec_source="referentiel",
        annual_amount=Decimal("8000.00"),
        created_by=staff,
    )
    for kind, due, net, status in (
        ("advance", date(2025, 10, 1), Decimal("3200.00"), ScheduleStatus.PAID),
        ("month7", date(2026, 3, 1), Decimal("2400.00"), ScheduleStatus.PLANNED),
        ("month7", date(2026, 3, 2), Decimal("9.00"), ScheduleStatus.SUPERSEDED),
    ):
        Instalment.objects.create(commitment=commitment, year=1, kind=kind, due_date=due, gross=net, net=net, status=status)
    return contract


def test_staff_read_a_file_with_its_dates_commitment_and_instalments(client, staff, deposited):
    client.force_login(staff)
    response = client.get(f"{DEPOSIT_URL}{deposited.file_number}/")
    assert response.status_code == 200
    body = response.json()
    assert body["file_number"] == deposited.file_number
    assert (body["status"], body["status_label"]) == ("accepted", "Accepté")
    assert body["dates"] == {
        "signed_on": "2025-08-25",
        "start_date": "2025-09-01",
        "end_date": "2027-08-31",
        "received_on": "2025-09-02",
        "complete_on": "2025-09-02",
        "decision_due_on": "2025-09-22",
        "decided_on": "2025-09-10",
    }
    assert body["employer"] == {"siret": "00123456600014", "name": "Boulangerie du Marché", "idcc": "0843"}
    assert body["commitment"]["npec"] == "8000.00" and body["commitment"]["total_net"] == "5600.00"
    assert [(i["kind"], i["net"], i["status"]) for i in body["instalments"]] == [
        ("advance", "3200.00", "paid"),
        ("month7", "2400.00", "planned"),
        ("month7", "9.00", "superseded"),
    ]
    assert set(body["checks"]) == {"eligible", "checks"}
    text = response.content.decode()
    assert "nir" not in text.lower() and "Durand" not in text and "2007-03-14" not in text


def test_a_file_without_commitment_answers_null_and_no_instalments(client, staff, payload):
    client.force_login(staff)
    number = post(client, payload).json()["file_number"]
    body = client.get(f"{DEPOSIT_URL}{number}/").json()
    assert body["commitment"] is None and body["instalments"] == []


def _branch_rep_of(make_user, code: str):
    idcc, _ = Idcc.objects.get_or_create(code=code, defaults={"title": f"Convention {code}"})
    branch = Branch.objects.create(code=f"B-{code}", name=f"Branche {code}")
    BranchIdcc.objects.create(branch=branch, idcc=idcc)
    rep = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=rep, branch=branch)
    return rep


def _advisor_of(make_user, siret: str | None):
    advisor = make_user(kind="advisor")
    if siret:
        PortfolioCompany.objects.create(advisor=advisor, company=Company.objects.get(siret=siret))
    return advisor


def test_readers_see_the_files_of_their_scope_and_404_otherwise(client, make_user, deposited):
    url = f"{DEPOSIT_URL}{deposited.file_number}/"
    other_company = Company.objects.create(siret="44492238900036", siren="444922389", name="Autre")
    readers = {
        # Figures, not people (RGPD art. 5 1 c): a representative reads no file, not even their branch's.
        "branch rep of the employer's branch": (_branch_rep_of(make_user, "0843"), 403),
        "branch rep of another branch": (_branch_rep_of(make_user, "1090"), 403),
        "advisor following the employer": (_advisor_of(make_user, "00123456600014"), 200),
        "advisor following another company": (_advisor_of(make_user, other_company.siret), 404),
        "advisor without portfolio": (_advisor_of(make_user, None), 404),
    }
    # Advisors see files by their portfolio (opco.scoping); the referential now says the employer's
    # convention, which changes nothing for a representative: they open no file.
    Company.objects.filter(siret="00123456600014").update(idcc=Idcc.objects.get(code="0843"))
    for label, (user, expected) in readers.items():
        client.force_login(user)
        assert client.get(url).status_code == expected, label
        assert client.get(f"{DEPOSIT_URL}AP20259999999/").status_code == (403 if expected == 403 else 404), label


def test_openapi_schema_documents_deposit_and_reading(client, staff):
    client.force_login(staff)
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    deposit = schema["paths"]["/api/v1/apprenticeship-contracts/"]["post"]
    assert deposit["summary"] == "Déposer un contrat d'apprentissage"
    assert {"200", "201", "400"} <= set(deposit["responses"])
    reading = schema["paths"]["/api/v1/apprenticeship-contracts/{file_number}/"]["get"]
    assert reading["summary"] == "Consulter un dossier de contrat d'apprentissage"


# --- Bulk import ---------------------------------------------------------------------------------------------
def jsonl(*rows) -> bytes:
    return "\n".join(row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows).encode()


def import_file(staff, name: str, content: bytes, django_capture_on_commit_callbacks) -> ContractImport:
    """Upload and run the import as Celery would (eager in tests, after the commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        job = contract_import_request(actor=staff, upload=SimpleUploadedFile(name, content))
    job.refresh_from_db()
    return job


@pytest.fixture
def jsonl_file(payload) -> bytes:
    """Lines 1, 3 and 6 are good; 2 is not JSON, 4 lacks a field, 5 is a level 2 contract; 7 is blank."""
    return jsonl(
        apprentice(payload, "Un"),
        "{pas du json",
        apprentice(payload, "Trois"),
        changed(apprentice(payload, "Quatre"), {"contrat.date_fin": DROP}),
        changed(apprentice(payload, "Cinq"), {"formation.niveau": 9}),
        apprentice(payload, "Six"),
        "",
    )


def test_a_jsonl_import_keeps_good_rows_and_lists_bad_ones(staff, jsonl_file, django_capture_on_commit_callbacks):
    job = import_file(staff, "depots.jsonl", jsonl_file, django_capture_on_commit_callbacks)
    assert job.status == ContractImport.Status.DONE and job.finished_at
    assert (job.total, job.processed, job.created_count, job.duplicate_count, job.failed_count) == (6, 6, 3, 0, 3)
    assert job.percent == 100
    assert job.report == [
        {"line": 2, "errors": {"ligne": "JSON invalide : nom de champ entre guillemets doubles attendu (colonne 2)"}},
        {"line": 4, "errors": {"contrat.date_fin": "champ obligatoire"}},
        {"line": 5, "errors": {"formation.niveau": "un entier de 1 à 8 est attendu"}},
    ]
    names = set(ApprenticeshipContract.objects.values_list("apprentice_last_name", flat=True))
    assert names == {"Un", "Trois", "Six"}
    assert CheckRun.objects.count() == 3
    assert AuditEntry.objects.filter(action="contract_deposit", source="import").count() == 3
    done = AuditEntry.objects.get(action="contract_import_done")
    assert done.summary == "3 dossier(s) créé(s), 0 déjà reçu(s), 3 ligne(s) refusée(s)"


def test_reimporting_the_same_file_creates_no_duplicate(staff, jsonl_file, django_capture_on_commit_callbacks):
    import_file(staff, "depots.jsonl", jsonl_file, django_capture_on_commit_callbacks)
    again = import_file(staff, "depots-bis.jsonl", jsonl_file, django_capture_on_commit_callbacks)
    assert (again.created_count, again.duplicate_count, again.failed_count) == (0, 3, 3)
    assert ApprenticeshipContract.objects.count() == 3 and CheckRun.objects.count() == 3


def test_a_redelivered_task_does_nothing_the_second_time(staff, jsonl_file, django_capture_on_commit_callbacks):
    job = import_file(staff, "depots.jsonl", jsonl_file, django_capture_on_commit_callbacks)
    before = (job.created_count, job.duplicate_count, job.failed_count, len(job.report), job.finished_at)
    again = contract_import_run(job_id=job.pk)  # the same message delivered twice
    assert (again.created_count, again.duplicate_count, again.failed_count, len(again.report), again.finished_at) == before
    assert ApprenticeshipContract.objects.count() == 3
    assert AuditEntry.objects.filter(action="contract_import_done").count() == 1


def test_a_job_left_running_by_a_dead_worker_is_resumed_after_its_saved_progress(staff, jsonl_file):
    job = ContractImport.objects.create(
        file=SimpleUploadedFile("depots.jsonl", jsonl_file),
        original_name="depots.jsonl",
        requested_by=staff,
        status=ContractImport.Status.RUNNING,
        started_at=timezone.now() - timedelta(minutes=5),
        processed=2,
        created_count=1,
        failed_count=1,
        report=[{"line": 2, "errors": {"ligne": "JSON invalide"}}],
    )
    assert contract_import_run(job_id=job.pk).status == ContractImport.Status.RUNNING  # maybe still running: untouched
    assert not ApprenticeshipContract.objects.exists()
    ContractImport.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=2))
    job = contract_import_run(job_id=job.pk)  # its worker died more than the task time limit ago
    assert job.status == ContractImport.Status.DONE
    assert (job.processed, job.created_count, job.failed_count) == (6, 3, 3)
    assert [row["line"] for row in job.report] == [2, 4, 5]
    assert set(ApprenticeshipContract.objects.values_list("apprentice_last_name", flat=True)) == {"Trois", "Six"}


def test_a_bug_met_on_one_row_refuses_that_row_only(staff, jsonl_file, monkeypatch, django_capture_on_commit_callbacks):
    from contracts.alternance import imports

    real = imports.contract_deposit

    def flaky(*, data, **kwargs):
        if data["apprenti"]["nom"] == "Trois":
            raise ZeroDivisionError("bug")
        return real(data=data, **kwargs)

    real_build = imports.apprenticeship_contract

    def flaky_build(*, data, **kwargs):  # the same bug met by the batched path: it hands the batch over row by row
        if data["apprenti"]["nom"] == "Trois":
            raise ZeroDivisionError("bug")
        return real_build(data=data, **kwargs)

    monkeypatch.setattr(imports, "contract_deposit", flaky)
    monkeypatch.setattr(imports, "apprenticeship_contract", flaky_build)
    job = import_file(staff, "depots.jsonl", jsonl_file, django_capture_on_commit_callbacks)
    assert job.status == ContractImport.Status.DONE
    assert (job.created_count, job.failed_count) == (2, 4)
    assert {"line": 3, "errors": {"dossier": imports.INTERNAL_ERROR}} in job.report


def test_a_database_failure_stops_the_job_at_its_last_committed_batch(staff, payload, monkeypatch):
    from django.db import OperationalError

    from contracts.alternance import imports

    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    real = imports.contract_deposit

    def failing(*, data, **kwargs):
        if data["apprenti"]["nom"] == "Cinq":
            raise OperationalError("la base ne répond plus")
        return real(data=data, **kwargs)

    real_build = imports.apprenticeship_contract

    def failing_build(*, data, **kwargs):  # the batched path meets it first, then hands over row by row
        if data["apprenti"]["nom"] == "Cinq":
            raise OperationalError("la base ne répond plus")
        return real_build(data=data, **kwargs)

    monkeypatch.setattr(imports, "contract_deposit", failing)
    monkeypatch.setattr(imports, "apprenticeship_contract", failing_build)
    rows = [apprentice(payload, name) for name in ("Un", "Deux", "Trois", "Quatre", "Cinq", "Six")]
    job = ContractImport.objects.create(
        file=SimpleUploadedFile("depots.jsonl", jsonl(*rows)), original_name="depots.jsonl", requested_by=staff
    )
    with pytest.raises(OperationalError):
        contract_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ContractImport.Status.FAILED
    assert job.error == (
        "Interrompu après 4 ligne(s) : la base de données ne répond pas. Relancez l'import du même fichier : "
        "les dossiers déjà créés ne seront pas créés une seconde fois."
    )
    assert (job.processed, job.created_count, job.failed_count) == (4, 4, 0)
    assert ApprenticeshipContract.objects.count() == 4  # the batch under way (lines 5 and 6) was rolled back


CSV_HEADER = [
    "type_contrat",
    "employeur.siret",
    "employeur.denomination",
    "employeur.idcc",
    "employeur.effectif",
    "employeur.adresse.code_postal",
    "apprenti.nom",
    "apprenti.prenom",
    "apprenti.date_naissance",
    "apprenti.handicap",
    "apprenti.premier_cycle_acheve",
    "maitres_apprentissage",
    "formation.rncp",
    "formation.niveau",
    "formation.date_debut",
    "formation.duree_heures",
    "cfa.siret",
    "cfa.uai",
    "cfa.qualiopi",
    "contrat.date_conclusion",
    "contrat.date_debut",
    "contrat.date_fin",
    "contrat.date_debut_formation_pratique",
    "contrat.duree_hebdo_heures",
    "contrat.remunerations",
    "recu_le",
]


def csv_row(payload: dict, **cells) -> list[str]:
    flat = {
        "type_contrat": "11",
        "employeur.siret": payload["employeur"]["siret"],
        "employeur.denomination": "Boulangerie; du Marché",  # quoted by the writer: the delimiter inside
        "employeur.idcc": "0843",
        "employeur.effectif": "12",
        "employeur.adresse.code_postal": "01000",
        "apprenti.nom": "True",  # a name, not a boolean
        "apprenti.prenom": "Léa",
        "apprenti.date_naissance": "2007-03-14",
        "apprenti.handicap": "non",
        "apprenti.premier_cycle_acheve": "VRAI",
        "maitres_apprentissage": json.dumps(payload["maitres_apprentissage"], ensure_ascii=False),
        "formation.rncp": "RNCP37566",
        "formation.niveau": "3",
        "formation.date_debut": "2025-09-08",
        "formation.duree_heures": "840",
        "cfa.siret": payload["cfa"]["siret"],
        "cfa.uai": "0142321X",
        "cfa.qualiopi": "true",
        "contrat.date_conclusion": "2025-08-25",
        "contrat.date_debut": "2025-09-01",
        "contrat.date_fin": "2027-08-31",
        "contrat.date_debut_formation_pratique": "2025-09-01",
        "contrat.duree_hebdo_heures": "35,5",
        "contrat.remunerations": json.dumps(payload["contrat"]["remunerations"]),
        "recu_le": "2025-09-02",
    }
    flat.update(cells)
    return [flat[column] for column in CSV_HEADER]


def to_csv(rows: list[list[str]], delimiter=";") -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_a_csv_import_reads_dotted_columns_typed_cells_and_json_lists(staff, payload, django_capture_on_commit_callbacks):
    content = to_csv(
        [
            csv_row(payload),
            csv_row(payload, **{"apprenti.prenom": "Jean", "apprenti.handicap": "peut-être"}),
            csv_row(payload, **{"apprenti.prenom": "Paul", "contrat.remunerations": "43 % puis 51 %"}),
            csv_row(payload, **{"apprenti.prenom": "Zoé", "cfa.uai": "", "formation.niveau": "trois"}),
            csv_row(payload, **{"apprenti.prenom": "Éva", "contrat.duree_hebdo_heures": "35"}),
        ]
    )
    job = import_file(staff, "depots.csv", content, django_capture_on_commit_callbacks)
    assert (job.total, job.created_count, job.failed_count) == (5, 2, 3)
    assert job.report == [
        {"line": 3, "errors": {"apprenti.handicap": "true ou false (ou oui / non) est attendu"}},
        {
            "line": 4,
            "errors": {"contrat.remunerations": 'une liste JSON est attendue, par exemple [{"date_debut": "2025-09-01", …}]'},
        },
        {"line": 5, "errors": {"formation.niveau": "un nombre entier est attendu", "cfa.uai": "champ obligatoire"}},
    ]
    contract = ApprenticeshipContract.objects.get(apprentice_first_name="Léa")
    assert contract.apprentice_last_name == "True" and contract.apprentice_handicap is False
    assert contract.employer_name == "Boulangerie; du Marché" and contract.employer_headcount == 12
    assert contract.weekly_hours == Decimal("35.5") and contract.level == 3 and contract.training_hours == 840
    assert contract.payload["employeur"]["adresse"] == {"code_postal": "01000"}
    assert contract.payload["apprenti"]["premier_cycle_acheve"] is True
    assert list(PayPeriod.objects.filter(contract=contract).values_list("rate", flat=True)) == [Decimal(43), Decimal(51)]
    assert contract.masters.get().last_name == "Martin"
    again = import_file(staff, "depots.csv", content, django_capture_on_commit_callbacks)
    assert (again.created_count, again.duplicate_count, again.failed_count) == (0, 2, 3)


def test_csv_lists_may_come_as_indexed_columns_and_commas_as_delimiter():
    header = "employeur.siret,maitres_apprentissage.0.nom,maitres_apprentissage.1.nom,maitres_apprentissage.1.diplome_niveau,"
    header += "contrat.remunerations[0].taux,contrat.remunerations[0].date_debut,cfa.qualiopi\n"
    content = (header + '00123456600014,Martin,Petit,5,"43,5",2025-09-01,0\n').encode()
    [(line, row)] = list(rows_of("x.csv", content))
    assert line == 2
    assert row == {
        "employeur": {"siret": "00123456600014"},
        "maitres_apprentissage": [{"nom": "Martin"}, {"nom": "Petit", "diplome_niveau": 5}],
        "contrat": {"remunerations": [{"taux": "43.5", "date_debut": "2025-09-01"}]},
        "cfa": {"qualiopi": False},
    }


def test_unreadable_rows_are_named_by_line():
    content = "employeur.siret;cfa.uai\n00123456600014;0142321X;en trop\n".encode("cp1252")
    [(line, error)] = list(rows_of("x.csv", content))
    assert line == 2 and isinstance(error, InvalidPayload)
    assert error.errors == {"ligne": "1 valeur(s) de plus que de colonnes dans l'en-tête"}
    latin = "employeur.denomination\nBoulangerie Hélène\n".encode("cp1252")  # a spreadsheet's « CSV »
    assert list(rows_of("x.csv", latin)) == [(2, {"employeur": {"denomination": "Boulangerie Hélène"}})]
    assert list(rows_of("x.json", b'[{"a": 1}, {"b": 2}]')) == [(1, {"a": 1}), (2, {"b": 2})]


def test_an_upload_of_another_format_is_refused(staff):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        contract_import_request(actor=staff, upload=SimpleUploadedFile("depots.xlsx", b"PK"))
    assert caught.value.message_dict == {"file": ["Format attendu : CSV (.csv) ou JSON lignes (.jsonl)."]}
    assert not ContractImport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_runs_through_a_real_celery_worker_on_redis(make_user, payload):
    need_redis()
    need_postgres()
    from opco.celery import app

    assert app.conf.broker_url.startswith("redis://")
    staff = make_user(kind="staff")
    content = jsonl(apprentice(payload, "Un"), apprentice(payload, "Deux"), "{pas du json")
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge("contracts")
    except Exception:  # the queue does not exist yet
        pass
    try:
        with start_worker(app, pool="solo", queues=["contracts"], perform_ping_check=False, shutdown_timeout=30):
            job = contract_import_request(actor=staff, upload=SimpleUploadedFile("depots.jsonl", content))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.finished:
                    break
                time.sleep(0.2)
    finally:
        app.conf.task_always_eager = True
    assert job.status == ContractImport.Status.DONE, job.error
    assert (job.created_count, job.duplicate_count, job.failed_count) == (2, 0, 1)
    assert ApprenticeshipContract.objects.count() == 2


# --- Import screens ----------------------------------------------------------------------------------------------
def test_the_import_page_uploads_a_file_and_shows_progress_and_report(
    client, staff, jsonl_file, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    page = client.get(reverse("contract_imports:list"))
    assert page.status_code == 200 and "Importer un fichier de dossiers" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contract_imports:list"), {"file": SimpleUploadedFile("depots.jsonl", jsonl_file)})
    job = ContractImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("contract_imports:detail", args=[job.pk])
    detail = client.get(response["Location"]).content.decode()
    assert f"Import n° {job.pk} — depots.jsonl" in detail
    assert "Terminé" in detail and "6 / 6 lignes traitées" in detail and "100 %" in detail
    assert 'hx-trigger="every 2s"' not in detail  # finished: no more polling
    assert "Dossiers créés" in detail and '<strong class="fs-4">3</strong>' in detail
    assert "<code>formation.niveau</code>" in detail
    assert "un entier de 1 à 8 est attendu" in detail
    assert "<code>contrat.date_fin</code></td><td>champ obligatoire" in detail
    listing = client.get(reverse("contract_imports:list")).content.decode()
    assert "depots.jsonl" in listing
    report = client.get(reverse("contract_imports:report", args=[job.pk]))
    lines = b"".join(report.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Ligne;Champ;Motif" and "4;contrat.date_fin;champ obligatoire" in lines and len(lines) == 4


def test_a_running_import_is_polled_every_two_seconds(client, staff):
    job = ContractImport.objects.create(
        file=SimpleUploadedFile("depots.jsonl", b"{}"),
        original_name="depots.jsonl",
        requested_by=staff,
        status=ContractImport.Status.RUNNING,
        total=400,
        processed=200,
        created_count=150,
        failed_count=50,
        report=[{"line": 3, "errors": {"cfa.uai": "champ obligatoire"}}],
    )
    client.force_login(staff)
    partial = client.get(reverse("contract_imports:detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="import-progress"') and "<html" not in partial
    assert 'hx-trigger="every 2s"' in partial and f'hx-get="{reverse("contract_imports:detail", args=[job.pk])}"' in partial
    assert "En cours" in partial and "200 / 400 lignes traitées" in partial and "w-50" in partial
    assert "Lignes refusées" in partial and "import-report" not in partial  # the report comes once finished


def test_a_wrong_file_is_refused_on_the_form(client, staff):
    client.force_login(staff)
    response = client.post(reverse("contract_imports:list"), {"file": SimpleUploadedFile("depots.pdf", b"%PDF")})
    assert response.status_code == 200
    assert "Format attendu : CSV (.csv) ou JSON lignes (.jsonl)." in response.content.decode()
    assert not ContractImport.objects.exists()


@pytest.mark.parametrize("kind", ["advisor", "branch_rep"])
def test_import_screens_are_for_staff_only(client, make_user, staff, kind):
    job = ContractImport.objects.create(file=SimpleUploadedFile("a.jsonl", b"{}"), original_name="a.jsonl", requested_by=staff)
    client.force_login(make_user(kind=kind))
    assert client.get(reverse("contract_imports:list")).status_code == 403
    assert client.get(reverse("contract_imports:detail", args=[job.pk])).status_code == 403
    assert client.get(reverse("contract_imports:report", args=[job.pk])).status_code == 403
