"""Photos made in the tests with Pillow: JPEGs carrying the metadata a phone writes (GPS
position, camera make and model, orientation, a comment), to check none of it is stored."""

from __future__ import annotations

import io

from PIL import Image

#: Where the photo was "taken": Soldiner Straße, Berlin.
GPS = {1: "N", 2: (52.0, 33.0, 12.5), 3: "E", 4: (13.0, 22.0, 5.0)}
MAKE, MODEL = "Fairphone", "FP5 Kiezkamera"
GPS_IFD = 0x8825


def phone_jpeg(color: str = "green", size: tuple[int, int] = (2400, 1800)) -> bytes:
    """A JPEG as a phone writes it: held upright (orientation 6), with GPS and camera tags."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = MAKE
    exif[0x0110] = MODEL
    exif[0x0112] = 6  # rotated: the stored pixels lie on their side
    exif[0x010E] = "Aufgenommen bei Zeynep zu Hause"  # ImageDescription
    exif.get_ifd(GPS_IFD).update(GPS)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"Kiezkamera comment", quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    """A small PNG with transparency."""
    out = io.BytesIO()
    Image.new("RGBA", size, (255, 0, 0, 128)).save(out, "PNG")
    return out.getvalue()
