"""What callers hand to the letters package, and the e-mail it hands back (nothing is sent here)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)


class Reason(_Frozen):
    """A failed eligibility rule: its stable code and the French sentence the caller wrote."""

    code: str
    message: str


class MissingPiece(_Frozen):
    """A missing or invalid piece: its French label and why it cannot be accepted."""

    piece: str
    message: str


class NoticeContext(_Frozen):
    """Everything any notice may need; each kind checks that what it needs is there."""

    case_id: str
    applicant_name: str
    applicant_email: str
    evaluator_name: str
    evaluator_email: str
    evaluator_address: str | None = None
    certification: Literal["clea_socle", "clea_numerique"]
    evaluation: Literal["initial", "final"]
    evaluation_start: date
    evaluation_end: date
    sent_on: date
    amount_eur: Decimal | None = None
    reasons: list[Reason] = []
    missing: list[MissingPiece] = []
    requested_document: str | None = None
    note: str | None = None
    policy_version: str | None = None
    claim_deadline: date | None = None
    hours: float | None = None


class Attachment(_Frozen):
    filename: str
    content_type: str
    data: bytes


class OutgoingEmail(_Frozen):
    to: list[str]
    subject: str
    text: str
    html: str
    attachments: list[Attachment] = []
