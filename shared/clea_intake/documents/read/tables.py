"""A table read by its header row: the values under each named column."""

from __future__ import annotations

import re

from clea_intake.documents.reading import Text
from clea_intake.documents.textutil import find_dates, parse_number


def header_table(text: Text, columns: dict[str, str]) -> dict[str, object]:
    """Values from a table whose header row names the columns and whose next row holds dates and numbers:
    "Date de début  Date de fin  Heures réalisées" / "27/01/2026 28/01/2026 7,5"."""
    lines = text.folded_lines
    # Only lines where two column names meet can be a header: find them without testing every line.
    hits: dict[int, int] = {}
    for pattern in columns.values():
        for match in text.finditer(pattern):
            line_number = text.folded.count("\n", 0, match.start())
            hits[line_number] = hits.get(line_number, 0) + 1
    for index in sorted(n for n, count in hits.items() if count >= 2 and n < len(lines) - 1):
        line = lines[index]
        found = sorted((m.start(), key) for key, p in columns.items() if (m := re.search(p, line)))
        if len(found) < 2:
            continue
        row = next((x for x in lines[index + 1 : index + 3] if x.strip()), "")
        cells: list[tuple[int, object]] = []
        spans = []
        for start, end, day in find_dates(row):
            cells.append((start, day))
            spans.append((start, end))
        for number in re.finditer(r"(?<![\d/.,])\d{1,4}(?:[,.]\d{1,2})?(?![\d/.,]*\d)", row):
            if not any(a <= number.start() < b for a, b in spans):
                value = parse_number(number.group(0))
                if value is not None:
                    cells.append((number.start(), value))
        cells.sort(key=lambda c: c[0])
        if len(cells) == len(found):
            return {key: cells[i][1] for i, (_pos, key) in enumerate(found)}
    return {}
