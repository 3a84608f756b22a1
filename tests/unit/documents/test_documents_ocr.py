"""Scans and photos through OCR (Tesseract, a few pages only: ~2 s each) and the Textract adapter."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import documents_samples as s
import pytest
from PIL import Image

from clea_intake.documents.ocr import OcrError, OcrUnavailable, TesseractOcr, TextractOcr, lines_from_blocks
from clea_intake.documents.pipeline import read_document
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import current_policy

POLICY = current_policy()
FIXTURES = Path(__file__).parents[2] / "fixtures" / "documents"
TESSERACT = TesseractOcr("fra")


def test_read_document_rotated_noisy_jpeg_bill_read_by_ocr():
    # Given a bill scanned 3° off, with grain, saved as a low-quality JPEG
    page = s.scan(s.page_image(s.energy_bill(), dpi=200), angle=3, noise=40)
    data = s.to_jpeg(page, quality=55)
    # When it is read
    reading = read_document(data, filename="scan.jpg", as_of=date(2026, 3, 10), policy=POLICY, ocr=TESSERACT)
    # Then OCR classified it and read the holder, the date and the place
    assert (reading.text_source, reading.media_type) == ("ocr", "image/jpeg")
    assert reading.doc_type == DocType.PROOF_OF_ADDRESS
    assert reading.fields["issue_date"] == "2026-02-20"
    assert reading.fields["postal_code"] == "33000"
    assert "MARTIN" in reading.fields["holder_name"]


def test_read_document_pdf_without_text_layer_ocr_reads_quote():
    # Given a quote scanned into a PDF that has no text layer
    data = s.image_only_pdf(s.scan(s.page_image(s.quote(), dpi=200), angle=-1, noise=20))
    # When it is read
    reading = read_document(data, filename="devis.pdf", as_of=date(2026, 3, 10), policy=POLICY, ocr=TESSERACT)
    # Then the page was OCRed and the quote's amounts and identifiers read
    assert reading.text_source == "ocr"
    assert reading.doc_type == DocType.QUOTE
    assert (reading.fields["siret"], reading.fields["amount_eur"], reading.fields["fees_eur"]) == ("73282932000074", 450, 60)


def test_read_document_colour_photo_of_old_cni_mrz_checked():
    # Given a colour photo of a pre-2021 CNI, slightly rotated, JPEG
    card = s.page_image(s.cni_old(), dpi=300, mono_tail=2, width_mm=125, height_mm=110, colour=True)
    data = s.to_jpeg(s.scan(card, angle=-2.5, noise=30), quality=70)
    # When it is read
    reading = read_document(data, filename="cni.jpg", as_of=date(2026, 3, 10), policy=POLICY, ocr=TESSERACT)
    # Then its MRZ is found with valid check digits and the extension applies
    assert reading.doc_type == DocType.IDENTITY_CARD
    assert reading.fields["mrz_kind"] == "CNI_2X36"
    assert "MRZ_CHECK_DIGIT" not in [f.code for f in reading.findings]
    assert reading.fields["birth_date"] == "1991-07-14"
    assert reading.fields["valid_until"] == "2027-05-10"


class FakeTextract:
    """Stands in for boto3's Textract client with a recorded DetectDocumentText response."""

    def __init__(self, response: dict) -> None:
        self.response = response
        self.calls: list[dict] = []

    def detect_document_text(self, **kwargs):
        self.calls.append(kwargs)
        return self.response


def recorded() -> dict:
    return json.loads((FIXTURES / "textract_detect_document_text_rib.json").read_text(encoding="utf-8"))


def test_lines_from_blocks_recorded_response_rows_rebuilt():
    # Given a recorded response where the right-hand column is listed after all left-hand lines
    blocks = recorded()["Blocks"]
    # When its lines are assembled
    text = lines_from_blocks(blocks)
    # Then each label sits with its value on one row, top to bottom, WORD blocks ignored
    lines = text.splitlines()
    assert lines[0] == "RELEVÉ D'IDENTITÉ BANCAIRE"
    assert lines[1] == "Titulaire du compte :  FORMATION ATLANTIQUE SAS"
    assert len(lines) == 6


def test_read_document_textract_provider_reads_rib_photo():
    # Given a photo of a RIB and a Textract client answering with the recorded response
    client = FakeTextract(recorded())
    data = s.to_png(s.page_image(s.rib(), dpi=100))
    # When the pipeline reads it with the Textract provider
    reading = read_document(data, filename="rib.png", as_of=date(2026, 5, 2), policy=POLICY, ocr=TextractOcr(client))
    # Then the client got the image bytes once and the RIB fields come from Textract's lines
    assert len(client.calls) == 1 and client.calls[0]["Document"]["Bytes"][:2] == b"\xff\xd8"
    assert reading.doc_type == DocType.BANK_DETAILS
    assert reading.fields["iban"] == "FR7630006000011234567890189"
    assert reading.fields["holder_name"] == "FORMATION ATLANTIQUE SAS"
    assert reading.text_source == "ocr"


def test_textract_provider_makes_its_client_at_the_first_page_read_only():
    # Given the provider as the deployment builds it at every function's first call: with a way to connect
    made = []

    def connect():
        made.append(FakeTextract(recorded()))
        return made[-1]

    provider = TextractOcr(connect=connect)
    # Then no client exists until a page is read, and one only after two pages
    assert made == []
    data = s.to_png(s.page_image(s.rib(), dpi=100))
    for _ in range(2):
        reading = read_document(data, filename="rib.png", as_of=date(2026, 5, 2), policy=POLICY, ocr=provider)
        assert reading.fields["iban"] == "FR7630006000011234567890189"
    assert len(made) == 1 and len(made[0].calls) == 2


def test_textract_provider_takes_a_client_or_a_way_to_connect_not_both_nor_none():
    with pytest.raises(TypeError):
        TextractOcr()
    with pytest.raises(TypeError):
        TextractOcr(FakeTextract(recorded()), connect=lambda: FakeTextract(recorded()))


def test_textract_provider_failure_of_its_own_is_ocr_unavailable_not_the_clients_exception():
    # Given a client that fails with something that is not an answer about the image (a bug, a broken client)
    class Failing:
        def detect_document_text(self, **kwargs):
            raise RuntimeError("client broken")

    # When a page is sent
    # Then the adapter raises OcrUnavailable, a fault of ours, and never OcrError (read as a page without text)
    with pytest.raises(OcrUnavailable) as raised:
        TextractOcr(Failing()).image_text(Image.new("L", (100, 100), 255))
    assert not isinstance(raised.value, OcrError)


def test_read_document_page_photographed_sideways_turned_upright():
    # Given a RIB photographed a quarter turn off (the phone held in landscape)
    data = s.to_jpeg(s.page_image(s.rib(), dpi=150).rotate(90, expand=True), quality=80)
    # When it is read
    reading = read_document(data, filename="rib.jpg", as_of=date(2026, 5, 2), policy=POLICY, ocr=TESSERACT)
    # Then the page was turned upright and read
    assert reading.doc_type == DocType.BANK_DETAILS
    assert reading.fields["iban"] == "FR7630006000011234567890189"
