"""In-process stand-ins for the Lambda runtime: a context object and an async invoker with retries."""

import json
import queue
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LocalContext:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"
    function_version: str = "$LATEST"
    timeout_ms: int = 60_000

    def __post_init__(self) -> None:
        self.invoked_function_arn = self.invoked_function_arn or (
            f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        )
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """Time left; a local invocation always has its full timeout."""
        return self.timeout_ms


# One execution environment per function: Lambda hands an environment one event at a time, and handlers
# rely on it (Powertools' resolver keeps the current request, and its logger the invocation's keys, in
# module globals). Concurrent HTTP requests or SQS workers therefore take turns per function.
_ENVIRONMENTS: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


def invoke(function_name: str, handler: Handler, event: dict[str, Any]) -> Any:
    """Call a handler once, as Lambda would, with a fresh context, one event at a time per function."""
    with _ENVIRONMENTS[function_name]:
        return handler(event, LocalContext(function_name=function_name))


class AsyncInvoker:
    """Lambda's asynchronous invocation: queued, retried twice, then sent to the on-failure queue."""

    def __init__(
        self,
        function_name: str,
        handler: Handler,
        on_failure: Callable[[dict[str, Any]], object],
        *,
        retries: int = 2,
        retry_delay: float = 0.2,
    ) -> None:
        self._name = function_name
        self._handler = handler
        self._on_failure = on_failure
        self._retries = retries
        self._delay = retry_delay
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"async-{function_name}", daemon=True)

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    def stop(self) -> None:
        """Finish the event in hand, drop the ones still queued, and stop.

        The local stack's state lives in moto's memory and ends with it: working through a backlog at
        shutdown would only delay the exit (a stack whose tables grew large takes long per write).
        """
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
            self._queue.task_done()
        self._queue.put(None)
        self._thread.join(timeout=30)

    def submit(self, event: dict[str, Any]) -> None:
        """Queue an event, like InvocationType=Event."""
        self._queue.put(event)

    def idle(self) -> bool:
        """True when nothing is queued or running."""
        return self._queue.unfinished_tasks == 0

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            try:
                if event is None:
                    return
                self._deliver(event)
            finally:
                self._queue.task_done()

    def _deliver(self, event: dict[str, Any]) -> None:
        error: BaseException | None = None
        for attempt in range(self._retries + 1):
            try:
                invoke(self._name, self._handler, event)
            except Exception as exc:  # noqa: BLE001 - any failure is retried, as Lambda does
                error = exc
                time.sleep(self._delay * (attempt + 1))
                continue
            return
        self._on_failure(destination_record(self._name, event, error, self._retries + 1))


def destination_record(
    function_name: str, event: dict[str, Any], error: BaseException | None, attempts: int
) -> dict[str, Any]:
    """The record Lambda sends to an on-failure destination after the last retry."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {
            "errorType": type(error).__name__ if error else "Unknown",
            "errorMessage": str(error)[:500],
        },
    }


def to_json(record: dict[str, Any]) -> str:
    """Serialise a destination record for SQS."""
    return json.dumps(record, default=str)
