"""The case repository: cases, documents, timeline, award guard, reviews, payments, mails in one table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from clea_intake.adapters.table import ConditionFailed, DynamoTable, InMemoryTable, Item, TableGateway, Write
from clea_intake.domain.application import STORED
from clea_intake.domain.case import Case, TimelineEvent
from clea_intake.domain.errors import CaseNotFound, DuplicateAward, StaleCase, StaleRecord
from clea_intake.domain.evaluator import EvaluatorRecord
from clea_intake.domain.guard import GuardEntry, holder_of
from clea_intake.domain.lifecycle import State
from clea_intake.domain.pieces import Piece
from clea_intake.domain.records import CaseSummary, DocumentRecord, MailRecord, PaymentOrder, ReviewItem
from clea_intake.domain.registers import Establishment, TrainingOrganisation


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _register_id(entry: TrainingOrganisation | Establishment) -> str:
    return entry.nda if isinstance(entry, TrainingOrganisation) else entry.siret


def _case_pk(case_id: str) -> str:
    return f"CASE#{case_id}"


def doc_id_for(key: str) -> str:
    """A document's id is stable per S3 key: a new version of the same key replaces the reading."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


# -- mapping -------------------------------------------------------------------------------
# The one place where stored items become domain records: each kind of item keeps its record as JSON in
# `body`; the case's version is an attribute of its own (the optimistic lock).
def _to_case(item: Item) -> Case:
    case = Case.model_validate_json(item["body"], context=STORED)
    case.version = int(item["version"])
    return case


def _to_event(item: Item) -> TimelineEvent:
    return TimelineEvent.model_validate_json(item["body"])


def _to_document(item: Item) -> DocumentRecord:
    return DocumentRecord.model_validate_json(item["body"])


def _to_review(item: Item) -> ReviewItem:
    return ReviewItem.model_validate_json(item["body"])


def _to_payment(item: Item) -> PaymentOrder:
    return PaymentOrder.model_validate_json(item["body"])


def _to_mail(item: Item) -> MailRecord:
    return MailRecord.model_validate_json(item["body"])


def _to_summary(row: Item) -> CaseSummary:
    """An index row of a case (the index projects the whole item) as its summary, no personal data."""
    return _to_case(row).summary()


class ReviewRow(NamedTuple):
    """A review item and the index row it was read from (what a conditional put of it writes back)."""

    review: ReviewItem
    row: Item


class Repository:
    """Speaks the domain over a TableGateway; every case write is conditional on its version."""

    def __init__(self, table: TableGateway) -> None:
        self.table = table

    # -- cases -------------------------------------------------------------------------------
    def _case_item(self, case: Case, version: int) -> dict[str, Any]:
        sort_moment = case.deadline_at if case.deadline_at is not None else case.updated_at
        sort_key = f"{_iso(sort_moment)}#{case.case_id}"
        ended_at = case.ended_at
        if ended_at is not None:
            # A final case is sorted by the moment it ended (its retention counts from there); once its
            # personal data expired it sorts after every moment, so that the retention sweep's bounded
            # query no longer returns it (unbounded lists still do).
            sort_key = f"{_iso(ended_at)}#{case.case_id}"
            if case.personal_data_expired_at is not None:
                sort_key = f"~EXPIRED#{sort_key}"
        return {
            "pk": _case_pk(case.case_id), "sk": "CASE", "type": "case",
            "case_id": case.case_id, "state": str(case.state), "version": version,
            "updated_at": _iso(case.updated_at),
            "gsi1pk": f"STATE#{case.state}", "gsi1sk": sort_key,
            "body": case.model_dump_json(),
        }

    def _event_writes(self, case: Case, version: int) -> list[Write]:
        writes = []
        for n, event in enumerate(case.new_events):
            writes.append(Write({
                "pk": _case_pk(case.case_id), "sk": f"EVENT#{_iso(event.at)}#{version:06d}#{n:03d}",
                "type": "event", "body": event.model_dump_json(),
            }, "absent"))
        return writes

    def find_case(self, case_id: str) -> Case | None:
        item = self.table.get(_case_pk(case_id), "CASE")
        return _to_case(item) if item is not None else None

    def get_case(self, case_id: str) -> Case:
        case = self.find_case(case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def create_case(self, case: Case) -> bool:
        """Store a new case at version 1; False if it already exists (a repeated delivery)."""
        try:
            self.table.transact([Write(self._case_item(case, 1), "absent"), *self._event_writes(case, 1)])
        except ConditionFailed:
            return False
        case.version = 1
        case.new_events.clear()
        return True

    def save_case(self, case: Case, *extra: Write) -> None:
        """Write the case if nobody changed it since it was read, with its new timeline events."""
        version = case.version + 1
        writes = [Write(self._case_item(case, version), ("version", case.version)),
                  *self._event_writes(case, version), *extra]
        try:
            self.table.transact(writes)
        except ConditionFailed as failed:
            if failed.index == 0:
                raise StaleCase(case.case_id) from failed
            raise
        case.version = version
        case.new_events.clear()

    def _guard(self, guard_key: str) -> tuple[list[GuardEntry], int]:
        item = self.table.get(f"AWARD#{guard_key}", "AWARD")
        if item is None:
            return [], 0
        return [GuardEntry.model_validate(e) for e in json.loads(item["entries"])], int(item["version"])

    def award_holder(self, guard_key: str) -> str | None:
        """The first case awarded under a guard key (same surname, birth date, year, certification, evaluation)."""
        entries, _version = self._guard(guard_key)
        return entries[0].case_id if entries else None

    def awarded_to(self, guard_key: str, scope: str, candidate: GuardEntry) -> str | None:
        """The case already awarded to the candidate's person for this scope (year, certification,
        evaluation): by the same-person rule within the guard key, or by an identity document number."""
        entries, _version = self._guard(guard_key)
        holder = holder_of(entries, candidate)
        if holder is not None:
            return holder
        for document in sorted(candidate.documents):
            item = self.table.get(f"AWARD#DOC#{document}#{scope}", "AWARD")
            if item is not None and item["case_id"] != candidate.case_id:
                return item["case_id"]
        return None

    def record_award(self, case: Case, guard_key: str, scope: str, entry: GuardEntry) -> None:
        """Save the AWARDED case, its entry in the person's guard and one guard per identity document, in
        one transaction: DuplicateAward if the same person already holds the aid, StaleCase if the case or
        the guard changed since they were read (read again and decide again)."""
        entries, version = self._guard(guard_key)
        if holder_of(entries, entry) is not None:
            raise DuplicateAward(guard_key)
        guard = Write({"pk": f"AWARD#{guard_key}", "sk": "AWARD", "type": "award_guard", "version": version + 1,
                       "entries": json.dumps([e.model_dump(mode="json") for e in [*entries, entry]]),
                       "awarded_at": _iso(case.updated_at)}, ("version", version) if version else "absent")
        documents = [Write({"pk": f"AWARD#DOC#{d}#{scope}", "sk": "AWARD", "type": "award_document_guard",
                            "case_id": case.case_id}, ("absent_or_equal", {"case_id": case.case_id}))
                     for d in sorted(entry.documents)]
        guard_index = 1 + len(case.new_events)
        try:
            self.save_case(case, guard, *documents)
        except ConditionFailed as failed:
            if failed.index == guard_index:
                raise StaleCase(case.case_id) from failed   # another award of this family since the read
            raise DuplicateAward(guard_key) from failed     # an identity document already holds the aid

    def timeline(self, case_id: str) -> list[TimelineEvent]:
        return [_to_event(i) for i in self.table.query(_case_pk(case_id), "EVENT#")]

    # -- retention (README, "Personal data expires") ----------------------------------------------
    def timeline_items(self, case_id: str) -> list[tuple[str, TimelineEvent]]:
        """The timeline with each event's sort key, so that an event can be written again in place."""
        return [(i["sk"], _to_event(i)) for i in self.table.query(_case_pk(case_id), "EVENT#")]

    def rewrite_event(self, case_id: str, sk: str, event: TimelineEvent) -> None:
        """Write an existing timeline event again (the same line without personal values); never `expires_at`."""
        self.table.transact([Write({"pk": _case_pk(case_id), "sk": sk, "type": "event",
                                    "body": event.model_dump_json()}, "present")])

    def set_expiry(self, pk: str, sk: str, expires_at: int) -> bool:
        """Give an item its `expires_at` (Unix epoch seconds) for DynamoDB's TTL; an earlier one is kept.
        False if the item is not there (or already expired). The whole item is put again: PutItem is the
        one write the sweep's role has."""
        item = self.table.get(pk, sk)
        return item is not None and self._put_expiry(item, expires_at, "present")

    def _put_expiry(self, item: Item, expires_at: int, condition: Any) -> bool:
        if "expires_at" in item and int(item["expires_at"]) <= expires_at:
            return True
        try:
            self.table.transact([Write({**item, "expires_at": expires_at}, condition)])
        except ConditionFailed:
            return False
        return True

    def review_rows(self) -> list[ReviewRow]:
        """Every review item, open and closed, with the index row it was read from (one query per status)."""
        return [ReviewRow(_to_review(row), row) for status in ("OPEN", "CLOSED")
                for row in self.table.query_index(f"REVIEW#{status}")]

    def expire_reviews(self, rows: Iterable[ReviewRow], expires_at_of: Callable[[ReviewItem], int | None]) -> int:
        """Give each review item of `rows` `expires_at_of(review)` (None: not yet), from the index rows (the
        index projects whole items; the sweep's role may query it, not GetItem review items). The put holds
        only if the item is still in the same status, so a review closed meanwhile is not reopened."""
        done = 0
        for review, row in rows:
            moment = expires_at_of(review)
            if moment is not None:
                done += self._put_expiry(row, moment, ("absent_or_equal", {"gsi1pk": row["gsi1pk"]}))
        return done

    def case_item_keys(self, case_id: str, prefix: str) -> list[tuple[str, str]]:
        """The (pk, sk) of a case's items under a sort-key prefix (DOC#, MAIL#)."""
        return [(i["pk"], i["sk"]) for i in self.table.query(_case_pk(case_id), prefix)]

    def form_error_keys(self, case_id: str) -> list[tuple[str, str]]:
        return [(i["pk"], i["sk"]) for i in self.table.query(f"FORM#{case_id}", "ERROR#")]

    def cases_in_state(self, state: State, *, deadline_before: datetime | None = None,
                       limit: int | None = None) -> list[CaseSummary]:
        # "#~" sorts after any case id: a deadline equal to `deadline_before` is due.
        upper = f"{_iso(deadline_before)}#~" if deadline_before else None
        rows = self.table.query_index(f"STATE#{state}", upper, limit)
        return [_to_summary(row) for row in rows]

    # -- form errors -------------------------------------------------------------------------
    def record_form_error(self, *, key: str, etag: str, case_id: str | None, problems: list[dict],
                          at: datetime) -> bool:
        item = {"pk": f"FORM#{case_id or doc_id_for(key)}", "sk": f"ERROR#{etag}", "type": "form_error",
                "key": key, "case_id": case_id, "problems": json.dumps(problems, ensure_ascii=False),
                "at": _iso(at), "gsi1pk": "FORM_ERROR", "gsi1sk": f"{_iso(at)}#{key}"}
        try:
            self.table.transact([Write(item, "absent")])
            return True
        except ConditionFailed:
            return False

    def form_errors(self, case_id: str) -> list[dict]:
        return [json.loads(i["problems"]) for i in self.table.query(f"FORM#{case_id}", "ERROR#")]

    # -- documents ---------------------------------------------------------------------------
    def _doc_item(self, doc: DocumentRecord) -> dict[str, Any]:
        item = {"pk": _case_pk(doc.case_id), "sk": f"DOC#{doc.doc_id}", "type": "document",
                "etag": doc.etag, "sha256": doc.sha256, "doc_type": str(doc.doc_type), "status": doc.status,
                "body": doc.model_dump_json()}
        if doc.version_order is not None:
            item["version_order"] = doc.version_order
        return item

    def find_document(self, case_id: str, doc_id: str) -> DocumentRecord | None:
        item = self.table.get(_case_pk(case_id), f"DOC#{doc_id}")
        return _to_document(item) if item else None

    def put_document(self, doc: DocumentRecord) -> None:
        """Write a document record as it is (a person's correction of the current reading)."""
        self.table.transact([Write(self._doc_item(doc))])

    def put_reading(self, doc: DocumentRecord) -> bool:
        """Write the reading of an object version unless the reading of a newer version is there.

        False when the stored reading is of a newer version (a late event): the condition is the table's, so
        two readers racing on one key cannot put the older one last. A reading of the same order is written
        again (the service skips a redelivered version by its ETag before reading it).
        """
        if doc.version_order is None:
            self.put_document(doc)
            return True
        try:
            self.table.transact([Write(self._doc_item(doc), ("absent_or_not_above", ("version_order", doc.version_order)))])
        except ConditionFailed:
            return False
        return True

    def documents(self, case_id: str) -> list[DocumentRecord]:
        return [_to_document(i) for i in self.table.query(_case_pk(case_id), "DOC#")]

    def pieces(self, case_id: str) -> list[Piece]:
        return [d.piece() for d in self.documents(case_id)]

    # -- reviews -----------------------------------------------------------------------------
    def open_review(self, review: ReviewItem) -> bool:
        item = {"pk": f"REVIEW#{review.review_id}", "sk": "REVIEW", "type": "review",
                "gsi1pk": f"REVIEW#{review.status}", "gsi1sk": f"{_iso(review.opened_at)}#{review.review_id}",
                "body": review.model_dump_json()}
        try:
            self.table.transact([Write(item, "absent")])
            return True
        except ConditionFailed:
            return False

    def find_review(self, review_id: str) -> ReviewItem | None:
        item = self.table.get(f"REVIEW#{review_id}", "REVIEW")
        return _to_review(item) if item else None

    def reviews(self, status: str = "OPEN") -> list[ReviewItem]:
        return [_to_review(i) for i in self.table.query_index(f"REVIEW#{status}")]

    def close_review(self, review: ReviewItem) -> None:
        item = {"pk": f"REVIEW#{review.review_id}", "sk": "REVIEW", "type": "review",
                "gsi1pk": f"REVIEW#{review.status}", "gsi1sk": f"{_iso(review.opened_at)}#{review.review_id}",
                "body": review.model_dump_json()}
        self.table.transact([Write(item, "present")])

    # -- payments ----------------------------------------------------------------------------
    def payment_item(self, order: PaymentOrder) -> dict[str, Any]:
        # Its own partition, not the case's: IAM's leading-key conditions then keep every function but the
        # payment ones from writing an order.
        return {"pk": f"PAYMENT#{order.case_id}", "sk": "ORDER", "type": "payment", "order_id": order.order_id,
                "status": order.status, "gsi1pk": f"PAYMENT#{order.status}",
                "gsi1sk": f"{_iso(order.created_at)}#{order.case_id}", "body": order.model_dump_json()}

    def order_payment(self, case: Case, order: PaymentOrder) -> bool:
        """Save the PAYMENT_ORDERED case and create its order once; False if an order already exists."""
        try:
            self.save_case(case, Write(self.payment_item(order), "absent"))
            return True
        except ConditionFailed:
            return False

    def find_payment(self, case_id: str) -> PaymentOrder | None:
        item = self.table.get(f"PAYMENT#{case_id}", "ORDER")
        return _to_payment(item) if item else None

    def payments(self, status: str) -> list[PaymentOrder]:
        return [_to_payment(i) for i in self.table.query_index(f"PAYMENT#{status}")]

    def update_payment(self, order: PaymentOrder, *, expected_status: str, case: Case | None = None) -> None:
        """Move an order on from `expected_status`; StaleCase if someone else moved it first."""
        writes = [Write(self.payment_item(order), ("status", expected_status))]
        try:
            if case is not None:
                self.save_case(case, *writes)
            else:
                self.table.transact(writes)
        except ConditionFailed as failed:
            raise StaleCase(order.case_id) from failed

    # -- evaluator records -------------------------------------------------------------------
    def find_evaluator(self, siret: str) -> EvaluatorRecord | None:
        item = self.table.get(f"EVALUATOR#{siret}", "RECORD")
        if item is None:
            return None
        return EvaluatorRecord.model_validate_json(item["body"], context=STORED).model_copy(update={"version": int(item["version"])})

    def save_evaluator(self, record: EvaluatorRecord, *, action: str, detail: dict[str, Any]) -> EvaluatorRecord:
        """Write the record if nobody changed it since it was read (version 0: new), with one audit line;
        the record at its new version."""
        expected_version = record.version
        pk = f"EVALUATOR#{record.siret}"
        item = {"pk": pk, "sk": "RECORD", "type": "evaluator", "version": expected_version + 1,
                "body": record.model_dump_json()}
        audit = {"pk": pk, "sk": f"EVENT#{_iso(record.updated_at)}#{expected_version + 1:06d}", "type": "evaluator_event",
                 "body": json.dumps({"at": _iso(record.updated_at), "actor": record.updated_by, "action": action,
                                     "detail": detail}, ensure_ascii=False)}
        condition = ("version", expected_version) if expected_version else "absent"
        try:
            self.table.transact([Write(item, condition), Write(audit, "absent")])
        except ConditionFailed as failed:
            raise StaleRecord(record.siret) from failed
        return record.model_copy(update={"version": expected_version + 1})

    def evaluator_history(self, siret: str) -> list[dict[str, Any]]:
        return [json.loads(i["body"]) for i in self.table.query(f"EVALUATOR#{siret}", "EVENT#")]

    # -- public registers --------------------------------------------------------------------
    def put_register_entries(self, kind: str, day: date, entries: list[TrainingOrganisation | Establishment]) -> None:
        """One item per row, under the register copy's date: a later copy never overwrites an earlier one's."""
        items = []
        for entry in entries:
            body = entry.model_dump_json()
            items.append({"pk": f"REGISTER#{kind}#{_register_id(entry)}", "sk": day.isoformat(),
                          "type": "register_entry", "body": body})
            if isinstance(entry, TrainingOrganisation) and entry.siret:
                # The same row under the declaring SIRET: what the register says of an evaluator whose quote
                # shows an unknown or another's NDA, and `evaluator show SIRET`.
                items.append({"pk": f"REGISTER#{kind}#SIRET#{entry.siret}", "sk": day.isoformat(),
                              "type": "register_entry", "body": body})
        self.table.put_many(items)

    def register_imported(self, kind: str, day: date, etag: str) -> bool:
        return self.table.get(f"REGISTER#{kind}", f"IMPORT#{day.isoformat()}#{etag}") is not None

    def record_register_import(self, kind: str, day: date, *, etag: str, key: str, rows: int, kept: int,
                               at: datetime) -> None:
        """Mark the file imported, and make its copy the current one unless a later copy already is."""
        imported = {"pk": f"REGISTER#{kind}", "sk": f"IMPORT#{day.isoformat()}#{etag}", "type": "register_import",
                    "key": key, "rows": rows, "kept": kept, "at": _iso(at)}
        for _attempt in range(8):
            current = self.table.get(f"REGISTER#{kind}", "CURRENT")
            writes = [Write(imported)]
            if current is None or current["register_date"] <= day.isoformat():
                writes.append(Write({"pk": f"REGISTER#{kind}", "sk": "CURRENT", "type": "register_current",
                                     "register_date": day.isoformat(), "key": key, "imported_at": _iso(at),
                                     "version": int(current["version"]) + 1 if current else 1},
                                    ("version", int(current["version"])) if current else "absent"))
            try:
                self.table.transact(writes)
                return
            except ConditionFailed:
                continue
        raise StaleRecord(f"REGISTER#{kind}")

    def register_date(self, kind: str) -> date | None:
        """The date of the current copy of a register; None if none was ever imported."""
        current = self.table.get(f"REGISTER#{kind}", "CURRENT")
        return date.fromisoformat(current["register_date"]) if current else None

    def training_organisation(self, nda: str, day: date) -> TrainingOrganisation | None:
        item = self.table.get(f"REGISTER#organismes-formation#{nda}", day.isoformat())
        return TrainingOrganisation.model_validate_json(item["body"]) if item else None

    def training_organisation_of_siret(self, siret: str, day: date) -> TrainingOrganisation | None:
        """The DGEFP row declared by this establishment (siretEtablissementDeclarant) in the copy of `day`."""
        item = self.table.get(f"REGISTER#organismes-formation#SIRET#{siret}", day.isoformat())
        return TrainingOrganisation.model_validate_json(item["body"]) if item else None

    def establishment(self, siret: str, day: date) -> Establishment | None:
        item = self.table.get(f"REGISTER#sirene#{siret}", day.isoformat())
        return Establishment.model_validate_json(item["body"]) if item else None

    # -- mails -------------------------------------------------------------------------------
    def record_mail(self, mail: MailRecord) -> None:
        self.table.transact([Write({"pk": _case_pk(mail.case_id), "sk": f"MAIL#{_iso(mail.sent_at)}#{mail.kind}",
                                    "type": "mail", "body": mail.model_dump_json()})])

    def mails(self, case_id: str) -> list[MailRecord]:
        return [_to_mail(i) for i in self.table.query(_case_pk(case_id), "MAIL#")]

    # -- inbound messages --------------------------------------------------------------------
    def record_inbound(self, key: str, *, status: str, at: datetime, case_id: str | None, reason: str | None,
                       detail: dict | None = None) -> bool:
        """Mark a raw message as handled once; False if it was already handled."""
        item = {"pk": f"INBOUND#{key}", "sk": "MESSAGE", "type": "inbound", "status": status,
                "case_id": case_id, "reason": reason, "at": _iso(at),
                "detail": json.dumps(detail or {}, ensure_ascii=False)}
        try:
            self.table.transact([Write(item, "absent")])
            return True
        except ConditionFailed:
            return False

    def find_inbound(self, key: str) -> dict | None:
        return self.table.get(f"INBOUND#{key}", "MESSAGE")


def dynamo_repository(table_name: str) -> Repository:
    return Repository(DynamoTable(table_name))


def memory_repository() -> Repository:
    return Repository(InMemoryTable())
