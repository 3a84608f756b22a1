"""An agent's claim on a review item: one conditional write, so that two agents never take the same item.

The claim is an item of its own beside the review (same pk, sk CLAIM) with a version: taking it is a write
conditional on the version read (or on its absence), so of two agents racing only one wins. A claim expires
`ttl` after it was taken; an expired claim (or one held by the same agent) may be taken again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from clea_intake.adapters.repository import Repository
from clea_intake.adapters.table import ConditionFailed, Write

CLAIM_SK = "CLAIM"


@dataclass(frozen=True)
class Claim:
    review_id: str
    holder: str
    expires_at: datetime
    version: int

    def live(self, now: datetime) -> bool:
        return self.expires_at > now


class AlreadyClaimed(Exception):
    """Another agent holds a live claim on the item."""

    def __init__(self, claim: Claim):
        super().__init__(f"review item {claim.review_id} is claimed by {claim.holder}")
        self.claim = claim


class NotHolder(Exception):
    """Only the agent holding a claim may release it."""


def _pk(review_id: str) -> str:
    return f"REVIEW#{review_id}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def current(repo: Repository, review_id: str) -> Claim | None:
    item = repo.table.get(_pk(review_id), CLAIM_SK)
    if item is None:
        return None
    return Claim(review_id=review_id, holder=str(item["holder"]),
                 expires_at=datetime.fromisoformat(str(item["claim_until"]).replace("Z", "+00:00")),
                 version=int(item["version"]))


def live_claim(repo: Repository, review_id: str, now: datetime) -> Claim | None:
    claim = current(repo, review_id)
    return claim if claim is not None and claim.live(now) else None


def take(repo: Repository, review_id: str, holder: str, now: datetime, ttl: timedelta) -> Claim:
    """Claim the item for `holder` until now + ttl; AlreadyClaimed when another agent holds it."""
    existing = current(repo, review_id)
    if existing is not None and existing.live(now) and existing.holder != holder:
        raise AlreadyClaimed(existing)
    version = 1 if existing is None else existing.version + 1
    claim = Claim(review_id=review_id, holder=holder, expires_at=now + ttl, version=version)
    condition = "absent" if existing is None else ("version", existing.version)
    item = {"pk": _pk(review_id), "sk": CLAIM_SK, "type": "review_claim", "holder": holder,
            # Not `expires_at`: that name is the table's TTL attribute (epoch seconds, personal data expiry).
            "claim_until": _iso(claim.expires_at), "version": version}
    try:
        repo.table.transact([Write(item, condition)])
    except ConditionFailed as exc:
        winner = current(repo, review_id)
        if winner is not None and winner.holder == holder:
            return winner
        raise AlreadyClaimed(winner or claim) from exc
    return claim


def release(repo: Repository, review_id: str, holder: str, now: datetime) -> None:
    """Give the item back; NotHolder when a live claim belongs to someone else. No claim: nothing to do."""
    existing = current(repo, review_id)
    if existing is None:
        return
    if existing.holder != holder and existing.live(now):
        raise NotHolder(f"review item {review_id} is claimed by {existing.holder}")
    try:
        repo.table.transact([Write({"pk": _pk(review_id), "sk": CLAIM_SK}, ("version", existing.version),
                                   delete=True)])
    except ConditionFailed:
        pass  # taken again meanwhile: the new claim stands


def drop(repo: Repository, review_id: str) -> None:
    """Remove whatever claim is on a decided item."""
    repo.table.transact([Write({"pk": _pk(review_id), "sk": CLAIM_SK}, None, delete=True)])
