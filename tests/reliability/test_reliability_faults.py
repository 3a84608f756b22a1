"""Promise: our own failures are never the applicant's. An OCR engine gone or throttled, S3, DynamoDB or SES
throttling or failing: the record is retried (botocore's backoff, then a batch item failure and SQS's
redelivery, then the dead-letter queue and its alarm), nobody is told anything about the piece meanwhile,
and once the service is back the piece is read once, its case moved on once, each e-mail sent once.

Faults are injected on the local stack's own clients, under botocore's retries (conftest.Faults), or with
botocore's Stubber for Textract (the local stack reads with Tesseract).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from botocore.stub import Stubber

from clea_intake import runtime, settings
from clea_intake.adapters import clients
from clea_intake.domain.lifecycle import State
from clea_intake.local.dispatch import LambdaContext, sqs_record
from clea_intake.local.stack import LocalStack
from clea_intake.samples.persona import application_documents, sample_application
from tests import cloudformation

PARIS = ZoneInfo("Europe/Paris")
START = date(2026, 6, 15)
DAY = START - timedelta(days=42)
TEXTRACT_RIB = Path(__file__).parents[1] / "fixtures" / "documents" / "textract_detect_document_text_rib.json"


def _clean_numbers() -> Iterator[int]:
    """Sample applicants whose text PDFs all read without a finding: their case completes when all arrive."""
    from clea_intake.documents.pipeline import read_document
    from clea_intake.domain.policy import current_policy

    for number in itertools.count(7600):
        app = _application(number)
        pieces = application_documents(app, received=DAY, seed=number)
        if all(not read_document(data, filename=name, as_of=DAY, policy=current_policy()).findings
               for name, data in pieces.items()):
            yield number


def _application(number: int) -> dict:
    return sample_application(number, seed=number, evaluation_start=START.isoformat(),
                              evaluation_end=(START + timedelta(days=4)).isoformat(), nationality="FR",
                              situation="unemployed")


_numbers = _clean_numbers()


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.fixture
def aws(stack: LocalStack, faults):
    """The injector on the stack's S3, DynamoDB and SES clients."""
    faults.watch("s3", "dynamodb", "ses")
    yield faults
    faults.unwatch()


# -- helpers ---------------------------------------------------------------------------------------------
def submitted(stack: LocalStack, **medium) -> tuple[str, dict[str, bytes]]:
    """A new case submitted and settled on DAY; its pieces (not uploaded), text PDFs unless `medium` says."""
    number = next(_numbers)
    app = _application(number)
    app["submitted_at"] = datetime.combine(DAY, time(9), tzinfo=PARIS).isoformat()
    stack.set_time(datetime.combine(DAY, time(9), tzinfo=PARIS))
    stack.submit(app)
    stack.settle()
    return app["case_id"], application_documents(app, received=DAY, seed=number, medium_for=medium or None)


def taken(stack: LocalStack, queue: str = "documents") -> list[dict]:
    """The queue's waiting messages, taken off it as SQS records: the test delivers them itself."""
    sqs = clients.client("sqs")
    url = stack.dispatcher.queue_urls[queue]
    records = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                       WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return records
        for message in messages:
            records.append(sqs_record(message, url, stack.names.region))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def uploaded(stack: LocalStack, case_id: str, pieces: dict[str, bytes]) -> list[dict]:
    for name, data in pieces.items():
        stack.upload_document(case_id, name, data)
    return taken(stack)


def deliver(stack: LocalStack, records: list[dict], folder: str = "classify_document",
            context: object | None = None) -> list[str]:
    """One invocation of the function on these records, as the event source mapping makes it; the ids of the
    records it gave back (all of them when the invocation failed as a whole)."""
    context = context or LambdaContext(function_name=f"{stack.names.prefix}-{folder}",
                                       invoked_function_arn=stack.names.function_arn(folder))
    try:
        result = stack.handler(folder)({"Records": records}, context)
    except Exception:  # noqa: BLE001 - Powertools raises when every record failed
        return [r["messageId"] for r in records]
    return [f["itemIdentifier"] for f in result["batchItemFailures"]]


def told(stack: LocalStack, case_id: str) -> dict:
    """What the case and its people were told: e-mails recorded and sent, findings, reviews, transitions."""
    repo = stack.repo()
    case = repo.get_case(case_id)
    return {"state": case.state, "mails": sorted(m.kind for m in repo.mails(case_id)),
            "sent": len(stack.sent_emails()),
            "findings": sorted(f.code for d in repo.documents(case_id) for f in d.findings),
            "reviews": sorted(r.code for r in repo.reviews() if r.case_id == case_id),
            "transitions": [(e.from_state, e.to_state) for e in repo.timeline(case_id) if e.kind == "transition"]}


def one_piece(pieces: dict[str, bytes], suffix: str) -> dict[str, bytes]:
    name = next(n for n in pieces if n.endswith(suffix))
    return {name: pieces[name]}


# -- the OCR engine --------------------------------------------------------------------------------------
def test_tesseract_removed_from_path_the_scan_fails_nobody_is_told_then_it_is_read_once(stack, monkeypatch):
    # Given a case, and a photo of its proof of address that only OCR can read
    case_id, pieces = submitted(stack, proof="jpeg")
    records = uploaded(stack, case_id, one_piece(pieces, ".jpg"))
    before = told(stack, case_id)
    # When it is delivered while Tesseract is nowhere on PATH
    path = os.environ["PATH"]
    monkeypatch.setenv("PATH", "")
    failed = deliver(stack, records)
    # Then the record comes back as a failure, and nothing was recorded or said about the piece
    assert failed == [r["messageId"] for r in records]
    assert stack.repo().documents(case_id) == []
    assert told(stack, case_id) == before
    # When the engine is back and SQS delivers the record again
    monkeypatch.setenv("PATH", path)
    assert deliver(stack, records) == []
    # Then the photo is read by OCR, once, with no finding blaming its quality
    documents = stack.repo().documents(case_id)
    assert len(documents) == 1 and documents[0].text_source == "ocr"
    assert "UNREADABLE" not in [f.code for f in documents[0].findings]
    assert "UNREADABLE" not in told(stack, case_id)["findings"]


def test_textract_throttled_the_scan_fails_nobody_is_told_then_it_is_read_once(stack, monkeypatch):
    # Given the deployment's Textract provider, throttled (ProvisionedThroughputExceededException)
    case_id, pieces = submitted(stack, proof="jpeg")
    records = uploaded(stack, case_id, one_piece(pieces, ".jpg"))
    before = told(stack, case_id)
    monkeypatch.setenv("OCR_PROVIDER", "textract")
    settings.reset()
    runtime.reset()
    try:
        with Stubber(clients.client("textract")) as textract:
            textract.add_client_error("detect_document_text",
                                      service_error_code="ProvisionedThroughputExceededException")
            # When the photo is delivered
            failed = deliver(stack, records)
            # Then the record is a batch item failure, and nothing is recorded or said
            assert failed == [r["messageId"] for r in records]
            assert stack.repo().documents(case_id) == [] and told(stack, case_id) == before
            # When Textract answers again and the record is delivered again
            textract.add_response("detect_document_text", json.loads(TEXTRACT_RIB.read_text(encoding="utf-8")))
            assert deliver(stack, records) == []
            textract.assert_no_pending_responses()
    finally:
        monkeypatch.setenv("OCR_PROVIDER", "tesseract")
        settings.reset()
        runtime.reset()
    # Then the piece is read from Textract's lines, once
    documents = stack.repo().documents(case_id)
    assert [(d.text_source, str(d.doc_type)) for d in documents] == [("ocr", "bank_details")]


def test_ocr_outage_through_the_queue_reaches_the_dead_letter_queue_then_a_redrive_reads_it(stack, monkeypatch):
    # Given a photo delivered through the documents queue while Tesseract is gone
    case_id, pieces = submitted(stack, proof="jpeg")
    name, data = next(iter(one_piece(pieces, ".jpg").items()))
    before = told(stack, case_id)
    dead = stack.dead_letters()["documents"]
    path = os.environ["PATH"]
    monkeypatch.setenv("PATH", "")
    stack.upload_document(case_id, name, data)
    # When the queue delivers it until its redrive policy gives up (three receives)
    stack.pump()
    # Then it waits in the dead-letter queue, and the case and applicant were told nothing
    assert stack.dead_letters()["documents"] == dead + 1
    assert told(stack, case_id) == before and stack.repo().documents(case_id) == []
    # When the engine is back and the dead letter is sent back to its queue (the alarm's runbook)
    monkeypatch.setenv("PATH", path)
    sqs = clients.client("sqs")
    for message in sqs.receive_message(QueueUrl=stack.dlq_urls["documents"], MaxNumberOfMessages=10,
                                       WaitTimeSeconds=0).get("Messages", []):
        sqs.send_message(QueueUrl=stack.queue_urls["documents"], MessageBody=message["Body"])
        sqs.delete_message(QueueUrl=stack.dlq_urls["documents"], ReceiptHandle=message["ReceiptHandle"])
    stack.settle()
    # Then the piece is read once
    documents = stack.repo().documents(case_id)
    assert len(documents) == 1 and documents[0].text_source == "ocr"


def test_a_poison_message_reaches_the_dead_letter_queue_and_its_alarm(stack):
    # Given a message on the documents queue that no delivery can handle
    dead = stack.dead_letters()["documents"]
    clients.client("sqs").send_message(QueueUrl=stack.queue_urls["documents"],
                                       MessageBody=json.dumps({"detail-type": "Object Created", "detail": 42}))
    # When the queue delivers it as Lambda's event source mapping would
    stack.pump()
    # Then after three receives it is in the dead-letter queue, not lost and not retried forever
    assert stack.dead_letters()["documents"] == dead + 1
    # and the template's alarm on that dead-letter queue fires at one message
    resources = cloudformation.expand(cloudformation.load())["Resources"]
    alarm = resources["DocumentsDlqAlarm"]["Properties"]
    assert alarm["Namespace"] == "AWS/SQS" and alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["DocumentsDlq", "QueueName"]}}]
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and stack.dead_letters()["documents"] > float(
        alarm["Threshold"])
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    queue = resources["DocumentsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["DocumentsDlq", "Arn"]}


# -- S3 ----------------------------------------------------------------------------------------------------
def test_the_clients_retry_in_botocores_standard_mode_with_backoff(stack):
    # Given the project's clients, as every adapter gets them
    for service in ("s3", "dynamodb", "ses", "textract", "stepfunctions"):
        retries = clients.client(service).meta.config.retries
        # Then each retries throttling, 5xx and connection errors, five times after the first attempt
        assert retries["mode"] == "standard" and retries["total_max_attempts"] == 6, service
    assert clients.resource("dynamodb").meta.client.meta.config.retries["mode"] == "standard"


def test_s3_slowdown_is_retried_with_backoff_and_the_piece_read_once(stack, aws):
    # Given a piece, and S3 answering SlowDown to the first two reads of it
    case_id, pieces = submitted(stack)
    records = uploaded(stack, case_id, one_piece(pieces, ".pdf"))
    aws.clear()
    aws.inject("s3", "GetObject", "SlowDown", status=503, times=2)
    # When it is delivered
    assert deliver(stack, records) == []
    # Then botocore waited and read again within the invocation: one reading, nothing about S3 in it
    assert aws.injected[("s3", "GetObject")] == 2 and aws.attempts[("s3", "GetObject")] == 3
    assert len(aws.delays) == 2
    documents = stack.repo().documents(case_id)
    assert len(documents) == 1 and documents[0].text_source == "text_layer"


def test_s3_slowdown_past_the_retries_is_a_batch_failure_then_the_piece_is_read_once(stack, aws):
    # Given S3 answering SlowDown to every read
    case_id, pieces = submitted(stack)
    records = uploaded(stack, case_id, one_piece(pieces, ".pdf"))
    before = told(stack, case_id)
    aws.clear()
    aws.inject("s3", "GetObject", "SlowDown", status=503, times=1_000)
    # When the piece is delivered
    failed = deliver(stack, records)
    # Then after the first attempt and five retries the record is given back, and nothing was said
    assert failed == [r["messageId"] for r in records]
    assert aws.attempts[("s3", "GetObject")] == 6
    assert stack.repo().documents(case_id) == [] and told(stack, case_id) == before
    # When S3 is back and the record is delivered again, then the piece is read once
    aws.clear()
    assert deliver(stack, records) == []
    assert len(stack.repo().documents(case_id)) == 1


# -- DynamoDB ------------------------------------------------------------------------------------------------
def test_dynamodb_throttling_is_retried_then_a_batch_failure_never_a_half_write(stack, aws):
    # Given pieces of a case, and DynamoDB throttling every write
    case_id, pieces = submitted(stack)
    records = uploaded(stack, case_id, one_piece(pieces, ".pdf"))
    before = told(stack, case_id)
    aws.clear()
    for operation in ("PutItem", "UpdateItem", "TransactWriteItems"):
        aws.inject("dynamodb", operation, "ProvisionedThroughputExceededException", times=1_000)
    # When the piece is delivered
    failed = deliver(stack, records)
    # Then the record comes back, after botocore's retries, and nothing was written or said
    assert failed == [r["messageId"] for r in records]
    assert max(aws.attempts[("dynamodb", op)] for op in ("PutItem", "UpdateItem", "TransactWriteItems")) == 6
    assert stack.repo().documents(case_id) == [] and told(stack, case_id) == before
    # When DynamoDB is back: two throttled writes only, retried within the invocation
    aws.clear()
    aws.inject("dynamodb", "PutItem", "ProvisionedThroughputExceededException", times=2)
    aws.inject("dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException", times=2)
    assert deliver(stack, records) == []
    # Then the piece is recorded once and the case moved on once
    assert len(stack.repo().documents(case_id)) == 1
    after = told(stack, case_id)
    assert len(after["transitions"]) == len(set(after["transitions"]))


def test_dynamodb_transaction_conflict_is_retried_and_the_case_moves_on_once(stack, aws):
    # Given a case that one piece short of complete
    case_id, pieces = submitted(stack)
    last = one_piece(pieces, ".pdf")
    for records in (uploaded(stack, case_id, {n: d for n, d in pieces.items() if n not in last}),):
        assert deliver(stack, records) == []
    records = uploaded(stack, case_id, last)
    # When its last piece is delivered while another transaction holds the case (TransactionConflict)
    aws.inject("dynamodb", "TransactWriteItems", "TransactionCanceledException", times=1,
               extra={"CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}]})
    deliveries = 1
    while deliver(stack, records):
        deliveries += 1
        assert deliveries <= 2, "a conflict needs at most one redelivery"
    stack.settle()
    # Then the conflict was met and the case completed once: one transition to COMPLETE, each e-mail once
    assert aws.injected[("dynamodb", "TransactWriteItems")] == 1
    after = told(stack, case_id)
    assert [t for t in after["transitions"] if t[1] == State.COMPLETE] == [(State.INCOMPLETE, State.COMPLETE)]
    assert after["state"] == State.AWARDED
    for kind in ("acknowledgement", "award_beneficiary", "arrete_evaluator"):
        assert after["mails"].count(kind) == 1, kind


# -- SES -------------------------------------------------------------------------------------------------------
def test_ses_throttling_is_retried_and_the_notice_sent_once(stack, aws):
    # Given a case told it is incomplete more than a day ago, and SES throttling twice
    case_id, pieces = submitted(stack)
    assert "incomplete" in told(stack, case_id)["mails"]
    stack.set_time(datetime.combine(DAY + timedelta(days=2), time(9), tzinfo=PARIS))
    records = uploaded(stack, case_id, one_piece(pieces, ".pdf"))
    sent = len(stack.sent_emails())
    aws.clear()
    aws.inject("ses", "SendRawEmail", "Throttling", times=2)
    # When a piece arrives and the case is still incomplete
    assert deliver(stack, records) == []
    # Then the reminder went out once, after two throttled attempts
    assert aws.attempts[("ses", "SendRawEmail")] == 3
    assert len(stack.sent_emails()) == sent + 1
    assert told(stack, case_id)["mails"].count("incomplete") == 2


def test_ses_message_rejected_is_a_batch_failure_and_the_redelivery_sends_it_once(stack, aws):
    # Given a case told it is incomplete more than a day ago, and SES rejecting the next message
    case_id, pieces = submitted(stack)
    stack.set_time(datetime.combine(DAY + timedelta(days=2), time(9), tzinfo=PARIS))
    records = uploaded(stack, case_id, one_piece(pieces, ".pdf"))
    sent, mails = len(stack.sent_emails()), told(stack, case_id)["mails"]
    aws.clear()
    aws.inject("ses", "SendRawEmail", "MessageRejected", times=1)
    # When the piece arrives
    failed = deliver(stack, records)
    # Then the rejection is not retried by botocore, the record comes back, and no e-mail is counted as sent
    assert failed == [r["messageId"] for r in records]
    assert aws.attempts[("ses", "SendRawEmail")] == 1
    assert len(stack.sent_emails()) == sent and told(stack, case_id)["mails"] == mails
    # When SQS delivers it again, then the piece is not read twice and the reminder goes out once
    assert deliver(stack, records) == []
    assert len(stack.repo().documents(case_id)) == 1
    assert len(stack.sent_emails()) == sent + 1
    assert told(stack, case_id)["mails"].count("incomplete") == mails.count("incomplete") + 1
    assert deliver(stack, records) == [] and len(stack.sent_emails()) == sent + 1


# -- a handler killed half-way ---------------------------------------------------------------------------------
class Killed(BaseException):
    """The Lambda runtime dying (timeout, out of memory): no exception handler of ours sees it."""


def test_killed_after_the_document_write_before_the_case_write_the_redelivery_finishes_once(stack, monkeypatch):
    # Given a case one piece short of complete
    case_id, pieces = submitted(stack)
    last = one_piece(pieces, ".pdf")
    assert deliver(stack, uploaded(stack, case_id, {n: d for n, d in pieces.items() if n not in last})) == []
    records = uploaded(stack, case_id, last)
    # When the function dies right after the last piece's reading is written, before the case is
    from clea_intake.services import documents

    def killed(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(documents, "advance", killed)
    with pytest.raises(Killed):
        stack.handler("classify_document")({"Records": records}, LambdaContext(
            function_name="classify", invoked_function_arn=stack.names.function_arn("classify_document")))
    monkeypatch.undo()
    assert len(stack.repo().documents(case_id)) == len(pieces)
    assert stack.repo().get_case(case_id).state == State.INCOMPLETE
    # When SQS delivers the batch again (and again)
    assert deliver(stack, records) == [] and deliver(stack, records) == []
    stack.settle()
    # Then the case completed once and went on: one transition to COMPLETE, one award, each letter once
    after = told(stack, case_id)
    assert len(stack.repo().documents(case_id)) == len(pieces)
    assert [t for t in after["transitions"] if t[1] == State.COMPLETE] == [(State.INCOMPLETE, State.COMPLETE)]
    assert after["state"] == State.AWARDED
    assert after["mails"].count("award_beneficiary") == 1 and after["mails"].count("arrete_evaluator") == 1


# What Lambda reports to Step Functions when a function's runtime dies mid-invocation (out of memory, a crash).
RuntimeExitError = type("Runtime.ExitError", (Exception,), {})


def test_killed_after_the_award_before_the_letter_step_functions_finishes_once(stack, monkeypatch):
    # Given a case whose last piece completes it, and an award function that dies right after its write
    from clea_intake.adapters.repository import Repository

    case_id, pieces = submitted(stack)
    real = Repository.record_award
    deaths = []

    def dies_after_the_award(self, *args, **kwargs):
        real(self, *args, **kwargs)
        if not deaths:
            deaths.append(case_id)
            raise RuntimeExitError("the runtime exited")

    monkeypatch.setattr(Repository, "record_award", dies_after_the_award)
    # When every piece arrives and the workflow runs on
    for name, data in pieces.items():
        stack.upload_document(case_id, name, data)
    stack.settle()
    # Then the award task was killed once after writing, retried by the state machine, and did nothing twice
    assert deaths == [case_id]
    after = told(stack, case_id)
    assert after["state"] == State.AWARDED
    assert [t for t in after["transitions"] if t[1] == State.AWARDED] == [(State.COMPLETE, State.AWARDED)]
    # and the decision letters went out once each
    assert after["mails"].count("award_beneficiary") == 1 and after["mails"].count("arrete_evaluator") == 1
    assert not [r for r in stack.repo().reviews() if r.case_id == case_id]


# -- Lambda's remaining time --------------------------------------------------------------------------------
class RunningOut(LambdaContext):
    """A context whose remaining time is read from a list: the batch's start, then before each record."""

    def __init__(self, stack: LocalStack, folder: str, remaining_ms: list[int]) -> None:
        super().__init__(function_name=f"{stack.names.prefix}-{folder}",
                         invoked_function_arn=stack.names.function_arn(folder))
        self._left = list(remaining_ms)

    def get_remaining_time_in_millis(self) -> int:
        return self._left.pop(0) if len(self._left) > 1 else self._left[0]


def test_records_left_when_time_runs_short_come_back_untouched_and_are_read_on_redelivery(stack):
    # Given three pieces in one batch, and an invocation of 120 s that has 4 s left after the first
    case_id, pieces = submitted(stack)
    records = uploaded(stack, case_id, dict(list(pieces.items())[:3]))
    assert len(records) == 3
    context = RunningOut(stack, "classify_document", [120_000, 119_000, 4_000])
    # When the batch is delivered
    failed = deliver(stack, records, context=context)
    # Then the first piece is read, and the two others come back as failures without being started
    assert failed == [r["messageId"] for r in records[1:]]
    assert len(stack.repo().documents(case_id)) == 1
    # When they are delivered again with time enough, then each piece is read once
    assert deliver(stack, records[1:]) == []
    assert len(stack.repo().documents(case_id)) == 3


@pytest.mark.parametrize("folder", ["intake_application", "classify_document", "ingest_email", "import_register"])
def test_every_sqs_handler_gives_back_what_the_time_left_cannot_finish(stack, folder):
    # Given a batch of three S3 test events, and 2 s left once the first is handled
    body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": stack.names.bucket})
    records = [sqs_record({"MessageId": f"m-{n}", "ReceiptHandle": f"r-{n}", "Body": body},
                          stack.queue_urls["documents"], stack.names.region) for n in range(3)]
    context = RunningOut(stack, folder, [60_000, 59_000, 2_000])
    # When the function gets it, then the first record is handled and the two others are given back
    assert deliver(stack, records, folder, context) == ["m-1", "m-2"]


def test_the_reserve_grows_with_the_longest_record_of_the_batch():
    # Given a batch that began with 60 s (a floor of 6 s), whose slowest record so far took 30 s
    left = [60_000]
    context = type("Context", (), {"get_remaining_time_in_millis": lambda self: left[0]})()
    budget = runtime.TimeBudget(context)
    budget.longest_ms = 30_000
    # When 50 s remain, another record may start; when 40 s remain, less than 1.5 x 30 s, none may
    left[0] = 50_000
    assert budget.allows_next()
    left[0] = 40_000
    assert not budget.allows_next()
    # and once refused, no later record of the batch starts, whatever the clock says
    left[0] = 59_000
    assert not budget.allows_next()
    # A context without a clock (a test event) never defers anything
    assert runtime.TimeBudget(object()).allows_next()


def test_a_sweep_with_too_little_time_left_begins_no_case_and_the_next_run_refuses_it(stack):
    # Given a case submitted without its pieces, and the morning after its completeness deadline
    case_id, _ = submitted(stack)
    waiting = stack.repo().get_case(case_id)
    deadline = waiting.deadline_at
    morning = datetime.combine(deadline.date() + timedelta(days=1), time(5, 15), tzinfo=PARIS)
    stack.set_time(morning)
    # When the sweep function starts with 4 s left (less than its reserve of 5 s for one case)
    result = stack.handler("sweep_deadlines")({"source": "aws.scheduler"}, RunningOut(stack, "sweep_deadlines", [4_000]))
    # Then it begins no case, says it is unfinished, and the case still waits, untouched
    assert result["unfinished"] is True and result["refused"] == 0
    assert stack.repo().get_case(case_id).version == waiting.version
    # And the 06:15 run, with its full time, refuses it for lateness
    result = stack.tick(morning + timedelta(hours=1))
    assert result["unfinished"] is False and result["refused"] >= 1
    assert stack.repo().get_case(case_id).state == State.REFUSED
