"""Importing the public registers the Région's staff drop in the bucket, streamed row by row, and what
they say of a case's evaluator."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from aws_lambda_powertools import Logger

from clea_intake.adapters.repository import Repository
from clea_intake.domain.calendar import local_day
from clea_intake.domain.policy import PolicyNotFound, all_policies, policy_for
from clea_intake.domain.registers import (
    FORMATS,
    REGISTER_KINDS,
    Establishment,
    RegisterAge,
    RegisterHeaderMismatch,
    TrainingOrganisation,
    register_ages,
)
from clea_intake.services import metrics

logger = Logger(service="clea-intake", child=True)

_REGISTER_KEY = re.compile(r"^registers/(?P<kind>organismes-formation|sirene)/(?P<day>\d{4}-\d{2}-\d{2})\.csv$")
BATCH = 25  # DynamoDB BatchWriteItem's most


class InvalidRegisterFile(ValueError):
    """The file is not a register the import knows, or not in its layout: nothing was imported."""


@dataclass(frozen=True)
class ImportReport:
    kind: str
    register_date: date
    status: str          # imported | already_imported
    rows: int = 0
    kept: int = 0
    skipped: int = 0


def register_of(key: str) -> tuple[str, date]:
    """(kind, register date) of a key `registers/{kind}/{YYYY-MM-DD}.csv`."""
    match = _REGISTER_KEY.match(key)
    if match is None:
        raise InvalidRegisterFile(f"{key}: not registers/organismes-formation/AAAA-MM-JJ.csv or registers/sirene/…")
    try:
        return match["kind"], date.fromisoformat(match["day"])
    except ValueError as exc:
        raise InvalidRegisterFile(f"{key}: {match['day']} is not a date") from exc


def text_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Lines of UTF-8 text (a byte-order mark dropped) from byte chunks, ends kept, never the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    pending = ""
    for chunk in chunks:
        pending += decoder.decode(chunk)
        lines = pending.splitlines(keepends=True)
        pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        yield from lines
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def import_register(repo: Repository, chunks: Iterable[bytes], *, key: str, etag: str, at: datetime,
                    keep_siret: set[str] | None = None, region_departments: frozenset[str] = frozenset()) -> ImportReport:
    """Stream one register file into register items; importing the same file again changes nothing.

    Sirene is large: only the establishments of the region's departments, or of `keep_siret`, are kept.
    """
    kind, day = register_of(key)
    if repo.register_imported(kind, day, etag):
        return ImportReport(kind, day, "already_imported")
    layout = FORMATS[kind]
    reader = csv.reader(text_lines(chunks), delimiter=layout.delimiter)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise InvalidRegisterFile(f"{key}: empty file") from exc
    try:
        positions = layout.locate(header)
    except RegisterHeaderMismatch as mismatch:
        raise InvalidRegisterFile(str(mismatch)) from mismatch
    rows = kept = skipped = 0
    width, keep = len(header), keep_siret or set()
    # Sirene's establishments outside the region are most of the file: dropped on their raw columns, before
    # any record is built for them.
    sirene_at = (positions["postal_code"], positions["siret"]) if kind == "sirene" else None
    batch: list[TrainingOrganisation | Establishment] = []
    for raw in reader:
        rows += 1
        if len(raw) < width:
            skipped += 1
            continue
        if sirene_at is not None and not (raw[sirene_at[0]].strip()[:2] in region_departments
                                          or raw[sirene_at[1]].strip() in keep):
            continue
        row = {name: raw[n] for name, n in positions.items()}
        entry = TrainingOrganisation.from_row(row) if sirene_at is None else Establishment.from_row(row)
        if entry is None:
            skipped += 1
            continue
        batch.append(entry)
        kept += 1
        if len(batch) == BATCH:
            repo.put_register_entries(kind, day, batch)
            batch = []
    if batch:
        repo.put_register_entries(kind, day, batch)
    repo.record_register_import(kind, day, etag=etag, key=key, rows=rows, kept=kept, at=at)
    logger.info("register imported", kind=kind, register_date=day.isoformat(), rows=rows, kept=kept, skipped=skipped)
    return ImportReport(kind, day, "imported", rows, kept, skipped)


def ages(repo: Repository, now: datetime) -> list[RegisterAge]:
    """Each register's current copy against the policy's `registers.max_age_days`, as of `now`."""
    try:
        policy = policy_for(now.date())
    except PolicyNotFound:
        policy = max(all_policies(), key=lambda p: p.valid_until)
    return register_ages({kind: repo.register_date(kind) for kind in REGISTER_KINDS}, today=local_day(now, policy),
                         max_age_days=policy.registers.max_age_days)


def report_freshness(repo: Repository, now: datetime) -> list[RegisterAge]:
    """Emit RegisterStale, the number of registers older than the policy allows (or never imported): the
    RegisterStaleAlarm of template.yaml fires on it."""
    found = ages(repo, now)
    metrics.count("RegisterStale", value=sum(1 for a in found if a.stale))
    return found
