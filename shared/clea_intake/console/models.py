"""The console API's request and response bodies (their JSON Schema is the OpenAPI document's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# What a person may type in a corrected field: a short scalar, never a structure.
FieldValue = str | int | float | bool | None


class _Out(BaseModel):
    # Built on first use: a console call validates or dumps the few bodies of its own route.
    model_config = ConfigDict(defer_build=True)


class _In(_Out):
    model_config = ConfigDict(defer_build=True, extra="forbid")


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


class Me(_Out):
    identity: str
    groups: list[str]


class ReviewOut(_Out):
    review_id: str
    case_id: str | None
    kind: str
    code: str
    message: str
    opened_at: datetime
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None


class ReviewList(_Out):
    items: list[ReviewOut]


class ClaimOut(_Out):
    review_id: str
    holder: str
    expires_at: datetime


class FindingOut(_Out):
    code: str
    severity: str
    message: str


class DocumentOut(_Out):
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


class ResolveOut(_Out):
    review_id: str
    result: str
    case_id: str | None
    case_state: str | None


class EventOut(_Out):
    at: datetime
    actor: str
    kind: str
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None
    message: str | None = None


class MailOut(_Out):
    kind: str
    subject: str
    sent_at: datetime
    # The decision letter (PDF) this e-mail carried, downloadable at /api/cases/{case_id}/letters/{kind}.
    letter: str | None = None


class CaseOut(_Out):
    case_id: str
    state: str
    reasons: list[str]
    missing: list[dict[str, Any]]
    timeline: list[EventOut]
    documents: list[DocumentOut]
    mails: list[MailOut]


class ActOut(_Out):
    case_id: str
    result: str
    case_state: str


class PaymentOut(_Out):
    order_id: str
    case_id: str
    status: str
    created_at: datetime
    amount_eur: str | None = None
    creditor_name: str | None = None
    iban: str | None = None


class PaymentList(_Out):
    items: list[PaymentOut]


class MailAttachmentOut(_Out):
    """What the console says of an attachment: never its bytes."""

    filename: str
    declared_type: str
    detected_type: str
    size: int
    supported: bool


class MailHeadersOut(_Out):
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


class QuarantinedOut(_Out):
    review_id: str
    case_id: str | None
    code: str
    message: str
    opened_at: datetime
    claimed_by: str | None = None


class QuarantineList(_Out):
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


class ExportOut(_Out):
    export_id: str
    orders: int
    total_eur: str
    exported_at: datetime | None = None
    paid: int = 0
    again: bool = False


class ExportList(_Out):
    items: list[ExportOut]


class ExportRun(_Out):
    export: ExportOut | None
    rewritten: list[ExportOut] = Field(default_factory=list)
    waiting: list[str] = Field(default_factory=list)
    message: str


class ConfirmIn(_In):
    filename: str | None = Field(default=None, max_length=200)
    content_base64: str = Field(min_length=1, max_length=2_000_000)


class ConfirmOut(_Out):
    confirmed: list[str]
    message: str


class IbanReviewOut(_Out):
    review_id: str
    case_id: str | None
    code: str
    message: str
    opened_at: datetime
    claimed_by: str | None = None
    document: DocumentOut | None = None


class IbanReviewList(_Out):
    items: list[IbanReviewOut]


class KpiOut(_Out):
    label: str
    value: str
    note: str


class ChartOut(_Out):
    id: str
    title: str
    hint: str
    svg: str | None = None
    description: str = ""
    empty: str | None = None


class LatestOut(_Out):
    case_id: str
    state: str
    label: str
    updated_at: datetime


class DashboardOut(_Out):
    generated_at: datetime
    season: str
    total_cases: int
    kpis: list[KpiOut]
    charts: list[ChartOut]
    latest: list[LatestOut]


class EvaluatorOut(_Out):
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
