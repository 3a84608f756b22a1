"""Inbound claim e-mails: parsing the SES-stored MIME, trusting the sender, finding the case reference."""

from clea_intake.mail.build import build_claim_email
from clea_intake.mail.parse import (
    Attachment,
    InboundMessage,
    MailProblem,
    MalformedMessage,
    MessageOverLimit,
    parse_inbound,
)
from clea_intake.mail.reasons import MailReason, reason_gloss, reason_message
from clea_intake.mail.reference import find_references, message_references
from clea_intake.mail.trust import TrustVerdict, assess_trust

__all__ = [
    "Attachment",
    "InboundMessage",
    "MailProblem",
    "MailReason",
    "MalformedMessage",
    "MessageOverLimit",
    "TrustVerdict",
    "assess_trust",
    "build_claim_email",
    "find_references",
    "message_references",
    "parse_inbound",
    "reason_gloss",
    "reason_message",
]
