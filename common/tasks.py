"""Common jobs: publishing what the outbox still holds (common/outbox.py), and the workers'
heartbeat that the readiness probe reads (common/health.py)."""

from celery import shared_task
from django.utils import timezone

from common import outbox
from common.models import ServiceBeat


@shared_task
def publish_task_outbox() -> int:
    """Every minute: publish the tasks that could not be published when they were queued."""
    return outbox.drain()


@shared_task
def record_worker_heartbeat() -> None:
    """Every minute, sent by the scheduler and run by a worker: both are alive."""
    ServiceBeat.objects.update_or_create(name="worker", defaults={"at": timezone.now()})
