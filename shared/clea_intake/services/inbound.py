"""An e-mail landed under inbound/: check it can be trusted, find its case, file its attachments as a claim."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from aws_lambda_powertools import Logger

from clea_intake.adapters.repository import Repository
from clea_intake.domain.case import Case
from clea_intake.domain.lifecycle import OPEN_FOR_CLAIM, State
from clea_intake.domain.policy import current_policy
from clea_intake.domain.records import ReviewItem
from clea_intake.mail.parse import (
    Attachment,
    InboundMessage,
    MalformedMessage,
    MessageOverLimit,
    parse_inbound,
)
from clea_intake.mail.reasons import MailReason, reason_message
from clea_intake.mail.reference import message_references
from clea_intake.mail.trust import assess_trust
from clea_intake.services import metrics
from clea_intake.services.evaluators import registered_addresses
from clea_intake.services.flow import CLAIM_EVENT
from clea_intake.services.ports import Ports
from clea_intake.services.retry import on_stale_case

logger = Logger(service="clea-intake", child=True)

# Awarded cases wait for their claim; a claim repeated once the payment is ordered is filed, and changes nothing.
TAKES_CLAIM_MAIL = OPEN_FOR_CLAIM | {State.PAYMENT_ORDERED, State.PAID}
__all__ = ["CLAIM_EVENT", "TAKES_CLAIM_MAIL", "InboundOutcome", "ingest"]


@dataclass
class InboundOutcome:
    status: str                  # accepted | quarantined | duplicate
    case_id: str | None = None
    reason: str | None = None
    stored: tuple[str, ...] = ()


def ingest(ports: Ports, *, bucket: str, key: str, now: datetime,
           version_id: str | None = None, released_for: str | None = None) -> InboundOutcome:
    """Handle one raw message once; the raw object is never changed or deleted.

    `released_for`: a person checked a quarantined message and files it for this case anyway.
    Each attachment filed lands under claims/: its reading ends in services.flow.advance.
    """
    repo = ports.repository
    if released_for is None and repo.find_inbound(key) is not None:
        return InboundOutcome("duplicate")
    policy = current_policy()
    limits = policy.claims
    raw = ports.storage.get_object(bucket, key, version_id, max_bytes=limits.max_message_bytes)
    if raw.size > limits.max_message_bytes:
        return _quarantine(ports, key, now, MailReason.MAIL_ATTACHMENTS_TOTAL_TOO_LARGE, None, None)
    try:
        # The structure is checked against the policy's mail limits before the MIME parser runs.
        msg = parse_inbound(raw.body, max_attachments=limits.max_attachments,
                            max_attachment_bytes=limits.max_attachment_bytes,
                            max_total_bytes=limits.max_message_bytes, limits=policy.mail)
    except MessageOverLimit as over:
        logger.warning("e-mail over a mail limit, not parsed", reason=str(over.code), limit=over.detail)
        return _quarantine(ports, key, now, over.code, None, None)
    except MalformedMessage as malformed:
        return _quarantine(ports, key, now, malformed.code, None, None)

    references = [released_for] if released_for else message_references(msg)
    case = repo.find_case(references[0]) if len(references) == 1 else None
    if released_for is None:
        # What the message says about itself (virus, spam, DMARC) outranks what it says about a case:
        # an infected message is reported as infected, whatever its subject.
        registered = (registered_addresses(repo, case.application.evaluator.siret, str(case.application.evaluator.email))
                      if case else set())
        verdict = assess_trust(msg, registered)
        if not verdict.accepted and (case is not None or verdict.reason != MailReason.MAIL_SENDER_NOT_EVALUATOR):
            return _quarantine(ports, key, now, verdict.reason, case.case_id if case else None, msg,
                               reply=False)
    if not references:
        return _quarantine(ports, key, now, MailReason.MAIL_NO_REFERENCE, None, msg)
    if len(references) > 1:
        return _quarantine(ports, key, now, MailReason.MAIL_AMBIGUOUS_REFERENCE, None, msg)
    if case is None:
        return _quarantine(ports, key, now, MailReason.MAIL_UNKNOWN_CASE, None, msg)
    if case.state not in TAKES_CLAIM_MAIL:
        # Not awarded (yet or ever), or closed: a claim there is a mistake or a question for a person.
        return _quarantine(ports, key, now, MailReason.MAIL_UNKNOWN_CASE, case.case_id, msg)

    documents = [a for a in msg.attachments if a.is_supported_document]
    errors = [p for p in msg.problems if p.severity == "error"]
    if not documents:
        reason = errors[0].code if errors else MailReason.MAIL_NO_ATTACHMENT
        return _quarantine(ports, key, now, reason, case.case_id, msg)
    # Announce the attachments before storing them: their readings may start as soon as they are in S3.
    _note_claim(repo, case.case_id, now, key, documents, [str(p.code) for p in errors])
    stem = hashlib.sha256(key.encode()).hexdigest()[:12]
    stored = []
    for n, attachment in enumerate(documents, start=1):
        claim_key = f"claims/{case.case_id}/{stem}-{n:02d}{attachment.extension}"
        ports.storage.put_object(bucket, claim_key, attachment.data, content_type=attachment.content_type_sniffed,
                           metadata={"original-filename": quote(attachment.sanitised_filename),
                                     "source-message": key})
        stored.append(claim_key)
    for problem in errors:
        # Part of the message could not be taken in (an archive, an oversized file): a person looks at it.
        _open_review(repo, key, now, problem.code, case.case_id)
    if released_for is None:
        repo.record_inbound(key, status="accepted", at=now, case_id=case.case_id, reason=None,
                            detail={"attachments": len(stored)})
    metrics.count("ClaimReceived")
    logger.info("claim e-mail accepted", case_id=case.case_id, attachments=len(stored),
                problems=[str(p.code) for p in msg.problems])
    return InboundOutcome("accepted", case.case_id, None, tuple(stored))


@on_stale_case()
def _note_claim(repo: Repository, case_id: str, now: datetime, key: str, documents: list[Attachment],
                problems: list[str]) -> None:
    if any(e.kind == CLAIM_EVENT and e.detail.get("message_key") == key for e in repo.timeline(case_id)):
        return  # a retried delivery of the same message
    case: Case = repo.get_case(case_id)
    case.note(CLAIM_EVENT, at=now, actor="evaluator",
              message=f"Demande de versement reçue par courriel ({len(documents)} pièce(s)).",
              message_key=key, attachments=sorted({a.sha256 for a in documents}), problems=problems)
    repo.save_case(case)


def _open_review(repo: Repository, key: str, now: datetime, reason: MailReason | str, case_id: str | None) -> None:
    review = ReviewItem(
        review_id=f"MAIL-{hashlib.sha256(key.encode()).hexdigest()[:12]}-{reason}", case_id=case_id, kind="mail",
        code=str(reason), message=reason_message(reason), subject_ref=key, opened_at=now)
    if repo.open_review(review):
        metrics.count("ReviewOpened")


def _quarantine(ports: Ports, key: str, now: datetime, reason: MailReason | str,
                case_id: str | None, msg: InboundMessage | None, *, reply: bool = True) -> InboundOutcome:
    """Keep the message aside with its reason, show it to a person, answer the sender if it authenticated.

    The review item is opened before the message is marked handled, so that a crash in between is
    retried into the queue rather than lost; replies go out once, with the first marking.
    """
    repo, cfg, mailer = ports.repository, ports.settings, ports.mailer
    _open_review(repo, key, now, reason, case_id)
    if not repo.record_inbound(key, status="quarantined", at=now, case_id=case_id, reason=str(reason)):
        return InboundOutcome("duplicate")
    metrics.count("MailQuarantined", ("Reason", str(reason)))
    logger.warning("e-mail quarantined", reason=str(reason), case_id=case_id)
    if reply and msg is not None and msg.from_address and _authenticated(msg):
        subject = f"Re: {msg.subject}" if msg.subject else "Votre envoi à la Région Nouvelle-Aquitaine"
        text = (
            "Bonjour,\n\nVotre message a bien été reçu mais il n'a pas pu être traité automatiquement :\n"
            f"{reason_message(reason)}\n\nLes services de la Région l'examineront. Pour une demande de versement, "
            "indiquez la référence du dossier (NA-CLEA-AAAA-NNNNNN) dans l'objet et joignez le compte rendu "
            "d'exécution, l'attestation des heures réalisées et un RIB de moins de 3 mois.\n\n"
            "Région Nouvelle-Aquitaine — aide individuelle CléA\n"
        )
        html = "<p>" + text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>") + "</p>"
        mailer.send(mailer.to_mime(cfg.mail_from, [msg.from_address], subject, text, html, []))
    return InboundOutcome("quarantined", case_id, str(reason))


def _authenticated(msg: InboundMessage) -> bool:
    """Only a clean message whose From DMARC vouched for gets an answer (no backscatter to forged senders)."""
    return (msg.dmarc == "pass" and (msg.virus_verdict or "").upper() == "PASS"
            and (msg.spam_verdict or "").upper() != "FAIL"
            and bool(msg.dmarc_header_from) and msg.dmarc_header_from.lower() == (msg.from_domain or "").lower())
