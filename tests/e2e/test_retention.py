"""Personal data expires (README): on the local stack, with the simulated clock, the policy's days after a
final decision the identity scan and its fields are gone and the decision is kept; a case still open keeps
everything."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from clea_intake import clock
from clea_intake.adapters import clients
from clea_intake.domain.findings import IDENTITY_TYPES
from clea_intake.domain.policy import policy_for
from clea_intake.runtime import aws_ports
from clea_intake.services.cases import withdraw
from tests.e2e.conftest import Applicant, at

pytestmark = pytest.mark.e2e

START = date(2026, 9, 7)


def _object_exists(stack, key: str) -> bool:
    try:
        clients.client("s3").head_object(Bucket=stack.names.bucket, Key=key)
    except ClientError:
        return False
    return True


def _tags(stack, key: str) -> list[dict]:
    return clients.client("s3").get_object_tagging(Bucket=stack.names.bucket, Key=key)["TagSet"]


def _stored_items(stack, case_id: str, prefix: str) -> list[dict]:
    """What the table physically holds (no reader's filter): TTL's work shows here."""
    table = clients.resource("dynamodb").Table(stack.names.table)
    return table.query(KeyConditionExpression=Key("pk").eq(f"CASE#{case_id}") & Key("sk").begins_with(prefix))["Items"]


def _personal_strings(applicant: Applicant, documents) -> list[str]:
    person = applicant.app["applicant"]
    found = [person["surname"], person["given_names"], person["birth_date"], person["email"]]
    found += [str(d.fields[name]) for d in documents for name in ("document_number", "iban")
              if d.fields.get(name)]
    return found


def test_identity_scan_and_fields_gone_n_days_after_a_final_decision_decision_kept(stack):
    days = policy_for(START).retention.identity_scans_days
    repo = stack.repo()
    # Given a file completed 15 days before its evaluation: refused (LATE_COMPLETION), a final decision
    refused = Applicant(stack, 9501, start=START)
    refused.submit(START - timedelta(days=15))
    # And a file withdrawn with a note an agent wrote naming the person (WITHDRAWN, final)
    withdrawn = Applicant(stack, 9502, start=START)
    withdrawn.submit(START - timedelta(days=42))
    clock.set_now(at(START - timedelta(days=15), 14))
    surname = withdrawn.app["applicant"]["surname"]
    withdraw(aws_ports(repo, stack.cfg()), withdrawn.case_id, clock.now(), actor="ops:agent",
             note=f"Retrait demandé par téléphone par {surname}.")
    stack.settle()
    # And a file awarded, still waiting for its claim (not final)
    waiting = Applicant(stack, 9503, start=START)
    waiting.submit(START - timedelta(days=42))

    case = repo.get_case(refused.case_id)
    assert case.state == "REFUSED" and case.reasons == ["LATE_COMPLETION"]
    assert repo.get_case(withdrawn.case_id).state == "WITHDRAWN"
    assert surname in json.dumps([e.model_dump(mode="json") for e in repo.timeline(withdrawn.case_id)],
                                 ensure_ascii=False)
    assert repo.get_case(waiting.case_id).state == "AWARDED"
    identity = [d for d in repo.documents(refused.case_id) if d.doc_type in IDENTITY_TYPES]
    assert identity and identity[0].fields.get("surname")
    scan_key = identity[0].key
    personal = _personal_strings(refused, repo.documents(refused.case_id))
    waiting_docs = repo.documents(waiting.case_id)
    assert waiting_docs and _stored_items(stack, refused.case_id, "MAIL#")
    ended = max(repo.get_case(refused.case_id).final_at, repo.get_case(withdrawn.case_id).final_at)

    # When the sweeper runs one day before the retention is over: everything is still there
    stack.tick(ended + timedelta(days=days - 1))
    assert _object_exists(stack, scan_key) and not _tags(stack, scan_key)
    assert [d.doc_id for d in repo.documents(refused.case_id)] and repo.get_case(refused.case_id).application.applicant

    # When it runs once the retention is over
    stack.tick(ended + timedelta(days=days, hours=1))
    # Then the scan is tagged for the lifecycle rule, its reading and fields are gone for every reader
    assert {"Key": "retention", "Value": "expire"} in _tags(stack, scan_key)
    assert repo.documents(refused.case_id) == []
    assert all(item.get("expires_at") for item in _stored_items(stack, refused.case_id, "DOC#"))
    # And the decision is kept: state, reason codes and dates, without the applicant block
    kept = repo.get_case(refused.case_id)
    assert kept.state == "REFUSED" and kept.reasons == ["LATE_COMPLETION"] and kept.decided_at is not None
    assert kept.application.applicant is None and kept.application.certification == refused.app["certification"]
    timeline = repo.timeline(refused.case_id)
    refusal = [e for e in timeline if e.to_state == "REFUSED"]
    assert refusal and refusal[0].reason == "LATE_COMPLETION"
    assert any(e.reason == "PERSONAL_DATA_EXPIRED" for e in timeline)
    # And no timeline line carries a name, a birth date, a document number or an e-mail address
    for case_id, strings in ((refused.case_id, personal), (withdrawn.case_id, [surname])):
        text = json.dumps([e.model_dump(mode="json") for e in repo.timeline(case_id)], ensure_ascii=False)
        assert not [s for s in strings if s.casefold() in text.casefold()], case_id
    assert [e.to_state for e in repo.timeline(withdrawn.case_id) if e.to_state == "WITHDRAWN"] == ["WITHDRAWN"]

    # When S3's lifecycle run and DynamoDB's TTL have passed (the next morning's tick)
    stack.tick(ended + timedelta(days=days + 1, hours=1))
    # Then the objects and the items are gone from the bucket and the table, the decision still there
    assert not _object_exists(stack, scan_key)
    assert not _object_exists(stack, f"applications/{refused.case_id}/application.json")
    assert _stored_items(stack, refused.case_id, "DOC#") == [] and _stored_items(stack, refused.case_id, "MAIL#") == []
    assert repo.get_case(refused.case_id).reasons == ["LATE_COMPLETION"]
    # And the case still waiting for its claim keeps its pieces, readings and applicant
    assert repo.get_case(waiting.case_id).state == "AWARDED"
    assert [d.doc_id for d in repo.documents(waiting.case_id)] == [d.doc_id for d in waiting_docs]
    assert all(_object_exists(stack, d.key) and not _tags(stack, d.key) for d in waiting_docs)
    assert repo.get_case(waiting.case_id).application.applicant is not None
