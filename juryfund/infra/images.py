"""Photos for the public: decoded by Pillow, turned upright, resized and written anew without
any metadata (no EXIF, GPS, camera, XMP, ICC profile or comment survives the re-encoding)."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from ..domain.errors import DomainError

#: The largest upload read at all (a phone photo is 2-8 MB).
MAX_PHOTO_BYTES = 10 * 1024 * 1024
#: The most pixels decoded: more is a decompression bomb, or no photo a phone takes (48 MP).
MAX_PIXELS = 50_000_000
#: The longest side of a stored photo; plenty for a web page, small enough to send.
LONGEST_SIDE = 1600
#: Pillow's format name, the stored media type, and how each is written anew.
FORMATS: dict[str, tuple[str, dict[str, Any]]] = {
    "JPEG": ("image/jpeg", {"quality": 85, "optimize": True}),
    "PNG": ("image/png", {"optimize": True}),
    "WEBP": ("image/webp", {"quality": 85}),
}


@dataclass(frozen=True)
class CleanPhoto:
    """A photo as it is stored: re-encoded bytes, their media type, size in pixels and hash."""

    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def clean_photo(data: bytes, *, field: str) -> CleanPhoto:
    """Check an uploaded photo and return it upright, resized and without metadata.

    DomainError (on ``field``) for an empty, too large or broken file, anything but JPEG, PNG
    or WebP, and an image with more pixels than a photo has.
    """
    if not data:
        raise DomainError("photo.empty", field=field)
    if len(data) > MAX_PHOTO_BYTES:
        raise DomainError("photo.too_large", field=field, maximum_mb=MAX_PHOTO_BYTES // 2**20)
    try:
        with warnings.catch_warnings():
            # Pillow warns before it refuses; a warned image is refused here already.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            kind = image.format or ""
            if image.width * image.height > MAX_PIXELS:
                raise DomainError("photo.too_many_pixels", field=field)
            image.load()
    except DomainError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,  # Pillow's parsers raise it for some malformed headers
    ) as error:
        raise DomainError("photo.not_an_image", field=field) from error
    content_type, options = FORMATS[kind]
    upright = ImageOps.exif_transpose(image) or image
    upright.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    pixels = _plain_pixels(upright, kind)
    pixels.info = {}  # nothing of the original's metadata goes to the encoder
    out = io.BytesIO()
    pixels.save(out, format=kind, **options)
    stored = out.getvalue()
    return CleanPhoto(
        data=stored,
        content_type=content_type,
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(stored).hexdigest(),
    )


def _plain_pixels(image: Image.Image, kind: str) -> Image.Image:
    """The image in a mode its format writes (JPEG has no transparency), as a fresh copy."""
    if kind == "JPEG":
        return image.convert("RGB")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")
