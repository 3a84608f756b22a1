"""Files the Région's staff drop under `registers/`: supplier records, the DGEFP list, the Sirene stock.

A file the import cannot read is refused once and for all: it becomes a review item with its problems and
a French reason, never an error the queue would retry into its dead-letter queue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools import Logger

from clea_intake.domain.policy import all_policies
from clea_intake.domain.records import ReviewItem
from clea_intake.services import metrics
from clea_intake.services.evaluators import InvalidSupplierFile, import_supplier_file
from clea_intake.services.ports import Ports
from clea_intake.services.registers import InvalidRegisterFile, import_register

logger = Logger(service="clea-intake", child=True)

SUPPLIERS_PREFIX = "registers/suppliers/"
MAX_SUPPLIER_FILE = 1_000_000
SUPPLIER_FILE_INVALID = "SUPPLIER_FILE_INVALID"
REGISTER_FILE_INVALID = "REGISTER_FILE_INVALID"
REASONS = {
    SUPPLIER_FILE_INVALID: "Fichier fournisseurs refusé : il n'est pas au format attendu, aucune fiche n'a été "
                           "enregistrée. Corrigez-le puis déposez-le à nouveau.",
    REGISTER_FILE_INVALID: "Fichier de registre refusé : son nom ou ses colonnes ne sont pas ceux du registre "
                           "officiel, rien n'a été importé. Déposez le fichier tel que publié.",
}


@dataclass(frozen=True)
class RegisterFileOutcome:
    key: str
    status: str                     # imported | already_imported | refused | ignored
    kept: int = 0
    problems: list[str] = field(default_factory=list)


def region_departments() -> frozenset[str]:
    """The departments of the region in any policy: the Sirene establishments worth keeping."""
    return frozenset().union(*(p.region.departments for p in all_policies()))


def handle_register_file(ports: Ports, *, bucket: str, key: str, etag: str, version_id: str | None,
                         now: datetime) -> RegisterFileOutcome:
    """Import one file dropped under `registers/`, or record why it is refused."""
    if key.startswith(SUPPLIERS_PREFIX):
        if not key.endswith(".json"):
            logger.warning("supplier file ignored: not .json", key=key)
            return RegisterFileOutcome(key, "ignored")
        return _suppliers(ports, bucket=bucket, key=key, etag=etag, version_id=version_id, now=now)
    chunks = ports.storage.iter_chunks(bucket, key, version_id)
    try:
        report = import_register(ports.repository, chunks, key=key, etag=etag, at=now,
                                 region_departments=region_departments())
    except InvalidRegisterFile as exc:
        return _refuse(ports, key, etag, now, REGISTER_FILE_INVALID, [str(exc)])
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return RegisterFileOutcome(key, report.status, report.kept)


def _suppliers(ports: Ports, *, bucket: str, key: str, etag: str, version_id: str | None,
               now: datetime) -> RegisterFileOutcome:
    stored = ports.storage.get_object(bucket, key, version_id, max_bytes=MAX_SUPPLIER_FILE)
    if stored.size > MAX_SUPPLIER_FILE or len(stored.body) > MAX_SUPPLIER_FILE:
        return _refuse(ports, key, etag, now, SUPPLIER_FILE_INVALID, [f"larger than {MAX_SUPPLIER_FILE} bytes"])
    try:
        records = import_supplier_file(ports.repository, stored.body, at=now, actor="region:suppliers")
    except InvalidSupplierFile as exc:
        return _refuse(ports, key, etag, now, SUPPLIER_FILE_INVALID, exc.problems)
    logger.info("supplier file imported", key=key, records=len(records))
    return RegisterFileOutcome(key, "imported", len(records))


def _refuse(ports: Ports, key: str, etag: str, now: datetime, code: str, problems: list[str]) -> RegisterFileOutcome:
    """One review item per file version (a redelivered event opens none more), its problems in its detail."""
    digest = hashlib.sha256(f"{key}\n{etag}".encode()).hexdigest()[:12]
    review = ReviewItem(review_id=f"REGISTER-{digest}-{code}", case_id=None, kind="register", code=code,
                        message=REASONS[code], subject_ref=key, opened_at=now,
                        detail={"etag": etag, "problems": problems[:50]})
    if ports.repository.open_review(review):
        metrics.count("ReviewOpened")
    logger.warning("register file refused", key=key, code=code, problems=problems[:50])
    return RegisterFileOutcome(key, "refused", problems=problems)
