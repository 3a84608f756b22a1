"""Shared fixtures: the DESIGN §4 application, the policy in force, and builders of read pieces."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clea_intake.domain.application import Application, parse_application
from clea_intake.domain.case import Case
from clea_intake.domain.findings import DocType, Finding
from clea_intake.domain.lifecycle import State
from clea_intake.domain.names import beneficiary_key
from clea_intake.domain.pieces import Piece
from clea_intake.domain.policy import Policy, policy_for

PARIS = ZoneInfo("Europe/Paris")
CASE_ID = "NA-CLEA-2026-000123"
EVALUATOR_SIRET = "73282932000074"
# The HMAC secret of beneficiary keys in tests that build cases by hand (a stack makes its own).
TEST_KEY_SECRET = b"test-only beneficiary key secret, 32+ bytes long"
# Another valid SIRET (Luhn) of another company: a piece carrying it is not the evaluator's.
OTHER_SIRET = "35600000000048"

# The example of DESIGN §4, as the platform writes it.
APPLICATION: dict[str, Any] = {
    "case_id": CASE_ID,
    "submitted_at": "2026-03-02T10:00:00+01:00",
    "certification": "clea_socle",
    "evaluation": "initial",
    "evaluation_start": "2026-04-13",
    "evaluation_end": "2026-04-24",
    "applicant": {
        "surname": "Martin", "given_names": "Léa Marie", "birth_date": "1991-07-14",
        "email": "lea.martin@example.fr", "phone": "+33600000000",
        "address": {"line1": "12 rue des Vignes", "postal_code": "33000", "city": "Bordeaux"},
        "nationality": "FR",
        "situation": "unemployed",
        "france_travail_registered": True,
        "funded_by_transition_pro_or_branch": False,
        "detention_facility": None,
    },
    "accompanied_by": "evaluator",
    "evaluator": {
        "name": "Formation Atlantique", "siret": EVALUATOR_SIRET, "nda": "75331234533",
        "postal_code": "33700", "email": "contact@formation-atlantique.fr",
    },
    "quote": {"hours": 10, "amount_eur": 450.0},
}

# When the platform wrote the form, and when the pieces below were received.
RECEIVED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)


def application_dict(**overrides: Any) -> dict[str, Any]:
    """A deep copy of the DESIGN example; `applicant__situation="siae"` reaches nested keys."""
    data = copy.deepcopy(APPLICATION)
    for path, value in overrides.items():
        *parents, leaf = path.split("__")
        target = data
        for part in parents:
            target = target[part]
        target[leaf] = value
    return data


def make_application(**overrides: Any) -> Application:
    return parse_application(json.dumps(application_dict(**overrides)))


class PieceBuilder:
    """Pieces as the document pipeline records them for the DESIGN example, each field overridable."""

    def __init__(self) -> None:
        self._count = 0

    def _piece(self, doc_type: DocType, fields: dict[str, Any], *, findings: list[Finding] | None = None,
               status: str = "read", received_at: datetime = RECEIVED_AT, source: str = "application",
               doc_id: str | None = None, **overrides: Any) -> Piece:
        self._count += 1
        return Piece(doc_id=doc_id or f"{doc_type}-{self._count}", doc_type=doc_type, fields={**fields, **overrides},
                     findings=findings or [], received_at=received_at, status=status, source=source)

    def identity_card(self, **kw: Any) -> Piece:
        return self._piece(DocType.IDENTITY_CARD, {
            "surname": "MARTIN", "given_names": "LEA MARIE", "birth_date": "1991-07-14",
            "document_number": "X4RTBPFW4", "issue_date": "2022-05-10", "expiry_date": "2032-05-09",
            "nationality": "FRA"}, **kw)

    def passport(self, **kw: Any) -> Piece:
        return self._piece(DocType.PASSPORT, {
            "surname": "MARTIN", "given_names": "LEA MARIE", "birth_date": "1991-07-14",
            "document_number": "22AB12345", "issue_date": "2022-05-10", "expiry_date": "2032-05-09",
            "nationality": "FRA"}, **kw)

    def residence_permit(self, **kw: Any) -> Piece:
        return self._piece(DocType.RESIDENCE_PERMIT, {
            "surname": "MARTIN", "given_names": "LEA MARIE", "birth_date": "1991-07-14",
            "document_number": "AB1234567", "issue_date": "2024-06-01", "expiry_date": "2027-05-31",
            "nationality": "MAR", "permit_kind": "carte de séjour pluriannuelle"}, **kw)

    def proof_of_address(self, **kw: Any) -> Piece:
        return self._piece(DocType.PROOF_OF_ADDRESS, {
            "holder_name": "Mme Léa MARTIN", "issue_date": "2026-02-10", "postal_code": "33000",
            "city": "Bordeaux"}, **kw)

    def quote(self, **kw: Any) -> Piece:
        return self._piece(DocType.QUOTE, {
            "siret": EVALUATOR_SIRET, "nda": "75331234533", "beneficiary_name": "Léa MARTIN",
            "certification": "clea_socle", "evaluation": "initial", "hours": 10, "amount_eur": 450.0,
            "fees_eur": 60.0, "start_date": "2026-04-13"}, **kw)

    def qualiopi(self, **kw: Any) -> Piece:
        return self._piece(DocType.QUALIOPI_CERTIFICATE, {
            "holder_name": "Formation Atlantique", "siret": EVALUATOR_SIRET, "valid_from": "2024-01-15",
            "valid_until": "2027-01-14"}, **kw)

    def habilitation(self, **kw: Any) -> Piece:
        return self._piece(DocType.CLEA_HABILITATION, {
            "holder_name": "Formation Atlantique", "siret": EVALUATOR_SIRET, "valid_from": "2025-01-01",
            "valid_until": "2026-12-31", "certifications": ["clea_socle", "clea_numerique"]}, **kw)

    def disp_liaison(self, **kw: Any) -> Piece:
        return self._piece(DocType.DISP_LIAISON, {
            "surname": "MARTIN", "given_names": "LEA MARIE",
            "facility": "Centre pénitentiaire de Bordeaux-Gradignan", "issue_date": "2026-02-20"}, **kw)

    def complete_set(self) -> list[Piece]:
        """Every piece an unemployed French applicant needs, all valid."""
        return [self.identity_card(), self.proof_of_address(), self.quote(), self.qualiopi(), self.habilitation()]


@pytest.fixture
def policy() -> Policy:
    """The policy in force for the DESIGN example (evaluation starting 13 April 2026)."""
    return policy_for(date(2026, 4, 13))


@pytest.fixture
def app_data() -> Callable[..., dict[str, Any]]:
    """Factory of application.json dicts: `app_data(applicant__situation="siae")`."""
    return application_dict


@pytest.fixture
def make_app() -> Callable[..., Application]:
    """Factory of parsed applications, with the same overrides as `app_data`."""
    return make_application


@pytest.fixture
def application() -> Application:
    return make_application()


@pytest.fixture
def build() -> PieceBuilder:
    return PieceBuilder()


@pytest.fixture
def blocking() -> Callable[..., Finding]:
    """Factory of an error finding, the kind that makes a piece unacceptable."""
    def make(code: str = "DOCUMENT_EXPIRED", message: str = "La pièce a expiré.") -> Finding:
        return Finding(code=code, severity="error", message=message)
    return make


def make_case(case_id: str = CASE_ID, state: str = "RECEIVED", at: datetime = RECEIVED_AT, **overrides: Any) -> Case:
    """A case of the DESIGN application, in `state`, not yet stored."""
    app = make_application(case_id=case_id, **overrides)
    return Case(case_id=case_id, application=app, state=State(state), received_at=at, updated_at=at,
                beneficiary_key=beneficiary_key(app.applicant.surname, app.applicant.birth_date,
                                                secret=TEST_KEY_SECRET))


@pytest.fixture
def new_case() -> Callable[..., Case]:
    """Factory of unsaved cases: `new_case("NA-CLEA-2026-000124", state="COMPLETE")`."""
    return make_case
