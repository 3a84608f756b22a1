"""Several pieces in one PDF: each page range is read as its own piece (classify --json, read_pieces)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium

from clea_intake.documents.pipeline import read_document, read_pieces
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import current_policy
from clea_intake.samples.facts import DEFAULT_AS_OF
from clea_intake.samples.generate import combined, make_document

POLICY = current_policy()
IDENTITY = make_document(DocType.IDENTITY_CARD, {"surname": "MARTIN", "given_names": "Léa"})
PROOF = make_document(DocType.PROOF_OF_ADDRESS, {"holder_name": "Léa Martin"})
QUOTE = make_document(DocType.QUOTE, {"beneficiary_name": "Léa Martin"})


def _pages(data: bytes) -> int:
    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _classify(tmp_path: Path, name: str, data: bytes) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run([sys.executable, "-m", "clea_intake.cli", "classify", str(path), "--as-of",
                          DEFAULT_AS_OF.isoformat(), "--json"], capture_output=True, text=True, check=True, timeout=300)
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_classify_json_identity_proof_and_quote_in_one_pdf_three_pieces(tmp_path):
    # Given an identity card, a proof of address and a quote put together in one PDF
    sizes = [_pages(IDENTITY), _pages(PROOF), _pages(QUOTE)]
    data = combined([IDENTITY, PROOF, QUOTE])
    # When the command line classifies it
    line = _classify(tmp_path, "dossier.pdf", data)
    # Then the line carries one reading per piece, with DESIGN §6's fields and its pages
    pieces = line["pieces"]
    assert [p["doc_type"] for p in pieces] == ["identity_card", "proof_of_address", "quote"]
    first, second = sizes[0], sizes[0] + sizes[1]
    assert [p["pages"] for p in pieces] == [list(range(1, first + 1)), list(range(first + 1, second + 1)),
                                            list(range(second + 1, second + sizes[2] + 1))]
    assert all(set(p) == {"doc_type", "confidence", "fields", "findings", "pages"} for p in pieces)
    assert pieces[0]["fields"]["surname"] == "MARTIN"
    assert pieces[1]["fields"]["holder_name"].upper() == "LÉA MARTIN"
    assert pieces[2]["fields"]["beneficiary_name"].upper() == "LÉA MARTIN"
    assert all(not [f for f in p["findings"] if f["severity"] == "error"] for p in pieces)
    # and the top-level fields describe the first piece
    assert {k: line[k] for k in ("doc_type", "confidence", "fields", "findings")} == {
        k: pieces[0][k] for k in ("doc_type", "confidence", "fields", "findings")}


def test_classify_json_single_piece_pdf_line_unchanged(tmp_path):
    # Given a quote alone in its PDF
    # When the command line classifies it
    line = _classify(tmp_path, "devis.pdf", QUOTE)
    # Then its line has DESIGN §6's shape only: no "pieces" key
    assert set(line) == {"file", "doc_type", "confidence", "fields", "findings"}
    assert line["doc_type"] == "quote"


def test_read_pieces_two_pages_of_one_type_stay_one_piece():
    # Given two proofs of address one after the other, then a quote
    data = combined([PROOF, PROOF, QUOTE])
    # When the pieces are read
    pieces = read_pieces(data, filename="x.pdf", as_of=DEFAULT_AS_OF, policy=POLICY)
    # Then consecutive pages of the same type make one piece, and the quote another
    proof_pages = 2 * _pages(PROOF)
    assert [(p.doc_type, p.page_numbers) for p in pieces] == [
        (DocType.PROOF_OF_ADDRESS, list(range(1, proof_pages + 1))),
        (DocType.QUOTE, list(range(proof_pages + 1, proof_pages + _pages(QUOTE) + 1)))]
    # and read_document gives the first piece
    assert read_document(data, filename="x.pdf", as_of=DEFAULT_AS_OF, policy=POLICY).page_numbers == \
        pieces[0].page_numbers
