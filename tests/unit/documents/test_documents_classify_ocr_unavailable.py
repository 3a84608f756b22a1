"""`clea-intake classify` with the OCR engine gone: an OCR_UNAVAILABLE line, later files still read, exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import documents_samples as s

from clea_intake.domain.findings import DocType
from clea_intake.samples.facts import DEFAULT_AS_OF
from clea_intake.samples.generate import make_document

SCAN = s.to_jpeg(s.scan(s.page_image(s.energy_bill(), dpi=150), angle=1, noise=20), quality=70)
QUOTE = make_document(DocType.QUOTE, {"beneficiary_name": "Léa Martin"})


def classify(tmp_path: Path, files: dict[str, bytes], path_variable: str) -> tuple[int, list[dict], str]:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = subprocess.run([sys.executable, "-m", "clea_intake.cli", "classify",
                          *(str(tmp_path / name) for name in files), "--as-of", DEFAULT_AS_OF.isoformat(), "--json"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "PATH": path_variable})
    return out.returncode, [json.loads(line) for line in out.stdout.splitlines()], out.stderr


def test_classify_without_tesseract_prints_ocr_unavailable_goes_on_and_exits_non_zero(tmp_path):
    # Given a scan that needs OCR, then a text PDF, and Tesseract nowhere on PATH
    code, lines, stderr = classify(tmp_path, {"facture.jpg": SCAN, "devis.pdf": QUOTE}, path_variable=str(tmp_path))
    # Then the scan gets an error line of DESIGN §6's shape with code OCR_UNAVAILABLE, not a finding about the file
    scan, quote = lines
    assert set(scan) == {"file", "doc_type", "confidence", "fields", "findings"}
    assert (scan["file"], scan["doc_type"], scan["confidence"], scan["fields"]) == (
        str(tmp_path / "facture.jpg"), "unknown", 0.0, {})
    assert [(f["code"], f["severity"]) for f in scan["findings"]] == [("OCR_UNAVAILABLE", "error")]
    assert "indisponible" in scan["findings"][0]["message"] and "nette" not in scan["findings"][0]["message"]
    # and the next file still gets its reading, and the command fails
    assert quote["doc_type"] == "quote"
    assert code == 1 and "OCR engine unavailable" in stderr


def test_classify_with_tesseract_back_reads_the_scan_and_succeeds(tmp_path):
    # Given the same scan once the engine is on PATH again
    code, lines, _ = classify(tmp_path, {"facture.jpg": SCAN}, path_variable=os.defpath)
    # Then it is read, and the command succeeds
    assert code == 0
    assert lines[0]["doc_type"] == "proof_of_address"
    assert "OCR_UNAVAILABLE" not in [f["code"] for f in lines[0]["findings"]]
