"""Register imports on moto: files in the official layouts, streamed from S3 into register items."""

from __future__ import annotations

from datetime import UTC, date, datetime

import boto3
import pytest

from clea_intake.adapters.repository import Repository
from clea_intake.domain.registers import check_evaluator
from clea_intake.services.registers import InvalidRegisterFile, import_register
from tests.register_files import OF_HEADER, SIRENE_HEADER, of_row, register_csv

AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
REGION_DEPARTMENTS = frozenset({"33", "64", "86"})
def _chunks(data: bytes, size: int = 1000):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def test_import_training_organisations_keeps_what_checks_need(dynamo_repo: Repository):
    # Given a DGEFP list in its layout (a quoted name holding the delimiter, a BOM), read in small chunks
    data = register_csv(OF_HEADER, [of_row("75331234533", "732829320"), of_row("72640000164", "552100554", qualiopi=False)],
                ";")
    # When it is imported
    report = import_register(dynamo_repo, _chunks(data, 37), key="registers/organismes-formation/2026-02-15.csv",
                             etag="e1", at=AT)
    # Then both rows are kept under the register's date, which becomes the current one
    assert (report.status, report.rows, report.kept) == ("imported", 2, 2)
    assert dynamo_repo.register_date("organismes-formation") == date(2026, 2, 15)
    entry = dynamo_repo.training_organisation("75331234533", date(2026, 2, 15))
    assert (entry.siren, entry.region_code, entry.qualiopi_training) == ("732829320", "75", True)
    assert entry.last_declaration == date(2025, 12, 31)


def test_import_same_file_twice_changes_nothing(dynamo_repo: Repository):
    # Given a register imported once
    data = register_csv(OF_HEADER, [of_row("75331234533", "732829320")], ";")
    key = "registers/organismes-formation/2026-02-15.csv"
    import_register(dynamo_repo, [data], key=key, etag="e1", at=AT)
    # When the same file (same ETag) arrives again
    again = import_register(dynamo_repo, [data], key=key, etag="e1", at=AT)
    # Then it is recognised and nothing is written
    assert again.status == "already_imported"


def test_import_older_copy_after_newer_keeps_the_newer_current(dynamo_repo: Repository):
    # Given the copy of 2026-02-15 imported, then the one of 2026-01-15 arriving late
    data = register_csv(OF_HEADER, [of_row("75331234533", "732829320")], ";")
    import_register(dynamo_repo, [data], key="registers/organismes-formation/2026-02-15.csv", etag="e2", at=AT)
    import_register(dynamo_repo, [data], key="registers/organismes-formation/2026-01-15.csv", etag="e1", at=AT)
    # Then the current copy is still the newer one
    assert dynamo_repo.register_date("organismes-formation") == date(2026, 2, 15)


def test_import_with_a_changed_header_is_refused_naming_the_missing_columns(dynamo_repo: Repository):
    # Given a list whose Qualiopi column was renamed
    header = [c.replace("certifications.actionsDeFormation", "certifications.actionDeFormation") for c in OF_HEADER]
    data = register_csv(header, [of_row("75331234533", "732829320")], ";")
    # When it is imported
    with pytest.raises(InvalidRegisterFile, match="certifications.actionsDeFormation"):
        import_register(dynamo_repo, [data], key="registers/organismes-formation/2026-02-15.csv", etag="e1", at=AT)
    # Then nothing counts as imported
    assert dynamo_repo.register_date("organismes-formation") is None


@pytest.mark.parametrize("key", ["registers/organismes-formation/latest.csv", "registers/autre/2026-02-15.csv",
                                 "registers/sirene/2026-02-30.csv"])
def test_import_of_an_unknown_key_is_refused(dynamo_repo: Repository, key: str):
    with pytest.raises(InvalidRegisterFile):
        import_register(dynamo_repo, [b""], key=key, etag="e1", at=AT)


def test_import_sirene_keeps_the_regions_and_known_evaluators_establishments(dynamo_repo: Repository):
    # Given a Sirene stock extract: one closed establishment in Gironde, one active in Paris, one known evaluator
    rows = [["732829320", "00074", "73282932000074", "O", "2001-01-01", "33700", "MERIGNAC", "F"],
            ["552100554", "00010", "55210055400010", "O", "1990-01-01", "75008", "PARIS", "A"],
            ["443061841", "00019", "44306184100019", "O", "2003-01-01", "69001", "LYON", "A"]]
    report = import_register(dynamo_repo, [register_csv(SIRENE_HEADER, rows, ",")], key="registers/sirene/2026-02-01.csv",
                             etag="s1", at=AT, keep_siret={"44306184100019"}, region_departments=REGION_DEPARTMENTS)
    # Then the Gironde establishment and the known evaluator are kept, Paris is not
    day = date(2026, 2, 1)
    assert report.kept == 2
    assert dynamo_repo.establishment("73282932000074", day).active is False
    assert dynamo_repo.establishment("44306184100019", day).active is True
    assert dynamo_repo.establishment("55210055400010", day) is None


@pytest.mark.parametrize(("organisation", "certificate_valid", "expected"), [
    (dict(nda="75331234533", siren="732829320"), True, []),
    (dict(nda="75331234533", siren="552100554"), True, ["NDA_MISMATCH"]),
    (dict(nda="75331234533", siren="732829320", qualiopi=False), True, ["REGISTER_NOT_QUALIOPI"]),
    (dict(nda="75331234533", siren="732829320", region="11", postal="75008"), True, ["REGISTER_NOT_IN_REGION"]),
    (None, True, ["NDA_UNKNOWN"]),
])
def test_check_evaluator_against_imported_register(dynamo_repo: Repository, organisation, certificate_valid, expected):
    # Given a DGEFP list holding (or not) the quote's NDA
    rows = [of_row(**organisation)] if organisation else [of_row("11111111111", "111111111")]
    import_register(dynamo_repo, [register_csv(OF_HEADER, rows, ";")], key="registers/organismes-formation/2026-02-15.csv",
                    etag="e1", at=AT)
    day = dynamo_repo.register_date("organismes-formation")
    # When the evaluator of SIRET 73282932000074 is checked
    found = check_evaluator(nda="75331234533", siret="73282932000074",
                            organisation=dynamo_repo.training_organisation("75331234533", day), organisations_date=day,
                            establishment=None, establishments_date=None, certificate_valid=certificate_valid,
                            region_code="75")
    # Then the codes are the expected ones, each with its French sentence and the register date used
    assert [f.code for f in found] == expected
    assert all(f.message and f.register_date == date(2026, 2, 15) for f in found)


def test_import_streams_a_register_from_s3_chunk_by_chunk(dynamo_repo: Repository):
    # Given a 5,000-row list in S3, read through the object's body chunk by chunk
    s3 = boto3.client("s3", region_name="eu-west-3")
    s3.create_bucket(Bucket="registers-test", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    s3.put_object(Bucket="registers-test", Key="registers/organismes-formation/2026-02-15.csv",
                  Body=register_csv(OF_HEADER, [of_row(f"75{n:09d}", f"{n:09d}") for n in range(5_000)], ";"))
    body = s3.get_object(Bucket="registers-test", Key="registers/organismes-formation/2026-02-15.csv")["Body"]
    # When it is imported
    report = import_register(dynamo_repo, body.iter_chunks(64 * 1024),
                             key="registers/organismes-formation/2026-02-15.csv", etag="big", at=AT)
    # Then every row is an item
    assert report.kept == 5_000
    assert dynamo_repo.training_organisation("75000004999", date(2026, 2, 15)).siren == "000004999"


class _CountingRepository:
    """Takes the import's writes and keeps only their count: what the import itself holds is measured."""

    def __init__(self) -> None:
        self.entries = 0

    def register_imported(self, *args) -> bool:
        return False

    def put_register_entries(self, kind, day, entries) -> None:
        self.entries += len(entries)

    def record_register_import(self, *args, **kwargs) -> None:
        pass


def test_import_of_150000_rows_holds_one_batch_at_a_time():
    # Given a 150,000-row list (the DGEFP list's size), produced chunk by chunk
    import tracemalloc

    def chunks():
        yield register_csv(OF_HEADER, [], ";")
        for start in range(0, 150_000, 1_000):
            yield register_csv(OF_HEADER, [of_row(f"75{n:09d}", f"{n:09d}") for n in range(start, start + 1_000)],
                       ";").split(b"\n", 1)[1]

    repo = _CountingRepository()
    # When it is imported
    tracemalloc.start()
    report = import_register(repo, chunks(), key="registers/organismes-formation/2026-02-15.csv", etag="e", at=AT)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Then every row went out, and the import never held more than a few batches (not the file)
    assert report.kept == repo.entries == 150_000
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB"


def test_evaluator_view_shows_what_each_register_says_with_its_date(dynamo_repo: Repository):
    # Given the DGEFP list (the evaluator declared under its SIRET, not Qualiopi) and a Sirene copy (closed)
    from clea_intake.services.evaluators import describe

    import_register(dynamo_repo, [register_csv(OF_HEADER, [of_row("75331234533", "732829320", qualiopi=False)], ";")],
                    key="registers/organismes-formation/2026-02-15.csv", etag="o1", at=AT)
    rows = [["732829320", "00074", "73282932000074", "O", "2001-01-01", "33700", "MERIGNAC", "F"]]
    import_register(dynamo_repo, [register_csv(SIRENE_HEADER, rows, ",")], key="registers/sirene/2026-02-01.csv",
                    etag="s1", at=AT, region_departments=REGION_DEPARTMENTS)
    # When `clea-intake evaluator show 73282932000074` describes it (no supplier record for it)
    shown = describe(dynamo_repo, "73282932000074")
    # Then each register says its piece, with the date of the copy read
    dgefp, sirene = shown["registers"]["organismes-formation"], shown["registers"]["sirene"]
    assert (dgefp["register_date"], dgefp["found"], dgefp["nda"], dgefp["region_code"]) == (
        date(2026, 2, 15), True, "75331234533", "75")
    assert dgefp["qualiopi"] == {"actions_de_formation": False, "bilans_de_competences": False, "vae": False,
                                 "actions_de_formation_par_apprentissage": False}
    assert (sirene["register_date"], sirene["found"], sirene["active"]) == (date(2026, 2, 1), True, False)
    assert shown["name"] is None and shown["history"] == []


# -- the batch writes, as DynamoDB answers them -------------------------------------------------------------
class _Requests:
    """Every request the project's DynamoDB clients send (retries included), by operation, seen by botocore."""

    def __init__(self) -> None:
        from clea_intake.adapters import clients

        self.sent: dict[str, int] = {}
        self._clients = [clients.client("dynamodb"), clients.bulk_client("dynamodb"),
                         clients.resource("dynamodb").meta.client]
        for client in self._clients:
            client.meta.events.register("before-send.dynamodb", self._count)

    def _count(self, event_name: str = "", **_kwargs) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self.sent[operation] = self.sent.get(operation, 0) + 1

    def writes(self) -> int:
        return sum(n for op, n in self.sent.items() if op in {"BatchWriteItem", "PutItem", "UpdateItem",
                                                                "DeleteItem", "TransactWriteItems"})

    def stop(self) -> None:
        for client in self._clients:
            client.meta.events.unregister("before-send.dynamodb", self._count)


def _register_items(repo: Repository) -> list[dict]:
    """The table's items under REGISTER# (a test may scan moto), in key order."""
    table = boto3.resource("dynamodb", region_name="eu-west-3").Table(repo.table.table_name)
    items, start = [], None
    while True:
        page = table.scan(ConsistentRead=True, **({"ExclusiveStartKey": start} if start else {}))
        items.extend(page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return sorted((i for i in items if i["pk"].startswith("REGISTER#")), key=lambda i: (i["pk"], i["sk"]))


def test_import_writes_25_items_a_request_and_a_reimport_sends_no_write(dynamo_repo: Repository):
    # Given a 1,000-row list (each row kept under its NDA and under its declaring SIRET: 2,000 items)
    data = register_csv(OF_HEADER, [of_row(f"75{n:09d}", f"{n:09d}") for n in range(1_000)], ";")
    key = "registers/organismes-formation/2026-02-15.csv"
    requests = _Requests()
    try:
        # When it is imported
        import_register(dynamo_repo, _chunks(data, 4096), key=key, etag="e1", at=AT)
        first = dict(requests.sent)
        before = _register_items(dynamo_repo)
        requests.sent.clear()
        # And the same file (same ETag) arrives again
        again = import_register(dynamo_repo, _chunks(data, 4096), key=key, etag="e1", at=AT)
    finally:
        requests.stop()
    # Then the rows went out in full BatchWriteItem requests, no row on its own
    assert first["BatchWriteItem"] == 2_000 // 25 and "PutItem" not in first
    # And the second import sent no write at all and left every register item as it was
    assert (again.status, requests.writes()) == ("already_imported", 0)
    assert _register_items(dynamo_repo) == before


def test_the_same_file_under_another_etag_rewrites_every_item_identical(dynamo_repo: Repository):
    # Given a list imported once
    data = register_csv(OF_HEADER, [of_row(f"75{n:09d}", f"{n:09d}", qualiopi=bool(n % 3)) for n in range(300)], ";")
    key = "registers/organismes-formation/2026-02-15.csv"
    import_register(dynamo_repo, [data], key=key, etag="e1", at=AT)
    rows = [i for i in _register_items(dynamo_repo) if i["type"] == "register_entry"]
    # When the same bytes are dropped again under another ETag (a multipart upload), a day later
    report = import_register(dynamo_repo, [data], key=key, etag="e1-multipart-2", at=datetime(2026, 3, 2, tzinfo=UTC))
    # Then the file is imported again, and every register row is the same item as before
    assert report.status == "imported"
    assert [i for i in _register_items(dynamo_repo) if i["type"] == "register_entry"] == rows
    assert len(rows) == 600


def test_items_dynamodb_leaves_unprocessed_are_sent_again_until_all_are_written(dynamo_repo: Repository, monkeypatch):
    # Given DynamoDB throttling the register's writes: each of the first three requests writes only its first
    # 10 puts and answers the rest as UnprocessedItems (what moto is sent is cut, what it answers completed)
    import json

    from clea_intake.adapters import clients
    from clea_intake.adapters import table as table_module

    waits: list[float] = []
    monkeypatch.setattr(table_module.time, "sleep", waits.append)
    held: list[list] = []

    def cut(request, **_kwargs) -> None:
        if len(held) < 3:
            body = json.loads(request.body)
            (name, writes), = body["RequestItems"].items()
            body["RequestItems"][name], rest = writes[:10], writes[10:]
            held.append([name, rest])
            request.body = json.dumps(body).encode()
            request.headers["Content-Length"] = str(len(request.body))

    def unprocessed(parsed, **_kwargs) -> None:
        if held and held[-1][1] is not None:
            name, rest = held[-1]
            parsed["UnprocessedItems"] = {name: rest}
            held[-1][1] = None

    bulk = clients.bulk_client("dynamodb")
    bulk.meta.events.register("before-send.dynamodb.BatchWriteItem", cut)
    bulk.meta.events.register("after-call.dynamodb.BatchWriteItem", unprocessed)
    try:
        # When 30 rows (60 items) are imported
        data = register_csv(OF_HEADER, [of_row(f"75{n:09d}", f"{n:09d}") for n in range(30)], ";")
        report = import_register(dynamo_repo, [data], key="registers/organismes-formation/2026-02-15.csv",
                                 etag="e1", at=AT)
    finally:
        bulk.meta.events.unregister("before-send.dynamodb.BatchWriteItem", cut)
        bulk.meta.events.unregister("after-call.dynamodb.BatchWriteItem", unprocessed)
    # Then every item is written in the end: the first request's 15 unprocessed puts were sent again (10 of
    # them written), then its last 5, each time after a backoff
    assert report.kept == 30
    assert len([i for i in _register_items(dynamo_repo) if i["type"] == "register_entry"]) == 60
    assert len(held) == 3 and len(waits) == 2 and all(0 <= w <= 5.0 for w in waits)
    assert dynamo_repo.training_organisation("75000000029", date(2026, 2, 15)).siren == "000000029"


def test_a_row_listed_twice_is_written_once_the_later_row_kept(dynamo_repo: Repository):
    # Given a list naming the same NDA twice within one request's 25 rows (DynamoDB refuses a request that
    # puts one key twice), the later row no longer Qualiopi
    rows = [of_row(f"75{n:09d}", f"{n:09d}") for n in range(10)]
    rows.insert(5, of_row("75000000002", "000000002", qualiopi=False))
    data = register_csv(OF_HEADER, rows, ";")
    # When it is imported
    report = import_register(dynamo_repo, [data], key="registers/organismes-formation/2026-02-15.csv", etag="e1",
                             at=AT)
    # Then every row was read, the NDA and its SIRET hold one item each, from the later row
    assert report.kept == 11
    assert len([i for i in _register_items(dynamo_repo) if i["type"] == "register_entry"]) == 20
    assert dynamo_repo.training_organisation("75000000002", date(2026, 2, 15)).qualiopi_training is False
    assert dynamo_repo.training_organisation_of_siret("00000000200074", date(2026, 2, 15)).qualiopi_training is False
