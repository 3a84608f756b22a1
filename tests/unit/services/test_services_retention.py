"""The retention step of the sweep on moto through boto3: S3 tags, `expires_at`, the timeline rid of
personal values, the decision kept (README, "Personal data expires")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from moto import mock_aws

from clea_intake import clock
from clea_intake.adapters import clients
from clea_intake.adapters.repository import Repository
from clea_intake.adapters.storage import S3Storage
from clea_intake.adapters.table import DynamoTable
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import policy_for
from clea_intake.domain.records import DocumentRecord, MailRecord, ReviewItem
from clea_intake.local.resources import create_cases_table
from clea_intake.services.flow import CLAIM_EVENT
from clea_intake.services.ports import Ports
from clea_intake.services.retention import expire_personal_data
from clea_intake.settings import Settings
from tests.conftest import make_case
from tests.unit.services.fakes import FakeMailer, FakeSecrets, FakeWorkflow

PARIS = ZoneInfo("Europe/Paris")
ENDED = datetime(2026, 3, 20, 10, 0, tzinfo=PARIS)
BUCKET, TABLE = "clea-docs", "clea-cases"
CASE_ID = "NA-CLEA-2026-000123"
SCAN = f"applications/{CASE_ID}/documents/cni.pdf"
FORM = f"applications/{CASE_ID}/application.json"
RIB = f"claims/{CASE_ID}/abc-01.pdf"
MAIL = "inbound/m-claim"
STRAY = "inbound/m-stray"
DAYS = policy_for(ENDED.date().replace(month=4, day=13)).retention.identity_scans_days


@pytest.fixture
def ports(monkeypatch) -> Iterator[Ports]:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "eu-west-3"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        clients.reset()
        s3 = clients.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        create_cases_table(TABLE)
        config = Settings(table_name=TABLE, bucket_name=BUCKET, state_machine_arn="arn:aws:states:x")
        yield Ports(repository=Repository(DynamoTable(TABLE)), storage=S3Storage(), workflow=FakeWorkflow(),
                    mailer=FakeMailer(), secrets=FakeSecrets(), settings=config)
        clock.set_now(None)
    clients.reset()


def _stored(pk: str, sk: str) -> dict | None:
    """The item as the table holds it, without the readers' filter on expired items."""
    return clients.resource("dynamodb").Table(TABLE).get_item(Key={"pk": pk, "sk": sk}).get("Item")


def _tags(key: str) -> list[dict]:
    return clients.client("s3").get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]


def _refused_case(ports: Ports) -> None:
    """A case refused at ENDED with an identity scan, a claim's RIB, a claim e-mail, a notice, a review item,
    a form error, and a timeline line an agent wrote naming the person; plus a stray quarantined message."""
    repo, storage = ports.repository, ports.storage
    for key in (SCAN, FORM, RIB, MAIL, STRAY):
        storage.put_object(BUCKET, key, b"%PDF-1.7 personal bytes")
    case = make_case(CASE_ID)
    case.note("request", at=ENDED - timedelta(days=3), actor="ops:agent",
              message="Document demandé : attestation de domicile au nom de Léa Martin")
    case.note(CLAIM_EVENT, at=ENDED - timedelta(days=2), actor="evaluator", message="Demande reçue.",
              message_key=MAIL, attachments=["ab" * 32], problems=[])
    case.refuse(["LATE_COMPLETION"], at=ENDED, actor="system:sweeper", message="Dossier incomplet.")
    assert repo.create_case(case)
    for doc_id, key, doc_type, source, fields in (
            ("d-scan", SCAN, DocType.IDENTITY_CARD, "application",
             {"surname": "MARTIN", "given_names": "Léa Marie", "document_number": "X4RTBPFW4"}),
            ("d-rib", RIB, DocType.BANK_DETAILS, "claim", {"iban": "FR7630006000011234567890189"})):
        repo.put_document(DocumentRecord(case_id=CASE_ID, doc_id=doc_id, bucket=BUCKET, key=key, etag="e", sha256="s",
                                         original_name=key.rsplit("/", 1)[-1], source=source,
                                         received_at=ENDED - timedelta(days=5), doc_type=doc_type, confidence=0.9,
                                         fields=fields))
    repo.record_mail(MailRecord(case_id=CASE_ID, kind="refusal", to=["lea.martin@example.fr"],
                                subject="Votre demande", sent_at=ENDED))
    repo.open_review(ReviewItem(review_id="DOC-1", case_id=CASE_ID, kind="document", code="LOW_CONFIDENCE",
                                message="Type incertain.", subject_ref="d-scan", opened_at=ENDED - timedelta(days=5)))
    repo.record_form_error(key=FORM, etag="e1", case_id=CASE_ID, problems=[{"field": "applicant.email"}],
                           at=ENDED - timedelta(days=6))
    repo.record_inbound(MAIL, status="accepted", at=ENDED - timedelta(days=2), case_id=CASE_ID, reason=None)
    repo.record_inbound(STRAY, status="quarantined", at=ENDED, case_id=None, reason="MAIL_NO_REFERENCE")
    repo.open_review(ReviewItem(review_id="MAIL-stray", case_id=None, kind="mail", code="MAIL_NO_REFERENCE",
                                message="Sans référence.", subject_ref=STRAY, opened_at=ENDED))


PERSONAL_ITEMS = [(f"CASE#{CASE_ID}", "DOC#d-scan"), (f"CASE#{CASE_ID}", "DOC#d-rib"),
                  ("REVIEW#DOC-1", "REVIEW"), (f"FORM#{CASE_ID}", "ERROR#e1"), (f"INBOUND#{MAIL}", "MESSAGE")]


def test_retention_leaves_everything_before_the_policy_days(ports):
    _refused_case(ports)
    clock.set_now(ENDED + timedelta(days=DAYS - 1))
    report = expire_personal_data(ports, clock.now())
    assert report.cases == [] and report.objects == 0
    assert all(_tags(key) == [] for key in (SCAN, FORM, RIB, MAIL, STRAY))
    assert all("expires_at" not in _stored(pk, sk) for pk, sk in PERSONAL_ITEMS)
    assert ports.repository.get_case(CASE_ID).application.applicant is not None


def test_retention_tags_objects_sets_expires_at_and_keeps_the_decision(ports):
    _refused_case(ports)
    clock.set_now(ENDED + timedelta(days=DAYS, hours=1))
    report = expire_personal_data(ports, clock.now())
    # Every object of the case and the stray message carry the lifecycle rule's tag
    assert report.cases == [CASE_ID] and report.expired == [CASE_ID]
    assert all(_tags(key) == [{"Key": "retention", "Value": "expire"}] for key in (SCAN, FORM, RIB, MAIL, STRAY))
    # Every item holding personal fields carries expires_at = the final state + the days, in epoch seconds
    moment = int(ENDED.timestamp()) + DAYS * 86400
    mails = clients.resource("dynamodb").Table(TABLE).query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :mail)",
        ExpressionAttributeValues={":pk": f"CASE#{CASE_ID}", ":mail": "MAIL#"})["Items"]
    for pk, sk in [*PERSONAL_ITEMS, *((m["pk"], m["sk"]) for m in mails)]:
        assert int(_stored(pk, sk)["expires_at"]) == moment, (pk, sk)
    assert _stored(f"INBOUND#{STRAY}", "MESSAGE")["expires_at"] and _stored("REVIEW#MAIL-stray", "REVIEW")["expires_at"]
    # And readers see them gone at once (TTL deletes them within days)
    repo = ports.repository
    assert repo.documents(CASE_ID) == [] and repo.mails(CASE_ID) == [] and repo.find_review("DOC-1") is None
    # The case keeps state, reason codes and dates, not the applicant; the timeline never expires
    case = repo.get_case(CASE_ID)
    assert case.state == "REFUSED" and case.reasons == ["LATE_COMPLETION"] and case.decided_at == ENDED
    assert case.application.applicant is None and case.application.evaluator.siret
    assert "Martin" not in _stored(f"CASE#{CASE_ID}", "CASE")["body"]
    assert "expires_at" not in _stored(f"CASE#{CASE_ID}", "CASE")
    timeline = repo.timeline(CASE_ID)
    events = clients.resource("dynamodb").Table(TABLE).query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :e)",
        ExpressionAttributeValues={":pk": f"CASE#{CASE_ID}", ":e": "EVENT#"})["Items"]
    assert events and not [e for e in events if "expires_at" in e]
    assert [e.reason for e in timeline if e.to_state == "REFUSED"] == ["LATE_COMPLETION"]
    request = next(e for e in timeline if e.kind == "request")
    assert request.message is None and request.actor == "ops:agent"
    claim = next(e for e in timeline if e.kind == CLAIM_EVENT)
    assert claim.message == "Demande reçue." and claim.detail["message_key"] == MAIL


def test_retention_of_an_expired_case_runs_once(ports):
    _refused_case(ports)
    clock.set_now(ENDED + timedelta(days=DAYS, hours=1))
    expire_personal_data(ports, clock.now())
    version = ports.repository.get_case(CASE_ID).version
    # The next day's sweep no longer finds the case through its bounded index query
    again = expire_personal_data(ports, clock.now() + timedelta(days=1))
    assert again.cases == [] and again.expired == []
    assert ports.repository.get_case(CASE_ID).version == version


def test_retention_leaves_a_case_that_is_not_final(ports):
    repo, storage = ports.repository, ports.storage
    storage.put_object(BUCKET, SCAN, b"%PDF-1.7 personal bytes")
    case = make_case(CASE_ID)
    assert repo.create_case(case)
    clock.set_now(ENDED + timedelta(days=10 * DAYS))
    report = expire_personal_data(ports, clock.now())
    assert report.cases == [] and _tags(SCAN) == []
    assert repo.get_case(CASE_ID).application.applicant is not None


def _ended_cases(ports: Ports, count: int) -> list[str]:
    """`count` cases refused at ENDED, each with a review item of its own."""
    ids = []
    for number in range(count):
        case = make_case(f"NA-CLEA-2026-{900 + number:06d}")
        case.refuse(["LATE_COMPLETION"], at=ENDED, actor="system:sweeper", message="Dossier incomplet.")
        assert ports.repository.create_case(case)
        ports.repository.open_review(ReviewItem(
            review_id=f"DOC-{number}", case_id=case.case_id, kind="document", code="LOW_CONFIDENCE",
            message="Type incertain.", subject_ref="d-scan", opened_at=ENDED - timedelta(days=5)))
        ids.append(case.case_id)
    return ids


def _review_index_queries() -> list[str]:
    """The review-index queries DynamoDB receives from now on, through boto3's event hooks."""
    seen: list[str] = []

    def on_query(params, **_):
        body = params["body"]
        seen.extend(re.findall(r"REVIEW#(?:OPEN|CLOSED)", body.decode() if isinstance(body, bytes) else body))

    clients.resource("dynamodb").meta.client.meta.events.register("before-call.dynamodb.Query", on_query)
    return seen


def test_a_retention_pass_reads_the_review_index_once_not_once_per_case(ports):
    # Given three ended cases, each with a review item, past their retention
    ids = _ended_cases(ports, 3)
    clock.set_now(ENDED + timedelta(days=DAYS, hours=1))
    queries = _review_index_queries()
    # When one pass lets their data go
    report = expire_personal_data(ports, clock.now())
    # Then each case's review item has its expires_at, and the review index was read once per status
    assert sorted(report.expired) == ids
    assert all(_stored(f"REVIEW#DOC-{n}", "REVIEW")["expires_at"] for n in range(3))
    assert sorted(queries) == ["REVIEW#CLOSED", "REVIEW#OPEN"]


def test_a_retention_pass_out_of_time_leaves_the_other_cases_to_the_next(ports):
    # Given three ended cases past their retention, and a pass with time for two cases only
    ids = _ended_cases(ports, 3)
    clock.set_now(ENDED + timedelta(days=DAYS, hours=1))
    allowed = iter([True, True])
    # When the pass runs out of time, then the next pass runs
    first = expire_personal_data(ports, clock.now(), has_time=lambda: next(allowed, False))
    second = expire_personal_data(ports, clock.now() + timedelta(hours=1))
    # Then the first let two cases go and said it was unfinished; the second let the third go, and only it
    assert first.unfinished and len(first.expired) == 2
    assert not second.unfinished and second.expired == sorted(set(ids) - set(first.expired))
    assert all(ports.repository.get_case(case_id).application.applicant is None for case_id in ids)
    assert _stored("REVIEW#DOC-0", "REVIEW")["expires_at"] and _stored("REVIEW#DOC-2", "REVIEW")["expires_at"]
