"""The bulk import against files meant to break it: each row succeeds or fails on its own with a French
reason (a NUL byte, a line nested 50 000 deep, an integer of 5 000 digits, a cell beyond the CSV
limit, bytes of no known encoding); a job whose worker died is marked failed by the sweep; no Python
exception text reaches the report, the job's error or its page."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contracts.alternance import imports
from contracts.alternance.imports import contract_import_request, contract_import_run
from contracts.models import ApprenticeshipContract, ContractImport
from opco.models import AuditEntry
from tests.contracts.factories import base, changed

pytestmark = pytest.mark.django_db

DEPTH = 50_000
ENGLISH = ("Error", "codec", "Expecting", "Exceeds", "line contains", "field larger", "Traceback", "charmap", "utf-8")
ENCODING = (
    "ligne illisible : caractères d'un encodage inconnu (ni UTF-8 ni Windows-1252) ; "
    "enregistrez le fichier au format « CSV UTF-8 »"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def payload() -> dict:
    return {**base(), "recu_le": "2025-09-02"}


def named(payload: dict, name: str) -> dict:
    return changed(payload, {"apprenti.nom": name})


def run(staff, name: str, content: bytes, django_capture_on_commit_callbacks) -> ContractImport:
    with django_capture_on_commit_callbacks(execute=True):
        job = contract_import_request(actor=staff, upload=SimpleUploadedFile(name, content))
    job.refresh_from_db()
    return job


def jsonl(*rows) -> bytes:
    return b"\n".join(row if isinstance(row, bytes) else json.dumps(row, ensure_ascii=False).encode() for row in rows)


COLUMNS = [
    "apprenti.nom",
    "apprenti.date_naissance",
    "employeur.siret",
    "formation.rncp",
    "formation.niveau",
    "formation.date_debut",
    "formation.duree_heures",
    "cfa.siret",
    "cfa.uai",
    "maitres_apprentissage",
    "contrat.date_conclusion",
    "contrat.date_debut",
    "contrat.date_fin",
    "contrat.date_debut_formation_pratique",
    "contrat.remunerations",
    "recu_le",
]


def csv_row(payload: dict, name: str) -> list[str]:
    data = named(payload, name)
    values = []
    for column in COLUMNS:
        value = data
        for part in column.split("."):
            value = value[part]
        values.append(json.dumps(value) if isinstance(value, list) else str(value))
    return values


def csv_bytes(*rows: list[str], encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows([COLUMNS, *rows])
    return text.getvalue().encode(encoding)


def no_python_text(job: ContractImport) -> None:
    text = job.error + json.dumps(job.report, ensure_ascii=False)
    assert not any(word in text for word in ENGLISH), text


def names() -> set[str]:
    return set(ApprenticeshipContract.objects.values_list("apprentice_last_name", flat=True))


# --- One row, one outcome ------------------------------------------------------------------------------------
def test_a_nul_byte_in_one_csv_row_refuses_that_row_only(staff, payload, django_capture_on_commit_callbacks):
    content = csv_bytes(
        csv_row(payload, "Un"), csv_row(payload, "De\x00ux"), csv_row(payload, "Trois"), csv_row(payload, "Quatre")
    )
    job = run(staff, "depots.csv", content, django_capture_on_commit_callbacks)
    assert job.status == ContractImport.Status.DONE, job.error
    assert (job.created_count, job.failed_count) == (3, 1)
    assert job.report == [{"line": 3, "errors": {"apprenti.nom": "caractère nul (U+0000) interdit"}}]
    assert names() == {"Un", "Trois", "Quatre"}
    no_python_text(job)


def test_a_nul_byte_in_one_json_line_refuses_that_line_only(staff, payload, django_capture_on_commit_callbacks):
    extra = changed(named(payload, "Deux"), {"commentaire": "a\x00b"})  # a key the checks do not read: kept in the payload
    job = run(
        staff, "depots.jsonl", jsonl(named(payload, "Un"), extra, named(payload, "Trois")), django_capture_on_commit_callbacks
    )
    assert (job.status, job.created_count, job.failed_count) == (ContractImport.Status.DONE, 2, 1)
    assert job.report == [{"line": 2, "errors": {"commentaire": "caractère nul (U+0000) interdit"}}]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"[" * DEPTH + b"]" * DEPTH, "JSON refusé : plus de 16 niveaux d'imbrication (colonne 17)"),
        (b'{"a": ' * DEPTH + b"1" + b"}" * DEPTH, "JSON refusé : plus de 16 niveaux d'imbrication (colonne 97)"),
        (b'{"employeur": {"effectif": ' + b"9" * 5000 + b"}}", "JSON invalide : nombre de plus de 4\u202f300 chiffres"),
        (b'{"taux": NaN}', "JSON invalide : NaN et Infinity ne sont pas des nombres JSON"),
        (b"{pas du json", "JSON invalide : nom de champ entre guillemets doubles attendu (colonne 2)"),
        (b'{"nom": "\xff"}', "ligne illisible : ce n'est pas du texte UTF-8 (octet 0xff, colonne 10)"),
        (b"[1, 2]", "un objet JSON est attendu"),
    ],
)
def test_a_json_line_that_cannot_be_read_is_refused_alone(staff, payload, django_capture_on_commit_callbacks, line, reason):
    content = jsonl(named(payload, "Un"), named(payload, "Deux"), line, named(payload, "Quatre"))
    job = run(staff, "depots.jsonl", content, django_capture_on_commit_callbacks)
    assert job.status == ContractImport.Status.DONE, job.error
    assert (job.created_count, job.failed_count) == (3, 1)
    [refused] = job.report
    assert refused["line"] == 3 and list(refused["errors"].values()) == [reason], refused
    no_python_text(job)


def test_a_json_array_nested_too_deep_is_refused_in_french(staff, django_capture_on_commit_callbacks):
    job = run(staff, "depots.json", b"[" * DEPTH + b"]" * DEPTH, django_capture_on_commit_callbacks)
    assert job.status == ContractImport.Status.DONE
    assert job.report == [
        {"line": 1, "errors": {"ligne": "JSON refusé : plus de 16 niveaux d'imbrication (ligne 1, colonne 17)"}}
    ]


def test_a_csv_list_cell_nested_too_deep_refuses_its_row(staff, payload, django_capture_on_commit_callbacks):
    deep = csv_row(payload, "Deux")
    deep[COLUMNS.index("maitres_apprentissage")] = "[" * DEPTH + "]" * DEPTH
    job = run(staff, "depots.csv", csv_bytes(csv_row(payload, "Un"), deep), django_capture_on_commit_callbacks)
    assert (job.status, job.created_count, job.failed_count) == (ContractImport.Status.DONE, 1, 1)
    assert job.report == [{"line": 3, "errors": {"maitres_apprentissage": "JSON refusé : plus de 16 niveaux d'imbrication"}}]


@pytest.mark.parametrize(
    ("column", "field"), [("formation.niveau", "formation.niveau"), ("formation.duree_heures", "formation.duree_heures")]
)
def test_a_csv_integer_of_5000_digits_refuses_its_row_in_french(
    staff, payload, django_capture_on_commit_callbacks, column, field
):
    huge = csv_row(payload, "Deux")
    huge[COLUMNS.index(column)] = "9" * 5000
    job = run(staff, "depots.csv", csv_bytes(csv_row(payload, "Un"), huge), django_capture_on_commit_callbacks)
    assert (job.status, job.created_count, job.failed_count) == (ContractImport.Status.DONE, 1, 1)
    assert job.report == [{"line": 3, "errors": {field: "nombre trop grand"}}]


def test_a_csv_cell_beyond_the_csv_limit_refuses_its_row(staff, payload, django_capture_on_commit_callbacks):
    huge = csv_row(payload, "Deux")
    huge[COLUMNS.index("apprenti.nom")] = "x" * 200_000
    content = csv_bytes(csv_row(payload, "Un"), huge, csv_row(payload, "Trois"))
    job = run(staff, "depots.csv", content, django_capture_on_commit_callbacks)
    assert job.status == ContractImport.Status.DONE, job.error
    assert (job.created_count, job.failed_count) == (2, 1)
    assert job.report == [{"line": 3, "errors": {"ligne": "ligne illisible : une cellule dépasse 131\u202f072 caractères"}}]
    no_python_text(job)


def test_bytes_of_no_known_encoding_refuse_their_row_with_a_french_reason(staff, payload, django_capture_on_commit_callbacks):
    """0x81 is neither UTF-8 nor Windows-1252 (« 'charmap' codec can't decode byte 0x81 »)."""
    rows = [csv_row(payload, "Un"), csv_row(payload, "Deux"), csv_row(payload, "Trois")]
    content = csv_bytes(*rows).replace(b"Deux", b"D\x81eux")
    job = run(staff, "depots.csv", content, django_capture_on_commit_callbacks)
    assert job.status == ContractImport.Status.DONE, job.error
    assert (job.created_count, job.failed_count) == (2, 1)
    assert job.report == [{"line": 3, "errors": {"ligne": ENCODING}}]
    assert names() == {"Un", "Trois"}
    no_python_text(job)


def test_a_windows_1252_csv_is_still_read(staff, payload, django_capture_on_commit_callbacks):
    content = csv_bytes(csv_row(payload, "Hélène"), csv_row(payload, "Zoé"), encoding="cp1252")
    job = run(staff, "depots.csv", content, django_capture_on_commit_callbacks)
    assert (job.status, job.created_count, job.failed_count) == (ContractImport.Status.DONE, 2, 0)
    assert names() == {"Hélène", "Zoé"}


def test_a_json_array_that_is_not_utf8_fails_the_file_in_french(staff, django_capture_on_commit_callbacks):
    job = run(staff, "depots.json", '[{"nom": "Hélène"}]'.encode("cp1252"), django_capture_on_commit_callbacks)
    assert job.status == ContractImport.Status.FAILED
    assert job.error == "Fichier illisible : un fichier JSON doit être encodé en UTF-8 (octet 0xe9 à la position 12)."
    no_python_text(job)


# --- A job never stays « en cours » ------------------------------------------------------------------------------
def test_a_job_whose_reading_crashes_is_marked_failed_in_french(staff, payload, monkeypatch, django_capture_on_commit_callbacks):
    def crash(name, content):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(imports, "rows_of", crash)
    job = run(staff, "depots.jsonl", jsonl(named(payload, "Un")), django_capture_on_commit_callbacks)
    assert job.status == ContractImport.Status.FAILED and job.finished_at
    assert job.error == "Fichier illisible : erreur interne à la lecture (signalée à l'équipe technique)."
    no_python_text(job)


def test_a_database_failure_is_told_in_french(staff, payload, monkeypatch):
    from django.db import OperationalError

    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    real = imports.contract_deposit

    def failing(*, data, **kwargs):
        if data["apprenti"]["nom"] == "Trois":
            raise OperationalError("server closed the connection unexpectedly")
        return real(data=data, **kwargs)

    real_build = imports.apprenticeship_contract

    def failing_build(*, data, **kwargs):  # the batched path meets it first, then hands over row by row
        if data["apprenti"]["nom"] == "Trois":
            raise OperationalError("server closed the connection unexpectedly")
        return real_build(data=data, **kwargs)

    monkeypatch.setattr(imports, "contract_deposit", failing)
    monkeypatch.setattr(imports, "apprenticeship_contract", failing_build)
    job = ContractImport.objects.create(
        file=SimpleUploadedFile("d.jsonl", jsonl(*(named(payload, n) for n in ("Un", "Deux", "Trois")))),
        original_name="d.jsonl",
        requested_by=staff,
    )
    with pytest.raises(OperationalError):
        contract_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ContractImport.Status.FAILED
    assert job.error == (
        "Interrompu après 2 ligne(s) : la base de données ne répond pas. Relancez l'import du même fichier : "
        "les dossiers déjà créés ne seront pas créés une seconde fois."
    )
    no_python_text(job)


def stale(staff, minutes: int, status=ContractImport.Status.RUNNING, processed: int = 3) -> ContractImport:
    return ContractImport.objects.create(
        file=SimpleUploadedFile("d.jsonl", b"{}"),
        original_name="d.jsonl",
        requested_by=staff,
        status=status,
        total=10,
        processed=processed,
        started_at=timezone.now() - timedelta(minutes=minutes),
    )


def test_the_sweep_marks_a_job_left_running_past_two_hours_as_failed(staff):
    dead = stale(staff, 121)
    alive = stale(staff, 119)
    done = stale(staff, 600, status=ContractImport.Status.DONE)
    assert imports.contract_imports_fail_stale() == 1
    dead.refresh_from_db(), alive.refresh_from_db(), done.refresh_from_db()
    assert (dead.status, alive.status, done.status) == ("failed", "running", "done")
    assert dead.finished_at is not None
    assert dead.error == (
        "Interrompu après 3 ligne(s) sur 10 : le traitement ne répond plus depuis plus de 2 heures. Relancez l'import du "
        "même fichier : les dossiers déjà créés ne seront pas créés une seconde fois."
    )
    entry = AuditEntry.objects.get(action="contract_import_failed")
    assert (entry.source, entry.summary) == ("task", f"Import n° {dead.pk} marqué en échec : {dead.error}")
    assert imports.contract_imports_fail_stale() == 0  # once


def test_a_swept_job_is_not_resumed_by_a_late_message(staff):
    job = stale(staff, 180)
    imports.contract_imports_fail_stale()
    assert contract_import_run(job_id=job.pk).status == ContractImport.Status.FAILED


def test_the_sweep_is_a_beat_task(staff):
    from contracts.tasks import fail_stale_contract_imports
    from opco.celery import app

    schedules = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "contracts.tasks.fail_stale_contract_imports" in schedules
    stale(staff, 300)
    assert fail_stale_contract_imports.delay().get() == 1


def test_the_page_of_a_swept_job_stops_polling_and_says_why(client, staff):
    job = stale(staff, 300)
    imports.contract_imports_fail_stale()
    client.force_login(staff)
    page = client.get(reverse("contract_imports:detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' not in page
    assert "le traitement ne répond plus depuis plus de 2 heures" in page


def _deposited(contract: ApprenticeshipContract) -> dict:
    """What a deposit leaves behind, whatever the path: the file, its people, its checks, its audit entry."""
    from opco.audit import history_of

    return {
        "number": contract.file_number == f"AP{contract.received_on.year}{contract.pk:07d}",
        "key": bool(contract.import_key),
        "masters": list(contract.masters.values_list("last_name", "birth_date")),
        "periods": list(contract.pay_periods.values_list("start", "end", "rate")),
        "checks": contract.check_runs.count(),
        "audit": [entry.action for entry in history_of(contract)],
    }


def test_the_batched_path_writes_what_the_row_by_row_path_writes(staff, payload, monkeypatch):
    """Same rows through the batched path and through the row-by-row path (the batch disabled): the same
    files, file numbers, fingerprints, masters, pay periods, check verdicts and audit entries; a refused
    row and a duplicate row in the middle of the batch store nothing."""
    from contracts.models import CheckRun

    names = ("Un", "Deux", "Trois", "Quatre")
    bad = {**named(payload, "Refusé"), "formation": {**payload["formation"], "niveau": "x"}}
    content = jsonl(named(payload, "Un"), bad, *(named(payload, n) for n in names[1:]), named(payload, "Un"))

    def run(file_name: str) -> tuple[ContractImport, list[dict], list]:
        job = ContractImport.objects.create(
            file=SimpleUploadedFile(file_name, content), original_name=file_name, requested_by=staff
        )
        job = contract_import_run(job_id=job.pk)
        contracts = list(ApprenticeshipContract.objects.filter(apprentice_last_name__in=names).order_by("pk"))
        verdicts = [CheckRun.objects.filter(contract=c).values_list("eligible", "results").get() for c in contracts]
        return job, [_deposited(c) for c in contracts], verdicts

    from referentials.validators import normalize_identifier
    from tests.referentials.factories import CompanyFactory, IdccFactory

    # The employer is known with another IDCC than the one typed: OPCO_RATTACHEMENT warns on both paths.
    CompanyFactory(siret=normalize_identifier(payload["employeur"]["siret"]), idcc=IdccFactory(code="2596"))
    batched, batched_rows, batched_checks = run("a.jsonl")
    assert all("2596" in str(results) for _, results in batched_checks)
    assert (batched.created_count, batched.duplicate_count, batched.failed_count) == (4, 1, 1)
    assert [row["line"] for row in batched.report] == [2]
    assert all(row["number"] and row["key"] and row["audit"] == ["contract_deposit"] for row in batched_rows)
    ApprenticeshipContract.objects.filter(apprentice_last_name__in=names).delete()

    monkeypatch.setattr(imports, "_import_batch", lambda job, actor, chunk: False)
    one_by_one, rows, checks = run("b.jsonl")
    assert (one_by_one.created_count, one_by_one.duplicate_count, one_by_one.failed_count) == (4, 1, 1)
    assert one_by_one.report == batched.report
    assert rows == batched_rows
    assert checks == batched_checks
