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
    # The decision letter (PDF) this e-mail carried, downloadable at /api/cases/{case_id}/letters/{kind}.
    letter: str | None = None


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
    amount_eur: str | None = None
    creditor_name: str | None = None
    iban: str | None = None


class PaymentList(BaseModel):
    items: list[PaymentOut]


class MailAttachmentOut(BaseModel):
    """What the console says of an attachment: never its bytes."""

    filename: str
    declared_type: str
    detected_type: str
    size: int
    supported: bool


class MailHeadersOut(BaseModel):
    from_address: str | None = None
    to_addresses: list[str] = Field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    message_id: str | None = None
    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None
    spam_verdict: str | None = None
    virus_verdict: str | None = None


class QuarantinedOut(BaseModel):
    review_id: str
    case_id: str | None
    code: str
    message: str
    opened_at: datetime
    claimed_by: str | None = None


class QuarantineList(BaseModel):
    items: list[QuarantinedOut]


class QuarantinedDetail(QuarantinedOut):
    readable: bool
    unreadable_reason: str | None = None
    size: int | None = None
    headers: MailHeadersOut | None = None
    attachments: list[MailAttachmentOut] = Field(default_factory=list)
    problems: list[FindingOut] = Field(default_factory=list)


class ReleaseIn(_In):
    # Only for a message whose case the machine could not find: the case a person recognised it for.
    case_id: str | None = Field(default=None, pattern=r"^NA-CLEA-\d{4}-\d{6}$")


class ExportOut(BaseModel):
    export_id: str
    orders: int
    total_eur: str
    exported_at: datetime | None = None
    paid: int = 0
    again: bool = False


class ExportList(BaseModel):
    items: list[ExportOut]


class ExportRun(BaseModel):
    export: ExportOut | None
    rewritten: list[ExportOut] = Field(default_factory=list)
    waiting: list[str] = Field(default_factory=list)
    message: str


class ConfirmIn(_In):
    filename: str | None = Field(default=None, max_length=200)
    content_base64: str = Field(min_length=1, max_length=2_000_000)


class ConfirmOut(BaseModel):
    confirmed: list[str]
    message: str


class IbanReviewOut(BaseModel):
    review_id: str
    case_id: str | None
    code: str
    message: str
    opened_at: datetime
    claimed_by: str | None = None
    document: DocumentOut | None = None


class IbanReviewList(BaseModel):
    items: list[IbanReviewOut]


class KpiOut(BaseModel):
    label: str
    value: str
    note: str


class ChartOut(BaseModel):
    id: str
    title: str
    hint: str
    svg: str | None = None
    description: str = ""
    empty: str | None = None


class LatestOut(BaseModel):
    case_id: str
    state: str
    label: str
    updated_at: datetime


class DashboardOut(BaseModel):
    generated_at: datetime
    season: str
    total_cases: int
    kpis: list[KpiOut]
    charts: list[ChartOut]
    latest: list[LatestOut]


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
