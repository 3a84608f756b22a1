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

from clea_intake.adapters import clients
from clea_intake.domain.retention import EXPIRE_TAG


@dataclass(frozen=True)
class ExpiryRun:
    objects: int
    items: int


def expire_tagged_objects(bucket: str) -> int:
    s3 = clients.client("s3")
    current = [(v["Key"], v["VersionId"]) for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
               for v in page.get("Versions", []) if v["IsLatest"]]
    deleted = 0
    for key, version_id in current:
        if EXPIRE_TAG in s3.get_object_tagging(Bucket=bucket, Key=key, VersionId=version_id)["TagSet"]:
            s3.delete_object(Bucket=bucket, Key=key)                          # the delete marker
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)    # the tagged version
            left = s3.list_object_versions(Bucket=bucket, Prefix=key)
            if not [v for v in left.get("Versions", []) if v["Key"] == key]:
                for marker in left.get("DeleteMarkers", []):
                    if marker["Key"] == key:
                        s3.delete_object(Bucket=bucket, Key=key, VersionId=marker["VersionId"])
            deleted += 1
    return deleted


def expire_items(table_name: str, now: datetime) -> int:
    table = clients.resource("dynamodb").Table(table_name)
    moment = int(now.timestamp())
    deleted = 0
    kwargs: dict = {"FilterExpression": "attribute_exists(expires_at) AND expires_at <= :now",
                    "ExpressionAttributeValues": {":now": moment}, "ProjectionExpression": "pk, sk"}
    while True:
        page = table.scan(**kwargs)
        for item in page.get("Items", []):
            table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
            deleted += 1
        if "LastEvaluatedKey" not in page:
            return deleted
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run_expiry(bucket: str, table_name: str, now: datetime) -> ExpiryRun:
    """S3's lifecycle run and DynamoDB's TTL, as of the simulated `now`."""
    return ExpiryRun(objects=expire_tagged_objects(bucket), items=expire_items(table_name, now))
