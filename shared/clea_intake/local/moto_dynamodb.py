"""moto's DynamoDB made to cost what DynamoDB costs: a query reads its partition, not the table.

moto 5 answers every Query by sorting every item of the table and testing each, and applies a transaction by
deep-copying every table it touches, to put them back if it fails. Both grow with the table: over a season
of a thousand applications (some hundred thousand items) they made the local stack quadratic in time and, by
the copies' churn, in memory. DynamoDB itself reads one partition for a query and isolates a transaction
without copying anything. The patches here keep moto's own code for everything DynamoDB decides (key
conditions, filters, order, paging, conditions, errors) and change only what it is given:

- a Query on the table is given the items of its partition key, a Query on an index the items whose index
  partition key has the queried value (an index kept per table, refreshed from the keys written since the
  last query: puts, updates, deletes, batch writes and transactions all reach `Table.put_item`,
  `Table.delete_item` or `DynamoDBBackend.update_item`);
- a transaction keeps a copy of the items it touches, not of their tables, and puts those back if it fails.

`tests/integration/test_moto_dynamodb.py` holds the patched answers to moto's own, query for query.
"""

from __future__ import annotations

import copy
import inspect
import threading
from typing import Any

# Every DynamoDB request of the local stack runs under this lock (local.patches): moto's tables are plain
# dicts, and DynamoDB isolates each request.
LOCK = threading.RLock()

_INDEX = "_clea_index"     # {index name: (hash attribute, {value: {(hash key, range key)}}, {(h, r): value})}
_DIRTY = "_clea_dirty"     # {(hash key, range key)} written since the index was last refreshed


def _key_of(table: Any, attrs: dict[str, Any]) -> tuple[Any, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        return DynamoType(attrs[table.hash_key_attr]), DynamoType(attrs[table.range_key_attr])
    except (KeyError, TypeError):
        return None


def _touch(table: Any, key: tuple[Any, Any] | None) -> None:
    if key is not None and hasattr(table, _INDEX):
        getattr(table, _DIRTY).add(key)


def _stored(table: Any, key: tuple[Any, Any]) -> Any:
    partition = table.items.get(key[0])
    return partition.get(key[1]) if partition else None


def _index(table: Any, name: str) -> tuple[str, dict, dict] | None:
    """The index `name` of `table`, brought up to date; None where the patch does not apply (moto answers)."""
    if not table.range_key_attr:
        return None
    if not hasattr(table, _INDEX):
        indexes = {}
        for index in table.global_indexes:
            hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
            if len(hashes) == 1:
                indexes[index.name] = (hashes[0], {}, {})
        setattr(table, _INDEX, indexes)
        setattr(table, _DIRTY, {(h, r) for h, partition in table.items.items() for r in partition})
    indexes, dirty = getattr(table, _INDEX), getattr(table, _DIRTY)
    if dirty:
        for key in dirty:
            item = _stored(table, key)
            for attr, by_value, value_of in indexes.values():
                old = value_of.pop(key, None)
                if old is not None:
                    by_value[old].discard(key)
                    if not by_value[old]:
                        del by_value[old]
                value = item.attrs.get(attr) if item is not None else None
                if value is not None:
                    by_value.setdefault(value, set()).add(key)
                    value_of[key] = value
        dirty.clear()
    return indexes.get(name)


def _candidates(table: Any, hash_key: Any, index_name: str | None, hash_key_conditions: Any) -> list | None:
    if not table.range_key_attr:
        return None
    if index_name is None:
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        return list(partition.values()) if partition else []
    index = _index(table, index_name)
    if index is None:
        return None
    attr, by_value, _ = index
    conditions = dict(hash_key_conditions or [])
    value = conditions.get(attr, hash_key)
    if value is None or set(conditions) - {attr}:
        return None
    return [item for item in (_stored(table, key) for key in by_value.get(value, ())) if item is not None]


class _TablesKept:
    """Stands in for the `copy` module in moto's DynamoDB backend: a table is not copied (the transaction
    patch keeps its touched items instead); anything else is."""

    def __init__(self, table_class: type) -> None:
        self.table_class = table_class

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if isinstance(value, self.table_class) and value.range_key_attr:
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


class DynamoPatches:
    """Applied by local.patches.MotoPatches, taken back by `remove()`."""

    def __init__(self) -> None:
        self._originals: list[tuple[Any, str, Any]] = []

    def _replace(self, owner: Any, name: str, value: Any) -> None:
        self._originals.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def apply(self) -> None:
        from moto.dynamodb import models as backend_module
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import Table

        query, put_item, delete_item = Table.query, Table.put_item, Table.delete_item
        update_item, transact = DynamoDBBackend.update_item, DynamoDBBackend.transact_write_items

        signature = inspect.signature(query)

        def patched_query(self, *args, **kwargs):
            bound = signature.bind(self, *args, **kwargs).arguments
            candidates = _candidates(self, bound.get("hash_key"), bound.get("index_name"),
                                     bound.get("hash_key_conditions"))
            if candidates is None:
                return query(self, *args, **kwargs)
            self.all_items = lambda: candidates
            try:
                return query(self, *args, **kwargs)
            finally:
                del self.all_items

        def patched_put(self, item_attrs, *args, **kwargs):
            _touch(self, _key_of(self, item_attrs))
            return put_item(self, item_attrs, *args, **kwargs)

        def patched_delete(self, hash_key, range_key=None, *args, **kwargs):
            _touch(self, (hash_key, range_key))
            return delete_item(self, hash_key, range_key, *args, **kwargs)

        def patched_update(self, table_name, key, *args, **kwargs):
            table = self.get_table(table_name)
            _touch(table, _key_of(table, key))
            return update_item(self, table_name, key, *args, **kwargs)

        def patched_transact(self, transact_items):
            kept: list[tuple[Any, tuple[Any, Any], Any]] = []
            for entry in transact_items:
                _, op = next(iter(entry.items()))
                table = self.tables.get(op.get("TableName"))
                if table is None or not table.range_key_attr:
                    continue
                key = _key_of(table, op.get("Key") or op.get("Item") or {})
                if key is not None:
                    kept.append((table, key, copy.deepcopy(_stored(table, key))))
            try:
                return transact(self, transact_items)
            except Exception:
                for table, key, item in reversed(kept):
                    partition = table.items[key[0]]
                    if item is None:
                        partition.pop(key[1], None)
                        if not partition:
                            del table.items[key[0]]
                    else:
                        partition[key[1]] = item
                    _touch(table, key)
                raise

        self._replace(Table, "query", patched_query)
        self._replace(Table, "put_item", patched_put)
        self._replace(Table, "delete_item", patched_delete)
        self._replace(DynamoDBBackend, "update_item", patched_update)
        self._replace(DynamoDBBackend, "transact_write_items", patched_transact)
        self._replace(backend_module, "copy", _TablesKept(Table))

    def remove(self) -> None:
        while self._originals:
            owner, name, value = self._originals.pop()
            setattr(owner, name, value)
