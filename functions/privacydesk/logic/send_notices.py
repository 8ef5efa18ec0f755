"""Sending queued disclosure notices, each once: claimed conditionally, paced under the SES rate, recorded.

A message whose claim fails is done (sent, failed or expired) or is being sent by a live sender; one whose
sender died is taken again once its claim is stale, which the queue's visibility timeout outlasts.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from urllib.parse import quote

from privacydesk.logic.clocks import local_date
from privacydesk.logic.disclosures import NoticePorts, last_day_to_tell
from privacydesk.logic.outgoing_mail import OutgoingMailError, build_mime, header_text
from privacydesk.logic.pace import Pacer
from privacydesk.logic.render import render_message
from privacydesk.logic.unsubscribe import UnsubscribeError, issue_links
from privacydesk.models.consent import SHARING
from privacydesk.models.disclosure import Disclosure, DisclosureStatus, NoticeState, Recipient
from privacydesk.models.outbox import OutboxItem, SendRefusal
from privacydesk.observability import logger

TEMPLATE = "disclosure_notice"
# Longer than a sender can live (function timeout), shorter than the queue's visibility timeout.
STALE_CLAIM = timedelta(minutes=5)
# The SES tag that brings delivery events back to the notice: "<disclosure id>.<subject id>".
TAG = "notice"
# A sender stops taking notices when less than this is left of its run (seconds).
_MARGIN_SECONDS = 10.0


class NoticeSender(Protocol):
    """Sends one raw message with a tag; raises SendError (with its refusal) when SES does not take it."""

    def send_raw(self, raw: bytes, outbox_id: str, *, tag: str = ...) -> str:
        """Send and return the SES message id."""
        ...


@dataclass(frozen=True)
class NoticeMessage:
    """One queued notice: the SQS message id (to report a retry) and whose notice it is."""

    message_id: str
    disclosure_id: str
    subject: str


def send_notices(
    messages: Sequence[NoticeMessage],
    ports: NoticePorts,
    sender: NoticeSender,
    pacer: Pacer,
    *,
    seconds_left: Callable[[], float] = lambda: float("inf"),
) -> list[str]:
    """Send each message's notice at most once; returns the message ids to deliver again later.

    Messages left when the run's time is nearly up are handed back unclaimed, for another run.
    """
    retry: list[str] = []
    for disclosure_id in dict.fromkeys(m.disclosure_id for m in messages):
        group = [m for m in messages if m.disclosure_id == disclosure_id]
        disclosure = ports.store.get_disclosure(disclosure_id)
        if disclosure is None:
            continue  # declared in another table or deleted: nothing to tell anyone
        recipients = ports.store.get_recipients(disclosure_id, [m.subject for m in group])
        outcomes: Counter[str] = Counter()
        for message in group:
            if seconds_left() < _MARGIN_SECONDS:
                outcome = "retry"
            else:
                recipient = recipients.get(message.subject)
                try:
                    outcome = _send_one(disclosure, message.subject, recipient, ports, (sender, pacer))
                except Exception as exc:  # noqa: BLE001 - one person's failure must not fail the others'
                    # Only the type (a message could carry the address); the claim goes stale, it returns.
                    logger.warning(
                        "notice not sent", extra={"disclosure": disclosure_id, "error": type(exc).__name__}
                    )
                    outcome = "retry"
            outcomes[outcome] += 1
            if outcome == "retry":
                retry.append(message.message_id)
        ports.store.add_counts(disclosure_id, sent=outcomes["sent"], failed=outcomes["failed"])
    return retry


def _send_one(
    disclosure: Disclosure,
    subject: str,
    recipient: Recipient | None,
    ports: NoticePorts,
    sending: tuple[NoticeSender, Pacer],
) -> str:
    sender, pacer = sending
    store, now = ports.store, ports.desk.clock()
    disclosure_id = disclosure.disclosure_id
    if not store.claim_notice(disclosure_id, subject, now, now - STALE_CLAIM):
        return "skipped"
    if recipient is None:
        store.finish_notice(disclosure_id, subject, NoticeState.FAILED)
        return "failed"
    closed = disclosure.status in {DisclosureStatus.CLOSING, DisclosureStatus.CLOSED}
    settings = ports.desk.settings
    if closed or local_date(now, settings.timezone) > last_day_to_tell(disclosure, settings):
        # Too late to leave the promised time to object: this person is never shared.
        store.finish_notice(disclosure_id, subject, NoticeState.EXPIRED)
        return "expired"
    try:
        raw = notice_mime(disclosure, recipient, ports)
    except (OutgoingMailError, UnsubscribeError):
        store.finish_notice(disclosure_id, subject, NoticeState.FAILED)
        return "failed"
    pacer.wait()
    try:
        ses_message_id = sender.send_raw(raw, f"{disclosure_id}.{subject}", tag=TAG)
    except Exception as exc:  # noqa: BLE001 - sorted by the refusal SES gave, if any (logic has no boto3)
        if getattr(exc, "refusal", SendRefusal.TRANSIENT) is SendRefusal.PERMANENT:
            store.finish_notice(disclosure_id, subject, NoticeState.FAILED)
            return "failed"
        store.finish_notice(disclosure_id, subject, NoticeState.RETRY)
        return "retry"
    store.finish_notice(
        disclosure_id, subject, NoticeState.SENT, sent_at=ports.desk.clock(), ses_message_id=ses_message_id
    )
    return "sent"


def notice_mime(disclosure: Disclosure, recipient: Recipient, ports: NoticePorts) -> bytes:
    """The notice to one person, in their language, with the one-click link to object in body and headers."""
    settings = ports.desk.settings
    links = issue_links(
        recipient.address, SHARING, recipient.language, ports.desk, in_ledger=recipient.in_ledger
    )
    policy = (settings.privacy_policy_url or settings.public_base_url).replace(
        "{version}", quote(disclosure.policy_version, safe="")
    )
    rendered = render_message(
        TEMPLATE,
        recipient.language,
        organisation=settings.organisation,
        recipient=disclosure.recipient,
        purpose=disclosure.purpose,
        categories=list(disclosure.categories),
        effective=disclosure.effective,
        object_url=links.url,
        privacy_address=settings.sender_address,
        policy_url=policy,
        policy_version=disclosure.policy_version,
        reference=disclosure.disclosure_id,
    )
    mail = OutboxItem(
        outbox_id=f"{disclosure.disclosure_id}.{recipient.subject}",
        to=recipient.address,
        subject=header_text(rendered.subject),
        text=rendered.text,
        template=TEMPLATE,
        language=rendered.language,
        case_ref=None,
        created_at=ports.desk.clock(),
    )
    return build_mime(
        mail,
        sender=settings.sender_address,
        organisation=settings.organisation,
        auto_submitted="auto-generated",
        extra_headers={
            "List-Unsubscribe": links.list_unsubscribe,
            "List-Unsubscribe-Post": links.list_unsubscribe_post,
        },
    )
