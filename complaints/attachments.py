"""Which files may be attached to a complaint: the product's one upload check
(common.uploads), with the complaints' size limit."""

from __future__ import annotations

from django.conf import settings

from common import uploads
from common.uploads import allowed_extensions

__all__ = ["allowed_extensions", "check_upload"]


def check_upload(upload) -> str:
    """Validate an uploaded file; return its content type or raise ValidationError(file)."""
    return uploads.check_upload(upload, max_bytes=settings.COMPLAINT_ATTACHMENT_MAX_BYTES)
