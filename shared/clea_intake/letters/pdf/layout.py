"""The Région's A4 page in fpdf2: fonts, colours, letterhead and footer, and the blocks letters are built of."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from importlib import resources

from fpdf import FPDF
from fpdf.enums import TableBordersLayout
from fpdf.fonts import FontFace

from clea_intake.letters.content import policy_of
from clea_intake.letters.french import one_line
from clea_intake.letters.models import NoticeContext
from clea_intake.letters.pdf.fpdf_speedups import add_parsed_font
from clea_intake.letters.region import DIRECTION, HEADING, POSTAL_ADDRESS, REGION_NAME, SERVICE, WEBSITE

__all__ = ["ACCENT", "CHECKBOX", "FAMILY", "GREY", "HEADINGS", "INK", "Grid", "RegionPdf"]

FAMILY = "DejaVu"
ACCENT = (0, 85, 127)
INK = (29, 29, 27)
GREY = (90, 90, 90)
PALE = (238, 243, 246)
CHECKBOX = "☐"
# The heading row of every table: white on the accent colour.
HEADINGS = FontFace(emphasis="B", color=(255, 255, 255), fill_color=ACCENT)


def _font_path(name: str) -> str:
    return str(resources.files("clea_intake.letters") / "fonts" / name)


@dataclass(frozen=True)
class Grid:
    pairs: tuple[tuple[tuple[str, str], tuple[str, str] | None], ...]
    wide: tuple[tuple[str, str], ...] = ()
    highlight: tuple[str, str] | None = None


class RegionPdf(FPDF):
    """An A4 page of the Région: heading on the first page, running reference and pages below."""

    def __init__(self, ctx: NoticeContext, title: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.reference = one_line(ctx.case_id)
        self.policy_version = one_line(ctx.policy_version or policy_of(ctx).version)
        for style, name in (
            ("", "DejaVuSans.ttf"),
            ("B", "DejaVuSans-Bold.ttf"),
            ("I", "DejaVuSans-Oblique.ttf"),
        ):
            add_parsed_font(self, FAMILY, style, _font_path(name))
        self.set_margins(left=20, top=16, right=20)
        self.set_auto_page_break(auto=True, margin=24)
        self.set_title(f"{title} — {self.reference}")
        self.set_author(f"{REGION_NAME} — {DIRECTION}")
        self.set_subject(title)
        self.set_lang("fr-FR")
        self.set_creator("clea-intake")
        # The document date is the notice's date, never the clock: the same case gives the same bytes.
        self.set_creation_date(datetime.combine(ctx.sent_on, time(12, 0), tzinfo=UTC))
        self.set_text_color(*INK)

    def header(self) -> None:
        if self.page_no() == 1:
            self.set_fill_color(*ACCENT)
            self.rect(self.l_margin, 14, 1.8, 17, style="F")
            self.set_xy(self.l_margin + 4, 13.5)
            self.set_font(FAMILY, "B", 15)
            self.set_text_color(*ACCENT)
            self.cell(0, 7, REGION_NAME, new_x="LEFT", new_y="NEXT")
            self.set_font(FAMILY, "", 9.5)
            self.set_text_color(*INK)
            self.cell(0, 5, DIRECTION, new_x="LEFT", new_y="NEXT")
            self.set_font(FAMILY, "", 8.5)
            self.set_text_color(*GREY)
            self.cell(0, 4.5, SERVICE, new_x="LMARGIN", new_y="NEXT")
            self.set_y(36)
        else:
            self.set_font(FAMILY, "", 8)
            self.set_text_color(*GREY)
            self.cell(0, 5, HEADING, new_x="LMARGIN", new_y="TOP")
            self.cell(0, 5, self.reference, align="R", new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(*ACCENT)
            self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
            self.set_y(self.get_y() + 6)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-18)
        self.set_draw_color(200, 205, 210)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_y(-16.5)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(*GREY)
        self.cell(0, 3.6, HEADING, new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 3.6, f"{', '.join(POSTAL_ADDRESS)} — {WEBSITE}", new_x="LMARGIN", new_y="TOP")
        self.cell(0, 3.6, f"Page {self.page_no()}/{{nb}}", align="R", new_x="LMARGIN", new_y="NEXT")
        self.cell(
            0, 3.6, f"Dossier {self.reference} — règles appliquées : {self.policy_version}",
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
        self.set_text_color(*INK)

    # Building blocks; all caller text goes through one_line() before it reaches a page.

    def paragraph(self, text: str, *, size: float = 10, style: str = "", gap: float = 2.6,
                  align: str = "J", color: tuple[int, int, int] = INK) -> None:  # fmt: skip
        self.set_font(FAMILY, style, size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.ln(gap)

    def section(self, title: str, *, size: float = 10.5) -> None:
        if self.will_page_break(20):
            self.add_page()
        self.ln(1.5)
        self.set_font(FAMILY, "B", size)
        self.set_text_color(*ACCENT)
        self.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*ACCENT)
        self.line(self.l_margin, self.get_y(), self.l_margin + 25, self.get_y())
        self.set_text_color(*INK)
        self.ln(2.5)

    def facts(self, grid: Grid) -> None:
        """The case at a glance: pairs of label and value side by side, long values on a full row."""
        self.set_font(FAMILY, "B", 9)
        # Side by side only when both values fit their half: a long name gets the full width.
        paired = [
            right is not None
            and self.get_string_width(left[1]) <= 45
            and self.get_string_width(right[1]) <= 47
            for left, right in grid.pairs
        ]
        self.set_font(FAMILY, "", 9)
        label_style = FontFace(color=GREY)
        value_style = FontFace(emphasis="B")
        with self.table(
            col_widths=(41, 50, 27, 52),
            first_row_as_headings=False,
            borders_layout=TableBordersLayout.NONE,
            cell_fill_color=PALE,
            cell_fill_mode="ALL",
            text_align="LEFT",
            v_align="TOP",
            line_height=4.4,
            padding=(1.1, 2.5),
            width=self.epw,
        ) as table:
            for (left, right), side_by_side in zip(grid.pairs, paired, strict=True):
                if right is not None and side_by_side:
                    row = table.row()
                    for label, value in (left, right):
                        row.cell(label, style=label_style)
                        row.cell(value, style=value_style)
                    continue
                for label, value in (left, right) if right is not None else (left,):
                    row = table.row()
                    row.cell(label, style=label_style)
                    row.cell(value, style=value_style, colspan=3)
            for label, value in grid.wide:
                row = table.row()
                row.cell(label, style=label_style)
                row.cell(value, style=value_style, colspan=3)
            if grid.highlight:
                label, value = grid.highlight
                row = table.row()
                row.cell(label, style=label_style, v_align="MIDDLE")
                row.cell(value, style=FontFace(emphasis="B", size_pt=11.5, color=ACCENT), colspan=3)
        self.ln(4)

    def signature(self, lines: Sequence[str]) -> None:
        if self.will_page_break(26):
            self.add_page()
        self.ln(3)
        self.set_font(FAMILY, "", 10)
        for index, line in enumerate(lines):
            self.set_x(105)
            self.set_font(FAMILY, "B" if index == len(lines) - 1 else "", 10)
            self.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def blank_line(self, label: str, *, width: float = 0) -> None:
        """A label followed by a dotted line to write on."""
        self.set_font(FAMILY, "", 9.5)
        self.cell(self.get_string_width(label) + 1.5, 7, label)
        end = self.w - self.r_margin if not width else self.get_x() + width
        self.set_draw_color(150, 150, 150)
        self.set_dash_pattern(dash=0.4, gap=0.8)
        self.line(self.get_x(), self.get_y() + 5.5, end, self.get_y() + 5.5)
        self.set_dash_pattern()
        self.ln(7.5)

    def checkboxes(self, label: str, options: Sequence[str]) -> None:
        self.set_font(FAMILY, "", 9.5)
        text = f"{label}   " + "     ".join(f"{CHECKBOX} {option}" for option in options)
        self.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def signature_boxes(self, *boxes: tuple[str, str]) -> None:
        """Side-by-side boxes to sign in, each with its title and a hint in italics."""
        height = 26
        if self.will_page_break(height + 4):
            self.add_page()
        self.ln(2)
        top = self.get_y()
        gap = 6
        width = (self.epw - gap * (len(boxes) - 1)) / len(boxes)
        self.set_draw_color(160, 160, 160)
        for index, (title, hint) in enumerate(boxes):
            x = self.l_margin + index * (width + gap)
            self.rect(x, top, width, height)
            self.set_xy(x + 2, top + 1.5)
            self.set_font(FAMILY, "B", 9)
            self.cell(width - 4, 4.5, title, new_x="LEFT", new_y="NEXT")
            self.set_font(FAMILY, "I", 7.5)
            self.set_text_color(*GREY)
            self.multi_cell(width - 4, 3.6, hint, align="L", new_x="LEFT", new_y="NEXT")
            self.set_text_color(*INK)
        self.set_y(top + height + 3)

    def output_bytes(self) -> bytes:
        return bytes(self.output())
