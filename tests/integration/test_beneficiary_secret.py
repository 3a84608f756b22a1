"""The beneficiary keys' secret: read from SSM (SecureString) on moto, refused when absent or weak."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from clea_intake.adapters import clients, secrets
from tests.integration.conftest import ENVIRONMENT


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for key, value in ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("BENEFICIARY_KEY_SECRET", raising=False)
    monkeypatch.delenv("BENEFICIARY_KEY_PARAMETER", raising=False)
    with mock_aws():
        clients.reset()
        secrets.reset()
        yield clients.client("ssm")
    clients.reset()
    secrets.reset()


def test_secret_is_read_once_from_the_default_secure_string(ssm):
    # Given the SecureString the template names by default
    ssm.put_parameter(Name=secrets.DEFAULT_PARAMETER, Type="SecureString", Value="s" * 48)
    # When the secret is asked for twice, the parameter changing in between
    first = secrets.beneficiary_secret()
    ssm.put_parameter(Name=secrets.DEFAULT_PARAMETER, Type="SecureString", Value="t" * 48, Overwrite=True)
    # Then it is the parameter's value, read once per container
    assert first == b"s" * 48 and secrets.beneficiary_secret() == first


def test_secret_comes_from_the_parameter_the_environment_names(ssm, monkeypatch):
    ssm.put_parameter(Name="/other/key", Type="SecureString", Value="o" * 40)
    monkeypatch.setenv("BENEFICIARY_KEY_PARAMETER", "/other/key")
    assert secrets.beneficiary_secret() == b"o" * 40


def test_missing_parameter_is_a_clear_error_naming_it(ssm):
    # Given no parameter  When the secret is asked for  Then the error says which parameter to create
    with pytest.raises(secrets.MissingSecret, match="/clea-intake/beneficiary-key not found"):
        secrets.beneficiary_secret()


def test_short_secret_is_refused(ssm):
    ssm.put_parameter(Name=secrets.DEFAULT_PARAMETER, Type="SecureString", Value="too short")
    with pytest.raises(secrets.MissingSecret, match="at least 32 bytes"):
        secrets.beneficiary_secret()
