"""A task delivered through Redis to a real Celery worker (not eager): the referential load job."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from opco.celery import app
from referentials.enums import LoadStatus
from referentials.models import Naf, ReferentialLoad
from referentials.services import referential_load_request
from tests.conftest import need_postgres, need_redis


@pytest.mark.django_db(transaction=True)
def test_a_load_job_runs_through_a_real_worker_on_redis(make_user, settings):
    need_redis()
    need_postgres()
    assert app.conf.broker_url.startswith("redis://")
    admin = make_user(kind="staff", groups=["administrateur"])
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge("referentials")
    except Exception:  # the queue does not exist yet
        pass
    try:
        with start_worker(app, pool="solo", queues=["referentials"], perform_ping_check=False, shutdown_timeout=30):
            job = referential_load_request(actor=admin, kinds=["naf"])
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.finished:
                    break
                time.sleep(0.2)
    finally:
        app.conf.task_always_eager = True
    assert job.status == LoadStatus.DONE, job.error
    assert (job.steps_done, job.steps_total) == (1, 1)
    assert job.report[0]["kind"] == "naf" and job.report[0]["created"] == 732
    assert Naf.objects.count() == 732
    assert ReferentialLoad.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_job_is_run_once_even_if_its_message_is_delivered_twice(make_user):
    from referentials.services import referential_load_run

    admin = make_user(kind="staff", groups=["administrateur"])
    job = referential_load_request(actor=admin, kinds=["legal_parameters"])  # eager: runs at commit
    job.refresh_from_db()
    assert job.status == LoadStatus.DONE
    again = referential_load_run(job_id=job.pk)  # a redelivered message
    assert again.status == LoadStatus.DONE and len(again.report) == 1
