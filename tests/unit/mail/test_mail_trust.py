"""Unit tests for assess_trust (registered senders only) and the organisational-domain rule (Public Suffix List)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clea_intake.mail import MailReason, assess_trust, build_claim_email, parse_inbound
from clea_intake.mail.trust import domains_aligned, organisational_domain

PDF = b"%PDF-1.4\n%%EOF\n"
SENT = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)
EVALUATOR = ["contact@formation-atlantique.fr"]


def claim(sender: str = "contact@formation-atlantique.fr", **verdicts: str):
    raw = build_claim_email(
        sender=sender, attachments=[("cre.pdf", PDF)], sent_at=SENT, case_id="NA-CLEA-2026-000123", **verdicts
    )
    return parse_inbound(raw, max_attachments=10, max_attachment_bytes=1_000_000, max_total_bytes=5_000_000)


def test_assess_trust_clean_authenticated_registered_address_accepted():
    # Given a clean, DMARC-passing message from the evaluator's registered address
    # When its trust is assessed
    verdict = assess_trust(claim(), EVALUATOR)

    # Then it is accepted without reason
    assert verdict.accepted and verdict.reason is None and verdict.message_fr is None


def test_assess_trust_registered_address_matches_whatever_its_case():
    # Given the registered address written in other letter cases
    # When assessed
    verdict = assess_trust(claim(sender="Contact@Formation-Atlantique.FR"), [" CONTACT@formation-atlantique.fr "])

    # Then it is the same mailbox
    assert verdict.accepted


@pytest.mark.parametrize("sender", ["paiement@formation-atlantique.fr", "compta@mail.formation-atlantique.fr"])
def test_assess_trust_other_mailbox_of_the_evaluators_domain_never_trusted(sender):
    # Given an authenticated message from another mailbox (or a subdomain) of the evaluator's domain
    # When assessed
    verdict = assess_trust(claim(sender=sender), EVALUATOR)

    # Then it is held for a person with its own reason, never accepted
    assert not verdict.accepted and verdict.reason == MailReason.MAIL_SENDER_NOT_REGISTERED
    assert "enregistrée" in verdict.message_fr


def test_assess_trust_other_mailbox_of_a_shared_provider_never_trusted():
    # Given an evaluator registered as formation.cote@gmx.net and a DMARC-passing claim from escroc.123@gmx.net
    # When assessed
    verdict = assess_trust(claim(sender="escroc.123@gmx.net"), ["formation.cote@gmx.net"])

    # Then the claim is not trusted: a shared provider's domain says nothing of who writes
    assert not verdict.accepted and verdict.reason == MailReason.MAIL_SENDER_NOT_REGISTERED


def test_assess_trust_two_sites_under_one_private_public_suffix_are_two_organisations():
    # Given an evaluator at formation.github.io and a claim from escroc.github.io (github.io is on the PSL)
    # When assessed
    verdict = assess_trust(claim(sender="contact@escroc.github.io"), ["contact@formation.github.io"])

    # Then the sender is not the evaluator at all
    assert verdict.reason == MailReason.MAIL_SENDER_NOT_EVALUATOR


def test_assess_trust_any_registered_address_of_the_record_is_trusted():
    # Given an evaluator record with two registered addresses
    registered = ["contact@formation-atlantique.fr", "factures@formation-atlantique.fr"]
    # When the second one writes
    verdict = assess_trust(claim(sender="factures@formation-atlantique.fr"), registered)
    # Then it is accepted
    assert verdict.accepted


@pytest.mark.parametrize(
    ("verdicts", "reason"),
    [
        ({"virus_verdict": "FAIL"}, MailReason.MAIL_VIRUS),
        ({"virus_verdict": "GRAY"}, MailReason.MAIL_NOT_SCANNED),
        ({"virus_verdict": "PROCESSING_FAILED"}, MailReason.MAIL_NOT_SCANNED),
        ({"spam_verdict": "FAIL"}, MailReason.MAIL_SPAM),
        ({"dmarc": "fail"}, MailReason.MAIL_NOT_AUTHENTICATED),
        ({"dmarc": "none"}, MailReason.MAIL_NOT_AUTHENTICATED),
        ({"dmarc_header_from": "evil.example"}, MailReason.MAIL_NOT_AUTHENTICATED),
        ({"virus_verdict": "FAIL", "dmarc": "fail"}, MailReason.MAIL_VIRUS),
    ],
)
def test_assess_trust_failed_check_quarantined_with_reason(verdicts, reason):
    # Given a message failing one check (or several: the most dangerous is reported)
    # When assessed
    verdict = assess_trust(claim(**verdicts), EVALUATOR)

    # Then it is quarantined with that reason and a French sentence
    assert not verdict.accepted
    assert verdict.reason == reason
    assert verdict.message_fr


@pytest.mark.parametrize("spam", ["GRAY", "PROCESSING_FAILED"])
def test_assess_trust_spam_not_fail_accepted(spam):
    # Given an authenticated message whose spam verdict is uncertain but not FAIL
    # When assessed
    verdict = assess_trust(claim(spam_verdict=spam), EVALUATOR)

    # Then it is accepted: DMARC alignment is the real gate
    assert verdict.accepted


def test_assess_trust_missing_virus_header_not_scanned():
    # Given a message without any SES header (it did not go through SES)
    raw = b"From: contact@formation-atlantique.fr\r\nSubject: NA-CLEA-2026-000123\r\n\r\nhello\r\n"
    msg = parse_inbound(raw, max_attachments=5, max_attachment_bytes=10, max_total_bytes=10)

    # When assessed
    verdict = assess_trust(msg, EVALUATOR)

    # Then it is quarantined as not scanned
    assert verdict.reason == MailReason.MAIL_NOT_SCANNED


@pytest.mark.parametrize(
    "sender",
    [
        "contact@formation-atlantique.com",
        "contact@formation-atlantique.fr.evil.example",
        "contact@autre-organisme.fr",
        "formation-atlantique.fr@gmail.com",
    ],
)
def test_assess_trust_other_domain_sender_not_evaluator(sender):
    # Given an authenticated message from a domain that is not the evaluator's (incl. look-alikes)
    # When assessed
    verdict = assess_trust(claim(sender=sender), EVALUATOR)

    # Then it is quarantined as not from the evaluator
    assert verdict.reason == MailReason.MAIL_SENDER_NOT_EVALUATOR


def test_assess_trust_no_registered_evaluator_email_quarantined():
    # Given a case without a registered evaluator e-mail
    # When assessed
    verdict = assess_trust(claim(), [])

    # Then nothing can be aligned and the message is quarantined
    assert verdict.reason == MailReason.MAIL_SENDER_NOT_EVALUATOR


def test_assess_trust_freemail_evaluator_requires_exact_address():
    # Given an evaluator registered with a shared-provider address
    evaluator = ["Formation.Dupont@gmail.com"]

    # When the same mailbox and another gmail.com mailbox write
    same = assess_trust(claim(sender="formation.dupont@gmail.com"), evaluator)
    other = assess_trust(claim(sender="fraudeur@gmail.com"), evaluator)

    # Then only the registered mailbox is trusted
    assert same.accepted
    assert other.reason == MailReason.MAIL_SENDER_NOT_REGISTERED


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("formation-atlantique.fr", "formation-atlantique.fr"),
        ("mail.formation-atlantique.fr", "formation-atlantique.fr"),
        ("a.b.c.formation.com", "formation.com"),
        ("mail.training.co.uk", "training.co.uk"),
        ("training.co.uk", "training.co.uk"),
        ("smtp.greta.asso.fr", "greta.asso.fr"),
        ("MAIL.Formation-Atlantique.FR.", "formation-atlantique.fr"),
        ("mail.formation-é.fr", "xn--formation--k7a.fr"),
        ("escroc.github.io", "escroc.github.io"),
        ("a.b.example.blogspot.com", "example.blogspot.com"),
    ],
)
def test_organisational_domain_suffix_rules_registrable_domain(domain, expected):
    # Given a host name
    # When its organisational domain is computed
    # Then it is the registrable domain under the (possibly two-level) public suffix
    assert organisational_domain(domain) == expected


def test_domains_aligned_distinct_co_uk_registrants_not_aligned():
    # Given two different organisations under co.uk
    # Then they are not aligned, while a subdomain of one is
    assert not domains_aligned("alpha.co.uk", "beta.co.uk")
    assert domains_aligned("mx.alpha.co.uk", "alpha.co.uk")
