"""French formatting of the values that appear in letters: dates, amounts, hours, labels."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

CERTIFICATIONS = {"clea_socle": "CléA Socle", "clea_numerique": "CléA Numérique"}
EVALUATIONS = {"initial": "évaluation initiale", "final": "évaluation finale"}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def date_fr(day: date) -> str:
    """13 avril 2026; French usage writes the first day of a month "1er"."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def amount_fr(amount: Decimal | int | float) -> str:
    """450,00 € — a plain space before the sign, so that the text part and extracted PDF text match."""
    cents = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    units, decimals = f"{abs(cents):.2f}".split(".")
    groups = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    return f"{sign}{' '.join(groups)},{decimals} €"


def hours_fr(hours: float) -> str:
    """10 heures, 7,5 heures; French keeps the singular below two (0 heure, 1,5 heure)."""
    value = Decimal(str(hours)).normalize()
    text = f"{value:f}".replace(".", ",")
    return f"{text} {'heure' if abs(value) < 2 else 'heures'}"


def certification_fr(code: str) -> str:
    return CERTIFICATIONS[code]


def evaluation_fr(code: str) -> str:
    return EVALUATIONS[code]


def one_line(value: str) -> str:
    """Caller text reduced to one line: a newline in a name must never open a new header or line."""
    return " ".join(_CONTROL.sub(" ", value).split())
