"""Unit tests for build_claim_email, the SES-stored claim builder used by the demo and e2e tests."""

from __future__ import annotations

from datetime import UTC, datetime

from clea_intake.mail import build_claim_email, parse_inbound

PDF = b"%PDF-1.4\n%%EOF\n"
SENT = datetime(2026, 5, 2, 11, 0, tzinfo=UTC)


def build(**overrides):
    args = {
        "sender": "contact@formation-atlantique.fr",
        "attachments": [("CRE signé.pdf", PDF), ("RIB.png", b"\x89PNG\r\n\x1a\n")],
        "sent_at": SENT,
        "case_id": "NA-CLEA-2026-000123",
    }
    return build_claim_email(**(args | overrides))


def test_build_claim_email_same_arguments_identical_bytes():
    # Given the same arguments twice
    # When the message is built
    # Then the bytes are identical (scenarios replay identically)
    assert build() == build()
    assert build() != build(case_id="NA-CLEA-2026-000124")


def test_build_claim_email_ses_headers_come_first():
    # Given a built message
    raw = build(spam_verdict="GRAY", virus_verdict="FAIL")

    # When its header block is read
    head = raw.split(b"\r\n\r\n", 1)[0].decode()

    # Then the SES headers precede the sender's ones
    assert head.index("X-SES-Virus-Verdict: FAIL") < head.index("From: ")
    assert "X-SES-Spam-Verdict: GRAY" in head
    assert "Authentication-Results: amazonses.com;" in head


def test_build_claim_email_round_trip_through_parser():
    # Given a message with configured failing authentication and a plus-address
    raw = build(
        dmarc="fail", spf="softfail", dkim="none", plus_address=True, sender_name="Formation Atlantique"
    )

    # When it is parsed
    msg = parse_inbound(raw, max_attachments=5, max_attachment_bytes=10_000, max_total_bytes=10_000)

    # Then what was configured is what is read back
    assert (msg.dmarc, msg.spf, msg.dkim) == ("fail", "softfail", "none")
    assert msg.to_addresses == ["claims+NA-CLEA-2026-000123@inbound.example.fr"]
    assert msg.subject == "Demande de paiement - Réf. NA-CLEA-2026-000123"
    assert [(a.sanitised_filename, a.data) for a in msg.attachments] == [
        ("CRE signé.pdf", PDF),
        ("RIB.png", b"\x89PNG\r\n\x1a\n"),
    ]
    assert msg.from_address == "contact@formation-atlantique.fr"


def test_build_claim_email_different_verdicts_different_message_ids():
    # Given a legitimate and a spoofed copy of the same claim sent at the same time
    legitimate = build()
    spoofed = build(dmarc="fail")

    # When their Message-IDs are read
    ids = {
        parse_inbound(raw, max_attachments=5, max_attachment_bytes=10_000, max_total_bytes=10_000).message_id
        for raw in (legitimate, spoofed)
    }

    # Then they differ, so idempotency keys on the message never merge them
    assert len(ids) == 2
