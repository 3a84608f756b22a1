"""French letters and e-mails of the scheme: compose() for e-mails, PDFs for decisions and the arrêté."""

from clea_intake.letters.compose import NoticeKind, compose, subject_for
from clea_intake.letters.content import NoticeContextError
from clea_intake.letters.models import Attachment, MissingPiece, NoticeContext, OutgoingEmail, Reason
from clea_intake.letters.pdf import (
    arrete_attributif_pdf,
    cre_form_pdf,
    decision_letter_pdf,
    hours_attestation_pdf,
)

__all__ = [
    "Attachment",
    "MissingPiece",
    "NoticeContext",
    "NoticeContextError",
    "NoticeKind",
    "OutgoingEmail",
    "Reason",
    "arrete_attributif_pdf",
    "compose",
    "cre_form_pdf",
    "decision_letter_pdf",
    "hours_attestation_pdf",
    "subject_for",
]
