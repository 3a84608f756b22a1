"""Building realistic SES-stored claim e-mails for the demo, the scenarios and the tests."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from clea_intake.mail.authresults import SES_AUTHSERV_ID

DEFAULT_INBOUND_ADDRESS = "claims@inbound.example.fr"

_BODY_FR = (
    "Bonjour,\n\n"
    "Veuillez trouver ci-joint les pièces de la demande de paiement de l'aide CléA{ref} : "
    "compte rendu d'exécution, attestation d'heures et RIB.\n\n"
    "Cordialement,\n{sender}\n"
)


def _content_type(filename: str, data: bytes) -> tuple[str, str]:
    guessed, _ = mimetypes.guess_type(filename)
    if guessed is None:
        guessed = "application/pdf" if data.startswith(b"%PDF-") else "application/octet-stream"
    maintype, _, subtype = guessed.partition("/")
    return maintype, subtype


def build_claim_email(
    *,
    sender: str,
    attachments: Sequence[tuple[str, bytes]],
    sent_at: datetime,
    case_id: str | None = None,
    subject: str | None = None,
    recipient: str = DEFAULT_INBOUND_ADDRESS,
    plus_address: bool = False,
    body: str | None = None,
    message_id: str | None = None,
    spam_verdict: str = "PASS",
    virus_verdict: str = "PASS",
    spf: str = "pass",
    dkim: str = "pass",
    dmarc: str = "pass",
    dmarc_header_from: str | None = None,
    sender_name: str | None = None,
) -> bytes:
    """A claim e-mail as SES stores it in S3: SES verdict headers first, then the sender's message.

    `case_id` goes into the subject ("Demande de paiement - Réf. {case_id}") unless `subject` is given,
    and into the recipient's plus-address when `plus_address` is true. The output is deterministic for
    the same arguments (the Message-ID derives from them), so scenarios replay identically.
    """
    sender_domain = sender.rpartition("@")[2].lower()
    to_address = recipient
    if plus_address and case_id:
        local, _, domain = recipient.partition("@")
        to_address = f"{local}+{case_id}@{domain}"
    if subject is None:
        subject = f"Demande de paiement - Réf. {case_id}" if case_id else "Demande de paiement CléA"

    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    msg["To"] = to_address
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent_at)
    digest = hashlib.sha256()
    verdicts = f"{spam_verdict}/{virus_verdict}/{spf}/{dkim}/{dmarc}/{dmarc_header_from}"
    for part in (sender, to_address, subject, sent_at.isoformat(), verdicts):
        digest.update(part.encode() + b"\0")
    for filename, data in attachments:
        digest.update(filename.encode() + b"\0" + hashlib.sha256(data).digest())
    if message_id is None:
        message_id = f"<{digest.hexdigest()[:32]}@{sender_domain}>"
    msg["Message-ID"] = message_id
    msg.set_content(
        body if body is not None else _BODY_FR.format(ref=f" {case_id}" if case_id else "", sender=sender)
    )
    for filename, data in attachments:
        maintype, subtype = _content_type(filename, data)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    if msg.is_multipart():
        # The library draws a random boundary; a derived one keeps the bytes identical across replays.
        msg.set_boundary(f"=_clea_{digest.hexdigest()[32:56]}")

    header_from = dmarc_header_from or sender_domain
    ses_headers = [
        f"Return-Path: <{sender}>",
        f"Received: from mail.{sender_domain} by inbound-smtp.eu-west-1.amazonaws.com with SMTP id "
        f"{message_id.strip('<>').split('@')[0]} for {to_address}; {format_datetime(sent_at)}",
        f"X-SES-Spam-Verdict: {spam_verdict}",
        f"X-SES-Virus-Verdict: {virus_verdict}",
        f"Received-SPF: {spf} (spfCheck: domain of {sender_domain} designates 192.0.2.25 as permitted "
        f"sender) client-ip=192.0.2.25; envelope-from={sender}; helo=mail.{sender_domain};",
        f"Authentication-Results: {SES_AUTHSERV_ID};\r\n"
        f" spf={spf} (spfCheck: domain of {sender_domain} designates 192.0.2.25 as permitted sender)"
        f" client-ip=192.0.2.25; envelope-from={sender}; helo=mail.{sender_domain};\r\n"
        f" dkim={dkim} header.i=@{sender_domain};\r\n"
        f" dmarc={dmarc} header.from={header_from};",
        "X-SES-RECEIPT: AEFBQUFBQUFBQUFHa2xlYS1pbnRha2UtbG9jYWwtcmVjZWlwdA==",
    ]
    prefix = ("\r\n".join(ses_headers) + "\r\n").encode("utf-8")
    return prefix + msg.as_bytes(policy=policy.SMTP)
