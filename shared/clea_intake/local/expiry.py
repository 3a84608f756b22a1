"""What AWS deletes on its own and moto never does: the bucket's lifecycle rule on tagged objects and the
table's TTL on `expires_at`, played against the simulated clock (README, "Personal data expires").

The one place the local stack simulates them; `Platform.tick` calls `run_expiry` before each sweep, as
S3's daily lifecycle run and DynamoDB's TTL process have passed by then on AWS. Two shortcuts, both on the
safe side of what AWS does:

- S3 (rule `expire-tagged-personal-data`, template.yaml): a current version tagged `retention=expire` gets
  a delete marker and that version is deleted at once (AWS: the marker at the next daily run, the version
  a day later); the marker goes too when no other version remains (rule `remove-expired-delete-markers`).
  The rule's age condition (a day since creation) always holds for an object tagged at least a day after
  its case ended. Older untagged versions stay noncurrent, as on AWS until their own 90-day rule.
- DynamoDB: an item whose `expires_at` (epoch seconds) is at or before the simulated now is deleted
  (AWS: within days; readers already treat it as gone, adapters.table.live).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clea_intake.adapters import clients
from clea_intake.domain.retention import EXPIRE_TAG
from clea_intake.local import moto_dynamodb


@dataclass(frozen=True)
class ExpiryRun:
    objects: int
    items: int


def _s3_backend() -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]


def _tagged_versions(bucket: str) -> list[tuple[str, str]]:
    """The current versions tagged for expiry, read from moto's backend: the lifecycle run is S3's own work,
    no request of the stack's (and listing every version through the API grew with the bucket: moto's
    ListObjectVersions copies each version, body and all)."""
    from moto.s3.models import FakeKey

    backend = _s3_backend()
    wanted = {"Key": EXPIRE_TAG["Key"], "Value": EXPIRE_TAG["Value"]}
    return [(name, key.version_id) for name, key in list(backend.buckets[bucket].keys.items())
            if isinstance(key, FakeKey) and wanted in backend.tagger.list_tags_for_resource(key.arn)["Tags"]]


def expire_tagged_objects(bucket: str) -> int:
    from moto.s3.models import FakeKey

    s3 = clients.client("s3")
    store = _s3_backend().buckets[bucket].keys
    deleted = 0
    for key, version_id in _tagged_versions(bucket):
        s3.delete_object(Bucket=bucket, Key=key)                          # the delete marker
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)    # the tagged version
        left = store.getlist(key, [])
        if not any(isinstance(version, FakeKey) for version in left):
            for marker in left:
                s3.delete_object(Bucket=bucket, Key=key, VersionId=marker.version_id)
        deleted += 1
    return deleted


def expire_items(table_name: str, now: datetime) -> int:
    """DynamoDB's TTL process: its deletes are DynamoDB's own (no request, no write unit), read and made in
    moto's backend under the lock every request of the stack takes."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    region = clients.client("dynamodb").meta.region_name
    moment = int(now.timestamp())
    with moto_dynamodb.LOCK:
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table_name)
        due = []
        for partition in table.items.values():
            for item in partition.values():
                at = item.attrs.get("expires_at")
                if at is not None and at.type == "N" and int(float(at.value)) <= moment:
                    due.append((item.hash_key, item.range_key))
        for hash_key, range_key in due:
            table.delete_item(hash_key, range_key)
    return len(due)


def run_expiry(bucket: str, table_name: str, now: datetime) -> ExpiryRun:
    """S3's lifecycle run and DynamoDB's TTL, as of the simulated `now`."""
    return ExpiryRun(objects=expire_tagged_objects(bucket), items=expire_items(table_name, now))
