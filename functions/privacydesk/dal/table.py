"""The one DynamoDB table every store shares: typed conversion, conditional writes, paging."""

from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from privacydesk.dal.interface import ConcurrentUpdateError, DuplicateInboundError, RepositoryError

Item = dict[str, Any]

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
