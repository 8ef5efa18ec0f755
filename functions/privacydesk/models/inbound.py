"""What SES told us about one inbound email, and what the desk did with it."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """What happened to an inbound email; every email ends in exactly one of these."""

    CASE_OPENED = "case_opened"
    REPLY_ATTACHED = "reply_attached"
    BOUNCE_RECORDED = "bounce_recorded"
    AUTO_REPLY_IGNORED = "auto_reply_ignored"
    BULK_IGNORED = "bulk_ignored"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class InboundNotice:
    """The SES receipt notification for one message (the mail itself stays in S3)."""

    message_id: str
    received_at: datetime
    object_key: str
    envelope_sender: str | None = field(repr=False)
    verdicts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundRecord:
    """The desk's record of one inbound email: its outcome, the reason and where the raw mail is."""

    message_id: str
    received_at: datetime
    outcome: Outcome
    reason: str
    object_key: str
    case_ref: str | None = None


class MailMissingError(LookupError):
    """The raw mail an SES event names is not in the bucket: there is nothing to read, ever."""


@dataclass(frozen=True)
class StoredMail:
    """A raw email read from the mail store; `raw` is None when it was over the size cap and left unread."""

    key: str
    size: int
    raw: bytes | None


@dataclass(frozen=True)
class FailedInvocation:
    """An invocation Lambda gave up on: the original event, and the handle to remove it once replayed."""

    event: dict[str, Any]
    receipt_handle: str
    error_type: str
