"""Bulk import of deposit payloads: a CSV (dotted column names, lists as JSON) or JSON lines, one
contract per row. Run by Celery with progress; good rows are kept, bad ones listed with their
reasons; re-importing the same file creates no duplicate (deposits are idempotent).

CSV cells are text: a column is converted by what the payload expects there (booleans, integers,
numbers with a decimal point or comma), never by what the cell looks like, so that a name « True »
or a postal code « 01000 » stays text. Lists come as one JSON cell (`maitres_apprentissage`,
`contrat.remunerations`) or as indexed columns (`maitres_apprentissage.0.nom`,
`contrat.remunerations.1.taux`).

Each row succeeds or fails on its own, with a French reason: a row the CSV reader cannot read (a cell
beyond its limit), bytes of no known encoding, a JSON line nested too deep or not JSON, a NUL character
(the payload's own rule, as at every door). Only a file that cannot be read at all (a JSON array that
is not UTF-8) fails the job. A job whose worker died is taken over by a redelivered message after
STALE_AFTER, and marked failed by the beat sweep after SWEEP_AFTER: a job never stays « en cours ».
No Python exception text reaches the report or the job's error.
"""

import codecs
import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.utils import timezone

from contracts.alternance.check_runs import contract_check_run, is_pro_payload
from contracts.alternance.deposit import (
    Deposit,
    apprenticeship_contract,
    contract_deposit,
    deposit_company,
    deposit_summary,
    file_number,
    masters_of,
    pay_periods_of,
    payload_key,
)
from contracts.alternance.payload import InvalidPayload, parse_contract_payload
from contracts.alternance.reference_cache import reference_cache, remember, unknown
from contracts.models import ApprenticeshipContract, ApprenticeshipMaster, CheckRun, ContractImport, PayPeriod
from opco import audit
from opco.api.bodies import TOO_DEEP, JsonRefused, grouped, json_load_bounded
from opco.models import AuditEntry
from referentials.models import Certification, Company, TrainingProvider
from referentials.validators import normalize_identifier

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
# A job still running twice as long after its (re)start has lost its message too: the sweep fails it.
SWEEP_AFTER = 2 * STALE_AFTER
# Integers longer than this are no count, hour or rate (and Python refuses to convert 4 300 digits).
MAX_DIGITS = 30
ENCODING_REFUSED = (
    "ligne illisible : caractères d'un encodage inconnu (ni UTF-8 ni Windows-1252) ; "
    "enregistrez le fichier au format « CSV UTF-8 »"
)
RESTART = "Relancez l'import du même fichier : les dossiers déjà créés ne seront pas créés une seconde fois."
READING_FAILED = "Fichier illisible : erreur interne à la lecture (signalée à l'équipe technique)."
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes kept by errors="surrogateescape"
_INDEX_RE = re.compile(r"^(?P<list>.+?)(?:\.(?P<dot>\d+)|\[(?P<bracket>\d+)\])\.(?P<rest>.+)$")
_INTEGER_RE = re.compile(r"^[+-]?\d+$")
_NUMBER_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


# --- Reading a file ---------------------------------------------------------------------------------
class UnreadableFile(Exception):
    """A file that cannot be read at all; its message is the French reason the job shows."""


def rows_of(name: str, content: bytes) -> Iterator[tuple[int, Any]]:
    """(line number, payload) for each row of the file, or (line number, InvalidPayload) for a row
    that cannot be read (its errors name the line or the columns). UnreadableFile when nothing can be."""
    content = content.removeprefix(codecs.BOM_UTF8)
    if name.lower().endswith((".jsonl", ".ndjson", ".json")):
        yield from _json_rows(name, content)
        return
    text = _csv_text(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        row_start = reader.line_num + 1  # where the next row starts (line_num is not reliable after an error)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # this row only: the reader goes on with the next line
            yield row_start, InvalidPayload({"ligne": _csv_reason(exc)})
            continue
        if any(isinstance(value, str) and _UNDECODED.search(value) for value in row.values()):
            yield reader.line_num, InvalidPayload({"ligne": ENCODING_REFUSED})
            continue
        try:
            yield reader.line_num, _nest(row)
        except InvalidPayload as exc:
            yield reader.line_num, exc


def _csv_text(content: bytes) -> str:
    """UTF-8, else Windows-1252 (what a French spreadsheet saves as « CSV » by default), else UTF-8 with
    the undecodable bytes kept apart (surrogateescape), so that only the rows holding them are refused."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("utf-8", errors="surrogateescape")


def _csv_reason(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"ligne illisible : une cellule dépasse {grouped(csv.field_size_limit())} caractères"
    return "ligne illisible : guillemets ou séparateurs mal placés"


def _json_rows(name: str, content: bytes) -> Iterator[tuple[int, Any]]:
    if name.lower().endswith(".json") and content.lstrip().startswith(b"["):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                "Fichier illisible : un fichier JSON doit être encodé en UTF-8 "
                f"(octet 0x{content[exc.start]:02x} à la position {exc.start + 1})."
            ) from None
        try:
            items = json_load_bounded(text)
        except JsonRefused as exc:
            yield exc.line or 1, InvalidPayload({"ligne": exc.message()})
            return
        yield from enumerate(items, start=1)  # a JSON array: its elements are numbered from 1
        return
    for number, raw in enumerate(content.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"ligne illisible : ce n'est pas du texte UTF-8 (octet 0x{raw[exc.start]:02x}, colonne {exc.start + 1})"
            yield number, InvalidPayload({"ligne": reason})
            continue
        try:
            yield number, json_load_bounded(line)
        except JsonRefused as exc:
            yield number, InvalidPayload({"ligne": exc.message(lines=False)})


def _integer(text: str) -> int:
    if len(text.lstrip("+-")) > MAX_DIGITS:
        raise ValueError("nombre trop grand")
    return int(text)


def _cell(kind: str, value: str) -> Any:
    """The value a CSV cell stands for, by the column's kind (see the module's docstring)."""
    text = value.strip()
    if kind in LIST_COLUMNS:
        try:
            return json_load_bounded(text)
        except JsonRefused as exc:
            if exc.reason == TOO_DEEP:
                raise ValueError(TOO_DEEP) from None
            raise ValueError('une liste JSON est attendue, par exemple [{"date_debut": "2025-09-01", …}]') from None
    if kind in BOOLEAN_COLUMNS:
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise ValueError("true ou false (ou oui / non) est attendu")
    if kind in INTEGER_COLUMNS and _INTEGER_RE.match(text):
        return _integer(text)
    if kind in NUMBER_COLUMNS and _NUMBER_RE.match(text):
        text = text.replace(",", ".")
        return _integer(text) if _INTEGER_RE.match(text) else text  # kept as text: read exactly as Decimal
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
DATA_REFUSED = "valeur refusée par la base de données (signalée à l'équipe technique)"
PROGRESS_FIELDS = ["processed", "created_count", "duplicate_count", "failed_count", "report"]


def _fail(job: ContractImport, error: str) -> ContractImport:
    job.status, job.error, job.finished_at = ContractImport.Status.FAILED, error, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    audit.record(
        actor=None, action="contract_import_failed", target=job, source="task", summary=f"Import n° {job.pk} en échec : {error}"
    )
    return job


def _stopped_because(exc: Exception) -> str:
    """Why a job stopped, in French (the exception itself goes to the log)."""
    if isinstance(exc, DatabaseError):
        return f"la base de données ne répond pas. {RESTART}"
    if isinstance(exc, SoftTimeLimitExceeded):
        return f"le traitement a dépassé sa durée maximale. {RESTART}"
    return f"erreur interne (signalée à l'équipe technique). {RESTART}"


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
    except UnreadableFile as exc:
        return _fail(job, str(exc))
    except Exception:
        logger.exception("Import de contrats n° %s : fichier illisible", job_id)
        return _fail(job, READING_FAILED)
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
        job.error = f"Interrompu après {job.processed} ligne(s) : {_stopped_because(exc)}"
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
        chunk = rows[first : first + PROGRESS_EVERY]
        with transaction.atomic():
            if not _import_batch(job, actor, chunk):
                for index in range(first, first + len(chunk)):
                    line, payload = rows[index]
                    _import_row(job, actor, line, payload)
            job.processed = first + len(chunk)
            job.save(update_fields=PROGRESS_FIELDS)


@dataclass
class _BatchOutcome:
    created: int = 0
    duplicates: int = 0
    refused: list[dict] = field(default_factory=list)


def _import_batch(job: ContractImport, actor, chunk: list) -> bool:
    """The rows of one progress batch checked and written together (issue 19: ~20 statements and 20 ms
    per row one by one): the fingerprints already received, the companies, CFAs and certifications read
    once per batch, the ids and file numbers reserved at once (no UPDATE after each INSERT), the files,
    masters, pay periods, check runs and audit entries written by one bulk_create each. Every row still
    gets every check, its audit entry, its fingerprint and its file number; a refused row writes nothing;
    a new employer is created by the referential's service, row by row, as at every door.

    Returns False, having written nothing (its own savepoint), when a row needs the row-by-row path: a
    professionalisation payload, SQLite, or anything unexpected (a constraint, a value the database
    refuses, a bug): the caller then deposits the batch row by row, which isolates the faulty row."""
    if connection.vendor != "postgresql":
        return False
    outcome = _BatchOutcome()
    rows = []
    for line, payload in chunk:
        if isinstance(payload, InvalidPayload):
            outcome.refused.append({"line": line, "errors": payload.errors})
            continue
        if not isinstance(payload, dict) or is_pro_payload(payload):
            return False
        try:
            parsed = parse_contract_payload(payload)
        except InvalidPayload as exc:
            outcome.refused.append({"line": line, "errors": exc.errors})
            continue
        except Exception:
            return False
        rows.append((line, payload, parsed, payload_key(parsed)))
    try:
        with transaction.atomic():
            _write_batch(actor, rows, outcome)
    except Exception:
        logger.info("Import de contrats n° %s : lot repris ligne à ligne", job.pk, exc_info=True)
        return False
    job.created_count += outcome.created
    job.duplicate_count += outcome.duplicates
    job.failed_count += len(outcome.refused)
    job.report.extend(sorted(outcome.refused, key=lambda row: row["line"]))
    return True


def _prefetch_references(rows: list) -> None:
    """What the rows' deposits and checks would read one key at a time (one query per CFA, fiche RNCP
    and employer met), read for the whole batch in three queries and kept under the same keys with the
    same values (contracts.alternance.reference_cache). Companies: only those that existed before the
    batch; one created by a row is read by the next rows as before."""
    sirets = {normalize_identifier(data["employeur"]["siret"]) for _, data, _, _ in rows}
    for company in Company.objects.select_related("idcc").filter(siret__in=sirets):
        remember(("company", company.siret), company)  # existed before the batch: a rollback keeps it
        for key, value in ((("company_idcc", company.siret), company.idcc), (("zone", company.siret), company.holiday_zone)):
            if unknown([key]):
                remember(key, value)
    provider_keys = unknown(("provider", normalize_identifier(data["cfa"]["siret"])) for _, data, _, _ in rows)
    if provider_keys:
        found = {}
        for provider in TrainingProvider.objects.filter(siret__in=[siret for _, siret in provider_keys]).order_by("pk"):
            found.setdefault(provider.siret, provider)
        for key in provider_keys:
            remember(key, found.get(key[1]))
    codes = {normalize_identifier(data["formation"]["rncp"]) for _, data, _, _ in rows}
    codes |= {parsed.formation.rncp for _, _, parsed, _ in rows}
    wanted = unknown(("certifications", code) for code in codes) | unknown(("certification", code) for code in codes)
    if wanted:
        by_code: dict[str, list] = {}
        for row in Certification.objects.filter(rncp__in={code for _, code in wanted}).order_by("code_diplome", "pk"):
            by_code.setdefault(row.rncp, []).append(row)
        for kind, code in wanted:
            rows_of_code = by_code.get(code, [])
            if kind == "certifications":  # checks.check_certification: every row of the fiche, by code diplôme
                remember((kind, code), rows_of_code)
            else:  # deposit: a row with a level, an active one first
                levelled = sorted(
                    (row for row in rows_of_code if row.level is not None), key=lambda row: (not row.active, row.pk)
                )
                remember((kind, code), levelled[0] if levelled else None)


def _write_batch(actor, rows: list, outcome: _BatchOutcome) -> None:
    received = set(
        ApprenticeshipContract.objects.filter(import_key__in=[key for *_, key in rows]).values_list("import_key", flat=True)
    )
    _prefetch_references(rows)
    table = ApprenticeshipContract._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, max(1, len(rows))],
        )
        ids = [row[0] for row in cursor.fetchall()]
    contracts, parsed_of = [], {}
    for line, data, parsed, key in rows:
        if key in received:
            outcome.duplicates += 1
            continue
        siret = normalize_identifier(data["employeur"]["siret"])
        try:
            company = deposit_company(siret, data["employeur"])  # validated before anything of the row is written
        except ValidationError as exc:
            outcome.refused.append({"line": line, "errors": {"employeur": " ".join(exc.messages)}})
            continue
        received.add(key)
        contract = apprenticeship_contract(
            data=data,
            parsed=parsed,
            key=key,
            received=parsed.recu_le or timezone.localdate(),
            depositor_email="",
            company=company,
        )
        contract.pk = ids.pop(0)
        contract.file_number = file_number(contract)
        if company is not None:
            remember(("zone", siret), company.holiday_zone)  # DEPOT_DELAI reads it
        contracts.append((contract, data))
        parsed_of[contract.pk] = parsed
    ApprenticeshipContract.objects.bulk_create([contract for contract, _ in contracts])
    ApprenticeshipMaster.objects.bulk_create([master for contract, data in contracts for master in masters_of(contract, data)])
    PayPeriod.objects.bulk_create([period for contract, data in contracts for period in pay_periods_of(contract, data)])
    # The checks after the batch's files are written, as a deposit runs them after its own: the files of
    # the batch are only received, so MAITRE never counts them for one another (checks.RUNNING_STATUSES).
    CheckRun.objects.bulk_create(
        [contract_check_run(contract=contract, payload=parsed_of[contract.pk])[1] for contract, _ in contracts]
    )
    AuditEntry.objects.bulk_create(
        [
            audit.entry(
                actor=actor,
                action="contract_deposit",
                target=contract,
                source="import",
                summary=deposit_summary(contract, "import"),
            )
            for contract, _ in contracts
        ]
    )
    outcome.created += len(contracts)


def _import_row(job: ContractImport, actor, line: int, payload: Any) -> None:
    if isinstance(payload, InvalidPayload):
        job.failed_count += 1
        job.report.append({"line": line, "errors": payload.errors})
        return
    try:
        with transaction.atomic():  # the row's own savepoint: whatever it wrote goes with its refusal
            deposit = deposit_or_refuse(actor=actor, data=payload, source="import")
    except InvalidPayload as exc:
        job.failed_count += 1
        job.report.append({"line": line, "errors": exc.errors})
    except DataError:
        # A value PostgreSQL refuses for this row only (the payload's rules should have caught it).
        logger.exception("Import de contrats n° %s : valeur refusée à la ligne %s", job.pk, line)
        job.failed_count += 1
        job.report.append({"line": line, "errors": {"dossier": DATA_REFUSED}})
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


def contract_imports_fail_stale(*, now=None) -> int:
    """Beat: the jobs still « en cours » SWEEP_AFTER after their (re)start lost their worker and their
    message (a redelivery takes a job over after STALE_AFTER); they are marked failed with a French
    reason, so that their page stops waiting. Compare-and-swap: a job taken over meanwhile is left."""
    now = now or timezone.now()
    hours = int(SWEEP_AFTER.total_seconds() // 3600)
    stale = ContractImport.objects.filter(status=ContractImport.Status.RUNNING, started_at__lt=now - SWEEP_AFTER)
    failed = 0
    for job in stale:
        error = (
            f"Interrompu après {job.processed} ligne(s) sur {job.total} : le traitement ne répond plus depuis plus de "
            f"{hours} heures. {RESTART}"
        )
        swapped = ContractImport.objects.filter(
            pk=job.pk, status=ContractImport.Status.RUNNING, started_at=job.started_at
        ).update(status=ContractImport.Status.FAILED, error=error, finished_at=now)
        if swapped:
            audit.record(
                actor=None,
                action="contract_import_failed",
                target=job,
                source="task",
                summary=f"Import n° {job.pk} marqué en échec : {error}",
            )
            failed += 1
    return failed
