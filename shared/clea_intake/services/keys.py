"""The keys a case is known by without names: the beneficiary key and its one-aid guard (HMAC with the
scheme's secret), and the guard entry that tells "the same person" within it (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Iterable

from clea_intake.domain.application import Application
from clea_intake.domain.findings import DocType
from clea_intake.domain.guard import GuardEntry, guard_entry
from clea_intake.domain.names import beneficiary_key
from clea_intake.domain.pieces import Piece
from clea_intake.services.ports import Ports

IDENTITY_TYPES = frozenset({DocType.IDENTITY_CARD, DocType.PASSPORT, DocType.RESIDENCE_PERMIT})


def person_key(ports: Ports, app: Application) -> str:
    applicant = app.applicant
    return beneficiary_key(applicant.surname, applicant.birth_date, secret=ports.secrets.beneficiary_secret())


def scope_of(app: Application) -> str:
    """One aid per person and per year, certification and evaluation."""
    return f"{app.year}#{app.certification}#{app.evaluation}"


def guard_key(ports: Ports, app: Application) -> str:
    return f"{person_key(ports, app)}#{scope_of(app)}"


def identity_numbers(pieces: Iterable[Piece]) -> list[str]:
    """The document numbers of the applicant's identity pieces that were read (and not rejected)."""
    return sorted({str(p.fields["document_number"]) for p in pieces
                   if p.doc_type in IDENTITY_TYPES and p.source == "application" and p.status == "read"
                   and p.fields.get("document_number")})


def entry_of(ports: Ports, case_id: str, app: Application, pieces: Iterable[Piece]) -> GuardEntry:
    return guard_entry(case_id, app.applicant.given_names, identity_numbers(pieces),
                       secret=ports.secrets.beneficiary_secret())
