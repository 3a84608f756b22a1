"""Finding the case reference (NA-CLEA-YYYY-NNNNNN) in a claim e-mail's subject and plus-addresses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from clea_intake.mail.parse import InboundMessage

# Separators people and mail clients put between the parts: hyphen-like dashes, spaces (incl. no-break),
# underscores, dots, slashes. Zero or more, so "NACLEA2026000123" also matches.
_SEP = r"[\s_.\-/\u2010-\u2015\u2212]*"
REFERENCE_PATTERN = re.compile(
    rf"(?<![A-Za-z0-9])N{_SEP}A{_SEP}C{_SEP}L{_SEP}E{_SEP}A{_SEP}(\d{{4}}){_SEP}(\d{{6}})(?!\d)",
    re.IGNORECASE,
)
CANONICAL_REFERENCE = re.compile(r"NA-CLEA-\d{4}-\d{6}")


def _fold(text: str) -> str:
    # "CLÉA" is how most people write the certification; the reference itself has no accent.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def references_in_text(text: str) -> list[str]:
    """Canonical references found in free text, in order of appearance, without duplicates."""
    found: dict[str, None] = {}
    for match in REFERENCE_PATTERN.finditer(_fold(text)):
        found.setdefault(f"NA-CLEA-{match.group(1)}-{match.group(2)}", None)
    return list(found)


def _plus_tag(address: str) -> str | None:
    local = address.rpartition("@")[0]
    if "+" not in local:
        return None
    return local.split("+", 1)[1]


def find_references(subject: str, recipients: Iterable[str]) -> list[str]:
    """Distinct references in the subject and the recipients' plus-addresses (subject first).

    The caller decides: none found means unmatched, more than one means ambiguous.
    """
    found: dict[str, None] = dict.fromkeys(references_in_text(subject or ""))
    for address in recipients:
        tag = _plus_tag(address)
        if tag:
            for reference in references_in_text(tag):
                found.setdefault(reference, None)
    return list(found)


def message_references(msg: InboundMessage) -> list[str]:
    """find_references applied to a parsed message."""
    return find_references(msg.subject, msg.to_addresses)
