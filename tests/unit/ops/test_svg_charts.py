"""Unit tests for the inline SVG chart helpers: ticks, bins, label wrapping and degenerate data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from clea_intake.ops.svg_charts import (
    Bar,
    BarGroup,
    column_chart,
    histogram_bins,
    horizontal_bar_chart,
    nice_ticks,
    wrap_label,
)

SVG = "{http://www.w3.org/2000/svg}"


def test_nice_ticks_nothing_to_show_gives_unit_axis() -> None:
    # Given no data (every count zero)  When ticks are chosen  Then the axis still has a length
    assert nice_ticks(0) == [0, 1]


def test_nice_ticks_counts_round_up_past_the_maximum() -> None:
    # Given a largest count of 140  When ticks are chosen  Then they are round and reach past it
    assert nice_ticks(140) == [0, 50, 100, 150]


def test_nice_ticks_small_counts_stay_integers() -> None:
    # Given a largest count of 3  When integer ticks are chosen  Then no tick is fractional
    assert nice_ticks(3) == [0, 1, 2, 3]


def test_nice_ticks_amounts_use_round_steps() -> None:
    # Given a largest amount of 6 125.50 €  When ticks are chosen  Then steps of 2 000 reach 8 000
    assert nice_ticks(6125.5, integer=False) == [0, 2000, 4000, 6000, 8000]


def test_histogram_bins_no_values_gives_no_bins() -> None:
    # Given no decision yet  When bins are made  Then there is nothing to draw
    assert histogram_bins([]) == []


def test_histogram_bins_choose_a_readable_width_and_keep_every_value() -> None:
    # Given delays up to 23.4 days
    values = [0, 0.5, 3.9, 4.0, 23.4]
    # When bins are made
    bins = histogram_bins(values)
    # Then they are 2 days wide from 0, at most 12, and every value is counted once
    assert (bins[0].lower, bins[0].upper) == (0, 2)
    assert len(bins) == 12
    assert sum(b.count for b in bins) == len(values)
    assert [b.count for b in bins][:3] == [2, 1, 1]


def test_histogram_bins_long_delays_use_wider_bins() -> None:
    # Given delays up to 200 days  When bins are made  Then they widen to a month and stay few
    bins = histogram_bins([1, 45, 200])
    assert bins[0].upper == 30
    assert len(bins) <= 12


def test_wrap_label_long_label_splits_on_words_into_two_lines() -> None:
    # Given a reason label longer than a chart's margin
    label = "Complet moins de 3 semaines avant l'évaluation"
    # When it is wrapped  Then two lines, split on a space, each short enough
    lines = wrap_label(label)
    assert lines == ["Complet moins de 3 semaines", "avant l'évaluation"]


def test_wrap_label_very_long_word_is_cut_and_shortened() -> None:
    # Given one word longer than two lines  When it is wrapped  Then two lines, the last ending in …
    lines = wrap_label("x" * 80)
    assert len(lines) == 2 and lines[1].endswith("…") and all(len(line) <= 30 for line in lines)


def test_horizontal_bar_chart_zero_values_draws_empty_bars_without_nan() -> None:
    # Given categories whose values are all zero
    groups = [BarGroup(label=name, bars=(Bar(0, "0", "#0072b2"),)) for name in ("A", "B")]
    # When the chart is drawn
    svg = horizontal_bar_chart(
        groups, chart_id="c", title="T", description="D", axis_label="N", tick_format=str
    )
    # Then it is well-formed SVG, with zero-width bars and no NaN or infinity
    root = ET.fromstring(svg)
    widths = [rect.get("width") for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]
    assert widths == ["0.0", "0.0"]
    assert not re.search(r"nan|inf", svg, re.IGNORECASE)


def test_horizontal_bar_chart_bars_scale_with_values_and_show_their_text() -> None:
    # Given two values, one twice the other
    groups = [
        BarGroup(label="Reçu", bars=(Bar(10, "10", "#0072b2"),)),
        BarGroup(label="Payé", bars=(Bar(20, "20", "#009e73"),)),
    ]
    # When the chart is drawn
    root = ET.fromstring(
        horizontal_bar_chart(
            groups, chart_id="c", title="T", description="D", axis_label="N", tick_format=str
        )
    )
    # Then bar widths keep the ratio and each value is written beside its bar
    widths = [float(r.get("width", 0)) for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert widths[1] == 2 * widths[0] > 0
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["10", "20"]


def test_horizontal_bar_chart_has_accessible_title_and_description() -> None:
    # Given a chart  When it is drawn
    root = ET.fromstring(
        horizontal_bar_chart(
            [BarGroup(label="A", bars=(Bar(1, "1", "#000"),))],
            chart_id="etats",
            title="Dossiers par état",
            description="A : 1",
            axis_label="Nombre",
            tick_format=str,
        )
    )
    # Then it is an image named by its title and described
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "etats-title etats-desc"
    assert root.find(f"{SVG}title").text == "Dossiers par état"
    assert root.find(f"{SVG}desc").text == "A : 1"


def test_column_chart_axis_labels_and_values_are_drawn() -> None:
    # Given three histogram columns
    columns = [
        BarGroup(label=f"{i}–{i + 1}", bars=(Bar(n, str(n), "#0072b2"),)) for i, n in enumerate((1, 4, 2))
    ]
    # When the chart is drawn
    root = ET.fromstring(
        column_chart(
            columns,
            chart_id="d",
            title="T",
            description="D",
            x_label="Jours",
            y_label="Dossiers",
            tick_format=str,
        )
    )
    texts = {t.get("class"): [] for t in root.iter(f"{SVG}text")}
    for t in root.iter(f"{SVG}text"):
        texts[t.get("class")].append(t.text)
    # Then both axes are labelled and each column carries its value
    assert texts["axis-label"] == ["Jours", "Dossiers"]
    assert texts["value"] == ["1", "4", "2"]
    assert texts["category"] == ["0–1", "1–2", "2–3"]
