"""The debtor IBAN, a secret-like setting: read from an SSM SecureString on moto when first needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from clea_intake import settings
from clea_intake.adapters import clients
from clea_intake.adapters.parameters import MissingParameter
from tests.integration.conftest import ENVIRONMENT

PARAMETER = "/clea-intake/debtor-iban"
REGION_IBAN = "FR1420041010050500013M02606"


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for key, value in {**ENVIRONMENT, "TABLE_NAME": "cases", "BUCKET_NAME": "documents"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DEBTOR_IBAN", raising=False)
    monkeypatch.setenv("DEBTOR_IBAN_PARAMETER", PARAMETER)
    with mock_aws():
        clients.reset()
        settings.reset()
        yield clients.client("ssm")
    clients.reset()
    settings.reset()


def test_debtor_iban_is_read_from_the_secure_string_the_environment_names(ssm):
    # Given the SecureString DEBTOR_IBAN_PARAMETER names, and no DEBTOR_IBAN variable
    ssm.put_parameter(Name=PARAMETER, Type="SecureString", Value=REGION_IBAN)
    # When a function's settings give the IBAN  Then it is the parameter's value
    assert settings.settings().debtor_iban == REGION_IBAN


def test_debtor_iban_is_read_when_needed_not_at_cold_start(ssm):
    # Given settings built before the parameter exists (a function that never exports pays no SSM call)
    cfg = settings.settings()
    ssm.put_parameter(Name=PARAMETER, Type="SecureString", Value=REGION_IBAN)
    # When the IBAN is asked for, twice, the parameter changing in between  Then it is read once, then kept
    assert cfg.debtor_iban == REGION_IBAN
    ssm.put_parameter(Name=PARAMETER, Type="SecureString", Value="FR7630006000011234567890189", Overwrite=True)
    assert cfg.debtor_iban == REGION_IBAN


def test_missing_debtor_iban_parameter_is_a_clear_error_naming_it(ssm):
    # Given no parameter  When the IBAN is asked for  Then the error names the parameter to create
    with pytest.raises(MissingParameter, match="/clea-intake/debtor-iban not found"):
        _ = settings.settings().debtor_iban


def test_debtor_iban_variable_wins_over_the_parameter(ssm, monkeypatch):
    # Given a local stack's DEBTOR_IBAN and a parameter name  Then the variable's value is used, SSM not asked
    monkeypatch.setenv("DEBTOR_IBAN", REGION_IBAN)
    settings.reset()
    assert settings.settings().debtor_iban == REGION_IBAN
