"""Promise: every bad form is recorded, for the Région and for the platform, and none reaches a dead letter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from clea_intake.local.stack import LocalStack
from clea_intake.services.cases import form_error_key
from tests.conftest import application_dict

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        running.set_time(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS))
        yield running


def _form(case_id: str, **overrides) -> bytes:
    return json.dumps(application_dict(case_id=case_id, **overrides), ensure_ascii=False).encode("utf-8")


BAD_FORMS = {
    "date_outside_every_policy": lambda cid: _form(cid, evaluation_start="1999-04-13", evaluation_end="1999-04-24",
                                                   submitted_at="1999-03-02T10:00:00+01:00"),
    "deep_nesting": lambda cid: b'{"case_id": "' + cid.encode() + b'", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "absurd_end_date": lambda cid: _form(cid, evaluation_end="9999-12-31"),
    "non_ascii_digits_in_the_case_id": lambda cid: _form(cid.replace("2026", "٢٠٢٦")),
    "non_ascii_digits_in_a_postal_code": lambda cid: _form(cid, applicant__address__postal_code="٣٣٠٠٠"),
    "not_json": lambda cid: b"\xff\xfe not a form",
    "too_large": lambda cid: _form(cid, padding="x" * 2_000_000),
}


@pytest.mark.parametrize("kind", sorted(BAD_FORMS))
def test_every_bad_form_is_recorded_with_a_french_sentence_and_no_dead_letter(stack, kind):
    # Given a bad form written by the platform under its case folder
    case_id = f"NA-CLEA-2026-{800 + sorted(BAD_FORMS).index(kind):06d}"
    key = f"applications/{case_id}/application.json"
    stack.put(key, BAD_FORMS[kind](case_id), content_type="application/json")
    # When the intake handler gets its event
    stack.settle()
    # Then no case, one recorded error with a field, a code and a French sentence, and no dead letter
    repo = stack.repo()
    assert repo.find_case(case_id) is None
    errors = repo.form_errors(case_id)
    assert errors, f"no form error recorded for {kind}"
    assert all(p["field"] and p["code"] and p["message_fr"] for p in errors[0])
    assert stack.dead_letters()["intake"] == 0
    # And the platform reads the same problems beside the form
    from clea_intake.adapters import clients

    s3 = clients.client("s3")
    etag = s3.head_object(Bucket=stack.names.bucket, Key=key)["ETag"].strip('"')
    written = json.loads(stack.read_object(form_error_key(case_id, etag)))
    assert written["problems"] == errors[0] and written["form_key"] == key


def test_a_piece_named_application_json_is_a_document_never_the_form(stack):
    # Given a case, and a piece named application.json uploaded under its documents folder
    case_id = "NA-CLEA-2026-000900"
    stack.put(f"applications/{case_id}/application.json", _form(case_id), content_type="application/json")
    stack.settle()
    before = stack.repo().get_case(case_id)
    stack.put(f"applications/{case_id}/documents/application.json", _form(case_id, quote__hours=99),
              content_type="application/json")
    stack.settle()
    # Then the form is unchanged, and the piece is recorded as a document of the case
    repo = stack.repo()
    assert repo.get_case(case_id).application == before.application
    assert any(d.key.endswith("/documents/application.json") for d in repo.documents(case_id))
    assert repo.form_errors(case_id) == []
    assert stack.dead_letters() == {name: 0 for name in stack.dead_letters()}


def test_a_case_whose_execution_fails_never_waits_unseen_it_is_in_the_review_queue(stack, monkeypatch):
    # Given a step that fails whatever the retries (here the acknowledgement)
    def broken(event, context):
        raise ValueError("the step is broken")

    stack.dispatcher.handler("acknowledge_case")
    monkeypatch.setitem(stack.dispatcher._handlers, "acknowledge_case", broken)
    case_id = "NA-CLEA-2026-000901"
    # When a valid form is registered and its execution runs
    stack.put(f"applications/{case_id}/application.json", _form(case_id), content_type="application/json")
    stack.settle()
    # Then the execution failed, and the case is shown in the review queue with the error's name only
    from clea_intake.adapters import clients

    arn = stack.names.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{case_id}"
    assert clients.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "FAILED"
    items = [r for r in stack.repo().reviews() if r.case_id == case_id]
    assert [(r.code, r.kind) for r in items] == [("EXECUTION_FAILED", "case")]
    assert "broken" not in items[0].message


def test_recording_a_failure_does_not_count_the_execution_as_parked(stack):
    # The failure record is an await_step call too, but a plain invoke: its execution goes on to its Fail state, so
    # settling must still wait for it (it returned early, and a test saw RUNNING where FAILED was due).
    failed = {"case_id": "NA-CLEA-2026-000902", "step": "failed", "error": "ValueError"}
    stack.dispatcher.dispatch(stack.names.function_arn("await_step"), json.dumps(failed), {})
    assert "NA-CLEA-2026-000902" not in stack.dispatcher._parked
