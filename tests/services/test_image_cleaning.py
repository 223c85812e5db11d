"""Untrusted bytes in, clean metadata-free JPEGs out; anything else refused with a reason."""

import io

import pytest
from PIL import Image

from milequest.lib import image_cleaning
from milequest.lib.image_cleaning import ImageRejected
from tests import photo_samples as samples


def test_phone_photo_loses_every_bit_of_metadata_and_is_turned_upright():
    assert samples.exif_of(samples.phone_photo())["exif"][samples.GPS_IFD]  # GPS went in

    cleaned = image_cleaning.clean(samples.phone_photo(orientation=6))

    for jpeg in (cleaned.display, cleaned.thumb):
        found = samples.exif_of(jpeg)
        assert found["exif"] == {}
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(found["info"])
        assert b"Walkphone" not in jpeg and b"Exif" not in jpeg
    assert (cleaned.width, cleaned.height) == (600, 800)  # orientation 6: rotated upright


def test_display_and_thumbnail_sizes_keep_the_aspect_ratio():
    big = samples.encode(samples.landscape(3200, 2400), "PNG")

    cleaned = image_cleaning.clean(big)

    with Image.open(io.BytesIO(cleaned.display)) as display:
        assert display.size == (1600, 1200) and display.format == "JPEG"
    with Image.open(io.BytesIO(cleaned.thumb)) as thumb:
        assert thumb.size == (400, 300)


def test_webp_and_transparent_png_are_accepted_by_content():
    webp = samples.encode(samples.landscape(300, 200), "WEBP")
    transparent = samples.encode(Image.new("RGBA", (50, 50), (0, 0, 0, 0)), "PNG")

    assert image_cleaning.check(webp) == "image/webp"
    assert image_cleaning.check(transparent) == "image/png"
    with Image.open(io.BytesIO(image_cleaning.clean(transparent).display)) as display:
        assert display.getpixel((10, 10)) == (255, 255, 255)  # transparency becomes white


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (samples.text_named_jpg(), "not a JPEG, PNG or WebP"),
        (samples.truncated_jpeg(), "damaged or incomplete"),
        (samples.encode(Image.new("RGB", (8000, 6000)), "JPEG"), "too large to open safely"),
        (b"GIF89a" + b"\0" * 100, "not a JPEG, PNG or WebP"),
        (b"\xff\xd8\xff" + b"\0" * 100, "damaged or incomplete"),
    ],
    ids=["text", "truncated", "48-megapixels", "gif", "jpeg-magic-only"],
)
def test_unusable_files_are_refused_with_a_reason(data, message):
    with pytest.raises(ImageRejected, match=message):
        image_cleaning.check(data)


def test_decompression_bomb_is_refused_before_its_pixels_are_decoded():
    with pytest.raises(ImageRejected, match="too large to open safely"):
        image_cleaning.check(samples.decompression_bomb())


def test_a_png_claiming_to_be_a_jpeg_inside_is_refused():
    png_body = samples.encode(samples.landscape(40, 30), "PNG")

    with pytest.raises(ImageRejected):
        image_cleaning.check(b"\xff\xd8\xff" + png_body)


def test_polyglot_payload_after_the_image_is_dropped_by_re_encoding():
    payload = b"<html><script>alert(1)</script></html>PK\x03\x04evil.zip"
    polyglot = samples.encode(samples.landscape(200, 150)) + payload

    cleaned = image_cleaning.clean(polyglot)

    assert b"<script>" not in cleaned.display and b"evil.zip" not in cleaned.thumb


def test_perceptual_hash_matches_a_resized_copy_and_not_another_picture():
    picture = samples.landscape(800, 600, seed=1)
    resized = picture.resize((400, 300))
    other = Image.effect_mandelbrot((800, 600), (-2, -1.5, 1, 1.5), 50).convert("RGB")

    near = image_cleaning.hamming(image_cleaning.dhash(picture), image_cleaning.dhash(resized))
    far = image_cleaning.hamming(image_cleaning.dhash(picture), image_cleaning.dhash(other))

    assert near <= 4 < 20 <= far
