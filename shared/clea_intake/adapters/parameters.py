"""SSM SecureString settings (secret-like values kept out of environment variables), read on demand."""

from __future__ import annotations

from clea_intake.adapters.clients import client


class MissingParameter(RuntimeError):
    """A setting's SSM parameter does not exist."""


def secure_parameter(name: str) -> str:
    """The decrypted value of the SSM parameter `name` (a SecureString under the stack's KMS key)."""
    ssm = client("ssm")
    try:
        return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound as missing:
        raise MissingParameter(f"SSM parameter {name} not found: create it (SecureString) before deploying") from missing
