"""Tell people what happened: compose the French e-mail for a case, send it once, keep a trace."""

from __future__ import annotations

from datetime import datetime, timedelta

from clea_intake.domain.calendar import claim_deadline, local_day
from clea_intake.domain.case import Case
from clea_intake.domain.policy import policy_for
from clea_intake.domain.reasons import refusal_message
from clea_intake.domain.records import MailRecord
from clea_intake.letters.models import MissingPiece, NoticeContext, Reason
from clea_intake.services.ports import Ports

EVALUATOR_NOTICES = frozenset({"arrete_evaluator", "claim_received", "claim_incomplete", "payment_ordered",
                               "closed_unpaid", "lapsed"})
# Notices sent at most once per case; the others may repeat, at most once per interval.
ONCE = frozenset({"acknowledgement", "award_beneficiary", "arrete_evaluator", "refusal", "withdrawal",
                  "claim_received", "payment_ordered", "closed_unpaid", "lapsed"})


def context_for(case: Case, now: datetime, **extra) -> NoticeContext:
    app = case.application
    policy = policy_for(app.evaluation_start)
    return NoticeContext(
        case_id=case.case_id,
        applicant_name=f"{app.applicant.given_names} {app.applicant.surname}",
        applicant_email=str(app.applicant.email),
        evaluator_name=app.evaluator.name,
        evaluator_email=str(app.evaluator.email),
        certification=app.certification,
        evaluation=app.evaluation,
        evaluation_start=app.evaluation_start,
        evaluation_end=app.evaluation_end,
        sent_on=local_day(now, policy),
        amount_eur=case.awarded_eur,
        reasons=[Reason(code=code, message=refusal_message(code)) for code in case.reasons],
        missing=[MissingPiece(piece=m["label"], message=m["message"]) for m in
                 (case.claim_problems if extra.pop("claim", False) else case.missing)],
        policy_version=case.policy_version or policy.version,
        claim_deadline=local_day(claim_deadline(app.evaluation_end, policy), policy) - timedelta(days=1),
        **extra,
    )


def notify(ports: Ports, case: Case, kind: str, now: datetime, *,
           min_interval: timedelta | None = None, **extra) -> bool:
    """Send notice `kind` for the case unless it was already sent (or sent too recently); True if sent."""
    repo, cfg, mailer = ports.repository, ports.settings, ports.mailer
    previous = [m for m in repo.mails(case.case_id) if m.kind == kind]
    if previous and (kind in ONCE or (min_interval and now - max(m.sent_at for m in previous) < min_interval)):
        return False
    from clea_intake.letters.compose import compose  # fpdf2 is loaded only when a notice is sent

    email = compose(kind, context_for(case, now, **extra))
    # Evaluators answer these with their claim: replies must reach the inbound claims address.
    reply_to = cfg.claims_address if kind in EVALUATOR_NOTICES else None
    message = mailer.to_mime(cfg.mail_from, email.to, email.subject, email.text, email.html,
                             [(a.filename, a.content_type, a.data) for a in email.attachments], reply_to)
    message_id = mailer.send(message)
    repo.record_mail(MailRecord(case_id=case.case_id, kind=kind, to=email.to, subject=email.subject,
                                sent_at=now, message_id=message_id))
    return True
