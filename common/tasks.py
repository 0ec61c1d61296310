"""The job that publishes what the outbox still holds (see common/outbox.py)."""

from celery import shared_task

from common import outbox


@shared_task
def publish_task_outbox() -> int:
    """Every minute: publish the tasks that could not be published when they were queued."""
    return outbox.drain()
