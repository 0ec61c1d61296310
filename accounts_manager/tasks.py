"""Thin tasks of the account managers' part: 企业微信 messages to staff."""

from celery import shared_task

from accounts_manager import staff_messages


@shared_task(acks_late=True)
def send_wecom_message(message_id: int) -> str:
    """One attempt at one recorded message (queued on the commit that recorded it)."""
    return staff_messages.send_message(message_id)


@shared_task
def send_due_wecom_messages() -> dict[str, int]:
    """Every minute: retries whose wait is over, and messages whose task was lost."""
    return staff_messages.send_due_messages()
