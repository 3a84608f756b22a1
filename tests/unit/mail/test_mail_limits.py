"""Unit tests for the structure scan run on a raw e-mail before the standard-library parser sees it."""

from __future__ import annotations

import base64
import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from clea_intake.domain.policy import current_policy
from clea_intake.mail import MailReason, MessageOverLimit, build_claim_email, parse_inbound
from clea_intake.mail.limits import scan_message
from clea_intake.samples import hostile_mail

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"
LIMITS = current_policy().mail
CASE = "NA-CLEA-2026-000123"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SENT = datetime(2026, 5, 2, 11, 0, tzinfo=UTC)


def _code(raw: bytes, **overrides: int) -> MailReason | None:
    breach = scan_message(raw, LIMITS.model_copy(update=overrides))
    return breach.code if breach else None


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.eml")))
def test_scan_real_mailer_messages_are_within_the_policy(fixture):
    # Given a message as a real mailer wrote it (forward, RFC 2231 names, signature, broken boundary, 8-bit)
    raw = (FIXTURES / fixture).read_bytes()
    # When it is scanned, then no limit is crossed
    assert _code(raw) is None


def test_scan_claim_with_twenty_attachments_is_within_the_policy():
    # Given a genuine claim with twenty PDF attachments with accented names
    raw = build_claim_email(sender="a@formation-atlantique.fr", sent_at=SENT, case_id=CASE,
                            attachments=[(f"pièce n°{n} déclarée.pdf", PDF) for n in range(20)])
    # When it is scanned, then no limit is crossed
    assert _code(raw) is None


@pytest.mark.parametrize(("build", "reason"), [
    (lambda: hostile_mail.many_parts(CASE, 500), MailReason.MAIL_TOO_MANY_PARTS),
    (lambda: hostile_mail.nested_multiparts(CASE, 5000), MailReason.MAIL_TOO_DEEP),
    (lambda: hostile_mail.encoded_word_subject(CASE, 5000), MailReason.MAIL_TOO_MANY_ENCODED_WORDS),
    (lambda: hostile_mail.encoded_word_subject(CASE, 12000, folded=False), MailReason.MAIL_HEADER_TOO_LARGE),
    (lambda: hostile_mail.oversized_header(CASE, 200_000), MailReason.MAIL_HEADER_TOO_LARGE),
    (lambda: hostile_mail.huge_base64_attachment(CASE, 26_000_000), MailReason.MAIL_DECODED_TOO_LARGE),
    (lambda: hostile_mail.many_lines(CASE, 2_000_000), MailReason.MAIL_TOO_MANY_LINES),
], ids=["500_parts", "5000_nested", "5000_encoded_words", "160kb_subject_line", "200kb_header", "26mb_base64",
        "2m_empty_lines"])
def test_scan_hostile_message_crosses_its_limit(build, reason):
    # Given a message built to cost the MIME parser far more than its size
    # When it is scanned, then the limit it crosses is named
    assert _code(build()) == reason


def _tree(shape: list) -> EmailMessage:
    """A message whose parts follow `shape`: a list is a multipart of its items, "m" a forwarded message."""
    msg = EmailMessage()
    msg["From"] = "a@b.fr"
    _fill(msg, shape)
    return msg


def _fill(msg: EmailMessage, shape) -> None:
    if isinstance(shape, list):
        msg.make_mixed()
        for item in shape:
            sub = EmailMessage()
            _fill(sub, item)
            msg.attach(sub)
    elif shape == "m":
        inner = EmailMessage()
        inner["Subject"] = "transféré"
        inner.set_content("corps")
        msg.set_content(inner)
    else:
        msg.set_content(PDF, maintype="application", subtype="pdf", filename="p.pdf")


def _depth(part, level: int = 0) -> int:
    children = part.get_payload() if part.is_multipart() else []
    return max([level, *(_depth(c, level + 1) for c in children)])


@pytest.mark.parametrize("shape", [
    ["pdf"], ["pdf", "pdf", ["pdf", ["pdf", "pdf"]]], [["m", "pdf"], "m"], [[[[["pdf"]]]]], ["m", ["m", ["m"]]],
], ids=["flat", "nested", "forwarded", "deep", "forwards_in_multiparts"])
@pytest.mark.parametrize("ending", [b"\r\n", b"\n", b"\r"], ids=["crlf", "lf", "cr"])
def test_scan_counts_parts_and_depth_as_the_standard_parser_builds_them(shape, ending):
    # Given a message of a known structure, with any of the line endings the parser accepts
    raw = _tree(shape).as_bytes(policy=email.policy.SMTP).replace(b"\r\n", ending)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    parts, depth = len(list(parsed.walk())), _depth(parsed)
    # When it is scanned with limits at exactly its part count and depth, then it passes
    assert _code(raw, max_parts=parts, max_depth=depth) is None
    # and one part or one level fewer is crossed
    assert _code(raw, max_parts=parts - 1) == MailReason.MAIL_TOO_MANY_PARTS
    if depth:
        assert _code(raw, max_depth=depth - 1) == MailReason.MAIL_TOO_DEEP


@pytest.mark.parametrize("declared", [
    b'boundary*0="N"; boundary*1="%d"', b"boundary*=us-ascii''N%%%d", b'boundary="=?us-ascii?q?N%d?="',
    b"boundary=N%d", b'BOUNDARY = "N%d" (a comment-free spacing)',
], ids=["rfc2231_pieces", "rfc2231_encoded", "rfc2047_word", "token", "upper_case_spaced"])
def test_scan_follows_a_boundary_however_it_is_declared(declared):
    # Given 40 nested multiparts whose boundaries are declared the way the parser also reads them
    levels = 40
    if b"%%" in declared:
        declared = declared.replace(b"%%%d", b"%d")  # percent-encoding of nothing: the plain digits
    opening = b"".join(b"--N%d\r\nContent-Type: multipart/mixed; " % n + declared % (n + 1) + b"\r\n\r\n"
                       for n in range(levels))
    raw = (b"From: a@b.fr\r\nContent-Type: multipart/mixed; boundary=N0\r\n\r\n" + opening
           + b"--N%d\r\nContent-Type: text/plain\r\n\r\nfin\r\n" % levels
           + b"".join(b"--N%d--\r\n" % n for n in range(levels, -1, -1)))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert _depth(parsed) == levels + 1  # the parser does follow them
    # When it is scanned, then the nesting is seen
    assert _code(raw) == MailReason.MAIL_TOO_DEEP


def test_scan_dash_lines_that_are_no_boundary_are_not_parts():
    # Given a text body full of separator lines, and a boundary that is a prefix of them
    body = b"--B\r\nContent-Type: text/plain\r\n\r\n" + b"--Bx\r\n-----Original Message-----\r\n--\r\n" * 3000
    raw = b"From: a@b.fr\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" + body + b"--B--\r\n"
    # When it is scanned, then it is one body part, within the limits
    assert _code(raw) is None


def test_parse_inbound_forwarded_message_in_base64_over_a_limit_is_refused():
    # Given a claim whose forwarded message, base64-encoded, nests 5,000 multiparts
    inner = hostile_mail.nested_multiparts(CASE, 5000)
    assert _code(inner) == MailReason.MAIL_TOO_DEEP
    raw = (b"From: a@formation-atlantique.fr\r\nSubject: Fwd\r\nContent-Type: multipart/mixed; boundary=F\r\n\r\n"
           b"--F\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(inner) + b"--F--\r\n")
    assert _code(raw) is None  # the outer message alone is within the limits
    # When it is parsed, then the inner message is scanned before it is parsed, and refused
    with pytest.raises(MessageOverLimit) as refused:
        parse_inbound(raw, max_attachments=20, max_attachment_bytes=10**7, max_total_bytes=10**7)
    assert refused.value.code == MailReason.MAIL_TOO_DEEP


@pytest.mark.parametrize(("header", "reason"), [
    (b"To: " + b"a@b.fr, " * 1000 + b"\r\n", None),
    (b"Subject: " + b"x" * 9000 + b"\r\n", MailReason.MAIL_HEADER_TOO_LARGE),
    (b"Subject: " + b"x " * 3000 + b"\r\n" + b"Content-ID: " + b"y" * 6000 + b"\r\n" + b"Date: " + b"z" * 6000
     + b"\r\nMessage-ID: " + b"w" * 6000 + b"\r\nAuthentication-Results: " + b"v" * 6000 + b"\r\n"
     + b"X-SES-Spam-Verdict: " + b"u" * 6000 + b"\r\n", MailReason.MAIL_HEADER_TOO_LARGE),
    (b'Content-Disposition: attachment; filename="' + b";" * 40 + b'"\r\n', MailReason.MAIL_HEADER_TOO_LARGE),
    (b"References: " + b"<a@b.fr>\r\n " * 3000 + b"\r\n", None),
], ids=["1000_recipients", "long_subject", "parsed_fields_in_all", "semicolons_in_a_name", "long_references"])
def test_scan_bounds_the_fields_the_structured_parser_reads(header, reason):
    # Given a header the structured parser would read (or one it never reads)
    raw = b"From: a@b.fr\r\n" + header + b"Content-Type: text/plain\r\n\r\nBonjour\r\n"
    # When it is scanned, then only the fields it reads are held to their bounds
    assert _code(raw) == reason


def test_scan_message_boundary_section_of_thousands_of_digits_is_no_error():
    # Given a boundary given in RFC 2231 sections, one numbered with 4,301 digits (past int()'s limit, within
    # the field limit): found by mutating messages at random
    raw = (b"From: a@example.fr\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary*" + b"1" * 4301 + b"=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n")
    # When its limits are scanned
    # Then it is within them, and nothing is raised
    assert scan_message(raw, current_policy().mail) is None
