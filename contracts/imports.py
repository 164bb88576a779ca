"""Bulk import of deposit payloads: a CSV (dotted column names, lists as JSON) or JSON lines, one
contract per row. Run by Celery with progress; good rows are kept, bad ones listed with their
reasons; re-importing the same file creates no duplicate (deposits are idempotent)."""

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from contracts.models import ContractImport
from contracts.payload import InvalidPayload
from contracts.services import contract_deposit
from opco import audit

MAX_IMPORT_BYTES = 20 * 1024 * 1024
LIST_COLUMNS = {"maitres_apprentissage", "contrat.remunerations"}
PROGRESS_EVERY = 100


def rows_of(name: str, content: bytes) -> Iterator[tuple[int, Any]]:
    """(line number, payload or a French error string) for each row of the file."""
    text = content.decode("utf-8-sig")
    if name.lower().endswith((".jsonl", ".ndjson", ".json")):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"JSON invalide : {exc.msg} (colonne {exc.colno})"
        return
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    for row in reader:
        try:
            yield reader.line_num, _nest(row)
        except ValueError as exc:
            yield reader.line_num, str(exc)


def _nest(row: dict[str, str]) -> dict:
    """{"employeur.siret": "…"} → {"employeur": {"siret": "…"}}; empty cells are absent."""
    payload: dict = {}
    for column, value in row.items():
        if column is None or value is None or value.strip() == "":
            continue
        column = column.strip()
        if column in LIST_COLUMNS:
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise ValueError(f"colonne « {column} » : une liste JSON est attendue")
        elif value.strip().lower() in ("true", "false"):
            value = value.strip().lower() == "true"
        elif column.endswith(("effectif", "niveau", "duree_heures", "diplome_niveau")) and value.strip().isdigit():
            value = int(value)
        target = payload
        *parents, leaf = column.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return payload


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


def contract_import_run(*, job_id: int) -> ContractImport:
    """Claimed by compare-and-swap (a redelivered message does nothing); each row is deposited in
    its own transaction, so a bad row never undoes the good ones."""
    claimed = ContractImport.objects.filter(pk=job_id, status=ContractImport.Status.QUEUED).update(
        status=ContractImport.Status.RUNNING, started_at=timezone.now()
    )
    job = ContractImport.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        with job.file.open("rb") as handle:
            rows = list(rows_of(job.original_name, handle.read()))
    except (UnicodeDecodeError, csv.Error) as exc:
        job.status, job.error, job.finished_at = ContractImport.Status.FAILED, f"Fichier illisible : {exc}", timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.total = len(rows)
    job.save(update_fields=["total"])
    actor = job.requested_by
    for index, (line, payload) in enumerate(rows, start=1):
        if isinstance(payload, str):
            job.failed_count += 1
            job.report.append({"line": line, "errors": {"ligne": payload}})
        else:
            try:
                deposit = contract_deposit(actor=actor, data=payload, source="import")
            except InvalidPayload as exc:
                job.failed_count += 1
                job.report.append({"line": line, "errors": exc.errors})
            except ValidationError as exc:
                job.failed_count += 1
                job.report.append({"line": line, "errors": {"dossier": " ".join(exc.messages)}})
            else:
                if deposit.created:
                    job.created_count += 1
                else:
                    job.duplicate_count += 1
        job.processed = index
        if index % PROGRESS_EVERY == 0 or index == len(rows):
            job.save(update_fields=["processed", "created_count", "duplicate_count", "failed_count", "report"])
    job.status, job.finished_at = ContractImport.Status.DONE, timezone.now()
    job.save(update_fields=["status", "finished_at"])
    audit.record(
        actor=actor,
        action="contract_import_done",
        target=job,
        source="task",
        summary=(
            f"{job.created_count} dossier(s) créé(s), {job.duplicate_count} déjà reçu(s), "
            f"{job.failed_count} ligne(s) refusée(s)"
        ),
    )
    return job
