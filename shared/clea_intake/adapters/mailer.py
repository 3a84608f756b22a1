"""SES: send a composed e-mail (text, HTML and attachments) as one raw MIME message."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from clea_intake.adapters.clients import client


def to_mime(sender: str, to: list[str], subject: str, text: str, html: str,
            attachments: list[tuple[str, str, bytes]], reply_to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.split("@")[-1])
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    return message


def send(message: EmailMessage) -> str:
    response = client("ses").send_raw_email(RawMessage={"Data": message.as_bytes()})
    return response["MessageId"]


class SesMailer:
    """The mailer port on Amazon SES: compose the MIME message, send it raw (looked up at each call)."""

    def to_mime(self, *args, **kwargs) -> EmailMessage:
        return to_mime(*args, **kwargs)

    def send(self, message: EmailMessage) -> str:
        return send(message)
