"""Photo formats applicants send: HEIC/HEIF, WebP, EXIF-rotated JPEG, JPEG without its end marker."""

from __future__ import annotations

import io
from datetime import date

import documents_samples as s
import pillow_heif
import pytest
from PIL import Image

from clea_intake.documents import imaging
from clea_intake.documents.pipeline import read_document
from clea_intake.domain.policy import current_policy

POLICY = current_policy()
LIMIT = POLICY.documents.max_image_pixels
BILL = ["FACTURE D'ÉLECTRICITÉ", "Titulaire du contrat : Mme Zoé Muller", "172 rue des Lilas 33000 Bordeaux",
        "Date de la facture : 20/02/2026", "Montant total TTC : 84,20 EUR"]  # fmt: skip


def marked() -> Image.Image:
    """A landscape picture with a black square in its top left corner, to tell the orientation."""
    image = Image.new("RGB", (300, 200), "white")
    image.paste((0, 0, 0), (0, 0, 60, 60))
    return image


def read(data: bytes):
    return read_document(data, filename="photo", as_of=date(2026, 3, 10), policy=POLICY)


def test_read_document_heic_photo_read_like_a_jpeg():
    # Given an energy bill photographed and saved as HEIC, as an iPhone does
    buffer = io.BytesIO()
    pillow_heif.from_pillow(s.page_image(BILL, dpi=150).convert("RGB")).save(buffer, quality=90)
    data = buffer.getvalue()
    # When it is read
    reading = read(data)
    # Then it is decoded, its text read and the bill recognised
    assert reading.media_type == "image/heic"
    assert str(reading.doc_type) == "proof_of_address" and reading.fields["postal_code"] == "33000"


def test_decode_webp_photo():
    # Given a WebP picture
    buffer = io.BytesIO()
    marked().save(buffer, format="WEBP", lossless=True)
    # When it is decoded
    image = imaging.decode(buffer.getvalue(), imaging.WEBP, LIMIT)
    # Then its pixels come out
    assert image.size == (300, 200) and image.convert("L").getpixel((10, 10)) < 50


def test_decode_exif_rotated_jpeg_turned_upright():
    # Given a phone JPEG stored sideways with EXIF orientation 6 (turn 90° clockwise to display)
    stored = marked().transpose(Image.Transpose.ROTATE_90)  # what the sensor recorded
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    # When it is decoded
    image = imaging.decode(buffer.getvalue(), imaging.JPEG, LIMIT)
    # Then it stands as displayed: landscape, the black square back in the top left corner
    assert image.size == (300, 200)
    assert image.convert("L").getpixel((10, 10)) < 50 and image.convert("L").getpixel((290, 190)) > 200


@pytest.mark.parametrize("progressive", [False, True])
def test_decode_jpeg_without_end_marker_read(progressive):
    # Given a complete JPEG whose last two bytes (the end-of-image marker) were lost
    buffer = io.BytesIO()
    s.page_image(BILL, dpi=100).save(buffer, format="JPEG", quality=80, progressive=progressive)
    data = buffer.getvalue()
    assert data.endswith(b"\xff\xd9")
    # When it is decoded without them
    image = imaging.decode(data[:-2], imaging.JPEG, LIMIT)
    # Then every pixel is there, the same as the whole file's
    assert image.tobytes() == Image.open(io.BytesIO(data)).convert(image.mode).tobytes()


@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_read_document_jpeg_really_cut_off_refused_as_truncated(keep):
    # Given a JPEG whose compressed pixels stop early (half of it, or all but its last few hundred bytes)
    data = s.to_jpeg(s.page_image(BILL, dpi=100))
    # When it is read
    reading = read(data[: int(len(data) * keep)])
    # Then it is refused as truncated
    assert [f.code for f in reading.findings] == ["FILE_TRUNCATED"]


def test_decode_png_without_iend_read_cut_png_refused():
    # Given a PNG without its final IEND chunk, and the same PNG cut in its pixel data
    data = s.to_png(s.page_image(BILL, dpi=100))
    # When each is decoded
    whole = imaging.decode(data[:-12], imaging.PNG, LIMIT)
    # Then the first is read whole, the second refused as truncated
    assert whole.size == Image.open(io.BytesIO(data)).size
    with pytest.raises(imaging.ImageRefused) as refused:
        imaging.decode(data[: len(data) // 2], imaging.PNG, LIMIT)
    assert refused.value.code == "FILE_TRUNCATED"


def test_decode_heic_over_the_pixel_limit_refused():
    # Given a HEIC picture with more pixels than the policy allows
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (400, 300), "white")).save(buffer, quality=50)
    # When it is decoded with a limit below its size
    with pytest.raises(imaging.ImageRefused) as refused:
        imaging.decode(buffer.getvalue(), imaging.HEIC, 100_000)
    # Then it is refused as too large
    assert refused.value.code == "IMAGE_TOO_LARGE"


def test_decode_puts_pillows_process_wide_pixel_limit_back():
    # Given a small PNG decoded under an applicant file's pixel limit, and one refused by it
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    before = Image.MAX_IMAGE_PIXELS
    imaging.decode(buffer.getvalue(), "image/png", max_pixels=5_000)
    with pytest.raises(imaging.ImageRefused):
        imaging.decode(buffer.getvalue(), "image/png", max_pixels=100)
    # Then the process's own limit is the one it had: later images of the process are not held to it
    assert Image.MAX_IMAGE_PIXELS == before
