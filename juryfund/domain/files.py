"""What kind of file an upload really is, judged by its first bytes, never by its name."""

from __future__ import annotations

from .errors import DomainError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 5

#: Magic numbers of the accepted formats.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def sniff_type(head: bytes) -> str | None:
    """The media type the bytes start with, or None when it is none we accept."""
    for signature, media_type in _SIGNATURES:
        if head.startswith(signature):
            return media_type
    return None


def check_upload(
    data: bytes, *, already: int, limit: int = MAX_FILES, field: str = "attachments"
) -> str:
    """Refuse empty, oversized, unknown or one-too-many files; returns the detected type."""
    if already >= limit:
        raise DomainError("file.too_many", field=field, maximum=limit)
    if not data:
        raise DomainError("file.empty", field=field)
    if len(data) > MAX_FILE_BYTES:
        raise DomainError("file.too_large", field=field, maximum_mb=MAX_FILE_BYTES // (1024 * 1024))
    media_type = sniff_type(data[:16])
    if media_type is None:
        raise DomainError("file.wrong_type", field=field)
    return media_type


def safe_filename(name: str, media_type: str) -> str:
    """A display name without paths or control characters, ending in the real type's extension."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{(stem or 'file')[:100]}{EXTENSIONS[media_type]}"
