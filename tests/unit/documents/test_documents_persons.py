"""Person readers: the civilities they drop are the one list the name rules use."""

from __future__ import annotations

import pytest

from clea_intake.documents.read.persons import clean_person
from clea_intake.domain.names import CIVILITIES, holder_matches


@pytest.mark.parametrize("civility", sorted(CIVILITIES))
def test_clean_person_drops_every_civility_of_the_one_list(civility):
    # Given a holder line opening with any civility the name rules know
    raw = f"{civility.capitalize()} Léa MARTIN"
    # When the name is read
    name = clean_person(raw)
    # Then the civility is gone, and the name still designates the applicant
    assert name == "Léa MARTIN"
    assert holder_matches(raw, "Martin", "Léa")


def test_clean_person_drops_joint_civilities():
    assert clean_person("M. et Mme MARTIN Léa") == "MARTIN Léa"
    assert clean_person("Madame ou Monsieur DURAND Paul") == "DURAND Paul"
