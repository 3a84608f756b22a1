"""Machine readable zones (ICAO 9303): find them in text, read TD1, TD2, TD3, the pre-2021 French CNI (2x36)
and the visas MRV-A and MRV-B, check every check digit.

Check digits come from the `mrz` package. OCR misreads are settled by what each position may hold:
digits in dates and check digits, letters in country codes, letter/digit lookalikes in a document number
by its check digit, filler misread as letters in names by the zone's layout and by the visual zone.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from mrz.base.functions import hash_string

from clea_intake.documents.countries import alpha2
from clea_intake.documents.textutil import add_years, fold

MrzKind = Literal["TD1", "TD2", "TD3", "CNI_2X36", "MRVA", "MRVB"]
VISA_KINDS = frozenset({"MRVA", "MRVB"})

# The longest validity any issuer gives an identity or travel document (an adult's French CNI issued
# 2004-2013 is valid 15 years); and the oldest holder a document is read for.
LONGEST_VALIDITY_YEARS = 15
OLDEST_HOLDER_YEARS = 120


@dataclass
class MrzReading:
    kind: MrzKind
    doc_code: str
    issuing_state: str
    surname: str
    given_names: str
    birth_date: date | None
    document_number: str
    nationality: str | None
    sex: str
    expiry_date: date | None = None
    issue_month: tuple[int, int] | None = None  # (year, month), pre-2021 CNI only
    failed_checks: list[str] = field(default_factory=list)
    nationality_alpha3: str | None = None

    @property
    def valid(self) -> bool:
        return not self.failed_checks

    @property
    def is_visa(self) -> bool:
        """A visa is no identity document: it is read so that it can be refused as such."""
        return self.kind in VISA_KINDS

    def field_checked(self, name: str) -> bool:
        """The field's own check digit holds (even if another part of the zone failed)."""
        part = _PARTS.get(name)
        return part is not None and part not in self.failed_checks and UNREADABLE not in self.failed_checks


NUMBER, BIRTH, EXPIRY, OPTIONAL, FINAL = (
    "numéro du document", "date de naissance", "date d'expiration", "données complémentaires", "clé finale"
)  # fmt: skip
UNREADABLE = "caractères illisibles"
_PARTS = {"document_number": NUMBER, "birth_date": BIRTH, "expiry_date": EXPIRY}


_FILLERS = str.maketrans({"«": "<", "‹": "<", "〈": "<", "(": "<", "[": "<", "{": "<", "£": "<", "€": "<"})
# OCR confuses letters and digits; in a position that can only hold a digit, read the digit.
_TO_DIGIT = str.maketrans({"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "T": "1", "Z": "2",
                           "S": "5", "B": "8", "G": "6", "A": "4", "<": "0"})  # fmt: skip
_TO_ALPHA = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G", "4": "A"})
# In a document number, O and I are read as the digits 0 and 1 (issuers avoid them for that reason);
# S/5, B/8, Z/2, G/6 are left to the check digit.
_NUMBER_DIGITS = str.maketrans({"O": "0", "Q": "0", "I": "1"})
# Punctuation OCR inserts between the characters of a zone line (spacing read as "/", "." or "|").
_STRAY = re.compile(r"[/|\\.,:;'\"`!]")


def _clean_line(line: str) -> str:
    return re.sub(r"\s+", "", line.upper().translate(_FILLERS))


def _fit(line: str, length: int) -> str:
    """Bring a line to its format length: OCR merges or splits runs of '<', so the longest run of filler
    is stretched or shrunk (fields after it keep their place); without a run, filler is added at the end."""
    if len(line) != length:
        runs = [(m.end() - m.start(), m.start(), m.end()) for m in re.finditer(r"<{2,}", line)]
        if runs:
            size, start, end = max(runs)
            new_size = size + (length - len(line))
            if new_size >= 1:
                return line[:start] + "<" * new_size + line[end:]
    if len(line) < length:
        return line + "<" * (length - len(line))
    if len(line) > length:
        excess = len(line) - length
        # Only trailing filler may be dropped: anything else would shift the fields.
        core = line.rstrip("<")
        if len(core) <= length:
            return (core + "<" * length)[:length]
        return line[:length] if line[length:].strip("<") == "" else line[: length - excess] + line[length:][:excess]
    return line


def _digits(text: str) -> str:
    return text.translate(_TO_DIGIT)


def _alpha(text: str) -> str:
    return text.translate(_TO_ALPHA)


_CANDIDATE = re.compile(r"^[A-Z0-9<]{24,48}$")


_ZONE_HINT = re.compile(r"[<«‹〈(\[{£€]|(?:\d\s*){6}")
_FIRST_LINE_START = re.compile(r"(?:IDFRA|ID[A-Z<][A-Z]{2}|I[<R][A-Z]{3}|P[A-Z<][A-Z]{3})")


def candidate_lines(text: str) -> list[str]:
    """Lines that may belong to a machine readable zone, freed of what OCR glued around them (a photo of
    both faces side by side puts the other face's text on the same line)."""
    lines = []
    for raw in text.splitlines():
        if (len(raw) < 24 and raw.isascii()) or not _ZONE_HINT.search(raw):
            # Cleaning only removes characters from an ASCII line: too short for any zone. And a zone
            # line holds filler or a run of six digits.
            continue
        if "<" in raw or "«" in raw:
            # No lowercase in a machine readable zone: there, "c", "e", "k" are misread chevrons; and no
            # punctuation: a "/" or "." between two characters is spacing misread.
            raw = _STRAY.sub("", re.sub(r"[a-z]", "<", raw))
        cleaned = _clean_line(raw)
        segments = [seg for seg in re.split(r"[^A-Z0-9<]+", cleaned) if len(seg) >= 24]
        for segment in segments:
            if not ("<" in segment or re.search(r"\d{6}", segment)):
                continue
            start = _FIRST_LINE_START.search(segment)
            # "TYI6PGIGB2907208IDFRATYJ6...": the other face's number and date glued before the zone.
            glued = start is not None and start.start() > 0
            if glued and (len(segment) > 44 or (segment[start.start() : start.start() + 5] == "IDFRA" and "<" not in segment[: start.start()])):
                segment = segment[start.start() :]
            if _CANDIDATE.match(segment):
                lines.append(segment)
    return lines


# ---------------------------------------------------------------- dates in their century


def _yymmdd_candidates(text: str) -> list[date]:
    if not re.fullmatch(r"\d{6}", text):
        return []
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    found = []
    for century in (1900, 2000, 2100):
        try:
            found.append(date(century + yy, mm, dd))
        except ValueError:
            continue
    return found


def birth_date(text: str, *, as_of: date) -> date | None:
    """A birth date is never after the day the document is read: the latest such century."""
    past = [d for d in _yymmdd_candidates(text) if d <= as_of and d > add_years(as_of, -OLDEST_HOLDER_YEARS - 1)]
    return max(past) if past else None


def expiry_date(text: str, *, as_of: date, birth: date | None = None, issued: date | None = None) -> date | None:
    """An expiry lies after the issue date (or the birth date) and within the longest validity any issuer
    gives after an issue that is not later than the day of reading: the century that fits those bounds."""
    upper = add_years(min(issued or as_of, as_of), LONGEST_VALIDITY_YEARS)
    lower = issued or birth or add_years(as_of, -OLDEST_HOLDER_YEARS)
    fitting = [d for d in _yymmdd_candidates(text) if lower < d <= upper]
    return max(fitting) if fitting else None


# ---------------------------------------------------------------- names


_FILLER_LOOKALIKE = re.compile(r"^(?:[KLECXZS]{3,}|[A-Z])$")
_FILLER_LETTERS = "KXLEC"


def _context_words(text: str | None) -> frozenset[str]:
    """The words of the visual zone: every line that is not a zone line (those hold filler)."""
    if not text:
        return frozenset()
    visual = "\n".join(line for line in text.splitlines() if "<" not in line and "«" not in line)
    return frozenset(re.findall(r"[A-Z]{2,}", fold(visual)))


def _variants(word: str) -> list[list[str]]:
    """Readings of a word where some K, X, L, E or C are filler ('<') misread: at most two of them, the
    fewest first. What is left must be names of three letters or more (short pieces such as "LE" or "DE"
    would too easily be found among the visual zone's words)."""
    positions = [i for i, c in enumerate(word) if c in _FILLER_LETTERS]
    out = []
    for count in (1, 2):
        for chosen in itertools.combinations(positions, count):
            chars = list(word)
            for i in chosen:
                chars[i] = "<"
            pieces = [p for p in "".join(chars).split("<") if p]
            if pieces and all(len(p) >= 3 for p in pieces):
                out.append(pieces)
    return out


def _settle_words(words: list[str], context: frozenset[str]) -> list[str]:
    """A word the visual zone does not show, whose reading with some filler letters put back is shown
    there, is that reading ("ANNAKMARIAK" printed ANNA MARIA)."""
    if not context:
        return words
    settled = []
    for word in words:
        if word in context:
            settled.append(word)
            continue
        settled.extend(next((v for v in _variants(word) if all(p in context for p in v)), [word]))
    return settled


def _find_separator(zone: str, separator: str, context: frozenset[str]) -> str:
    """The surname's "<<" misread as two filler letters ("ERIKSSONKKANNA"): put back where the surname
    before it is shown in the visual zone."""
    for match in re.finditer(f"(?=([{_FILLER_LETTERS}]{{2}}))", zone):
        start = match.start()
        head = zone[:start].replace("<", " ").split()
        if start >= 2 and head and all(w in context for w in head):
            return zone[:start] + separator + zone[start + 2 :]
    return zone


def _names(zone: str, separator: str = "<<", context: frozenset[str] = frozenset()) -> tuple[str, str]:
    # "<<<" never occurs inside names: what follows is filler, even where OCR read it as letters.
    zone = zone.split("<<<")[0]
    if separator not in zone and context:
        zone = _find_separator(zone, separator, context)
    surname, _, given = zone.partition(separator)
    given_words = _alpha(given).replace("<", " ").split()
    # Filler misread as letters ("SARAH<K<KKKKEKLELEEEE"): one-letter words and runs of K, L, E, C...
    while given_words and _FILLER_LOOKALIKE.match(given_words[-1]) and len(given_words) > 1:
        given_words.pop()
    surname_words = _alpha(surname).replace("<", " ").split()
    return (" ".join(_settle_words(surname_words, context)), " ".join(_settle_words(given_words, context)))


def _spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("<", " ")).strip()


# ---------------------------------------------------------------- check digits and numbers


def _check(value: str, digit: str) -> bool | None:
    """True/False when the check digit holds or not; None when a character cannot be valued."""
    try:
        return hash_string(value) == digit
    except ValueError:
        return None


# What OCR confuses in a number, each character with what it may really be.
_LOOKALIKES: dict[str, str] = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "58", "5": "S", "B": "8", "8": "BS",
                               "Z": "2", "2": "Z", "G": "6", "6": "G"}  # fmt: skip


def _fix_number(number: str, check: str) -> str:
    """A document number mixes letters and digits: O and I read as 0 and 1, then the other lookalikes
    (S/5, S/8, B/8, Z/2, G/6) settled by the check digit: the variant whose check digit holds is the one
    printed. The first reading when none holds."""
    if not check.isdigit():
        return number
    first = number.translate(_NUMBER_DIGITS)
    for base in dict.fromkeys((first, number)):
        if _check(base, check):
            return base
        positions = [i for i, c in enumerate(base) if c in _LOOKALIKES][:6]
        choices = [base[i] + _LOOKALIKES[base[i]] for i in positions]
        for variant in itertools.product(*choices):
            chars = list(base)
            for index, char in zip(positions, variant, strict=True):
                chars[index] = char
            candidate = "".join(chars)
            if candidate != base and _check(candidate, check):
                return candidate
    return first


def _failed(checks: list[tuple[str, str, str]]) -> list[str]:
    failed = []
    for part, value, digit in checks:
        ok = _check(value, digit)
        if ok is None:
            return [UNREADABLE]
        if not ok:
            failed.append(part)
    return failed


def _optional_ok(value: str, digit: str) -> bool:
    # An empty optional field may carry '<' or '0' as its check digit.
    return (value.strip("<") == "" and digit in "<0") or bool(_check(value, digit))


# ---------------------------------------------------------------- the formats


def read_td1(lines: list[str], *, as_of: date, context: frozenset[str] = frozenset()) -> MrzReading:
    l1, l2, l3 = (_fit(line, 30) for line in lines)
    l1 = _alpha(l1[:5]) + l1[5:]
    if l1[14] != "<":
        l1 = l1[:14] + _digits(l1[14]) + l1[15:]
        l1 = l1[:5] + _fix_number(l1[5:14], l1[14]) + l1[14:]
    l2 = _digits(l2[:7]) + l2[7] + _digits(l2[8:15]) + _alpha(l2[15:18]) + l2[18:29] + _digits(l2[29])
    number = l1[5:14]
    number_check = [(NUMBER, l1[5:14], l1[14])]
    if l1[14] == "<":  # long document number continued in the optional data, its check digit last
        rest = l1[15:30].split("<")[0]
        number = number + rest[:-1]
        number_check = [(NUMBER, number, rest[-1:] or "<")]
    failed = _failed([*number_check, (BIRTH, l2[0:6], l2[6]), (EXPIRY, l2[8:14], l2[14]),
                      (FINAL, l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29])])  # fmt: skip
    surname, given = _names(l3, context=context)
    birth = birth_date(l2[:6], as_of=as_of)
    return MrzReading(
        kind="TD1",
        doc_code=l1[:2].replace("<", ""),
        issuing_state=l1[2:5],
        surname=surname,
        given_names=given,
        birth_date=birth,
        document_number=number.replace("<", ""),
        nationality=alpha2(l2[15:18]),
        nationality_alpha3=l2[15:18].replace("<", "") or None,
        sex=l2[7],
        expiry_date=expiry_date(l2[8:14], as_of=as_of, birth=birth),
        failed_checks=failed,
    )


def _read_two_lines(kind: MrzKind, l1: str, l2: str, *, as_of: date, context: frozenset[str]) -> MrzReading:
    """TD2, TD3, MRV-A and MRV-B: the same second line up to the expiry's check digit, then optional data,
    with a composite check digit on TD2 and TD3 only."""
    width = len(l1)
    composite = kind in ("TD2", "TD3")
    l1 = _alpha(l1[:5]) + l1[5:]
    tail = l2[28:]
    if composite:
        tail = tail[:-1] + _digits(tail[-1])
        if kind == "TD3":
            tail = tail[:-2] + (tail[-2] if tail[-2] == "<" else _digits(tail[-2])) + tail[-1]
    l2 = l2[:9] + _digits(l2[9]) + _alpha(l2[10:13]) + _digits(l2[13:20]) + l2[20] + _digits(l2[21:28]) + tail
    l2 = _fix_number(l2[:9], l2[9]) + l2[9:]
    checks = [(NUMBER, l2[0:9], l2[9]), (BIRTH, l2[13:19], l2[19]), (EXPIRY, l2[21:27], l2[27])]
    if composite:
        checks.append((FINAL, l2[0:10] + l2[13:20] + l2[21 : width - 1], l2[width - 1]))
    failed = _failed(checks)
    if kind == "TD3" and failed != [UNREADABLE] and not _optional_ok(l2[28:42], l2[42]):
        failed.insert(-1 if FINAL in failed else len(failed), OPTIONAL)
    surname, given = _names(l1[5:width], context=context)
    birth = birth_date(l2[13:19], as_of=as_of)
    return MrzReading(
        kind=kind,
        doc_code=l1[:2].replace("<", ""),
        issuing_state=l1[2:5],
        surname=surname,
        given_names=given,
        birth_date=birth,
        document_number=l2[:9].replace("<", ""),
        nationality=alpha2(l2[10:13]),
        nationality_alpha3=l2[10:13].replace("<", "") or None,
        sex=l2[20],
        expiry_date=expiry_date(l2[21:27], as_of=as_of, birth=birth),
        failed_checks=failed,
    )


def read_td3(lines: list[str], *, as_of: date, context: frozenset[str] = frozenset()) -> MrzReading:
    l1, l2 = (_fit(line, 44) for line in lines)
    return _read_two_lines("TD3", l1, l2, as_of=as_of, context=context)


def read_td2(lines: list[str], *, as_of: date, context: frozenset[str] = frozenset()) -> MrzReading:
    l1, l2 = (_fit(line, 36) for line in lines)
    return _read_two_lines("TD2", l1, l2, as_of=as_of, context=context)


def read_visa(lines: list[str], *, as_of: date, context: frozenset[str] = frozenset()) -> MrzReading:
    """MRV-A (2x44) or MRV-B (2x36), by the length of the second line."""
    width = 44 if len(lines[1]) >= 40 else 36
    l1, l2 = (_fit(line, width) for line in lines)
    return _read_two_lines("MRVA" if width == 44 else "MRVB", "V" + l1[1:], l2, as_of=as_of, context=context)


def read_cni_2x36(lines: list[str], *, as_of: date, context: frozenset[str] = frozenset()) -> MrzReading:
    """French CNI issued before 2021: not ICAO; layout and specimen in DESIGN §5."""
    l1, l2 = (_fit(line, 36) for line in lines)
    l1 = l1[:5] + _alpha(l1[5:30]) + l1[30:36]
    l2 = _digits(l2[:4]) + l2[4:12] + _digits(l2[12]) + _alpha(l2[13:27]) + _digits(l2[27:34]) + l2[34] + _digits(l2[35])
    failed = _failed([(NUMBER, l2[:12], l2[12]), (BIRTH, l2[27:33], l2[33]), (FINAL, l1 + l2[:35], l2[35])])
    given_words = [_spaced(part) for part in l2[13:27].split("<<<")[0].split("<<") if part.strip("<")]
    issue_month = None
    if re.fullmatch(r"\d{4}", l2[:4]) and 1 <= int(l2[2:4]) <= 12:
        # The card number starts with its issue year and month: never later than the day of reading.
        year = 2000 + int(l2[:2])
        issue_month = (year if (year, int(l2[2:4])) <= (as_of.year, as_of.month) else year - 100, int(l2[2:4]))
    return MrzReading(
        kind="CNI_2X36",
        doc_code="ID",
        issuing_state="FRA",
        surname=" ".join(_settle_words(_spaced(l1[5:30].split("<<<")[0]).split(), context)),
        given_names=" ".join(_settle_words(" ".join(given_words).split(), context)),
        birth_date=birth_date(l2[27:33], as_of=as_of),
        document_number=l2[:12],
        nationality="FR",
        nationality_alpha3="FRA",
        sex=l2[34],
        issue_month=issue_month,
        failed_checks=failed,
    )


_FILLER_ZONE = re.compile(r"<[<EKLCSZX]{2,}<")


def _unfill(line: str) -> str:
    """Filler runs where OCR read some chevrons as letters ("<<<<ELE<<"): letters inside a run that is
    mostly '<' become '<' again. Only kept when the check digits then hold."""

    def repl(match: re.Match[str]) -> str:
        run = match.group(0)
        return "<" * len(run) if run.count("<") >= 0.6 * len(run) else run

    return _FILLER_ZONE.sub(repl, line)


def find_mrz(text: str, *, as_of: date, context: str | None = None) -> MrzReading | None:
    """The first machine readable zone found in `text`, read and checked; None when there is none.

    `context` is the document's whole text (default `text`): its visual zone settles names where filler
    was misread as letters.
    """
    if "<" not in text and "«" not in text:
        return None  # every zone has filler (see _find_mrz): no need to fold the context's words
    words = _context_words(text if context is None else context)
    found = _find_mrz(text, as_of=as_of, context=words)
    if found is not None and found.failed_checks:
        repaired = _find_mrz("\n".join(_unfill(line) for line in candidate_lines(text)), as_of=as_of, context=words)
        if repaired is not None and not repaired.failed_checks:
            return repaired
    return found


_LINE2_TD = re.compile(r"^[A-Z0-9<]{9}[0-9OQDUILTZSBGA<][A-Z0-9<]{3}[0-9OQDUILTZSBGA<]{7}")


def _start(line: str) -> tuple[str, int]:
    """The document code's first letter and where it stands: allowing one character of noise before a
    passport's or visa's code, and a card's "I<" read "1<"."""
    first = "I" if line[:1] == "1" else line[:1]
    if first and first in "PVIAC":
        return first, 0
    if len(line) > 2 and line[1] in "PV" and line[2] in "<ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        return line[1], 1
    return "", 0


def _find_mrz(text: str, *, as_of: date, context: frozenset[str] = frozenset()) -> MrzReading | None:
    if "<" not in text and "«" not in text:
        return None  # every zone has filler; without one, no line can be read as a zone
    lines = candidate_lines(text)
    for index, line in enumerate(lines):
        rest = lines[index:]
        # OCR merges runs of '<': a first line may come out much shorter than its format; the second
        # line, mostly letters and digits, keeps its length better.
        second = rest[1] if len(rest) >= 2 else ""
        start, offset = _start(line)
        if _alpha(line[:5]) == "IDFRA" and 24 <= len(line) <= 39 and 33 <= len(second) <= 39:
            return read_cni_2x36(["IDFRA" + line[5:], second], as_of=as_of, context=context)
        line = line[offset:]
        wide, narrow = 40 <= len(second) <= 48, 33 <= len(second) <= 39
        if start == "V" and (wide or narrow) and 30 <= len(line) <= 48:
            visa = read_visa([line, second], as_of=as_of, context=context)
            # Text that happens to start with a V ("VALABLE JUSQU'AU...") is no zone: a visa's own
            # check digits must mostly hold.
            if len({NUMBER, BIRTH, EXPIRY, UNREADABLE} & set(visa.failed_checks)) <= 1:
                return visa
        if start == "P" and wide and 30 <= len(line) <= 48:
            return _passport_or_visa([line, second], as_of=as_of, context=context)
        if start in ("I", "A", "C") and len(rest) >= 3 and all(27 <= len(x) <= 33 for x in [line, *rest[1:3]]):
            return read_td1([line, *rest[1:3]], as_of=as_of, context=context)
        if start in ("I", "A", "C", "P") and narrow and 28 <= len(line) <= 40 and _LINE2_TD.match(second):
            return read_td2([line, second], as_of=as_of, context=context)
        if not start and wide and 30 <= len(line) <= 48 and _LINE2_TD.match(second):
            # The first line's code unreadable: the second line's layout tells a passport from a visa.
            return _passport_or_visa([line, second], as_of=as_of, context=context)
    return None


def _passport_or_visa(lines: list[str], *, as_of: date, context: frozenset[str]) -> MrzReading:
    """A 2x44 zone: a passport's optional data and composite check digits hold where a visa has none."""
    passport = read_td3(lines, as_of=as_of, context=context)
    if lines[0][:1] == "P" or not ({OPTIONAL, FINAL} <= set(passport.failed_checks)):
        return passport
    visa = read_visa(lines, as_of=as_of, context=context)
    return visa if not visa.failed_checks else passport
