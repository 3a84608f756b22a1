"""A number of hours written after a label ("Nombre d'heures : 10 h")."""

from __future__ import annotations

import re

from clea_intake.documents.reading import Text
from clea_intake.documents.textutil import HOURS_RE, parse_number


def hours_after(text: Text, labels: list[str], *, window: int = 80) -> float | None:
    """The number of hours written after one of `labels`, with or without its unit."""
    for match in text.labels(labels):
        zone = text.folded[match.end() : match.end() + window]
        found = HOURS_RE.search(zone)
        if found is None:
            # "Nombre d'heures : 10" with no unit: a bare number right after the label.
            found = re.match(r"[\s:.\-]*(?P<num>\d{1,3}(?:[,.]\d{1,2})?)(?![\d/.,]\d)(?!\s*(?:€|EUR|%))", zone)
        if found:
            value = parse_number(found.group("num"))
            if value is not None:
                return value
    return None
