"""Write the letters' DejaVu Sans fonts, cut to the scripts a letter can show (python scripts/subset_letter_fonts.py).

fpdf2 parses every font it is given for each PDF, then subsets it again on output: on the full DejaVu Sans (6,253
glyphs, kerning and hinting tables) that was most of a letter's time. The kept ranges are the Latin, Greek,
Cyrillic, Armenian and Georgian alphabets with their accents, the punctuation, currency and letter-like signs, the
arrows and shapes letters draw; a name in another script (Arabic, Hebrew, CJK) was not drawn right before either:
fpdf2 does not shape it here, and DejaVu has no CJK. Hinting and the OpenType layout tables are dropped: fpdf2
neither kerns nor shapes without text shaping, and a PDF viewer rasterises without TrueType hinting.

The sources are Debian's fonts-dejavu-core (the same files the letters shipped whole before).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset

OUT = Path(__file__).resolve().parents[1] / "shared" / "clea_intake" / "letters" / "fonts"
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf")
RANGES = (
    (0x0000, 0x058F),  # Latin, IPA, modifier letters, combining accents, Greek, Cyrillic, Armenian
    (0x10A0, 0x10FF),  # Georgian
    (0x1D00, 0x1DBF),  # phonetic extensions
    (0x1E00, 0x1FFF),  # Latin extended additional (Vietnamese), Greek extended
    (0x2000, 0x218F),  # punctuation, super- and subscripts, currency (€), letter-like signs (№), number forms
    (0x2190, 0x21FF),  # arrows
    (0x2212, 0x2212), (0x2260, 0x2265),  # minus, comparison signs
    (0x25A0, 0x25FF),  # geometric shapes
    (0x2610, 0x2612),  # ballot boxes (the claim form's ☐)
    (0x2713, 0x2718),  # check and cross marks
    (0x2C60, 0x2C7F), (0xA720, 0xA7FF),  # Latin extended C and D
    (0xFB00, 0xFB06),  # Latin ligatures
    (0xFFFD, 0xFFFD),  # replacement character
)


def unicodes() -> list[int]:
    return [code for low, high in RANGES for code in range(low, high + 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=Path("/usr/share/fonts/truetype/dejavu"))
    args = parser.parse_args(argv)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.glyph_names = False
    options.drop_tables += ["kern", "GSUB", "GPOS", "GDEF", "FFTM", "MATH"]
    for name in FONTS:
        font = subset.load_font(str(args.source / name), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes())
        subsetter.subset(font)
        subset.save_font(font, str(OUT / name), options)
        print(f"{name}: {len(font.getGlyphOrder())} glyphs, {(OUT / name).stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
