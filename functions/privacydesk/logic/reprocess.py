"""Replaying an inbound email whose processing failed and landed in the on-failure queue."""

from collections.abc import Callable
from typing import Any, Protocol

from privacydesk.models.inbound import FailedInvocation


class NotFoundError(LookupError):
    """Nothing to act on under that identifier."""


class FailureSource(Protocol):
    """Where failed invocations wait."""

    def find(self, message_id: str) -> FailedInvocation | None:
        """The failed invocation for a message id, or None."""
        ...

    def delete(self, failed: FailedInvocation) -> None:
        """Forget a failed invocation once it has been replayed."""
        ...


def reprocess(
    message_id: str, failures: FailureSource, replay: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """Replay the failed event of `message_id` through intake; on success it leaves the queue."""
    failed = failures.find(message_id)
    if failed is None:
        raise NotFoundError("no failed delivery is waiting for this message id")
    result = replay(failed.event)
    failures.delete(failed)
    return {**result, "previous_error": failed.error_type}
