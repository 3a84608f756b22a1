"""Which reader reads which document type (identity pieces need their MRZ: read.identity)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from clea_intake.documents.read import Fields
from clea_intake.documents.read.address import read_proof_of_address
from clea_intake.documents.read.claim import read_bank_details, read_execution_report, read_hours_attestation
from clea_intake.documents.read.detention import read_disp
from clea_intake.documents.read.evaluator import read_habilitation, read_qualiopi, read_quote
from clea_intake.documents.reading import Text
from clea_intake.domain.findings import DocType

READERS: dict[DocType, Callable[[Text, date], Fields]] = {
    DocType.PROOF_OF_ADDRESS: read_proof_of_address,
    DocType.QUOTE: read_quote,
    DocType.QUALIOPI_CERTIFICATE: read_qualiopi,
    DocType.CLEA_HABILITATION: read_habilitation,
    DocType.DISP_LIAISON: read_disp,
    DocType.EXECUTION_REPORT: read_execution_report,
    DocType.HOURS_ATTESTATION: read_hours_attestation,
    DocType.BANK_DETAILS: read_bank_details,
}
