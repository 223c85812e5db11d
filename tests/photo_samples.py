"""Image files made on the spot for the photo tests: a phone photo with GPS, broken ones."""

import io
from functools import cache

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def landscape(width: int = 800, height: int = 600, seed: int = 0) -> Image.Image:
    """A sky-over-fields picture: nothing a nudity detector could object to."""
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            if y < height // 2:
                pixels[x, y] = (90 + (x * 60) // width, 150, 220 - (y * 40) // height)
            else:
                pixels[x, y] = (40 + seed % 50, 120 + ((x // 40 + y // 40 + seed) % 3) * 30, 50)
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def phone_photo(orientation: int = 6, seed: int = 0, quality: int = 90) -> bytes:
    """A JPEG as a phone writes it: EXIF with GPS (Ben Nevis), camera model and orientation."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x0110] = "Walkphone 12"  # Model
    exif[GPS_IFD] = {1: "N", 2: (56.0, 47.0, 49.0), 3: "W", 4: (5.0, 0.0, 13.0)}
    return encode(landscape(seed=seed), "JPEG", exif=exif.tobytes(), quality=quality)


def text_named_jpg() -> bytes:
    return b"Dear team, this is not a picture at all.\n" * 20


@cache
def decompression_bomb() -> bytes:
    """A tiny PNG that claims 30,000 x 30,000 pixels (900 megapixels) of one colour."""
    return encode(Image.new("1", (30_000, 30_000)), "PNG", optimize=True)


def truncated_jpeg() -> bytes:
    data = encode(landscape(), "JPEG", quality=90)
    return data[: len(data) // 2]


def oversized_jpeg(size_bytes: int = 11 * 1024 * 1024) -> bytes:
    """A valid JPEG padded past the limit with a trailing comment block."""
    data = encode(landscape(200, 150))
    return data + b"\0" * (size_bytes - len(data))


# The acceptance list: each refused upload, and what the walker is told.
REFUSED = [
    (text_named_jpg, "not a JPEG, PNG or WebP"),
    (decompression_bomb, "too large to open safely"),
    (truncated_jpeg, "damaged or incomplete"),
    (oversized_jpeg, "larger than 10 MB"),
]
REFUSED_IDS = ["text-named-jpg", "decompression-bomb", "truncated-jpeg", "11-MB"]


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return {"exif": dict(image.getexif()), "info": dict(image.info)}
