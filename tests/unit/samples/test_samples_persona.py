"""Sample applications and the pieces each applicant's situation calls for."""

import json
from datetime import date

import pytest

from clea_intake.domain.application import parse_application
from clea_intake.domain.findings import DocType
from clea_intake.samples.facts import validity_defects
from clea_intake.samples.persona import (
    VARIANTS,
    application_documents,
    application_pieces,
    claim_documents,
    claim_pieces,
    medium_of,
    sample_application,
)

RECEIVED = date(2026, 3, 2)


def _form(**overrides):
    app = sample_application(4, seed=3, **overrides)
    app["submitted_at"] = "2026-03-02T10:00:00+01:00"
    app["evaluation_start"], app["evaluation_end"] = "2026-04-13", "2026-04-24"
    return app


@pytest.mark.parametrize("case_number", range(1, 25))
def test_sample_application_many_seeds_parse_as_valid_forms(case_number):
    # Given a generated form
    app = sample_application(case_number, seed=case_number * 7)
    # When the platform's parser reads it
    parsed = parse_application(json.dumps(app))
    # Then it is valid and its addresses are in the region
    assert parsed.case_id.endswith(f"{case_number:06d}")
    assert parsed.applicant.address.postal_code[:2] in {"16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"}
    assert parsed.evaluation_start >= parsed.submitted_at.date()


def test_sample_application_same_seed_same_form_other_seed_other_form():
    # Given two calls with the same number and seed, and one with another seed
    # Then the first two are equal, the third differs
    assert sample_application(1, seed=1) == sample_application(1, seed=1)
    assert sample_application(1, seed=1) != sample_application(1, seed=2)


def test_sample_application_detainee_override_gets_facility_and_spip():
    # Given a detainee
    app = sample_application(2, seed=1, situation="detainee")
    # Then the form names a facility of the region, is accompanied by the SPIP and parses
    assert parse_application(json.dumps(app)).applicant.detention_facility
    assert app["accompanied_by"] == "spip"


def test_sample_application_unknown_override_refused():
    with pytest.raises(TypeError):
        sample_application(2, seed=1, colour="blue")


def test_application_documents_french_resident_gets_five_pieces():
    # Given a French unemployed applicant
    app = _form(nationality="FR", situation="unemployed")
    # When the pieces are generated
    files = application_documents(app, received=RECEIVED, seed=1)
    stems = sorted(name.rsplit(".", 1)[0] for name in files)
    # Then there is one identity piece, a proof of address and the three evaluator pieces
    assert len(stems) == 5
    assert {"justificatif_domicile", "devis_CleA", "certificat_Qualiopi", "attestation_habilitation_CleA"} <= set(stems)
    assert {"CNI_recto_verso", "passeport"} & set(stems)
    assert all(data.startswith(b"%PDF") for data in files.values())


def test_application_documents_non_eu_national_gets_residence_permit():
    # Given a Moroccan national
    files = application_documents(_form(nationality="MA"), received=RECEIVED)
    # Then a residence permit and a passport come with the usual pieces
    assert "titre_de_sejour.pdf" in files and "passeport.pdf" in files


def test_application_documents_eu_national_gets_no_residence_permit():
    files = application_documents(_form(nationality="PT"), received=RECEIVED)
    assert not any(name.startswith("titre_de_sejour") for name in files)


def test_application_documents_detainee_gets_disp_form_instead_of_proof():
    # Given a detainee
    files = application_documents(_form(situation="detainee"), received=RECEIVED)
    # Then the DISP liaison form stands in for the proof of address
    assert "fiche_liaison_DISP.pdf" in files
    assert not any(name.startswith("justificatif_domicile") for name in files)


def test_application_documents_missing_proof_has_no_proof():
    # Given a French resident whose proof is missing
    files = application_documents(_form(nationality="FR", situation="unemployed"), received=RECEIVED,
                                  variant="missing_proof")
    # Then the four other pieces are there and no proof of address
    assert len(files) == 4
    assert not any(name.startswith("justificatif_domicile") for name in files)


@pytest.mark.parametrize("variant", VARIANTS)
def test_application_documents_each_variant_deterministic(variant):
    # Given the same form, variant and seed twice
    app = _form()
    # Then the files are byte-identical
    assert application_documents(app, received=RECEIVED, variant=variant, seed=2) == \
        application_documents(app, received=RECEIVED, variant=variant, seed=2)


def test_application_documents_medium_for_changes_extension_and_kind():
    # Given photos asked for the identity piece and a scan for the quote
    files = application_documents(_form(nationality="FR"), received=RECEIVED,
                                  medium_for={"identity_card": "jpeg", "passport": "jpeg", "quote": "scan_pdf"})
    # Then the identity piece is a JPEG and the quote a PDF
    assert any(name.endswith(".jpg") and data[:3] == b"\xff\xd8\xff" for name, data in files.items())
    assert files["devis_CleA.pdf"].startswith(b"%PDF")


def test_application_documents_unknown_variant_refused():
    with pytest.raises(ValueError):
        application_documents(_form(), received=RECEIVED, variant="nonsense")


def test_claim_documents_three_pieces():
    files = claim_documents(_form(), hours=7, issued=date(2026, 5, 2))
    assert sorted(files) == ["CRE.pdf", "RIB.pdf", "attestation_heures.pdf"]


def _by_type(pieces):
    return {piece.doc_type.value: piece for piece in pieces.values()}


@pytest.mark.parametrize("nationality", ["FR", "PT", "MA"])
@pytest.mark.parametrize("situation", ["unemployed", "detainee"])
def test_application_pieces_valid_variant_every_piece_valid_and_consistent(nationality, situation):
    # Given a valid file for this applicant
    app = _form(nationality=nationality, situation=situation)
    pieces = _by_type(application_pieces(app, received=RECEIVED, seed=8))
    # Then no piece has a defect on the day of receipt
    for doc_type, piece in pieces.items():
        assert validity_defects(doc_type, piece.facts, RECEIVED) == [], doc_type
    # And the pieces agree with the form
    identity = pieces.get("identity_card") or pieces["passport"]
    assert identity.facts["surname"] == app["applicant"]["surname"]
    assert identity.facts["birth_date"].isoformat() == app["applicant"]["birth_date"]
    quote = pieces["quote"].facts
    assert quote["siret"] == app["evaluator"]["siret"] and float(quote["amount_eur"]) == app["quote"]["amount_eur"]
    habilitation = pieces["clea_habilitation"].facts
    assert habilitation["valid_from"] <= date(2026, 4, 13) and habilitation["valid_until"] >= date(2026, 4, 24)
    assert app["certification"] in habilitation["certifications"]
    if nationality == "MA":
        assert pieces["residence_permit"].facts["expiry_date"] >= date(2026, 4, 24)
    if situation == "detainee":
        assert pieces["disp_liaison"].facts["facility"] == app["applicant"]["detention_facility"]
    else:
        assert pieces["proof_of_address"].facts["postal_code"] == app["applicant"]["address"]["postal_code"]


@pytest.mark.parametrize(("variant", "doc_type", "defect"), [
    ("expired_identity", "identity_card", "expired"),
    ("bad_mrz", "identity_card", "bad_check_digit"),
    ("stale_proof", "proof_of_address", "stale"),
    ("qualiopi_expired", "qualiopi_certificate", "expired"),
])
def test_application_pieces_invalid_variant_has_its_defect(variant, doc_type, defect):
    # Given a French resident with a CNI-or-passport identity and a given defect
    app = _form(nationality="FR", situation="unemployed")
    pieces = _by_type(application_pieces(app, received=RECEIVED, variant=variant, seed=1))
    piece = pieces.get(doc_type) or pieces["passport"]
    # Then that piece, and only that one, carries the defect
    assert defect in validity_defects(piece.doc_type, piece.facts, RECEIVED)
    others = [p for p in pieces.values() if p is not piece]
    assert all(validity_defects(p.doc_type, p.facts, RECEIVED) == [] for p in others)


def test_application_pieces_outside_region_and_wrong_holder_proofs():
    # Given the two variants whose proof is valid but says something else
    app = _form(nationality="FR", situation="unemployed")
    outside = _by_type(application_pieces(app, received=RECEIVED, variant="proof_outside_region"))["proof_of_address"]
    wrong = _by_type(application_pieces(app, received=RECEIVED, variant="wrong_holder"))["proof_of_address"]
    # Then the first is valid in a town outside the region, the second names another person
    assert validity_defects("proof_of_address", outside.facts, RECEIVED) == []
    assert outside.facts["postal_code"][:2] not in {"16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"}
    assert app["applicant"]["surname"] not in wrong.facts["holder_name"]


def test_application_pieces_habilitation_short_ends_inside_the_evaluation():
    app = _form()
    pieces = _by_type(application_pieces(app, received=RECEIVED, variant="habilitation_short"))
    until = pieces["clea_habilitation"].facts["valid_until"]
    assert RECEIVED <= until < date(2026, 4, 24)


def test_claim_pieces_match_the_form_and_rib_is_recent():
    # Given a claim issued after the evaluation
    app = _form()
    pieces = _by_type(claim_pieces(app, hours=7.5, issued=date(2026, 5, 2), seed=3))
    # Then the report and attestation name the beneficiary and dates, and the RIB is valid and in the evaluator's name
    report, hours, rib = pieces["execution_report"].facts, pieces["hours_attestation"].facts, pieces["bank_details"].facts
    assert report["beneficiary_name"].endswith(app["applicant"]["surname"])
    assert report["start_date"] == date(2026, 4, 13) and hours["end_date"] == date(2026, 4, 24)
    assert hours["hours"] == 7.5
    assert rib["holder_name"] == app["evaluator"]["name"]
    assert validity_defects("bank_details", rib, date(2026, 5, 2)) == []


def test_claim_pieces_zero_hours_reports_evaluation_not_done():
    pieces = _by_type(claim_pieces(_form(), hours=0, issued=date(2026, 5, 2)))
    assert pieces["execution_report"].facts["result"] == "not_done"
    assert pieces["hours_attestation"].facts["hours"] == 0


def test_claim_pieces_forced_iban_is_the_one_shown():
    pieces = _by_type(claim_pieces(_form(), hours=3, issued=date(2026, 5, 2), iban="FR7630006000011234567890189"))
    assert pieces["bank_details"].facts["iban"] == "FR7630006000011234567890189"


def test_medium_of_most_specific_key_wins():
    # Given photos for the identity group, a scan for the passport itself and PNGs for the rest
    choice = {"identity": "jpeg", "passport": "scan_pdf", "*": "png"}
    # Then each type gets the most specific choice, and nothing named means a text PDF
    assert medium_of(choice, DocType.RESIDENCE_PERMIT) == "jpeg"
    assert medium_of(choice, DocType.PASSPORT) == "scan_pdf"
    assert medium_of(choice, DocType.QUOTE) == "png"
    assert medium_of({"claim": "jpeg"}, DocType.QUOTE) == "pdf"


def test_pieces_have_the_same_bytes_with_the_letters_font_speed_ups():
    # Given the pieces of three applicants (every template family: CNI, passport, proofs, quotes, claims)
    from clea_intake.letters.pdf.fpdf_speedups import plain_fpdf2

    def pieces() -> dict[str, bytes]:
        made = {}
        for number in (3, 17, 41):
            app = sample_application(number, seed=number)
            for name, piece in application_pieces(app, received=RECEIVED, seed=number).items():
                made[f"{number}/{name}"] = piece.data
            for name, piece in claim_pieces(app, hours=10, issued=RECEIVED, seed=number).items():
                made[f"{number}/claim/{name}"] = piece.data
        return made

    with plain_fpdf2():
        expected = pieces()
    # When they are generated again with the fonts parsed once and the incremental line widths
    # Then every file is byte for byte the same
    assert pieces() == expected
