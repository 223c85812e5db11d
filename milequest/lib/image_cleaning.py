"""Decode untrusted image bytes safely and re-encode them with no metadata at all.

Formats are told by content (magic bytes, then Pillow's own parse), never by file name. The
pixels are copied into a fresh image before encoding, so no EXIF, GPS, XMP, ICC or comment
survives, and whatever trails the image data (a polyglot's payload) is dropped.
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from milequest.refusals import Refused

MAX_PIXELS = 40_000_000  # a 40-megapixel photo; a decompression bomb claims far more
DISPLAY_PX = 1600
THUMB_PX = 400
JPEG_QUALITY = 85
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
PIL_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class ImageRejected(Refused, ValueError):
    """The bytes are not a usable photo; the message says why, for the walker."""


@dataclass(frozen=True)
class Cleaned:
    display: bytes  # JPEG, longest side at most DISPLAY_PX
    thumb: bytes  # JPEG, longest side at most THUMB_PX
    width: int
    height: int
    phash: int  # 64-bit difference hash, signed (fits a BIGINT)


def sniff(data: bytes) -> str | None:
    """The content type the bytes start like, or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for content_type, prefixes in SIGNATURES.items():
        if data.startswith(prefixes):
            return content_type
    return None


def check(data: bytes) -> str:
    """Decode fully, as moderation will; return the content type or raise ImageRejected."""
    return _decode(data)[1]


def clean(data: bytes) -> Cleaned:
    """Oriented, metadata-free display and thumbnail JPEGs and a perceptual hash."""
    image, _ = _decode(data)
    image = _pixels_only(ImageOps.exif_transpose(image))
    display, thumb = image.copy(), image.copy()
    display.thumbnail((DISPLAY_PX, DISPLAY_PX), Image.Resampling.LANCZOS)
    thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
    return Cleaned(_jpeg(display), _jpeg(thumb), display.width, display.height, dhash(image))


def dhash(image: Image.Image) -> int:
    """A difference hash: near-identical pictures differ in few of the 64 bits."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()  # one byte per pixel, row by row
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return bits - (1 << 64) if bits >= 1 << 63 else bits


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & (2**64 - 1)).bit_count()


def _decode(data: bytes) -> tuple[Image.Image, str]:
    claimed = sniff(data)
    if claimed is None:
        raise ImageRejected("That file is not a JPEG, PNG or WebP image.")
    # No warnings.catch_warnings() here: it is process-wide and this runs on threads. The
    # 40-megapixel check refuses images long before Pillow's bomb warning (89 MP) matters.
    try:
        with Image.open(io.BytesIO(data), formats=list(PIL_FORMATS)) as probe:
            _refuse_bombs(probe)
            probe.verify()  # structure and checksums, before any pixel is decoded
        image = Image.open(io.BytesIO(data), formats=list(PIL_FORMATS))
        image.load()  # a truncated file fails here (LOAD_TRUNCATED_IMAGES stays off)
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected("That image is too large to open safely.") from exc
    except Exception as exc:  # Pillow raises many kinds for damaged files
        raise ImageRejected("That image is damaged or incomplete: try another.") from exc
    if PIL_FORMATS.get(image.format or "") != claimed:
        raise ImageRejected("That file is not a JPEG, PNG or WebP image.")
    return image, claimed


def _refuse_bombs(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS or getattr(image, "n_frames", 1) > 1:
        raise ImageRejected(
            "That image is too large to open safely (at most 40 megapixels, one frame)."
        )


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new RGB image holding only the pixels: transparency becomes white."""
    rgba = image.convert("RGBA")
    fresh = Image.new("RGB", rgba.size, (255, 255, 255))
    fresh.paste(rgba, mask=rgba.getchannel("A"))
    return fresh


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
