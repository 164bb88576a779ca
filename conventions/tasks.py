"""Celery interface of conventions: one service call per task (HackSoft)."""

from celery import shared_task

from conventions.transparency import transparency_publish


@shared_task(acks_late=True)
def publish_transparency(reason: str = "Actualisation quotidienne") -> int:
    """After a settled run, a returned transfer, a new NPEC publication or a convention signed or
    amended — and each night as a safety net (R6332-23: within 15 days)."""
    return transparency_publish(reason=reason).pk
