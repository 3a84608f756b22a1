"""The Repository's contract on DynamoDB (moto): the very tests of tests/unit/adapters, on DynamoTable."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from clea_intake.adapters.repository import Repository

_CONTRACT = Path(__file__).parents[1] / "unit" / "adapters" / "test_adapters_repository.py"
_spec = importlib.util.spec_from_file_location("repository_contract", _CONTRACT)
_contract = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_contract)
# Collected here, these tests take this module's `repo` fixture: one contract, two tables.
globals().update({name: test for name, test in vars(_contract).items() if name.startswith("test_repository_")})


@pytest.fixture
def repo(dynamo_repo: Repository) -> Repository:
    return dynamo_repo
