"""Promise: a file built to hurt gets its finding, read in the sandbox within the policy's memory and time
budget; it never crashes the reader, and our own faults are raised as themselves.

Every file is generated here (no binary blobs). Each test asserts the child's reported peak memory and
time against the policy, as the issue asks.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import date

import pikepdf
import pillow_heif
import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from PIL import Image

from clea_intake.documents import sandbox
from clea_intake.domain.errors import DocumentRejected, OcrUnavailable
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import current_policy
from tests.hostile_files import (
    MB,
    flate_bomb_pdf,
    flate_stream,
    saved,
    text_pdf,
    with_catalog,
    zeros_deflated,
)

POLICY = current_policy()
AS_OF = date(2026, 3, 10)


class NoOcr:
    """No text from images: these tests are about the bytes, not the reading."""

    def image_text(self, image: Image.Image) -> str:
        return ""


def read(data: bytes, filename: str = "piece.pdf", policy=POLICY, ocr=None) -> sandbox.Sandboxed:
    return sandbox.read_pieces(data, filename=filename, as_of=AS_OF, policy=policy, ocr=ocr or NoOcr())


def within_budget(result: sandbox.Sandboxed, policy=POLICY) -> None:
    usage = result.usage
    assert 0 < usage.peak_memory_bytes <= policy.sandbox.max_memory_mb * MB
    assert usage.cpu_seconds <= policy.sandbox.max_cpu_seconds
    assert usage.wall_seconds <= policy.sandbox.max_wall_seconds


def finding_of(result: sandbox.Sandboxed) -> str:
    within_budget(result)
    (reading,) = result.value
    assert reading.doc_type == DocType.UNKNOWN
    errors = [f for f in reading.findings if f.severity == "error"]
    assert len(errors) == 1 and errors[0].message.endswith(".")
    return errors[0].code


# ---------------------------------------------------------------- builders


def form(pdf: pikepdf.Pdf, content: bytes, xobjects: dict) -> pikepdf.Stream:
    stream = pdf.make_stream(content)
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Form
    stream.BBox = [0, 0, 100, 100]
    stream.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(xobjects))
    return stream


def png(width: int, height: int) -> bytes:
    """A real greyscale PNG of zeros, its rows deflated a few at a time."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    # Filter byte 0 and zero pixels: the image data is all zeros.
    idat = zeros_deflated((width + 1) * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def photo(fmt: str) -> bytes:
    # Pillow writes HEIF through pillow-heif's plugin; this process need not have imported the readers that register it.
    pillow_heif.register_heif_opener()
    image = Image.new("RGB", (320, 200), "white")
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


# ---------------------------------------------------------------- bombs and limits that were walked around


def test_hostile_flate_bomb_pdf_processing_limit():
    # Given a 400 KB PDF whose one stream inflates to 400 MB (the process took 2.1 GB to read it)
    data = flate_bomb_pdf()
    assert len(data) < 500_000
    # When it is read
    result = read(data)
    # Then the inflation stops at the policy's budget and the applicant is asked for a lighter copy
    assert finding_of(result) == "PROCESSING_LIMIT"
    assert "plus légère" in result.value[0].findings[0].message


def test_hostile_image_nested_four_forms_deep_image_too_large():
    # Given a 49-megapixel image drawn through four form XObjects nested in one another
    pdf = pikepdf.new()
    pdf.add_blank_page()
    image = flate_stream(pdf, zeros_deflated(7000 * 7000), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                         Width=7000, Height=7000, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8)
    inner: pikepdf.Object = image
    for depth in range(4):
        name = "/Im0" if depth == 0 else f"/Fm{depth}"
        inner = form(pdf, f"q 100 0 0 100 0 0 cm {name} Do Q".encode(), {name: inner})
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary({"/Fm4": inner}))
    page.Contents = pdf.make_stream(b"/Fm4 Do")
    # When it is read
    result = read(saved(pdf))
    # Then the image is counted at its depth and refused before pdfium decodes it
    assert finding_of(result) == "IMAGE_TOO_LARGE"


def test_hostile_ten_pages_sharing_two_million_operators_processing_limit():
    # Given ten pages whose contents are one shared stream of two million text operators
    pdf = pikepdf.new()
    content = b"BT /F1 1 Tf " + b"(a) Tj " * 2_000_000 + b"ET"
    shared = flate_stream(pdf, zlib.compress(content, 9))
    for _ in range(10):
        pdf.add_blank_page()
        pdf.pages[-1].obj.Contents = shared
    # When it is read
    result = read(saved(pdf))
    # Then the operators are counted for each page that draws them, and the file is refused
    assert finding_of(result) == "PROCESSING_LIMIT"


def test_hostile_form_drawing_itself_processing_limit():
    # Given a form XObject that draws itself (an endless loop for a careless reader)
    pdf = pikepdf.new()
    pdf.add_blank_page()
    looping = pdf.make_indirect(form(pdf, b"/Me Do", {}))
    looping.Resources.XObject.Me = looping
    pdf.pages[0].obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Me=looping))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"/Me Do")
    # When it is read
    # Then it is refused, not followed
    assert finding_of(read(saved(pdf))) == "PROCESSING_LIMIT"


def test_hostile_five_thousand_pages_too_many_pages():
    # Given a PDF of 5,000 blank pages
    pdf = pikepdf.new()
    for _ in range(5000):
        pdf.add_blank_page()
    # When it is read
    result = read(saved(pdf))
    # Then the page count refuses it before any page is read
    assert finding_of(result) == "TOO_MANY_PAGES"
    assert "5000 pages" in result.value[0].findings[0].message


def test_hostile_png_twenty_thousand_square_image_too_large():
    # Given a real 20,000 x 20,000 PNG (400 megapixels, a few hundred kilobytes)
    data = png(20_000, 20_000)
    # When it is read
    # Then its header refuses it before a pixel is decoded
    assert finding_of(read(data, "scan.png")) == "IMAGE_TOO_LARGE"


# ---------------------------------------------------------------- active content


def test_hostile_javascript_on_open_active_content():
    # Given a genuine-looking bill that runs JavaScript when it is opened
    data = with_catalog(text_pdf(), OpenAction=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)"))
    # When it is read
    result = read(data)
    # Then it gets the active content finding, which asks for a plain copy
    assert finding_of(result) == "ACTIVE_CONTENT"
    assert "copie simple" in result.value[0].findings[0].message


def test_hostile_embedded_exe_active_content():
    # Given a PDF carrying an embedded program
    pdf = pikepdf.open(io.BytesIO(text_pdf()))
    pdf.attachments["facture.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00" + bytes(512))
    # When it is read
    # Then the attachment is active content
    assert finding_of(read(saved(pdf))) == "ACTIVE_CONTENT"


@pytest.mark.parametrize("entries", [
    {"AA": pikepdf.Dictionary(WC=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="x()"))},
    {"OpenAction": pikepdf.Dictionary(S=pikepdf.Name.Launch, F="cmd.exe")},
    {"AcroForm": pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pikepdf.String("<xdp/>"))},
], ids=["additional-actions", "launch", "xfa"])
def test_hostile_other_actions_active_content(entries):
    # Given a PDF with an automatic action, a launch or a dynamic form
    data = with_catalog(text_pdf(), **entries)
    # When it is read
    # Then each is active content
    assert finding_of(read(data)) == "ACTIVE_CONTENT"


def test_hostile_open_at_first_page_is_no_active_content():
    # Given a plain PDF that opens at its first page (a destination, not an action)
    pdf = pikepdf.open(io.BytesIO(text_pdf()))
    pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])
    # When it is read
    result = read(saved(pdf))
    # Then it is read as the bill it is
    within_budget(result)
    assert result.value[0].doc_type == DocType.PROOF_OF_ADDRESS
    assert "ACTIVE_CONTENT" not in [f.code for f in result.value[0].findings]


# ---------------------------------------------------------------- type by content


def zip_with(entries: dict[str, bytes], method=zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_hostile_zip_whose_first_entry_is_a_stored_pdf_unsupported():
    # Given a ZIP whose first entry is a stored PDF ("%PDF-" is in its first kilobyte)
    data = zip_with({"piece.pdf": text_pdf(), "readme.txt": b"x"})
    assert b"%PDF-" in data[:1024]
    # When it is read
    # Then it is a ZIP, refused as such
    assert finding_of(read(data)) == "UNSUPPORTED_FILE_TYPE"


def test_hostile_ooxml_unsupported():
    # Given a Word document (OOXML: a ZIP of XML parts)
    data = zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"},
                    zipfile.ZIP_DEFLATED)
    # When it is read
    # Then it is refused by its content
    assert finding_of(read(data, "piece.docx")) == "UNSUPPORTED_FILE_TYPE"


def test_hostile_html_pdf_polyglot_ambiguous():
    # Given a PDF that is also a web page running a script
    data = text_pdf().replace(b"\n", b"\n%<html><body><script>alert(document.cookie)</script></body></html>\n", 1)
    # When it is read
    # Then it is refused as two formats at once
    assert finding_of(read(data)) == "AMBIGUOUS_FILE_TYPE"


def test_hostile_html_first_with_pdf_header_unsupported():
    # Given a web page with a PDF header in its first kilobyte
    data = b"<html><!-- %PDF-1.7 -->" + text_pdf() + b"</html>"
    # When it is read
    # Then it is a web page, whatever its first kilobyte also holds
    assert finding_of(read(data)) == "UNSUPPORTED_FILE_TYPE"


def test_hostile_pdf_zip_polyglot_ambiguous():
    # Given a PDF with a ZIP archive appended (both readers open it)
    data = text_pdf() + zip_with({"payload.js": b"alert(1)"})
    # When it is read
    # Then it is refused as two formats at once
    assert finding_of(read(data)) == "AMBIGUOUS_FILE_TYPE"


@pytest.mark.parametrize(("fmt", "media_type", "code"), [
    ("TIFF", "image/tiff", "UNSUPPORTED_FILE_TYPE"),
    ("WEBP", "image/webp", "UNREADABLE"),
    ("HEIF", "image/heic", "UNREADABLE"),
])
def test_hostile_other_formats_under_a_jpg_name_typed_by_content(fmt, media_type, code):
    # Given a TIFF, a WebP and a HEIC photo of a blank page, each named .jpg
    data = photo(fmt)
    # When each is read
    result = read(data, "photo.jpg")
    # Then its type comes from its bytes: TIFF refused, the others decoded (and found blank)
    assert finding_of(result) == code
    assert result.value[0].media_type == media_type


# ---------------------------------------------------------------- broken files


def test_hostile_encrypted_pdf_encrypted():
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(0, 10, "Facture")
    doc.set_encryption(owner_password="o", user_password="secret", encryption_method=EncryptionMethod.RC4)
    assert finding_of(read(bytes(doc.output()))) == "FILE_ENCRYPTED"


@pytest.mark.parametrize("where", ["resource key", "name value"])
def test_hostile_name_not_in_utf8_is_a_damaged_file_not_a_crash(where):
    # Given a PDF one of whose names is escaped bytes that are no UTF-8 (/F#E9nt, /Type /Pa#E9ge): pikepdf reads
    # names as text, and the structure check raised UnicodeDecodeError out of the sandbox, the function's error
    data = text_pdf()
    old, new = {"resource key": (b"/Font", b"/F#E9nt"), "name value": (b"/Type /Font", b"/Type /F#E9nt")}[where]
    assert old in data
    # When it is read
    result = read(data.replace(old, new, 1))
    # Then it is a damaged file, within the sandbox's budget, the applicant asked for another copy
    assert finding_of(result) == "FILE_CORRUPT"
    within_budget(result)


def test_hostile_empty_file_empty():
    assert finding_of(read(b"")) == "EMPTY_FILE"


def test_hostile_truncated_pdf_truncated():
    data = text_pdf()
    assert finding_of(read(data[: len(data) // 2])) == "FILE_TRUNCATED"


@pytest.mark.parametrize("filename", [
    "../../etc/passwd.pdf", "facture\x00.exe.pdf", "fact\u202eexe.pdf", "\u200f" + "é" * 300 + ".pdf",
], ids=["dot-dot", "nul", "right-to-left", "300-characters"])
def test_hostile_file_names_are_metadata_only(filename):
    # Given a plain bill under a hostile file name
    # When it is read
    result = read(text_pdf(), filename)
    # Then the name changes nothing: the bill is read
    within_budget(result)
    assert result.value[0].doc_type == DocType.PROOF_OF_ADDRESS


# ---------------------------------------------------------------- the sandbox itself


def test_sandbox_cpu_budget_exceeded_processing_limit():
    # Given a budget of one CPU second and a PDF that takes longer to read (ten pages of dense text, about 2.5 s
    # in process: well beyond the budget, so that a faster reader does not make the file fit)
    tight = POLICY.model_copy(update={"sandbox": POLICY.sandbox.model_copy(update={"max_cpu_seconds": 1})})
    doc = FPDF()
    doc.set_font("helvetica", size=1)
    for _ in range(10):
        doc.add_page()
        for _ in range(700):
            doc.cell(0, 0.38, "Facture EDF " * 70, new_x="LMARGIN", new_y="NEXT")
    data = bytes(doc.output())
    # When it is read
    result = read(data, policy=tight)
    # Then the child is stopped at its budget and the file gets PROCESSING_LIMIT, the caller goes on
    assert result.limit in ("cpu", "wall")
    assert [f.code for f in result.value[0].findings] == ["PROCESSING_LIMIT"]
    # And the next file is read by a new child as usual
    assert read(text_pdf()).value[0].doc_type == DocType.PROOF_OF_ADDRESS


def test_sandbox_memory_budget_exceeded_processing_limit():
    # Given an address space too small for the decoding of a 6,000 x 6,000 photo (36 MP, within the pixel limit)
    small = POLICY.model_copy(update={"sandbox": POLICY.sandbox.model_copy(update={"max_memory_mb": 200})})
    data = png(6000, 6000)
    # When it is read
    result = read(data, "scan.png", policy=small)
    # Then the child fails for memory and the file gets PROCESSING_LIMIT
    assert result.limit in ("memory", "crash")
    assert [f.code for f in result.value[0].findings] == ["PROCESSING_LIMIT"]


class DownOcr:
    def image_text(self, image: Image.Image) -> str:
        raise OcrUnavailable("engine unreachable")


def test_sandbox_system_fault_raised_as_itself():
    # Given an OCR engine that is down, and a scan that needs it
    scan = Image.new("L", (1200, 800), 255)
    for x in range(100, 1100, 40):
        scan.paste(0, (x, 300, x + 20, 340))
    out = io.BytesIO()
    scan.save(out, format="PNG")
    # When it is read
    # Then the outage crosses back as OcrUnavailable: never a finding about the applicant's file
    with pytest.raises(OcrUnavailable):
        read(out.getvalue(), "scan.png", ocr=DownOcr())


def test_render_pages_png_of_each_page():
    # Given a two-page PDF
    doc = FPDF()
    for text in ("Page un", "Page deux"):
        doc.add_page()
        doc.set_font("helvetica", size=20)
        doc.cell(0, 10, text)
    # When its pages are drawn for the console
    pages = sandbox.render_pages(bytes(doc.output()), media_type="application/pdf", dpi=50, max_pages=5)
    # Then each page is a PNG at that resolution (A4 at 50 dpi)
    assert len(pages) == 2
    image = Image.open(io.BytesIO(pages[0]))
    assert image.format == "PNG" and abs(image.width - 413) <= 2


def test_render_pages_hostile_file_refused():
    # Given a PDF that runs JavaScript on open
    data = with_catalog(text_pdf(), OpenAction=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="x()"))
    # When the console asks for its pages
    # Then nothing is drawn: the refusal names the finding
    with pytest.raises(DocumentRejected, match="ACTIVE_CONTENT"):
        sandbox.render_pages(data, media_type="application/pdf", dpi=50, max_pages=1)


# ---------------------------------------------------------------- the command line


LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_classify_hostile_names_and_huge_file_each_get_their_line(tmp_path):
    # Given, in one command: a non-UTF-8 name, a right-to-left mark, a path through "..", a name of
    # 300 characters (too long for the file system), a sparse 1.5 GB file, then a plain bill
    import json
    import os
    import subprocess
    import sys

    folder = tmp_path / "pieces"
    folder.mkdir()
    bill = text_pdf()
    raw = os.fsencode(str(folder)) + b"/facture-\xff\xfe.pdf"
    with open(raw, "wb") as handle:
        handle.write(bill)
    rtl = folder / "fact\u202eexe.pdf"
    rtl.write_bytes(bill)
    huge = folder / "huge.pdf"
    with open(huge, "wb") as handle:
        handle.truncate(1_500_000_000)
    last = folder / "last.pdf"
    last.write_bytes(bill)
    names = [raw, os.fsencode(str(rtl)), os.fsencode(str(folder / ".." / "pieces" / "last.pdf")),
             os.fsencode(str(folder / ("é" * 300 + ".pdf"))), os.fsencode(str(huge)), os.fsencode(str(last))]
    out, err = tmp_path / "out", tmp_path / "err"
    # When the command classifies them
    # Started from a small launcher: Linux carries a process's peak resident size over fork and exec, so a
    # command forked straight from this test process (large after a whole suite) would report its peak.
    peak = tmp_path / "peak"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        command = subprocess.run([sys.executable, "-c", LAUNCHER, str(peak), sys.executable, "-m", "clea_intake.cli",
                                  "classify", *names, "--as-of", "2026-03-10", "--json"], stdout=stdout, stderr=stderr)
    maxrss_kb = int(peak.read_text())
    # Then every file gets its line, in order, and the command ends well
    assert command.returncode == 0, err.read_text(errors="replace")
    lines = [json.loads(line) for line in out.read_bytes().decode("utf-8").splitlines()]
    assert len(lines) == 6
    assert lines[0]["file"].endswith("facture-\\xff\\xfe.pdf") and lines[0]["doc_type"] == "proof_of_address"
    assert lines[1]["doc_type"] == "proof_of_address" and lines[2]["doc_type"] == "proof_of_address"
    assert [f["code"] for f in lines[3]["findings"]] == ["FILE_UNREADABLE"]
    assert [f["code"] for f in lines[4]["findings"]] == ["FILE_TOO_LARGE"]
    assert lines[5]["doc_type"] == "proof_of_address"
    # and the 1.5 GB file was never read whole: the command's peak memory stayed far below its size
    assert maxrss_kb * 1024 < 400 * MB


@pytest.mark.parametrize(("uses", "refused"), [(5, False), (10, True)])
def test_hostile_form_used_many_times_counted_each_time(uses, refused):
    # Given one page drawing a form of 30,000 operators several times (the limit is 200,000 a page)
    from clea_intake.documents import pdf_structure

    pdf = pikepdf.new()
    pdf.add_blank_page()
    heavy = pdf.make_indirect(form(pdf, b"0 0 m " * 30_000, {}))
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm=heavy))
    page.Contents = pdf.make_stream(b"/Fm Do " * uses)
    data = saved(pdf)
    # When its structure is checked
    # Then five uses pass and ten are refused: the shared form is counted at each use
    if refused:
        with pytest.raises(pdf_structure.Refused, match="operators"):
            pdf_structure.check(data, POLICY.documents)
    else:
        pdf_structure.check(data, POLICY.documents)


class _Payload:
    def __reduce__(self):
        import os

        return (os.system, ("echo compromised",))


def test_sandbox_answer_of_a_compromised_child_never_run_by_the_parent():
    # Given an answer a compromised parser could send: a pickle that would run a command when loaded
    import pickle

    answer = pickle.dumps(("ok", [_Payload()]))
    # When the parent loads it as the child's answer
    # Then it is refused: only readings, findings and our own errors come back from a child
    with pytest.raises(pickle.UnpicklingError):
        sandbox._ChildUnpickler(io.BytesIO(answer)).load()


def test_hostile_jpeg_larger_than_its_dictionary_says_image_too_large():
    # Given a PDF image whose dictionary says 16 x 16 but whose JPEG data says 9,000 x 9,000
    small = io.BytesIO()
    Image.new("L", (16, 16), 255).save(small, format="JPEG")
    jpeg = bytearray(small.getvalue())
    frame = jpeg.index(b"\xff\xc0")
    jpeg[frame + 5 : frame + 9] = struct.pack(">HH", 9000, 9000)
    pdf = pikepdf.new()
    pdf.add_blank_page()
    image = pikepdf.Stream(pdf, b"")
    image.write(bytes(jpeg), filter=pikepdf.Name.DCTDecode)
    for key, value in {"Type": pikepdf.Name.XObject, "Subtype": pikepdf.Name.Image, "Width": 16, "Height": 16,
                       "ColorSpace": pikepdf.Name.DeviceGray, "BitsPerComponent": 8}.items():
        image[f"/{key}"] = value
    image = pdf.make_indirect(image)
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im=image))
    page.Contents = pdf.make_stream(b"q 100 0 0 100 0 0 cm /Im Do Q")
    # When it is read
    # Then the size the decoder would draw is the one held to the pixel limit
    assert finding_of(read(saved(pdf))) == "IMAGE_TOO_LARGE"
