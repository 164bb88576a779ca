"""Bulk import of deposit payloads: a CSV (dotted column names, lists as JSON) or JSON lines, one
contract per row. Run by Celery with progress; good rows are kept, bad ones listed with their
reasons; re-importing the same file creates no duplicate (deposits are idempotent).

CSV cells are text: a column is converted by what the payload expects there (booleans, integers,
numbers with a decimal point or comma), never by what the cell looks like, so that a name « True »
or a postal code « 01000 » stays text. Lists come as one JSON cell (`maitres_apprentissage`,
`contrat.remunerations`) or as indexed columns (`maitres_apprentissage.0.nom`,
`contrat.remunerations.1.taux`).
"""

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from contracts.alternance.deposit import Deposit, contract_deposit, payload_key
from contracts.alternance.payload import InvalidPayload
from contracts.alternance.reference_cache import reference_cache
from contracts.models import ApprenticeshipContract, ContractImport
from opco import audit

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 20 * 1024 * 1024
LIST_COLUMNS = {"maitres_apprentissage", "contrat.remunerations"}
BOOLEAN_COLUMNS = {
    "apprenti.handicap",
    "apprenti.premier_cycle_acheve",
    "apprenti.projet_creation_reprise_entreprise",
    "apprenti.sportif_haut_niveau",
    "maitres_apprentissage.diplome_meme_domaine",
    "cfa.qualiopi",
}
INTEGER_COLUMNS = {"employeur.effectif", "formation.niveau", "maitres_apprentissage.diplome_niveau"}
NUMBER_COLUMNS = {
    "formation.duree_heures",
    "formation.distance_pct",
    "maitres_apprentissage.experience_annees",
    "contrat.duree_hebdo_heures",
    "contrat.salaire_brut_mensuel_embauche",
    "contrat.remunerations.taux",
}
TRUE_WORDS, FALSE_WORDS = {"true", "vrai", "oui", "1"}, {"false", "faux", "non", "0"}
PROGRESS_EVERY = 100
# A running job whose worker died is redelivered (acks late); after the task time limit nobody can
# still be running it, so it is taken over where its progress was last saved.
STALE_AFTER = timedelta(hours=1)
_INDEX_RE = re.compile(r"^(?P<list>.+?)(?:\.(?P<dot>\d+)|\[(?P<bracket>\d+)\])\.(?P<rest>.+)$")
_INTEGER_RE = re.compile(r"^[+-]?\d+$")
_NUMBER_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


# --- Reading a file ---------------------------------------------------------------------------------
def rows_of(name: str, content: bytes) -> Iterator[tuple[int, Any]]:
    """(line number, payload) for each row of the file, or (line number, InvalidPayload) for a row
    that cannot be read (its errors name the line or the columns)."""
    if name.lower().endswith((".jsonl", ".ndjson", ".json")):
        yield from _json_rows(name, content.decode("utf-8-sig"))
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252")  # what a French spreadsheet saves as « CSV » by default
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    for row in reader:
        try:
            yield reader.line_num, _nest(row)
        except InvalidPayload as exc:
            yield reader.line_num, exc


def _json_rows(name: str, text: str) -> Iterator[tuple[int, Any]]:
    if name.lower().endswith(".json") and text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            yield exc.lineno, InvalidPayload({"ligne": f"JSON invalide : {exc.msg} (colonne {exc.colno})"})
            return
        yield from enumerate(items, start=1)  # a JSON array: its elements are numbered from 1
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, InvalidPayload({"ligne": f"JSON invalide : {exc.msg} (colonne {exc.colno})"})


def _cell(kind: str, value: str) -> Any:
    """The value a CSV cell stands for, by the column's kind (see the module's docstring)."""
    text = value.strip()
    if kind in LIST_COLUMNS:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ValueError('une liste JSON est attendue, par exemple [{"date_debut": "2025-09-01", …}]')
    if kind in BOOLEAN_COLUMNS:
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise ValueError("true ou false (ou oui / non) est attendu")
    if kind in INTEGER_COLUMNS and _INTEGER_RE.match(text):
        return int(text)
    if kind in NUMBER_COLUMNS and _NUMBER_RE.match(text):
        text = text.replace(",", ".")
        return int(text) if _INTEGER_RE.match(text) else text  # kept as text: read exactly as Decimal
    return text


def _nest(row: dict[str | None, Any]) -> dict:
    """{"employeur.siret": "…"} → {"employeur": {"siret": "…"}}; empty cells are absent."""
    payload: dict = {}
    errors: dict[str, str] = {}
    if row.get(None):
        errors["ligne"] = f"{len(row[None])} valeur(s) de plus que de colonnes dans l'en-tête"
    for column, value in row.items():
        if column is None or value is None or value.strip() == "":
            continue
        column = column.strip()
        indexed = _INDEX_RE.match(column)
        kind = f"{indexed['list']}.{indexed['rest']}" if indexed else column
        try:
            cell = _cell(kind, value)
        except ValueError as exc:
            errors[column] = str(exc)
            continue
        if indexed:
            items = payload
            *parents, leaf = indexed["list"].split(".")
            for part in parents:
                items = items.setdefault(part, {})
            items = items.setdefault(leaf, [])
            if not isinstance(items, list):
                errors[column] = f"la colonne « {indexed['list']} » est déjà donnée comme une liste JSON"
                continue
            position = int(indexed["dot"] or indexed["bracket"])
            while len(items) <= position:
                items.append({})
            target, path = items[position], indexed["rest"]
        else:
            target, path = payload, column
        *parents, leaf = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = cell
    if errors:
        raise InvalidPayload(errors)
    return payload


# --- One deposit, every refusal as InvalidPayload ------------------------------------------------
def deposit_or_refuse(*, actor, data: Any, source: str) -> Deposit:
    """`contract_deposit`, with every refusal as InvalidPayload naming the field (nothing stored);
    a concurrent identical deposit (the unique fingerprint) is answered as « already received »."""
    try:
        return contract_deposit(actor=actor, data=data, source=source)
    except ValidationError as exc:
        raise InvalidPayload({"employeur": " ".join(exc.messages)})
    except IntegrityError:
        existing = ApprenticeshipContract.objects.filter(import_key=payload_key(data)).first()
        if existing is not None:
            return Deposit(existing, created=False)
        logger.exception("Dépôt refusé par une contrainte de la base")
        raise InvalidPayload({"dossier": "le dossier ne respecte pas une contrainte d'enregistrement"})


# --- The job -------------------------------------------------------------------------------------
def contract_import_request(*, actor, upload: UploadedFile) -> ContractImport:
    if upload.size > MAX_IMPORT_BYTES:
        raise ValidationError({"file": f"Fichier trop volumineux ({upload.size // 1_000_000} Mo) : 20 Mo au plus."})
    if not upload.name.lower().endswith((".csv", ".jsonl", ".ndjson", ".json")):
        raise ValidationError({"file": "Format attendu : CSV (.csv) ou JSON lignes (.jsonl)."})
    from contracts.tasks import run_contract_import

    with transaction.atomic():
        job = ContractImport(file=upload, original_name=upload.name[:255], requested_by=actor)
        job.save()
        audit.record(actor=actor, action="contract_import_requested", target=job, summary=f"Import de « {upload.name} » demandé")
        transaction.on_commit(lambda: run_contract_import.delay(job.pk))
    return job


def _claim(job_id: int) -> bool:
    """Compare-and-swap: only one delivery of the message runs the job."""
    queued = ContractImport.objects.filter(pk=job_id, status=ContractImport.Status.QUEUED)
    if queued.update(status=ContractImport.Status.RUNNING, started_at=timezone.now()):
        return True
    stale = ContractImport.objects.filter(
        pk=job_id, status=ContractImport.Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    )
    return bool(stale.update(started_at=timezone.now()))


INTERNAL_ERROR = "erreur interne à l'enregistrement (signalée à l'équipe technique)"
PROGRESS_FIELDS = ["processed", "created_count", "duplicate_count", "failed_count", "report"]


def contract_import_run(*, job_id: int) -> ContractImport:
    """Claimed by compare-and-swap (a redelivered message does nothing). Rows are deposited by
    batches of PROGRESS_EVERY, each batch in one transaction with its progress and each row in its
    own savepoint: a bad row never undoes the good ones, a commit is paid per batch rather than per
    row, and a job taken over from a dead worker (after STALE_AFTER) resumes exactly after the last
    committed batch."""
    claimed = _claim(job_id)
    job = ContractImport.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        with job.file.open("rb") as handle:
            rows = list(rows_of(job.original_name, handle.read()))
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        job.status, job.error, job.finished_at = ContractImport.Status.FAILED, f"Fichier illisible : {exc}", timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.total = len(rows)
    job.save(update_fields=["total"])
    actor = job.requested_by
    try:
        with reference_cache():  # reference data read once for the whole job
            _import_rows(job, actor, rows)
    except Exception as exc:
        logger.exception("Import de contrats n° %s interrompu", job_id)
        job.refresh_from_db(fields=PROGRESS_FIELDS)  # the batch under way was rolled back
        job.status, job.finished_at = ContractImport.Status.FAILED, timezone.now()
        job.error = f"Interrompu après {job.processed} ligne(s) : {type(exc).__name__}"
        job.save(update_fields=[*PROGRESS_FIELDS, "status", "error", "finished_at"])
        raise
    job.status, job.finished_at = ContractImport.Status.DONE, timezone.now()
    job.save(update_fields=[*PROGRESS_FIELDS, "status", "finished_at"])
    audit.record(
        actor=actor,
        action="contract_import_done",
        target=job,
        source="task",
        summary=(
            f"{job.created_count} dossier(s) créé(s), {job.duplicate_count} déjà reçu(s), {job.failed_count} ligne(s) refusée(s)"
        ),
    )
    return job


def _import_rows(job: ContractImport, actor, rows: list) -> None:
    for first in range(job.processed, len(rows), PROGRESS_EVERY):
        with transaction.atomic():
            for index in range(first, min(first + PROGRESS_EVERY, len(rows))):
                line, payload = rows[index]
                _import_row(job, actor, line, payload)
                job.processed = index + 1
            job.save(update_fields=PROGRESS_FIELDS)


def _import_row(job: ContractImport, actor, line: int, payload: Any) -> None:
    if isinstance(payload, InvalidPayload):
        job.failed_count += 1
        job.report.append({"line": line, "errors": payload.errors})
        return
    try:
        deposit = deposit_or_refuse(actor=actor, data=payload, source="import")
    except InvalidPayload as exc:
        job.failed_count += 1
        job.report.append({"line": line, "errors": exc.errors})
    except DatabaseError:
        raise  # the database is gone: the job stops (and says where), it does not refuse every row
    except Exception:
        # A bug met on one row must not stop the other thousands: the row is refused and logged.
        logger.exception("Import de contrats n° %s : erreur interne à la ligne %s", job.pk, line)
        job.failed_count += 1
        job.report.append({"line": line, "errors": {"dossier": INTERNAL_ERROR}})
    else:
        if deposit.created:
            job.created_count += 1
        else:
            job.duplicate_count += 1
