"""Promise: pieces of one case read at the same time lose no update of the case."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clea_intake.samples.persona import application_documents, sample_application
from clea_intake.services.cases import register_application
from clea_intake.services.documents import document_received
from tests.unit.services.fakes import fake_ports

PARIS = ZoneInfo("Europe/Paris")
START = date(2026, 6, 15)
DAY = START - timedelta(days=42)
NOW = datetime.combine(DAY, time(10), tzinfo=PARIS)


def _ten_pieces(app: dict) -> dict[str, bytes]:
    docs = application_documents(app, received=DAY, seed=7301)
    pieces = dict(docs)
    n = 0
    while len(pieces) < 10:  # more files of the same kinds, each of its own content
        name, data = list(docs.items())[n % len(docs)]
        stem, ext = name.rsplit(".", 1)
        pieces[f"{stem}-copie{n}.{ext}"] = data + f"\n% copie {n}\n".encode()
        n += 1
    return pieces


def _run(pieces: dict[str, bytes], app: dict, *, workers: int):
    ports = fake_ports()
    register_application(ports, key=f"applications/{app['case_id']}/application.json", etag="form",
                         body=json.dumps(app, ensure_ascii=False).encode(), now=NOW)
    keys = []
    for name, data in pieces.items():
        key = f"applications/{app['case_id']}/documents/{name}"
        keys.append((key, ports.storage.put_object("bucket", key, data)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(lambda ke: document_received(ports, bucket="bucket", key=ke[0], etag=ke[1],
                                                              version_id=None, now=NOW, sequencer="01"), keys))
    return ports, outcomes


def test_ten_concurrent_documents_for_one_case_lose_no_update():
    app = sample_application(7301, seed=7301, evaluation_start=START.isoformat(),
                             evaluation_end=(START + timedelta(days=4)).isoformat(), nationality="FR",
                             situation="unemployed")
    pieces = _ten_pieces(app)
    # Given the same ten pieces read one after the other, and all at once
    alone, _ = _run(pieces, app, workers=1)
    together, outcomes = _run(pieces, app, workers=10)
    # Then every piece is recorded, and the case ends as the sequential run left it
    assert len(together.repository.documents(app["case_id"])) == 10
    assert {o.status for o in outcomes} <= {"recorded", "duplicate"}
    a, b = alone.repository.get_case(app["case_id"]), together.repository.get_case(app["case_id"])
    assert (b.state, b.missing) == (a.state, a.missing)
    assert str(b.state) != "RECEIVED"
