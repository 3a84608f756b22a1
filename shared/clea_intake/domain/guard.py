"""The one-aid guard (DESIGN §1, §3): who already holds an aid for a year, certification and evaluation,
kept as keyed hashes so that "the same person" can be decided without names in the table."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from clea_intake.domain.names import compact, forms_share_a_name, given_name_forms


def _hashed(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"{kind}|{value}".encode("ascii"), hashlib.sha256).hexdigest()[:24]


class GuardEntry(BaseModel):
    """One award under a guard key (same surname and birth date): its given names' forms and identity
    document numbers, hashed under the Région's secret."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    case_id: str
    given_names: frozenset[str]
    given_runs: frozenset[str]
    documents: frozenset[str] = frozenset()

    def same_person(self, other: GuardEntry) -> bool:
        """DESIGN §3 within one surname and birth date: a given name in common in any order, or the same
        identity document. Twins (no given name in common, other documents) are two people."""
        if self.documents & other.documents:
            return True
        return forms_share_a_name((self.given_names, self.given_runs), (other.given_names, other.given_runs))


def guard_entry(case_id: str, given_names: str, document_numbers: Iterable[str], *, secret: bytes) -> GuardEntry:
    whole, runs = given_name_forms(given_names)
    return GuardEntry(case_id=case_id, given_names=frozenset(_hashed(secret, "given", n) for n in whole),
                      given_runs=frozenset(_hashed(secret, "given", n) for n in runs),
                      documents=frozenset(document_keys(document_numbers, secret=secret)))


def document_keys(document_numbers: Iterable[str], *, secret: bytes) -> list[str]:
    """The keyed hash of each identity document number, normalised: the same document under another
    spelling of the name still names the same person."""
    return sorted({_hashed(secret, "document", compact(n)) for n in document_numbers if compact(n)})


def holder_of(entries: Iterable[GuardEntry], candidate: GuardEntry) -> str | None:
    """The case already awarded to the candidate's person, if any (its own case excluded)."""
    for entry in entries:
        if entry.case_id != candidate.case_id and entry.same_person(candidate):
            return entry.case_id
    return None
