"""The versioned policy file: every DESIGN §1 value is there, and a broken file is refused at load."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from clea_intake.domain.policy import PolicyNotFound, _policy_files, load_policy_file, policy_for

REGION_DEPARTMENTS = {"16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"}


@pytest.fixture
def policy_path() -> Path:
    files = _policy_files()
    assert files, "no policy file shipped with the package"
    return next(p for p in files if p.name == "clea-2024-2028.yaml")


@pytest.fixture
def raw_policy(policy_path: Path) -> dict:
    return yaml.safe_load(policy_path.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_policy_file_loads_with_every_aid_amount(policy_path):
    # Given the shipped policy file / When it is loaded
    policy = load_policy_file(policy_path)
    # Then the four fixed amounts are those of the scheme
    assert policy.aid_for("clea_socle", "initial") == Decimal("450")
    assert policy.aid_for("clea_socle", "final") == Decimal("250")
    assert policy.aid_for("clea_numerique", "initial") == Decimal("300")
    assert policy.aid_for("clea_numerique", "final") == Decimal("150")


def test_policy_file_loads_with_the_twelve_region_departments(policy_path):
    policy = load_policy_file(policy_path)
    assert policy.region.departments == REGION_DEPARTMENTS


def test_policy_file_loads_with_21_days_and_3_months(policy_path):
    policy = load_policy_file(policy_path)
    assert policy.deadlines.complete_days_before_evaluation == 21
    assert policy.deadlines.proof_max_age_months == 3
    assert policy.deadlines.rib_max_age_months == 3


def test_policy_file_covers_the_2024_2028_strategy(policy_path):
    policy = load_policy_file(policy_path)
    assert (policy.valid_from, policy.valid_until) == (date(2024, 1, 1), date(2028, 12, 31))
    assert policy.version
    assert policy.timezone == "Europe/Paris"


def test_policy_for_a_date_in_range_returns_it_and_outside_raises():
    # Given dates inside and outside the shipped range
    assert policy_for(date(2026, 4, 13)).applies_on(date(2026, 4, 13))
    # Then a date no policy covers is an error, not a silent default
    with pytest.raises(PolicyNotFound):
        policy_for(date(2031, 1, 1))


@pytest.mark.parametrize("postal_code, inside", [
    ("33000", True), ("64100", True), ("87000", True), ("75011", False), ("44000", False),
    ("3300", False), ("", False), (None, False),
])
def test_policy_in_region_postal_code_decides_by_department(policy_path, postal_code, inside):
    policy = load_policy_file(policy_path)
    assert policy.in_region(postal_code) is inside


def test_policy_missing_amount_is_refused(tmp_path, raw_policy):
    # Given the policy without the final CléA Socle amount
    del raw_policy["aid_eur"]["clea_socle"]["final"]
    # When it is loaded / Then validation names the missing amount
    with pytest.raises(ValidationError, match="final"):
        load_policy_file(_write(tmp_path, raw_policy))


def test_policy_missing_certification_is_refused(tmp_path, raw_policy):
    del raw_policy["aid_eur"]["clea_numerique"]
    with pytest.raises(ValidationError, match="clea_numerique"):
        load_policy_file(_write(tmp_path, raw_policy))


def test_policy_zero_amount_is_refused(tmp_path, raw_policy):
    raw_policy["aid_eur"]["clea_socle"]["initial"] = 0
    with pytest.raises(ValidationError):
        load_policy_file(_write(tmp_path, raw_policy))


@pytest.mark.parametrize("department", ["330", "3", "2A", "Gironde"])
def test_policy_bad_department_is_refused(tmp_path, raw_policy, department):
    raw_policy["region"]["departments"] = [*raw_policy["region"]["departments"], department]
    with pytest.raises(ValidationError, match="department"):
        load_policy_file(_write(tmp_path, raw_policy))


def test_policy_unknown_key_is_refused(tmp_path, raw_policy):
    # A misspelt key would otherwise be ignored and its rule silently fall back to nothing
    raw_policy["deadlines"]["complete_days_befor_evaluation"] = 14
    with pytest.raises(ValidationError):
        load_policy_file(_write(tmp_path, raw_policy))


def test_policy_inverted_validity_is_refused(tmp_path, raw_policy):
    raw_policy["valid_from"], raw_policy["valid_until"] = raw_policy["valid_until"], raw_policy["valid_from"]
    with pytest.raises(ValidationError, match="valid_until"):
        load_policy_file(_write(tmp_path, raw_policy))


def test_policy_retention_gives_days_per_kind_after_the_final_state(policy_path):
    retention = load_policy_file(policy_path).retention
    days = (retention.identity_scans_days, retention.bank_details_days, retention.raw_mail_days,
            retention.other_pieces_days, retention.records_days)
    assert retention.shortest_days == min(days) >= 61 and retention.longest_days == max(days)


@pytest.mark.parametrize("change", ["missing", "zero"])
def test_policy_without_a_retention_or_with_zero_days_is_refused(tmp_path, raw_policy, change):
    if change == "missing":
        del raw_policy["retention"]
    else:
        raw_policy["retention"]["identity_scans_days"] = 0
    with pytest.raises(ValidationError, match="retention"):
        load_policy_file(_write(tmp_path, raw_policy))


def test_every_policy_file_reads_the_same_with_libyaml_as_with_the_pure_loader():
    import yaml

    from clea_intake.domain.policy import Policy, _policy_files, load_policy_file

    assert _policy_files()
    for path in _policy_files():
        pure = Policy.model_validate(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader))  # noqa: S506
        assert load_policy_file(path) == pure
