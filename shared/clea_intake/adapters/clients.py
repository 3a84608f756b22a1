"""Lazily created boto3 clients, one per service and container, honouring AWS_ENDPOINT_URL."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@functools.cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


@functools.cache
def resource(service: str) -> Any:
    return boto3.resource(service, config=_CONFIG)


@functools.cache
def bulk_client(service: str) -> Any:
    """The same client without botocore's own check of the parameters, for bulk requests this code builds
    in the wire format itself (a register's 12,000 BatchWriteItem requests of 25 puts: the check walks every
    attribute of every item, and the service checks the request again)."""
    return boto3.client(service, config=_CONFIG.merge(Config(parameter_validation=False)))


def reset() -> None:
    """Forget the cached clients (the local stack calls it when it starts or stops a mock)."""
    client.cache_clear()
    resource.cache_clear()
    bulk_client.cache_clear()
