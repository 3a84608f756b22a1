"""The newest version of a piece wins, a form error is recorded whatever fails, a failed execution is shown."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from clea_intake.domain.policy import PolicyNotFound
from clea_intake.samples.persona import application_documents, sample_application
from clea_intake.services import cases
from clea_intake.services.documents import receive, version_order
from clea_intake.services.review import open_execution_failure
from tests.conftest import application_dict
from tests.unit.services.fakes import fake_ports

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
CASE_ID = "NA-CLEA-2026-000123"


def test_version_order_pads_sequencers_so_text_order_is_version_order():
    assert version_order("9") < version_order("0A")
    assert version_order("0055AED6DCD90281E5") < version_order("0055AED6DCD90281E6")
    assert version_order(None, NOW) < version_order(None, NOW + timedelta(microseconds=1))
    assert version_order(None, None) is None


def _pieces() -> tuple[str, bytes, bytes]:
    start = date(2026, 6, 15)
    app = sample_application(7001, seed=7001, evaluation_start=start.isoformat(),
                             evaluation_end=(start + timedelta(days=4)).isoformat(), nationality="FR")
    valid = application_documents(app, received=start - timedelta(days=42), seed=7001)
    expired = application_documents(app, received=start - timedelta(days=42), variant="expired_identity", seed=7001)
    name = next(n for n in valid if n in expired and valid[n] != expired[n])
    return name, valid[name], expired[name]


def test_receive_newest_version_wins_an_older_event_after_a_newer_reading_is_stale():
    ports = fake_ports()
    name, new_body, old_body = _pieces()
    key = f"applications/{CASE_ID}/documents/{name}"
    new_etag = ports.storage.put_object("bucket", key, new_body)
    # Given the newer version's event read first
    first = receive(ports, bucket="bucket", key=key, etag=new_etag, version_id="v2", now=NOW, sequencer="0B")
    assert first.status == "recorded"
    # When the older version's event arrives last (its object no longer the current one)
    old_etag = ports.storage.put_object("bucket", key, old_body)
    late = receive(ports, bucket="bucket", key=key, etag=old_etag, version_id="v1", now=NOW, sequencer="0A")
    # Then it is stale: the newer reading stays
    assert late.status == "stale"
    kept = ports.repository.find_document(CASE_ID, first.doc_id)
    assert (kept.etag, kept.version_id, kept.version_order) == (new_etag, "v2", version_order("0B"))
    # And the same newer event again is a duplicate
    again = receive(ports, bucket="bucket", key=key, etag=new_etag, version_id="v2", now=NOW, sequencer="0B")
    assert again.status == "duplicate"


def test_receive_newer_version_always_replaces_the_older_reading():
    ports = fake_ports()
    name, new_body, old_body = _pieces()
    key = f"applications/{CASE_ID}/documents/{name}"
    old_etag = ports.storage.put_object("bucket", key, old_body)
    assert receive(ports, bucket="bucket", key=key, etag=old_etag, version_id="v1", now=NOW,
                   sequencer="0A").status == "recorded"
    new_etag = ports.storage.put_object("bucket", key, new_body)
    outcome = receive(ports, bucket="bucket", key=key, etag=new_etag, version_id="v2", now=NOW, sequencer="0B")
    assert outcome.status == "recorded"
    assert ports.repository.find_document(CASE_ID, outcome.doc_id).etag == new_etag


@pytest.mark.parametrize("failure, code", [(PolicyNotFound("no policy"), "no_policy"),
                                           (RecursionError(), "form_too_deep"),
                                           (ValueError("year 10000 is out of range"), "value_out_of_range"),
                                           (KeyError("x"), "unprocessable")])
def test_register_application_any_failure_of_the_form_is_a_recorded_error(monkeypatch, failure, code):
    # Given a form whose parsing fails in a way the parser did not foresee
    ports = fake_ports()

    def failing(_body):
        raise failure

    monkeypatch.setattr(cases, "parse_application", failing)
    key = f"applications/{CASE_ID}/application.json"
    # When it is registered
    outcome = cases.register_application(ports, key=key, etag="e1", body=b"{}", now=NOW, bucket="bucket")
    # Then the error is recorded with a field, a code and a French sentence, and written for the platform
    assert outcome.status == "invalid" and outcome.problems[0]["code"] == code
    assert ports.repository.form_errors(CASE_ID) == [outcome.problems]
    assert ports.storage.exists("bucket", cases.form_error_key(CASE_ID, "e1"))
    assert outcome.problems[0]["message_fr"]


def test_register_application_a_failure_of_the_platform_is_raised_to_be_retried(monkeypatch):
    ports = fake_ports()

    def throttled(_case):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems")

    monkeypatch.setattr(ports.repository, "create_case", throttled)
    body = cases.json.dumps(application_dict()).encode()
    with pytest.raises(ClientError):
        cases.register_application(ports, key=f"applications/{CASE_ID}/application.json", etag="e1", body=body,
                                   now=NOW)
    assert ports.repository.form_errors(CASE_ID) == []


@pytest.mark.parametrize("key", [f"applications/{CASE_ID}/documents/application.json",
                                 f"applications/{CASE_ID}/x/application.json", "applications/application.json"])
def test_register_application_a_document_key_is_never_the_form(key):
    ports = fake_ports()
    body = cases.json.dumps(application_dict()).encode()
    outcome = cases.register_application(ports, key=key, etag="e1", body=body, now=NOW)
    assert outcome.status == "ignored" and ports.repository.find_case(CASE_ID) is None
    assert not cases.is_form_key(key)


def test_open_execution_failure_shows_the_case_in_the_review_queue_once():
    ports = fake_ports()
    assert open_execution_failure(ports, CASE_ID, "ValueError", NOW) is True
    assert open_execution_failure(ports, CASE_ID, "ValueError", NOW) is False
    [item] = ports.repository.reviews()
    assert (item.code, item.case_id, item.detail) == ("EXECUTION_FAILED", CASE_ID, {"error": "ValueError"})
