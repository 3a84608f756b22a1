"""A document's text in two aligned forms (as read, and folded for matching) with label-driven look-ups."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import ahocorasick

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


def _plain_chars(pattern: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth before it) of every character of a pattern that is neither escaped
    nor inside a character class."""
    depth, escaped, in_class = 0, False, False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            yield index, char, depth
            depth += (char == "(") - (char == ")")


def _split_top(pattern: str) -> list[str] | None:
    """The branches of a top-level alternation, or None when the pattern has none."""
    cuts = [index for index, char, depth in _plain_chars(pattern) if char == "|" and depth == 0]
    if not cuts:
        return None
    bounds = [-1, *cuts, len(pattern)]
    return [pattern[start + 1 : end] for start, end in zip(bounds, bounds[1:], strict=False)]


_QUANTIFIERS = "?*+{"


def _group_end(pattern: str) -> int | None:
    """Index of the ')' that closes the group opening the pattern."""
    return next((index for index, char, depth in _plain_chars(pattern) if char == ")" and depth == 1), None)


def _leading_group(branch: str) -> tuple[list[str], str] | None:
    """`(?:A|B)rest`, a leading unquantified non-capturing group, as its branches and the rest."""
    if not branch.startswith("(?:"):
        return None
    end = _group_end(branch)
    if end is None:
        return None
    rest = branch[end + 1 :]
    if rest[:1] and rest[:1] in _QUANTIFIERS:
        return None
    inner = branch[3:end]
    return _split_top(inner) or [inner], rest


def _branch_literals(pattern: str) -> tuple[str, ...]:
    # Only characters outside groups and classes, and not made optional by a quantifier, must be there.
    plain = [" "] * len(pattern)
    for index, char, depth in _plain_chars(pattern):
        if depth or char in "()":
            continue
        if char in "?*{":
            if index:
                plain[index - 1] = " "  # the character before an optional quantifier may be absent
        else:
            plain[index] = char
    return tuple(re.findall(r"[A-Z']{3,}", "".join(plain)))


def _branch_options(branch: str) -> list[tuple[str, ...]]:
    body = branch[2:] if branch.startswith("\\b") else branch
    group = _leading_group(body)
    if group is None:
        return [_branch_literals(branch)]
    # "\b(?:LOYER|BAILLEUR)\b": one option per alternative of the group, each with what follows it.
    inner, rest = group
    tail = _branch_literals(rest)
    return [option + tail for alternative in inner for option in _branch_options(alternative)]


@functools.lru_cache(maxsize=4096)
def literal_options(pattern: str) -> tuple[tuple[str, ...], ...]:
    """Sets of upper-case words of which one set must be wholly present for `pattern` to match: outside
    groups, classes and optional characters, one set per top-level branch (and per alternative of a
    leading group). An empty set means "cannot tell", so the pattern always runs. A substring test in C
    then skips most regex searches."""
    branches = _split_top(pattern) or [pattern]
    return tuple(option for branch in branches for option in _branch_options(branch))


def _anchor_branch(branch: str) -> str:
    if not branch.startswith("\\b"):
        return branch
    rest = branch[2:]
    first, after = rest[:1], rest[1:2]
    if first.isascii() and first.isalnum() and not (after and after in _QUANTIFIERS):
        return f"{first}(?<=\\b{first}){rest[1:]}"
    if rest.startswith("(?:"):
        end = _group_end(rest)
        if end is not None and rest[end + 1 : end + 2] == "?" and rest[end + 2 : end + 3] not in ("?", "+"):
            # "\b(?:DATE\s+DE\s+)?DEBUT": with the group, else without it; a greedy "?" tries them in that order.
            tail = rest[end + 2 :]
            return _anchor_branch("\\b" + rest[: end + 1] + tail) + "|" + _anchor_branch("\\b" + tail)
    group = _leading_group(rest)
    if group is None:
        return branch
    inner, tail = group
    return "(?:" + "|".join(_anchor_branch("\\b" + alternative) for alternative in inner) + ")" + tail


def _groups(pattern: str) -> list[str]:
    """The capturing groups of a pattern in order: a named one by its name, a numbered one as ""."""
    return [pattern[index + 4 : pattern.index(">", index)] if pattern.startswith("(?P<", index) else ""
            for index, char, _depth in _plain_chars(pattern)
            if char == "(" and (pattern[index + 1 : index + 2] != "?" or pattern.startswith("(?P<", index))]


@functools.lru_cache(maxsize=4096)
def anchor_words(pattern: str) -> str:
    """The same pattern, written so that the regex engine can skip ahead to its first letter.

    Python's engine scans fast for a literal or a character class that starts a pattern, but a leading
    `\\b` hides it: every position of the page is then tried. `\\bFACTURE` becomes `F(?<=\\bF)ACTURE`,
    which matches the same text at the same places about ten times faster.
    """
    branches = _split_top(pattern) or [pattern]
    anchored = "|".join(_anchor_branch(branch) for branch in branches)
    # Writing an optional group's branch twice may repeat its groups: keep the pattern as it was then.
    return anchored if _groups(anchored) == _groups(pattern) else pattern


def compile_anchored(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(anchor_words(pattern), flags)


Options = tuple[frozenset[str], ...]


class _LiteralIndex:
    """The literal words of every pattern run on documents, in one Aho-Corasick automaton (C code): one
    pass over a page tells which of them it holds, instead of one substring search per word and pattern.

    Words join the index as patterns are first used; each page keeps the snapshot it was read against, and a
    word that snapshot lacks is looked for directly, so a page is never judged on a partial index.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._words: set[str] = set()
        self._snapshot: tuple[frozenset[str], ahocorasick.Automaton | None] = (frozenset(), None)

    def add(self, options: Options) -> None:
        with self._lock:
            for option in options:
                self._words.update(option)

    def snapshot(self) -> tuple[frozenset[str], ahocorasick.Automaton | None]:
        words, automaton = self._snapshot
        if len(words) != len(self._words):
            with self._lock:
                words = frozenset(self._words)
                automaton = ahocorasick.Automaton()
                for word in words:
                    automaton.add_word(word, word)
                automaton.make_automaton()
                self._snapshot = (words, automaton if words else None)
        return words, automaton


_INDEX = _LiteralIndex()


# Every pattern given as text so far: the sandbox's worker compiles them all before it forks (compile_seen).
_SEEN: set[str] = set()


@functools.lru_cache(maxsize=4096)
def pattern_options(pattern: str) -> Options:
    """The literal options of a pattern as sets, its words added to the index."""
    options = tuple(frozenset(option) for option in literal_options(pattern))
    _INDEX.add(options)
    _SEEN.add(pattern)
    return options


def compile_seen() -> None:
    """Compile every pattern met so far, and build the word index of them all: what a page that holds a
    pattern's words would otherwise compile (and rebuild the index for) on first use."""
    for pattern in sorted(_SEEN):
        _compiled(pattern)
    _INDEX.snapshot()


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return compile_anchored(pattern)


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

    @cached_property
    def literals(self) -> tuple[frozenset[str], frozenset[str]]:
        """(the index's words when this page was read, those of them the page holds)."""
        indexed, automaton = _INDEX.snapshot()
        if automaton is None:
            return indexed, frozenset()
        return indexed, frozenset(word for _end, word in automaton.iter(self.folded))

    def holds(self, options: Options) -> bool:
        """Whether the page holds every word of one of `options` (a pattern cannot match otherwise)."""
        indexed, present = self.literals
        for option in options:
            if option <= present:
                return True
            if not option <= indexed and all(
                word in present if word in indexed else word in self.folded for word in option
            ):
                return True
        return False

    def head(self, chars: int = 400) -> str:
        """The title zone: where a document says what it is."""
        return self.folded.lstrip()[:chars]

    # ------------------------------------------------------------ searching

    def find(self, pattern: str | re.Pattern[str], start: int = 0) -> re.Match[str] | None:
        """The first match in the folded text; a pattern given as text skips the search when the page
        lacks its words, and runs written for speed (`anchor_words`)."""
        if isinstance(pattern, re.Pattern):
            return pattern.search(self.folded, start)
        if not self.holds(pattern_options(pattern)):
            return None
        return _compiled(pattern).search(self.folded, start)

    def finditer(self, pattern: str) -> Iterator[re.Match[str]]:
        if not self.holds(pattern_options(pattern)):
            return iter(())
        return _compiled(pattern).finditer(self.folded)

    def labels(self, patterns: Iterable[str]) -> list[re.Match[str]]:
        folded = self.folded
        found = [m for p in patterns if self.holds(pattern_options(p)) for m in _compiled(p).finditer(folded)]
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
