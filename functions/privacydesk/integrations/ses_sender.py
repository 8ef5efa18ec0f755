"""Sending a finished MIME message through SES v2."""

from typing import Any

from botocore.exceptions import ClientError


class SendError(Exception):
    """SES refused or failed to send; `retryable` tells the caller whether to try again later."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


# Errors that go away by themselves; everything else is a permanent failure of this item.
_RETRYABLE = frozenset(
    {"TooManyRequestsException", "Throttling", "LimitExceededException", "InternalFailure"}
)


class SesSender:
    """Sends raw messages with the deployment's configuration set."""

    def __init__(self, client: Any, configuration_set: str | None) -> None:
        self._ses = client
        self._configuration_set = configuration_set

    def send_raw(self, raw: bytes) -> str:
        """Send one message and return the SES message id."""
        kwargs: dict[str, Any] = {"Content": {"Raw": {"Data": raw}}}
        if self._configuration_set:
            kwargs["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._ses.send_email(**kwargs)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            raise SendError(f"SES send failed: {code}", retryable=code in _RETRYABLE) from exc
        return str(response["MessageId"])
