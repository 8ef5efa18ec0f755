"""Plays the DynamoDB Streams event source mapping: moto keeps the stream, but nothing triggers on it."""

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

MAX_ATTEMPTS = 10
BATCH_SIZE = 10


def matches(pattern: Any, value: Any) -> bool:
    """Whether a record matches an event filter pattern: nested keys, each ending in a list of values.

    The subset of Lambda's filter syntax the template uses (exact values only); anything else is refused.
    """
    if isinstance(pattern, list):
        if not all(isinstance(choice, str | int | float | bool) or choice is None for choice in pattern):
            raise ValueError("only lists of exact values are supported in a local filter pattern")
        return value in pattern
    if not isinstance(pattern, dict):
        raise ValueError("a filter pattern is made of objects and lists of exact values")
    return isinstance(value, dict) and all(k in value and matches(p, value[k]) for k, p in pattern.items())


class StreamPoller:
    """Reads every shard of a table's stream and hands matching records to a handler, in batches."""

    def __init__(
        self,
        streams_client: Any,
        stream_arn: str,
        handler: Callable[[dict[str, Any]], dict[str, Any]],
        on_failure: Callable[[dict[str, Any]], object],
        *,
        filters: Sequence[dict[str, Any]],
        interval: float = 0.2,
        send_rate: float = 14.0,
    ) -> None:
        self._streams = streams_client
        self._arn = stream_arn
        self._handler = handler
        self._on_failure = on_failure
        # The function's FilterCriteria (any pattern may match; none at all lets every record through).
        self._filters = tuple(filters)
        self._interval = interval
        self._min_gap = 1.0 / send_rate
        # The last sequence number read per shard: each poll asks for a fresh iterator after it, because
        # moto replaces a table (and its stream shard) when it rolls a failed transaction back, and an
        # old iterator then never sees another record.
        self._last_seq: dict[str, str] = {}
        self._retry: list[tuple[dict[str, Any], int]] = []
        self._stop = threading.Event()
        self._busy = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stream-poller", daemon=True)

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()
        self._thread.join(timeout=10)

    def idle(self) -> bool:
        """True when the last poll found nothing to deliver and nothing waits for a retry."""
        return not self._busy.is_set() and not self._retry

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                found = self.poll_once()
            except Exception:  # noqa: BLE001 - like the real poller, keep polling after an error
                found = 0
            if not found:
                self._busy.clear()
                self._stop.wait(self._interval)

    def poll_once(self) -> int:
        """One pass over every shard; returns how many records were handed over."""
        self._busy.set()
        fresh: list[dict[str, Any]] = []
        for shard_id in self._shards():
            response = self._streams.get_records(ShardIterator=self._iterator(shard_id), Limit=100)
            read = response.get("Records", [])
            if read:
                self._last_seq[shard_id] = read[-1]["dynamodb"]["SequenceNumber"]
            fresh += [r for r in read if self._wanted(r)]
        # Taken only once the stream was read: a failed read must not drop the batches waiting to retry.
        records = [r for r, _ in self._retry] + fresh
        attempts = {id(r): n for r, n in self._retry}
        self._retry = []
        for start in range(0, len(records), BATCH_SIZE):
            self._deliver(records[start : start + BATCH_SIZE], attempts)
        return len(records)

    def _wanted(self, record: dict[str, Any]) -> bool:
        return not self._filters or any(matches(pattern, record) for pattern in self._filters)

    def _deliver(self, batch: list[dict[str, Any]], attempts: dict[int, int]) -> None:
        started = time.monotonic()
        try:
            response = self._handler({"Records": batch})
            failed_ids = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except Exception:  # noqa: BLE001 - a crashed batch is retried whole, as Lambda does
            failed_ids = {r["dynamodb"]["SequenceNumber"] for r in batch}
        for record in batch:
            if record["dynamodb"]["SequenceNumber"] not in failed_ids:
                continue
            tries = attempts.get(id(record), 0) + 1
            if tries >= MAX_ATTEMPTS:
                self._on_failure({"condition": "RetryAttemptsExhausted", "record": record})
            else:
                self._retry.append((record, tries))
        # SES accepts a limited number of messages per second; pace the batches to match.
        time.sleep(max(0.0, len(batch) * self._min_gap - (time.monotonic() - started)))

    def _shards(self) -> list[str]:
        description = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]
        return [s["ShardId"] for s in description.get("Shards", [])]

    def _iterator(self, shard_id: str) -> str:
        after = self._last_seq.get(shard_id)
        position: dict[str, str] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
            if after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator: str = self._streams.get_shard_iterator(StreamArn=self._arn, ShardId=shard_id, **position)[
            "ShardIterator"
        ]
        return iterator
