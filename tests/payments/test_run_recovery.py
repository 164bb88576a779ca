"""What a killed execution leaves behind is cleaned up: its temporary SEPA file (IBANs in it) is removed
by the next attempt or by the sweep, never the file an execution alive is writing; a run stuck « en
exécution » longer than the bound (its Celery message gone) is resumed by the sweep, once, and the
resumed execution produces the run's one file."""

import fcntl
import os
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from opco.celery import app
from opco.models import AuditEntry
from payments.enums import RunStatus
from payments.models import PaymentRun, Transfer
from payments.runs import payment_run_execute, payment_runs_sweep, sepa_path
from tests.payments.factories import approved_run

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (not an Exception, so no handler
    of the execution catches it)."""


def killed_before_the_rename(run: PaymentRun, monkeypatch) -> PaymentRun:
    """Execute `run` and kill it once its temporary file is written, before the rename to the final name."""

    def kill(*args, **kwargs):
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr("payments.runs.os.replace", kill)
        with pytest.raises(Killed):
            payment_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.file.name) == (RunStatus.EXECUTING, 1, "")
    return run


def files_in(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


def temporaries(directory: Path) -> list[str]:
    return [name for name in files_in(directory) if name.startswith(".")]


@pytest.fixture
def run(finance, finance2):
    return approved_run(finance, finance2, [["1200.00", "35.50"], ["300.00"]])


def test_the_next_attempt_removes_the_temporary_file_a_killed_execution_left(run, monkeypatch):
    run = killed_before_the_rename(run, monkeypatch)
    directory = sepa_path(run).parent
    [left] = temporaries(directory)
    assert Transfer.objects.filter(run=run).first().iban.encode() in (directory / left).read_bytes()

    run = payment_run_execute(run_id=run.pk)

    assert (run.status, run.attempts) == (RunStatus.FILE_READY, 2)
    assert files_in(directory) == [f"{run.message_id}.xml"]


def test_the_sweep_removes_orphan_temporary_files_but_not_one_being_written(run, monkeypatch):
    run = killed_before_the_rename(run, monkeypatch)
    directory = sepa_path(run).parent
    [orphan] = temporaries(directory)
    # An execution alive holds its temporary file locked while it writes it.
    alive = directory / f".OPCO-LOT-99999999.xml.{os.getpid()}"
    with alive.open("wb") as writing:
        fcntl.flock(writing.fileno(), fcntl.LOCK_EX)
        writing.write(b"<Document/>")

        sweep = payment_runs_sweep()

        assert sweep.temporaries_removed == 1
        assert temporaries(directory) == [alive.name]
    assert payment_runs_sweep().temporaries_removed == 1  # once its writer is gone, it goes too
    assert files_in(directory) == []


def test_a_run_stuck_executing_longer_than_the_bound_is_resumed_once_by_the_sweep(
    run, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENTS_STUCK_EXECUTION_MINUTES = 90
    run = killed_before_the_rename(run, monkeypatch)
    killed_at = timezone.now()

    with time_machine.travel(killed_at + timedelta(minutes=89), tick=False), django_capture_on_commit_callbacks() as queued:
        assert payment_runs_sweep().resumed == []  # maybe still running: its message may come back
    assert queued == []

    with time_machine.travel(killed_at + timedelta(minutes=91), tick=False):
        with django_capture_on_commit_callbacks() as queued:
            first = payment_runs_sweep()
            second = payment_runs_sweep()  # a second sweep before the resumed execution started
        assert (first.resumed, second.resumed, len(queued)) == ([run.pk], [], 1)
        queued[0]()  # the execution task, eager here, as a worker would run it

    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.FILE_READY, 2)
    assert files_in(sepa_path(run).parent) == [f"{run.message_id}.xml"]
    assert AuditEntry.objects.filter(action="payments.run.execution_resumed", target_id=str(run.pk)).count() == 1
    with time_machine.travel(killed_at + timedelta(hours=5), tick=False), django_capture_on_commit_callbacks() as queued:
        assert payment_runs_sweep().resumed == []  # executed: nothing to resume
    assert queued == []


def test_the_sweep_is_a_beat_task():
    entries = [entry for entry in app.conf.beat_schedule.values() if entry["task"] == "payments.tasks.sweep_payment_runs"]
    assert len(entries) == 1
    assert "payments.tasks.sweep_payment_runs" in app.tasks
