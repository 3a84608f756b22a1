"""The pattern rewriting that makes searches fast must never change what a pattern finds."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from clea_intake.documents import classify as classify_module
from clea_intake.documents.reading import Text, anchor_words, literal_options, pattern_options
from clea_intake.domain.findings import DocType
from clea_intake.samples.generate import make_document

DOCUMENTS = Path(classify_module.__file__).parent


def _patterns_in_sources() -> list[str]:
    """Every string constant of the reading modules that is a regex with a word boundary somewhere."""
    found: set[str] = set()
    for path in DOCUMENTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "\\b" in node.value:
                try:
                    re.compile(node.value)
                except re.error:
                    continue
                found.add(node.value)
    found.update(signal.pattern.pattern for signals in classify_module.SIGNALS.values() for signal in signals)
    return sorted(found)


PATTERNS = _patterns_in_sources()


def _texts() -> list[str]:
    texts = []
    for doc_type in DocType:
        if doc_type is DocType.UNKNOWN:
            continue
        for layout in range(3):
            document = pdfium.PdfDocument(make_document(doc_type, {}, layout=layout, seed=layout))
            texts.append("\n".join(page.get_textpage().get_text_range() for page in document))
            document.close()
    # Edges: words glued to letters, digits and underscores, start and end of text, apostrophes.
    texts.append("XFACTURE FACTUREX _FACTURE FACTURE_ 1FACTURE FACTURE\nDEBUT DATE DE DEBUT DATEDEBUT L'HEURES")
    texts.append("DUREE: 12 HEURES\nNOMBRE D'HEURES 10H\nNOMBRED'HEURES\nHEURESHEURES\nDEBUT")
    return [Text(text).folded for text in texts]


TEXTS = _texts()


def _found(regex: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in regex.finditer(text)]


def test_the_sources_hold_many_word_patterns():
    # The collection below must not silently shrink to nothing.
    assert len(PATTERNS) > 100
    assert sum(anchor_words(p) != p for p in PATTERNS) > 100


@pytest.mark.parametrize("pattern", PATTERNS)
def test_anchored_pattern_finds_exactly_what_the_pattern_finds(pattern):
    original, anchored = re.compile(pattern), re.compile(anchor_words(pattern))
    assert anchored.groupindex == original.groupindex
    for text in TEXTS:
        assert _found(anchored, text) == _found(original, text), pattern


@pytest.mark.parametrize("pattern", PATTERNS)
def test_literal_prefilter_never_hides_a_match(pattern):
    regex = re.compile(pattern)
    for text in TEXTS:
        if regex.search(text):
            assert Text(text).holds(pattern_options(pattern)), (pattern, literal_options(pattern))


@pytest.mark.parametrize(
    ("pattern", "anchored"),
    [
        (r"\bFACTURE\b", r"F(?<=\bF)ACTURE\b"),
        (r"\b(?:LOYER|BAILLEUR)\b", r"(?:L(?<=\bL)OYER|B(?<=\bB)AILLEUR)\b"),
        (r"\b(?:DATE\s+DE\s+)?DEBUT\b", r"(?:D(?<=\bD)ATE\s+DE\s+)DEBUT\b|D(?<=\bD)EBUT\b"),
        (r"\bR\.?I\.?B\.?\b", r"R(?<=\bR)\.?I\.?B\.?\b"),
        # Not rewritten: a quantified first letter, a lazy optional group, a class, a repeated group name.
        (r"\bA?B", r"\bA?B"),
        (r"\b(?:X)??Y", r"\b(?:X)??Y"),
        (r"\b[A-Z]{3}\b", r"\b[A-Z]{3}\b"),
        (r"\b(?:(?P<n>A)\s)?(?P<m>B)", r"\b(?:(?P<n>A)\s)?(?P<m>B)"),
    ],
)
def test_anchor_words_rewrites(pattern, anchored):
    assert anchor_words(pattern) == anchored


def test_literal_options_split_a_leading_group():
    assert literal_options(r"\b(?:LOYER|CHARGES\s+LOCATIVES)\b") == (("LOYER",), ("CHARGES", "LOCATIVES"))
    assert literal_options(r"\b(?:EAU|M3)\b") == (("EAU",), ())  # "M3" has no word of 3 letters: always runs


def test_date_forms_find_the_same_dates_on_every_sample():
    # The look-aheads in front of the date forms only turn positions away: compare with the bare forms.
    from clea_intake.documents import textutil

    bare = [re.compile(p) for p in (textutil._ISO, textutil._WORDS, textutil._NUMERIC, textutil._SPACED)]
    for text in TEXTS:
        expected = sorted((m.start(), m.end()) for form in bare for m in form.finditer(text))
        got = sorted((m.start(), m.end()) for form in textutil._DATE_FORMS for m in form.finditer(text))
        assert got == expected
