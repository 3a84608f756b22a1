"""One uploaded PDF holding several pieces, on moto: each piece is recorded as its own document of the case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest

from clea_intake.adapters import clients
from clea_intake.adapters.repository import doc_id_for, dynamo_repository
from clea_intake.domain.findings import DocType
from clea_intake.local.names import StackNames
from clea_intake.runtime import aws_ports
from clea_intake.samples.generate import combined, make_document
from clea_intake.services.documents import receive
from tests.integration.conftest import stack_resources

NAMES = StackNames()
CASE_ID = "NA-CLEA-2026-000777"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    with stack_resources(NAMES, NOW):
        yield


def test_receive_pdf_with_three_pieces_records_three_documents(aws):
    # Given an identity card, a proof of address and a quote uploaded together as one PDF
    parts = [make_document(DocType.IDENTITY_CARD, {}), make_document(DocType.PROOF_OF_ADDRESS, {}),
             make_document(DocType.QUOTE, {})]
    data = combined(parts)
    ranges, first = [], 1
    for part in parts:
        count = len(pdfium.PdfDocument(part))
        ranges.append(list(range(first, first + count)))
        first += count
    key = f"applications/{CASE_ID}/documents/dossier complet.pdf"
    put = clients.client("s3").put_object(Bucket=NAMES.bucket, Key=key, Body=data)
    repo = dynamo_repository(NAMES.table)
    ports = aws_ports(repo)
    # When the upload is received
    outcome = receive(ports, bucket=NAMES.bucket, key=key, etag=put["ETag"].strip('"'), version_id=put["VersionId"],
                      now=NOW)
    # Then three documents of the case are recorded, each with its type, its pages and an id from key and pages
    docs = sorted(repo.documents(CASE_ID), key=lambda d: d.page_numbers)
    assert [d.doc_type for d in docs] == [DocType.IDENTITY_CARD, DocType.PROOF_OF_ADDRESS, DocType.QUOTE]
    assert [d.page_numbers for d in docs] == ranges
    assert [d.doc_id for d in docs] == [f"{doc_id_for(key)}-p{r[0]}-{r[-1]}" for r in ranges]
    assert all(d.key == key and d.status == "read" for d in docs)
    assert outcome.status == "recorded" and outcome.doc_id == docs[0].doc_id
    # and the same delivery again records nothing more
    again = receive(ports, bucket=NAMES.bucket, key=key, etag=put["ETag"].strip('"'), version_id=put["VersionId"],
                    now=NOW)
    assert again.status == "duplicate" and len(repo.documents(CASE_ID)) == 3


def test_new_version_of_a_multi_piece_file_supersedes_its_old_pieces(aws):
    # Given a card and a proof of address uploaded together, then a new version of the same key holding a quote
    case_id = "NA-CLEA-2026-000778"
    key = f"applications/{case_id}/documents/scan.pdf"
    s3, repo = clients.client("s3"), dynamo_repository(NAMES.table)
    ports = aws_ports(repo)
    first = s3.put_object(Bucket=NAMES.bucket, Key=key, Body=combined(
        [make_document(DocType.IDENTITY_CARD, {}), make_document(DocType.PROOF_OF_ADDRESS, {})]))
    receive(ports, bucket=NAMES.bucket, key=key, etag=first["ETag"].strip('"'), version_id=first["VersionId"],
            now=NOW, sequencer="0A")
    assert len(repo.documents(case_id)) == 2
    second = s3.put_object(Bucket=NAMES.bucket, Key=key, Body=make_document(DocType.QUOTE, {}))
    # When the new version is received
    outcome = receive(ports, bucket=NAMES.bucket, key=key, etag=second["ETag"].strip('"'),
                      version_id=second["VersionId"], now=NOW, sequencer="0B")
    # Then the quote is the key's one current reading, and the two old pieces are superseded
    docs = {d.doc_id: d for d in repo.documents(case_id)}
    assert outcome.status == "recorded" and docs[doc_id_for(key)].doc_type == DocType.QUOTE
    assert sorted(d.status for d in docs.values()) == ["read", "superseded", "superseded"]
    assert [p.doc_type for p in repo.pieces(case_id) if p.status == "read"] == [DocType.QUOTE]
    # and the first version delivered late changes nothing
    late = receive(ports, bucket=NAMES.bucket, key=key, etag=first["ETag"].strip('"'), version_id=first["VersionId"],
                   now=NOW, sequencer="0A")
    assert late.status == "stale"
    assert sorted(d.status for d in repo.documents(case_id)) == ["read", "superseded", "superseded"]
