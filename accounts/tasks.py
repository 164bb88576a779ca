from celery import shared_task
from django.conf import settings
from django.core import management
from django.utils import timezone


@shared_task
def clear_expired_sessions() -> None:
    management.call_command("clearsessions")


@shared_task
def purge_expired_login_failures() -> int:
    """Lockouts lift by themselves after the cool-off (axes); this drops the failure rows older
    than the cool-off, which no longer count."""
    from axes.models import AccessAttempt

    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=timezone.now() - settings.AXES_COOLOFF_TIME).delete()
    return deleted
