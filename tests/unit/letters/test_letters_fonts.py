"""The letters' fonts are cut to the scripts a letter shows (scripts/subset_letter_fonts.py): nothing a letter
writes, from its fixed text or from a name in those scripts, may fall outside them."""

from __future__ import annotations

import ast
from importlib import resources
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

import clea_intake.letters as letters_package

FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf")


def _cmap(name: str) -> set[int]:
    with resources.as_file(resources.files("clea_intake.letters") / "fonts" / name) as path:
        return set(TTFont(path, lazy=True).getBestCmap())


def _fixed_text() -> set[str]:
    """Every character of every string constant in the letters' modules (their wording, the Région's heading)."""
    chars: set[str] = set()
    for source in Path(letters_package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                chars |= {c for c in node.value if c.isprintable() and c != " "}
    return chars


@pytest.mark.parametrize("font", FONTS)
def test_every_character_of_the_letters_wording_is_in_the_font(font):
    missing = sorted(c for c in _fixed_text() if ord(c) not in _cmap(font))
    assert not missing, f"{font} lacks {missing}: add their range to scripts/subset_letter_fonts.py"


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize("name", ["Łukasz Wiśniewski-Nguyễn Thị", "Ελένη Παπαδοπούλου", "Дмитрий Соколов",
                                  "Ștefan Dănuț Țîrlea", "Սարգսյան", "ქეთევან", "Øyvind Åsmund Þórsson"])
def test_names_in_the_kept_scripts_are_drawn(font, name):
    cmap = _cmap(font)
    assert all(ord(c) in cmap for c in name if c not in " -")


def test_the_fonts_are_the_cut_ones():
    """The whole DejaVu Sans (6,253 glyphs with kerning and hinting) cost most of a letter's time in fpdf2."""
    for font in FONTS:
        with resources.as_file(resources.files("clea_intake.letters") / "fonts" / font) as path:
            tables = TTFont(path, lazy=True)
            assert len(tables.getGlyphOrder()) < 3000
            assert not {"GPOS", "GSUB", "kern", "fpgm", "prep"} & set(tables.keys())
