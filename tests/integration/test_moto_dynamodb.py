"""The local stack's DynamoDB patches answer every query as moto itself does, and a failed transaction leaves
the table as it was (clea_intake.local.moto_dynamodb)."""

from __future__ import annotations

import random

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from moto import mock_aws

from clea_intake.local.moto_dynamodb import DynamoPatches

REGION = "eu-west-3"


@pytest.fixture
def table():
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name=REGION)
        created = dynamodb.create_table(
            TableName="cases", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
            GlobalSecondaryIndexes=[{
                "IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                              {"AttributeName": "gsi1sk", "KeyType": "RANGE"}]}])
        yield created


def _everything(table) -> list[dict]:
    items, kwargs = [], {}
    while True:
        page = table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda i: (i["pk"], i["sk"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _answers(table) -> list:
    """A spread of queries: whole partitions, key conditions, reverse order, pages of 3, a filter, the index."""
    out = []
    for case in range(6):
        pk = f"CASE#{case}"
        out.append(table.query(KeyConditionExpression=Key("pk").eq(pk))["Items"])
        out.append(table.query(KeyConditionExpression=Key("pk").eq(pk) & Key("sk").begins_with("DOC#"),
                               ScanIndexForward=False)["Items"])
        out.append(table.query(KeyConditionExpression=Key("pk").eq(pk), FilterExpression=Attr("n").gt(5))["Items"])
        pages, kwargs = [], {"KeyConditionExpression": Key("pk").eq(pk), "Limit": 3}
        while True:
            page = table.query(**kwargs)
            pages.append(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        out.append(pages)
    for state in ("STATE#OPEN", "STATE#DONE", "STATE#NONE"):
        out.append(table.query(IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(state))["Items"])
        out.append(table.query(IndexName="gsi1", Limit=2, ScanIndexForward=False,
                               KeyConditionExpression=Key("gsi1pk").eq(state) & Key("gsi1sk").gte("2026-03"))["Items"])
    return out


def _random_write(table, client, rng: random.Random) -> None:
    pk, sk = f"CASE#{rng.randrange(6)}", rng.choice(["META", "DOC#a", "DOC#b", "DOC#c", "MAIL#x", "DOC#d"])
    kind = rng.randrange(5)
    if kind == 0:
        item = {"pk": pk, "sk": sk, "n": rng.randrange(10)}
        if rng.random() < 0.7:
            item |= {"gsi1pk": rng.choice(["STATE#OPEN", "STATE#DONE"]), "gsi1sk": f"2026-{rng.randrange(1, 13):02d}"}
        table.put_item(Item=item)
    elif kind == 1:
        table.update_item(Key={"pk": pk, "sk": sk}, UpdateExpression="SET gsi1pk = :s, gsi1sk = :d, n = :n",
                          ExpressionAttributeValues={":s": rng.choice(["STATE#OPEN", "STATE#DONE"]),
                                                     ":d": f"2026-{rng.randrange(1, 13):02d}", ":n": rng.randrange(10)})
    elif kind == 2:
        table.update_item(Key={"pk": pk, "sk": sk}, UpdateExpression="REMOVE gsi1pk, gsi1sk")
    elif kind == 3:
        table.delete_item(Key={"pk": pk, "sk": sk})
    else:
        with table.batch_writer() as batch:
            for other in ("DOC#e", "DOC#f"):
                batch.put_item(Item={"pk": pk, "sk": other, "n": rng.randrange(10),
                                     "gsi1pk": "STATE#OPEN", "gsi1sk": "2026-05"})
    if rng.random() < 0.3:
        # A transaction that writes two items, then fails on its condition: nothing of it may stay.
        before = _everything(table)
        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(TransactItems=[
                {"Put": {"TableName": "cases", "Item": {"pk": {"S": pk}, "sk": {"S": "DOC#new"},
                                                         "gsi1pk": {"S": "STATE#OPEN"}, "gsi1sk": {"S": "2026-01"}}}},
                {"Update": {"TableName": "cases", "Key": {"pk": {"S": "CASE#0"}, "sk": {"S": "META"}},
                            "UpdateExpression": "SET gsi1pk = :s", "ExpressionAttributeValues": {":s": {"S": "X"}}}},
                {"ConditionCheck": {"TableName": "cases", "Key": {"pk": {"S": "CASE#9"}, "sk": {"S": "NONE"}},
                                    "ConditionExpression": "attribute_exists(pk)"}},
            ])
        assert _everything(table) == before


def test_patched_queries_answer_as_moto_and_failed_transactions_leave_no_trace(table):
    patches = DynamoPatches()
    client = boto3.client("dynamodb", region_name=REGION)
    rng = random.Random(20261202)
    patches.apply()
    try:
        for step in range(240):
            _random_write(table, client, rng)
            if step % 12 == 0:
                patched = _answers(table)
                patches.remove()
                try:
                    assert patched == _answers(table), f"step {step}"
                finally:
                    patches.apply()
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": "cases", "Item": {"pk": {"S": "CASE#1"}, "sk": {"S": "DOC#t"},
                                                     "gsi1pk": {"S": "STATE#DONE"}, "gsi1sk": {"S": "2026-12"}}}}])
        assert {"pk": "CASE#1", "sk": "DOC#t", "gsi1pk": "STATE#DONE", "gsi1sk": "2026-12"} in table.query(
            IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq("STATE#DONE"))["Items"]
    finally:
        patches.remove()


def test_the_local_stack_keeps_no_list_of_every_object_moto_built(table):
    """moto's BaseModel appends each object it builds to its class's list (a megabyte an application over a
    season: every item copied for a query or a transaction); under the stack's patches nothing is kept there,
    and moto answers as before."""
    from moto.dynamodb.models.dynamo_type import Item

    from clea_intake.local.patches import MotoPatches

    patches = MotoPatches(lambda name, body, headers: b"{}", retry_time_scale=0.0)
    patches.apply()
    try:
        for n in range(40):
            table.put_item(Item={"pk": "CASE#1", "sk": f"DOC#{n:02d}", "n": n})
        answered = table.query(KeyConditionExpression=Key("pk").eq("CASE#1"))["Items"]
        assert [int(i["n"]) for i in answered] == list(range(40))
        assert Item.instances_tracked == []
    finally:
        patches.remove()
    table.put_item(Item={"pk": "CASE#2", "sk": "DOC#00"})
    assert Item.instances_tracked  # moto's own behaviour once the patches are removed
