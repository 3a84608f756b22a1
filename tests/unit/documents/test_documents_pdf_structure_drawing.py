"""The structure check on what a page draws and on where active content hides: bombs in content streams and
forms, shared and repeated forms, form cycles, inline images, damaged streams, actions given by reference or
with escaped names; and the operator and inline-image patterns, which start with what they match."""

from __future__ import annotations

import io
import random
import re
import zlib

import pikepdf
import pytest

from clea_intake.documents import pdf_structure
from clea_intake.domain.policy import current_policy
from tests.hostile_files import MB, flate_stream, saved, text_pdf, with_catalog, zeros_deflated

LIMITS = current_policy().documents


def refusal(data: bytes) -> tuple[str, str] | None:
    try:
        pdf_structure.check(data, LIMITS)
    except pdf_structure.Refused as exc:
        return exc.code, exc.limit
    return None


def form(pdf: pikepdf.Pdf, content: bytes, **xobjects) -> pikepdf.Stream:
    """A form XObject, its content deflated."""
    stream = flate_stream(pdf, zlib.compress(content), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                          BBox=[0, 0, 100, 100])
    stream.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary({f"/{k}": v for k, v in xobjects.items()}))
    return stream


def one_page(pdf: pikepdf.Pdf, content: bytes, **xobjects) -> pikepdf.Pdf:
    """`pdf` given one page drawing `content` (deflated) with `xobjects`."""
    pdf.add_blank_page()
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary({f"/{k}": v for k, v in xobjects.items()}))
    page.Contents = flate_stream(pdf, zlib.compress(content))
    return pdf


# ---------------------------------------------------------------- what a page draws


@pytest.mark.parametrize("where", ["page", "form"])
def test_bomb_in_a_drawn_stream_stops_at_the_budget(where):
    # Given a 400 MB Flate bomb as a page's content stream, or as a form the page draws
    pdf = pikepdf.new()
    pdf.add_blank_page()
    bomb = flate_stream(pdf, zeros_deflated(400 * MB))
    if where == "form":
        bomb.Type, bomb.Subtype, bomb.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 1, 1]
        pdf.pages[0].obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm=bomb))
        pdf.pages[0].obj.Contents = pdf.make_stream(b"/Fm Do")
    else:
        pdf.pages[0].obj.Contents = bomb
    # When its structure is checked
    # Then the inflation stops at the file's budget, as for any other stream
    assert refusal(saved(pdf)) == ("PROCESSING_LIMIT", "inflated_bytes")


def test_bomb_is_refused_before_active_content_found_earlier():
    # Given a file that runs JavaScript on opening and whose page is a Flate bomb
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.Contents = flate_stream(pdf, zeros_deflated(100 * MB))
    data = with_catalog(saved(pdf), OpenAction=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)"))
    # When its structure is checked
    # Then the bomb is what it is refused for: every object is inflated before active content is reported
    assert refusal(data) == ("PROCESSING_LIMIT", "inflated_bytes")


@pytest.mark.parametrize(("operators", "refused"), [(199_000, False), (201_000, True)])
def test_content_stream_shared_by_ten_pages_counted_for_each(operators, refused):
    # Given ten pages drawing one shared deflated content stream (the limit is 200,000 operators a page)
    pdf = pikepdf.new()
    shared = flate_stream(pdf, zlib.compress(b"0 0 m " * operators))
    for _ in range(10):
        pdf.add_blank_page()
        pdf.pages[-1].obj.Contents = shared
    # When its structure is checked
    # Then each page is held to the limit with the stream's operators
    assert refusal(saved(pdf)) == (("PROCESSING_LIMIT", "operators") if refused else None)


@pytest.mark.parametrize(("uses", "refused"), [(6, False), (7, True)])
def test_deflated_form_drawn_by_one_page_several_times_counted_each_time(uses, refused):
    # Given a page drawing a deflated form of 30,000 operators several times, its contents listed twice
    pdf = pikepdf.new()
    heavy = form(pdf, b"0 0 m " * 30_000)
    contents = flate_stream(pdf, zlib.compress(b"/Fm Do " * (uses // 2)))
    pdf.add_blank_page()
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm=heavy))
    page.Contents = pikepdf.Array([contents, contents] + ([pdf.make_stream(b"/Fm Do")] if uses % 2 else []))
    # When its structure is checked
    # Then every use counts again
    assert refusal(saved(pdf)) == (("PROCESSING_LIMIT", "operators") if refused else None)


def test_two_deflated_forms_drawing_each_other_are_a_cycle():
    # Given form A drawing form B, which draws A
    pdf = pikepdf.new()
    first = form(pdf, b"/B Do")
    second = form(pdf, b"/A Do", A=first)
    first.Resources.XObject.B = second
    # When the page drawing A is checked
    # Then the loop is refused, not followed
    assert refusal(saved(one_page(pdf, b"/A Do", A=first))) == ("PROCESSING_LIMIT", "xobject_cycle")


@pytest.mark.parametrize(("side", "refused"), [(6000, False), (7000, True)])
def test_inline_image_of_a_deflated_form_held_to_the_pixel_limit(side, refused):
    # Given a page drawing a form whose content has an inline image (the limit is 40 megapixels)
    pdf = pikepdf.new()
    image = form(pdf, f"q BI /W {side} /H {side} /CS /G /BPC 8 ID ".encode() + bytes(16) + b" EI Q")
    # When its structure is checked
    # Then an image beyond the limit is refused
    assert refusal(saved(one_page(pdf, b"/Fm Do", Fm=image))) == (("IMAGE_TOO_LARGE", "") if refused else None)


def test_inline_image_too_large_is_refused_after_active_content():
    # Given a page with an inline image beyond the pixel limit, in a file that runs JavaScript on opening
    pdf = one_page(pikepdf.new(), b"q BI /W 7000 /H 7000 /CS /G /BPC 8 ID " + bytes(16) + b" EI Q")
    data = with_catalog(saved(pdf), OpenAction=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="x()"))
    # When its structure is checked
    # Then active content is what it is refused for: drawing is only looked at after every object
    assert refusal(data) == ("ACTIVE_CONTENT", "/OpenAction")


@pytest.mark.parametrize(("operators", "refused"), [(199_000, False), (201_000, True)])
def test_large_content_stream_has_its_operators_counted(operators, refused):
    # Given a page whose content inflates to more than 5 MB (comments pad it)
    content = b"% " + b"x" * (5 * MB) + b"\n" + b"0 0 m " * operators
    # When its structure is checked
    # Then its operators are counted all the same
    assert refusal(saved(one_page(pikepdf.new(), content))) == (("PROCESSING_LIMIT", "operators") if refused else None)


def test_damaged_content_stream_counts_what_inflates_before_the_damage():
    # Given a page of 300,000 operators whose deflated content is damaged a little after its start
    compressed = bytearray(zlib.compress(b"0 0 m " * 300_000))
    compressed[1500:1503] = b"\xff\xff\xff"
    pdf = one_page(pikepdf.new(), b"")
    pdf.pages[0].obj.Contents = flate_stream(pdf, bytes(compressed))
    # When its structure is checked
    # Then only what comes out before the damage is drawn, and counted: the page is within the limit
    assert refusal(saved(pdf)) is None


# ---------------------------------------------------------------- active content


def test_action_kind_given_by_reference_is_active_content():
    # Given an action whose /S is a reference to the name /Launch
    pdf = pikepdf.open(io.BytesIO(text_pdf()))
    pdf.Root.Extra = pikepdf.Dictionary(S=pdf.make_indirect(pikepdf.Name.Launch), F="cmd.exe")
    # When its structure is checked
    # Then the referenced kind is read: the file is refused
    assert refusal(saved(pdf)) == ("ACTIVE_CONTENT", "/Launch")


def test_escaped_active_key_is_active_content():
    # Given JavaScript on opening whose key is written with an escaped letter (/J#53 is /JS)
    data = with_catalog(text_pdf(), Extra=pikepdf.Dictionary(Kids=pikepdf.Array([pikepdf.Dictionary(JS="x()")])))
    assert b"/JS" in data
    # When its structure is checked
    # Then the name is read as a reader reads it
    assert refusal(data.replace(b"/JS", b"/J#53")) == ("ACTIVE_CONTENT", "/JS")


def test_active_key_in_a_content_stream_dictionary_is_active_content():
    # Given additional actions on a page's content stream dictionary
    pdf = pikepdf.open(io.BytesIO(text_pdf()))
    pdf.pages[0].obj.Contents.AA = pikepdf.Dictionary()
    # When its structure is checked
    # Then it is active content
    assert refusal(saved(pdf)) == ("ACTIVE_CONTENT", "/AA")


def test_plain_file_with_an_opening_destination_is_accepted():
    # Given a plain PDF that opens at its first page, names close to active ones in its objects
    pdf = pikepdf.open(io.BytesIO(text_pdf()))
    pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])
    pdf.Root.Extra = pikepdf.Dictionary(JSON=pikepdf.Name("/AAA"), Title="/JS (#1)", Type=pikepdf.Name("/Movies"))
    # When its structure is checked
    # Then it is accepted
    assert refusal(saved(pdf)) is None


# ---------------------------------------------------------------- the patterns


# The patterns as first written: a look-behind or \b first, which re cannot skip to.
_OPERATOR_AS_WRITTEN = re.compile(rb"(?<![A-Za-z0-9_/.#\\])[A-Za-z'\"][A-Za-z0-9*'\"]{0,2}(?![A-Za-z0-9_])")
_INLINE_AS_WRITTEN = re.compile(rb"\bBI\b(.{0,4000}?)\bID\b", re.DOTALL)


def test_operator_and_inline_patterns_match_as_first_written():
    # Given random strings of the characters that decide a match, and a real content stream
    rnd = random.Random(20260302)
    alphabet = b"aZq09_/.#\\*'\" \n()<>[]{}%\x00\xffBIDTjm"
    texts = [bytes(rnd.choice(alphabet) for _ in range(rnd.randint(0, 16))) for _ in range(20_000)]
    texts.append(b"BT /F1 12 Tf 72 700 Td (Facture n'1) Tj ET q BI /W 2 /H 2 ID \x00\xff EI Q aBI ID _BI ID")
    # When both patterns match them
    # Then they find the same operators and the same inline images
    for text in texts:
        assert [m.span() for m in pdf_structure._OPERATOR.finditer(text)] == \
            [m.span() for m in _OPERATOR_AS_WRITTEN.finditer(text)], text
        assert [(m.span(), m.group(1)) for m in pdf_structure._INLINE.finditer(text)] == \
            [(m.span(), m.group(1)) for m in _INLINE_AS_WRITTEN.finditer(text)], text
