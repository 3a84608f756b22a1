"""After a document is recorded, move its case on: the applicant's checklist or the evaluator's claim."""

from __future__ import annotations

from datetime import datetime

from clea_intake.adapters.repository import Repository
from clea_intake.services import documents
from clea_intake.services.cases import reassess
from clea_intake.services.claims import assess_claim
from clea_intake.settings import Settings


def document_received(repo: Repository, cfg: Settings, *, bucket: str, key: str, etag: str,
                      version_id: str | None, now: datetime, ocr=None) -> documents.DocumentOutcome:
    outcome = documents.receive(repo, cfg, bucket=bucket, key=key, etag=etag, version_id=version_id, now=now, ocr=ocr)
    if outcome.status != "recorded" or outcome.case_id is None:
        return outcome
    if key.startswith("claims/"):
        if repo.find_case(outcome.case_id) is not None:
            assess_claim(repo, cfg, outcome.case_id, now)
    else:
        reassess(repo, cfg, outcome.case_id, now)
    return outcome
