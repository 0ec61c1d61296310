"""Which files may be attached (to a complaint, a connection project), checked by name *and*
content.

The list is short and fixed (photos, scans, office documents, call recordings, plain text), so
each type is recognised by its file signature here rather than trusting the browser's
Content-Type header or the file name alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)


@dataclass(frozen=True)
class FileType:
    content_type: str
    signatures: tuple[bytes, ...]  # any of them at offset 0; empty: text
    extra: tuple[int, bytes] | None = None  # (offset, bytes) that must also match


ALLOWED_TYPES: dict[str, FileType] = {
    ".pdf": FileType("application/pdf", (b"%PDF-",)),
    ".jpg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": FileType("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": FileType("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": FileType("image/webp", (b"RIFF",), extra=(8, b"WEBP")),
    ".doc": FileType("application/msword", _OLE),
    ".xls": FileType("application/vnd.ms-excel", _OLE),
    ".docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP
    ),
    ".xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".mp3": FileType("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".wav": FileType("audio/wav", (b"RIFF",), extra=(8, b"WAVE")),
    ".amr": FileType("audio/amr", (b"#!AMR",)),
    ".txt": FileType("text/plain", ()),
}


def allowed_extensions() -> str:
    return ", ".join(sorted(ALLOWED_TYPES))


def _matches(head: bytes, file_type: FileType) -> bool:
    if not file_type.signatures:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still text.
            return exc.start >= len(head) - 3 and b"\x00" not in head
        return b"\x00" not in head
    if not any(head.startswith(sig) for sig in file_type.signatures):
        return False
    if file_type.extra is not None:
        offset, expected = file_type.extra
        return head[offset : offset + len(expected)] == expected
    return True


def check_upload(upload, *, max_bytes: int) -> str:
    """Validate an uploaded file of at most `max_bytes`; return its content type or raise
    ValidationError(file)."""
    if upload.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if upload.size > max_bytes:
        raise ValidationError(
            {
                "file": [
                    _("The file is %(size)s; at most %(max)s is accepted.")
                    % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)}
                ]
            }
        )
    suffix = PurePosixPath(upload.name or "").suffix.lower()
    file_type = ALLOWED_TYPES.get(suffix)
    if file_type is None:
        raise ValidationError(
            {
                "file": [
                    _("Files of this type cannot be attached. Allowed: %(types)s.")
                    % {"types": allowed_extensions()}
                ]
            }
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if not _matches(head, file_type):
        raise ValidationError(
            {"file": [_("The file's content does not match its %(ext)s name.") % {"ext": suffix}]}
        )
    return file_type.content_type
