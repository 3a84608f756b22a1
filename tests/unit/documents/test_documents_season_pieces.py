"""Pieces a 1,000-application season read wrong on their text layer (so the applicant was told, and the file
went late): each is generated again from the season's own seed and read as the classify function reads it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clea_intake.documents.reader import read_pieces_here
from clea_intake.domain.policy import current_policy
from clea_intake.local.season import KINDS
from clea_intake.samples.persona import application_pieces, sample_application


def _season_piece(number: int, name: str):
    index = number - 1
    kind, _ = KINDS[index % len(KINDS)]
    start = date(2026, 3, 2) + timedelta(days=7 * (index % 20))
    overrides = {"funded_by_transition_pro_or_branch": True} if kind == "funded" else {}
    app = sample_application(number, seed=number, evaluation_start=start.isoformat(),
                             evaluation_end=(start + timedelta(days=11)).isoformat(), **overrides)
    received = start - timedelta(days=45)
    variant = "proof_outside_region" if kind == "not_resident" else "valid"
    piece = application_pieces(app, received=received, variant=variant, seed=number)[name]
    reading = read_pieces_here(piece.data, filename=name, as_of=received, policy=current_policy())[0]
    return piece, reading


@pytest.mark.parametrize("number, name, field, want", [
    # A surname's particle after its label: "Nom : LE GALL" was read "GALL"
    (417, "fiche_liaison_DISP.pdf", "surname", "LE GALL"),
    # ... and on an addressee's line above the street: "GALL Élodie"
    (612, "justificatif_domicile.pdf", "holder_name", "LE GALL Élodie"),
])
def test_a_surname_keeps_its_particle(number, name, field, want):
    _, reading = _season_piece(number, name)
    assert reading.text_source == "text_layer"
    assert reading.fields[field] == want
    assert not reading.findings


@pytest.mark.parametrize("number", [
    628,  # a host's attestation signed "À Châteauroux, le 05.02.2026", without "Fait"
    245,  # the same, at Sarlat-la-Canéda
    830,  # an insurer's letter dated "Le 09.01.2026" on a line of its own
])
def test_a_proof_dated_without_fait_a_has_its_issue_date(number):
    piece, reading = _season_piece(number, "justificatif_domicile.pdf")
    assert str(reading.fields["issue_date"]) == str(piece.fields["issue_date"])
    assert not reading.findings
