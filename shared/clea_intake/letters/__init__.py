"""French letters and e-mails of the scheme: compose() for e-mails, PDFs for decisions and the arrêté."""

import importlib
from typing import Any

from clea_intake.letters.models import Attachment, MissingPiece, NoticeContext, OutgoingEmail, Reason

# The PDF side loads fpdf2 and fontTools (about 0.6 s): imported on first use, not at a Lambda's cold start.
_LAZY = {
    "NoticeKind": "compose", "compose": "compose", "subject_for": "compose", "NoticeContextError": "content",
    "arrete_attributif_pdf": "pdf", "cre_form_pdf": "pdf", "decision_letter_pdf": "pdf",
    "hours_attestation_pdf": "pdf",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"clea_intake.letters.{_LAZY[name]}"), name)
    raise AttributeError(name)

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
