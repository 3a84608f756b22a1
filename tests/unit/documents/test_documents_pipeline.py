"""read_document on text PDFs of every type: classification, fields, contract shape, no OCR."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import documents_samples as s
import pytest
from PIL import Image

from clea_intake.documents.pipeline import DocumentReading, read_document
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import current_policy

POLICY = current_policy()
RECEIVED = date(2026, 3, 10)
CLAIMED = date(2026, 5, 2)


class ForbiddenOcr:
    """Fails the test if the pipeline OCRs a PDF that has a text layer."""

    def image_text(self, image: Image.Image) -> str:
        raise AssertionError("OCR must not run on a PDF with a text layer")


def read(data: bytes, as_of: date = RECEIVED) -> DocumentReading:
    return read_document(data, filename="piece.pdf", as_of=as_of, policy=POLICY, ocr=ForbiddenOcr())


CASES = [
    ("cni_2x36", lambda: s.pdf(s.cni_old(), mono_tail=2), RECEIVED, DocType.IDENTITY_CARD,
     {"surname": "MARTIN", "birth_date": "1991-07-14", "issue_date": "2012-05-10", "expiry_date": "2027-05-10",
      "nationality": "FR", "document_number": "120533101234"}),
    ("cni_td1", lambda: s.pdf(s.cni_new(), mono_tail=3), RECEIVED, DocType.IDENTITY_CARD,
     {"surname": "MARTIN", "given_names": "Léa Marie", "birth_date": "1991-07-14", "expiry_date": "2032-02-01",
      "document_number": "X4RTBPFW4", "nationality": "FR", "issue_date": "2022-02-01"}),
    ("passport", lambda: s.pdf(s.passport(), mono_tail=2), RECEIVED, DocType.PASSPORT,
     {"surname": "DUPONT", "given_names": "Karim Paul", "birth_date": "1988-03-02", "expiry_date": "2030-06-30",
      "document_number": "19AB12345", "nationality": "FR", "issue_date": "2020-06-30"}),
    ("residence_permit", lambda: s.pdf(s.residence_permit(), mono_tail=3), RECEIVED, DocType.RESIDENCE_PERMIT,
     {"surname": "BENALI", "given_names": "Yasmine", "birth_date": "1990-01-20", "expiry_date": "2027-09-14",
      "nationality": "DZ", "permit_kind": "carte de séjour temporaire"}),
    ("energy_bill", lambda: s.pdf(s.energy_bill()), RECEIVED, DocType.PROOF_OF_ADDRESS,
     {"holder_name": "MARTIN Léa", "issue_date": "2026-02-20", "postal_code": "33000", "city": "BORDEAUX",
      "proof_kind": "energy"}),
    ("quote", lambda: s.pdf(s.quote()), RECEIVED, DocType.QUOTE,
     {"siret": "73282932000074", "nda": "75331234533", "beneficiary_name": "Léa MARTIN",
      "certification": "clea_socle", "evaluation": "initial", "hours": 10, "amount_eur": 450, "fees_eur": 60,
      "start_date": "2026-04-13", "end_date": "2026-04-24", "evaluator_name": "Formation Atlantique"}),
    ("qualiopi", lambda: s.pdf(s.qualiopi()), RECEIVED, DocType.QUALIOPI_CERTIFICATE,
     {"holder_name": "Formation Atlantique SAS", "siret": "73282932000074", "valid_from": "2025-01-01",
      "valid_until": "2027-12-31"}),
    ("habilitation", lambda: s.pdf(s.habilitation()), RECEIVED, DocType.CLEA_HABILITATION,
     {"holder_name": "Formation Atlantique", "siret": "73282932000074", "valid_from": "2024-07-01",
      "valid_until": "2027-06-30", "certifications": ["clea_socle", "clea_numerique"]}),
    ("disp", lambda: s.pdf(s.disp()), RECEIVED, DocType.DISP_LIAISON,
     {"surname": "DURAND", "given_names": "Kevin", "facility": "Centre pénitentiaire de Bordeaux-Gradignan",
      "issue_date": "2026-03-05"}),
    ("execution_report", lambda: s.pdf(s.execution_report()), CLAIMED, DocType.EXECUTION_REPORT,
     {"beneficiary_name": "MARTIN Léa", "certification": "clea_socle", "evaluation": "initial",
      "start_date": "2026-04-13", "end_date": "2026-04-24"}),
    ("hours_attestation", lambda: s.pdf(s.hours_attestation()), CLAIMED, DocType.HOURS_ATTESTATION,
     {"beneficiary_name": "Léa MARTIN", "hours": 10, "start_date": "2026-04-13", "end_date": "2026-04-24"}),
    ("bank_details", lambda: s.pdf(s.rib()), CLAIMED, DocType.BANK_DETAILS,
     {"holder_name": "FORMATION ATLANTIQUE SAS", "iban": "FR7630006000011234567890189", "bic": "CEPAFRPP333",
      "issue_date": "2026-04-20"}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "build", "as_of", "doc_type", "expected"), CASES, ids=[c[0] for c in CASES])
def test_read_document_text_pdf_of_each_type_classified_and_read(name, build, as_of, doc_type, expected):
    # Given a valid text PDF of one type
    data = build()
    # When it is read on a day it is valid
    reading = read(data, as_of)
    # Then its type, its fields and the absence of blocking findings are right
    assert reading.doc_type == doc_type
    assert reading.confidence >= POLICY.documents.review_confidence_below
    for key, value in expected.items():
        assert reading.fields.get(key) == value, key
    assert [f.code for f in reading.findings if f.severity == "error"] == []
    assert reading.text_source == "text_layer"


def test_read_document_any_piece_contract_shape_is_json_ready():
    # Given a quote PDF
    data = s.pdf(s.quote())
    # When it is read
    reading = read(data)
    # Then the reading has the contract's shape, JSON-serialisable, with the sniffed type and hash
    dumped = json.loads(reading.model_dump_json())
    assert set(dumped) == {"doc_type", "confidence", "fields", "findings", "pages", "text_source", "media_type", "sha256"}
    assert dumped["media_type"] == "application/pdf"
    assert dumped["sha256"] == hashlib.sha256(data).hexdigest()
    assert dumped["pages"] == 1
    assert isinstance(dumped["fields"]["amount_eur"], int | float)


def test_read_document_input_bytes_left_unchanged():
    # Given the bytes of a piece held in a mutable buffer
    data = bytearray(s.pdf(s.rib()))
    before = bytes(data)
    # When it is read
    read(bytes(data), CLAIMED)
    # Then the original is untouched
    assert bytes(data) == before


def test_read_document_several_pages_reads_all_pages():
    # Given a two-page PDF whose second page carries the validity dates
    pages = [s.qualiopi()[:5], ["Suite du certificat"] + s.qualiopi()[5:]]
    data = s.pages_pdf(pages)
    # When it is read
    reading = read(data)
    # Then both pages count and the dates on page 2 are read
    assert reading.pages == 2
    assert reading.doc_type == DocType.QUALIOPI_CERTIFICATE
    assert reading.fields["valid_until"] == "2027-12-31"


def test_read_document_extension_lies_type_comes_from_bytes():
    # Given a PDF uploaded under a JPEG name
    data = s.pdf(s.rib())
    # When it is read
    reading = read_document(data, filename="photo.jpg", as_of=CLAIMED, policy=POLICY, ocr=ForbiddenOcr())
    # Then the sniffed media type is PDF and it is read as such
    assert reading.media_type == "application/pdf"
    assert reading.doc_type == DocType.BANK_DETAILS


def test_read_document_unrelated_text_unknown_with_error():
    # Given a PDF of an unrelated letter
    data = s.pdf(["Chère Madame,", "Nous vous remercions de votre visite au musée d'Aquitaine.", "Bien cordialement."])
    # When it is read
    reading = read(data)
    # Then it is unknown, with an error finding
    assert reading.doc_type == DocType.UNKNOWN
    assert [f.code for f in reading.findings] == ["UNKNOWN_TYPE"]
    assert reading.findings[0].severity == "error"


def test_read_document_ambiguous_piece_low_confidence_warning_keeps_best_guess():
    # Given a short piece that only says "facture" and mentions an IBAN for payment
    data = s.pdf(
        [
            "Facture",
            "Règlement par virement : IBAN FR76 3000 6000 0112 3456 7890 189 - BIC CEPAFRPP333",
            "Titulaire du compte : Formation Atlantique",
        ]
    )
    # When it is read
    reading = read(data)
    # Then the best guess is returned with a confidence below the review threshold and a warning
    assert reading.doc_type != DocType.UNKNOWN
    assert reading.confidence < POLICY.documents.review_confidence_below
    low = [f for f in reading.findings if f.code == "LOW_CONFIDENCE"]
    assert low and low[0].severity == "warning"
    assert reading.needs_review
