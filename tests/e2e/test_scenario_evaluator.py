"""The scenario's `evaluator` step (DESIGN §6): the Région's supplier record, replayed by `clea-intake simulate`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from clea_intake.local.scenario import Step
from clea_intake.mail.build import build_claim_email

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parents[1] / "fixtures" / "claims"
CLI = Path(sys.executable).with_name("clea-intake")
OTHER_ADDRESS = "comptabilite@formation-atlantique.fr"


def test_evaluator_step_is_one_action_of_its_own():
    step = Step.model_validate({"at": "2026-01-05T09:00:00+01:00", "evaluator": "evaluator.json"})
    assert step.action == "evaluator"
    with pytest.raises(ValueError, match="exactly one thing"):
        Step.model_validate({"at": "2026-01-05T09:00:00+01:00", "evaluator": "evaluator.json", "tick": True})


def _scenario_with_claim_from(tmp_path: Path, sender: str, supplier: dict | None) -> Path:
    """The frozen award-to-paid scenario, its claim sent from `sender`, the supplier record recorded first."""
    shutil.copytree(FIXTURES, tmp_path / "claims")
    base = tmp_path / "claims"
    original = message_from_bytes((base / "claim.eml").read_bytes(), policy=policy.default)
    pieces = [(part.get_filename(), part.get_content()) for part in original.iter_attachments()]
    steps = [s for s in json.loads((base / "award_to_paid.json").read_text(encoding="utf-8"))["steps"]
             if "evaluator" not in s]
    claim_at = datetime.fromisoformat(next(s["at"] for s in steps if "email" in s))
    application = json.loads((base / "application.json").read_text(encoding="utf-8"))
    (base / "claim.eml").write_bytes(build_claim_email(sender=sender, attachments=pieces, sent_at=claim_at,
                                                       case_id=application["case_id"]))
    if supplier is not None:
        (base / "evaluator.json").write_text(json.dumps(supplier), encoding="utf-8")
        steps.insert(0, {"at": "2026-01-05T09:00:00+01:00", "evaluator": "evaluator.json"})
    (base / "scenario.json").write_text(json.dumps({"steps": steps}), encoding="utf-8")
    return base / "scenario.json"


def _simulate(scenario: Path) -> dict:
    done = subprocess.run([str(CLI), "simulate", str(scenario), "--json"], capture_output=True, text=True,
                          timeout=900, check=True, env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"})
    return json.loads(done.stdout)


def test_supplier_record_registers_the_address_a_claim_is_paid_from(tmp_path):
    # Given the supplier record of the case's evaluator, which registers a second address of its own, and a
    # claim sent from that address (not the form's)
    application = json.loads((FIXTURES / "application.json").read_text(encoding="utf-8"))
    from clea_intake.local.season import evaluator_iban

    evaluator = application["evaluator"]
    supplier = {"siret": evaluator["siret"], "name": evaluator["name"], "iban": evaluator_iban(evaluator["siret"]),
                "emails": [evaluator["email"], OTHER_ADDRESS]}
    # When the scenario is replayed by `clea-intake simulate --json`
    outcome = _simulate(_scenario_with_claim_from(tmp_path, OTHER_ADDRESS, supplier))
    # Then the claim from the registered address is paid the awarded amount, with no one's review
    assert outcome["state"] == "PAID", outcome
    assert outcome["paid_eur"] == outcome["awarded_eur"]


def test_without_the_supplier_record_that_address_is_not_trusted(tmp_path):
    # Given the same claim from the second address, but no supplier record registering it
    outcome = _simulate(_scenario_with_claim_from(tmp_path, OTHER_ADDRESS, None))
    # Then nothing is paid
    assert outcome["state"] == "AWARDED", outcome
    assert outcome["paid_eur"] is None


def test_a_bad_supplier_file_stops_the_scenario_naming_its_step(tmp_path):
    scenario = _scenario_with_claim_from(tmp_path, OTHER_ADDRESS, {"siret": "123", "name": "", "emails": []})
    done = subprocess.run([str(CLI), "simulate", str(scenario), "--json"], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"})
    assert done.returncode != 0
    assert "step 0 (evaluator)" in done.stderr + done.stdout
