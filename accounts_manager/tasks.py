"""Background jobs of accounts_manager: the directory's sync and 企业微信 messages to staff;
the schedule is config/celery.py's BEAT_SCHEDULE."""

import logging

from celery import shared_task

from accounts_manager import directory, staff_messages

logger = logging.getLogger(__name__)


@shared_task
def sync_directory_users() -> int:
    """Every 15 minutes: deactivate the directory users the directory disabled or removed.
    Returns how many; nothing happens without a directory. A directory that does not answer
    is logged and left for the next run (nobody is deactivated on a failed look-up)."""
    try:
        result = directory.sync_directory_users()
    except directory.DirectoryUnavailable as error:
        logger.error("Directory sync skipped: the directory does not answer (%s)", error)
        return 0
    return len(result.deactivated) if result else 0


@shared_task(acks_late=True)
def send_wecom_message(message_id: int) -> str:
    """One attempt at one recorded message (queued on the commit that recorded it)."""
    return staff_messages.send_message(message_id)


@shared_task
def send_due_wecom_messages() -> dict[str, int]:
    """Every minute: retries whose wait is over, and messages whose task was lost."""
    return staff_messages.send_due_messages()
