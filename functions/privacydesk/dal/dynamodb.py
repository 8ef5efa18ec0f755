"""The DynamoDB implementation of the case repository (single table)."""

import uuid
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from privacydesk.dal import items as it
from privacydesk.dal.interface import ConcurrentUpdateError, DuplicateInboundError, RepositoryError
from privacydesk.models.case import Case
from privacydesk.models.event import CaseEvent
from privacydesk.models.inbound import InboundRecord
from privacydesk.models.outbox import OutboxItem, OutboxStatus
from privacydesk.models.rights import TERMINAL_STATES

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_dynamo(item: it.Item) -> dict[str, Any]:
    """Plain item -> DynamoDB attribute values."""
    return {k: _serializer.serialize(v) for k, v in item.items()}


def from_dynamo(image: dict[str, Any]) -> it.Item:
    """DynamoDB attribute values (a table read or a stream image) -> plain item."""
    return {k: _deserializer.deserialize(v) for k, v in image.items()}


class DynamoCaseRepository:
    """Cases, timelines, outbox and inbound log in one table; every write is conditional."""

    def __init__(self, table: str, client: Any) -> None:
        self._table = table
        self._db = client

    def get_case(self, ref: str) -> Case | None:
        """The case with this reference, or None."""
        item = self._get(it.case_key(ref))
        return it.item_to_case(item) if item else None

    def case_ref_for_sent_message(self, ses_message_id: str) -> str | None:
        """The case an email we sent belongs to, or None."""
        item = self._get(it.sent_key(ses_message_id))
        return item.get("case_ref") if item else None

    def open_case(
        self, case: Case, events: list[CaseEvent], outbox: list[OutboxItem], inbound: InboundRecord
    ) -> None:
        """Write a new case with its events, outgoing mail and inbound record in one transaction."""
        ops = [
            self._put_new(it.inbound_to_item(inbound)),
            self._put_new(it.case_to_item(case)),
            *(self._put_new(it.event_to_item(e, self._seq(i))) for i, e in enumerate(events)),
            *(self._put_new(it.outbox_to_item(o)) for o in outbox),
        ]
        self._transact(ops)

    def attach_reply(self, case: Case, event: CaseEvent, inbound: InboundRecord) -> None:
        """Add correspondence to a case, guarded by the case version and the inbound record."""
        self._transact(
            [
                self._put_new(it.inbound_to_item(inbound)),
                self._bump_version(case),
                self._put_new(it.event_to_item(event, self._seq())),
            ]
        )

    def record_inbound(self, inbound: InboundRecord) -> None:
        """Record an inbound email that opens nothing."""
        self._transact([self._put_new(it.inbound_to_item(inbound))])

    def open_cases_of(self, address: str) -> list[Case]:
        """Open cases whose requester is this address."""
        response = self._call(
            "query",
            TableName=self._table,
            IndexName="gsi2",
            KeyConditionExpression="gsi2pk = :pk",
            ExpressionAttributeValues={":pk": {"S": it.address_key(address)}},
        )
        cases = [it.item_to_case(from_dynamo(raw)) for raw in response.get("Items", [])]
        return [c for c in cases if any(i.state not in TERMINAL_STATES for i in c.items)]

    def flag_undeliverable(self, cases: list[Case], events: list[CaseEvent], inbound: InboundRecord) -> None:
        """Flag cases' requester address undeliverable, with the bounce's inbound record."""
        ops = [self._put_new(it.inbound_to_item(inbound))]
        ops += [self._bump_version(c, add_flag="undeliverable") for c in cases]
        ops += [self._put_new(it.event_to_item(e, self._seq(i))) for i, e in enumerate(events)]
        self._transact(ops)

    def get_inbound(self, message_id: str) -> InboundRecord | None:
        """What was done with this inbound message."""
        item = self._get(it.inbound_key(message_id))
        return it.item_to_inbound(item) if item else None

    def list_cases(self, limit: int) -> list[Case]:
        """Most recent cases first."""
        return [it.item_to_case(i) for i in self._listing(it.CASE_LISTING, limit)]

    def list_events(self, ref: str) -> list[CaseEvent]:
        """A case's timeline, oldest first."""
        response = self._call(
            "query",
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :ev)",
            ExpressionAttributeValues={":pk": {"S": it.case_key(ref)["pk"]}, ":ev": {"S": "EVENT#"}},
        )
        return [it.item_to_event(from_dynamo(raw)) for raw in response.get("Items", [])]

    def list_outbox(self, limit: int) -> list[OutboxItem]:
        """Most recent outgoing mail first."""
        return [it.item_to_outbox(i) for i in self._listing(it.OUTBOX_LISTING, limit)]

    def list_inbound(self, limit: int) -> list[InboundRecord]:
        """Most recent inbound records first."""
        return [it.item_to_inbound(i) for i in self._listing(it.INBOUND_LISTING, limit)]

    def mark_sent(self, item: OutboxItem, ses_message_id: str, sent_at: datetime) -> bool:
        """Mark a pending item sent and link the SES message id to its case, atomically."""
        update = {
            "Update": {
                "TableName": self._table,
                "Key": to_dynamo(it.outbox_key(item.outbox_id)),
                "UpdateExpression": "SET #s = :sent, sent_at = :at, ses_message_id = :mid",
                "ConditionExpression": "#s = :pending",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": to_dynamo(
                    {
                        ":sent": OutboxStatus.SENT.value,
                        ":pending": OutboxStatus.PENDING.value,
                        ":at": sent_at.isoformat(),
                        ":mid": ses_message_id,
                    }
                ),
            }
        }
        link = {
            **it.sent_key(ses_message_id),
            "entity": "sent",
            "outbox_id": item.outbox_id,
            "sent_at": sent_at.isoformat(),
        }
        if item.case_ref:
            link["case_ref"] = item.case_ref
        try:
            self._transact(
                [update, {"Put": {"TableName": self._table, "Item": to_dynamo(link)}}], inbound_first=False
            )
        except ConcurrentUpdateError:
            return False
        return True

    def _listing(self, partition: str, limit: int) -> list[it.Item]:
        response = self._call(
            "query",
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [from_dynamo(raw) for raw in response.get("Items", [])]

    def _get(self, key: it.Item) -> it.Item | None:
        response = self._call("get_item", TableName=self._table, Key=to_dynamo(key), ConsistentRead=True)
        raw = response.get("Item")
        return from_dynamo(raw) if raw else None

    def _put_new(self, item: it.Item) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_dynamo(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _bump_version(self, case: Case, add_flag: str | None = None) -> dict[str, Any]:
        values: it.Item = {":expected": case.version, ":one": 1}
        expression = "SET version = version + :one"
        if add_flag and add_flag not in case.flags:
            expression += ", flags = list_append(flags, :flag)"
            values[":flag"] = [add_flag]
        return {
            "Update": {
                "TableName": self._table,
                "Key": to_dynamo(it.case_key(case.ref)),
                "UpdateExpression": expression,
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": to_dynamo(values),
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
            raise ConcurrentUpdateError(f"transaction cancelled: {reasons}") from exc

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._db, operation)(**kwargs)
        except ClientError as exc:
            raise RepositoryError(f"{operation} failed: {exc.response['Error']['Code']}") from exc
        return response

    @staticmethod
    def _seq(position: int = 0) -> str:
        # Events written together share a timestamp: their position keeps them in order.
        return f"{position:03d}-{uuid.uuid4().hex[:8]}"


def outbox_from_image(image: dict[str, Any]) -> OutboxItem:
    """An outbox item from a DynamoDB stream record's NewImage."""
    return it.item_to_outbox(from_dynamo(image))
