"""French formats of what people read, in letters and on dashboards: dates, months, euros, counts, hours."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

THIN_SPACE = "\u202f"  # French thousands separator on a web page (narrow no-break space)
NBSP = "\u00a0"


def date_fr(day: date) -> str:
    """13 avril 2026; French usage writes the first day of a month "1er"."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def month_fr(month: str) -> str:
    """août 2026, for the month "2026-08"."""
    return f"{MONTHS[int(month[5:7]) - 1]} {month[:4]}"


def moment_fr(moment: datetime, zone: tzinfo) -> str:
    """27/11/2026 17:38, as the clock reads in `zone`."""
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def amount_fr(amount: Decimal | int | float, *, typographic: bool = False) -> str:
    """450,00 € — a plain space before the sign, so that the text part and extracted PDF text match.

    `typographic` is for web pages: narrow no-break spaces between thousands, a no-break space before
    the sign, and whole euros without ",00" (33 202 €, 14 946,50 €), so that a figure never breaks.
    """
    cents = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    units, decimals = f"{abs(cents):.2f}".split(".")
    text = _grouped(int(units), THIN_SPACE if typographic else " ")
    if not typographic or decimals != "00":
        text += f",{decimals}"
    return f"{sign}{text}{NBSP if typographic else ' '}€"


def count_fr(value: float) -> str:
    """1 234 567, thousands apart by narrow no-break spaces."""
    return _grouped(round(value), THIN_SPACE)


def percent_fr(part: float, whole: float) -> str:
    # An empty season has no whole: say so rather than divide by zero.
    if whole <= 0:
        return "—"
    return f"{round(100 * part / whole)}{NBSP}%"


def days_fr(value: float) -> str:
    """13,6 j; 4 j for a whole number of days."""
    text = f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text}{NBSP}j"


def hours_fr(hours: float) -> str:
    """10 heures, 7,5 heures; French keeps the singular below two (0 heure, 1,5 heure)."""
    value = Decimal(str(hours)).normalize()
    text = f"{value:f}".replace(".", ",")
    return f"{text} {'heure' if abs(value) < 2 else 'heures'}"


def _grouped(units: int, separator: str) -> str:
    return f"{units:,}".replace(",", separator)
