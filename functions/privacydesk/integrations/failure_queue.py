"""The inbound function's on-failure queue: where Lambda puts events it gave up on."""

import json
from typing import Any

from botocore.exceptions import ClientError

from privacydesk.models.inbound import FailedInvocation

_MAX_RECEIVES = 20


class FailureQueueError(Exception):
    """The queue could not be read or changed."""


class FailureQueue:
    """Finds failed SES events by message id in the Lambda on-failure destination queue."""

    def __init__(self, queue_url: str, client: Any) -> None:
        self._url = queue_url
        self._sqs = client

    def find(self, message_id: str) -> FailedInvocation | None:
        """The failed invocation for this SES message id, hidden from other readers while replayed."""
        # Others stay hidden until the scan ends, so each receive returns messages not yet seen.
        passed_over: list[str] = []
        try:
            for _ in range(_MAX_RECEIVES):
                response = self._sqs.receive_message(
                    QueueUrl=self._url, MaxNumberOfMessages=10, VisibilityTimeout=60, WaitTimeSeconds=0
                )
                messages = response.get("Messages", [])
                if not messages:
                    return None
                for message in messages:
                    found = _match(message, message_id)
                    if found:
                        return found
                    passed_over.append(message["ReceiptHandle"])
        except ClientError as exc:
            raise FailureQueueError(f"failure queue unreadable: {exc.response['Error']['Code']}") from exc
        finally:
            self._release(passed_over)
        return None

    def _release(self, handles: list[str]) -> None:
        for handle in handles:
            try:
                self._sqs.change_message_visibility(
                    QueueUrl=self._url, ReceiptHandle=handle, VisibilityTimeout=0
                )
            except ClientError:
                continue  # it reappears by itself when its visibility timeout ends

    def delete(self, failed: FailedInvocation) -> None:
        """Remove a replayed invocation from the queue."""
        try:
            self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=failed.receipt_handle)
        except ClientError as exc:
            raise FailureQueueError(f"failure queue delete failed: {exc.response['Error']['Code']}") from exc


def _match(message: dict[str, Any], message_id: str) -> FailedInvocation | None:
    try:
        record = json.loads(message["Body"])
        event = record["requestPayload"]
        found_id = event["Records"][0]["ses"]["mail"]["messageId"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if found_id != message_id:
        return None
    error = record.get("responsePayload") or {}
    error_type = error.get("errorType", "unknown") if isinstance(error, dict) else "unknown"
    return FailedInvocation(event=event, receipt_handle=message["ReceiptHandle"], error_type=error_type)
