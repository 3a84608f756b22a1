"""An OCR engine that is missing, timed out, killed, throttled or failing is our fault, never the file's.

The pipeline lets OcrUnavailable through (the record is retried); a page the engine reads without text,
or an image the service refuses as a document, stays the file's UNREADABLE finding.
"""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import boto3
import documents_samples as s
import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from PIL import Image, ImageDraw

from clea_intake.documents.ocr import OcrError, TesseractOcr, TextractOcr
from clea_intake.documents.pipeline import read_document
from clea_intake.domain.errors import OcrUnavailable, SystemFault
from clea_intake.domain.policy import current_policy

POLICY = current_policy()
AS_OF = date(2026, 3, 10)


def scanned_bill() -> bytes:
    """A bill photographed as a JPEG: no text layer, so only OCR can read it."""
    return s.to_jpeg(s.scan(s.page_image(s.energy_bill(), dpi=150), angle=1, noise=20), quality=70)


def script(tmp_path: Path, body: str) -> str:
    """An executable standing in for the tesseract binary."""
    path = tmp_path / "tesseract"
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_tesseract_binary_missing_is_ocr_unavailable_and_no_finding(tmp_path):
    # Given Tesseract pointed at a path where no binary is
    ocr = TesseractOcr("fra", binary=str(tmp_path / "no-such-tesseract"))
    # When a scan is read, then the pipeline lets the engine's fault through: no reading, no finding
    with pytest.raises(OcrUnavailable):
        read_document(scanned_bill(), filename="facture.jpg", as_of=AS_OF, policy=POLICY, ocr=ocr)


def test_tesseract_removed_from_path_then_restored_is_found_again(monkeypatch):
    # Given the provider a container keeps for its whole life, running the command (a sandbox worker's loaded
    # engine, once started, does not look at PATH: test_documents_tesseract_engine.py), and Tesseract gone
    ocr = TesseractOcr("fra", loaded_engine=False)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(OcrUnavailable):
        read_document(scanned_bill(), filename="facture.jpg", as_of=AS_OF, policy=POLICY, ocr=ocr)
    # When the engine is back on PATH, then the same provider reads the scan
    monkeypatch.setenv("PATH", os.defpath)
    reading = read_document(scanned_bill(), filename="facture.jpg", as_of=AS_OF, policy=POLICY, ocr=ocr)
    assert reading.text_source == "ocr" and reading.fields["postal_code"] == "33000"


@pytest.mark.parametrize("body, timeout_s", [
    ("sleep 5", 0.3),            # hangs past the time budget
    ("kill -9 $$", 30.0),        # dies by a signal
    ("exit 1", 30.0),            # an engine error (a missing language file exits 1)
], ids=["timeout", "signal", "engine-error"])
def test_tesseract_timeout_signal_or_engine_error_is_ocr_unavailable(tmp_path, body, timeout_s):
    # Given an engine that hangs, is killed or fails
    ocr = TesseractOcr("fra", binary=script(tmp_path, body), timeout_s=timeout_s)
    # When a page is read, then it is a system fault, not a page without text
    with pytest.raises(OcrUnavailable) as raised:
        ocr.image_text(Image.new("L", (200, 100), 255))
    assert isinstance(raised.value, SystemFault) and not isinstance(raised.value, OcrError)


def test_tesseract_missing_language_data_is_ocr_unavailable():
    # Given the real engine asked for a language it has no data for
    ocr = TesseractOcr("zzz")
    # Then its failure is ours
    with pytest.raises(OcrUnavailable):
        ocr.image_text(Image.new("L", (200, 100), 255))


def test_tesseract_image_without_text_is_text_not_a_fault():
    # Given a page the real engine reads and finds nothing on
    text = TesseractOcr("fra").image_text(Image.new("L", (300, 200), 255))
    # Then that is an empty answer, not an error
    assert text.strip() == ""


def test_tesseract_scan_without_text_stays_an_unreadable_finding():
    # Given a photo of shapes and no text at all, read by the real engine
    photo = Image.new("L", (900, 1200), 235)
    draw = ImageDraw.Draw(photo)
    for i in range(6):
        draw.ellipse((100 + i * 20, 150 + i * 140, 500 + i * 40, 260 + i * 140), fill=120)
    draw.rectangle((600, 100, 850, 1100), fill=60)
    reading = read_document(s.to_jpeg(photo, quality=80), filename="photo.jpg", as_of=AS_OF, policy=POLICY,
                            ocr=TesseractOcr("fra"))
    # Then the file's own unreadability is still the applicant's finding
    assert [f.code for f in reading.findings] == ["UNREADABLE"]


def textract_client():
    return boto3.client("textract", region_name="eu-west-3", aws_access_key_id="x", aws_secret_access_key="x")


@pytest.mark.parametrize("code, status", [
    ("ProvisionedThroughputExceededException", 400),
    ("ThrottlingException", 400),
    ("InternalServerError", 500),
    ("ServiceUnavailable", 503),
    ("AccessDeniedException", 400),
])
def test_textract_throttled_or_failing_is_ocr_unavailable_and_no_finding(code, status):
    # Given Textract answering with throttling or a service error
    client = textract_client()
    stub = Stubber(client)
    stub.add_client_error("detect_document_text", service_error_code=code, http_status_code=status)
    # When a scan is read, then nothing about the file comes out: the pipeline raises the fault
    with stub, pytest.raises(OcrUnavailable):
        read_document(scanned_bill(), filename="facture.jpg", as_of=AS_OF, policy=POLICY, ocr=TextractOcr(client))


@pytest.mark.parametrize("error", [
    EndpointConnectionError(endpoint_url="https://textract.eu-west-3.amazonaws.com"),
    ConnectTimeoutError(endpoint_url="https://textract.eu-west-3.amazonaws.com"),
    ReadTimeoutError(endpoint_url="https://textract.eu-west-3.amazonaws.com"),
], ids=["connection", "connect-timeout", "read-timeout"])
def test_textract_unreachable_is_ocr_unavailable(error):
    # Given a client whose transport fails (botocore's own retries spent)
    class Unreachable:
        def detect_document_text(self, **kwargs):
            raise error

    # Then the adapter reports our fault
    with pytest.raises(OcrUnavailable):
        TextractOcr(Unreachable()).image_text(Image.new("L", (100, 100), 255))


@pytest.mark.parametrize("code", ["BadDocumentException", "UnsupportedDocumentException"])
def test_textract_refusing_the_image_stays_an_unreadable_finding(code):
    # Given Textract saying the image itself cannot be read as a document
    client = textract_client()
    stub = Stubber(client)
    for _ in range(4):  # the page, then its upside-down reading
        stub.add_client_error("detect_document_text", service_error_code=code, http_status_code=400)
    with stub:
        reading = read_document(scanned_bill(), filename="facture.jpg", as_of=AS_OF, policy=POLICY,
                                ocr=TextractOcr(client))
    # Then that is the file's finding, as before
    assert [f.code for f in reading.findings] == ["UNREADABLE"]
