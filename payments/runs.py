"""Payment runs: prepare → approve (four eyes) → execute (Celery) → file ready → sent → settled, with
per-transfer bank returns.

Exactly once (issue 5): a run claims its lines with one compare-and-swap UPDATE (`status = 'payable'`
→ `'in_run'`), on PostgreSQL over `FOR UPDATE SKIP LOCKED` so that runs prepared at the same time get
disjoint lines without deadlocks; a transfer line is unique per payable line; execution is resumable
(its message id and timestamp are fixed at the first attempt, the file is rebuilt identically from the
frozen transfers) and a second execute of an executed run changes nothing. A run left « en exécution »
by an execution that died with its Celery message is queued again by a beat sweep, which also removes
the temporary files of killed executions.

The number of SQL queries of prepare and execute does not depend on the number of lines: claims,
inserts (`unnest` arrays on PostgreSQL) and status mirrors are set-based.

Why one module over 600 lines: a run's states (prepare, four eyes, execute, returns, recoveries) share
one locking discipline and one claim of the lines; keeping them together keeps every transition of
the money under one reader's eyes.
"""

import fcntl
import hashlib
import os
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from accounts import roles
from opco import audit, publication
from opco.models import AuditEntry
from opco.money import euros
from payments import sepa, settlement, sources
from payments.enums import LineStatus, RecoveryStatus, ReturnSource, RunStatus, TransferStatus
from payments.models import (
    BankReturn,
    BeneficiaryAccount,
    PayableLine,
    PaymentRun,
    RecoveryOrder,
    Transfer,
    TransferLine,
)
from referentials.validators import iban_problem

ZERO = Decimal("0")
MIN_TRANSFER = Decimal("0.01")
SEPA_DIR = "payments/runs"
PROGRESS_STEPS = 10  # progress is saved about ten times per execution, whatever its size
EXECUTABLE = (RunStatus.APPROVED, RunStatus.EXECUTING)
EXECUTED = (RunStatus.FILE_READY, RunStatus.SENT, RunStatus.SETTLED)
# A run « en exécution » whose last attempt is older than settings.PAYMENTS_STUCK_EXECUTION_MINUTES (90 by
# default) has lost its execution: longer than the Celery hard time limit (opco/celery.py, 60 min), past
# which no attempt is alive, and than the Redis visibility timeout (1 h), past which a killed worker's
# message has come back if the broker still had it.
# The bank details a SEPA file reads, on a beneficiary account and frozen on each of its transfers.
PARTY_FIELDS = ("name", "iban", "bic", "street", "building_number", "postal_code", "town", "country")
REFUSED_BY_FILE = "Coordonnées refusées par le fichier SEPA"


class RunRefused(Exception):
    """A refused action on a run, in French; nothing was changed."""


@dataclass
class Preparation:
    run: PaymentRun | None
    released: int = 0
    recovery_orders: list[RecoveryOrder] = field(default_factory=list)
    left_for_netting: int = 0
    flagged_accounts: int = 0


def _require_finance(user, what: str) -> None:
    if not roles.FINANCE(user):
        raise PermissionDenied(f"Seul un membre du service financier peut {what}.")


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Set-based helpers ----------------------------------------------------------------------------
def _claim(run: PaymentRun, until: date) -> list[tuple[int, int, Decimal, date, str]]:
    """Compare-and-swap every payable line due by `until` (on an account not flagged) into `run`."""
    now = timezone.now()
    if _is_postgres():
        # Table names come from the models, values are parameters.
        sql = f"""
            UPDATE {PayableLine._meta.db_table} SET status = %s, run_id = %s, updated_at = %s
            WHERE id IN (
                SELECT line.id FROM {PayableLine._meta.db_table} line
                JOIN {BeneficiaryAccount._meta.db_table} account ON account.id = line.account_id
                WHERE line.status = %s AND line.due_date <= %s AND NOT account.blocked
                ORDER BY line.id
                FOR UPDATE OF line SKIP LOCKED
            )
            RETURNING id, account_id, amount, due_date, reference
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [LineStatus.IN_RUN, run.pk, now, LineStatus.PAYABLE, until])
            return [(row[0], row[1], Decimal(row[2]), row[3], row[4]) for row in cursor.fetchall()]
    # SQLite: writes are serialised (BEGIN IMMEDIATE), so the conditional UPDATE is the CAS.
    candidates = PayableLine.objects.filter(status=LineStatus.PAYABLE, due_date__lte=until, account__blocked=False)
    ids = list(candidates.values_list("id", flat=True))
    PayableLine.objects.filter(id__in=ids, status=LineStatus.PAYABLE).update(status=LineStatus.IN_RUN, run=run, updated_at=now)
    return list(
        PayableLine.objects.filter(run=run, status=LineStatus.IN_RUN).values_list(
            "id", "account_id", "amount", "due_date", "reference"
        )
    )


def _insert_transfer_lines(run: PaymentRun, paid: dict[int, tuple[list[int], Decimal]], amounts: dict[int, Decimal]) -> None:
    """One transfer line per line kept in the run, in one INSERT whatever their number. On PostgreSQL an
    INSERT … SELECT joining the run's lines (those still « in_run »: the netting has already sent the
    others back) to the run's transfers by account, planned as a hash join: inside this transaction the
    statistics still see no line in the run, and the planner's nested loop « for 1 row » took 27 s for
    200 000 lines. No Python array is built or sent (1.8 s of the 200 000-line prepare, issue 19)."""
    expected = sum(len(kept) for kept, _ in paid.values())
    if not expected:
        return
    if _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(
                f"INSERT INTO {TransferLine._meta.db_table} (transfer_id, line_id, amount) "  # noqa: S608
                f"SELECT transfer.id, line.id, line.amount FROM {PayableLine._meta.db_table} line "
                f"JOIN {Transfer._meta.db_table} transfer ON transfer.account_id = line.account_id AND transfer.run_id = %s "
                "WHERE line.run_id = %s AND line.status = %s",
                [run.pk, run.pk, str(LineStatus.IN_RUN)],
            )
            inserted = cursor.rowcount
            cursor.execute("SET LOCAL enable_nestloop = on")
        if inserted != expected:  # exactly one transfer line per kept line, or the whole preparation is undone
            raise RuntimeError(f"Lot {run.pk} : {inserted} lignes de virement pour {expected} lignes retenues.")
        return
    transfer_ids = dict(Transfer.objects.filter(run=run).values_list("account_id", "id"))
    TransferLine.objects.bulk_create(
        [
            TransferLine(transfer_id=transfer_ids[account_id], line_id=line_id, amount=amounts[line_id])
            for account_id, (kept, _) in paid.items()
            for line_id in kept
        ],
        batch_size=500,
    )


def _set_lines(ids: list[int], **values) -> None:
    """One UPDATE of these lines, whatever their number (`= ANY(array)` on PostgreSQL)."""
    if not ids:
        return
    fields = {name: PayableLine._meta.get_field(name) for name in values}
    if not _is_postgres():
        PayableLine.objects.filter(id__in=ids).update(
            updated_at=timezone.now(), **{fields[name].attname: value for name, value in values.items()}
        )
        return
    columns = ", ".join(f"{fields[name].column} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PayableLine._meta.db_table} SET {columns}, updated_at = %s WHERE id = ANY(%s)",  # noqa: S608
            [*values.values(), timezone.now(), list(ids)],
        )


# --- Bank details the file refuses ---------------------------------------------------------------
def _creditor(name, iban, bic, street, building_number, postal_code, town, country) -> sepa.Party:
    """A beneficiary as the SEPA file takes it, from the PARTY_FIELDS of an account or a transfer."""
    address = sepa.PostalAddress(street or None, building_number or None, postal_code or None, town, country)
    return sepa.Party(name=name, iban=iban, bic=bic or None, address=address)


def _refusal(creditor: sepa.Party) -> str | None:
    """Why the file would refuse this beneficiary, in French and without the IBAN: the IBAN down to its
    national key with the reason staff get at entry, then everything else the builder checks."""
    return iban_problem(creditor.iban) or sepa.creditor_problem(creditor)


def _flag_accounts(refused: dict[int, str], *, actor, reason: str, source: str) -> list[int]:
    """Flag these accounts (id → French reason), as a bank return does: their lines wait until staff
    correct the bank details. Compare-and-swap on `blocked` (an account already flagged keeps its first
    reason); one audit entry per account flagged."""
    now = timezone.now()
    flagged = [
        account_id
        for account_id, problem in sorted(refused.items())
        if BeneficiaryAccount.objects.filter(pk=account_id, blocked=False).update(
            blocked=True, blocked_reason=f"{reason} : {problem}"[:255], blocked_at=now
        )
    ]
    for account in BeneficiaryAccount.objects.filter(pk__in=flagged):
        audit.record(
            actor=actor,
            action="payments.account.flagged",
            target=account,
            summary=f"IBAN du bénéficiaire signalé : {account.blocked_reason}",
            source=source,
        )
    return flagged


# Part of each digest: a change to what the file checks (sepa.creditor_problem, iban_problem) makes every
# account be checked again at the next run.
FILE_CHECK_VERSION = "1"


def _party_digest(party) -> str:
    """The digest of an account's PARTY_FIELDS, as stored once the SEPA file accepted them."""
    return hashlib.sha256("\x1f".join([FILE_CHECK_VERSION, *(str(value or "") for value in party)]).encode()).hexdigest()


def _store_digests(digests: dict[int, str]) -> None:
    """One UPDATE whatever the number of accounts (two arrays on PostgreSQL)."""
    if not _is_postgres():
        BeneficiaryAccount.objects.bulk_update(
            [BeneficiaryAccount(pk=account_id, file_check_digest=digest) for account_id, digest in digests.items()],
            ["file_check_digest"],
        )
        return
    table = BeneficiaryAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET file_check_digest = checked.digest "  # noqa: S608
            f"FROM unnest(%s::bigint[], %s::text[]) AS checked(id, digest) WHERE {table}.id = checked.id",
            [list(digests), list(digests.values())],
        )


def _flag_refused_accounts(*, actor, until: date, source: str) -> int:
    """Before the claim, in a transaction of its own: flag the accounts about to be paid whose bank
    details the file would refuse (a clé RIB entered before entries were checked down to it, a town
    missing…). The claim skips flagged accounts, so only their lines are held back; otherwise the file
    of the whole run would fail at execution. Returns how many were flagged.

    Only accounts whose details changed since the file last accepted them are checked: each accepted
    account keeps the digest of its details (`file_check_digest`), and an edit changes the digest."""
    due = PayableLine.objects.filter(account=OuterRef("pk"), status=LineStatus.PAYABLE, due_date__lte=until)
    rows = BeneficiaryAccount.objects.filter(Exists(due), blocked=False).values_list("id", "file_check_digest", *PARTY_FIELDS)
    refused, accepted = {}, {}
    for account_id, checked, *party in rows.iterator(chunk_size=2_000):
        digest = _party_digest(party)
        if digest == checked:
            continue
        problem = _refusal(_creditor(*party))
        if problem:
            refused[account_id] = problem
        else:
            accepted[account_id] = digest
    if accepted:
        # The digest of the details read: an account edited meanwhile no longer matches it, and is checked next time.
        _store_digests(accepted)
    if not refused:
        return 0
    with transaction.atomic():
        return len(_flag_accounts(refused, actor=actor, reason=REFUSED_BY_FILE, source=source))


# --- Remittance -----------------------------------------------------------------------------------
def remittance_text(run_id: int, end_to_end_id: str, references: list[str]) -> str:
    """The 140 characters the CFA reads on its statement: the run, then as many line references as
    fit, then where to find the rest (the detailed statement of the transfer)."""
    head = f"OPCO lot {run_id} : "
    limit = sepa.MAX_REMITTANCE_LENGTH
    parts: list[str] = []
    length = len(head)
    for position, reference in enumerate(references):
        clean = sepa.to_sepa_text(reference, limit)
        rest = len(references) - position - 1
        tail = f" +{rest} autres, releve {end_to_end_id}" if rest else ""
        added = len(clean) + (2 if parts else 0)
        if length + added + len(tail) > limit:
            listed = ", ".join(parts) + " " if parts else ""
            return f"{head}{listed}+{rest + 1} autres, releve {end_to_end_id}"
        parts.append(clean)
        length += added
    return head + ", ".join(parts)


# --- Prepare --------------------------------------------------------------------------------------
def _net(lines: list[tuple[int, Decimal, date]]) -> tuple[list[int], list[int], Decimal]:
    """Split one account's claimed lines into those paid now and the negative ones left over.

    Every positive line is paid; negative lines (trop-perçu), oldest first, are netted while the
    transfer stays positive. Returns (kept ids, left-over negative ids, transfer amount)."""
    positives = [line for line in lines if line[1] > 0]
    negatives = sorted((line for line in lines if line[1] < 0), key=lambda line: (line[2], line[0]))
    amount = sum((line[1] for line in positives), ZERO)
    kept = [line[0] for line in positives]
    left = []
    for line_id, line_amount, _ in negatives:
        if positives and amount + line_amount >= MIN_TRANSFER:
            amount += line_amount
            kept.append(line_id)
        else:
            left.append(line_id)
    return kept, left, amount


def payment_run_prepare(*, actor, execution_date: date, source: str = AuditEntry.Source.WEB) -> Preparation:
    """Gather every payable line due by `execution_date` into one transfer per beneficiary account.

    Negative lines are netted against the same account's transfer; those nothing is left to net
    against (no positive line now, none to come from any mission) become recovery orders; the others
    wait for the next run. Accounts whose bank details the SEPA file would refuse are flagged first and
    their lines held back. Refused (RunRefused, no run kept) when no line is payable."""
    _require_finance(actor, "préparer un lot de paiement")
    if execution_date < timezone.localdate():
        raise RunRefused("La date d'exécution ne peut pas être passée.")
    # Missions hand over what became payable by then (their own transactions, before the claim).
    sources.release_all(until=execution_date)
    flagged = _flag_refused_accounts(actor=actor, until=execution_date, source=source)
    with transaction.atomic():
        run = PaymentRun.objects.create(execution_date=execution_date, prepared_by=actor)
        claimed = _claim(run, execution_date)
        if not claimed:
            transaction.set_rollback(True)
            held = f" ; {flagged} compte(s) signalé(s) pour coordonnées bancaires refusées" if flagged else ""
            raise RunRefused(f"Aucune ligne n'est payable au {execution_date:%d/%m/%Y} : aucun lot n'a été créé{held}.")
        by_account: dict[int, list[tuple[int, Decimal, date]]] = defaultdict(list)
        for line_id, account_id, amount, due_date, _ in claimed:
            by_account[account_id].append((line_id, amount, due_date))
        accounts = BeneficiaryAccount.objects.in_bulk(list(by_account))

        paid: dict[int, tuple[list[int], Decimal]] = {}
        leftover: dict[int, list[int]] = {}
        for account_id, lines in by_account.items():
            kept, left, amount = _net(lines)
            if kept:
                paid[account_id] = (kept, amount)
            if left:
                leftover[account_id] = left

        # Left-over negative lines: recovery order when nothing is left to net against, else wait.
        pending = sources.beneficiaries_with_pending({accounts[a].identifier for a in leftover})
        waiting_ids: list[int] = []
        recovery_orders: list[RecoveryOrder] = []
        amounts = {line_id: amount for line_id, _, amount, _, _ in claimed}
        for account_id, left in leftover.items():
            if account_id in paid or accounts[account_id].identifier in pending:
                waiting_ids.extend(left)
                continue
            order = RecoveryOrder.objects.create(
                number=f"TR-{run.pk}-{account_id}",
                account_id=account_id,
                amount=-sum((amounts[i] for i in left), ZERO),
                issued_on=timezone.localdate(),
            )
            _set_lines(left, status=LineStatus.RECOVERY, run=None, recovery_order=order.pk)
            recovery_orders.append(order)
        _set_lines(waiting_ids, status=LineStatus.PAYABLE, run=None)

        if not paid:
            if not recovery_orders:
                raise RunRefused(
                    f"Aucun virement à émettre au {execution_date:%d/%m/%Y} : les seules lignes dues sont des trop-perçus "
                    "en attente d'imputation."
                )
            # Only recovery orders came out of it: they stand, the empty run does not.
            sources.mirror_status(PayableLine.objects.filter(recovery_order__in=recovery_orders), LineStatus.RECOVERY)
            for order in recovery_orders:
                audit.record(
                    actor=actor,
                    action="payments.recovery.issued",
                    target=order,
                    summary=f"{order} émis : {euros(order.amount)} de trop-perçu sans rien à imputer",
                    source=source,
                )
            run.delete()
            return Preparation(run=None, recovery_orders=recovery_orders, flagged_accounts=flagged)

        references = {line_id: reference for line_id, _, _, _, reference in claimed}
        transfers = []
        for sequence, account_id in enumerate(sorted(paid), start=1):
            account = accounts[account_id]
            kept, amount = paid[account_id]
            end_to_end_id = f"OPCO-{run.pk}-{sequence}"
            transfers.append(
                Transfer(
                    run=run,
                    account=account,
                    end_to_end_id=end_to_end_id,
                    amount=amount,
                    remittance=remittance_text(run.pk, end_to_end_id, [references[i] for i in sorted(kept)]),
                    name=account.name,
                    iban=account.iban,
                    bic=account.bic,
                    street=account.street,
                    building_number=account.building_number,
                    postal_code=account.postal_code,
                    town=account.town,
                    country=account.country,
                )
            )
        Transfer.objects.bulk_create(transfers)
        _insert_transfer_lines(run, paid, amounts)
        run.line_count = sum(len(kept) for kept, _ in paid.values())
        run.transfer_count = len(transfers)
        run.total = sum((amount for _, amount in paid.values()), ZERO)
        run.netted_count = sum(1 for kept, _ in paid.values() for i in kept if amounts[i] < 0)
        run.progress_total = run.transfer_count
        run.save(update_fields=["line_count", "transfer_count", "total", "netted_count", "progress_total"])

        sources.mirror_status(PayableLine.objects.filter(run=run, status=LineStatus.IN_RUN), LineStatus.IN_RUN)
        sources.mirror_status(PayableLine.objects.filter(recovery_order__in=recovery_orders), LineStatus.RECOVERY)
        audit.record(
            actor=actor,
            action="payments.run.prepared",
            target=run,
            summary=(
                f"Lot préparé pour le {execution_date:%d/%m/%Y} : {run.line_count} ligne(s), {run.transfer_count} virement(s), "
                f"{euros(run.total)} ; {len(recovery_orders)} titre(s) de recette, {len(waiting_ids)} trop-perçu(s) en attente"
                + (f", {flagged} compte(s) signalé(s) pour coordonnées bancaires refusées" if flagged else "")
            ),
            source=source,
        )
    return Preparation(run=run, recovery_orders=recovery_orders, left_for_netting=len(waiting_ids), flagged_accounts=flagged)


# --- Four eyes ------------------------------------------------------------------------------------
def _locked(run_id: int) -> PaymentRun:
    try:
        return PaymentRun.objects.select_for_update(of=("self",)).get(pk=run_id)
    except PaymentRun.DoesNotExist:
        raise RunRefused(f"Le lot n° {run_id} n'existe pas.") from None


def _refuse_unless(run: PaymentRun, allowed: tuple[str, ...], what: str) -> None:
    if run.status not in allowed:
        # « Impossible d'approuver », « de déclarer »: French elision before a vowel.
        preposition = "d'" if what[:1] in "aeéèêiouy" else "de "
        raise RunRefused(f"Impossible {preposition}{what} : le {run} est « {run.get_status_display()} ».")


def payment_run_approve(*, actor, run_id: int, source: str = AuditEntry.Source.WEB) -> PaymentRun:
    """Four eyes (issue 5): a finance user other than the one who prepared the run approves it."""
    _require_finance(actor, "approuver un lot de paiement")
    with transaction.atomic():
        run = _locked(run_id)
        _refuse_unless(run, (RunStatus.PREPARED,), "approuver ce lot")
        if run.prepared_by_id == actor.pk:
            raise RunRefused("Vous avez préparé ce lot : il doit être approuvé par un autre membre du service financier.")
        run.status, run.approved_by, run.approved_at = RunStatus.APPROVED, actor, timezone.now()
        run.save(update_fields=["status", "approved_by", "approved_at"])
        audit.record(actor=actor, action="payments.run.approved", target=run, summary=f"{run} approuvé", source=source)
    return run


def payment_run_cancel(*, actor, run_id: int, source: str = AuditEntry.Source.WEB) -> PaymentRun:
    """Give up a run that has produced no file: its lines become payable again. Its transfers, which
    never left the house, are removed so that the lines can join a later run."""
    _require_finance(actor, "annuler un lot de paiement")
    with transaction.atomic():
        run = _locked(run_id)
        _refuse_unless(run, (RunStatus.PREPARED, RunStatus.APPROVED, RunStatus.FAILED), "annuler ce lot")
        lines = PayableLine.objects.filter(run=run, status=LineStatus.IN_RUN)
        line_ids = list(lines.values_list("id", flat=True))
        TransferLine.objects.filter(transfer__run=run).delete()
        Transfer.objects.filter(run=run).delete()
        _set_lines(line_ids, status=LineStatus.PAYABLE, run=None)
        sources.mirror_status(PayableLine.objects.filter(id__in=line_ids), LineStatus.PAYABLE)
        run.status, run.cancelled_at = RunStatus.CANCELLED, timezone.now()
        run.save(update_fields=["status", "cancelled_at"])
        audit.record(
            actor=actor,
            action="payments.run.cancelled",
            target=run,
            summary=f"{run} annulé : {len(line_ids)} ligne(s) de nouveau à payer ({euros(run.total)})",
            source=source,
        )
    return run


# --- Execute --------------------------------------------------------------------------------------
def _debtor() -> sepa.Party:
    return sepa.Party(
        name=settings.OPCO_NAME,
        iban=settings.OPCO_IBAN,
        bic=settings.OPCO_BIC or None,
        address=sepa.PostalAddress(
            street=settings.OPCO_STREET or None,
            building_number=settings.OPCO_BUILDING_NUMBER or None,
            postal_code=settings.OPCO_POSTAL_CODE or None,
            town=settings.OPCO_TOWN,
            country="FR",
        ),
    )


def sepa_path(run: PaymentRun) -> Path:
    return Path(settings.MEDIA_ROOT) / SEPA_DIR / f"{run.message_id}.xml"


# --- The file on disk -----------------------------------------------------------------------------
# A file is written to a temporary file of its own, `.<final name>.<random>` in the same directory (two
# executions may overlap), then renamed atomically: a reader never sees half a file. The writer holds an
# exclusive flock on its temporary file until the rename; the kernel drops the lock when the process
# dies, so a temporary file nobody holds locked is an orphan of a killed execution (with IBANs in it)
# and is removed by the next attempt or by the sweep — never one an execution alive is writing. (flock
# is per open file, so it also tells apart two executions in threads of one process; on NFS, Linux maps
# it to byte-range locks that the server keeps.)
def _is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and ".xml." in path.name


def _write_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            # A sweep may have taken it for an orphan between its creation and the lock: start again.
            if os.stat(name).st_ino == os.fstat(handle).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(handle)
    try:
        with os.fdopen(handle, "wb") as temporary:  # closing it releases the lock, after the rename
            temporary.write(content)
            temporary.flush()
            os.fsync(temporary.fileno())
            os.replace(name, path)
    except Exception:
        # An error (disk full…) leaves nothing behind; a killed process leaves it to the next attempt.
        Path(name).unlink(missing_ok=True)
        raise


def _remove_orphan_temporaries(directory: Path, prefix: str = ".") -> int:
    """Remove the temporary files under `directory` (those of one run: `prefix`) whose writer is gone."""
    removed = 0
    if not directory.is_dir():
        return removed
    for path in directory.iterdir():
        if not (_is_temporary(path) and path.name.startswith(prefix)):
            continue
        try:
            handle = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # renamed by its writer meanwhile
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.stat(path).st_ino == os.fstat(handle).st_ino:  # not renamed to the final name meanwhile
                path.unlink()
                removed += 1
        except (BlockingIOError, FileNotFoundError):
            continue  # being written by an execution alive, or renamed meanwhile
        finally:
            os.close(handle)
    return removed


def _start(run_id: int) -> PaymentRun | None:
    """Move an approved run to executing (compare-and-swap), or resume one already executing.
    Returns None when the run is already executed."""
    with transaction.atomic():
        run = _locked(run_id)
        if run.status in EXECUTED:
            return None
        _refuse_unless(run, EXECUTABLE, "exécuter ce lot")
        if run.message_id is None:
            run.message_id = f"OPCO-LOT-{run.pk:08d}"
            run.file_created_at = timezone.now()
            run.started_at = run.file_created_at
        run.status = RunStatus.EXECUTING
        run.attempts += 1
        run.attempted_at = timezone.now()
        run.error = ""
        run.save(update_fields=["message_id", "file_created_at", "started_at", "status", "attempts", "attempted_at", "error"])
    return run


def _verify_frozen(run: PaymentRun) -> None:
    """Each transfer equals the sum of its lines, and each of its lines is still in this run. The sums
    are compared as Decimal here (SQLite would add them as floating point)."""
    rows = (
        Transfer.objects.filter(run=run)
        .annotate(stray=Count("transfer_lines", filter=~Q(transfer_lines__line__run=run)))
        .values_list("id", "end_to_end_id", "amount", "stray")
    )
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for transfer_id, amount in (
        TransferLine.objects.filter(transfer__run=run).values_list("transfer_id", "amount").iterator(chunk_size=10_000)
    ):
        totals[transfer_id] += amount
    bad = [e2e for transfer_id, e2e, amount, stray in rows if stray or totals[transfer_id] != amount]
    if bad:
        raise ValidationError(f"Virements incohérents avec leurs lignes : {', '.join(bad[:5])}.")


def _frozen_transfers(run: PaymentRun) -> list[tuple]:
    """(id, account id, end-to-end id, amount, remittance, creditor) of the run's transfers, in file order."""
    rows = (
        Transfer.objects.filter(run=run)
        .order_by("id")
        .values_list("id", "account_id", "end_to_end_id", "amount", "remittance", *PARTY_FIELDS)
    )
    return [
        (pk, account_id, e2e, amount, remittance, _creditor(*party)) for pk, account_id, e2e, amount, remittance, *party in rows
    ]


def _withdraw(run_id: int, refused: dict[int, tuple[int, str]], *, source: str) -> None:
    """Take out of the file the transfers (id → (account id, French reason)) whose beneficiary the file
    refuses: their lines go back to « à payer » (mirrored to their sources), their accounts are flagged,
    the run's counts and total are those of the transfers left. Under the run's lock and idempotent: an
    overlapping or resumed execution finds them already gone (the checks are deterministic on the frozen
    transfers, so every execution takes out the same ones and builds the same file)."""
    with transaction.atomic():
        run = _locked(run_id)
        if run.status != RunStatus.EXECUTING:
            return  # another execution finished it; this one's final compare-and-swap will do nothing
        gone = list(
            Transfer.objects.filter(run=run, pk__in=list(refused)).order_by("id").values_list("id", "end_to_end_id", "amount")
        )
        if not gone:
            return
        transfer_ids = [pk for pk, _, _ in gone]
        line_ids = list(TransferLine.objects.filter(transfer_id__in=transfer_ids).values_list("line_id", flat=True))
        TransferLine.objects.filter(transfer_id__in=transfer_ids).delete()
        Transfer.objects.filter(pk__in=transfer_ids).delete()
        _set_lines(line_ids, status=LineStatus.PAYABLE, run=None)
        sources.mirror_status(PayableLine.objects.filter(id__in=line_ids), LineStatus.PAYABLE)
        _flag_accounts(
            {refused[pk][0]: refused[pk][1] for pk in transfer_ids},
            actor=None,
            reason=f"{REFUSED_BY_FILE} du lot n° {run.pk}",
            source=source,
        )
        # Counts and total of what is left, added as Decimal (SQLite would add floats).
        amounts = list(
            TransferLine.objects.filter(transfer__run=run).values_list("amount", flat=True).iterator(chunk_size=10_000)
        )
        run.line_count = len(amounts)
        run.netted_count = sum(1 for amount in amounts if amount < 0)
        run.total = sum(amounts, ZERO)
        run.transfer_count = run.progress_total = Transfer.objects.filter(run=run).count()
        run.save(update_fields=["line_count", "netted_count", "total", "transfer_count", "progress_total"])
        withdrawn = sum((amount for _, _, amount in gone), ZERO)
        audit.record(
            actor=None,
            action="payments.run.transfers_withdrawn",
            target=run,
            summary=(
                f"{len(gone)} virement(s) retiré(s) du fichier ({', '.join(e2e for _, e2e, _ in gone[:20])}) : coordonnées "
                f"bancaires refusées, compte(s) signalé(s) ; {len(line_ids)} ligne(s) de nouveau à payer ({euros(withdrawn)})"
            ),
            source=source,
        )


def payment_run_execute(*, run_id: int, source: str = AuditEntry.Source.TASK) -> PaymentRun:
    """Build, validate and store the SEPA file of an approved run. Resumable and idempotent: an
    executed run is returned unchanged; an interrupted one is resumed and produces the same file.

    One beneficiary never fails the whole run: a transfer whose bank details the file refuses is taken
    out of it (its lines « à payer » again, its account flagged) and the others are paid."""
    run = _start(run_id)
    if run is None:
        return PaymentRun.objects.get(pk=run_id)
    path = sepa_path(run)
    _remove_orphan_temporaries(path.parent, prefix=f".{path.name}.")  # left by an attempt that was killed
    try:
        _verify_frozen(run)
        rows = _frozen_transfers(run)
        refused = {pk: (account_id, problem) for pk, account_id, *_, creditor in rows if (problem := _refusal(creditor))}
        if refused:
            _withdraw(run.pk, refused, source=source)
            rows = _frozen_transfers(run)
        if not rows:
            raise ValidationError(
                "Aucun virement ne reste dans le lot : tous ses comptes bénéficiaires ont été signalés "
                "(coordonnées bancaires refusées)."
            )
        pause = settings.PAYMENTS_EXECUTION_PAUSE_SECONDS
        step = max(1, -(-len(rows) // PROGRESS_STEPS))
        transfers = []
        for position, (_, _, e2e, amount, remittance, creditor) in enumerate(rows, 1):
            transfers.append(sepa.CreditTransfer(end_to_end_id=e2e, creditor=creditor, amount=amount, remittance=remittance))
            if position % step == 0 or position == len(rows):
                PaymentRun.objects.filter(pk=run.pk).update(progress_done=position)
                if pause:
                    time.sleep(pause)
        built = sepa.build_pain_001_001_09(
            message_id=run.message_id,
            created_at=run.file_created_at,
            debtor=_debtor(),
            execution_date=run.execution_date,
            transfers=transfers,
            initiating_party=settings.OPCO_NAME,
        )
        database_total = Transfer.objects.filter(run=run).aggregate(total=Sum("amount"))["total"] or ZERO
        if built.control_sum != database_total or built.transaction_count != len(rows):
            raise ValidationError("La somme de contrôle du fichier ne correspond pas aux lignes du lot.")
        _write_file(path, built.xml)
    except (ValidationError, ValueError, TypeError, sepa.SepaValidationError) as error:
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        with transaction.atomic():
            failed = PaymentRun.objects.filter(pk=run.pk, status=RunStatus.EXECUTING).update(
                status=RunStatus.FAILED, error=message[:2000], finished_at=timezone.now()
            )
            if failed:
                audit.record(actor=None, action="payments.run.failed", target=run, summary=message, source=source)
        return PaymentRun.objects.get(pk=run.pk)
    with transaction.atomic():
        done = PaymentRun.objects.filter(pk=run.pk, status=RunStatus.EXECUTING).update(
            status=RunStatus.FILE_READY,
            file=f"{SEPA_DIR}/{path.name}",
            file_sha256=hashlib.sha256(built.xml).hexdigest(),
            control_sum=built.control_sum,
            transaction_count=built.transaction_count,
            progress_done=len(rows),
            finished_at=timezone.now(),
        )
        if done:
            audit.record(
                actor=None,
                action="payments.run.file_ready",
                target=run,
                summary=(
                    f"Fichier SEPA {path.name} : {built.transaction_count} virement(s), "
                    f"somme de contrôle {euros(built.control_sum)}"
                ),
                source=source,
            )
    return PaymentRun.objects.get(pk=run.pk)


def payment_run_request_execution(*, actor, run_id: int, source: str = AuditEntry.Source.WEB) -> PaymentRun:
    """Queue the execution on Celery (after commit). Executing is idempotent, so asking twice is harmless."""
    from payments.tasks import execute_payment_run

    _require_finance(actor, "exécuter un lot de paiement")
    with transaction.atomic():
        run = _locked(run_id)
        if run.status not in EXECUTED:
            _refuse_unless(run, EXECUTABLE, "exécuter ce lot")
            audit.record(
                actor=actor,
                action="payments.run.execution_requested",
                target=run,
                summary=f"Exécution du {run} demandée",
                source=source,
            )
            transaction.on_commit(lambda: execute_payment_run.delay(run.pk))
    return run


# --- Sweep ----------------------------------------------------------------------------------------
@dataclass
class Sweep:
    resumed: list[int] = field(default_factory=list)
    temporaries_removed: int = 0


def _stuck_since(cutoff) -> Q:
    """Executing, and its last attempt (or, for a run executed before it was stamped, its start) before `cutoff`."""
    last_attempt = Q(attempted_at__lt=cutoff) | Q(attempted_at__isnull=True, started_at__lt=cutoff)
    return Q(status=RunStatus.EXECUTING) & last_attempt


def payment_runs_sweep(*, source: str = AuditEntry.Source.TASK) -> Sweep:
    """The beat task's round (payments.tasks.sweep_payment_runs): resume the runs stuck « en exécution »
    for longer than the bound, whose execution died with its Celery message (a message dropped by the
    broker, a task that crashed on an unexpected error), and remove the temporary files of killed
    executions. Resuming is queuing the execution again, which is resumable and idempotent; a
    compare-and-swap on the last attempt makes one sweep queue it, and none again before the bound has
    passed once more."""
    from payments.tasks import execute_payment_run

    minutes = settings.PAYMENTS_STUCK_EXECUTION_MINUTES
    now = timezone.now()
    stuck = _stuck_since(now - timedelta(minutes=minutes))
    sweep = Sweep()
    for run_id in PaymentRun.objects.filter(stuck).order_by("id").values_list("id", flat=True):
        with transaction.atomic():
            if not PaymentRun.objects.filter(stuck, pk=run_id).update(attempted_at=now):
                continue  # resumed meanwhile, by an attempt or another sweep
            run = PaymentRun.objects.get(pk=run_id)
            audit.record(
                actor=None,
                action="payments.run.execution_resumed",
                target=run,
                summary=(
                    f"{run} « en exécution » depuis plus de {minutes} min sans tentative en cours (exécution interrompue) : "
                    f"exécution relancée, tentative n° {run.attempts + 1}"
                ),
                source=source,
            )
            transaction.on_commit(partial(execute_payment_run.delay, run_id))
        sweep.resumed.append(run_id)
    sweep.temporaries_removed = _remove_orphan_temporaries(Path(settings.MEDIA_ROOT) / SEPA_DIR)
    return sweep


# --- After the file -------------------------------------------------------------------------------
def payment_run_mark_sent(*, actor, run_id: int, source: str = AuditEntry.Source.WEB) -> PaymentRun:
    _require_finance(actor, "déclarer un lot envoyé à la banque")
    with transaction.atomic():
        run = _locked(run_id)
        _refuse_unless(run, (RunStatus.FILE_READY,), "déclarer ce lot envoyé")
        run.status, run.sent_by, run.sent_at = RunStatus.SENT, actor, timezone.now()
        run.save(update_fields=["status", "sent_by", "sent_at"])
        audit.record(actor=actor, action="payments.run.sent", target=run, summary=f"{run} remis à la banque", source=source)
    return run


def payment_run_settle(*, actor, run_id: int, source: str = AuditEntry.Source.WEB) -> PaymentRun:
    """The bank debited the run: its lines (except those of returned transfers) are paid."""
    _require_finance(actor, "déclarer un lot réglé")
    with transaction.atomic():
        run = _locked(run_id)
        _refuse_unless(run, (RunStatus.SENT,), "déclarer ce lot réglé")
        Transfer.objects.filter(run=run, status=TransferStatus.INCLUDED).update(status=TransferStatus.SETTLED)
        lines = PayableLine.objects.filter(run=run, status=LineStatus.IN_RUN)
        line_ids = list(lines.values_list("id", flat=True))
        _set_lines(line_ids, status=LineStatus.PAID)
        sources.mirror_status(PayableLine.objects.filter(run=run, status=LineStatus.PAID), LineStatus.PAID)
        run.status, run.settled_by, run.settled_at = RunStatus.SETTLED, actor, timezone.now()
        run.save(update_fields=["status", "settled_by", "settled_at"])
        audit.record(
            actor=actor,
            action="payments.run.settled",
            target=run,
            summary=f"{run} réglé : {len(line_ids)} ligne(s) payée(s)",
            source=source,
        )
        # R6332-23 3°: the list of bodies funded is republished after each settled run.
        transaction.on_commit(lambda: publication.changed(f"{run} réglé"))
        settlement.run_settled(run)  # the missions' payment advices (payments.settlement)
    return run


def transfer_return(
    *, actor, transfer_id: int, reason_code: str, reason: str, source: str = ReturnSource.MANUAL, source_file: str = ""
) -> BankReturn:
    """A transfer rejected or returned by the bank: its lines are closed as returned and replaced by new
    payable lines for the same sources (so that each line keeps at most one transfer), the account is
    flagged until staff correct it. A second return of the same transfer is refused."""
    if actor is not None:
        _require_finance(actor, "enregistrer un rejet bancaire")
    reason_code = (reason_code or "").strip().upper()
    if not reason_code:
        raise ValidationError({"reason_code": "Indiquez le code motif du rejet (ex. AC01, AC04, MD07)."})
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update(of=("self",)).select_related("run").get(pk=transfer_id)
        if transfer.run.status not in (RunStatus.FILE_READY, RunStatus.SENT, RunStatus.SETTLED):
            raise RunRefused(f"Le virement {transfer.end_to_end_id} n'a pas été émis : il ne peut pas être rejeté.")
        if transfer.status == TransferStatus.RETURNED:
            raise RunRefused(f"Le rejet du virement {transfer.end_to_end_id} est déjà enregistré.")
        bank_return = BankReturn.objects.create(
            transfer=transfer,
            reason_code=reason_code[:8],
            reason=(reason or reason_code)[:255],
            source=source,
            source_file=source_file[:255],
            recorded_by=actor,
        )
        transfer.status = TransferStatus.RETURNED
        transfer.save(update_fields=["status"])
        originals = list(
            PayableLine.objects.select_for_update(of=("self",)).filter(transfer_line__transfer=transfer).order_by("id")
        )
        PayableLine.objects.filter(id__in=[line.pk for line in originals]).update(
            status=LineStatus.RETURNED, updated_at=timezone.now()
        )
        successors = PayableLine.objects.bulk_create(
            [
                PayableLine(
                    account_id=line.account_id,
                    source_type_id=line.source_type_id,
                    source_id=line.source_id,
                    amount=line.amount,
                    due_date=line.due_date,
                    pay_by=line.pay_by,
                    reference=line.reference,
                    label=line.label,
                    section=line.section,
                    replaces=line,
                )
                for line in originals
            ]
        )
        BeneficiaryAccount.objects.filter(pk=transfer.account_id).update(
            blocked=True,
            blocked_reason=f"Rejet {reason_code} du virement {transfer.end_to_end_id}"[:255],
            blocked_at=timezone.now(),
        )
        sources.mirror_status(PayableLine.objects.filter(id__in=[line.pk for line in successors]), LineStatus.PAYABLE)
        audit.record(
            actor=actor,
            action="payments.transfer.returned",
            target=transfer,
            summary=(
                f"Rejet {reason_code} ({bank_return.reason}) : {len(successors)} ligne(s) de nouveau à payer, "
                f"IBAN du bénéficiaire signalé"
            ),
            source=AuditEntry.Source.IMPORT if source == ReturnSource.PAIN002 else AuditEntry.Source.WEB,
        )
        transaction.on_commit(lambda: publication.changed(f"Rejet du virement {transfer.end_to_end_id}"))
    return bank_return


def recovery_order_settle(*, actor, order_id: int) -> RecoveryOrder:
    _require_finance(actor, "solder un titre de recette")
    with transaction.atomic():
        order = RecoveryOrder.objects.select_for_update().get(pk=order_id)
        if order.status != RecoveryStatus.ISSUED:
            raise RunRefused(f"Le {order} est déjà recouvré.")
        order.status = RecoveryStatus.SETTLED
        order.save(update_fields=["status"])
        audit.record(
            actor=actor, action="payments.recovery.settled", target=order, summary=f"{order} recouvré ({euros(order.amount)})"
        )
    return order
