"""E-mails built to hurt the MIME parser, as SES would store them: for the hostile-input tests and the bench.

Each builder returns the raw bytes of a message that is otherwise a plausible, authenticated claim (SES
verdicts PASS, DMARC aligned), so that only its structure can get it quarantined.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime

from clea_intake.mail.build import build_claim_email

SENDER = "contact@formation-atlantique.fr"
SENT_AT = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n% a claim piece\n"


def _envelope(case_id: str | None, *, subject: bytes | None = None, extra: bytes = b"",
              content_type: bytes = b"text/plain; charset=utf-8", body: bytes = b"Bonjour.\r\n") -> bytes:
    """The SES and sender headers of a genuine claim, with our own Subject, headers, type and body."""
    genuine = build_claim_email(sender=SENDER, attachments=[], sent_at=SENT_AT, case_id=case_id)
    head = genuine.split(b"\r\n\r\n", 1)[0]
    lines = []
    for line in head.split(b"\r\n"):
        if lines and line[:1] in (b" ", b"\t"):
            lines[-1] += b"\r\n" + line
        else:
            lines.append(line)
    keep = [h for h in lines if not h.lower().startswith(
        (b"content-type:", b"content-transfer-encoding:", b"mime-version:", b"subject:"))]
    if subject is None:
        subject = f"Demande de paiement - Réf. {case_id}".encode() if case_id else b"Demande de paiement"
    return (b"\r\n".join(keep) + b"\r\nSubject: " + subject + b"\r\n" + extra + b"MIME-Version: 1.0\r\n"
            b"Content-Type: " + content_type + b"\r\n\r\n" + body)


def many_parts(case_id: str | None, parts: int = 500) -> bytes:
    """A multipart/mixed of `parts` small PDF attachments."""
    body = b"".join(
        b"--P\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"p%d.pdf\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" % n + base64.encodebytes(PDF + b"%d" % n) for n in range(parts))
    return _envelope(case_id, content_type=b'multipart/mixed; boundary="P"', body=body + b"--P--\r\n")


def nested_multiparts(case_id: str | None, levels: int = 5000) -> bytes:
    """`levels` multiparts each inside the previous one, a PDF at the bottom."""
    opening = b"".join(b"--N%d\r\nContent-Type: multipart/mixed; boundary=\"N%d\"\r\n\r\n" % (n, n + 1)
                       for n in range(levels))
    leaf = b"--N%d\r\nContent-Type: application/pdf\r\n\r\n" % levels + PDF + b"\r\n"
    closing = b"".join(b"--N%d--\r\n" % n for n in range(levels, -1, -1))
    return _envelope(case_id, content_type=b'multipart/mixed; boundary="N0"', body=opening + leaf + closing)


def encoded_word_subject(case_id: str | None, words: int = 5000, *, folded: bool = True) -> bytes:
    """A Subject of `words` adjacent RFC 2047 words (with the reference first), folded or on one line."""
    reference = f"=?utf-8?q?R=C3=A9f=2E_{case_id}?=".encode() if case_id else b""
    separator = b"\r\n " if folded else b""
    subject = separator.join([reference, *(b"=?utf-8?q?=C3=A9?=" for _ in range(words))])
    return _envelope(case_id, subject=subject)


def oversized_header(case_id: str | None, size: int = 200_000) -> bytes:
    """A header of `size` bytes of plain words, folded as a mailer would fold it."""
    line = b"abcdefghij " * 7
    count = size // (len(line) + 3) + 1
    return _envelope(case_id, extra=b"X-Padding: " + b"\r\n ".join([line] * count) + b"\r\n")


def huge_base64_attachment(case_id: str | None, decoded: int = 26_000_000) -> bytes:
    """One base64 PDF attachment of `decoded` bytes once decoded (random bytes after the PDF header)."""
    data = PDF + os.urandom(decoded - len(PDF))
    body = (b"--H\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n"
            b"--H\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"cre.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data) + b"--H--\r\n")
    return _envelope(case_id, content_type=b'multipart/mixed; boundary="H"', body=body)


def many_lines(case_id: str | None, lines: int = 2_000_000) -> bytes:
    """A PDF attachment followed by `lines` empty lines: a few megabytes the parser reads a line at a time."""
    body = (b"--L\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"cre.pdf\"\r\n\r\n"
            + PDF + b"\n" * lines + b"--L--\r\n")
    return _envelope(case_id, content_type=b'multipart/mixed; boundary="L"', body=body)


def unclosed_html_comments(case_id: str | None, size: int = 400_000) -> bytes:
    """An HTML-only claim body of unclosed "<!--": html.parser's rescans make it quadratic."""
    return _envelope(case_id, content_type=b"text/html; charset=utf-8", body=b"<!--" * (size // 4) + b"\r\n")


# Malformed MIME: not over any limit, but nothing a parser should be trusted with.
def garbage() -> bytes:
    """Bytes that are no e-mail: NULs, control characters, no header."""
    return bytes(range(256)) * 64


def headers_without_sender() -> bytes:
    """Header lines broken by NULs and stray CRs, no From, a multipart whose boundary never occurs."""
    return (b"Subject: \x00\x00\r\nTo: \x01\rclaims@\x00\r\nContent-Type: multipart/mixed; boundary=\"never\"\r\n"
            b"\r\n--other\r\nContent-Type: application/pdf\r\n\r\n\x00\x00\r\n")


def unterminated_parts(case_id: str | None) -> bytes:
    """A claim whose multipart never closes and whose base64 stops mid-quantum, with no attachment name."""
    body = (b"--U\r\nContent-Type: multipart/alternative; boundary=\"V\"\r\n\r\n--V\r\nContent-Type: text/html\r\n"
            b"\r\n<p>Bonjour\r\n--U\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            b"UEsDBAoAAAAAA")
    return _envelope(case_id, content_type=b'multipart/mixed; boundary="U"', body=body)
