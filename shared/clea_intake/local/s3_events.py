"""The events S3 sends EventBridge for an object, written as AWS writes them, for moto to deliver."""

from __future__ import annotations

import copy
import itertools
import logging
import time
import uuid
from typing import Any
from urllib.parse import quote_plus

from clea_intake import clock

# S3 orders the events of one key by their sequencer: hexadecimal of one width, so that text order is time order.
_SEQUENCE = itertools.count(time.time_ns())
# The `reason` of an AWS "Object Created" event, by moto's event name.
_CREATED_REASONS = {
    "s3:ObjectCreated:Put": "PutObject",
    "s3:ObjectCreated:Post": "POST Object",
    "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
}
logger = logging.getLogger(__name__)


def object_event(account_id: str, bucket: Any, event_name: str, key: Any) -> dict:
    """The EventBridge event S3 sends for `key` of moto's `bucket`, shaped as AWS shapes it.

    moto's own names the ETag `eTag` (so parsers read none), and gives every event the same id and sequencer.
    """
    from moto.s3.notifications import _detail_type

    if event_name.startswith("s3:ObjectRemoved"):
        return _removed_event(account_id, bucket, event_name, key, _detail_type(event_name))
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": _detail_type(event_name),
        "source": "aws.s3",
        "account": account_id,
        "time": clock.now().timestamp(),  # moto's EventBridge writes it as AWS does, ISO 8601, when it delivers
        "region": bucket.region_name,
        "resources": [bucket.arn],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket.name},
            "object": {
                "key": quote_plus(key.name, safe="/"),  # form-encoded, as S3 writes it in its events
                "size": key.size,
                "etag": key.etag.strip('"'),
                **({"version-id": key.version_id} if key.version_id and key.version_id != "null" else {}),
                "sequencer": f"{next(_SEQUENCE):018X}",
            },
            "request-id": uuid.uuid4().hex[:16].upper(),
            "requester": account_id,
            "source-ip-address": "127.0.0.1",
            "reason": _CREATED_REASONS.get(event_name, event_name.split(":")[1]),
        },
    }


def _removed_event(account_id: str, bucket: Any, event_name: str, key: Any, detail_type: str) -> dict:
    """An "Object Deleted" event (local.expiry deletes what the lifecycle rule would): no size nor ETag, a
    deletion type instead. No rule of the stack matches it, as on AWS."""
    marker = event_name.endswith("DeleteMarkerCreated")
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": "aws.s3",
        "account": account_id, "time": clock.now().timestamp(), "region": bucket.region_name,
        "resources": [bucket.arn],
        "detail": {
            "version": "0", "bucket": {"name": bucket.name},
            "object": {"key": quote_plus(key.name, safe="/"), "sequencer": f"{next(_SEQUENCE):018X}",
                       **({"version-id": key.version_id} if getattr(key, "version_id", None) not in (None, "null") else {})},
            "request-id": uuid.uuid4().hex[:16].upper(), "requester": account_id,
            "source-ip-address": "127.0.0.1", "reason": "DeleteObject",
            "deletion-type": "Delete Marker Created" if marker else "Permanently Deleted",
        },
    }


def send_object_event(account_id: str, bucket: Any, event_name: str, key: Any) -> None:
    """Stands in for moto's S3 → EventBridge delivery: the same rules and targets, AWS's event."""
    try:
        from moto.events.models import events_backends

        event = object_event(account_id, bucket, event_name, key)
        for event_bus in events_backends[account_id][bucket.region_name].event_buses.values():
            for rule in event_bus.rules.values():
                # One copy per rule: moto rewrites an event's time in place as it delivers it.
                rule.send_to_targets(copy.deepcopy(event), transform_input=False)
    except Exception:
        # Delivery is asynchronous on AWS: a failed event never fails the upload, but it is said.
        logger.exception("S3 event not delivered")
