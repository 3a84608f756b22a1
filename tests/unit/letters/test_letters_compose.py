"""compose(): recipient, subject, escaped HTML, French values and attachments of every notice kind."""

from __future__ import annotations

import re
from datetime import date
from typing import get_args

import pytest

from clea_intake.letters.compose import NoticeKind, compose
from clea_intake.letters.content import NoticeContextError
from clea_intake.letters.models import MissingPiece, Reason

REFERENCE = "NA-CLEA-2026-000123"
APPLICANT_EMAIL = "lea.martin@example.fr"
EVALUATOR_EMAIL = "contact@formation-atlantique.fr"
ALL_KINDS = get_args(NoticeKind)
TO_APPLICANT = (
    "acknowledgement",
    "incomplete",
    "award_beneficiary",
    "refusal",
    "withdrawal",
    "document_request",
)
TO_EVALUATOR = (
    "arrete_evaluator",
    "claim_received",
    "claim_incomplete",
    "payment_ordered",
    "closed_unpaid",
    "lapsed",
)
CLAIM_KINDS = ("arrete_evaluator", "claim_received", "claim_incomplete")
SCRIPT = "<script>alert('x')</script>"


def _html_text(html: str) -> str:
    """The HTML's visible text, roughly: tags dropped, the few entities we emit decoded."""
    text = re.sub(r"<[^>]+>", " ", html)
    for entity, char in (("&#x27;", "'"), ("&quot;", '"'), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return " ".join(text.split())


def _squeezed(text: str) -> str:
    """Text without the spaces and colons that differ between a table cell and a "label : value" line."""
    return re.sub(r"[\s:]+", "", text).lower()


def test_notice_kinds_split_between_applicant_and_evaluator():
    # Given the contract's list of kinds
    # When it is compared with the two recipient groups of these tests
    # Then every kind is covered exactly once
    assert sorted(TO_APPLICANT + TO_EVALUATOR) == sorted(ALL_KINDS)


@pytest.mark.parametrize("kind", TO_APPLICANT)
def test_compose_applicant_kind_goes_to_applicant_only(context, kind):
    # Given a complete context
    # When an applicant notice is composed
    email = compose(kind, context())
    # Then it is addressed to the applicant alone
    assert email.to == [APPLICANT_EMAIL]


@pytest.mark.parametrize("kind", TO_EVALUATOR)
def test_compose_evaluator_kind_goes_to_evaluator_only(context, kind):
    # Given a complete context
    # When an evaluator notice is composed
    email = compose(kind, context())
    # Then it is addressed to the evaluator alone
    assert email.to == [EVALUATOR_EMAIL]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_compose_any_kind_subject_starts_with_bracketed_reference(context, kind):
    # Given a case reference
    # When any notice is composed
    email = compose(kind, context())
    # Then the subject starts with the bracketed reference the inbound matcher looks for, on one line
    assert email.subject.startswith(f"[{REFERENCE}] ")
    assert "\n" not in email.subject and "\r" not in email.subject


def test_compose_award_subject_matches_the_agreed_wording(context):
    # Given an awarded case
    # When the beneficiary's notice is composed
    email = compose("award_beneficiary", context())
    # Then the subject is the one the other pieces expect
    assert email.subject == f"[{REFERENCE}] Votre demande d'aide CléA a été acceptée"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_compose_script_in_every_caller_value_is_escaped_in_html(context, kind):
    # Given caller values that carry markup
    ctx = context(
        applicant_name=f"Léa {SCRIPT}",
        evaluator_name=f"Atlantique {SCRIPT}",
        note=f"Note {SCRIPT}",
        requested_document=f"Document {SCRIPT}",
        reasons=[Reason(code=f"CODE{SCRIPT}", message=f"Motif {SCRIPT}")],
        missing=[MissingPiece(piece=f"Pièce {SCRIPT}", message=f"Raison {SCRIPT}")],
    )
    # When the notice is composed
    email = compose(kind, ctx)
    # Then no caller markup reaches the HTML as markup, only as escaped text
    assert "<script" not in email.html.lower()
    assert "&lt;script&gt;" in email.html


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_compose_any_kind_html_is_a_french_document_with_inline_styles(context, kind):
    # Given a complete context
    # When a notice is composed
    email = compose(kind, context())
    # Then the HTML declares French and UTF-8, and uses no stylesheet that mail clients would drop
    assert email.html.startswith('<!DOCTYPE html><html lang="fr">')
    assert '<meta charset="utf-8">' in email.html
    assert "<style" not in email.html and "<link" not in email.html


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_compose_any_kind_text_and_html_say_the_same(context, kind):
    # Given a complete context
    # When a notice is composed
    email = compose(kind, context())
    # Then every line of the text part appears in the HTML's visible text (layout aside)
    html_text = _squeezed(_html_text(email.html))
    for line in email.text.splitlines():
        words = line.strip().removeprefix("- ").strip()
        if words and words != "--":
            assert _squeezed(words) in html_text, words


def test_compose_award_states_amount_and_dates_in_french(context):
    # Given an award of 450 € for an evaluation from 13 to 24 April 2026
    # When the beneficiary's notice is composed
    email = compose("award_beneficiary", context())
    # Then the amount and the dates are written the French way in both parts
    for part in (email.text, _html_text(email.html)):
        assert "450,00 €" in part
        assert "du 13 avril 2026 au 24 avril 2026" in part
        assert "CléA Socle" in part and "évaluation initiale" in part
    # and the HTML never breaks the amount between its figures and its sign
    assert '<span style="white-space:nowrap;">450,00 €</span>' in email.html


def test_compose_numerique_final_uses_its_labels(context):
    # Given a final evaluation of CléA Numérique
    ctx = context(certification="clea_numerique", evaluation="final")
    # When the acknowledgement is composed
    email = compose("acknowledgement", ctx)
    # Then its labels are the certificate's and the evaluation's
    assert "CléA Numérique" in email.text and "évaluation finale" in email.text
    assert "CléA Socle" not in email.text


def test_compose_award_attaches_the_decision_letter(context, extract_text):
    # Given an awarded case
    # When the beneficiary's notice is composed
    email = compose("award_beneficiary", context())
    # Then the award letter is attached as a PDF carrying the reference and the amount
    [attachment] = email.attachments
    assert attachment.content_type == "application/pdf"
    assert attachment.filename == f"{REFERENCE}-decision-attribution.pdf"
    text = extract_text(attachment.data)
    assert REFERENCE in text and "450,00 €" in text


def test_compose_arrete_attaches_the_arrete_with_its_annexes(context, extract_text):
    # Given an awarded case
    # When the evaluator's notice is composed
    email = compose("arrete_evaluator", context())
    # Then the arrêté is attached, with both forms to fill in
    [attachment] = email.attachments
    assert attachment.filename == f"{REFERENCE}-arrete-attributif.pdf"
    text = extract_text(attachment.data)
    assert "ARRÊTÉ ATTRIBUTIF" in text
    assert "Compte rendu d'exécution (CRE)" in text
    assert "Attestation des heures réalisées en centre" in text


def test_compose_refusal_attaches_the_refusal_letter_with_codes(context, extract_text):
    # Given a case refused for two reasons
    # When the refusal notice is composed
    email = compose("refusal", context())
    # Then the refusal letter is attached and names both reason codes
    [attachment] = email.attachments
    assert attachment.filename == f"{REFERENCE}-decision-refus.pdf"
    text = extract_text(attachment.data)
    assert "NOT_RESIDENT" in text and "LATE_COMPLETION" in text


@pytest.mark.parametrize(
    "kind", [k for k in ALL_KINDS if k not in ("award_beneficiary", "arrete_evaluator", "refusal")]
)
def test_compose_kind_without_decision_attaches_nothing(context, kind):
    # Given a complete context
    # When a notice that is not a decision is composed
    email = compose(kind, context())
    # Then nothing is attached
    assert email.attachments == []


@pytest.mark.parametrize("kind", CLAIM_KINDS)
def test_compose_claim_notice_asks_for_cre_hours_and_recent_rib_with_reference(context, kind):
    # Given an awarded case
    # When a claim-related notice is composed for the evaluator
    email = compose(kind, context())
    # Then it names the three pieces, the RIB's age limit and the reference to keep in the subject
    assert "compte rendu d'exécution (CRE)" in email.text
    assert "attestation des heures réalisées en centre" in email.text
    assert "RIB" in email.text and "moins de 3 mois" in email.text
    assert f"référence [{REFERENCE}]" in email.text
    assert "sans modifier son objet" in email.text


def test_compose_arrete_states_the_claim_deadline(context):
    # Given a claim deadline of 24 October 2026
    # When the arrêté notice is composed
    email = compose("arrete_evaluator", context())
    # Then the deadline and its consequence are stated
    assert "24 octobre 2026" in email.text
    assert "caduque" in email.text


def test_compose_refusal_lists_each_reason_with_its_code_and_how_to_contest(context):
    # Given a case refused for two reasons
    # When the refusal notice is composed
    email = compose("refusal", context())
    # Then each reason appears with its code, and the appeal routes are given
    assert "Votre adresse est située hors de la région (Paris). (motif : NOT_RESIDENT)" in email.text
    assert "(motif : LATE_COMPLETION)" in email.text
    assert "pour les motifs suivants" in email.text
    assert "recours gracieux" in email.text and "deux mois" in email.text
    assert "tribunal administratif de Bordeaux" in email.text


def test_compose_refusal_single_reason_uses_singular(context):
    # Given a case refused for one reason
    ctx = context(reasons=[Reason(code="DUPLICATE_AID", message="Une aide a déjà été attribuée.")])
    # When the refusal notice is composed
    email = compose("refusal", ctx)
    # Then the sentence is in the singular
    assert "pour le motif suivant" in email.text


def test_compose_incomplete_lists_each_piece_with_why(context):
    # Given two pieces that cannot be accepted
    # When the incomplete notice is composed
    email = compose("incomplete", context())
    # Then each is listed with its reason, in both parts
    for part in (email.text, _html_text(email.html)):
        assert "Justificatif de domicile : Il date de plus de 3 mois." in part
        assert "Pièce d'identité : Elle a expiré le 1er janvier 2026." in part


def test_compose_incomplete_gives_completeness_deadline_from_policy(context):
    # Given an evaluation starting on 13 April 2026 and the policy's 21 days
    # When the incomplete notice is composed
    email = compose("incomplete", context())
    # Then the applicant is told the last day to complete the file
    assert "au plus tard le 23 mars 2026, soit 21 jours" in email.text
    assert "déjà passée" not in email.text


def test_compose_acknowledgement_after_deadline_says_it_has_passed(context):
    # Given an application acknowledged less than 21 days before the evaluation
    ctx = context(sent_on=date(2026, 4, 1))
    # When the acknowledgement is composed
    email = compose("acknowledgement", ctx)
    # Then it says the completeness date has already passed
    assert "Cette date est déjà passée." in email.text


def test_compose_withdrawal_gives_the_staff_note_and_the_date(context):
    # Given a withdrawal with a note from the operations staff
    # When the withdrawal notice is composed
    email = compose("withdrawal", context())
    # Then the applicant reads the note and the date of the withdrawal
    assert "Motif du retrait : Demande de retrait de l'intéressée du 1er mars 2026" in email.text
    assert "retirée le 2 mars 2026" in email.text


def test_compose_document_request_names_the_document(context):
    # Given a request for another document
    # When the notice is composed
    email = compose("document_request", context())
    # Then the document is named
    assert "Attestation d'inscription à France Travail" in email.text


def test_compose_payment_ordered_gives_amount_in_subject_and_hours(context):
    # Given a claim of 10 hours paid 450 €
    # When the payment notice is composed
    email = compose("payment_ordered", context())
    # Then the amount is in the subject and the hours in the body
    assert email.subject == f"[{REFERENCE}] Versement de l'aide CléA ordonné : 450,00 €"
    assert "10 heures" in email.text


def test_compose_lapsed_gives_the_deadline_that_passed(context):
    # Given an award whose claim deadline passed
    # When the lapse notice is composed
    email = compose("lapsed", context())
    # Then the evaluator reads which deadline passed
    assert "avant le 24 octobre 2026" in email.text


def test_compose_closed_unpaid_explains_zero_hours(context):
    # Given a claim attesting 0 hours
    # When the closing notice is composed
    email = compose("closed_unpaid", context(hours=0))
    # Then the evaluator reads why nothing is paid
    assert "0 heure réalisée" in email.text
    assert "clos sans versement" in email.text


@pytest.mark.parametrize(
    ("kind", "overrides"),
    [
        ("refusal", {"reasons": []}),
        ("incomplete", {"missing": []}),
        ("claim_incomplete", {"missing": []}),
        ("award_beneficiary", {"amount_eur": None}),
        ("arrete_evaluator", {"amount_eur": None}),
        ("payment_ordered", {"amount_eur": None}),
        ("document_request", {"requested_document": None}),
    ],
)
def test_compose_context_missing_what_the_kind_needs_raises(context, kind, overrides):
    # Given a context without what this notice must state
    ctx = context(**overrides)
    # When the notice is composed
    # Then it is refused rather than sent half-written
    with pytest.raises(NoticeContextError):
        compose(kind, ctx)


def test_compose_address_with_header_injection_raises(context):
    # Given an e-mail address that smuggles a second header
    ctx = context(applicant_email="lea@example.fr\nBcc: other@example.org")
    # When a notice to the applicant is composed
    # Then it is refused
    with pytest.raises(NoticeContextError):
        compose("acknowledgement", ctx)


def test_compose_newline_in_reference_stays_out_of_subject(context):
    # Given a reference with a line break in it
    ctx = context(case_id="NA-CLEA-2026-000123\r\nBcc: other@example.org")
    # When a notice is composed
    email = compose("acknowledgement", ctx)
    # Then the subject is still one line
    assert "\n" not in email.subject and "\r" not in email.subject


def test_compose_same_context_twice_gives_identical_email(context):
    # Given one context
    ctx = context()
    # When the award notice is composed twice
    first, second = compose("arrete_evaluator", ctx), compose("arrete_evaluator", ctx)
    # Then both are byte for byte the same (no clock, no randomness), attachment included
    assert first == second


@pytest.mark.parametrize("kind", ["refusal", "closed_unpaid", "lapsed"])
def test_compose_adverse_decision_tells_how_to_contest(context, kind):
    # Given a decision against the applicant or the evaluator
    # When its notice is composed
    email = compose(kind, context())
    # Then the appeal routes and their delay are given
    assert "VOIES ET DÉLAIS DE RECOURS" in email.text
    assert "recours gracieux" in email.text and "tribunal administratif de Bordeaux" in email.text


def test_compose_unknown_policy_version_falls_back_to_the_policy_in_force(context):
    # Given a policy version no file defines, for an evaluation the 2024-2028 policy covers
    ctx = context(policy_version="version-inconnue")
    # When the incomplete notice is composed
    email = compose("incomplete", ctx)
    # Then the deadline still comes from the policy in force on the evaluation start
    assert "au plus tard le 23 mars 2026" in email.text
