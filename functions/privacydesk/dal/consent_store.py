"""The consent ledger in the cases table: a projection item and chained events per subject."""

from collections.abc import Sequence
from typing import Any

from privacydesk.dal import consent_items as ci
from privacydesk.dal.table import Table, from_dynamo, to_dynamo
from privacydesk.models.consent import ConsentChange, ConsentEvent, ConsentRecord


class ConsentStore(Table):
    """Consent reads and writes on the shared table (the case repository is one too)."""

    def get_consent(self, subject: str) -> ConsentRecord | None:
        """A subject's projection, or None when the ledger holds nothing for them."""
        item = self._get(ci.subject_key(subject))
        return ci.item_to_record(item) if item else None

    def consent_events(self, subject: str) -> list[ConsentEvent]:
        """A subject's consent events in chain order."""
        return [ci.item_to_event(i) for i in self._partition(f"SUBJECT#{subject}", "CONSENT#")]

    def consent_records(self, subjects: Sequence[str]) -> dict[str, ConsentRecord]:
        """The projections of many subjects (100 per call); subjects with none are left out."""
        unique = list(dict.fromkeys(subjects))
        records = [ci.item_to_record(i) for i in self._batch_get([ci.subject_key(s) for s in unique])]
        return {record.subject: record for record in records}

    def record_consent(self, change: ConsentChange) -> None:
        """Write one subject's new events and projection atomically (ConcurrentUpdateError if it moved)."""
        self._transact(self._consent_ops(change), inbound_first=False)

    def consent_page(self, after: str | None, limit: int) -> tuple[list[ConsentRecord], str | None]:
        """Projections in subject-id order, one page at a time; the cursor continues after the last."""
        records: list[ConsentRecord] = []
        shards = ci.SUBJECT_SHARDS[ci.SUBJECT_SHARDS.index(after[0]) if after else 0 :]
        for shard in shards:
            while len(records) < limit:
                condition = "gsi1pk = :pk" + (" AND gsi1sk > :after" if after else "")
                values = {
                    ":pk": {"S": ci.SUBJECT_LISTING + shard},
                    **({":after": {"S": after}} if after else {}),
                }
                response = self._call(
                    "query",
                    TableName=self._table,
                    IndexName="gsi1",
                    KeyConditionExpression=condition,
                    ExpressionAttributeValues=values,
                    Limit=limit - len(records),
                )
                records += [ci.item_to_record(from_dynamo(raw)) for raw in response.get("Items", [])]
                if not response.get("LastEvaluatedKey"):
                    break
                after = records[-1].subject if records else after
            if len(records) == limit:
                return records, records[-1].subject
            # This shard is done: every id of the next one sorts after the ones read.
            after = None
        return records, None

    def _consent_ops(self, change: ConsentChange) -> list[dict[str, Any]]:
        item = ci.record_to_item(change.record, change.expected_version + 1)
        put: dict[str, Any] = {"TableName": self._table, "Item": to_dynamo(item)}
        if change.expected_version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :expected"
            put["ExpressionAttributeValues"] = {":expected": {"N": str(change.expected_version)}}
        return [{"Put": put}, *(self._put_new(ci.event_to_item(e)) for e in change.events)]
