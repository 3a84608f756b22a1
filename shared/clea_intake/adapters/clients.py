"""Lazily created boto3 clients, one per service and container, honouring AWS_ENDPOINT_URL; resources one per
service and thread (boto3's resources are not thread-safe)."""

from __future__ import annotations

import functools
import threading
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@functools.cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


_per_thread = threading.local()
_generation = 0  # moved on by reset(): every thread's resources are built again


def resource(service: str) -> Any:
    """This thread's resource for `service`. A resource's client carries one DynamoDB condition builder for all
    its requests: two threads building expressions at once swap their placeholders ("Query condition missed key
    schema element: pk"), as the local stack's executions and a test's threads did. Lambda runs one event at a
    time, so a container builds it once."""
    cache = getattr(_per_thread, "resources", None)
    if cache is None or cache[0] != _generation:
        cache = _per_thread.resources = (_generation, {})
    found = cache[1].get(service)
    if found is None:
        found = cache[1][service] = boto3.resource(service, config=_CONFIG)
    return found


@functools.cache
def bulk_client(service: str) -> Any:
    """The same client without botocore's own check of the parameters, for bulk requests this code builds
    in the wire format itself (a register's 12,000 BatchWriteItem requests of 25 puts: the check walks every
    attribute of every item, and the service checks the request again)."""
    return boto3.client(service, config=_CONFIG.merge(Config(parameter_validation=False)))


def reset() -> None:
    """Forget the cached clients (the local stack calls it when it starts or stops a mock)."""
    global _generation
    client.cache_clear()
    _generation += 1
    bulk_client.cache_clear()
