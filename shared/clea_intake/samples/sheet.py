"""A thin drawing layer over fpdf2: fonts, French dates and amounts, tables, logos, stamps and signatures."""

from __future__ import annotations

import math
import random
import unicodedata
from datetime import UTC, date, datetime, time
from pathlib import Path

from fpdf import FPDF

from clea_intake.french import MONTHS
from clea_intake.letters.pdf.fpdf_speedups import add_parsed_font

FONT_DIR = Path(__file__).parent / "fonts"
# Embedded families (DejaVu subsets, OCR-B) and the PDF base-14 families, which cost nothing to embed.
TTF_FAMILIES = {
    "dejavu": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "dejavu-serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    "dejavu-condensed": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    "ocrb": ("OCRB.ttf", None),
}
CORE_FAMILIES = ("helvetica", "times", "courier")
FONT_FAMILIES = tuple(TTF_FAMILIES) + CORE_FAMILIES
DATE_STYLES = ("long", "slash", "iso", "long0", "dots")
# Characters the base-14 fonts (WinAnsi) lack, replaced the way a word processor export would.
_CORE_REPLACEMENTS = {"☐": "[ ]", "☒": "[X]", "✓": "X", "✔": "X", "■": "-", "□": "[ ]", "№": "N°", "−": "-", "→": "->", "\u202f": " "}


def _drawable(char: str, cmap: dict | None) -> bool:
    if char in "\n\r\t":
        return True
    if cmap is None:
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            return False
        return True
    return ord(char) in cmap


def french_date(day: date, style: str = "slash") -> str:
    if style == "long":
        return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"
    if style == "long0":
        return f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}"
    if style == "iso":
        return day.isoformat()
    if style == "dots":
        return day.strftime("%d.%m.%Y")
    if style == "spaced":
        return day.strftime("%d %m %Y")
    return day.strftime("%d/%m/%Y")


def euros(value: float, *, symbol: bool = True) -> str:
    whole, cents = f"{float(value):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return f"{grouped},{cents}" + (" €" if symbol else "")


def hours_text(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}".replace(".", ",")


class Sheet:
    """One document being drawn; `family` and `date_style` carry the layout's typographic choices."""

    def __init__(
        self, *, family: str = "helvetica", date_style: str = "slash", accent: tuple[int, int, int] = (0, 70, 140),
        orientation: str = "P", page_format: str | tuple[float, float] = "A4", created: date | None = None,
        producer: str = "", margins: tuple[float, float, float] = (18, 15, 18),
    ) -> None:
        self.pdf = FPDF(orientation=orientation, unit="mm", format=page_format)
        self.pdf.core_fonts_encoding = "cp1252"
        moment = datetime.combine(created or date(2026, 1, 1), time(9, 30), tzinfo=UTC)
        self.pdf.set_creation_date(moment)
        if producer:
            self.pdf.set_producer(producer)
            self.pdf.set_creator(producer)
        self.pdf.set_margins(*margins)
        self.pdf.set_auto_page_break(True, 15)
        self.family = family
        self.date_style = date_style
        self.accent = accent
        self._loaded: set[str] = set()
        self.pdf.add_page()
        self.font()

    # fonts and text --------------------------------------------------------------------------
    def _use(self, family: str, bold: bool) -> tuple[str, str]:
        if family in CORE_FAMILIES:
            return family, "B" if bold else ""
        regular, bold_file = TTF_FAMILIES[family]
        if family not in self._loaded:
            add_parsed_font(self.pdf, family, "", str(FONT_DIR / regular))
            if bold_file:
                add_parsed_font(self.pdf, family, "B", str(FONT_DIR / bold_file))
            self._loaded.add(family)
        return family, "B" if bold and bold_file else ""

    def font(self, size: float = 10, *, bold: bool = False, family: str | None = None, italic: bool = False) -> None:
        name, style = self._use(family or self.family, bold)
        if italic and name in CORE_FAMILIES:
            style += "I"
        self.pdf.set_font(name, style, size)

    def _safe(self, text: str) -> str:
        """The text with what the current font cannot draw replaced, so that any given fact renders."""
        core = self.pdf.font_family in CORE_FAMILIES
        if core:
            for old, new in _CORE_REPLACEMENTS.items():
                text = text.replace(old, new)
        cmap = None if core else self.pdf.current_font.cmap
        out = []
        for char in text:
            if _drawable(char, cmap):
                out.append(char)
                continue
            # Fall back on the letter without its accent (ș -> s), as a typist without the key would.
            plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(plain if plain and all(_drawable(c, cmap) for c in plain) else "?")
        return "".join(out)

    def date(self, day: date | str, style: str | None = None) -> str:
        if isinstance(day, str):  # facts may carry ISO strings (a host's birth date from a form)
            day = date.fromisoformat(day[:10])
        return french_date(day, style or self.date_style)

    def color(self, rgb: tuple[int, int, int] | None = None) -> None:
        self.pdf.set_text_color(*(rgb or (0, 0, 0)))

    def text(
        self, text: str, *, size: float = 10, bold: bool = False, align: str = "L", h: float | None = None,
        family: str | None = None, color: tuple[int, int, int] | None = None, w: float = 0, markdown: bool = False,
        italic: bool = False,
    ) -> None:
        self.font(size, bold=bold, family=family, italic=italic)
        self.color(color)
        self.pdf.set_x(self.pdf.l_margin)  # a previous absolute drawing may have left x anywhere
        self.pdf.multi_cell(w, h or size * 0.5, self._safe(text), align=align, markdown=markdown,
                            new_x="LMARGIN", new_y="NEXT")
        self.color()

    def at(
        self, x: float, y: float, text: str, *, size: float = 10, bold: bool = False, family: str | None = None,
        color: tuple[int, int, int] | None = None, w: float = 0, align: str = "L", italic: bool = False,
    ) -> None:
        if not text:
            return
        self.font(size, bold=bold, family=family, italic=italic)
        self.color(color)
        self.pdf.set_xy(x, y)
        if w:
            self.pdf.multi_cell(w, size * 0.45, self._safe(text), align=align)
        else:
            self.pdf.cell(text=self._safe(text))
        self.color()

    def space(self, mm: float = 4) -> None:
        self.pdf.ln(mm)

    @property
    def y(self) -> float:
        return self.pdf.get_y()

    @property
    def width(self) -> float:
        return self.pdf.epw

    # structures ------------------------------------------------------------------------------
    def title(self, text: str, *, size: float = 15, align: str = "L", color: tuple[int, int, int] | None = None,
              rule: bool = False) -> None:
        self.text(text, size=size, bold=True, align=align, color=color or self.accent, h=size * 0.55)
        if rule:
            self.rule()
        self.space(2)

    def rule(self, color: tuple[int, int, int] | None = None, width: float = 0.4) -> None:
        self.pdf.set_draw_color(*(color or self.accent))
        self.pdf.set_line_width(width)
        y = self.pdf.get_y() + 1
        self.pdf.line(self.pdf.l_margin, y, self.pdf.l_margin + self.width, y)
        self.pdf.set_y(y + 2)
        self.pdf.set_draw_color(0, 0, 0)
        self.pdf.set_line_width(0.2)

    def band(self, text: str, *, size: float = 10.5, fill: tuple[int, int, int] | None = None,
             color: tuple[int, int, int] = (255, 255, 255)) -> None:
        self.font(size, bold=True)
        while size > 6 and self.pdf.get_string_width(self._safe(" " + text)) > self.width - 2:
            size -= 0.5
            self.font(size, bold=True)
        self.pdf.set_fill_color(*(fill or self.accent))
        self.color(color)
        self.pdf.set_x(self.pdf.l_margin)
        self.pdf.cell(self.width, size * 0.62, self._safe(" " + text), fill=True, new_x="LMARGIN", new_y="NEXT")
        self.color()
        self.space(1.5)

    def kv(self, rows: list[tuple[str, str]], *, label_w: float = 62, size: float = 10, border: bool = False,
           sep: str = " :", bold_values: bool = False, fill: tuple[int, int, int] | None = None) -> None:
        self.pdf.set_x(self.pdf.l_margin)
        for label, value in rows:
            x0, y0 = self.pdf.get_x(), self.pdf.get_y()
            if y0 > self.pdf.h - 30:
                self.pdf.add_page()
                x0, y0 = self.pdf.get_x(), self.pdf.get_y()
            self.font(size, bold=not bold_values)
            if fill:
                self.pdf.set_fill_color(*fill)
            self.pdf.multi_cell(label_w, size * 0.52, self._safe(label + (sep if sep and label else "")),
                                border=1 if border else 0, fill=bool(fill))
            y_label = self.pdf.get_y()
            self.pdf.set_xy(x0 + label_w, y0)
            self.font(size, bold=bold_values)
            self.pdf.multi_cell(self.width - label_w, size * 0.52, self._safe(value), border=1 if border else 0)
            self.pdf.set_xy(x0, max(self.pdf.get_y(), y_label) + (0 if border else 0.8))

    def table(self, headers: list[str], rows: list[list[str]], widths: list[float], *, size: float = 9.5,
              aligns: list[str] | None = None, header_fill: tuple[int, int, int] | None = None,
              zebra: tuple[int, int, int] | None = None) -> None:
        aligns = aligns or ["L"] * len(widths)
        self.pdf.set_x(self.pdf.l_margin)
        self.font(size, bold=True)
        self.pdf.set_fill_color(*(header_fill or (225, 230, 238)))
        for header, width in zip(headers, widths, strict=True):
            self.pdf.cell(width, size * 0.68, self._safe(header), border=1, fill=True, align="C")
        self.pdf.ln()
        self.font(size)
        for index, row in enumerate(rows):
            fill = bool(zebra and index % 2)
            if fill:
                self.pdf.set_fill_color(*zebra)
            for cell, width, align in zip(row, widths, aligns, strict=True):
                self.pdf.cell(width, size * 0.66, self._safe(cell), border=1, align=align, fill=fill)
            self.pdf.ln()
        self.space(2)

    # drawings --------------------------------------------------------------------------------
    def box(self, x: float, y: float, w: float, h: float, *, fill: tuple[int, int, int] | None = None,
            draw: tuple[int, int, int] | None = (0, 0, 0), radius: float = 0, width: float = 0.3) -> None:
        style = ("D" if draw else "") + ("F" if fill else "")
        if fill:
            self.pdf.set_fill_color(*fill)
        if draw:
            self.pdf.set_draw_color(*draw)
        self.pdf.set_line_width(width)
        if radius:
            self.pdf.rect(x, y, w, h, style=style or "D", round_corners=True, corner_radius=radius)
        else:
            self.pdf.rect(x, y, w, h, style=style or "D")
        self.pdf.set_draw_color(0, 0, 0)
        self.pdf.set_line_width(0.2)

    def logo(self, x: float, y: float, name: str, rng: random.Random, *, size: float = 14,
             color: tuple[int, int, int] | None = None) -> None:
        """A made-up organisation logo: a geometric mark and the name beside it."""
        color = color or self.accent
        self.pdf.set_fill_color(*color)
        shape = rng.randrange(4)
        if shape == 0:
            self.pdf.ellipse(x, y, size, size, style="F")
            self.pdf.set_fill_color(255, 255, 255)
            self.pdf.ellipse(x + size * 0.25, y + size * 0.25, size * 0.5, size * 0.5, style="F")
        elif shape == 1:
            self.pdf.polygon([(x, y + size), (x + size / 2, y), (x + size, y + size)], style="F")
        elif shape == 2:
            self.pdf.rect(x, y, size, size, style="F", round_corners=True, corner_radius=size / 5)
            self.pdf.set_fill_color(255, 255, 255)
            self.pdf.rect(x + size * 0.2, y + size * 0.45, size * 0.6, size * 0.12, style="F")
        else:
            for i in range(3):
                self.pdf.rect(x + i * size / 3, y + size * (0.6 - 0.3 * i), size / 3.6, size * (0.4 + 0.3 * i), style="F")
        self.at(x + size + 3, y + size / 2 - 3, name, size=size * 0.85, bold=True, color=color)

    def datamatrix(self, x: float, y: float, size: float, rng: random.Random, modules: int = 22) -> None:
        """A 2D-Doc-like square code, as printed on French invoices and tax notices."""
        cell = size / modules
        self.pdf.set_fill_color(0, 0, 0)
        for i in range(modules):
            self.pdf.rect(x, y + i * cell, cell, cell, style="F")
            if i % 2 == 0:
                self.pdf.rect(x + i * cell, y, cell, cell, style="F")
        self.pdf.rect(x, y + (modules - 1) * cell, size, cell, style="F")
        for i in range(1, modules):
            for j in range(1, modules - 1):
                if rng.random() < 0.45:
                    self.pdf.rect(x + i * cell, y + j * cell, cell, cell, style="F")

    def signature(self, x: float, y: float, rng: random.Random, *, width: float = 38,
                  color: tuple[int, int, int] = (20, 30, 110)) -> None:
        """A hand-signature-like stroke."""
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(0.45)
        points = []
        phase = rng.uniform(0, 6)
        for i in range(60):
            t = i / 59
            points.append((x + t * width + 2.5 * math.sin(t * 25 + phase),
                           y + 5 + 4 * math.sin(t * 11 + phase) * (1 - t) + 1.5 * math.cos(t * 31)))
        self.pdf.polyline(points)
        self.pdf.line(x - 2, y + 10, x + width * 0.8, y + 9 + rng.uniform(-1, 1))
        self.pdf.set_draw_color(0, 0, 0)
        self.pdf.set_line_width(0.2)

    def stamp(self, x: float, y: float, lines: list[str], *, color: tuple[int, int, int] = (40, 60, 160)) -> None:
        """A rubber-stamp rectangle, slightly faded."""
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(0.6)
        height = 4.6 * len(lines) + 3
        self.pdf.rect(x, y, 58, height, round_corners=True, corner_radius=2)
        for i, line in enumerate(lines):
            self.font(8, bold=i == 0)
            size = min(8.0, 8.0 * 51 / max(1.0, self.pdf.get_string_width(self._safe(line))))
            self.at(x + 1, y + 2 + i * 4.6, line, size=size, bold=i == 0, color=color, w=56, align="C")
        self.pdf.set_draw_color(0, 0, 0)
        self.pdf.set_line_width(0.2)

    def footer(self, text: str, *, size: float = 7) -> None:
        self.at(self.pdf.l_margin, self.pdf.h - 14, text, size=size, color=(100, 100, 100), w=self.width, align="C")

    def output(self) -> bytes:
        return bytes(self.pdf.output())
