"""Text helpers shared by the readers: accent folding, French dates, amounts, hours, postal codes."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_SPACES = re.compile(r"[ \t\u00a0\u202f\u2009]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Upper case without accents, typographic quotes made plain, spaces collapsed; line breaks kept."""
    text = strip_accents(text).upper()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("\u00b4", "'")
    text = text.replace("\u0152", "OE").replace("\u00c6", "AE")
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2010", "-").replace("\u2011", "-")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())


def clean_lines(text: str) -> list[str]:
    return [line for line in (_SPACES.sub(" ", raw).strip() for raw in text.splitlines()) if line]


# ---------------------------------------------------------------- dates

MONTHS = {
    "JANVIER": 1, "JANV": 1, "JAN": 1,
    "FEVRIER": 2, "FEVR": 2, "FEV": 2, "FEVRIE": 2,
    "MARS": 3, "MAR": 3,
    "AVRIL": 4, "AVR": 4,
    "MAI": 5,
    "JUIN": 6,
    "JUILLET": 7, "JUIL": 7,
    "AOUT": 8,
    "SEPTEMBRE": 9, "SEPT": 9, "SEP": 9,
    "OCTOBRE": 10, "OCT": 10,
    "NOVEMBRE": 11, "NOV": 11,
    "DECEMBRE": 12, "DEC": 12,
}  # fmt: skip
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))

# Each pattern works on folded text (upper case, no accents). OCR reads "1er" as "1ER", "ler" or "Ier".
_NUMERIC = r"(?<!\d)(?P<d>[0-3]?\d)\s?[/.\-]\s?(?P<m>[01]?\d)\s?[/.\-]\s?(?P<y>(?:19|20)\d\d|\d\d)(?!\d)"
# Identity documents print "14 07 1991": only two-digit day and month and a four-digit year, to avoid
# reading any group of numbers as a date.
_SPACED = r"(?<!\d)(?:(?<!\d )|(?<=\d\d\d\d ))(?P<d>0[1-9]|[12]\d|3[01]) (?P<m>0[1-9]|1[0-2]) (?P<y>(?:19|20)\d\d)(?!\d)"
# OCR sometimes loses one of the two hyphens of an ISO date ("2026-0420"). A reference such as
# "DEV-2026-0427" is not a date: nothing glued by a hyphen to a word or number may start one.
_ISO = r"(?<!\d)(?<![A-Z0-9]-)(?P<y>(?:19|20)\d\d)(?:-(?P<m>[01]\d)-?|(?P<m2>[01]\d)-)(?P<d>[0-3]\d)(?!\d)"
_WORDS = (
    r"(?<![\dA-Z])(?P<d>[0-3]?\d|1\s?ER|[LI]ER)\s*(?P<mn>" + _MONTH_ALT + r")\.?\s*(?P<y>(?:19|20)\d\d)(?!\d)"
)
# "du 1er au 31 mars 2026", "du 3 mars au 4 avril 2026": the year comes from the next full date.
_WORDS_NO_YEAR = r"(?<![\dA-Z])(?P<d>[0-3]?\d|1\s?ER|[LI]ER)\s*(?P<mn>" + _MONTH_ALT + r")\b(?!\.?\s*\d)"
# Named groups may not repeat in one regex: compile the forms apart and merge their hits. Each starts with
# a look-ahead at its first character: a pattern that opens with a look-behind is tried at every position
# of the page, the look-ahead turns most of them away at once (two to three times faster, same matches).
_DATE_FORMS = [re.compile(r"(?=[12])" + _ISO), re.compile(r"(?=[\dLI])" + _WORDS), re.compile(r"(?=\d)" + _NUMERIC),
               re.compile(r"(?=[0-3])" + _SPACED)]
_NO_YEAR_FORM = re.compile(r"(?=[\dLI])" + _WORDS_NO_YEAR)


def _make_date(day: int, month: int, year: int) -> date | None:
    if year < 100:
        # Two-digit years on French documents: "03/03/26" is 2026, a birth year "91" is 1991.
        year += 2000 if year <= 50 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _match_to_date(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    raw_day = groups["d"].replace(" ", "")
    day = 1 if raw_day.endswith("ER") else int(raw_day)
    month = MONTHS[groups["mn"]] if groups.get("mn") else int(groups.get("m") or groups["m2"])
    return _make_date(day, month, int(groups["y"]))


def find_dates(folded: str) -> list[tuple[int, int, date]]:
    """Every date in folded text as (start, end, date), in reading order, overlaps removed."""
    hits: list[tuple[int, int, date]] = []
    for form in _DATE_FORMS:
        for match in form.finditer(folded):
            found = _match_to_date(match)
            if found is not None:
                hits.append((match.start(), match.end(), found))
    full = sorted(hits)
    for match in _NO_YEAR_FORM.finditer(folded):
        following = [h for h in full if 0 <= h[0] - match.end() <= 40]
        if following:
            groups = match.groupdict()
            raw_day = groups["d"].replace(" ", "")
            day = 1 if raw_day.endswith("ER") else int(raw_day)
            found = _make_date(day, MONTHS[groups["mn"]], following[0][2].year)
            if found is not None:
                hits.append((match.start(), match.end(), found))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[tuple[int, int, date]] = []
    for hit in hits:
        if kept and hit[0] < kept[-1][1]:
            continue
        kept.append(hit)
    return kept


def parse_date(text: str) -> date | None:
    hits = find_dates(fold(text))
    return hits[0][2] if hits else None


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic, clamping to the month's last day (31 May - 3 months = 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError("unreachable")


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------- amounts and numbers

# "450,00 €", "1 234,50 EUR", "1.234,50 €", "450 €", "450.00 EUR", "€ 450"
# The first digit stands outside the alternation so that the regex engine can skip to digits.
_AMOUNT_BODY = r"(?P<num>\d(?:\d{0,2}(?:[ .\u00a0\u202f]\d{3})+(?:,\d{1,2})?|\d*(?:[,.]\d{1,2})?))"
AMOUNT_RE = re.compile(_AMOUNT_BODY + r"\s*(?:€|EUR(?:OS?)?\b|E\b(?=\s*(?:HT|TTC|NET)?\s*$))", re.MULTILINE)
AMOUNT_PREFIX_RE = re.compile(r"(?:€|EUR)\s*" + _AMOUNT_BODY)


def parse_number(raw: str) -> float | None:
    text = raw.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if re.fullmatch(r"\d{1,3}(?:[ .]\d{3})+(?:,\d{1,2})?", text):
        text = text.replace(" ", "").replace(".", "")
    text = text.replace(" ", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def find_amounts(folded: str) -> list[tuple[int, float]]:
    """Every money amount in folded text as (position, value)."""
    found: list[tuple[int, float]] = []
    for regex in (AMOUNT_RE, AMOUNT_PREFIX_RE):
        for match in regex.finditer(folded):
            value = parse_number(match.group("num"))
            if value is not None:
                found.append((match.start(), value))
    found.sort()
    return found


def tidy_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


HOURS_RE = re.compile(r"(?<![\d,.])(?P<num>\d{1,3}(?:[,.]\d{1,2})?)\s*(?:H(?:EURES?|RS?)?\b|H(?=\d{2}\b)?)")

POSTAL_CITY_RE = re.compile(
    r"(?<![\d])(?P<cp>(?:0[1-9]|[1-8]\d|9[0-8])\s?\d{3})\s+(?:CEDEX\s+)?(?P<city>[A-ZÀ-Ýa-zà-ÿ][A-Za-zÀ-ÿ'\- ]{1,40})"
)


def split_postal(match: re.Match[str]) -> tuple[str, str]:
    postal = match.group("cp").replace(" ", "")
    city = re.split(r"\s{2,}|\s(?:CEDEX|Cedex|cedex)\b|\s\d", match.group("city"))[0].strip(" -'")
    return postal, city
