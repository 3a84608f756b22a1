"""The console API's request and response bodies (their JSON Schema is the OpenAPI document's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# What a person may type in a corrected field: a short scalar, never a structure.
FieldValue = str | int | float | bool | None


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteIn(_In):
    note: str | None = Field(default=None, max_length=2000)


class CorrectIn(_In):
    doc_type: str | None = Field(default=None, max_length=40)
    fields: dict[str, FieldValue] = Field(default_factory=dict, max_length=40)
    note: str | None = Field(default=None, max_length=2000)


class WithdrawIn(_In):
    note: str | None = Field(default=None, max_length=2000)


class RequestIn(_In):
    document: str = Field(min_length=2, max_length=200)


class Me(BaseModel):
    identity: str
    groups: list[str]


class ReviewOut(BaseModel):
    review_id: str
    case_id: str | None
    kind: str
    code: str
    message: str
    opened_at: datetime
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None


class ReviewList(BaseModel):
    items: list[ReviewOut]


class ClaimOut(BaseModel):
    review_id: str
    holder: str
    expires_at: datetime


class FindingOut(BaseModel):
    code: str
    severity: str
    message: str


class DocumentOut(BaseModel):
    doc_id: str
    original_name: str
    doc_type: str
    confidence: float
    status: str
    received_at: datetime
    pages: int
    source: str
    fields: dict[str, Any]
    findings: list[FindingOut]
    reviewed_by: str | None = None


class ReviewDetail(ReviewOut):
    document: DocumentOut | None = None
    doc_types: list[str] = Field(default_factory=list)
    # The fields a correction form offers for a type (beside those the reading has).
    field_names: dict[str, list[str]] = Field(default_factory=dict)


class ResolveOut(BaseModel):
    review_id: str
    result: str
    case_id: str | None
    case_state: str | None


class EventOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None
    message: str | None = None


class MailOut(BaseModel):
    kind: str
    subject: str
    sent_at: datetime


class CaseOut(BaseModel):
    case_id: str
    state: str
    reasons: list[str]
    missing: list[dict[str, Any]]
    timeline: list[EventOut]
    documents: list[DocumentOut]
    mails: list[MailOut]


class ActOut(BaseModel):
    case_id: str
    result: str
    case_state: str


class PaymentOut(BaseModel):
    order_id: str
    case_id: str
    status: str
    created_at: datetime


class PaymentList(BaseModel):
    items: list[PaymentOut]


class EvaluatorOut(BaseModel):
    """`clea-intake evaluator show SIRET`'s object: the Région's record, its audit trail, what each public
    register's current copy says (None: never imported)."""

    siret: str
    name: str | None
    emails: list[str]
    iban_end: str | None
    iban_source: str | None
    updated_at: datetime | None
    updated_by: str | None
    history: list[dict[str, Any]]
    registers: dict[str, dict[str, Any] | None]
