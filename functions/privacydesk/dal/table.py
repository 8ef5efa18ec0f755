"""The one DynamoDB table every store shares: typed conversion, conditional writes, paging."""

from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from privacydesk.dal.interface import ConcurrentUpdateError, DuplicateInboundError, RepositoryError

Item = dict[str, Any]

_BATCH_GET = 100
_BATCH_TRIES = 5
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_dynamo(item: Item) -> dict[str, Any]:
    """Plain item -> DynamoDB attribute values."""
    return {k: _serializer.serialize(v) for k, v in item.items()}


def from_dynamo(image: dict[str, Any]) -> Item:
    """DynamoDB attribute values (a table read or a stream image) -> plain item."""
    return {k: _deserializer.deserialize(v) for k, v in image.items()}


class Table:
    """Reads and writes on the table, every failure turned into a RepositoryError without personal data."""

    def __init__(self, table: str, client: Any) -> None:
        self._table = table
        self._db = client

    def _get(self, key: Item) -> Item | None:
        response = self._call("get_item", TableName=self._table, Key=to_dynamo(key), ConsistentRead=True)
        raw = response.get("Item")
        return from_dynamo(raw) if raw else None

    def _put_new(self, item: Item) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_dynamo(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _transact(self, ops: list[dict[str, Any]], *, inbound_first: bool = True) -> None:
        """Run ops atomically; with inbound_first, ops[0] is the inbound record guarding duplicates."""
        try:
            self._db.transact_write_items(TransactItems=ops)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise RepositoryError(f"transaction failed: {exc.response['Error']['Code']}") from exc
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if inbound_first and reasons and reasons[0] == "ConditionalCheckFailed":
                raise DuplicateInboundError("inbound message already processed") from exc
            raise ConcurrentUpdateError(f"transaction cancelled: {reasons}", reasons) from exc

    def _write_batch(self, requests: list[dict[str, Any]]) -> None:
        """BatchWriteItem of up to 25 requests, retrying what DynamoDB left unprocessed."""
        pending = {self._table: requests}
        for _ in range(_BATCH_TRIES):
            response = self._call("batch_write_item", RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return
        raise RepositoryError("batch_write_item left unprocessed items after retries")

    def _batch_get(self, keys: list[Item]) -> list[Item]:
        """The items at these keys (100 per call, consistent); missing ones are left out."""
        found: list[Item] = []
        for start in range(0, len(keys), _BATCH_GET):
            page = [to_dynamo(k) for k in keys[start : start + _BATCH_GET]]
            request: dict[str, Any] = {self._table: {"Keys": page, "ConsistentRead": True}}
            for _ in range(_BATCH_TRIES):
                response = self._call("batch_get_item", RequestItems=request)
                found += [from_dynamo(raw) for raw in response.get("Responses", {}).get(self._table, [])]
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            if request:
                raise RepositoryError("batch_get_item left keys unprocessed after retries")
        return found

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._db, operation)(**kwargs)
        except ClientError as exc:
            raise RepositoryError(f"{operation} failed: {exc.response['Error']['Code']}") from exc
        return response

    def _partition(self, pk: str, prefix: str) -> list[Item]:
        items: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            # DynamoDB refuses an empty begins_with prefix: no prefix means the whole partition.
            condition = "pk = :pk AND begins_with(sk, :prefix)" if prefix else "pk = :pk"
            values = {":pk": {"S": pk}, **({":prefix": {"S": prefix}} if prefix else {})}
            response = self._call(
                "query",
                TableName=self._table,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values,
                ConsistentRead=True,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            items += [from_dynamo(raw) for raw in response.get("Items", [])]
            start = response.get("LastEvaluatedKey")
            if not start:
                return items
