"""The beneficiary key of an application and the key of its one-aid guard (HMAC with the scheme's secret)."""

from __future__ import annotations

from clea_intake.domain.application import Application
from clea_intake.domain.names import beneficiary_key
from clea_intake.services.ports import Ports


def person_key(ports: Ports, app: Application) -> str:
    applicant = app.applicant
    return beneficiary_key(applicant.surname, applicant.given_names, applicant.birth_date,
                           secret=ports.secrets.beneficiary_secret())


def guard_key(ports: Ports, app: Application) -> str:
    """One aid per person, year, certification and evaluation."""
    return f"{person_key(ports, app)}#{app.year}#{app.certification}#{app.evaluation}"
