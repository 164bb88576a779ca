from celery import shared_task

from referentials.services import referential_load_run


@shared_task(acks_late=True)
def run_referential_load(job_id: int) -> str:
    job = referential_load_run(job_id=job_id)
    return job.status
