"""The sender use case: claim an outbox item, send it once, record the proof on the item and the case.

The states make a crash at any point cost at most one email per item, but for one window: the sender
dies (or loses SES's answer) after SES accepted the message and before the item is marked sent. The
claim then goes stale, the sweep sends again, and the item's second SES message id is recorded as a
duplicate send (SES's delivery events, tagged with the outbox id, show both).
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from privacydesk.config import Settings
from privacydesk.dal.interface import CaseChange, CaseRepository, ConcurrentUpdateError
from privacydesk.logic.audit_chain import chain_events
from privacydesk.logic.clock import Clock
from privacydesk.logic.outgoing_mail import OutgoingMailError, build_mime
from privacydesk.logic.team_mail import team_alert
from privacydesk.logic.verification import IDENTITY, fill_secrets
from privacydesk.models.case import Case
from privacydesk.models.event import CaseEvent
from privacydesk.models.outbox import OutboxItem, SendRefusal
from privacydesk.observability import logger

# A claim older than this belongs to a sender presumed dead (Lambda's own timeout is 60 s).
CLAIM_TIMEOUT = timedelta(minutes=5)
# Parked after the daily quota ran out or sending was paused: SES's quota is a rolling 24 hours.
QUOTA_WAIT = timedelta(hours=1)
_THROTTLE_WAIT_CAP = timedelta(minutes=15)
_MARK_TRIES = 5


class RawSender(Protocol):
    """Whatever hands a finished MIME message to the mail service."""

    def send_raw(self, raw: bytes, outbox_id: str) -> str:
        """Send and return the service's message id; a refusal raises with a `refusal` (SendRefusal)."""
        ...


@dataclass(frozen=True)
class SendPorts:
    """What the sender talks to."""

    sender: RawSender
    repo: CaseRepository
    clock: Clock
    settings: Settings
    key: Callable[[], bytes]


@dataclass(frozen=True)
class SendResult:
    """What happened to one outbox item (no personal data: it is logged)."""

    outbox_id: str
    sent: bool
    ses_message_id: str | None
    reason: str


def send_item(outbox_id: str, ports: SendPorts) -> SendResult:
    """Claim the item if it is due, send it, and mark it; an item claimed, sent or failed is left alone."""
    now = ports.clock()
    item = ports.repo.claim_outbox(outbox_id, now, stale_before=now - CLAIM_TIMEOUT)
    if item is None:
        return SendResult(outbox_id, sent=False, ses_message_id=None, reason="not due or already taken")
    if item.ses_message_id or item.attempts > 1:
        logger.info("outbox item taken again", extra={"outbox_id": outbox_id, "attempts": item.attempts})
    try:
        raw = build_mime(
            _with_secrets(item, ports),
            sender=ports.settings.sender_address,
            organisation=ports.settings.organisation,
        )
    except OutgoingMailError as exc:
        return _fail(item, f"cannot build the message: {exc}", ports)
    try:
        ses_message_id = ports.sender.send_raw(raw, item.outbox_id)
    except Exception as exc:  # noqa: BLE001 - sorted below by the refusal SES gave, if any
        return _refused(item, exc, ports)
    return _mark_sent(item, ses_message_id, ports)


def _with_secrets(item: OutboxItem, ports: SendPorts) -> OutboxItem:
    if item.secret_nonce and item.case_ref:
        # The code and link exist only in the message handed to SES, never in the table.
        return replace(
            item, text=fill_secrets(item.text, ports.key(), item.case_ref, IDENTITY, item.secret_nonce)
        )
    return item


def _refused(item: OutboxItem, exc: Exception, ports: SendPorts) -> SendResult:
    refusal = getattr(exc, "refusal", SendRefusal.TRANSIENT)
    reason = str(exc)
    now = ports.clock()
    if refusal is SendRefusal.PERMANENT:
        return _fail(item, reason, ports)
    if refusal is SendRefusal.QUOTA:
        ports.repo.release_outbox(item, retry_at=now + QUOTA_WAIT, reason=reason)
        logger.warning("outbox item parked: SES quota", extra={"outbox_id": item.outbox_id})
        return SendResult(item.outbox_id, sent=False, ses_message_id=None, reason="parked: quota")
    # Throttled or no clear answer: wait a little longer each time, never hot-loop.
    wait = min(timedelta(seconds=2 ** min(item.attempts, 10)), _THROTTLE_WAIT_CAP)
    ports.repo.release_outbox(item, retry_at=now + wait, reason=reason)
    logger.info("outbox item will be retried", extra={"outbox_id": item.outbox_id, "refusal": refusal.value})
    return SendResult(item.outbox_id, sent=False, ses_message_id=None, reason=f"retry: {refusal.value}")


def _fail(item: OutboxItem, reason: str, ports: SendPorts) -> SendResult:
    """Mark the item failed for good and tell the team, with the case's timeline event."""
    now = ports.clock()
    # A team alert that cannot be sent is not alerted about again (the failure stays on the item).
    alert = (
        None
        if item.template == "team_alert"
        else team_alert("send_failed", item, ports.settings, now, reason=reason)
    )
    for _ in range(_MARK_TRIES):
        change = _case_change(item, now, "mail_failed", {"reason": reason}, ports)
        try:
            marked = ports.repo.mark_failed(item, reason, alert, change)
        except ConcurrentUpdateError:
            continue
        if marked:
            logger.error("outbox item failed for good", extra={"outbox_id": item.outbox_id})
        break
    else:
        # The case kept changing: the item stays claimed, and the sweep decides again once it is stale.
        logger.warning("outbox item failure not recorded yet", extra={"outbox_id": item.outbox_id})
    return SendResult(item.outbox_id, sent=False, ses_message_id=None, reason=f"failed: {reason}")


def _mark_sent(item: OutboxItem, ses_message_id: str, ports: SendPorts) -> SendResult:
    now = ports.clock()
    detail = {"outbox_id": item.outbox_id, "template": item.template, "ses_message_id": ses_message_id}
    for _ in range(_MARK_TRIES):
        change = _case_change(item, now, "mail_sent", detail, ports)
        try:
            marked = ports.repo.mark_sent(item, ses_message_id, now, change)
        except ConcurrentUpdateError:
            continue  # the case changed meanwhile: read it again and chain the event after the new head
        if not marked:
            # Our claim went stale and another sender took the item: the one duplicate window.
            logger.warning("outbox item was sent twice", extra={"outbox_id": item.outbox_id})
            return SendResult(item.outbox_id, sent=True, ses_message_id=ses_message_id, reason="duplicate")
        return SendResult(item.outbox_id, sent=True, ses_message_id=ses_message_id, reason="sent")
    # Sent, but the case kept changing under us: mark the item without its timeline event.
    ports.repo.mark_sent(item, ses_message_id, now, None)
    logger.warning("sent mail recorded without its timeline event", extra={"outbox_id": item.outbox_id})
    return SendResult(item.outbox_id, sent=True, ses_message_id=ses_message_id, reason="sent")


def _case_change(
    item: OutboxItem, now: datetime, kind: str, detail: dict[str, str], ports: SendPorts
) -> CaseChange | None:
    """The case's timeline event for this mail (and the acknowledgement marker); None without a case."""
    case = ports.repo.get_case(item.case_ref) if item.case_ref else None
    if case is None:
        return None
    updated: Case = case
    if kind == "mail_sent" and item.template == "acknowledgement" and "acknowledged" not in case.done:
        updated = replace(case, done=(*case.done, "acknowledged"))
    chained, events = chain_events(updated, [CaseEvent(case.ref, now, kind, dict(detail))])
    return CaseChange(chained, case.version, events)
