"""Disclosures, their recipients and notices in the shared table; every state change is conditional."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from privacydesk.dal import disclosure_items as di
from privacydesk.dal.interface import RepositoryError
from privacydesk.dal.table import Table, from_dynamo, to_dynamo
from privacydesk.models.disclosure import UNDELIVERED, Disclosure, NoticeSend, NoticeState, Recipient
from privacydesk.models.event import CaseEvent

_BATCH_WRITE = 25


class DisclosureStore(Table):
    """What the notice planner, sender and close read and write."""

    def create_disclosure(self, disclosure: Disclosure, events: Sequence[CaseEvent]) -> None:
        """Write a new declaration with its first audit events (ConcurrentUpdateError if the id exists)."""
        ops = [self._put_new(di.disclosure_to_item(disclosure))]
        ops += [self._put_new(di.disclosure_event_to_item(e)) for e in events]
        self._transact(ops, inbound_first=False)

    def get_disclosure(self, disclosure_id: str) -> Disclosure | None:
        """A declaration with its counters, or None."""
        item = self._get(di.disclosure_key(disclosure_id))
        return di.item_to_disclosure(item) if item else None

    def list_disclosures(self, limit: int) -> list[Disclosure]:
        """The most recently declared first."""
        response = self._call(
            "query",
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": di.DISCLOSURE_LISTING}},
            ScanIndexForward=False,
            Limit=limit,
        )
        # The index copies whole items (eventually consistent): callers that act on one read it again.
        return [di.item_to_disclosure(from_dynamo(raw)) for raw in response.get("Items", [])]

    def disclosure_events(self, disclosure_id: str) -> list[CaseEvent]:
        """A disclosure's audit trail in chain order."""
        from privacydesk.dal.items import item_to_event  # noqa: PLC0415 - one mapping for every chain

        return [item_to_event(i) for i in self._partition(di.partition(disclosure_id), "EVENT#")]

    def save_disclosure(self, disclosure: Disclosure, events: Sequence[CaseEvent] = ()) -> Disclosure:
        """Move status, cursor and owned counts if the stored version is still `disclosure.version`."""
        moved = replace(disclosure, version=disclosure.version + 1)
        attributes = di.state_attributes(moved)
        names = {f"#a{i}": name for i, name in enumerate(attributes)}
        values = {f":a{i}": value for i, value in enumerate(attributes.values())}
        update = {
            "TableName": self._table,
            "Key": to_dynamo(di.disclosure_key(disclosure.disclosure_id)),
            "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(attributes))),
            "ConditionExpression": "#v = :expected",
            "ExpressionAttributeNames": {**names, "#v": "version"},
            "ExpressionAttributeValues": to_dynamo({**values, ":expected": disclosure.version}),
        }
        ops = [{"Update": update}, *(self._put_new(di.disclosure_event_to_item(e)) for e in events)]
        self._transact(ops, inbound_first=False)
        return moved

    def add_counts(self, disclosure_id: str, **deltas: int) -> None:
        """Add to the counters the sender and the SES events own (never the planner's or the close's)."""
        kept = {name: n for name, n in deltas.items() if n}
        if not kept:
            return
        if not set(kept) <= set(di.ADDED_COUNTS):
            raise ValueError(f"only {', '.join(di.ADDED_COUNTS)} are added to")
        self._call(
            "update_item",
            TableName=self._table,
            Key=to_dynamo(di.disclosure_key(disclosure_id)),
            UpdateExpression="ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(kept))),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={f"#c{i}": f"n_{name}" for i, name in enumerate(kept)},
            ExpressionAttributeValues={f":c{i}": {"N": str(n)} for i, n in enumerate(kept.values())},
        )

    def put_recipients(self, recipients: Sequence[Recipient]) -> None:
        """Write recipients 25 per call (blind overwrites: a repeated page writes the same items again)."""
        items = [{"PutRequest": {"Item": to_dynamo(di.recipient_to_item(r))}} for r in recipients]
        for start in range(0, len(items), _BATCH_WRITE):
            self._write_batch(items[start : start + _BATCH_WRITE])

    def get_recipients(self, disclosure_id: str, subjects: Sequence[str]) -> dict[str, Recipient]:
        """The recipients of these subjects (100 per call); unknown subjects are left out."""
        keys = [di.recipient_key(disclosure_id, s) for s in dict.fromkeys(subjects)]
        return {r.subject: r for r in map(di.item_to_recipient, self._batch_get(keys))}

    def recipient_page(self, disclosure_id: str, after: str | None, limit: int) -> list[Recipient]:
        """Recipients in subject order, after the subject `after`."""
        return [di.item_to_recipient(i) for i in self._range(disclosure_id, di.RECIPIENT, after, limit)]

    def notices_between(self, disclosure_id: str, after: str | None, last: str) -> dict[str, NoticeSend]:
        """The notices of subjects after `after` up to `last` included."""
        items = self._range(disclosure_id, di.NOTICE, after, None, last=last)
        return {n.subject: n for n in map(di.item_to_notice, items)}

    def get_notice(self, disclosure_id: str, subject: str) -> NoticeSend | None:
        """One person's notice item, or None."""
        item = self._get(di.notice_key(disclosure_id, subject))
        return di.item_to_notice(item) if item else None

    def claim_notice(self, disclosure_id: str, subject: str, now: datetime, stale_before: datetime) -> bool:
        """Take one person's notice to send; False if it is sent, failed, or claimed by a live sender."""
        return self._update_notice(
            disclosure_id,
            subject,
            "SET #s = :sending, claimed_at = :now",
            "attribute_not_exists(#s) OR #s = :retry OR (#s = :sending AND claimed_at < :stale)",
            {
                ":sending": NoticeState.SENDING.value,
                ":retry": NoticeState.RETRY.value,
                ":now": now.isoformat(),
                ":stale": stale_before.isoformat(),
            },
        )

    def finish_notice(
        self,
        disclosure_id: str,
        subject: str,
        state: NoticeState,
        *,
        sent_at: datetime | None = None,
        ses_message_id: str | None = None,
    ) -> bool:
        """Move a claimed notice to sent, failed, expired or retry; False if the claim was lost."""
        extra = {":at": sent_at.isoformat(), ":id": ses_message_id} if sent_at and ses_message_id else {}
        return self._update_notice(
            disclosure_id,
            subject,
            "SET #s = :state" + (", sent_at = :at, ses_message_id = :id" if extra else ""),
            "#s = :sending",
            {":state": state.value, ":sending": NoticeState.SENDING.value, **extra},
        )

    def notice_delivery(self, disclosure_id: str, subject: str, delivery: str) -> bool:
        """Record what SES reported on a sent notice; True only the first time it became undelivered."""
        if delivery in UNDELIVERED:
            undelivered = {f":u{i}": outcome for i, outcome in enumerate(sorted(UNDELIVERED))}
            return self._update_notice(
                disclosure_id,
                subject,
                "SET delivery = :d",
                "attribute_exists(#s) AND (attribute_not_exists(delivery) OR NOT delivery IN "
                f"({', '.join(undelivered)}))",
                {":d": delivery, **undelivered},
            )
        # A late "delivered" never hides a bounce already recorded.
        self._update_notice(
            disclosure_id,
            subject,
            "SET delivery = :d",
            "attribute_exists(#s) AND (attribute_not_exists(delivery) OR delivery IN (:sent, :delayed))",
            {":d": delivery, ":sent": "sent", ":delayed": "delayed"},
        )
        return False

    def record_objection(self, disclosure_id: str, subject: str, at: datetime, *, late: bool) -> bool:
        """Note that this person objected (before or after the date); True the first time only."""
        return self._update_notice(
            disclosure_id,
            subject,
            "SET objected_at = :at, late_objection = :late",
            "attribute_not_exists(objected_at)",
            {":at": at.isoformat(), ":late": late},
        )

    def _update_notice(
        self,
        disclosure_id: str,
        subject: str,
        update: str,
        condition: str,
        values: dict[str, Any],
    ) -> bool:
        names = {"#s": "state"} if "#s" in update + condition else {}
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_dynamo(di.notice_key(disclosure_id, subject)),
                UpdateExpression=update,
                ConditionExpression=condition,
                **({"ExpressionAttributeNames": names} if names else {}),
                ExpressionAttributeValues=to_dynamo(values),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise RepositoryError(f"update_item failed: {exc.response['Error']['Code']}") from exc
        return True

    def _range(
        self,
        disclosure_id: str,
        prefix: str,
        after: str | None,
        limit: int | None,
        *,
        last: str | None = None,
    ) -> list[dict[str, Any]]:
        # One sort-key condition per query: BETWEEN the last key read and `last` (or the end of the kind:
        # "~" sorts after every hex digit); the key `after` itself comes back and is dropped.
        values = {
            ":pk": {"S": di.partition(disclosure_id)},
            ":from": {"S": prefix + (after or "")},
            ":to": {"S": prefix + (last or "~")},
        }
        wanted = None if limit is None else limit + (1 if after else 0)
        items: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while wanted is None or len(items) < wanted:
            response = self._call(
                "query",
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
                ExpressionAttributeValues=values,
                ConsistentRead=True,
                **({"Limit": wanted - len(items)} if wanted is not None else {}),
                **({"ExclusiveStartKey": start} if start else {}),
            )
            items += [from_dynamo(raw) for raw in response.get("Items", [])]
            start = response.get("LastEvaluatedKey")
            if not start:
                break
        return [i for i in items if i["sk"] != prefix + after] if after else items
