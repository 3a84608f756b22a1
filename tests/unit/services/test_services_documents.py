"""Who is told about a doubtful reading: the applicant for a text PDF, a person first for a scan."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

from clea_intake.documents.ocr import TesseractOcr
from clea_intake.domain.findings import DocType
from clea_intake.samples.generate import make_document
from clea_intake.samples.scan import rasterise, to_png
from clea_intake.services.documents import receive
from tests.unit.services.fakes import fake_ports

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
CASE_ID = "NA-CLEA-2026-000124"
# The IBAN of the French banks' specimen with its last digit changed: its check digits fail.
WRONG_IBAN = "FR7630006000011234567890188"


def _received(name: str, body: bytes):
    # The real OCR engine: a scan is read as on the local stack.
    ports = dataclasses.replace(fake_ports(), ocr=TesseractOcr("fra"))
    key = f"claims/{CASE_ID}/{name}"
    etag = ports.storage.put_object("bucket", key, body)
    outcome = receive(ports, bucket="bucket", key=key, etag=etag, version_id="v1", now=NOW, sequencer="01")
    return ports, ports.repository.find_document(CASE_ID, outcome.doc_id)


def test_text_pdf_rib_with_a_wrong_iban_is_refused_at_once():
    # Given a RIB as a text PDF whose IBAN fails its check digits
    ports, record = _received("rib.pdf", make_document(DocType.BANK_DETAILS, {"iban": WRONG_IBAN}))
    # Then the reading is certain: the piece is read with its error, and no person is asked
    assert record.status == "read"
    assert "IBAN_INVALID" in [f.code for f in record.findings]
    assert ports.repository.reviews("OPEN") == []


def test_scanned_rib_with_a_wrong_iban_goes_to_a_person_first():
    # Given the same RIB scanned to an image
    image = rasterise(make_document(DocType.BANK_DETAILS, {"iban": WRONG_IBAN}), 200, first_only=True)[0]
    ports, record = _received("rib.png", to_png(image))
    # Then a misread digit may be the cause: a person reads the piece before anyone is told
    assert record.text_source == "ocr" and record.status == "review"
    [item] = ports.repository.reviews("OPEN")
    assert item.code == "OCR_UNCERTAIN" and "IBAN_INVALID" in item.detail["doubts"]


def _identity_photo_received(surname: str, given_names: str):
    from clea_intake.services import cases
    from tests.conftest import application_dict

    ports = dataclasses.replace(fake_ports(), ocr=TesseractOcr("fra"))
    app = application_dict()
    case_id = app["case_id"]
    cases.register_application(ports, key=f"applications/{case_id}/application.json", etag="e1",
                               body=cases.json.dumps(app).encode(), now=NOW, bucket="bucket")
    applicant = app["applicant"]
    photo = make_document(DocType.PASSPORT, {"surname": surname, "given_names": given_names,
                                             "birth_date": applicant["birth_date"], "as_of": "2026-03-02"},
                          medium="jpeg", seed=3)
    key = f"applications/{case_id}/documents/passeport.jpg"
    etag = ports.storage.put_object("bucket", key, photo)
    outcome = receive(ports, bucket="bucket", key=key, etag=etag, version_id="v1", now=NOW, sequencer="01")
    return ports, ports.repository.find_document(case_id, outcome.doc_id), applicant


def test_photographed_passport_of_another_name_goes_to_a_person_before_the_applicant_is_told():
    # Given a phone photo of a passport whose holder is not the form's applicant
    ports, record, _ = _identity_photo_received("DURAND", "PAUL")
    # Then a misread name zone may be the cause: a person reads it first
    assert record.text_source == "ocr" and record.status == "review"
    [item] = ports.repository.reviews("OPEN")
    assert item.code == "OCR_UNCERTAIN" and "NAME_MISMATCH" in item.detail["doubts"]


def test_photographed_passport_of_the_applicant_raises_no_name_doubt():
    # Given a phone photo of the applicant's own passport
    from tests.conftest import application_dict

    applicant = application_dict()["applicant"]
    ports, record, _ = _identity_photo_received(applicant["surname"], applicant["given_names"])
    # Then its name is not what a person is asked about
    assert record.text_source == "ocr"
    assert all("NAME_MISMATCH" not in item.detail.get("doubts", []) for item in ports.repository.reviews("OPEN"))
