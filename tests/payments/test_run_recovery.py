"""What a killed execution leaves behind is cleaned up: its temporary SEPA file (IBANs in it) is removed
by the next attempt."""

from pathlib import Path

import pytest

from payments.enums import RunStatus
from payments.models import PaymentRun, Transfer
from payments.runs import payment_run_execute, sepa_path
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
