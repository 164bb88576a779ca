"""Celery interface of payments: ids in, one service call (HackSoft). Execution is idempotent and
resumable, so a message redelivered after a worker died (acks_late, reject_on_worker_lost) finishes
the job instead of repeating it."""

from celery import shared_task

from payments.runs import payment_run_execute, payment_runs_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True)
def execute_payment_run(run_id: int) -> str:
    run = payment_run_execute(run_id=run_id)
    return run.status


@shared_task(acks_late=True)
def sweep_payment_runs() -> dict:
    """Beat: resume the runs stuck « en exécution », remove the temporary files of killed executions."""
    sweep = payment_runs_sweep()
    return {"resumed": sweep.resumed, "temporaries_removed": sweep.temporaries_removed}
