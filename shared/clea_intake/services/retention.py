"""The retention step of the daily sweep (README, "Personal data expires").

For a case whose final state is old enough, per the policy's retention: its objects get the S3 tag
`retention=expire` (the bucket's lifecycle rule deletes them), its items holding personal fields get
`expires_at` (DynamoDB's TTL deletes them), its timeline loses any personal value, and once every kind is
due the case keeps its decision without the applicant block. Nothing is deleted here: the sweep's role
may tag objects and put items, no more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from clea_intake.adapters.repository import Repository, ReviewRow
from clea_intake.domain.case import Case
from clea_intake.domain.lifecycle import FINAL_STATES
from clea_intake.domain.policy import Retention, all_policies, current_policy, policy_for
from clea_intake.domain.records import DocumentRecord, ReviewItem
from clea_intake.domain.retention import (
    EXPIRE_TAG,
    document_days,
    due,
    expiry_moment,
    personal_values,
    scrubbed,
)
from clea_intake.services.flow import CLAIM_EVENT
from clea_intake.services.ports import Ports
from clea_intake.services.retry import on_stale_case

TAGS = {EXPIRE_TAG["Key"]: EXPIRE_TAG["Value"]}


@dataclass
class RetentionReport:
    cases: list[str] = field(default_factory=list)        # cases with something let go on this pass
    expired: list[str] = field(default_factory=list)      # cases whose personal data is now all gone
    objects: int = 0
    items: int = 0
    events_scrubbed: int = 0
    unfinished: bool = False   # the pass ran out of time: the cases left are the next pass's first


def always() -> bool:
    """The time budget of a pass without one (tests, the local stack's tick without a Lambda context)."""
    return True


def retention_of(case: Case) -> Retention:
    return policy_for(case.application.evaluation_start).retention


def expire_personal_data(ports: Ports, now: datetime, *, has_time: Callable[[], bool] = always) -> RetentionReport:
    """Let go of what is due, case by case (index query per final state, bounded by the shortest retention).

    The review items are read once for the pass, not once per case: their index holds every review of every
    case. A case is begun only while `has_time()`; those left stay in the index for the next pass."""
    report = RetentionReport()
    shortest = min(p.retention.shortest_days for p in all_policies())
    reviews: dict[str | None, list[ReviewRow]] = defaultdict(list)
    for row in ports.repository.review_rows():
        reviews[row.review.case_id].append(row)
    for state in sorted(FINAL_STATES):
        for summary in ports.repository.cases_in_state(state, deadline_before=now - timedelta(days=shortest)):
            if not has_time():
                report.unfinished = True
                return report
            _expire_case(ports, summary.case_id, now, report, reviews.get(summary.case_id, []))
    _expire_caseless_mail(ports, now, report, reviews.get(None, []))
    return report   # its counts go in the sweep's one line ("sweep done")


def _expire_case(ports: Ports, case_id: str, now: datetime, report: RetentionReport,
                 reviews: list[ReviewRow]) -> None:
    repo, bucket = ports.repository, ports.settings.bucket_name
    case = repo.get_case(case_id)
    ended = case.ended_at
    if ended is None or case.personal_data_expired_at is not None:
        return
    retention = retention_of(case)
    if not due(ended, retention.shortest_days, now):
        return
    documents = repo.documents(case_id)
    objects = items = 0

    def let_go(days: int, *, key: str | None = None, item: tuple[str, str] | None = None) -> None:
        nonlocal objects, items
        if not due(ended, days, now):
            return
        if key is not None and ports.storage.set_tags(bucket, key, TAGS):
            objects += 1
        if item is not None and repo.set_expiry(*item, expiry_moment(ended, days)):
            items += 1

    # The timeline first, while every reading that could name the person is still there.
    report.events_scrubbed += _scrub_timeline(repo, case, documents)
    by_key: dict[str, DocumentRecord] = {d.key: d for d in documents}
    for record in documents:
        let_go(document_days(record, retention), key=record.key, item=(f"CASE#{case_id}", f"DOC#{record.doc_id}"))
    # Objects with no reading (the form, a file never read, a reading already gone).
    for prefix in (f"applications/{case_id}/", f"claims/{case_id}/"):
        for key in ports.storage.list_keys(bucket, prefix):
            if key not in by_key:
                let_go(retention.records_days if key.endswith("/application.json") else retention.other_pieces_days,
                       key=key)
    for raw in _raw_mail_keys(repo, case_id, [row.review for row in reviews]):
        let_go(retention.raw_mail_days, key=raw, item=(f"INBOUND#{raw}", "MESSAGE"))
    for pk_sk in repo.case_item_keys(case_id, "MAIL#") + repo.form_error_keys(case_id):
        let_go(retention.records_days, item=pk_sk)
    if due(ended, retention.records_days, now):
        moment = expiry_moment(ended, retention.records_days)
        items += repo.expire_reviews(reviews, lambda review: moment)
    report.objects += objects
    report.items += items
    if objects or items:
        report.cases.append(case_id)
    if due(ended, retention.longest_days, now):
        _retain_decision_only(repo, case_id, now)
        report.expired.append(case_id)


def _raw_mail_keys(repo: Repository, case_id: str, reviews: list[ReviewItem]) -> list[str]:
    """The raw messages of a case: claims it accepted (timeline) and messages quarantined for it (reviews)."""
    keys = {str(e.detail["message_key"]) for e in repo.timeline(case_id)
            if e.kind == CLAIM_EVENT and e.detail.get("message_key")}
    keys |= {r.subject_ref for r in reviews if r.kind == "mail"}
    return sorted(k for k in keys if k.startswith("inbound/"))


def _scrub_timeline(repo: Repository, case: Case, documents: list[DocumentRecord]) -> int:
    values = personal_values(case, documents)
    count = 0
    for sk, event in repo.timeline_items(case.case_id):
        clean = scrubbed(event, values)
        if clean is not event:
            repo.rewrite_event(case.case_id, sk, clean)
            count += 1
    return count


@on_stale_case()
def _retain_decision_only(repo: Repository, case_id: str, now: datetime) -> None:
    case = repo.get_case(case_id)
    if case.personal_data_expired_at is not None:
        return
    case.expire_personal_data(at=now)
    repo.save_case(case)


def _expire_caseless_mail(ports: Ports, now: datetime, report: RetentionReport, reviews: list[ReviewRow]) -> None:
    """A message quarantined with no case to hold it: the raw-mail retention counts from its quarantine."""
    repo, bucket = ports.repository, ports.settings.bucket_name
    days = current_policy().retention.raw_mail_days

    def stray(review: ReviewItem) -> int | None:
        if review.kind != "mail" or not due(review.opened_at, days, now):
            return None
        return expiry_moment(review.opened_at, days)

    moments = {row.review.review_id: moment for row in reviews if (moment := stray(row.review)) is not None}
    due_rows = [row for row in reviews if row.review.review_id in moments]
    for review, _ in due_rows:
        if review.subject_ref.startswith("inbound/") and ports.storage.set_tags(bucket, review.subject_ref, TAGS):
            report.objects += 1
        report.items += repo.set_expiry(f"INBOUND#{review.subject_ref}", "MESSAGE", moments[review.review_id])
    report.items += repo.expire_reviews(due_rows, lambda review: moments[review.review_id])
