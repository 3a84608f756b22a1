"""The review queue: a person confirms, corrects or dismisses what the machine could not decide."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from clea_intake.adapters.repository import Repository
from clea_intake.domain.calendar import local_day
from clea_intake.domain.errors import CleaIntakeError
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import current_policy
from clea_intake.domain.records import DocumentRecord, ReviewItem
from clea_intake.services import metrics
from clea_intake.services.flow import advance
from clea_intake.services.ports import Ports
from clea_intake.services.retry import on_stale_case

# The document checks, the mail intake and the evaluator register are imported by the actions that use them: the
# execution-failure entry (open_execution_failure) is imported by await_step, whose cold start they would slow.


class ReviewError(CleaIntakeError):
    """The review action does not fit the item (unknown id, already closed, wrong kind)."""


def _open_item(repo: Repository, review_id: str) -> ReviewItem:
    item = repo.find_review(review_id)
    if item is None:
        raise ReviewError(f"no review item {review_id}")
    if item.status != "OPEN":
        raise ReviewError(f"review item {review_id} is already closed ({item.resolution})")
    return item


def _close(repo: Repository, item: ReviewItem, resolution: str, actor: str, now: datetime) -> None:
    repo.close_review(item.model_copy(update={"status": "CLOSED", "resolution": resolution, "closed_by": actor,
                                              "closed_at": now}))
    metrics.count("ReviewClosed")


@on_stale_case()
def _note(repo: Repository, case_id: str, now: datetime, actor: str, message: str, **detail: Any) -> None:
    case = repo.get_case(case_id)
    case.note("review", at=now, actor=actor, message=message, **detail)
    repo.save_case(case)


def resolve(ports: Ports, review_id: str, action: str, now: datetime, *, actor: str,
            doc_type: str | None = None, fields: dict[str, Any] | None = None, note: str | None = None) -> str:
    """Apply a person's decision; a confirmed or corrected document then counts like an automatic reading.

    Every decision about a case's pieces ends in services.flow.advance."""
    repo = ports.repository
    item = _open_item(repo, review_id)
    if action == "dismiss":
        _close(repo, item, "dismissed", actor, now)
        record = repo.find_document(item.case_id, item.subject_ref) if item.kind == "document" else None
        if record is not None:
            # The person found the piece unusable: it no longer waits for review and no longer counts.
            repo.put_document(record.model_copy(update={"status": "rejected", "reviewed_by": actor}))
        if item.case_id and repo.find_case(item.case_id):
            _note(repo, item.case_id, now, actor, f"Point d'examen écarté : {note or item.code}", review_id=review_id)
            if record is not None or item.kind == "evaluator":
                # An evaluator finding set aside (the register is behind): the decision goes on without it.
                advance(ports, item.case_id, now, actor=actor)
        return "dismissed"
    if item.kind == "document":
        return _resolve_document(ports, item, action, now, actor, doc_type, fields or {})
    if item.kind == "evaluator" and action == "confirm":
        return _confirm_register_finding(ports, item, now, actor, note)
    if item.kind == "bank_details" and action == "confirm":
        return _approve_iban(ports, item, now, actor)
    if item.kind == "mail" and action == "confirm":
        if not item.case_id:
            raise ReviewError("a message without a case can only be dismissed (or its case set by a correction)")
        from clea_intake.services.inbound import ingest

        ingest(ports, bucket=ports.settings.bucket_name, key=item.subject_ref, now=now, released_for=item.case_id)
        _close(repo, item, "released", actor, now)
        _note(repo, item.case_id, now, actor, "Courriel mis en quarantaine vérifié et accepté.", review_id=review_id)
        # Its attachments are in S3 now: each one's reading ends in services.flow.advance.
        return "released"
    raise ReviewError(f"'{action}' does not apply to a {item.kind} review item")


def recheck(doc_type: DocType, fields: dict[str, Any], record: DocumentRecord) -> list:
    from clea_intake.documents.checks import check

    def as_value(name: str, value: Any) -> Any:
        if isinstance(value, str) and (name.endswith("_date") or name in ("valid_from", "valid_until")):
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                return value
        return value

    policy = current_policy()
    typed = {name: as_value(name, value) for name, value in fields.items()}
    return check(DocType(doc_type), typed, as_of=local_day(record.received_at, policy), policy=policy, mrz=None)


def _resolve_document(ports: Ports, item: ReviewItem, action: str, now: datetime, actor: str,
                      doc_type: str | None, fields: dict[str, Any]) -> str:
    repo = ports.repository
    record = repo.find_document(item.case_id, item.subject_ref)
    if record is None:
        raise ReviewError(f"document {item.subject_ref} of review {item.review_id} is gone")
    update: dict[str, Any] = {"status": "read", "reviewed_by": actor, "confidence": 1.0}
    if action == "correct":
        if doc_type:
            try:
                update["doc_type"] = DocType(doc_type)
            except ValueError as exc:
                raise ReviewError(f"unknown document type {doc_type!r}") from exc
        # The person typed what the piece shows: that reading replaces the machine's. Merging the typed fields
        # over the OCR's would keep every misread field the person did not retype (a wrong date, a stray
        # identifier) and check it again as if a person had vouched for it. Only the type may be corrected
        # alone: the machine's fields then stay if they were read for that type.
        retyped = update.get("doc_type", record.doc_type) != record.doc_type
        update["fields"] = dict(fields) if fields else ({} if retyped else dict(record.fields))
    elif action != "confirm":
        raise ReviewError(f"unknown action {action!r}")
    if action == "correct":
        # The person typed what the piece shows: its checks (expiry, age, identifiers) run again on that.
        update["findings"] = recheck(update.get("doc_type", record.doc_type), update["fields"], record)
    else:
        # A confirmation removes the machine's doubt about the type, not its checks of identifiers and dates.
        update["findings"] = [f for f in record.findings if f.code != "LOW_CONFIDENCE"]
    corrected = record.model_copy(update=update)
    repo.put_document(corrected)
    _close(repo, item, "corrected" if action == "correct" else "confirmed", actor, now)
    _note(repo, item.case_id, now, actor, f"Document vérifié par un agent : {corrected.doc_type}.",
          doc_id=record.doc_id, action=action)
    advance(ports, item.case_id, now, actor=actor)
    return "confirmed" if action == "confirm" else "corrected"


@on_stale_case()
def _approve_iban(ports: Ports, item: ReviewItem, now: datetime, actor: str) -> str:
    from clea_intake.services.evaluators import confirm_iban

    repo = ports.repository
    case = repo.get_case(item.case_id)
    bank = repo.find_document(item.case_id, item.subject_ref)
    if bank is None:
        raise ReviewError("the RIB of this review item is gone")
    iban = str(bank.fields.get("iban", "")).replace(" ", "").upper()
    case.approve_iban(iban, at=now, actor=actor)
    repo.save_case(case)
    # Confirmed as a finance department confirms a new supplier's bank details: later claims on it need no one.
    evaluator = case.application.evaluator
    confirm_iban(repo, evaluator.siret, iban, name=evaluator.name, at=now, actor=actor)
    _close(repo, item, "approved", actor, now)
    advance(ports, item.case_id, now, actor=actor)
    return "approved"


def _confirm_register_finding(ports: Ports, item: ReviewItem, now: datetime, actor: str, note: str | None) -> str:
    """A person checked and the register is right: the eligibility decision goes on and fails the rule the
    finding is about (domain.registers.REGISTER_RULES)."""
    repo = ports.repository
    if not item.case_id or repo.find_case(item.case_id) is None:
        raise ReviewError(f"review item {item.review_id} has no case")
    _close(repo, item, "confirmed", actor, now)
    _note(repo, item.case_id, now, actor, f"Constat du registre confirmé par un agent : {note or item.code}",
          review_id=item.review_id)
    advance(ports, item.case_id, now, actor=actor)
    return "confirmed"


def open_execution_failure(ports: Ports, case_id: str, error: str | None, now: datetime) -> bool:
    """A case's execution failed after its retries: a review item, so that the case never waits unseen.

    Only the error's name is kept (its cause may quote a form). False if this failure was already opened.
    """
    name = (error or "Unknown")[:80]
    review = ReviewItem(
        review_id=f"EXEC-{case_id}-{now.strftime('%Y%m%dT%H%M%S')}", case_id=case_id, kind="case",
        code="EXECUTION_FAILED", subject_ref=case_id, opened_at=now,
        message=(f"Le traitement automatique du dossier s'est arrêté sur une erreur ({name}) après ses reprises : "
                 "examiner le dossier, puis le relancer ou le clore."),
        detail={"error": name},
    )
    opened = ports.repository.open_review(review)
    if opened:
        metrics.count("ReviewOpened")
    return opened
