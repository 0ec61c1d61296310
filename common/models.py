from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class OutboxTask(models.Model):
    """A background task to publish, written in the same transaction as the change needing it.

    `common.outbox.enqueue` adds the row and publishes it right after the commit; a broker
    that is down leaves the row unpublished, and the job `publish_task_outbox` (every minute)
    publishes it once the broker is back. Tasks take ids and are safe to run twice, since a
    row may be published again if its publisher died between publishing and recording it.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # A publisher holds the row while it hands it to the broker; a dead one's claim expires.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")
        indexes = [
            models.Index(
                fields=["id"],
                name="outbox_unpublished_idx",
                condition=models.Q(published_at__isnull=True),
            ),
            models.Index(fields=["published_at"], name="outbox_published_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} {'published' if self.published_at else 'queued'}"
