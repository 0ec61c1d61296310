"""Background jobs of accounts_manager; the schedule is config/celery.py's BEAT_SCHEDULE."""

import logging

from celery import shared_task

from accounts_manager import directory

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
