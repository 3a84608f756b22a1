"""Unit tests for finding case references in subjects and plus-addresses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clea_intake.mail import build_claim_email, find_references, message_references, parse_inbound

REF = "NA-CLEA-2026-000123"


@pytest.mark.parametrize(
    "subject",
    [
        "NA-CLEA-2026-000123",
        "Demande de paiement - Réf. NA-CLEA-2026-000123",
        "TR: Fwd: réf : na-clea-2026-000123 (CRE + attestation)",
        "na_clea_2026_000123",
        "NA CLEA 2026 000123",
        "NA\u00a0CLEA\u00a02026\u00a0000123",
        "NA–CLÉA–2026–000123",
        "Dossier NACLEA2026000123",
        "Ref.NA.CLEA.2026.000123",
    ],
)
def test_find_references_tolerant_subject_canonical_reference(subject):
    # Given a subject writing the reference in one of the ways people do
    # When references are searched
    # Then the canonical reference is found once
    assert find_references(subject, []) == [REF]


@pytest.mark.parametrize(
    "subject",
    [
        "",
        "Demande de paiement",
        "NA-CLEA-2026-12345",  # five digits
        "NA-CLEA-2026-0001234",  # seven digits
        "XNA-CLEA-2026-000123",  # part of another token
        "NA-CLEO-2026-000123",
    ],
)
def test_find_references_no_valid_reference_empty(subject):
    # Given a subject without a well-formed reference
    # When references are searched
    # Then none is found
    assert find_references(subject, []) == []


def test_find_references_plus_address_found():
    # Given no reference in the subject but one in the recipient's plus-address
    recipients = ["claims+NA-CLEA-2026-000123@inbound.example.fr", "autre@example.fr"]

    # When references are searched
    # Then the plus-address gives it
    assert find_references("pièces jointes", recipients) == [REF]


def test_find_references_reference_outside_plus_tag_ignored():
    # Given a reference in an address's domain-like part but not in a plus-tag
    # When references are searched
    # Then it is not taken (only the plus-tag carries a reference)
    assert find_references("", ["na-clea-2026-000123@example.fr"]) == []


def test_find_references_same_reference_twice_counted_once():
    # Given the same reference in subject and plus-address
    # When references are searched
    found = find_references(f"Réf. {REF}", [f"claims+{REF.lower()}@inbound.example.fr"])

    # Then it is one reference
    assert found == [REF]


def test_find_references_two_distinct_references_both_returned():
    # Given two different references (the caller will call it ambiguous)
    # When references are searched
    found = find_references("NA-CLEA-2026-000123 et NA-CLEA-2026-000124", ["claims+NA-CLEA-2025-000001@x.fr"])

    # Then all are returned in order of appearance
    assert found == ["NA-CLEA-2026-000123", "NA-CLEA-2026-000124", "NA-CLEA-2025-000001"]


def test_message_references_built_plus_address_message_found():
    # Given a claim e-mail addressed to the plus-address, with a subject without reference
    raw = build_claim_email(
        sender="contact@formation-atlantique.fr",
        attachments=[("cre.pdf", b"%PDF-1.4")],
        sent_at=datetime(2026, 5, 2, tzinfo=UTC),
        case_id=REF,
        subject="Pièces pour paiement",
        plus_address=True,
    )
    msg = parse_inbound(raw, max_attachments=5, max_attachment_bytes=10_000, max_total_bytes=10_000)

    # When references are searched in the parsed message
    # Then the plus-address reference is found
    assert message_references(msg) == [REF]
