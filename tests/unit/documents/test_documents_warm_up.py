"""The sandbox worker's warm-up: a small PDF bill it reads and draws, and the text of one generated piece of each
type and layout, read once by the worker before it forks, so that every child starts with the readers' patterns
compiled and their word index built.

Rewrite the file after a change of the sample generator or of the readers with
`.venv/bin/python tests/unit/documents/test_documents_warm_up.py`.
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium

from clea_intake.documents import reader
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import current_policy

WARM_UP = Path(reader.__file__).with_name("warm_up.json")
# Every layout, with a seed that neither the benchmarks nor the tests use: the warm-up prepares the readers,
# it does not see the files they are measured on.
SEED = 1000


def variants() -> list[tuple[str, DocType, int, dict]]:
    """Every layout of every type, and every kind of proof of address and both identity card formats."""
    from clea_intake.samples.facts import PROOF_KINDS
    from clea_intake.samples.generate import LAYOUTS

    out = [(f"{t.value}/{n}", t, n, {}) for t in DocType if t is not DocType.UNKNOWN for n in range(LAYOUTS[t])]
    out += [(f"proof_of_address/{kind}", DocType.PROOF_OF_ADDRESS, n % 3, {"proof_kind": kind})
            for n, kind in enumerate(PROOF_KINDS)]
    # A host's attestation names its guest under labels that each layout words in its own way.
    out += [(f"proof_of_address/host_attestation/{n}", DocType.PROOF_OF_ADDRESS, n, {"proof_kind": "host_attestation"})
            for n in range(LAYOUTS[DocType.PROOF_OF_ADDRESS])]
    out += [(f"identity_card/{fmt}", DocType.IDENTITY_CARD, 0, {"cni_format": fmt}) for fmt in ("legacy", "2021")]
    return out


def generated_texts() -> dict[str, str]:
    from clea_intake.samples.generate import make_document

    texts = {}
    for name, doc_type, layout, facts in variants():
        document = pdfium.PdfDocument(make_document(doc_type, facts, layout=layout, seed=SEED))
        try:
            pages = [page.get_textpage().get_text_range() for page in document]
        finally:
            document.close()
        # As sources.extract_pdf gives it to the readers.
        texts[name] = "\n\f\n".join(
            text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "").replace("\ufffe", "")
            for text in pages)
    return texts


def test_the_warm_up_texts_are_the_generators_and_each_reads_as_its_type():
    stored = json.loads(WARM_UP.read_text(encoding="utf-8"))
    assert stored["texts"] == generated_texts(), "rewrite warm_up.json (see this module's docstring)"
    as_of = date.fromisoformat(stored["as_of"])
    for name, text in stored["texts"].items():
        assert reader.read_text_here(text, as_of=as_of, policy=current_policy()).doc_type == DocType(name.split("/")[0])


def test_after_the_warm_up_other_files_compile_no_pattern():
    """Files of other layouts and seeds than the warm-up's find their patterns compiled and indexed."""
    from clea_intake.documents import reading
    from clea_intake.samples.generate import make_document

    policy = current_policy()
    files = [make_document(doc_type, facts, layout=layout, seed=3) for _, doc_type, layout, facts in variants()]
    reading._compiled.cache_clear()
    reading.pattern_options.cache_clear()
    reader.warm_up(policy)
    warmed = reading._compiled.cache_info().currsize, reading.pattern_options.cache_info().currsize
    for data in files:
        reader.read_pieces_here(data, filename="x.pdf", as_of=date(2026, 3, 2), policy=policy)
    after = reading._compiled.cache_info().currsize, reading.pattern_options.cache_info().currsize
    assert after == warmed


BILL = "Facture du 03/03/2026 - EDF - 12 rue des Lilas 33000 Bordeaux - Montant TTC 42,00 EUR"


def bill_pdf() -> bytes:
    """A one-line bill the worker reads and draws as a file (its PDF and image code paths), made here so that
    the worker never imports fpdf (a third of its memory, copied into every child's address space)."""
    from datetime import UTC, datetime

    from fpdf import FPDF

    doc = FPDF()
    doc.set_creation_date(datetime(2026, 3, 2, tzinfo=UTC))
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.multi_cell(0, 8, BILL)
    return bytes(doc.output())


def test_the_warm_up_file_is_a_pdf_the_pipeline_reads():
    stored = json.loads(WARM_UP.read_text(encoding="utf-8"))
    assert base64.b64decode(stored["pdf"]) == bill_pdf() == reader.warm_up_file()
    reading = reader.read_pieces_here(reader.warm_up_file(), filename="x.pdf", as_of=date(2026, 3, 10),
                                      policy=current_policy())[0]
    assert reading.text_source == "text_layer" and reading.media_type == "application/pdf"


def test_the_worker_warms_up_without_fpdf():
    import subprocess

    code = ("import sys; from clea_intake.documents import sandbox; sandbox._warm_up(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fpdf', 'fontTools')))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


if __name__ == "__main__":
    WARM_UP.write_text(json.dumps({"as_of": "2026-03-02", "pdf": base64.b64encode(bill_pdf()).decode("ascii"),
                                   "texts": generated_texts()}, ensure_ascii=False, indent=1) + "\n",
                       encoding="utf-8")
    print(f"written {WARM_UP}", file=sys.stderr)
