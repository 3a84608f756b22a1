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


def reset() -> None:
    """Forget the cached clients (the local stack calls it when it starts or stops a mock)."""
    client.cache_clear()
    resource.cache_clear()
