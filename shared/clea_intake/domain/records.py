"""The records the repository keeps beside the case: documents, review items, payment orders, mails, summaries."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from clea_intake.domain.findings import DocType, Finding
from clea_intake.domain.lifecycle import State
from clea_intake.domain.pieces import Piece, PieceStatus
from clea_intake.domain.policy import Certification, EvaluationType
from clea_intake.domain.reasons import Reason


class DocumentRecord(BaseModel):
    """One received file and its reading."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    case_id: str
    doc_id: str
    bucket: str
    key: str
    etag: str
    sha256: str
    original_name: str
    # The object version it was read from, and the order of that version among the key's versions
    # (services.documents.version_order): a newer reading replaces it, an older one never does.
    version_id: str | None = None
    version_order: str | None = None
    source: str = "application"          # application | claim
    received_at: datetime
    doc_type: DocType
    confidence: float
    fields: dict[str, Any] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    status: PieceStatus = "read"
    pages: int = 0
    page_numbers: list[int] = Field(default_factory=list)  # the file's 1-based pages this piece is on
    text_source: str = "none"
    media_type: str = "application/octet-stream"
    reviewed_by: str | None = None

    def piece(self) -> Piece:
        return Piece(doc_id=self.doc_id, doc_type=self.doc_type, fields=self.fields, findings=self.findings,
                     received_at=self.received_at, status=self.status, source=self.source)  # type: ignore[arg-type]


class ReviewItem(BaseModel):
    """A question the machine could not decide, waiting for a person."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    review_id: str
    case_id: str | None
    kind: str                       # document | mail | bank_details | form
    code: str
    message: str
    subject_ref: str                # doc id, message key...
    opened_at: datetime
    status: str = "OPEN"            # OPEN | CLOSED
    resolution: str | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class PaymentOrder(BaseModel):
    """The order to pay an evaluator the awarded amount, created once per case."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    order_id: str
    case_id: str
    amount_eur: Decimal
    creditor_name: str
    creditor_siret: str
    iban: str
    bic: str
    created_at: datetime
    status: str = "ORDERED"         # ORDERED | EXPORTED | PAID
    exported_at: datetime | None = None
    export_id: str | None = None
    paid_at: datetime | None = None


class MailRecord(BaseModel):
    """The trace of one notice sent for a case."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    case_id: str
    kind: str
    to: list[str]
    subject: str
    sent_at: datetime
    message_id: str | None = None


class CaseSummary(BaseModel):
    """One case without personal data: identifiers, dates, amounts and codes, for lists, sweeps and dashboards."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    case_id: str = Field(min_length=1, max_length=64)
    state: State
    received_at: AwareDatetime
    decided_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    awarded_eur: Decimal = Field(default=Decimal(0), ge=0)
    paid_eur: Decimal = Field(default=Decimal(0), ge=0)
    paid_at: AwareDatetime | None = None
    reasons: list[Reason] = Field(default_factory=list)
    certification: Certification
    evaluation: EvaluationType
    # The last transition, when the caller knows it; else the latest date above stands in for it.
    updated_at: AwareDatetime | None = None
    # When the sweeper acts on the waiting case (the state index is sorted by it).
    deadline_at: AwareDatetime | None = None

    @property
    def last_change(self) -> datetime:
        if self.updated_at is not None:
            return self.updated_at
        known = (self.received_at, self.completed_at, self.decided_at, self.paid_at)
        return max(moment for moment in known if moment is not None)
