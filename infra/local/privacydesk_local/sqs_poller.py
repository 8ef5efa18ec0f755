"""Plays the SQS event source mapping: moto keeps the queue, but nothing triggers on it."""

import base64
import logging
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

LOGGER = logging.getLogger(__name__)

# Short polls: the local moto server takes one request at a time (moto_server.py), so a long poll would
# hold every other AWS call of the stack for its whole wait. Empty polls sleep `interval` instead.
WAIT_SECONDS = 0
# ReceiveMessage returns at most 10 messages; Lambda reaches larger batches only with a batching window.
MAX_BATCH_SIZE = 10
# Local-only shortcut: a failed message comes back after this many seconds instead of the queue's whole
# visibility timeout (AWS leaves it invisible for that timeout), so local retries and redrives are quick.
RETRY_VISIBILITY_SECONDS = 1
# A queue holds nothing to deliver when all of these are 0. moto counts exactly where SQS approximates;
# it counts a message whose visibility timeout ran out as visible again, and one past maxReceiveCount
# stays in the queue until the next receive moves it to the dead-letter queue.
_BACKLOG = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


def failed_ids(response: Any, message_ids: Collection[str]) -> set[str]:
    """The message ids a ReportBatchItemFailures response asks to retry: all of them if it is malformed."""
    if response is None:
        return set()
    if not isinstance(response, dict):
        return set(message_ids)
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return set(message_ids)
    known = set(message_ids)
    wanted = {failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures}
    # Lambda fails the whole batch for a missing, empty or unknown itemIdentifier.
    return {str(item) for item in wanted} if wanted <= known else known


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A message attribute as Lambda puts it in an SQS record (camel case, binary in base64)."""
    attribute: dict[str, Any] = {}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    attribute["stringListValues"] = value.get("StringListValues", [])
    attribute["binaryListValues"] = [
        base64.b64encode(item).decode("ascii") for item in value.get("BinaryListValues", [])
    ]
    attribute["dataType"] = value["DataType"]
    return attribute


class SqsPoller:
    """Receives batches from a queue, hands them to a handler, and deletes what the handler took."""

    def __init__(
        self,
        sqs_client: Any,
        queue_url: str,
        queue_arn: str,
        handler: Callable[[dict[str, Any]], Any],
        *,
        batch_size: int = 10,
        report_failures: bool = False,
        concurrency: int = 1,
        interval: float = 0.2,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be 1 to {MAX_BATCH_SIZE} locally, got {batch_size}")
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self._sqs = sqs_client
        self._url = queue_url
        self._arn = queue_arn
        self._region = queue_arn.split(":")[3]
        self._handler = handler
        self._batch_size = batch_size
        self._report_failures = report_failures
        self._interval = interval
        self._invoking = 0
        self._lock = threading.Lock()
        self._receiving = threading.Lock()
        self._stop = threading.Event()
        queue_name = queue_arn.rsplit(":", 1)[-1]
        # One thread per concurrent invocation, as ScalingConfig.MaximumConcurrency allows.
        self._threads = [
            threading.Thread(target=self._run, name=f"sqs-{queue_name}-{n}", daemon=True)
            for n in range(concurrency)
        ]

    def start(self) -> None:
        """Start polling."""
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop polling: each worker finishes the batch in hand, or its current short long-poll."""
        self._stop.set()
        deadline = time.monotonic() + 10
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def idle(self) -> bool:
        """True when no batch is in hand and the queue holds no visible, in-flight or delayed message."""
        # Read before the queue: a batch received after this read is in flight when the queue is read.
        with self._lock:
            if self._invoking:
                return False
        attributes = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=list(_BACKLOG))
        return all(int(attributes["Attributes"].get(name, "0")) == 0 for name in _BACKLOG)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                handled = self.poll_once()
            except Exception:  # like the real poller, keep polling after an error
                LOGGER.warning("SQS poll failed", extra={"queue": self._arn}, exc_info=True)
                handled = 0
            if not handled:
                self._stop.wait(self._interval)

    def poll_once(self) -> int:
        """One receive, and one invocation if it got messages; returns how many messages were handled."""
        # moto's ReceiveMessage is not atomic: two at once can both take the same message. The workers
        # take turns to receive; only their invocations run side by side.
        with self._receiving:
            # A worker that waited its turn while the poller was stopped must not start another wait.
            if self._stop.is_set():
                return 0
            messages: list[dict[str, Any]] = self._sqs.receive_message(
                QueueUrl=self._url,
                MaxNumberOfMessages=self._batch_size,
                WaitTimeSeconds=WAIT_SECONDS,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
        if not messages:
            return 0
        with self._lock:
            self._invoking += 1
        try:
            self._deliver(messages)
        finally:
            with self._lock:
                self._invoking -= 1
        return len(messages)

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        ids = [m["MessageId"] for m in messages]
        try:
            response = self._handler({"Records": [self._record(m) for m in messages]})
        except Exception:  # a crashed batch comes back whole, as with Lambda
            LOGGER.warning("SQS batch failed", extra={"queue": self._arn}, exc_info=True)
            failed = set(ids)
        else:
            failed = failed_ids(response, ids) if self._report_failures else set()
        done = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        if done:
            result = self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)],
            )
            if result.get("Failed"):
                LOGGER.warning("SQS delete failed", extra={"queue": self._arn, "failed": result["Failed"]})
        if retry:
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._url,
                Entries=[
                    {
                        "Id": str(n),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": RETRY_VISIBILITY_SECONDS,
                    }
                    for n, m in enumerate(retry)
                ],
            )

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        """A received message as a record of Lambda's SQS event."""
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {
                name: _message_attribute(value)
                for name, value in message.get("MessageAttributes", {}).items()
            },
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        record |= {
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": self._region,
        }
        return record
