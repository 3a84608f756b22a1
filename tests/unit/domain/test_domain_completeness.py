"""The completeness checklist: which pieces each situation needs, and when a piece cannot count."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from clea_intake.domain.completeness import evaluate, needs_residence_permit

PARIS = ZoneInfo("Europe/Paris")
EVALUATOR_PIECES = ("QUOTE", "QUALIOPI", "HABILITATION")


def _codes(result) -> set[str]:
    return {m.code for m in result.missing}


def _message(result, piece: str) -> str:
    return next(m.message for m in result.missing if m.piece == piece)


def test_completeness_unemployed_with_every_valid_piece_is_complete(application, build, policy):
    # Given an unemployed French applicant and the five pieces, all valid
    pieces = build.complete_set()
    # When the checklist runs
    result = evaluate(application, pieces, policy)
    # Then nothing is missing and each decision piece is the one received
    assert result.complete
    assert set(result.chosen) == {"IDENTITY", "PROOF_OF_ADDRESS", *EVALUATOR_PIECES}
    assert result.in_review == []


def test_completeness_no_piece_lists_every_required_one(application, policy):
    result = evaluate(application, [], policy)
    assert not result.complete
    assert _codes(result) == {"MISSING_IDENTITY", "MISSING_PROOF_OF_ADDRESS", "MISSING_QUOTE",
                              "MISSING_QUALIOPI", "MISSING_HABILITATION"}
    assert all(m.message.startswith("Pièce manquante") for m in result.missing)


def test_completeness_siae_needs_the_same_pieces_as_unemployed(make_app, build, policy):
    app = make_app(applicant__situation="siae", applicant__france_travail_registered=False)
    assert evaluate(app, build.complete_set(), policy).complete
    assert "MISSING_PROOF_OF_ADDRESS" in _codes(evaluate(app, [build.identity_card()], policy))


def test_completeness_passport_stands_for_identity(application, build, policy):
    pieces = [build.passport(), build.proof_of_address(), build.quote(), build.qualiopi(), build.habilitation()]
    assert evaluate(application, pieces, policy).complete


def _detainee(make_app):
    return make_app(applicant__situation="detainee", accompanied_by="spip",
                    applicant__detention_facility="Centre pénitentiaire de Bordeaux-Gradignan")


def test_completeness_detainee_with_disp_form_needs_no_proof_of_address(make_app, build, policy):
    # Given a detainee with the DISP liaison form and no proof of address
    pieces = [build.identity_card(), build.disp_liaison(), build.quote(), build.qualiopi(), build.habilitation()]
    result = evaluate(_detainee(make_app), pieces, policy)
    # Then the form stands in for the proof of address
    assert result.complete
    assert "DISP_LIAISON" in result.chosen
    assert "PROOF_OF_ADDRESS" not in result.chosen


def test_completeness_detainee_without_disp_form_is_missing_it(make_app, build, policy):
    pieces = [build.identity_card(), build.proof_of_address(), build.quote(), build.qualiopi(), build.habilitation()]
    assert _codes(evaluate(_detainee(make_app), pieces, policy)) == {"MISSING_DISP_LIAISON"}


def test_completeness_detainee_disp_form_for_another_person_is_invalid(make_app, build, policy):
    pieces = [build.identity_card(), build.disp_liaison(surname="DURAND", given_names="PAUL"), build.quote(),
              build.qualiopi(), build.habilitation()]
    assert _codes(evaluate(_detainee(make_app), pieces, policy)) == {"INVALID_DISP_LIAISON"}


def test_needs_residence_permit_only_outside_eu_eea_switzerland(make_app, policy):
    assert not needs_residence_permit(make_app(), policy)
    assert not needs_residence_permit(make_app(applicant__nationality="PT"), policy)
    assert not needs_residence_permit(make_app(applicant__nationality="CH"), policy)
    assert not needs_residence_permit(make_app(applicant__nationality="NO"), policy)
    assert needs_residence_permit(make_app(applicant__nationality="MA"), policy)


def test_completeness_foreign_national_without_permit_is_missing_it(make_app, build, policy):
    app = make_app(applicant__nationality="MA")
    pieces = [build.passport(nationality="MAR"), *build.complete_set()[1:]]
    result = evaluate(app, pieces, policy)
    assert _codes(result) == {"MISSING_RESIDENCE_PERMIT"}


def test_completeness_foreign_national_permit_valid_past_the_evaluation_is_complete(make_app, build, policy):
    app = make_app(applicant__nationality="MA")
    # The permit is both the identity piece and the right to stay
    pieces = [build.residence_permit(expiry_date="2026-04-24"), *build.complete_set()[1:]]
    result = evaluate(app, pieces, policy)
    assert result.complete
    assert result.chosen["RESIDENCE_PERMIT"].doc_type == "residence_permit"


def test_completeness_foreign_national_permit_ending_before_evaluation_end_is_invalid(make_app, build, policy):
    # Given a permit valid until the day before the evaluation ends (24 April 2026)
    app = make_app(applicant__nationality="MA")
    pieces = [build.passport(nationality="MAR"), build.residence_permit(expiry_date="2026-04-23"),
              *build.complete_set()[1:]]
    result = evaluate(app, pieces, policy)
    assert _codes(result) == {"INVALID_RESIDENCE_PERMIT"}
    assert "fin de l'évaluation" in _message(result, "RESIDENCE_PERMIT")


def test_completeness_foreign_national_renewal_receipt_is_accepted(make_app, build, policy):
    app = make_app(applicant__nationality="MA")
    receipt = build.residence_permit(expiry_date="2026-04-01", permit_kind="récépissé de demande de renouvellement")
    pieces = [build.passport(nationality="MAR"), receipt, *build.complete_set()[1:]]
    assert evaluate(app, pieces, policy).complete


def test_completeness_stale_proof_of_address_is_invalid(application, build, policy):
    # Given a proof issued 2 December 2025, received 2 March 2026: exactly 3 months, not less
    pieces = [build.identity_card(), build.proof_of_address(issue_date="2025-12-02"), *build.complete_set()[2:]]
    result = evaluate(application, pieces, policy)
    assert _codes(result) == {"INVALID_PROOF_OF_ADDRESS"}
    assert "3 mois" in _message(result, "PROOF_OF_ADDRESS")


def test_completeness_proof_issued_the_next_day_is_recent(application, build, policy):
    pieces = [build.identity_card(), build.proof_of_address(issue_date="2025-12-03"), *build.complete_set()[2:]]
    assert evaluate(application, pieces, policy).complete


def test_completeness_proof_in_another_name_is_invalid(application, build, policy):
    pieces = [build.identity_card(), build.proof_of_address(holder_name="M. Paul DURAND"),
              *build.complete_set()[2:]]
    result = evaluate(application, pieces, policy)
    assert _codes(result) == {"INVALID_PROOF_OF_ADDRESS"}
    assert "au nom du demandeur" in _message(result, "PROOF_OF_ADDRESS")


def test_completeness_proof_outside_region_is_complete_not_invalid(application, build, policy):
    # Residence is an eligibility fact: a valid proof showing Paris completes the file
    pieces = [build.identity_card(), build.proof_of_address(postal_code="75011", city="Paris"),
              *build.complete_set()[2:]]
    assert evaluate(application, pieces, policy).complete


def test_completeness_newer_valid_proof_replaces_a_stale_one(application, build, policy):
    stale = build.proof_of_address(issue_date="2025-10-01")
    fresh = build.proof_of_address(issue_date="2026-02-25", received_at=datetime(2026, 3, 5, 9, tzinfo=PARIS))
    result = evaluate(application, [build.identity_card(), stale, fresh, *build.complete_set()[2:]], policy)
    assert result.complete
    assert result.chosen["PROOF_OF_ADDRESS"].doc_id == fresh.doc_id


def test_completeness_identity_of_another_person_is_invalid(application, build, policy):
    pieces = [build.identity_card(surname="DURAND"), *build.complete_set()[1:]]
    result = evaluate(application, pieces, policy)
    assert _codes(result) == {"INVALID_IDENTITY"}


def test_completeness_identity_with_another_birth_date_is_invalid(application, build, policy):
    pieces = [build.identity_card(birth_date="1991-07-15"), *build.complete_set()[1:]]
    result = evaluate(application, pieces, policy)
    assert _codes(result) == {"INVALID_IDENTITY"}
    assert "naissance" in _message(result, "IDENTITY")


def test_completeness_piece_with_blocking_finding_is_invalid_with_its_message(application, build, policy, blocking):
    expired = build.identity_card(findings=[blocking("DOCUMENT_EXPIRED", "La carte a expiré le 1er mars 2026.")])
    result = evaluate(application, [expired, *build.complete_set()[1:]], policy)
    assert _codes(result) == {"INVALID_IDENTITY"}
    assert _message(result, "IDENTITY") == "La carte a expiré le 1er mars 2026."


def test_completeness_quote_for_another_certification_is_invalid(application, build, policy):
    pieces = [*build.complete_set()[:2], build.quote(certification="clea_numerique"), build.qualiopi(),
              build.habilitation()]
    result = evaluate(application, pieces, policy)
    assert _codes(result) == {"INVALID_QUOTE"}
    assert "certification" in _message(result, "QUOTE")


def test_completeness_quote_for_another_evaluation_type_is_invalid(application, build, policy):
    pieces = [*build.complete_set()[:2], build.quote(evaluation="final"), build.qualiopi(), build.habilitation()]
    assert _codes(evaluate(application, pieces, policy)) == {"INVALID_QUOTE"}


def test_completeness_quote_for_another_beneficiary_is_invalid(application, build, policy):
    pieces = [*build.complete_set()[:2], build.quote(beneficiary_name="Paul DURAND"), build.qualiopi(),
              build.habilitation()]
    assert _codes(evaluate(application, pieces, policy)) == {"INVALID_QUOTE"}


def test_completeness_evaluator_pieces_with_another_siret_are_invalid(application, build, policy):
    # Given the quote, Qualiopi and habilitation of another company (valid SIRET, other SIREN)
    other = "35600000000048"
    pieces = [*build.complete_set()[:2], build.quote(siret=other), build.qualiopi(siret=other),
              build.habilitation(siret=other)]
    result = evaluate(application, pieces, policy)
    assert _codes(result) == {"INVALID_QUOTE", "INVALID_QUALIOPI", "INVALID_HABILITATION"}
    assert "SIRET" in _message(result, "QUALIOPI")


def test_completeness_evaluator_piece_of_another_establishment_same_siren_is_accepted(application, build, policy):
    # Same SIREN (732829320), another establishment: the certificate is the company's
    pieces = [*build.complete_set()[:3], build.qualiopi(siret="73282932000033"), build.habilitation()]
    assert evaluate(application, pieces, policy).complete


def test_completeness_evaluator_piece_without_siret_matches_by_name(application, build, policy):
    pieces = [*build.complete_set()[:3], build.qualiopi(siret=None, holder_name="SAS FORMATION ATLANTIQUE"),
              build.habilitation(siret=None, holder_name="Institut Pacifique")]
    assert _codes(evaluate(application, pieces, policy)) == {"INVALID_HABILITATION"}


def test_completeness_pieces_in_review_are_not_counted_but_listed(application, build, policy):
    # Given a proof of address a person still has to confirm
    doubtful = build.proof_of_address(status="review")
    pieces = [build.identity_card(), doubtful, *build.complete_set()[2:]]
    result = evaluate(application, pieces, policy)
    # Then it does not complete the file, and the checklist says a review is pending
    assert _codes(result) == {"MISSING_PROOF_OF_ADDRESS"}
    assert result.in_review == [doubtful.doc_id]


def test_completeness_rejected_superseded_and_claim_pieces_are_ignored(application, build, policy):
    pieces = [build.identity_card(status="rejected"), build.identity_card(status="superseded"),
              build.identity_card(source="claim"), *build.complete_set()[1:]]
    assert _codes(evaluate(application, pieces, policy)) == {"MISSING_IDENTITY"}


def test_completeness_eu_national_own_identity_card_needs_no_permit(make_app, build, policy):
    # Given a Portuguese national with her Portuguese identity card
    app = make_app(applicant__nationality="PT")
    pieces = [build.identity_card(nationality="PRT"), *build.complete_set()[1:]]
    # Then her card is her identity and no residence permit is asked
    result = evaluate(app, pieces, policy)
    assert result.complete
    assert "RESIDENCE_PERMIT" not in result.chosen


def test_completeness_identity_card_of_a_non_eu_state_is_not_identity(make_app, build, policy):
    # Given a Moroccan national with a valid permit, and her Moroccan national identity card as the identity piece
    app = make_app(applicant__nationality="MA")
    pieces = [build.identity_card(nationality="MAR"), build.residence_permit(permit_kind="récépissé de demande de "
              "renouvellement", expiry_date="2026-04-01"), *build.complete_set()[1:]]
    result = evaluate(app, pieces, policy)
    # Then the identity piece is invalid, with a sentence that says what to send
    assert _codes(result) == {"INVALID_IDENTITY"}
    assert "passeport ou votre titre de séjour" in _message(result, "IDENTITY")


def test_completeness_non_eu_card_with_a_permit_uses_the_permit_as_identity(make_app, build, policy):
    # Given the same card, beside a permit valid past the evaluation
    app = make_app(applicant__nationality="MA")
    pieces = [build.identity_card(nationality="MAR"), build.residence_permit(expiry_date="2027-04-24"),
              *build.complete_set()[1:]]
    result = evaluate(app, pieces, policy)
    # Then the permit is both the identity piece and the right to stay
    assert result.complete
    assert result.chosen["IDENTITY"].doc_type == "residence_permit"


def test_completeness_renewal_receipt_alone_is_no_identity(make_app, build, policy):
    # Given a renewal receipt and no passport
    app = make_app(applicant__nationality="MA")
    receipt = build.residence_permit(expiry_date="2026-04-01", permit_kind="récépissé de demande de renouvellement")
    result = evaluate(app, [receipt, *build.complete_set()[1:]], policy)
    # Then the receipt stands in for the permit, not for the identity document
    assert _codes(result) == {"INVALID_IDENTITY"}
    assert "récépissé" in _message(result, "IDENTITY")
