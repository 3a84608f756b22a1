"""A document's text in two aligned forms (as read, and folded for matching) with label-driven look-ups."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from clea_intake.documents import textutil

_QUOTES = {"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u2013": "-", "\u2014": "-", "\u2010": "-",
           "\u2011": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ", "\r": " ", "\f": " ",
           "\u0152": "O", "\u0153": "O", "\u00c6": "A", "\u00e6": "A", "\u00ab": '"', "\u00bb": '"'}  # fmt: skip


def _fold_char(c: str) -> str:
    if c in _QUOTES:
        return _QUOTES[c]
    if c.isascii():
        return c.upper()
    base = unicodedata.normalize("NFKD", c)[:1]
    upper = base.upper()
    return upper if len(upper) == 1 else base


class _FoldTable(dict[int, str]):
    """str.translate table filled on first sight of each character (translate runs in C: a page folds in
    microseconds instead of a Python loop per character)."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold_aligned(text: str) -> str:
    """Upper case, accents removed, one character for one: positions in both texts match."""
    return text.translate(_FOLD_TABLE)


def _split_top(pattern: str) -> list[str] | None:
    """The branches of a top-level alternation, or None when the pattern has none."""
    depth, start, escaped, in_class = 0, 0, False, False
    branches = []
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
    if not branches:
        return None
    return branches + [pattern[start:]]


def _branch_literals(pattern: str) -> tuple[str, ...]:
    depth = 0
    plain = []
    escaped = False
    in_class = False
    for char in pattern:
        if escaped:
            plain.append(" ")
            escaped = False
        elif char == "\\":
            escaped = True
            plain.append(" ")
        elif in_class:
            in_class = char != "]"
            plain.append(" ")
        elif char == "[":
            in_class = True
            plain.append(" ")
        elif char == "(":
            depth += 1
            plain.append(" ")
        elif char == ")":
            depth -= 1
            plain.append(" ")
        elif depth:
            plain.append(" ")
        elif char in "?*{":
            if plain:
                plain[-1] = " "  # the character before an optional quantifier may be absent
            plain.append(" ")
        else:
            plain.append(char)
    return tuple(re.findall(r"[A-Z']{3,}", "".join(plain)))


@functools.lru_cache(maxsize=4096)
def literal_options(pattern: str) -> tuple[tuple[str, ...], ...]:
    """Sets of upper-case words of which one set must be wholly present for `pattern` to match: outside
    groups, classes and optional characters, one set per top-level branch. An empty set means "cannot
    tell", so the pattern always runs. A substring test in C then skips most regex searches."""
    branches = _split_top(pattern) or [pattern]
    return tuple(_branch_literals(branch) for branch in branches)


def may_match(pattern: str, folded: str) -> bool:
    # Plain loops: this runs for every label pattern of every document, generators cost more here.
    for option in literal_options(pattern):
        for word in option:
            if word not in folded:
                break
        else:
            return True
    return False


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass
class Text:
    raw: str
    folded: str = field(init=False)

    def __post_init__(self) -> None:
        self.folded = fold_aligned(self.raw)

    @cached_property
    def raw_lines(self) -> list[str]:
        return self.raw.split("\n")

    @cached_property
    def folded_lines(self) -> list[str]:
        return self.folded.split("\n")

    @cached_property
    def dates(self) -> list[tuple[int, int, date]]:
        return textutil.find_dates(self.folded)

    @cached_property
    def amounts(self) -> list[tuple[int, float]]:
        return textutil.find_amounts(self.folded)

    def head(self, chars: int = 400) -> str:
        """The title zone: where a document says what it is."""
        return self.folded.lstrip()[:chars]

    # ------------------------------------------------------------ searching

    def find(self, pattern: str | re.Pattern[str], start: int = 0) -> re.Match[str] | None:
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
        return regex.search(self.folded, start)

    def labels(self, patterns: Iterable[str]) -> list[re.Match[str]]:
        folded = self.folded
        found = [
            m
            for p in patterns
            if may_match(p, folded)
            for m in _compiled(p).finditer(folded)
        ]
        return sorted(found, key=lambda m: m.start())

    def line_end(self, position: int) -> int:
        end = self.folded.find("\n", position)
        return len(self.folded) if end < 0 else end

    def value_after(self, patterns: Iterable[str], *, max_lines: int = 1) -> str | None:
        """The text after a label: the rest of its line, or the next non-empty line when the rest is empty."""
        for match in self.labels(patterns):
            rest_raw = self.raw[match.end() : self.line_end(match.end())]
            value = _strip_value(rest_raw)
            if value:
                return value
            position = self.line_end(match.end()) + 1
            for _ in range(max_lines):
                if position >= len(self.raw):
                    break
                end = self.line_end(position)
                value = _strip_value(self.raw[position:end])
                if value:
                    return value
                position = end + 1
        return None

    def date_after(self, patterns: Iterable[str], *, window: int = 80) -> date | None:
        for match in self.labels(patterns):
            for start, _end, found in self.dates:
                if match.end() - 2 <= start <= match.end() + window:
                    return found
        return None

    def amount_after(self, patterns: Iterable[str], *, window: int = 120, same_line: bool = False) -> float | None:
        for match in self.labels(patterns):
            limit = self.line_end(match.end()) if same_line else match.end() + window
            for start, value in self.amounts:
                if match.end() - 1 <= start <= limit:
                    return value
        return None


# OCR turns table rules into "|", "[", "]" or "_" around the values.
_LEADING = re.compile(r"^[\s:;.,\-–—=>|)\[\]_]*")
_TRAILING = re.compile(r"[\s:;,\-–—|(\[\]_]*$")


def _strip_value(text: str) -> str:
    text = _LEADING.sub("", text)
    text = _TRAILING.sub("", text)
    return re.sub(r"\s+", " ", text).strip()
