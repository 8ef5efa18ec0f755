"""Sending a finished MIME message through SES v2."""

from typing import Any

from botocore.exceptions import ClientError


class SendError(Exception):
    """SES refused or failed to send; the message names SES's error code only."""


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
            raise SendError(f"SES send failed: {exc.response['Error']['Code']}") from exc
        return str(response["MessageId"])
