"""compose(kind, ctx): the French e-mail for one notice, with its PDF when the notice is a decision."""

from __future__ import annotations

import re

from clea_intake.letters.content import NoticeContextError, NoticeKind, notice_for
from clea_intake.letters.french import one_line
from clea_intake.letters.models import Attachment, NoticeContext, OutgoingEmail
from clea_intake.letters.pdf import arrete_attributif_pdf, decision_letter_pdf
from clea_intake.letters.render import render_html, render_text

__all__ = ["NoticeKind", "compose", "subject_for"]

_PDF = "application/pdf"


def _address(value: str) -> str:
    address = value.strip()
    # A newline or a separator would let one field smuggle extra recipients or headers.
    if not address or any(c in address for c in '\r\n,;<>"') or address.count("@") != 1:
        raise NoticeContextError(f"not a single e-mail address: {address!r}")
    return address


def subject_for(reference: str, subject: str) -> str:
    """[NA-CLEA-2026-000123] …: the inbound mail matcher finds the case by this bracketed prefix."""
    return one_line(f"[{one_line(reference)}] {subject}")


def _file_stem(reference: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", reference).strip("-") or "dossier"


def _attachments(kind: NoticeKind, ctx: NoticeContext) -> list[Attachment]:
    stem = _file_stem(ctx.case_id)
    if kind == "award_beneficiary":
        data, name = decision_letter_pdf(ctx, kind="award"), f"{stem}-decision-attribution.pdf"
    elif kind == "refusal":
        data, name = decision_letter_pdf(ctx, kind="refusal"), f"{stem}-decision-refus.pdf"
    elif kind == "arrete_evaluator":
        data, name = arrete_attributif_pdf(ctx), f"{stem}-arrete-attributif.pdf"
    else:
        return []
    return [Attachment(filename=name, content_type=_PDF, data=data)]


def compose(kind: NoticeKind, ctx: NoticeContext) -> OutgoingEmail:
    """The e-mail for `kind`; raises NoticeContextError when ctx lacks what this notice needs."""
    notice = notice_for(kind, ctx)
    recipient = ctx.applicant_email if notice.audience == "applicant" else ctx.evaluator_email
    reference = one_line(ctx.case_id)
    subject = subject_for(reference, notice.subject)
    return OutgoingEmail(
        to=[_address(recipient)],
        subject=subject,
        text=render_text(notice, reference),
        html=render_html(notice, reference, subject),
        attachments=_attachments(kind, ctx),
    )
