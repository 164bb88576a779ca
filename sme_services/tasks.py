"""Celery tasks of the proximity service: they take ids and call one service (DESIGN.md)."""

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True)
def send_weekly_digests() -> int:
    from sme_services.services.reports import weekly_digests_send

    return weekly_digests_send(today=timezone.localdate())


@shared_task(acks_late=True)
def build_quarterly_reports() -> int:
    from sme_services.services.reports import quarterly_reports_request_all

    return quarterly_reports_request_all(today=timezone.localdate())


@shared_task(acks_late=True)
def build_quarterly_report(report_id: int) -> int:
    from sme_services.services.reports import quarterly_report_build

    return quarterly_report_build(report_id=report_id).pk
