"""The sender use case: one outbox item becomes one email, then is marked sent."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from privacydesk.config import Settings
from privacydesk.dal.interface import CaseRepository
from privacydesk.logic.clock import Clock
from privacydesk.logic.outgoing_mail import build_mime
from privacydesk.logic.verification import IDENTITY, fill_secrets
from privacydesk.models.outbox import OutboxItem, OutboxStatus
from privacydesk.observability import logger


class RawSender(Protocol):
    """Whatever hands a finished MIME message to the mail service."""

    def send_raw(self, raw: bytes) -> str:
        """Send and return the service's message id."""
        ...


@dataclass(frozen=True)
class SendResult:
    """What happened to one outbox item."""

    outbox_id: str
    sent: bool
    ses_message_id: str | None
    reason: str


def send_item(
    item: OutboxItem,
    *,
    sender: RawSender,
    repo: CaseRepository,
    clock: Clock,
    settings: Settings,
    key: Callable[[], bytes],
) -> SendResult:
    """Send a pending item and mark it sent; a non-pending item is left alone."""
    if item.status is not OutboxStatus.PENDING:
        return SendResult(
            item.outbox_id, sent=False, ses_message_id=item.ses_message_id, reason="not pending"
        )
    if item.secret_nonce and item.case_ref:
        # The code and link exist only in the message handed to SES, never in the table.
        text = fill_secrets(item.text, key(), item.case_ref, IDENTITY, item.secret_nonce)
        item = replace(item, text=text)
    raw = build_mime(item, sender=settings.sender_address, organisation=settings.organisation)
    ses_message_id = sender.send_raw(raw)
    if not repo.mark_sent(item, ses_message_id, clock()):
        # Sent, but someone else marked the item first: the one duplicate window, logged for audit.
        logger.warning("outbox item was no longer pending after send", extra={"outbox_id": item.outbox_id})
        return SendResult(
            item.outbox_id, sent=True, ses_message_id=ses_message_id, reason="possible duplicate"
        )
    return SendResult(item.outbox_id, sent=True, ses_message_id=ses_message_id, reason="sent")
