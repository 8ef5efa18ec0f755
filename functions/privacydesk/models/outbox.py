"""An outgoing email, written in the same transaction as the case change that causes it."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class OutboxStatus(StrEnum):
    """Send status: pending -> sending (claimed) -> sent or failed; parked waits for the SES quota."""

    PENDING = "pending"
    SENDING = "sending"
    PARKED = "parked"
    SENT = "sent"
    FAILED = "failed"


class SendRefusal(StrEnum):
    """Why SES did not take a message, by what happens next."""

    THROTTLED = "throttled"  # too fast: parked briefly, with growing waits
    QUOTA = "quota"  # daily quota or sending paused: parked until it may have reset
    PERMANENT = "permanent"  # never will: failed, and the team is told
    TRANSIENT = "transient"  # no clear answer: back to pending, tried again


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
    # An HTML alternative (the team's digest); requester mail is plain text only.
    html: str | None = field(default=None, repr=False)
    attempts: int = 0
    claim_id: str | None = None
    claimed_at: datetime | None = None
    # When a parked item (SES daily quota) may be tried again.
    retry_at: datetime | None = None
    failure: str | None = None
    # What SES reported after sending: delivered, bounced, complained, rejected, delayed.
    delivery: str | None = None
    delivery_events: tuple[str, ...] = ()
    duplicate_sends: int = 0
