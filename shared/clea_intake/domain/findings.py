"""Findings: what a check noticed about a piece, with a stable code and a French sentence."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict


class DocType(StrEnum):
    IDENTITY_CARD = "identity_card"
    PASSPORT = "passport"
    RESIDENCE_PERMIT = "residence_permit"
    PROOF_OF_ADDRESS = "proof_of_address"
    QUOTE = "quote"
    QUALIOPI_CERTIFICATE = "qualiopi_certificate"
    CLEA_HABILITATION = "clea_habilitation"
    DISP_LIAISON = "disp_liaison"
    EXECUTION_REPORT = "execution_report"
    HOURS_ATTESTATION = "hours_attestation"
    BANK_DETAILS = "bank_details"
    UNKNOWN = "unknown"


IDENTITY_TYPES = frozenset({DocType.IDENTITY_CARD, DocType.PASSPORT, DocType.RESIDENCE_PERMIT})
CLAIM_TYPES = frozenset({DocType.EXECUTION_REPORT, DocType.HOURS_ATTESTATION, DocType.BANK_DETAILS})

Severity = Literal["error", "warning"]


class Finding(BaseModel):
    """One observation on a piece. `error` means the piece cannot be accepted as it is."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    code: str
    severity: Severity
    message: str

    @property
    def blocking(self) -> bool:
        return self.severity == "error"
