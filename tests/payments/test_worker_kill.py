"""A Celery worker on Redis killed for real in the middle of a payment run's execution, then a new
worker: 0 lost, 0 duplicated transfers, one valid file (issue 5, "exactly once").

The worker is a real `celery -A opco worker` process (prefork pool) on the test database; the kill is a
SIGKILL of its whole process group (main process and pool child), so nothing gets the chance to clean
up. The message stays unacknowledged in Redis (acks_late). The new worker gets it back by itself once
the broker's visibility timeout has passed (a few seconds here, `CELERY_VISIBILITY_TIMEOUT`, one hour
in production): nothing is re-sent by the test. The resumed execution must produce the same
transfers and one file."""

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from lxml import etree

from opco.celery import app
from payments import sepa
from payments.enums import LineStatus, RunStatus
from payments.models import PayableLine, PaymentRun, Transfer, TransferLine
from payments.runs import payment_run_request_execution
from tests.conftest import need_postgres, need_redis
from tests.payments.factories import approved_run_on, make_accounts, make_lines

pytestmark = pytest.mark.django_db(transaction=True)

TASK = "payments.tasks.execute_payment_run"
PAUSE_SECONDS = 0.5  # per progress step (ten steps): the execution lasts about 5 s, long enough to be killed


def _database_url() -> str:
    """The URL of the test database this test runs on, for the worker process."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery -A opco worker -Q payments --concurrency 1 --pool prefork` in its own process group."""

    def __init__(self, name: str, media_root: Path, log: Path):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "opco.settings_test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": django_settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": str(media_root),
            "PAYMENTS_EXECUTION_PAUSE_SECONDS": str(PAUSE_SECONDS),
            # Redeliver a dead worker's message after 3 s, looking for it every second.
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        }
        self.log = log
        command = [sys.executable, "-m", "celery", "-A", "opco", "worker", "-Q", "payments", "--concurrency", "1"]
        command += ["--pool", "prefork", "--loglevel", "INFO", "-n", f"{name}-{os.getpid()}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 — our own interpreter, fixed arguments
                command,
                cwd=django_settings.BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the kill reaches the pool child too
            )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _unacked(client) -> dict[bytes, str]:
    """The messages Redis keeps as delivered but unacknowledged (kombu's `unacked` hash): tag → task id
    of our payment task."""
    found = {}
    for tag, raw in client.hgetall("unacked").items():
        message = json.loads(raw)[0]
        headers = message.get("headers") or {}
        if headers.get("task") == TASK:
            found[tag] = headers.get("id")
    return found


def _wait(predicate, seconds: float, what: str, worker: Worker):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"Délai dépassé : {what}\n--- journal du worker ---\n{worker.tail()}")


def _placement(run: PaymentRun) -> list[tuple]:
    return list(
        TransferLine.objects.filter(transfer__run=run)
        .order_by("line_id")
        .values_list("line_id", "transfer_id", "transfer__end_to_end_id", "amount")
    )


def test_a_worker_killed_mid_execution_and_a_new_worker_lose_and_duplicate_nothing(finance, finance2, settings, tmp_path):
    need_postgres()
    need_redis()
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    today = timezone.localdate()
    lines = make_lines(make_accounts(80), 400, today)
    run = approved_run_on(finance, finance2, today)
    assert (run.line_count, run.transfer_count) == (400, 80)
    before = _placement(run)
    assert len(before) == 400
    expected_total = sum((line.amount for line in lines), Decimal("0"))

    broker = app.connection_for_write()
    client = broker.default_channel.client
    broker.default_channel.queue_purge("payments")
    stale = _unacked(client)
    workers: list[Worker] = []
    app.conf.task_always_eager = False
    try:
        first = Worker("paiements-tue", media, tmp_path / "worker-1.log")
        workers.append(first)
        payment_run_request_execution(actor=finance, run_id=run.pk)  # queued on commit, as from the screen

        def executing_with_progress():
            run.refresh_from_db()
            return run.status == RunStatus.EXECUTING and run.progress_done > 0

        _wait(executing_with_progress, 45, "l'exécution n'a pas commencé", first)
        first.kill()
        killed_at = run.progress_done
        assert 0 < killed_at < 80

        # Killed in the middle: still executing, no file, the message unacknowledged (acks_late).
        run.refresh_from_db()
        assert (run.status, run.attempts, run.file.name) == (RunStatus.EXECUTING, 1, "")
        assert (
            not (media / "payments" / "runs").exists()
            or [path.name for path in (media / "payments" / "runs").iterdir() if path.suffix == ".xml"] == []
        )
        orphans = {tag: task for tag, task in _unacked(client).items() if tag not in stale}
        assert len(orphans) == 1, orphans

        second = Worker("paiements-reprise", media, tmp_path / "worker-2.log")
        workers.append(second)
        # Nothing is sent again: the new worker takes the dead worker's message back from Redis.

        def finished():
            run.refresh_from_db()
            return run.status not in (RunStatus.APPROVED, RunStatus.EXECUTING)

        _wait(finished, 45, "l'exécution reprise ne s'est pas terminée", second)
    finally:
        app.conf.task_always_eager = True
        for worker in workers:
            worker.stop()
        # The killed worker's message would come back after the visibility timeout (one hour) and
        # execute a run of whatever test database then exists: drop it.
        for tag in {tag for tag in _unacked(client) if tag not in stale}:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
        broker.release()

    assert run.status == RunStatus.FILE_READY, f"{run.error}\n{second.tail()}"
    assert run.attempts == 2
    assert run.progress_done == run.progress_total == 80

    # 0 lost, 0 duplicated: the same transfer lines as before the kill, every line in_run in this run.
    assert _placement(run) == before
    assert Transfer.objects.count() == Transfer.objects.filter(run=run).count() == 80
    assert TransferLine.objects.count() == 400
    assert list(PayableLine.objects.exclude(status=LineStatus.IN_RUN, run=run).values_list("id", "status")) == []
    e2e_ids = list(Transfer.objects.values_list("end_to_end_id", flat=True))
    assert len(set(e2e_ids)) == 80

    # One file, valid against the XSD, whose control sum is the database's.
    files = sorted(path.name for path in (media / "payments" / "runs").iterdir())
    assert files == [f"{run.message_id}.xml"]
    xml = (media / "payments" / "runs" / files[0]).read_bytes()
    sepa.validate(xml)
    root = etree.fromstring(xml)
    ns = {"p": sepa.NAMESPACE}
    database_sum = Transfer.objects.filter(run=run).aggregate(total=Sum("amount"))["total"]
    assert database_sum == expected_total == PayableLine.objects.filter(run=run).aggregate(total=Sum("amount"))["total"]
    assert Decimal(root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns)) == database_sum
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "80"
    file_ids = [node.text for node in root.iterfind(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", namespaces=ns)]
    assert sorted(file_ids) == sorted(e2e_ids)
    assert (run.control_sum, run.transaction_count) == (database_sum, 80)
