"""The DynamoDB implementation of the case repository (single table)."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from privacydesk.dal import items as it
from privacydesk.dal import receipt_items as ri
from privacydesk.dal.consent_store import ConsentStore
from privacydesk.dal.disclosure_store import DisclosureStore
from privacydesk.dal.interface import (
    CaseChange,
    CaseFilter,
    ConcurrentUpdateError,
    PurgeRecord,
    ReceiptExistsError,
    RepositoryError,
)
from privacydesk.dal.table import from_dynamo, to_dynamo
from privacydesk.models.case import Case
from privacydesk.models.consent import ConsentChange
from privacydesk.models.event import CaseEvent
from privacydesk.models.inbound import InboundRecord
from privacydesk.models.outbox import OutboxItem, OutboxStatus
from privacydesk.models.receipt import IssuedReceipt
from privacydesk.models.verification import Challenge


class DynamoCaseRepository(ConsentStore, DisclosureStore):
    """Cases, timelines, outbox and inbound log in one table; every write is conditional."""

    def __init__(
        self,
        table: str,
        client: Any,
        *,
        next_due: Callable[[Case, datetime | None], datetime | None] | None = None,
        unsent_after: timedelta = timedelta(minutes=10),
    ) -> None:
        super().__init__(table, client)
        # When a case next needs a scheduled action (reminder, escalation), as of the change's latest
        # event: the logic decides, the DAL only indexes it. An outbox item not sent `unsent_after` its
        # creation is swept.
        self._next_due = next_due or (lambda case, as_of: None)
        self._unsent_after = unsent_after

    def get_case(self, ref: str) -> Case | None:
        """The case with this reference, or None."""
        item = self._get(it.case_key(ref))
        return it.item_to_case(item) if item else None

    def case_ref_for_sent_message(self, ses_message_id: str) -> str | None:
        """The case an email we sent belongs to, or None."""
        item = self._get(it.sent_key(ses_message_id))
        return item.get("case_ref") if item else None

    def commit(self, changes: Sequence[CaseChange], inbound: InboundRecord | None = None) -> None:
        """Write case changes atomically; with an inbound record, it goes first and guards duplicates."""
        ops = [self._put_new(it.inbound_to_item(inbound))] if inbound else []
        for change in changes:
            ops += self._change_ops(change)
        self._transact(ops, inbound_first=inbound is not None)

    def _change_ops(self, change: CaseChange) -> list[dict[str, Any]]:
        expected = change.expected_version
        stored = replace(change.case, version=(expected or 0) + 1)
        as_of = max((event.at for event in change.events), default=None)
        item = it.case_to_item(stored, self._next_due(stored, as_of) if stored.is_open else None)
        case_put = {"Put": {"TableName": self._table, "Item": to_dynamo(item)}}
        if expected is None:
            case_put["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            case_put["Put"]["ConditionExpression"] = "version = :expected"
            case_put["Put"]["ExpressionAttributeValues"] = to_dynamo({":expected": expected})
        ops = [case_put]
        ops += [self._put_new(it.event_to_item(e)) for e in change.events]
        ops += [self._put_new(self._outbox_item(o)) for o in change.outbox]
        if change.challenge:
            ops.append(self._challenge_put(change.challenge))
        for consent in change.consents:
            ops += self._consent_ops(consent)
        return ops

    def record_inbound(self, inbound: InboundRecord) -> None:
        """Record an inbound email that opens nothing."""
        self._transact([self._put_new(it.inbound_to_item(inbound))])

    def open_cases_of(self, address: str) -> list[Case]:
        """Open cases whose requester is this address (every page of them)."""
        cases: list[Case] = []
        start: dict[str, Any] | None = None
        while True:
            response = self._call(
                "query",
                TableName=self._table,
                IndexName="gsi2",
                KeyConditionExpression="gsi2pk = :pk",
                ExpressionAttributeValues={":pk": {"S": it.address_key(address)}},
                **({"ExclusiveStartKey": start} if start else {}),
            )
            cases += [it.item_to_case(from_dynamo(raw)) for raw in response.get("Items", [])]
            start = response.get("LastEvaluatedKey")
            if not start:
                return [c for c in cases if c.is_open]

    def get_inbound(self, message_id: str) -> InboundRecord | None:
        """What was done with this inbound message."""
        item = self._get(it.inbound_key(message_id))
        return it.item_to_inbound(item) if item else None

    def list_cases(self, limit: int, where: CaseFilter | None = None) -> list[Case]:
        """Most recent cases first, narrowed by `where` (filtered in the query, paged up to `limit`)."""
        conditions, values = [], {}
        if where and where.state:
            conditions.append("#state = :state")
            values[":state"] = where.state
        if where and where.regime:
            conditions.append("regime = :regime")
            values[":regime"] = where.regime
        if where and where.right:
            conditions.append("contains(rights, :right)")
            values[":right"] = where.right
        if where and where.due_before:
            conditions.append("#due <= :due")
            values[":due"] = where.due_before.isoformat()
        names = {"#state": "state", "#due": "due"}
        extra: dict[str, Any] = {}
        if conditions:
            extra = {
                "FilterExpression": " AND ".join(conditions),
                "ExpressionAttributeNames": {k: v for k, v in names.items() if k in " ".join(conditions)},
                "ExpressionAttributeValues": to_dynamo(values),
            }
        before = where.received_before.isoformat() if where and where.received_before else None
        oldest_first = bool(where and where.oldest_first)
        items = self._listing(it.CASE_LISTING, limit, before=before, oldest_first=oldest_first, **extra)
        return [it.item_to_case(i) for i in items]

    def list_events(self, ref: str) -> list[CaseEvent]:
        """A case's timeline, oldest first."""
        return [it.item_to_event(i) for i in self._partition(it.case_key(ref)["pk"], "EVENT#")]

    def list_outbox(self, limit: int) -> list[OutboxItem]:
        """Most recent outgoing mail first."""
        return [it.item_to_outbox(i) for i in self._listing(it.OUTBOX_LISTING, limit)]

    def list_inbound(self, limit: int) -> list[InboundRecord]:
        """Most recent inbound records first."""
        return [it.item_to_inbound(i) for i in self._listing(it.INBOUND_LISTING, limit)]

    def claim_outbox(self, outbox_id: str, now: datetime, stale_before: datetime) -> OutboxItem | None:
        """Take an item to send: pending, parked and ready, or claimed by a sender presumed dead."""
        claim = uuid.uuid4().hex
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=to_dynamo(it.outbox_key(outbox_id)),
                UpdateExpression="SET #s = :sending, claim_id = :claim, claimed_at = :now, gsi3sk = :due "
                "ADD attempts :one",
                ConditionExpression="#s = :pending OR (#s = :parked AND retry_at <= :now) "
                "OR (#s = :sending AND claimed_at < :stale)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_dynamo(
                    {
                        ":sending": OutboxStatus.SENDING.value,
                        ":pending": OutboxStatus.PENDING.value,
                        ":parked": OutboxStatus.PARKED.value,
                        ":claim": claim,
                        ":now": now.isoformat(),
                        ":stale": stale_before.isoformat(),
                        # Kept in the sweep's index: if this sender dies, its claim goes stale and is retaken.
                        ":due": it.due_keys(it.DUE_OUTBOX, now + (now - stale_before), outbox_id)["gsi3sk"],
                        ":one": 1,
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise RepositoryError(f"update_item failed: {exc.response['Error']['Code']}") from exc
        return it.item_to_outbox(from_dynamo(response["Attributes"]))

    def release_outbox(self, item: OutboxItem, *, retry_at: datetime | None, reason: str) -> bool:
        """Give a claimed item back: pending at once, or parked until `retry_at` (SES quota)."""
        status = OutboxStatus.PARKED if retry_at else OutboxStatus.PENDING
        again = retry_at or (item.claimed_at or datetime.now(UTC)) + self._unsent_after
        return self._settle(
            item,
            "SET #s = :status, failure = :reason, retry_at = :retry, gsi3sk = :due REMOVE claim_id",
            {
                ":status": status.value,
                ":reason": reason,
                ":retry": again.isoformat(),
                ":due": it.due_keys(it.DUE_OUTBOX, again, item.outbox_id)["gsi3sk"],
            },
        )

    def mark_sent(
        self, item: OutboxItem, ses_message_id: str, sent_at: datetime, case: CaseChange | None = None
    ) -> bool:
        """Mark a claimed item sent, link the SES id to its case and write the case's event, atomically."""
        link = {
            **it.sent_key(ses_message_id),
            "entity": "sent",
            "outbox_id": item.outbox_id,
            "sent_at": sent_at.isoformat(),
        }
        if item.case_ref:
            link["case_ref"] = item.case_ref
        extra = [{"Put": {"TableName": self._table, "Item": to_dynamo(link)}}]
        extra += self._change_ops(case) if case else []
        return self._settle(
            item,
            "SET #s = :status, sent_at = :at, ses_message_id = :mid REMOVE gsi3pk, gsi3sk, claim_id, failure",
            {":status": OutboxStatus.SENT.value, ":at": sent_at.isoformat(), ":mid": ses_message_id},
            extra,
        )

    def mark_failed(
        self, item: OutboxItem, reason: str, alert: OutboxItem | None, case: CaseChange | None = None
    ) -> bool:
        """Mark a claimed item failed for good, with the team's alert and the case's event, atomically."""
        extra = [self._put_new(self._outbox_item(alert))] if alert else []
        extra += self._change_ops(case) if case else []
        return self._settle(
            item,
            "SET #s = :status, failure = :reason REMOVE gsi3pk, gsi3sk, claim_id",
            {":status": OutboxStatus.FAILED.value, ":reason": reason},
            extra,
        )

    def _settle(
        self, item: OutboxItem, update: str, values: dict[str, Any], extra: list[dict[str, Any]] | None = None
    ) -> bool:
        """Apply `update` to an item only while this sender's claim holds; False if it no longer does."""
        op = {
            "Update": {
                "TableName": self._table,
                "Key": to_dynamo(it.outbox_key(item.outbox_id)),
                "UpdateExpression": update,
                "ConditionExpression": "#s = :claimed AND claim_id = :claim",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": to_dynamo(
                    {**values, ":claimed": OutboxStatus.SENDING.value, ":claim": item.claim_id or "-"}
                ),
            }
        }
        try:
            self._transact([op, *(extra or [])], inbound_first=False)
        except ConcurrentUpdateError as exc:
            if exc.reasons and exc.reasons[0] == "ConditionalCheckFailed":
                return False  # the claim is gone: another sender took the item over
            raise
        return True

    def queue_mail(self, mail: OutboxItem) -> bool:
        """Queue mail that belongs to no case change (the digest); False if one with its id exists."""
        try:
            self._transact([self._put_new(self._outbox_item(mail))], inbound_first=False)
        except ConcurrentUpdateError:
            return False
        return True

    def record_receipt(self, receipt: IssuedReceipt, consent: ConsentChange | None, mail: OutboxItem) -> None:
        """Write a receipt (its guard first), the consents it states and its mail in one transaction."""
        ops = [self._put_new(ri.guard_to_item(receipt)), self._put_new(ri.receipt_to_item(receipt))]
        ops += self._consent_ops(consent) if consent else []
        ops.append(self._put_new(self._outbox_item(mail)))
        try:
            self._transact(ops, inbound_first=False)
        except ConcurrentUpdateError as exc:
            if exc.reasons and exc.reasons[0] == "ConditionalCheckFailed":
                raise ReceiptExistsError("a receipt with this id is already stored") from exc
            raise

    def get_receipt(self, receipt_id: str) -> IssuedReceipt | None:
        """A stored receipt, found through its guard, or None."""
        guard = self._get(ri.guard_key(receipt_id))
        item = self._get(ri.receipt_key(guard["subject"], receipt_id)) if guard else None
        return ri.item_to_receipt(item) if item else None

    def outbox_id_for_sent_message(self, ses_message_id: str) -> str | None:
        """The outbox item an SES message id was sent for, or None."""
        item = self._get(it.sent_key(ses_message_id))
        return item.get("outbox_id") if item else None

    def record_delivery(
        self,
        item: OutboxItem,
        event_key: str,
        *,
        delivery: str | None,
        duplicate: bool,
        case: CaseChange | None,
        alert: OutboxItem | None,
    ) -> None:
        """Record one SES event on the item (once: its key), with the case's event and the team's alert."""
        values: it.Item = {
            ":key": event_key,
            ":keys": [event_key],
            ":empty": [],
            ":dup": 1 if duplicate else 0,
        }
        update = (
            "SET delivery_events = list_append(if_not_exists(delivery_events, :empty), :keys)"
            " ADD duplicate_sends :dup"
        )
        condition = "NOT contains(delivery_events, :key)"
        if delivery is not None:
            update = update.replace(" ADD", ", delivery = :delivery ADD")
            values[":delivery"] = delivery
        # The outcome read is still the stored one: two events racing cannot undo each other.
        if item.delivery is None:
            condition += " AND attribute_not_exists(delivery)"
        else:
            condition += " AND delivery = :old"
            values[":old"] = item.delivery
        op = {
            "Update": {
                "TableName": self._table,
                "Key": to_dynamo(it.outbox_key(item.outbox_id)),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeValues": to_dynamo(values),
            }
        }
        ops = [op, *(self._change_ops(case) if case else [])]
        if alert:
            ops.append(self._put_new(self._outbox_item(alert)))
        self._transact(ops, inbound_first=False)

    def get_outbox(self, outbox_id: str) -> OutboxItem | None:
        """One outbox item, or None."""
        item = self._get(it.outbox_key(outbox_id))
        return it.item_to_outbox(item) if item else None

    def due_outbox(self, now: datetime, limit: int) -> list[OutboxItem]:
        """Outbox items not settled whose time to be (re)tried has come, oldest first; reads only those."""
        return [it.item_to_outbox(i) for i in self._due(it.DUE_OUTBOX, now, limit)]

    def due_cases(self, now: datetime, limit: int) -> list[Case]:
        """Open cases whose next scheduled action has come, oldest first; reads only those."""
        return [it.item_to_case(i) for i in self._due(it.DUE_CASES, now, limit)]

    def _due(self, partition: str, now: datetime, limit: int) -> list[it.Item]:
        response = self._call(
            "query",
            TableName=self._table,
            IndexName="gsi3",
            KeyConditionExpression="gsi3pk = :pk AND gsi3sk <= :now",
            ExpressionAttributeValues={
                ":pk": {"S": partition},
                # "~" sorts after "#": every item due at or before this instant.
                ":now": {"S": now.astimezone(UTC).isoformat() + "~"},
            },
            Limit=limit,
            ReturnConsumedCapacity="TOTAL",
        )
        self.last_due_read = int(response.get("ScannedCount", 0))
        return [from_dynamo(raw) for raw in response.get("Items", [])]

    def get_challenge(self, ref: str, purpose: str) -> Challenge | None:
        """The case's verification challenge for this purpose, or None."""
        item = self._get(it.challenge_key(ref, purpose))
        return it.item_to_challenge(item) if item else None

    def save_challenge(self, challenge: Challenge) -> None:
        """Store a challenge only if the version before this one is still the stored one."""
        self._transact([self._challenge_put(challenge)], inbound_first=False)

    def cases_to_anchor(self, limit: int) -> list[Case]:
        """Cases whose chain head is not yet in the evidence bucket."""
        return [
            it.item_to_case(i)
            for i in self._listing(
                it.CASE_LISTING,
                limit,
                FilterExpression="chain_seq > :zero AND (attribute_not_exists(anchored_seq) "
                "OR anchored_seq <> chain_seq)",
                ExpressionAttributeValues=to_dynamo({":zero": 0}),
            )
        ]

    def mark_anchored(self, ref: str, seq: int) -> None:
        """Record the anchored chain position; a case changed meanwhile is simply anchored again later."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_dynamo(it.case_key(ref)),
                UpdateExpression="SET anchored_seq = :seq",
                ConditionExpression="chain_seq = :seq",
                ExpressionAttributeValues=to_dynamo({":seq": seq}),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise RepositoryError(f"update_item failed: {exc.response['Error']['Code']}") from exc

    def closed_cases_before(self, cutoff: datetime, limit: int) -> list[Case]:
        """Closed cases whose closing is older than the cutoff, oldest first (received before it too)."""
        return [
            it.item_to_case(i)
            for i in self._listing(
                it.CASE_LISTING,
                limit,
                before=cutoff.isoformat(),
                oldest_first=True,
                FilterExpression="closed_at < :cutoff",
                ExpressionAttributeValues=to_dynamo({":cutoff": cutoff.isoformat()}),
            )
        ]

    def purge_case(self, case: Case, record: PurgeRecord, tally: dict[str, int]) -> None:
        """Write the purge record and the counts once, then delete everything that names the person."""
        if self.get_purge_record(case.ref) is None:
            names = {f"#k{i}": k for i, k in enumerate(tally)}
            self._transact(
                [
                    self._put_new(it.purge_record_to_item(record)),
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_dynamo(it.tally_key(record.purged_at)),
                            "UpdateExpression": "ADD " + ", ".join(f"{n} :c{i}" for i, n in enumerate(names)),
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": to_dynamo(
                                {f":c{i}": n for i, n in enumerate(tally.values())}
                            ),
                        }
                    },
                ],
                inbound_first=False,
            )
        # A retry after a partial failure finds the record written and only finishes the deletes.
        partition = self._partition(it.case_key(case.ref)["pk"], "")
        keys = [{"pk": i["pk"], "sk": i["sk"]} for i in partition]
        queued = [i["detail"]["outbox_id"] for i in partition if "outbox_id" in i.get("detail", {})]
        keys += [it.outbox_key(outbox_id) for outbox_id in queued]
        unique = list({(k["pk"], k["sk"]): k for k in keys}.values())
        for start in range(0, len(unique), 25):
            self._write_batch([{"DeleteRequest": {"Key": to_dynamo(k)}} for k in unique[start : start + 25]])

    def get_purge_record(self, ref: str) -> PurgeRecord | None:
        """What is left of a purged case, or None."""
        item = self._get(it.purge_key(ref))
        return it.item_to_purge_record(item) if item else None

    def _listing(
        self,
        partition: str,
        limit: int,
        *,
        before: str | None = None,
        oldest_first: bool = False,
        **query: Any,
    ) -> list[it.Item]:
        # A filter applies after each page is read: page on until `limit` items pass it (or none are left).
        # `before` bounds the sort key (it starts with the time of receipt), so old items are reached
        # directly instead of after every newer one.
        values = {":pk": {"S": partition}, **query.pop("ExpressionAttributeValues", {})}
        condition = "gsi1pk = :pk"
        if before:
            condition += " AND gsi1sk < :before"
            values[":before"] = {"S": before}
        items: list[it.Item] = []
        start: dict[str, Any] | None = None
        while len(items) < limit:
            response = self._call(
                "query",
                TableName=self._table,
                IndexName="gsi1",
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values,
                ScanIndexForward=oldest_first,
                Limit=limit,
                **query,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            items += [from_dynamo(raw) for raw in response.get("Items", [])]
            start = response.get("LastEvaluatedKey")
            if not start:
                break
        return items[:limit]

    def _outbox_item(self, out: OutboxItem) -> it.Item:
        return it.outbox_to_item(out, due_at=out.created_at + self._unsent_after)

    def _challenge_put(self, challenge: Challenge) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table, "Item": to_dynamo(it.challenge_to_item(challenge))}
        if challenge.version == 1:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "attribute_not_exists(pk) OR version = :previous"
            put["ExpressionAttributeValues"] = to_dynamo({":previous": challenge.version - 1})
        return {"Put": put}


def outbox_from_image(image: dict[str, Any]) -> OutboxItem:
    """An outbox item from a DynamoDB stream record's NewImage."""
    return it.item_to_outbox(from_dynamo(image))
