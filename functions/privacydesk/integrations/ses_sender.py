"""Sending a finished MIME message through SES v2, with SES's refusals sorted by what to do next."""

from typing import Any

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
    if code in _THROTTLED or "Maximum sending rate exceeded" in message:
        return SendRefusal.THROTTLED
    if code == "LimitExceededException" or "quota" in message.lower() or code in _PAUSED:
        return SendRefusal.QUOTA
    if code in _PERMANENT:
        return SendRefusal.PERMANENT
    return SendRefusal.TRANSIENT


class SesSender:
    """Sends raw messages with the deployment's configuration set, tagged with their outbox id."""

    def __init__(self, client: Any, configuration_set: str | None) -> None:
        self._ses = client
        self._configuration_set = configuration_set

    def send_raw(self, raw: bytes, outbox_id: str) -> str:
        """Send one message and return the SES message id; delivery events carry the outbox id back."""
        kwargs: dict[str, Any] = {
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": "outbox_id", "Value": outbox_id[:256]}],
        }
        if self._configuration_set:
            kwargs["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._ses.send_email(**kwargs)
        except ClientError as exc:
            error = exc.response["Error"]
            code, text = str(error.get("Code", "")), str(error.get("Message", ""))
            raise SendError(f"SES send failed: {code}", refusal_of(code, text)) from exc
        except BotoCoreError as exc:
            # No answer at all (connection refused, timeout): it may or may not have been sent.
            raise SendError(f"SES unreachable: {type(exc).__name__}", SendRefusal.TRANSIENT) from exc
        return str(response["MessageId"])
