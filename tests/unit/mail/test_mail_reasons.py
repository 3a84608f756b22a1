"""Unit tests for the mail reason codes and their French sentences."""

from __future__ import annotations

import pytest

from clea_intake.mail import MailReason, reason_gloss, reason_message
from clea_intake.mail.reasons import REASONS

REQUIRED_CODES = {
    "MAIL_MALFORMED",
    "MAIL_VIRUS",
    "MAIL_SPAM",
    "MAIL_NOT_AUTHENTICATED",
    "MAIL_SENDER_NOT_EVALUATOR",
    "MAIL_SENDER_NOT_REGISTERED",
    "MAIL_NO_REFERENCE",
    "MAIL_AMBIGUOUS_REFERENCE",
    "MAIL_UNKNOWN_CASE",
    "MAIL_NO_ATTACHMENT",
    "MAIL_TOO_MANY_ATTACHMENTS",
    "MAIL_ATTACHMENT_TOO_LARGE",
    "MAIL_ARCHIVE_ATTACHMENT",
}


def test_mail_reason_required_codes_exist_with_stable_values():
    # Given the codes ops and outside scripts rely on
    # Then each exists and its value is its name
    values = {code.value for code in MailReason}
    assert REQUIRED_CODES <= values
    assert all(code.value == code.name for code in MailReason)


@pytest.mark.parametrize("code", list(MailReason))
def test_reason_message_every_code_french_sentence_and_english_gloss(code):
    # Given any reason code
    # When its texts are asked for
    french, english = reason_message(code), reason_gloss(code.value)

    # Then both are full sentences and differ
    assert code in REASONS
    assert french.endswith(".") and english.endswith(".")
    assert french != english


def test_reason_message_unknown_code_key_error():
    # Given a code that does not exist
    # When its message is asked for
    # Then a KeyError names it
    with pytest.raises(KeyError, match="MAIL_NOPE"):
        reason_message("MAIL_NOPE")
