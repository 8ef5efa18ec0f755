"""Sending a finished MIME message through SES v2, with SES's refusals sorted by what to do next."""

import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from privacydesk.models.outbox import SendRefusal

# SES v2 error codes by what the sender should do (botocore has already retried throttling with backoff).
_THROTTLED = {"TooManyRequestsException", "Throttling", "ThrottlingException"}
_PERMANENT = {
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "BadRequestException",
    "NotFoundException",
    "InvalidParameterValue",
}
_PAUSED = {"SendingPausedException", "AccountSuspendedException"}


class SendError(Exception):
    """SES did not take the message; `refusal` says whether to retry soon, later, or never."""

    def __init__(self, message: str, refusal: SendRefusal) -> None:
        super().__init__(message)
        self.refusal = refusal


def refusal_of(code: str, message: str) -> SendRefusal:
    """What an SES error code means for the outbox item."""
    # SES reports the daily quota under a throttling code too: the message tells the two apart.
    if code == "LimitExceededException" or "quota" in message.lower() or code in _PAUSED:
        return SendRefusal.QUOTA
    if code in _THROTTLED or "Maximum sending rate exceeded" in message:
        return SendRefusal.THROTTLED
    if code in _PERMANENT:
        return SendRefusal.PERMANENT
    return SendRefusal.TRANSIENT


class SesSender:
    """Sends raw messages with the deployment's configuration set, tagged with their outbox id.

    The client must not retry on its own (see `send_client`): a retry after a lost answer would send
    a second copy nobody could see. Only a throttling refusal, which SES gives before accepting
    anything, is retried here, with backoff.
    """

    def __init__(
        self,
        client: Any,
        configuration_set: str | None,
        *,
        sleep: Callable[[float], None] | None = None,
        throttle_tries: int = 3,
    ) -> None:
        self._ses = client
        self._configuration_set = configuration_set
        # time.sleep looked up at each call, not bound now: tests replace the module's clock.
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))  # noqa: PLW0108
        self._throttle_tries = throttle_tries

    def send_raw(self, raw: bytes, outbox_id: str, *, tag: str = "outbox_id") -> str:
        """Send one message and return the SES message id; delivery events carry the `tag` back."""
        kwargs: dict[str, Any] = {
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": tag, "Value": outbox_id[:256]}],
        }
        if self._configuration_set:
            kwargs["ConfigurationSetName"] = self._configuration_set
        for attempt in range(1, self._throttle_tries + 1):
            try:
                response = self._ses.send_email(**kwargs)
            except ClientError as exc:
                error = exc.response["Error"]
                code, text = str(error.get("Code", "")), str(error.get("Message", ""))
                refusal = refusal_of(code, text)
                if refusal is SendRefusal.THROTTLED and attempt < self._throttle_tries:
                    self._sleep(0.2 * 2**attempt)
                    continue
                raise SendError(f"SES send failed: {code}", refusal) from exc
            except BotoCoreError as exc:
                # No answer at all (connection refused, timeout): it may or may not have been sent.
                raise SendError(f"SES unreachable: {type(exc).__name__}", SendRefusal.TRANSIENT) from exc
            return str(response["MessageId"])
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def send_client() -> Any:
    """The SES v2 client for sending: one attempt per call, never a hidden retry."""
    session = boto3.session.Session()
    config = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=5, read_timeout=20)
    return session.client("sesv2", config=config)
