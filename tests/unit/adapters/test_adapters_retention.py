"""The adapters' share of retention on moto through boto3: object tags, `expires_at`, readers that treat
an expired item as gone, and the index that stops offering a case whose personal data expired."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from moto import mock_aws

from clea_intake import clock
from clea_intake.adapters import clients, storage
from clea_intake.adapters.repository import Repository
from clea_intake.adapters.table import DynamoTable, InMemoryTable
from clea_intake.domain.lifecycle import State
from clea_intake.local.expiry import expire_items, expire_tagged_objects
from clea_intake.local.resources import create_cases_table
from tests.conftest import make_case

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=PARIS)
BUCKET, TABLE = "clea-docs", "clea-cases"
EXPIRE = {"retention": "expire"}


@pytest.fixture
def aws(monkeypatch) -> Iterator[None]:
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
        clock.set_now(T0)
        yield
        clock.set_now(None)
    clients.reset()


def _tags(key: str) -> list[dict]:
    return clients.client("s3").get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]


def test_set_tags_replaces_the_tag_set_and_says_when_no_object_is_there(aws):
    storage.put_object(BUCKET, "claims/C/a.pdf", b"x")
    clients.client("s3").put_object_tagging(Bucket=BUCKET, Key="claims/C/a.pdf",
                                            Tagging={"TagSet": [{"Key": "old", "Value": "1"}]})
    assert storage.set_tags(BUCKET, "claims/C/a.pdf", EXPIRE)
    assert _tags("claims/C/a.pdf") == [{"Key": "retention", "Value": "expire"}]
    assert storage.set_tags(BUCKET, "claims/C/missing.pdf", EXPIRE) is False


def test_list_keys_reads_every_page_under_the_prefix_only(aws):
    for n in range(1005):
        clients.client("s3").put_object(Bucket=BUCKET, Key=f"applications/C/documents/{n:04d}.pdf", Body=b"x")
    storage.put_object(BUCKET, "applications/D/application.json", b"{}")
    keys = storage.list_keys(BUCKET, "applications/C/")
    assert len(keys) == 1005 and all(k.startswith("applications/C/") for k in keys)


@pytest.mark.parametrize("table", ["dynamo", "memory"])
def test_an_item_past_its_expires_at_is_gone_for_readers_and_keeps_its_earliest_expiry(aws, table):
    repo = Repository(DynamoTable(TABLE) if table == "dynamo" else InMemoryTable())
    case = make_case()
    assert repo.create_case(case)
    repo.record_form_error(key="applications/x/application.json", etag="e1", case_id=case.case_id,
                           problems=[{"field": "applicant.surname"}], at=T0)
    later, sooner = int((T0 + timedelta(days=2)).timestamp()), int((T0 + timedelta(days=1)).timestamp())
    assert repo.set_expiry(f"FORM#{case.case_id}", "ERROR#e1", later)
    assert repo.set_expiry(f"FORM#{case.case_id}", "ERROR#e1", sooner)
    assert repo.set_expiry(f"FORM#{case.case_id}", "ERROR#e1", later)     # an earlier expiry stands
    assert repo.form_errors(case.case_id) == [[{"field": "applicant.surname"}]]
    clock.set_now(T0 + timedelta(days=1))
    assert repo.form_errors(case.case_id) == []
    assert repo.set_expiry(f"FORM#{case.case_id}", "ERROR#e1", later) is False
    assert repo.set_expiry("FORM#nobody", "ERROR#e1", later) is False
    if table == "dynamo":
        raw = clients.resource("dynamodb").Table(TABLE).get_item(Key={"pk": f"FORM#{case.case_id}", "sk": "ERROR#e1"})
        assert int(raw["Item"]["expires_at"]) == sooner


def test_a_final_case_leaves_the_retention_query_once_its_personal_data_expired(aws):
    repo = Repository(DynamoTable(TABLE))
    case = make_case()
    case.refuse(["LATE_COMPLETION"], at=T0, actor="system:test", message="Refusé.")
    assert repo.create_case(case)
    stored = repo.get_case(case.case_id)
    assert stored.final_at == T0
    bound = T0 + timedelta(days=1)
    assert [s.case_id for s in repo.cases_in_state(State.REFUSED, deadline_before=bound)] == [case.case_id]
    stored.expire_personal_data(at=bound)
    repo.save_case(stored)
    assert repo.cases_in_state(State.REFUSED, deadline_before=bound + timedelta(days=365)) == []
    assert [s.case_id for s in repo.cases_in_state(State.REFUSED)] == [case.case_id]   # still listed
    kept = repo.get_case(case.case_id)
    assert kept.application.applicant is None and kept.reasons == ["LATE_COMPLETION"]


def test_the_local_lifecycle_run_deletes_tagged_current_versions_only(aws):
    s3 = clients.client("s3")
    s3.put_object(Bucket=BUCKET, Key="claims/C/rib.pdf", Body=b"old")       # an older, untagged version
    s3.put_object(Bucket=BUCKET, Key="claims/C/rib.pdf", Body=b"new")
    s3.put_object(Bucket=BUCKET, Key="applications/C/documents/cni.pdf", Body=b"scan")
    s3.put_object(Bucket=BUCKET, Key="applications/D/documents/cni.pdf", Body=b"kept")
    storage.set_tags(BUCKET, "claims/C/rib.pdf", EXPIRE)
    storage.set_tags(BUCKET, "applications/C/documents/cni.pdf", EXPIRE)
    assert expire_tagged_objects(BUCKET) == 2
    assert storage.list_keys(BUCKET, "") == ["applications/D/documents/cni.pdf"]
    versions = s3.list_object_versions(Bucket=BUCKET)
    # The tagged versions are gone; the untagged older one stays noncurrent behind a delete marker (its own
    # 90-day rule on AWS); no marker is left where no version remains
    assert sorted(v["Key"] for v in versions["Versions"]) == ["applications/D/documents/cni.pdf", "claims/C/rib.pdf"]
    assert [m["Key"] for m in versions.get("DeleteMarkers", [])] == ["claims/C/rib.pdf"]


def test_the_local_ttl_run_deletes_items_whose_expires_at_has_passed(aws):
    table = clients.resource("dynamodb").Table(TABLE)
    moment = int(T0.timestamp())
    table.put_item(Item={"pk": "CASE#C", "sk": "DOC#a", "expires_at": moment})
    table.put_item(Item={"pk": "CASE#C", "sk": "DOC#b", "expires_at": moment + 1})
    table.put_item(Item={"pk": "CASE#C", "sk": "EVENT#1"})
    assert expire_items(TABLE, T0) == 1
    assert sorted(i["sk"] for i in table.scan()["Items"]) == ["DOC#b", "EVENT#1"]
