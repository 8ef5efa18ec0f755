"""An outgoing email, written in the same transaction as the case change that causes it."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class OutboxStatus(StrEnum):
    """Send status of an outbox item."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class OutboxItem:
    """One email to send; its id is derived from its cause, so a retry cannot make a second one."""

    outbox_id: str
    # Personal data stays out of repr(), which can reach logs and tracebacks.
    to: str = field(repr=False)
    subject: str = field(repr=False)
    text: str = field(repr=False)
    template: str
    language: str
    case_ref: str | None
    created_at: datetime
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    status: OutboxStatus = OutboxStatus.PENDING
    sent_at: datetime | None = None
    ses_message_id: str | None = None
    # A verification mail carries slots instead of its code and link; the sender fills them from this.
    secret_nonce: str | None = None
