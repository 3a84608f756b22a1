"""Inline SVG charts for the self-contained ops dashboard: labelled bars and columns, every string escaped."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

FONT_SIZE = 13
SMALL_FONT_SIZE = 11
AXIS_COLOR = "#6b7280"
GRID_COLOR = "#e5e7eb"
TEXT_COLOR = "#1f2937"
# Wide enough for the dashboard's cards at their usual size, so text is drawn near 1:1.
CHART_WIDTH = 640
MAX_LABEL_CHARS = 30


def esc(text: object) -> str:
    """Escape for HTML and SVG text and attribute values alike."""
    return escape(str(text), quote=True)


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """A generous estimate of rendered width: no font metrics are available when writing the file."""
    return len(text) * font_size * 0.6


def wrap_label(label: str, max_chars: int = MAX_LABEL_CHARS) -> list[str]:
    """Split a label on spaces into at most two lines, shortening the second if it is still too long."""
    if len(label) <= max_chars:
        return [label]
    words = label.split(" ")
    first = ""
    while words and len(f"{first} {words[0]}".strip()) <= max_chars:
        first = f"{first} {words.pop(0)}".strip()
    if not first:  # one long word: cut it
        return [label[:max_chars], _shorten(label[max_chars:], max_chars)]
    rest = " ".join(words)
    return [first, _shorten(rest, max_chars)] if rest else [first]


def _shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def nice_ticks(maximum: float, *, integer: bool = True, target: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least `maximum`; [0, 1] when there is nothing to show."""
    if maximum <= 0 or not math.isfinite(maximum):
        return [0, 1]
    raw = maximum / target
    magnitude = 10 ** math.floor(math.log10(raw))
    multipliers = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multipliers if m * magnitude >= raw)
    if integer:
        step = max(1, math.ceil(step))
    top = math.ceil(maximum / step - 1e-9) * step
    return [i * step for i in range(round(top / step) + 1)]


@dataclass(frozen=True)
class Bar:
    """One bar: its value, the text written at its end, its colour and the series it belongs to."""

    value: float
    text: str
    color: str
    series: str = ""


@dataclass(frozen=True)
class BarGroup:
    """One category (a row of the horizontal chart, a column of the column chart)."""

    label: str
    bars: tuple[Bar, ...]


def _svg_open(chart_id: str, width: float, height: float, title: str, description: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{esc(chart_id)}" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-labelledby="{esc(chart_id)}-title {esc(chart_id)}-desc" '
        f'font-family="inherit" font-size="{FONT_SIZE}" fill="{TEXT_COLOR}">'
        f'<title id="{esc(chart_id)}-title">{esc(title)}</title>'
        f'<desc id="{esc(chart_id)}-desc">{esc(description)}</desc>'
    )


def _legend(entries: Sequence[tuple[str, str]], left: float) -> tuple[str, float]:
    """Colour keys in rows that wrap inside the chart; returns the markup and the height it takes."""
    parts, x, y = ['<g class="legend">'], left, 16.0
    for name, color in entries:
        entry_width = 17 + text_width(name) + 16
        if x > left and x + entry_width > CHART_WIDTH - 4:
            x, y = left, y + 18
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" rx="2" fill="{esc(color)}"/>'
            f'<text x="{x + 17:.1f}" y="{y:.1f}">{esc(name)}</text>'
        )
        x += entry_width
    parts.append("</g>")
    return "".join(parts), (y + 12 if entries else 0)


def horizontal_bar_chart(
    groups: Sequence[BarGroup],
    *,
    chart_id: str,
    title: str,
    description: str,
    axis_label: str,
    tick_format: Callable[[float], str],
    legend: Sequence[tuple[str, str]] = (),
    integer_ticks: bool = True,
) -> str:
    """Categories down the left, one bar per series across, the value written at each bar's end."""
    bar_height, bar_gap, group_gap, line_height = 18, 3, 12, 15
    wrapped = [wrap_label(group.label) for group in groups]
    label_width = max((text_width(line) for lines in wrapped for line in lines), default=0) + 14
    value_width = max((text_width(bar.text) for g in groups for bar in g.bars), default=0) + 12
    plot_left, plot_right = label_width, CHART_WIDTH - value_width - 6
    legend_svg, legend_height = _legend(legend, 8) if legend else ("", 0.0)
    top = legend_height + 12
    ticks = nice_ticks(max((bar.value for g in groups for bar in g.bars), default=0), integer=integer_ticks)
    scale = (plot_right - plot_left) / ticks[-1]

    body: list[str] = []
    y = top
    for group, lines in zip(groups, wrapped, strict=True):
        bars_height = len(group.bars) * bar_height + (len(group.bars) - 1) * bar_gap
        row_height = max(bars_height, len(lines) * line_height)
        first_line_y = y + row_height / 2 - (len(lines) - 1) * line_height / 2 + 4
        body.append(
            f'<g class="bar-group"><text class="category" x="{label_width - 8:.1f}" text-anchor="end">'
        )
        body.extend(
            f'<tspan x="{label_width - 8:.1f}" y="{first_line_y + i * line_height:.1f}">{esc(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        body.append("</text>")
        bar_y = y + (row_height - bars_height) / 2
        for bar in group.bars:
            width = max(bar.value, 0) * scale
            tooltip = " — ".join(part for part in (group.label, bar.series, bar.text) if part)
            body.append(
                f'<rect class="bar" x="{plot_left:.1f}" y="{bar_y:.1f}" width="{width:.1f}" '
                f'height="{bar_height}" rx="2" fill="{esc(bar.color)}"><title>{esc(tooltip)}</title></rect>'
                f'<text class="value" x="{plot_left + width + 5:.1f}" y="{bar_y + bar_height / 2 + 4.5:.1f}">'
                f"{esc(bar.text)}</text>"
            )
            bar_y += bar_height + bar_gap
        body.append("</g>")
        y += row_height + group_gap
    plot_bottom = y - group_gap + 6

    axis: list[str] = []
    for tick in ticks:
        x = plot_left + tick * scale
        axis.append(
            f'<line x1="{x:.1f}" y1="{top - 4:.1f}" x2="{x:.1f}" y2="{plot_bottom:.1f}" stroke="{GRID_COLOR}"/>'
            f'<text class="tick" x="{x:.1f}" y="{plot_bottom + 15:.1f}" text-anchor="middle" '
            f'font-size="{SMALL_FONT_SIZE}" fill="{AXIS_COLOR}">{esc(tick_format(tick))}</text>'
        )
    axis.append(
        f'<line x1="{plot_left:.1f}" y1="{top - 4:.1f}" x2="{plot_left:.1f}" y2="{plot_bottom:.1f}" '
        f'stroke="{AXIS_COLOR}"/>'
        f'<text class="axis-label" x="{(plot_left + plot_right) / 2:.1f}" y="{plot_bottom + 34:.1f}" '
        f'text-anchor="middle" font-size="{SMALL_FONT_SIZE}" fill="{AXIS_COLOR}">{esc(axis_label)}</text>'
    )
    height = plot_bottom + 44
    return "".join(
        [
            _svg_open(chart_id, CHART_WIDTH, height, title, description),
            legend_svg,
            *axis,
            *body,
            "</svg>",
        ]
    )


def column_chart(
    columns: Sequence[BarGroup],
    *,
    chart_id: str,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    tick_format: Callable[[float], str],
) -> str:
    """Categories along the bottom, one column each (the first bar of each group), value on top."""
    height, left, right, top, bottom = 300, 58, 12, 26, 56
    plot_bottom, plot_height = height - bottom, height - bottom - top
    ticks = nice_ticks(max((c.bars[0].value for c in columns if c.bars), default=0))
    scale = plot_height / ticks[-1]
    slot = (CHART_WIDTH - left - right) / max(len(columns), 1)
    column_width = min(slot * 0.72, 64)

    parts = [_svg_open(chart_id, CHART_WIDTH, height, title, description)]
    for tick in ticks:
        y = plot_bottom - tick * scale
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{CHART_WIDTH - right:.1f}" y2="{y:.1f}" stroke="{GRID_COLOR}"/>'
            f'<text class="tick" x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="{SMALL_FONT_SIZE}" fill="{AXIS_COLOR}">{esc(tick_format(tick))}</text>'
        )
    for index, column in enumerate(columns):
        center = left + slot * index + slot / 2
        parts.append(
            f'<text class="category" x="{center:.1f}" y="{plot_bottom + 16:.1f}" text-anchor="middle" '
            f'font-size="{SMALL_FONT_SIZE}">{esc(column.label)}</text>'
        )
        if not column.bars:
            continue
        bar = column.bars[0]
        bar_height = max(bar.value, 0) * scale
        parts.append(
            f'<rect class="bar" x="{center - column_width / 2:.1f}" y="{plot_bottom - bar_height:.1f}" '
            f'width="{column_width:.1f}" height="{bar_height:.1f}" rx="2" fill="{esc(bar.color)}">'
            f"<title>{esc(column.label)} — {esc(bar.text)}</title></rect>"
            f'<text class="value" x="{center:.1f}" y="{plot_bottom - bar_height - 6:.1f}" '
            f'text-anchor="middle">{esc(bar.text)}</text>'
        )
    parts.append(
        f'<line x1="{left:.1f}" y1="{plot_bottom:.1f}" x2="{CHART_WIDTH - right:.1f}" y2="{plot_bottom:.1f}" '
        f'stroke="{AXIS_COLOR}"/>'
        f'<text class="axis-label" x="{(left + CHART_WIDTH - right) / 2:.1f}" y="{height - 10:.1f}" '
        f'text-anchor="middle" font-size="{SMALL_FONT_SIZE}" fill="{AXIS_COLOR}">{esc(x_label)}</text>'
        f'<text class="axis-label" transform="translate(16 {top + plot_height / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" font-size="{SMALL_FONT_SIZE}" fill="{AXIS_COLOR}">{esc(y_label)}</text>'
        "</svg>"
    )
    return "".join(parts)


@dataclass(frozen=True)
class HistogramBin:
    """Values in [lower, upper)."""

    lower: float
    upper: float
    count: int


# Bin widths people read easily for delays in days: a day, a few days, a week, two weeks, a month...
_BIN_WIDTHS = (1, 2, 5, 7, 14, 30, 60, 90, 180, 365)


def histogram_bins(values: Sequence[float], max_bins: int = 12) -> list[HistogramBin]:
    """Bins of one readable width, from 0 to past the largest value; none for no values."""
    if not values:
        return []
    largest = max(max(values), 0)
    width = next(
        (w for w in _BIN_WIDTHS if math.floor(largest / w) + 1 <= max_bins),
        math.ceil((largest + 1) / max_bins),
    )
    counts = [0] * (math.floor(largest / width) + 1)
    for value in values:
        counts[math.floor(max(value, 0) / width)] += 1
    return [HistogramBin(lower=i * width, upper=(i + 1) * width, count=n) for i, n in enumerate(counts)]
