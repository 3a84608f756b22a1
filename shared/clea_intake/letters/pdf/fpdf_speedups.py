"""Two speed-ups of fpdf2 for the letters that change no byte of a PDF; the only module that touches its internals.

Checked against fpdf2 2.8.9 (with fontTools 4.68). Each speed-up first checks that the internals it relies on
are the ones it was written for; when they are not, it steps aside and fpdf2 runs its own code, so a new fpdf2
can make the letters slower again, never different. tests/unit/letters/test_letters_fpdf_speedups.py builds
every letter both ways and compares the bytes, and fails when a speed-up is no longer in use.

1. Fonts. `FPDF.add_font` parses the TTF file with fontTools for every document (`TTFFont.__init__`: glyph
   names, cmap, widths) and, at `output()`, fontTools' subsetter cuts `font.ttfont` in place. Here each file is
   parsed by fpdf2 once per process into a template `TTFFont`; every document gets a copy of it whose
   per-document state (index, subset map, descriptor, widths, `ttfont`) is fresh, and whose `ttfont` is a new
   lazy fontTools font read from the file's bytes, given the glyph order fontTools would derive from the cmap
   (the slow part of reading these fonts, whose 'post' table holds no glyph names).
2. Line widths. `fpdf.line_break.CurrentLine.width` sums the width of every character of the line each time a
   character is added (quadratic; fpdf2 issue #1444). For the lines drawn in fonts of (1) only, the width is
   kept per fragment as the integer sum fpdf2 computes, extended by the characters added since; the float
   arithmetic on that sum is fpdf2's, in fpdf2's order, so the result is the same float.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from fontTools import ttLib
from fpdf import FPDF, line_break
from fpdf import fonts as fpdf_fonts

__all__ = ["add_parsed_font", "font_cloning_active", "line_width_active", "plain_fpdf2"]

# TTFFont's attributes in fpdf2 2.8.9. Another set means another per-document state than the one
# _document_copy() renews: fonts are then added by fpdf2 itself.
_TTFFONT_SLOTS = frozenset({
    "i", "type", "name", "desc", "glyph_ids", "_hbfont", "sp", "ss", "up", "ut", "cw", "ttffile", "fontkey",
    "emphasis", "scale", "subset", "cmap", "ttfont", "missing_glyphs", "biggest_size_pt", "color_font",
    "unicode_range", "palette_index", "is_compressed", "is_cff", "is_cid_keyed", "is_symbol", "cff_ros",
    "collection_font_number",
})  # fmt: skip
# What the line width reads from a fragment, as fpdf2 2.8.9's Fragment.get_width() does.
_FRAGMENT_PROPERTIES = ("font", "font_size_pt", "font_stretching", "char_spacing", "text_shaping_parameters")

_plain: ContextVar[bool] = ContextVar("plain_fpdf2", default=False)


def _fonts_checked() -> bool:
    slots = getattr(fpdf_fonts.TTFFont, "__slots__", ())
    return frozenset(slots) == _TTFFONT_SLOTS and hasattr(fpdf_fonts, "SubsetMap")


_FONTS_CHECKED = _fonts_checked()


@contextmanager
def plain_fpdf2() -> Iterator[None]:
    """Within this block, documents created add their fonts with fpdf2's own add_font, and their lines are
    measured by fpdf2's own CurrentLine.width: the reference the tests compare the speed-ups' bytes to."""
    token = _plain.set(True)
    try:
        yield
    finally:
        _plain.reset(token)


# 1. Fonts parsed once per process.


class _SharedParseFont(fpdf_fonts.TTFFont):
    """A document's copy of a template font: the class marks the fonts whose widths section 2 may sum."""

    __slots__ = ()


@dataclass(frozen=True)
class _ParsedFont:
    template: fpdf_fonts.TTFFont
    data: bytes
    glyph_order: tuple[str, ...]


@cache
def _parsed(family: str, style: str, path: str) -> _ParsedFont | None:
    """The file parsed by fpdf2 itself, once; None for the fonts fpdf2 reads in another way or changes as it
    reads them (compressed, CFF or colour fonts, fonts without '.notdef', core font names): fpdf2 then reads
    them for every document, as it does without this module."""
    data = Path(path).read_bytes()
    pristine = ttLib.TTFont(BytesIO(data), recalcTimestamp=False, lazy=True)
    glyph_order = tuple(pristine.getGlyphOrder())
    outlines = "glyf" in pristine.keys()
    pristine.close()
    pdf = FPDF()
    pdf.add_font(family, style=style, fname=path)
    if len(pdf.fonts) != 1:
        return None
    (template,) = pdf.fonts.values()
    template.ttfont.close()
    template.ttfont = None  # each document reads its own; the template is never output
    simple = not (template.is_compressed or template.is_cff or template.color_font is not None)
    if not (simple and outlines and ".notdef" in glyph_order):
        return None
    return _ParsedFont(template, data, glyph_order)


def _fresh_ttfont(parsed: _ParsedFont) -> ttLib.TTFont:
    """The fontTools font fpdf2 would open for this document, unread; the subsetter cuts it at output()."""
    ttfont = ttLib.TTFont(BytesIO(parsed.data), recalcTimestamp=False, lazy=True)
    # What getGlyphOrder() would rebuild from the cmap, decoding the cmap twice on the way.
    ttfont.setGlyphOrder(list(parsed.glyph_order))
    return ttfont


def _document_copy(parsed: _ParsedFont, pdf: FPDF) -> fpdf_fonts.TTFFont:
    """The template with TTFFont.__init__'s per-document state made anew; parsed values are shared read-only
    (cmap, metrics), as fpdf2's own TTFFont.__deepcopy__ shares them."""
    template = parsed.template
    font = _SharedParseFont.__new__(_SharedParseFont)
    for name in _TTFFONT_SLOTS:
        if hasattr(template, name):  # __init__ leaves some unset ('unicode_range'): so do they stay
            setattr(font, name, getattr(template, name))
    font.i = len(pdf.fonts) + 1
    font.ttfont = _fresh_ttfont(parsed)
    font.desc = copy.copy(template.desc)  # output() names it and numbers it as one of this PDF's objects
    font.cw = copy.copy(template.cw)  # a defaultdict: reading a missing character adds it
    font.glyph_ids = dict(template.glyph_ids)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = fpdf_fonts.SubsetMap(font)  # last: it reads the font's cmap and widths
    return font


def font_cloning_active() -> bool:
    return _FONTS_CHECKED and not _plain.get()


def add_parsed_font(pdf: FPDF, family: str, style: str, path: str) -> None:
    """pdf.add_font(family, style=style, fname=path), from the process's parse of the file when it can be."""
    parsed = _parsed(family, style, path) if font_cloning_active() else None
    if parsed is None or parsed.template.fontkey in pdf.fonts:
        pdf.add_font(family, style=style, fname=path)
        return
    pdf.fonts[parsed.template.fontkey] = _document_copy(parsed, pdf)


# 2. Incremental line widths.


class _Sum:
    """The width of a fragment's first `count` characters, kept as fpdf2 computes it: the integer sum of their
    widths in the font's units, times the size, times 0.001, over the scale factor.

    fpdf2 2.8.9 only appends to a fragment's list of characters, or replaces the list with a shorter copy when
    it trims a line (CurrentLine.add_character, Fragment.trim), and draws a fragment's line in the style it
    was given: what is read from a list once stays true while the same list is there."""

    __slots__ = ("fragment", "characters", "state", "widths", "size", "k", "count", "total", "width")

    def __init__(self, fragment: Any, font: Any):
        self.fragment = fragment  # held, so that its id() is not reused while it is a key
        self.characters = fragment.characters
        self.state = fragment.graphics_state
        self.widths = font.cw.__getitem__  # a defaultdict's: a character it lacks has the default width
        self.size = fragment.font_size_pt
        self.k = fragment.k
        self.count = 0
        self.total = 0
        self.width: float | None = 0.0
        if self.size > font.biggest_size_pt:  # as TTFFont.get_text_width() records it
            font.biggest_size_pt = self.size

    def read(self) -> float | None:
        characters = self.characters
        if self.count < len(characters):
            total, widths = self.total, self.widths
            for piece in characters[self.count:]:  # one character each, but fpdf2 joins them: so do we
                for char in piece:
                    total += widths(ord(char))
            self.total, self.count = total, len(characters)
            # TTFFont.get_text_width() then Fragment.get_width(), in their order. Widths are integers in a
            # TTF's table; were they floats, their sum would depend on where it was cut: fpdf2 then sums them.
            self.width = total * self.size * 0.001 / self.k if type(total) is int else None
        return self.width


def _is_simple(fragment: Any, font: Any) -> bool:
    """Fragment.get_width() is the plain sum of the widths: no shaping, symbol mapping, spacing or stretching."""
    return (
        type(font) is _SharedParseFont
        and not font.is_symbol
        and not fragment.text_shaping_parameters
        and fragment.font_stretching == 100
        and fragment.char_spacing == 0
    )


def _fragment_width(fragment: Any, sums: dict[int, _Sum]) -> float | None:
    """Fragment.get_width(initial_cs=...) of the whole fragment, or None when it is not the simple case."""
    known = sums.get(id(fragment))
    characters = fragment.characters
    if (known is None or known.characters is not characters or known.count > len(characters)
            or known.state is not fragment.graphics_state):  # fmt: skip
        font = fragment.font
        if not _is_simple(fragment, font):
            return None
        known = sums[id(fragment)] = _Sum(fragment, font)
    return known.read()


def _incremental_width(fpdf_width: Callable[[Any], float]) -> property:
    def width(line: Any) -> float:
        sums = line.__dict__.setdefault("_clea_intake_sums", {})
        total: float = 0
        for fragment in line.fragments:
            fragment_width = _fragment_width(fragment, sums)
            if fragment_width is None:
                return fpdf_width(line)
            total += fragment_width
        return total

    width.__doc__ = "CurrentLine.width, summed as fpdf2 does but without re-reading the characters already read."
    return property(width)


def _line_width_checked() -> bool:
    """CurrentLine has a width property and a per-instance __dict__, and a Fragment its characters, graphics
    state, scale factor and the properties get_width() reads, as in fpdf2 2.8.9."""
    line_class = getattr(line_break, "CurrentLine", None)
    fragment_class = getattr(line_break, "Fragment", None)
    if line_class is None or fragment_class is None or hasattr(line_class, "__slots__"):
        return False
    fragment_arguments = inspect.signature(fragment_class.__init__).parameters
    return (
        _FONTS_CHECKED
        and isinstance(getattr(line_class, "width", None), property)
        and {"characters", "graphics_state", "k"} <= set(fragment_arguments)
        and all(isinstance(getattr(fragment_class, name, None), property) for name in _FRAGMENT_PROPERTIES)
    )


def _install_line_width() -> bool:
    """Replaces CurrentLine.width once per process. Lines in other fonts than section 1's (other users of fpdf2
    in the process, or documents made under plain_fpdf2()) get the width fpdf2 computes, by fpdf2's code."""
    if not _line_width_checked():
        return False
    current = line_break.CurrentLine.width
    if getattr(current.fget, "_clea_intake", False):
        return True
    replacement = _incremental_width(current.fget)
    replacement.fget._clea_intake = True
    replacement.fget.fpdf2_width = current.fget  # for the tests, which compare the two
    line_break.CurrentLine.width = replacement
    return True


_LINE_WIDTH_INSTALLED = _install_line_width()


def line_width_active() -> bool:
    return _LINE_WIDTH_INSTALLED
