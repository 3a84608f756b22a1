"""A thin gateway over one DynamoDB table, with an in-memory twin of the same semantics for unit tests."""

from __future__ import annotations

import copy
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from clea_intake import clock
from clea_intake.adapters.clients import bulk_client, resource
from clea_intake.domain.errors import WriteConflict

Item = dict[str, Any]
# "absent"/"present": the item; ("version", n): optimistic lock; ("status", s): the item's status is s;
# ("absent_or_equal", {attribute: value}): no item yet, or one whose attributes have these values;
# ("absent_or_not_above", (attribute, value)): no item yet, one without the attribute, or one whose
# attribute sorts at or below the value (text order).
Condition = Literal["absent", "present"] | tuple[Literal["version", "status", "absent_or_equal", "absent_or_not_above"],
                                                 Any] | None


@dataclass(frozen=True)
class Write:
    """One write of a transaction: put a whole item, or delete one, under an optional condition."""

    item: Item
    condition: Condition = None
    delete: bool = False


# BatchWriteItem takes at most 25 puts; the items it leaves unprocessed are sent again, backing off.
BATCH_WRITE_MAX, BATCH_WRITE_ATTEMPTS, BATCH_WRITE_BACKOFF, BATCH_WRITE_MAX_BACKOFF = 25, 10, 0.05, 5.0
_SERIALIZER = TypeSerializer()


def _wire_value(value: Any) -> dict[str, Any]:
    """An attribute in DynamoDB's wire format; text, the items' usual case, without the general serializer."""
    return {"S": value} if type(value) is str else _SERIALIZER.serialize(value)


class UnprocessedWrites(Exception):
    """A batch write left items unprocessed after all its attempts (the table is throttled): retry later."""


class ConditionFailed(Exception):
    """A condition of a write did not hold; `index` is the write's position in the transaction."""

    def __init__(self, index: int):
        super().__init__(f"condition failed on write {index}")
        self.index = index


class TableGateway(Protocol):
    def get(self, pk: str, sk: str) -> Item | None: ...
    def query(self, pk: str, sk_prefix: str | None = None) -> list[Item]: ...
    def query_index(self, gsi1pk: str, sk_below: str | None = None, limit: int | None = None) -> list[Item]: ...
    def transact(self, writes: list[Write]) -> None: ...
    def put_many(self, items: list[Item]) -> None: ...


def live(items: list[Item]) -> list[Item]:
    """Items whose `expires_at` (epoch seconds, README "Personal data expires") has not passed: DynamoDB's
    TTL deletes an expired item within days, and until then readers treat it as gone."""
    now = clock.now().timestamp()
    return [i for i in items if i.get("expires_at") is None or float(i["expires_at"]) > now]


def _condition_holds(existing: Item | None, condition: Condition) -> bool:
    if condition is None:
        return True
    if condition == "absent":
        return existing is None
    if condition == "present":
        return existing is not None
    if condition[0] == "status":
        return existing is not None and existing.get("status") == condition[1]
    if condition[0] == "absent_or_equal":
        return existing is None or all(existing.get(name) == value for name, value in condition[1].items())
    if condition[0] == "absent_or_not_above":
        name, value = condition[1]
        return existing is None or existing.get(name) is None or str(existing[name]) <= value
    return existing is not None and int(existing.get("version", -1)) == condition[1]


class InMemoryTable:
    """Same behaviour as DynamoTable, in a dict; transactions are all-or-nothing."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Item] = {}
        self._lock = threading.Lock()

    def get(self, pk: str, sk: str) -> Item | None:
        with self._lock:
            item = self._items.get((pk, sk))
            return copy.deepcopy(item) if item and live([item]) else None

    def query(self, pk: str, sk_prefix: str | None = None) -> list[Item]:
        with self._lock:
            rows = [v for (p, s), v in self._items.items() if p == pk and (sk_prefix is None or s.startswith(sk_prefix))]
            return copy.deepcopy(live(sorted(rows, key=lambda r: r["sk"])))

    def query_index(self, gsi1pk: str, sk_below: str | None = None, limit: int | None = None) -> list[Item]:
        with self._lock:
            rows = [v for v in self._items.values() if v.get("gsi1pk") == gsi1pk
                    and (sk_below is None or str(v.get("gsi1sk", "")) < sk_below)]
            rows = live(sorted(rows, key=lambda r: str(r.get("gsi1sk", ""))))
            return copy.deepcopy(rows[:limit] if limit else rows)

    def put_many(self, items: list[Item]) -> None:
        """Unconditional puts, not one transaction (bulk loads such as a register)."""
        with self._lock:
            for item in items:
                self._items[(item["pk"], item["sk"])] = copy.deepcopy(item)

    def transact(self, writes: list[Write]) -> None:
        with self._lock:
            for index, write in enumerate(writes):
                if not _condition_holds(self._items.get((write.item["pk"], write.item["sk"])), write.condition):
                    raise ConditionFailed(index)
            for write in writes:
                key = (write.item["pk"], write.item["sk"])
                if write.delete:
                    self._items.pop(key, None)
                else:
                    self._items[key] = copy.deepcopy(write.item)


def _dynamo_condition(condition: Condition) -> dict[str, Any]:
    if condition is None:
        return {}
    if condition == "absent":
        return {"ConditionExpression": "attribute_not_exists(pk)"}
    if condition == "present":
        return {"ConditionExpression": "attribute_exists(pk)"}
    if condition[0] == "status":
        return {"ConditionExpression": "#status = :expected", "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":expected": condition[1]}}
    if condition[0] == "absent_or_equal":
        pairs = list(condition[1].items())
        equal = " AND ".join(f"#a{i} = :v{i}" for i in range(len(pairs)))
        return {"ConditionExpression": f"attribute_not_exists(pk) OR ({equal})",
                "ExpressionAttributeNames": {f"#a{i}": name for i, (name, _v) in enumerate(pairs)},
                "ExpressionAttributeValues": {f":v{i}": value for i, (_n, value) in enumerate(pairs)}}
    if condition[0] == "absent_or_not_above":
        name, value = condition[1]
        return {"ConditionExpression": "attribute_not_exists(pk) OR attribute_not_exists(#a) OR #a <= :v",
                "ExpressionAttributeNames": {"#a": name}, "ExpressionAttributeValues": {":v": value}}
    return {"ConditionExpression": "version = :expected", "ExpressionAttributeValues": {":expected": condition[1]}}


# Cancellation reasons that say nothing about the data: another transaction held an item, or the table
# was throttled. The whole read-decide-write can run again.
_RETRYABLE_CANCELLATIONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


class DynamoTable:
    """The single table on DynamoDB (or moto). Items keep `pk`/`sk`, and `gsi1pk`/`gsi1sk` for the index."""

    INDEX = "gsi1"

    def __init__(self, table_name: str, *, table: Any = None) -> None:
        """`table`: the boto3 Table resource to use (a test's, with a stubbed client, or one per thread: boto3's
        resources are not thread-safe); by default one built from clients.resource on first use."""
        self.table_name = table_name
        self._resource: Any = table

    @property
    def _table(self) -> Any:
        # Building a boto3 Table resource costs a few milliseconds: once per gateway.
        if self._resource is None:
            self._resource = resource("dynamodb").Table(self.table_name)
        return self._resource

    def get(self, pk: str, sk: str) -> Item | None:
        item = self._table.get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
        return item if item is not None and live([item]) else None

    def _paged(self, **kwargs: Any) -> list[Item]:
        rows: list[Item] = []
        limit = kwargs.pop("_limit", None)
        while True:
            page = self._table.query(**kwargs)
            rows.extend(live(page.get("Items", [])))
            if "LastEvaluatedKey" not in page or (limit and len(rows) >= limit):
                return rows[:limit] if limit else rows
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def query(self, pk: str, sk_prefix: str | None = None) -> list[Item]:
        condition = Key("pk").eq(pk)
        if sk_prefix:
            condition = condition & Key("sk").begins_with(sk_prefix)
        return self._paged(KeyConditionExpression=condition, ConsistentRead=True)

    def query_index(self, gsi1pk: str, sk_below: str | None = None, limit: int | None = None) -> list[Item]:
        condition = Key("gsi1pk").eq(gsi1pk)
        if sk_below is not None:
            condition = condition & Key("gsi1sk").lt(sk_below)
        return self._paged(IndexName=self.INDEX, KeyConditionExpression=condition, _limit=limit)

    def put_many(self, items: list[Item]) -> None:
        """Unconditional puts in batches of 25, unprocessed items sent again (bulk loads such as a register)."""
        self.put_batches(items)

    def transact(self, writes: list[Write]) -> None:
        if len(writes) == 1:
            self._single(writes[0])
            return
        client = self._table.meta.client
        operations = []
        for write in writes:
            if write.delete:
                op = {"Delete": {"TableName": self.table_name,
                                 "Key": {"pk": write.item["pk"], "sk": write.item["sk"]},
                                 **_dynamo_condition(write.condition)}}
            else:
                op = {"Put": {"TableName": self.table_name, "Item": write.item, **_dynamo_condition(write.condition)}}
            operations.append(op)
        try:
            client.transact_write_items(TransactItems=operations)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            for index, reason in enumerate(reasons):
                if reason.get("Code") == "ConditionalCheckFailed":
                    raise ConditionFailed(index) from exc
            if any(r.get("Code") in _RETRYABLE_CANCELLATIONS for r in reasons):
                raise WriteConflict(str([r.get("Code") for r in reasons])) from exc
            raise

    def _single(self, write: Write) -> None:
        try:
            if write.delete:
                self._table.delete_item(Key={"pk": write.item["pk"], "sk": write.item["sk"]},
                                        **_dynamo_condition(write.condition))
            else:
                self._table.put_item(Item=write.item, **_dynamo_condition(write.condition))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConditionFailed(0) from exc
            raise

    def put_batches(self, items: Iterable[Item]) -> int:
        """Unconditional puts as BatchWriteItem requests of 25 (DynamoDB's most), built here in the wire format
        (no boto3 resource transformation, no per-item round trip); the items a request leaves unprocessed
        (throttling, a partition's limit) are sent again after an exponential backoff with jitter. Two items
        of one key in a request are refused by DynamoDB: the later one is kept, as sequential puts would.
        Returns the number of requests sent; UnprocessedWrites if some remain after every attempt."""
        wire = bulk_client("dynamodb")
        requests = 0
        pending: dict[tuple[str, str], dict[str, Any]] = {}
        for item in items:
            key = (item["pk"], item["sk"])
            if key not in pending and len(pending) == BATCH_WRITE_MAX:
                requests += self._send_batch(wire, list(pending.values()))
                pending = {}
            pending[key] = {"PutRequest": {"Item": {name: _wire_value(v) for name, v in item.items()}}}
        if pending:
            requests += self._send_batch(wire, list(pending.values()))
        return requests

    def _send_batch(self, wire: Any, writes: list[dict[str, Any]]) -> int:
        for attempt in range(BATCH_WRITE_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, min(BATCH_WRITE_MAX_BACKOFF, BATCH_WRITE_BACKOFF * 2 ** attempt)))
            left = wire.batch_write_item(RequestItems={self.table_name: writes}).get("UnprocessedItems") or {}
            writes = left.get(self.table_name) or []
            if not writes:
                return attempt + 1
        raise UnprocessedWrites(f"{len(writes)} items still unprocessed after {BATCH_WRITE_ATTEMPTS} requests")


__all__ = ["Attr", "ConditionFailed", "DynamoTable", "InMemoryTable", "TableGateway", "UnprocessedWrites", "Write"]
