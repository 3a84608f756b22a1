"""Personal data expires (README, "Personal data expires"): which retention applies to what, when it is due,
and the timeline events rid of any personal value they carry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from clea_intake.domain.case import Case, TimelineEvent
from clea_intake.domain.findings import IDENTITY_TYPES, DocType
from clea_intake.domain.policy import Retention
from clea_intake.domain.records import DocumentRecord

# The S3 tag the bucket's lifecycle rule `expire-tagged-personal-data` deletes (template.yaml).
EXPIRE_TAG = {"Key": "retention", "Value": "expire"}

# Fields of a reading that name or number a person (identity pieces, RIBs, proofs, claims).
_PERSONAL_FIELDS = frozenset({
    "surname", "given_names", "birth_date", "document_number", "mrz", "iban", "bic", "holder_name",
    "beneficiary_name", "address", "address_line", "name", "birth_place", "nationality_name",
})
# Values that name nobody by themselves: a shorter token is no evidence of a person.
_MIN_LENGTH = 3
# An IBAN as people write it, grouped by four or not (15 to 34 characters).
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def document_days(record: DocumentRecord, retention: Retention) -> int:
    if record.doc_type in IDENTITY_TYPES:
        return retention.identity_scans_days
    if record.doc_type == DocType.BANK_DETAILS:
        return retention.bank_details_days
    return retention.other_pieces_days


def due(ended_at: datetime, days: int, now: datetime) -> bool:
    return now.timestamp() >= expiry_moment(ended_at, days)


def expiry_moment(ended_at: datetime, days: int) -> int:
    """`expires_at` (Unix epoch seconds): the final state's moment plus the kind's days of 24 hours."""
    return int((ended_at.astimezone(UTC) + timedelta(days=days)).timestamp())


def personal_values(case: Case, documents: Iterable[DocumentRecord]) -> set[str]:
    """The strings that identify the applicant: the form's applicant block and the readings' personal fields."""
    values: set[str] = set()
    applicant = case.application.applicant
    if applicant is not None:
        birth = applicant.birth_date
        values |= {applicant.surname, applicant.given_names, str(applicant.email), applicant.address.line1,
                   birth.isoformat(), birth.strftime("%d/%m/%Y"), birth.strftime("%d.%m.%Y")}
        values |= set(applicant.given_names.split()) | set(applicant.surname.split())
        if applicant.phone:
            values.add(applicant.phone)
    if case.approved_iban:
        values.add(case.approved_iban)
    for record in documents:
        for name, value in record.fields.items():
            if name in _PERSONAL_FIELDS and value not in (None, ""):
                values |= {str(value), *str(value).split()}
    return {v.strip().casefold() for v in values if len(v.strip()) >= _MIN_LENGTH}


def _carries(text: str, values: set[str]) -> bool:
    if _IBAN.search(text) or _EMAIL.search(text):
        return True
    folded = text.casefold()
    return any(re.search(rf"(?<!\w){re.escape(v)}(?!\w)", folded) for v in values)


def scrubbed(event: TimelineEvent, values: set[str]) -> TimelineEvent:
    """The event without its message or detail entries that carry a personal value; state, codes and the
    moment are kept. The same event when it carries none."""
    message = event.message
    if message is not None and _carries(message, values):
        message = None
    detail: dict[str, Any] = {name: value for name, value in event.detail.items()
                              if not _carries(json.dumps(value, ensure_ascii=False, default=str), values)}
    if message == event.message and detail == event.detail:
        return event
    return event.model_copy(update={"message": message, "detail": detail})
