"""Which files may be attached (to a complaint, a connection project), checked by name *and*
content; and how an attachment is stored (a random name, removed again if its row is not
written).

The list is short and fixed (photos, scans, office documents, call recordings, plain text), so
each type is recognised by its file signature here rather than trusting the browser's
Content-Type header or the file name alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def upload_name(upload) -> str:
    """The file's own name as the browser sent it, without any folder, at most 200 characters."""
    return str(upload.name).replace("\\", "/").rsplit("/", 1)[-1][:200]


def random_upload_path(folder: str, filename: str) -> str:
    """Where an attachment is stored: a random name in `folder` with the file's (lower-case)
    extension, so the stored path never reveals whose file it is or its original name."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


@contextmanager
def files_removed_on_failure() -> Iterator[Callable]:
    """Files stored in the block and handed to the callable it gives (`stored(field_file)`)
    are deleted again if the block fails: their rows were not written, so nothing is left
    half-written."""
    stored: list = []
    try:
        yield stored.append
    except Exception:
        for field_file in stored:
            if field_file.name:
                field_file.storage.delete(field_file.name)
        raise
