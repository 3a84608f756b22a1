"""Promise: an e-mail built to hurt the MIME parser is quarantined with its reason, its raw bytes kept, and the
ingest function lives on; the parser is never handed it, and reading it costs a bounded child little."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from clea_intake import settings
from clea_intake.adapters import clients
from clea_intake.adapters.repository import Repository, dynamo_repository
from clea_intake.domain.lifecycle import State
from clea_intake.domain.policy import current_policy
from clea_intake.local.names import StackNames
from clea_intake.local.stack import LambdaContext, load_handler
from clea_intake.mail import MailReason, reason_message
from clea_intake.runtime import aws_ports
from clea_intake.samples import hostile_mail
from clea_intake.services.inbound import ingest
from tests.integration.conftest import stack_resources
from tests.integration.test_inbound import _awarded_case, _claim

PARIS = ZoneInfo("Europe/Paris")
NAMES = StackNames()
NOW = datetime(2026, 5, 2, 11, 0, tzinfo=PARIS)
CASE = "NA-CLEA-2026-000871"
LIMITS = current_policy().mail
# The budget of the child that reads one hostile message (the issue's: 512 MB; far less is needed).
CHILD_MAX_RSS_MB = 512
CHILD_MAX_CPU_S = 10.0

HOSTILE: dict[str, tuple[Callable[[], bytes], MailReason]] = {
    "500_parts": (lambda: hostile_mail.many_parts(CASE, 500), MailReason.MAIL_TOO_MANY_PARTS),
    "5000_nested_multiparts": (lambda: hostile_mail.nested_multiparts(CASE, 5000), MailReason.MAIL_TOO_DEEP),
    "subject_of_5000_encoded_words": (lambda: hostile_mail.encoded_word_subject(CASE, 5000),
                                      MailReason.MAIL_TOO_MANY_ENCODED_WORDS),
    "160kb_subject_of_encoded_words_on_one_line": (
        lambda: hostile_mail.encoded_word_subject(CASE, 9000, folded=False), MailReason.MAIL_HEADER_TOO_LARGE),
    "header_over_the_limit": (lambda: hostile_mail.oversized_header(CASE, 2 * LIMITS.max_header_bytes),
                              MailReason.MAIL_HEADER_TOO_LARGE),
    "base64_attachment_over_the_decoded_limit": (
        lambda: hostile_mail.huge_base64_attachment(CASE, LIMITS.max_decoded_bytes + 1_000_000),
        MailReason.MAIL_DECODED_TOO_LARGE),
    "2_million_empty_lines": (lambda: hostile_mail.many_lines(CASE, 2_000_000), MailReason.MAIL_TOO_MANY_LINES),
    "html_body_of_unclosed_comments": (lambda: hostile_mail.unclosed_html_comments(CASE),
                                       MailReason.MAIL_NO_ATTACHMENT),
    "malformed_garbage": (hostile_mail.garbage, MailReason.MAIL_MALFORMED),
    "malformed_headers_without_sender": (hostile_mail.headers_without_sender, MailReason.MAIL_MALFORMED),
    "malformed_unterminated_parts": (lambda: hostile_mail.unterminated_parts(CASE),
                                     MailReason.MAIL_ARCHIVE_ATTACHMENT),
}


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    with stack_resources(NAMES, NOW):
        clients.client("ses").verify_domain_identity(Domain=settings.settings().mail_from.split("@")[1])
        yield


@pytest.fixture
def repo(aws: None) -> Repository:
    repo = dynamo_repository(NAMES.table)
    _awarded_case(repo, CASE)
    return repo


def _deliver(raw: bytes) -> str:
    key = f"inbound/{uuid.uuid4().hex}"
    clients.client("s3").put_object(Bucket=NAMES.bucket, Key=key, Body=raw, ContentType="message/rfc822")
    return key


def _assert_kept(key: str, raw: bytes) -> None:
    s3 = clients.client("s3")
    versions = [v for v in s3.list_object_versions(Bucket=NAMES.bucket, Prefix=key).get("Versions", [])
                if v["Key"] == key]
    assert len(versions) == 1 and versions[0]["ETag"].strip('"') == hashlib.md5(raw).hexdigest()
    assert s3.get_object(Bucket=NAMES.bucket, Key=key)["Body"].read() == raw


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_mail_is_quarantined_with_its_reason_and_kept(repo, kind):
    # Given a hostile message for an awarded case, stored by SES under inbound/
    build, reason = HOSTILE[kind]
    raw = build()
    key = _deliver(raw)
    # When it is ingested
    outcome = ingest(aws_ports(repo, settings.settings()), bucket=NAMES.bucket, key=key, now=NOW)
    # Then it is quarantined with its stable reason, a French sentence for a person, and a review item
    assert (outcome.status, outcome.reason) == ("quarantined", reason)
    assert repo.find_inbound(key)["reason"] == reason
    reviews = [r for r in repo.reviews("OPEN") if r.subject_ref == key]
    assert [(r.kind, r.code, r.message) for r in reviews] == [("mail", reason, reason_message(reason))]
    # and nothing is filed for the case, which waits for its claim
    assert repo.get_case(CASE).state == State.AWARDED
    assert clients.client("s3").list_objects_v2(Bucket=NAMES.bucket, Prefix=f"claims/{CASE}/")["KeyCount"] == 0
    # and the raw message is kept as it arrived
    _assert_kept(key, raw)


def _sqs_record(n: int, key: str) -> dict:
    head = clients.client("s3").head_object(Bucket=NAMES.bucket, Key=key)
    detail = {"version": "0", "bucket": {"name": NAMES.bucket},
              "object": {"key": quote(key), "size": head["ContentLength"], "etag": head["ETag"].strip('"'),
                         "version-id": head["VersionId"], "sequencer": "01"},
              "request-id": "R", "requester": "123456789012", "source-ip-address": "192.0.2.1",
              "reason": "PutObject"}
    body = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Object Created", "source": "aws.s3",
            "account": "123456789012", "time": "2026-05-02T09:00:00Z", "region": NAMES.region,
            "resources": [f"arn:aws:s3:::{NAMES.bucket}"], "detail": detail}
    return {"messageId": f"m-{n}", "receiptHandle": f"h-{n}", "body": json.dumps(body), "attributes": {},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{NAMES.region}:123456789012:clea-intake-inbound",
            "awsRegion": NAMES.region}


def test_ingest_email_handler_batch_with_hostile_mail_quarantines_them_and_files_the_genuine_claim(repo):
    # Given an SQS batch: the 5,000-level nest, the 160 KB encoded-word subject, and a genuine claim
    case_id = _awarded_case(repo, "NA-CLEA-2026-000872")
    hostile = [_deliver(hostile_mail.nested_multiparts(case_id, 5000)),
               _deliver(hostile_mail.encoded_word_subject(case_id, 9000, folded=False))]
    genuine = _deliver(_claim(case_id))
    event = {"Records": [_sqs_record(n, key) for n, key in enumerate([*hostile, genuine])]}
    context = LambdaContext(function_name="clea-intake-ingest-email",
                            invoked_function_arn=NAMES.function_arn("ingest_email"))
    # When the ingest function handles it
    result = load_handler("ingest_email")(event, context)
    # Then no record fails: the hostile ones are quarantined, the genuine claim is filed
    assert result == {"batchItemFailures": []}
    assert [repo.find_inbound(k)["reason"] for k in hostile] == ["MAIL_TOO_DEEP", "MAIL_HEADER_TOO_LARGE"]
    assert repo.find_inbound(genuine)["status"] == "accepted"


_CHILD = """
import resource, sys, time
from clea_intake.mail import MalformedMessage, parse_inbound
raw = open(sys.argv[1], "rb").read()
try:
    parse_inbound(raw, max_attachments=20, max_attachment_bytes=15_000_000, max_total_bytes=40_000_000)
    outcome = "parsed"
except MalformedMessage as refused:
    outcome = refused.code
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(outcome, peak)
"""


@pytest.mark.parametrize("kind", [k for k in HOSTILE if not k.startswith(("malformed", "html"))])
def test_reading_a_hostile_mail_stays_within_the_child_budget(tmp_path: Path, kind):
    # Given a hostile message on disk
    build, reason = HOSTILE[kind]
    path = tmp_path / "message.eml"
    path.write_bytes(build())
    # When a child process reads it as the ingest function does
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE,
                             env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"})
    output = child.stdout.read().decode().split() if child.stdout else []
    _, status, usage = os.wait4(child.pid, 0)
    # Then it refuses it for its limit, within the child's memory (its own peak) and CPU budget
    assert (os.waitstatus_to_exitcode(status), output[0]) == (0, str(reason))
    assert int(output[1]) / 1024 < CHILD_MAX_RSS_MB
    assert usage.ru_utime + usage.ru_stime < CHILD_MAX_CPU_S
