"""The HMAC key of beneficiary keys: an SSM SecureString read once per container.

It must stay the same for the whole scheme: a new key gives the same person a new beneficiary key, and
the one-aid-per-person guard would no longer see the awards made under the old one.
"""

from __future__ import annotations

import functools
import os
import threading

from clea_intake.adapters.clients import client

# The template's default name; BENEFICIARY_KEY_PARAMETER names another parameter.
DEFAULT_PARAMETER = "/clea-intake/beneficiary-key"
MIN_SECRET_BYTES = 32


class MissingSecret(RuntimeError):
    """The beneficiary key cannot be computed: the parameter is absent or too short."""


_LOCK = threading.Lock()


def beneficiary_secret() -> bytes:
    # One read even when threads ask at once (the local stack runs every function in one process).
    with _LOCK:
        return _read_secret()


@functools.cache
def _read_secret() -> bytes:
    # A development value may be given directly (tests without SSM); on AWS only the parameter is set.
    direct = os.environ.get("BENEFICIARY_KEY_SECRET")
    if direct:
        value = direct
    else:
        name = os.environ.get("BENEFICIARY_KEY_PARAMETER") or DEFAULT_PARAMETER
        ssm = client("ssm")
        try:
            value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except ssm.exceptions.ParameterNotFound as missing:
            raise MissingSecret(f"SSM parameter {name} not found: create it (SecureString, at least "
                                f"{MIN_SECRET_BYTES} random bytes) before deploying") from missing
    secret = value.encode("utf-8")
    if len(secret) < MIN_SECRET_BYTES:
        raise MissingSecret(f"the beneficiary key secret must be at least {MIN_SECRET_BYTES} bytes long")
    return secret


def reset() -> None:
    _read_secret.cache_clear()


class SsmSecrets:
    """The secrets port on SSM Parameter Store (read once per container)."""

    def beneficiary_secret(self) -> bytes:
        return beneficiary_secret()
