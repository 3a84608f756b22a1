"""Machine readable zones: find them in text, read TD1, TD3 and the pre-2021 French CNI (2x36), check digits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from mrz.base.functions import hash_string
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td3 import TD3CodeChecker

from clea_intake.documents.countries import alpha2

MrzKind = Literal["TD1", "TD3", "CNI_2X36"]


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

    @property
    def valid(self) -> bool:
        return not self.failed_checks

    def field_checked(self, name: str) -> bool:
        """The field's own check digit holds (even if another part of the zone failed)."""
        part = _PARTS.get(name)
        return part is not None and part not in self.failed_checks and "caractères illisibles" not in self.failed_checks


_PARTS = {"document_number": "numéro du document", "birth_date": "date de naissance", "expiry_date": "date d'expiration"}


_FILLERS = str.maketrans({"«": "<", "‹": "<", "〈": "<", "(": "<", "[": "<", "{": "<", "£": "<", "€": "<"})
# OCR confuses letters and digits; in a position that can only hold a digit, read the digit.
_TO_DIGIT = str.maketrans({"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "T": "1", "Z": "2",
                           "S": "5", "B": "8", "G": "6", "A": "4", "<": "0"})  # fmt: skip
_TO_ALPHA = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G", "4": "A"})


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
_FIRST_LINE_START = re.compile(r"(?:IDFRA|ID[A-Z<][A-Z]{2}|I[<R][A-Z]{3}|P[A-Z<][A-Z]{3}<)")


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
            # No lowercase in a machine readable zone: there, "c", "e", "k" are misread chevrons.
            raw = re.sub(r"[a-z]", "<", raw)
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


def _yymmdd(text: str, *, past_before: date | None) -> date | None:
    if not re.fullmatch(r"\d{6}", text):
        return None
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    year = 2000 + yy
    if past_before is not None and year > past_before.year:
        year -= 100
    try:
        return date(year, mm, dd)
    except ValueError:
        return None


_FILLER_LOOKALIKE = re.compile(r"^(?:[KLECXZS]{3,}|[A-Z])$")


def _names(zone: str, separator: str = "<<") -> tuple[str, str]:
    # "<<<" never occurs inside names: what follows is filler, even where OCR read it as letters.
    zone = zone.split("<<<")[0]
    surname, _, given = zone.partition(separator)
    given_words = _alpha(given).replace("<", " ").split()
    # Filler misread as letters ("SARAH<K<KKKKEKLELEEEE"): one-letter words and runs of K, L, E, C...
    while given_words and _FILLER_LOOKALIKE.match(given_words[-1]) and len(given_words) > 1:
        given_words.pop()
    return (_alpha(surname).replace("<", " ").strip(), " ".join(given_words))


def _spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("<", " ")).strip()


_LOOKALIKES = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B", "Z": "2", "2": "Z",
               "G": "6", "6": "G"}  # fmt: skip


def _fix_number(number: str, check: str) -> str:
    """A document number mixes letters and digits, so OCR's O/0, I/1, S/5... cannot be settled by position:
    the variant whose check digit holds is the one printed. Unchanged when none or the original holds."""
    try:
        if not check.isdigit() or hash_string(number) == check:
            return number
    except ValueError:
        return number
    positions = [i for i, c in enumerate(number) if c in _LOOKALIKES][:5]
    for mask in range(1, 1 << len(positions)):
        chars = list(number)
        for bit, index in enumerate(positions):
            if mask >> bit & 1:
                chars[index] = _LOOKALIKES[chars[index]]
        candidate = "".join(chars)
        try:
            if hash_string(candidate) == check:
                return candidate
        except ValueError:
            continue
    return number


def read_td1(lines: list[str], *, as_of: date) -> MrzReading:
    l1, l2, l3 = (_fit(line, 30) for line in lines)
    if l1[14] != "<":
        l1 = l1[:14] + _digits(l1[14]) + l1[15:]
        l1 = l1[:5] + _fix_number(l1[5:14], l1[14]) + l1[14:]
    l2 = _digits(l2[:7]) + l2[7] + _digits(l2[8:15]) + _alpha(l2[15:18]) + l2[18:29] + _digits(l2[29])
    checker = TD1CodeChecker("\n".join((l1, l2, l3)), precheck=False)
    failed = []
    for part, ok in (("numéro du document", checker.document_number_hash),
                     ("date de naissance", checker.birth_date_hash),
                     ("date d'expiration", checker.expiry_date_hash),
                     ("clé finale", checker.final_hash)):  # fmt: skip
        if not ok:
            failed.append(part)
    surname, given = _names(l3)
    number = l1[5:14]
    if l1[14] == "<":  # long document number continued in the optional data, its check digit last
        rest = l1[15:30].split("<")[0]
        number = number + rest[:-1]
    return MrzReading(
        kind="TD1",
        doc_code=l1[:2].replace("<", ""),
        issuing_state=l1[2:5],
        surname=surname,
        given_names=given,
        birth_date=_yymmdd(l2[:6], past_before=as_of),
        document_number=number.replace("<", ""),
        nationality=alpha2(l2[15:18]),
        sex=l2[7],
        expiry_date=_yymmdd(l2[8:14], past_before=None),
        failed_checks=failed,
    )


def read_td3(lines: list[str], *, as_of: date) -> MrzReading:
    l1, l2 = (_fit(line, 44) for line in lines)
    l2 = (l2[:9] + _digits(l2[9]) + _alpha(l2[10:13]) + _digits(l2[13:20]) + l2[20] + _digits(l2[21:28])
          + l2[28:42] + _digits(l2[42:44]))  # fmt: skip
    l2 = _fix_number(l2[:9], l2[9]) + l2[9:]
    checker = TD3CodeChecker("\n".join((l1, l2)))
    failed = []
    for part, ok in (("numéro du document", checker.document_number_hash),
                     ("date de naissance", checker.birth_date_hash),
                     ("date d'expiration", checker.expiry_date_hash),
                     ("données complémentaires", checker.optional_data_hash),
                     ("clé finale", checker.final_hash)):  # fmt: skip
        if not ok:
            failed.append(part)
    surname, given = _names(l1[5:44])
    return MrzReading(
        kind="TD3",
        doc_code=l1[:2].replace("<", ""),
        issuing_state=l1[2:5],
        surname=surname,
        given_names=given,
        birth_date=_yymmdd(l2[13:19], past_before=as_of),
        document_number=l2[:9].replace("<", ""),
        nationality=alpha2(l2[10:13]),
        sex=l2[20],
        expiry_date=_yymmdd(l2[21:27], past_before=None),
        failed_checks=failed,
    )


def read_cni_2x36(lines: list[str], *, as_of: date) -> MrzReading:
    """French CNI issued before 2021: not ICAO; layout and specimen in DESIGN §5."""
    l1, l2 = (_fit(line, 36) for line in lines)
    l1 = l1[:5] + _alpha(l1[5:30]) + l1[30:36]
    l2 = _digits(l2[:4]) + l2[4:12] + _digits(l2[12]) + _alpha(l2[13:27]) + _digits(l2[27:34]) + l2[34] + _digits(l2[35])
    failed = []
    try:
        if hash_string(l2[:12]) != l2[12]:
            failed.append("numéro du document")
        if hash_string(l2[27:33]) != l2[33]:
            failed.append("date de naissance")
        if hash_string(l1 + l2[:35]) != l2[35]:
            failed.append("clé finale")
    except ValueError:
        failed.append("caractères illisibles")
    given = " ".join(_spaced(part) for part in l2[13:27].split("<<<")[0].split("<<") if part.strip("<"))
    issue_month = None
    if re.fullmatch(r"\d{4}", l2[:4]) and 1 <= int(l2[2:4]) <= 12:
        issue_month = (2000 + int(l2[:2]) if int(l2[:2]) <= as_of.year % 100 else 1900 + int(l2[:2]), int(l2[2:4]))
    return MrzReading(
        kind="CNI_2X36",
        doc_code="ID",
        issuing_state="FRA",
        surname=_spaced(l1[5:30].split("<<<")[0]),
        given_names=given,
        birth_date=_yymmdd(l2[27:33], past_before=as_of),
        document_number=l2[:12],
        nationality="FR",
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


def find_mrz(text: str, *, as_of: date) -> MrzReading | None:
    """The first machine readable zone found in `text`, read and checked; None when there is none."""
    found = _find_mrz(text, as_of=as_of)
    if found is not None and found.failed_checks:
        repaired = _find_mrz("\n".join(_unfill(line) for line in candidate_lines(text)), as_of=as_of)
        if repaired is not None and not repaired.failed_checks:
            return repaired
    return found


def _find_mrz(text: str, *, as_of: date) -> MrzReading | None:
    if "<" not in text and "«" not in text:
        return None  # every zone has filler; without one, no line can be read as a zone
    lines = candidate_lines(text)
    for index, line in enumerate(lines):
        rest = lines[index:]
        # OCR merges runs of '<': a first line may come out much shorter than its format; the second
        # line, mostly letters and digits, keeps its length better.
        if line.startswith("IDFRA") and len(rest) >= 2 and 24 <= len(line) <= 39 and 33 <= len(rest[1]) <= 39:
            return read_cni_2x36(rest[:2], as_of=as_of)
        if line[:1] == "P" and len(rest) >= 2 and 30 <= len(line) <= 48 and 40 <= len(rest[1]) <= 48:
            return read_td3(rest[:2], as_of=as_of)
        if line[:1] in "IAC" and len(rest) >= 3 and all(27 <= len(x) <= 33 for x in rest[:3]):
            return read_td1(rest[:3], as_of=as_of)
    return None
