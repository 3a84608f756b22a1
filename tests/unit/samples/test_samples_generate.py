"""make_document: every type renders, its text layer shows the facts, scans have none, output is reproducible."""

import io
import unicodedata

import pypdfium2 as pdfium
import pytest
from PIL import Image

from clea_intake.domain.findings import DocType
from clea_intake.samples.generate import make_document, render
from clea_intake.samples.sheet import hours_text


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def _norm(text: str) -> str:
    """Case, accents and spacing removed, so that "LÉA  Martin" and "Léa MARTIN" compare equal."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold().replace(" ", "").replace("\n", "")


def _date_shown(text: str, iso: str) -> bool:
    y, m, d = iso.split("-")
    months = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
              "novembre", "decembre")
    day = "1er" if d == "01" else str(int(d))
    forms = {f"{d}/{m}/{y}", iso, f"{d}.{m}.{y}", f"{d}{m}{y}", f"{day}{months[int(m) - 1]}{y}",
             f"{d}{months[int(m) - 1]}{y}"}
    return any(_norm(form) in text for form in forms)


@pytest.mark.parametrize("layout", [0, 1, 2])
@pytest.mark.parametrize("doc_type", [t for t in DocType if t is not DocType.UNKNOWN])
def test_make_document_each_type_and_layout_text_layer_shows_label_fields(doc_type, layout):
    # Given a document of this type and layout rendered as a text PDF
    rendered = render(doc_type, {}, layout=layout, seed=layout + 11)
    # When its text layer is extracted
    text = _norm(_text(rendered.data))
    # Then every DESIGN §5 field it is labelled with can be read from it
    for name, value in rendered.fields.items():
        if name == "expiry_date" and rendered.facts.get("printed_expiry_date", rendered.facts["expiry_date"]) != rendered.facts["expiry_date"]:
            value = rendered.facts["printed_expiry_date"].isoformat()  # the 5-year extension is never printed
        if isinstance(value, str) and len(value) == 10 and value[4] == "-":
            assert _date_shown(text, value), (name, value)
        elif name in ("certification", "evaluation", "certifications", "nationality", "permit_kind"):
            continue  # shown as words (checked below for the quote), not as codes
        elif name == "hours":
            assert _norm(hours_text(value)) in text
        elif name in ("amount_eur", "fees_eur"):
            assert _norm(f"{value:.2f}".replace(".", ",")) in text, (name, value)
        elif name == "iban":
            assert value.lower() in text
        elif name in ("holder_name", "beneficiary_name", "given_names"):
            for part in value.split():
                assert _norm(part) in text, (name, part)
        else:
            assert _norm(str(value)) in text, (name, value)


def test_make_document_quote_shows_certification_evaluation_and_fees_apart():
    # Given a quote for a final CléA Numérique evaluation with 50 € of fees
    pdf = make_document(DocType.QUOTE, {"certification": "clea_numerique", "evaluation": "final", "hours": 6,
                                        "amount_eur": 300, "fees_eur": 50}, layout=0)
    text = _text(pdf)
    # Then the words, the price of the hours, the fees and the total all appear
    assert "CléA Numérique" in text and "Évaluation finale" in text
    assert "300,00 €" in text and "50,00 €" in text and "350,00 €" in text


def test_make_document_given_facts_win_over_defaults():
    # Given explicit facts
    pdf = make_document(DocType.PROOF_OF_ADDRESS, {"holder_name": "Anaïs Peyrègne", "postal_code": "64100",
                                                   "city": "Bayonne", "issue_date": "2026-02-14",
                                                   "proof_kind": "water"}, layout=1)
    # Then they are the ones shown
    text = _norm(_text(pdf))
    assert "peyregne" in text and "64100" in text and "bayonne" in text and _date_shown(text, "2026-02-14")


@pytest.mark.parametrize("medium", ["pdf", "scan_pdf", "jpeg", "png"])
def test_make_document_same_seed_same_bytes(medium):
    # Given the same type, facts, layout, medium and seed twice
    # (a card-sized page keeps the image media quick)
    first = make_document(DocType.IDENTITY_CARD, {}, layout=2, medium=medium, seed=4)
    second = make_document(DocType.IDENTITY_CARD, {}, layout=2, medium=medium, seed=4)
    # Then the bytes are identical, and another seed gives other bytes
    assert first == second
    assert make_document(DocType.IDENTITY_CARD, {}, layout=2, medium=medium, seed=5) != first


def test_make_document_scan_pdf_has_no_text_layer():
    # Given a scanned PDF of a quote
    pdf = make_document(DocType.QUOTE, {}, medium="scan_pdf", seed=2)
    # Then it is a PDF whose pages carry no text, only an image
    assert pdf.startswith(b"%PDF")
    assert _text(pdf).strip() == ""
    doc = pdfium.PdfDocument(pdf)
    assert any(obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE for obj in doc[0].get_objects())


@pytest.mark.parametrize(("medium", "fmt"), [("jpeg", "JPEG"), ("png", "PNG")])
def test_make_document_image_media_are_page_sized_images(medium, fmt):
    # Given a photo or a scan of a proof of address
    data = make_document(DocType.PROOF_OF_ADDRESS, {}, medium=medium, seed=3)
    # Then it is an image of that format, at scanning resolution (an A4 page at 150 dpi is 1240 px wide)
    image = Image.open(io.BytesIO(data))
    assert image.format == fmt
    assert min(image.size) >= 1200


@pytest.mark.parametrize("layout", [0, 1, 2])
def test_make_document_letters_outside_the_fonts_still_render(layout):
    # Given names with letters neither WinAnsi nor the DejaVu subset carry (ș, ễ)
    pdf = make_document(DocType.PROOF_OF_ADDRESS, {"holder_name": "Ștefan Nguyễn", "proof_kind": "rent"}, layout=layout)
    # Then the document renders, the letters shown without their accents
    assert "nguyen" in _norm(_text(pdf))
