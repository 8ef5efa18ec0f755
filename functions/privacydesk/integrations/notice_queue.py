"""The SQS queues between the notice planner and the senders: batches of ten, every entry accounted for."""

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

_BATCH = 10
_TRIES = 5


class QueueError(Exception):
    """SQS kept refusing some messages (no personal data in the message)."""


class SqsNoticeQueue:
    """Notice messages to NoticeQueue, continuations to NoticePlanQueue."""

    def __init__(self, client: Any, notice_url: str, plan_url: str) -> None:
        self._sqs = client
        self._notice_url = notice_url
        self._plan_url = plan_url

    def send(self, bodies: Sequence[dict[str, Any]]) -> None:
        """Queue one message per body, ten per call; entries SQS failed are sent again."""
        for start in range(0, len(bodies), _BATCH):
            entries = [
                {"Id": str(i), "MessageBody": json.dumps(body, sort_keys=True)}
                for i, body in enumerate(bodies[start : start + _BATCH])
            ]
            for _ in range(_TRIES):
                response = self._call("send_message_batch", QueueUrl=self._notice_url, Entries=entries)
                failed = {f["Id"] for f in response.get("Failed", [])}
                entries = [e for e in entries if e["Id"] in failed]
                if not entries:
                    break
            if entries:
                raise QueueError(f"SQS refused {len(entries)} notice message(s) after {_TRIES} tries")

    def continue_planning(self, disclosure_id: str) -> None:
        """Ask the planner to (go on) plan this disclosure."""
        self._call("send_message", QueueUrl=self._plan_url, MessageBody=json.dumps({"plan": disclosure_id}))

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._sqs, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise QueueError(f"SQS {operation} failed: {type(exc).__name__}") from exc
        return response
