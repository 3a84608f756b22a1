"""The applicant's side of a case: intake, acknowledgement, decision letters, withdrawal, requests.

What comes next is decided in one place, services.flow.advance; this module handles the form and the
people's own actions, then hands over to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from clea_intake.domain.application import Application, parse_application
from clea_intake.domain.calendar import completeness_deadline
from clea_intake.domain.case import Case
from clea_intake.domain.errors import RETRYABLE, InvalidApplication, SystemFault
from clea_intake.domain.lifecycle import OPEN_FOR_CLAIM, OPEN_FOR_PIECES, State
from clea_intake.domain.policy import PolicyNotFound, policy_for
from clea_intake.services import metrics
from clea_intake.services.flow import advance
from clea_intake.services.keys import guard_key, person_key
from clea_intake.services.notify import notify
from clea_intake.services.ports import Ports
from clea_intake.services.retry import on_stale_case

logger = Logger(service="clea-intake", child=True)
__all__ = ["IntakeOutcome", "register_application", "is_form_key", "form_error_key", "acknowledge", "send_decision", "withdraw", "request_document",
           "person_key", "guard_key"]


@dataclass
class IntakeOutcome:
    case_id: str | None
    status: str                          # created | duplicate | updated | invalid | ignored
    problems: list[dict] = field(default_factory=list)


# The form is the case folder's application.json, nothing deeper: a piece named application.json under
# documents/ is a document (the intake rule's wildcard cannot say so, this does).
_FORM_KEY = re.compile(r"^applications/(?P<case>[^/]+)/application\.json$")
# Failures of the platform rather than of the form: the delivery is retried, nothing is recorded against it.
_PLATFORM_ERRORS = (*RETRYABLE, SystemFault, BotoCoreError, ClientError)


def is_form_key(key: str) -> bool:
    return _FORM_KEY.match(key) is not None


def form_error_key(case_folder: str, etag: str) -> str:
    """Where the platform reads why a form was refused: beside the form, under no document or form rule."""
    return f"applications/{case_folder}/errors/{etag}.json"


def register_application(ports: Ports, *, key: str, etag: str, body: bytes, now: datetime,
                         bucket: str | None = None) -> IntakeOutcome:
    """Accept application.json: create the case and start its execution, or record why the form is refused.

    Any failure of parsing or registering the form (other than the platform's own, which are retried)
    becomes a recorded form error with a field, a code and a French sentence; with `bucket`, it is also
    written for the platform under form_error_key. It never reaches the dead-letter queue.
    """
    match = _FORM_KEY.match(key)
    if match is None:
        logger.warning("object that is not a case folder's form ignored", key=key)
        return IntakeOutcome(None, "ignored")
    expected_id = match["case"]
    try:
        return _register(ports, key=key, etag=etag, body=body, now=now, expected_id=expected_id, bucket=bucket)
    except _PLATFORM_ERRORS:
        raise
    except Exception as exc:  # noqa: BLE001 - every other failure is the form's, and is recorded
        problems = [_unexpected_problem(exc)]
        _record_form_error(ports, key=key, etag=etag, case_id=expected_id, problems=problems, now=now,
                           bucket=bucket)
        logger.warning("application form could not be registered", key=key, error=type(exc).__name__,
                       fields=[p["field"] for p in problems])
        return IntakeOutcome(expected_id, "invalid", problems)


def _unexpected_problem(exc: Exception) -> dict:
    if isinstance(exc, PolicyNotFound):
        return {"field": "evaluation_start", "code": "no_policy",
                "message_en": "no policy of the aid covers the evaluation dates",
                "message_fr": "aucun règlement de l'aide ne couvre les dates de l'évaluation"}
    if isinstance(exc, RecursionError):
        return {"field": "(fichier)", "code": "form_too_deep", "message_en": "objects nested too deeply",
                "message_fr": "le formulaire contient des objets imbriqués trop profondément"}
    if isinstance(exc, (ValueError, OverflowError, ArithmeticError)):
        return {"field": "(formulaire)", "code": "value_out_of_range",
                "message_en": f"a value is out of the accepted range ({type(exc).__name__})",
                "message_fr": "une date ou une valeur du formulaire est hors des bornes admises"}
    return {"field": "(formulaire)", "code": "unprocessable",
            "message_en": f"the form could not be processed ({type(exc).__name__})",
            "message_fr": "le formulaire n'a pas pu être traité ; il est conservé pour examen"}


def _record_form_error(ports: Ports, *, key: str, etag: str, case_id: str, problems: list[dict], now: datetime,
                       bucket: str | None) -> None:
    ports.repository.record_form_error(key=key, etag=etag, case_id=case_id, problems=problems, at=now)
    metrics.count("FormRejected")
    if bucket is not None:
        # Written again on a repeated delivery: the same key, the same problems.
        body = json.dumps({"case_id": case_id, "form_key": key, "etag": etag, "at": now.isoformat(),
                           "problems": problems}, ensure_ascii=False, indent=2).encode("utf-8")
        ports.storage.put_object(bucket, form_error_key(case_id, etag), body,
                                 content_type="application/json; charset=utf-8")


def _register(ports: Ports, *, key: str, etag: str, body: bytes, now: datetime, expected_id: str,
              bucket: str | None) -> IntakeOutcome:
    repo = ports.repository
    try:
        app = parse_application(body)
    except InvalidApplication as invalid:
        _record_form_error(ports, key=key, etag=etag, case_id=expected_id, problems=invalid.problems, now=now,
                           bucket=bucket)
        logger.warning("application form rejected", key=key, fields=[p["field"] for p in invalid.problems])
        return IntakeOutcome(expected_id, "invalid", invalid.problems)
    if expected_id != app.case_id:
        problems = [{"field": "case_id", "code": "case_id_mismatch",
                     "message_en": f"case_id does not match the folder {expected_id}",
                     "message_fr": "le numéro de dossier ne correspond pas au dossier où le formulaire est déposé"}]
        _record_form_error(ports, key=key, etag=etag, case_id=expected_id, problems=problems, now=now,
                           bucket=bucket)
        return IntakeOutcome(expected_id, "invalid", problems)

    policy = policy_for(app.evaluation_start)
    case = Case(case_id=app.case_id, application=app, received_at=now, updated_at=now,
                beneficiary_key=person_key(ports, app), policy_version=policy.version,
                deadline_at=completeness_deadline(app.evaluation_start, policy))
    case.note("received", at=now, actor="platform", message="Demande reçue de la plateforme régionale.",
              key=key, etag=etag)
    if repo.create_case(case):
        metrics.count("CaseReceived")
        metrics.state_entered(State.RECEIVED)
        status = "created"
    else:
        status = _replace_form(ports, app, now, etag)
    started = ports.workflow.start_case(ports.settings.state_machine_arn, app.case_id)
    logger.info("application registered", case_id=app.case_id, status=status, execution_started=started)
    return IntakeOutcome(app.case_id, status)


@on_stale_case()
def _replace_form(ports: Ports, app: Application, now: datetime, etag: str) -> str:
    """A second delivery of the same form is a no-op; a corrected form replaces it while pieces are open."""
    repo = ports.repository
    case = repo.get_case(app.case_id)
    if case.application == app:
        return "duplicate"
    if case.state not in OPEN_FOR_PIECES:
        case.note("form_ignored", at=now, actor="platform", etag=etag,
                  message="Formulaire modifié reçu après la décision : il n'est pas pris en compte.")
        repo.save_case(case)
        return "ignored"
    policy = policy_for(app.evaluation_start)
    case.application = app
    case.deadline_at = completeness_deadline(app.evaluation_start, policy)
    case.beneficiary_key = person_key(ports, app)
    case.note("form_updated", at=now, actor="platform", etag=etag, message="Formulaire mis à jour par la plateforme.")
    repo.save_case(case)
    return "updated"


def send_decision(ports: Ports, case_id: str, now: datetime) -> str:
    """Send the decision: award letter and e-mail plus the arrêté to the evaluator, or the refusal."""
    case = ports.repository.get_case(case_id)
    if case.state in OPEN_FOR_CLAIM or case.state == State.AWARDED:
        notify(ports, case, "award_beneficiary", now)
        notify(ports, case, "arrete_evaluator", now)
    elif case.state == State.REFUSED:
        notify(ports, case, "refusal", now)
    return str(case.state)


def acknowledge(ports: Ports, case_id: str, now: datetime) -> str:
    case = ports.repository.get_case(case_id)
    notify(ports, case, "acknowledgement", now)
    return str(case.state)


@on_stale_case()
def withdraw(ports: Ports, case_id: str, now: datetime, *, actor: str, note: str | None) -> str:
    """The applicant gives up (told by a person): WITHDRAWN, the applicant told, the workflow ends."""
    case = ports.repository.get_case(case_id)
    case.withdraw(at=now, actor=actor, note=note)
    ports.repository.save_case(case)
    metrics.state_entered(State.WITHDRAWN)
    notify(ports, case, "withdrawal", now, note=note)
    advance(ports, case_id, now, actor=actor)
    return "WITHDRAWN"


@on_stale_case()
def request_document(ports: Ports, case_id: str, now: datetime, *, actor: str, document: str) -> None:
    """The Région may ask for any other document; the applicant is told and the timeline keeps it."""
    case = ports.repository.get_case(case_id)
    case.note("request", at=now, actor=actor, message=f"Document demandé : {document}")
    ports.repository.save_case(case)
    notify(ports, case, "document_request", now, requested_document=document,
           min_interval=timedelta(seconds=0))
