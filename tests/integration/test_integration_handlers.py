"""The thin handlers on moto, driven by Powertools-shaped SQS batches of EventBridge S3 events (tests/events)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote_plus
from zoneinfo import ZoneInfo

import pytest

from clea_intake.adapters import clients
from clea_intake.adapters.repository import Repository, dynamo_repository
from clea_intake.local.names import StackNames, asl_path
from clea_intake.local.stack import LambdaContext, load_handler
from tests.integration.conftest import stack_resources

EVENTS = Path(__file__).parents[1] / "events"
NAMES = StackNames()
CASE_ID = "NA-CLEA-2026-000123"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    """Bucket, table and state machine on moto, as the template names them; no execution actually runs."""
    with stack_resources(NAMES, NOW):
        role = clients.client("iam").create_role(RoleName="states", AssumeRolePolicyDocument="{}")
        clients.client("stepfunctions").create_state_machine(
            name=NAMES.state_machine, roleArn=role["Role"]["Arn"], definition=asl_path().read_text("utf-8"))
        yield


@pytest.fixture
def repo(aws: None) -> Repository:
    return dynamo_repository(NAMES.table)


def _invoke(folder: str, event: dict) -> dict:
    context = LambdaContext(function_name=f"clea-intake-{folder}", invoked_function_arn=NAMES.function_arn(folder),
                            aws_request_id=str(uuid.uuid4()))
    return load_handler(folder)(event, context)


def _upload(key: str, body: bytes) -> dict:
    response = clients.client("s3").put_object(Bucket=NAMES.bucket, Key=key, Body=body)
    return {"etag": response["ETag"].strip('"'), "version-id": response["VersionId"]}


def _event(name: str, objects: dict[str, dict], *, rename: dict[str, str] | None = None) -> dict:
    """The fixture event, its objects' etag and version id set to those S3 gave the uploads (by decoded key)."""
    event = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    for record in event["Records"]:
        try:
            body = json.loads(record["body"])
            obj = body["detail"]["object"]
        except (ValueError, KeyError):
            continue  # the malformed record stays as it is
        for old, new in (rename or {}).items():
            obj["key"] = obj["key"].replace(quote(old), quote(new))
        obj.update(objects.get(unquote_plus(obj["key"]), {}))
        record["body"] = json.dumps(body, ensure_ascii=False)
    return event


@pytest.fixture
def form(app_data: Callable[..., dict]) -> Callable[..., bytes]:
    """application.json bytes as the platform writes them (UTF-8, accents kept)."""
    return lambda **overrides: json.dumps(app_data(**overrides), ensure_ascii=False).encode()


# -- classify_document ---------------------------------------------------------------------------------
def test_classify_document_batch_with_malformed_record_fails_only_that_record(repo):
    # Given two documents uploaded under names with spaces, accents, quotes and brackets
    keys = [f"applications/{CASE_ID}/documents/justificatif de domicile février.pdf",
            f"applications/{CASE_ID}/documents/pièce d'identité (recto).pdf"]
    objects = {key: _upload(key, b"not a readable document " + key.encode()) for key in keys}
    event = _event("sqs_eventbridge_s3_documents_batch.json", objects)
    # When the SQS batch with their percent-encoded keys and one malformed record is handled
    result = _invoke("classify_document", event)
    # Then only the malformed record is reported for retry
    assert result == {"batchItemFailures": [{"itemIdentifier": "8f3b6a52-5d2e-4f41-9a2f-2d1c7f0e9b11"}]}
    # and both documents were read from S3 by their decoded keys and recorded once
    recorded = {d.key: d for d in repo.documents(CASE_ID)}
    assert set(recorded) == set(keys)
    assert recorded[keys[1]].original_name == "pièce d'identité (recto).pdf"
    assert all(d.etag == objects[k]["etag"] for k, d in recorded.items())


def test_classify_document_same_batch_twice_records_each_document_once(repo):
    # Given new versions of both documents, handled once
    keys = [f"applications/{CASE_ID}/documents/justificatif de domicile février.pdf",
            f"applications/{CASE_ID}/documents/pièce d'identité (recto).pdf"]
    objects = {key: _upload(key, b"second version of " + key.encode()) for key in keys}
    event = _event("sqs_eventbridge_s3_documents_batch.json", objects)
    _invoke("classify_document", event)
    before = {d.key: d for d in repo.documents(CASE_ID)}
    # When the same batch is delivered again
    result = _invoke("classify_document", event)
    # Then nothing is recorded again: one record per key, the version first read
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == ["8f3b6a52-5d2e-4f41-9a2f-2d1c7f0e9b11"]
    after = {d.key: d for d in repo.documents(CASE_ID)}
    assert after == before
    assert {k: d.etag for k, d in after.items()} == {k: o["etag"] for k, o in objects.items()}


def test_classify_document_flate_bomb_in_a_batch_gets_its_finding_and_the_others_go_on(repo):
    # Given a Flate-bomb PDF (400 KB inflating to 400 MB) and a plain bill, uploaded in one batch
    from tests.hostile_files import flate_bomb_pdf, text_pdf

    keys = [f"applications/{CASE_ID}/documents/justificatif de domicile février.pdf",
            f"applications/{CASE_ID}/documents/pièce d'identité (recto).pdf"]
    objects = {keys[0]: _upload(keys[0], text_pdf()), keys[1]: _upload(keys[1], flate_bomb_pdf())}
    event = _event("sqs_eventbridge_s3_documents_batch.json", objects)
    # When the batch is handled
    result = _invoke("classify_document", event)
    # Then only the malformed record fails: the bomb is read in the sandbox and gets PROCESSING_LIMIT
    assert result == {"batchItemFailures": [{"itemIdentifier": "8f3b6a52-5d2e-4f41-9a2f-2d1c7f0e9b11"}]}
    recorded = {d.key: d for d in repo.documents(CASE_ID)}
    assert [f.code for f in recorded[keys[1]].findings] == ["PROCESSING_LIMIT"]
    assert recorded[keys[1]].etag == objects[keys[1]]["etag"]
    # and the bill of the same batch is read as usual
    assert recorded[keys[0]].etag == objects[keys[0]]["etag"]
    assert str(recorded[keys[0]].doc_type) == "proof_of_address"


def test_classify_document_dates_a_piece_by_its_upload_not_by_its_reading(repo):
    # Given a bill uploaded two days before it is read (a backlog, an OCR outage), and one whose event
    # claims a time after the reading
    from datetime import timedelta

    from tests.hostile_files import text_pdf

    keys = [f"applications/{CASE_ID}/documents/justificatif de domicile février.pdf",
            f"applications/{CASE_ID}/documents/pièce d'identité (recto).pdf"]
    objects = {key: _upload(key, text_pdf() + key.encode()) for key in keys}
    event = _event("sqs_eventbridge_s3_documents_batch.json", objects)
    uploaded = {keys[0]: NOW - timedelta(days=2), keys[1]: NOW + timedelta(hours=1)}
    for record in event["Records"]:
        try:
            body = json.loads(record["body"])
            body["time"] = uploaded[unquote_plus(body["detail"]["object"]["key"])].isoformat()
        except (ValueError, KeyError):
            continue
        record["body"] = json.dumps(body, ensure_ascii=False)
    # When the batch is handled now
    _invoke("classify_document", event)
    # Then the first is dated by its upload, the second by its reading (an event is never dated ahead)
    recorded = {d.key: d for d in repo.documents(CASE_ID)}
    assert recorded[keys[0]].received_at == uploaded[keys[0]]
    assert recorded[keys[1]].received_at == NOW


# -- intake_application --------------------------------------------------------------------------------
def _executions() -> list[str]:
    page = clients.client("stepfunctions").list_executions(stateMachineArn=NAMES.state_machine_arn)
    return [e["name"] for e in page["executions"]]


def test_intake_application_same_event_twice_gives_one_case_and_one_received_event(repo, form):
    # Given the DESIGN application written to its S3 key
    key = f"applications/{CASE_ID}/application.json"
    event = _event("sqs_eventbridge_s3_application.json", {key: _upload(key, form())})
    # When the same event is delivered twice
    first = _invoke("intake_application", event)
    second = _invoke("intake_application", event)
    # Then neither fails, there is one case at version 1 with one "received" event, one execution
    assert first == second == {"batchItemFailures": []}
    case = repo.get_case(CASE_ID)
    assert (case.state, case.version) == ("RECEIVED", 1)
    assert [e.kind for e in repo.timeline(CASE_ID)] == ["received"]
    assert _executions().count(CASE_ID) == 1


def test_intake_application_invalid_form_is_recorded_and_does_not_crash(repo, form):
    # Given an application.json with an evaluator SIRET failing its check digit
    case_id = "NA-CLEA-2026-000124"
    key = f"applications/{case_id}/application.json"
    body = form(case_id=case_id, evaluator__siret="73282932000075")
    event = _event("sqs_eventbridge_s3_application.json", {key: _upload(key, body)},
                   rename={CASE_ID: case_id})
    # When it is handled
    result = _invoke("intake_application", event)
    # Then the record succeeds (retrying cannot fix a form), the error is recorded by field, no case exists
    assert result == {"batchItemFailures": []}
    [problems] = repo.form_errors(case_id)
    assert [p["field"] for p in problems] == ["evaluator.siret"]
    assert "SIRET" in problems[0]["message_fr"]
    assert repo.find_case(case_id) is None
    assert case_id not in _executions()


def test_intake_application_not_json_is_recorded_as_a_file_problem(repo):
    case_id = "NA-CLEA-2026-000125"
    key = f"applications/{case_id}/application.json"
    event = _event("sqs_eventbridge_s3_application.json", {key: _upload(key, b"\xef\xbb\xbf{\"case_id\": ")},
                   rename={CASE_ID: case_id})
    assert _invoke("intake_application", event) == {"batchItemFailures": []}
    [problems] = repo.form_errors(case_id)
    assert problems[0]["field"] == "(fichier)"
    assert repo.find_case(case_id) is None


def test_intake_application_form_in_another_case_folder_is_refused(repo, form):
    # A form whose case_id does not match its folder would file pieces under the wrong case
    case_id = "NA-CLEA-2026-000126"
    key = f"applications/{case_id}/application.json"
    event = _event("sqs_eventbridge_s3_application.json", {key: _upload(key, form(case_id="NA-CLEA-2026-000127"))},
                   rename={CASE_ID: case_id})
    assert _invoke("intake_application", event) == {"batchItemFailures": []}
    assert [p["field"] for p in repo.form_errors(case_id)[0]] == ["case_id"]
    assert repo.find_case("NA-CLEA-2026-000127") is None
