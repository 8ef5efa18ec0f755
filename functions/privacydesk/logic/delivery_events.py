"""What SES reports after sending (delivery, bounce, complaint...), recorded once on the mail and its case."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from privacydesk.dal.interface import CaseChange, ConcurrentUpdateError, DisclosureRepository
from privacydesk.logic.audit_chain import chain_events
from privacydesk.logic.objections import append_event
from privacydesk.logic.send_notices import TAG as NOTICE_TAG
from privacydesk.logic.send_outbox import SendPorts
from privacydesk.logic.team_mail import team_alert
from privacydesk.models.disclosure import DisclosureStatus
from privacydesk.models.event import CaseEvent
from privacydesk.models.outbox import OutboxItem
from privacydesk.observability import logger

# SES event type -> what the mail's delivery became. Opens and clicks are not tracked (no pixels).
_DELIVERY = {
    "Send": "sent",
    "Delivery": "delivered",
    "Bounce": "bounced",
    "Complaint": "complained",
    "Reject": "rejected",
    "DeliveryDelay": "delayed",
    "Rendering Failure": "rejected",
}
# SES event type -> the key of its detail object in the event (SES's own spelling, not derivable).
_DETAIL = {
    "Send": "send",
    "Delivery": "delivery",
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Reject": "reject",
    "DeliveryDelay": "deliveryDelay",
    "Rendering Failure": "failure",
}
# When events arrive out of order, the stronger outcome stays: a late "delayed" never hides a bounce.
_STRENGTH = {None: 0, "sent": 0, "delayed": 1, "delivered": 2, "rejected": 3, "complained": 3, "bounced": 4}
# Mail to the team is not a legal notice; everything else we send a requester is.
_NOT_NOTICES = frozenset({"team_alert", "team_escalation", "digest"})
_TRIES = 5


@dataclass(frozen=True)
class DeliveryResult:
    """What was done with one SES event (no personal data: it is logged)."""

    outcome: str
    outbox_id: str | None


@dataclass(frozen=True)
class _SesEvent:
    """The parts of one SES event the desk acts on."""

    kind: str
    key: str
    message_id: str
    permanent_bounce: bool

    @property
    def delivery(self) -> str:
        return _DELIVERY[self.kind]


def record_delivery(
    event: dict[str, Any], ports: SendPorts, notices: DisclosureRepository | None = None
) -> DeliveryResult:
    """Record one SES event on its outbox item and case, once; a permanent bounce of a notice escalates."""
    kind = str(event["eventType"])
    if kind not in _DELIVERY:
        return DeliveryResult("ignored: not tracked", None)
    mail = event["mail"]
    notice = (mail.get("tags") or {}).get(NOTICE_TAG) or []
    if notice and notices is not None:
        return _notice_delivery(str(notice[0]), _DELIVERY[kind], notices, ports.clock())
    message_id = str(mail["messageId"])
    outbox_id = _outbox_id(mail, message_id, ports)
    if outbox_id is None:
        # Not one of ours (another sender on the same configuration set): nothing to record.
        return DeliveryResult("ignored: unknown mail", None)
    when = (event.get(_DETAIL[kind]) or {}).get("timestamp", mail["timestamp"])
    ses = _SesEvent(
        kind=kind,
        key=f"{kind}:{message_id}:{when}",
        message_id=message_id,
        permanent_bounce=kind == "Bounce" and (event.get("bounce") or {}).get("bounceType") == "Permanent",
    )
    for _ in range(_TRIES):
        item = ports.repo.get_outbox(outbox_id)
        if item is None:
            return DeliveryResult("ignored: mail no longer kept", outbox_id)
        if ses.key in item.delivery_events:
            return DeliveryResult("duplicate event", outbox_id)
        try:
            _write(item, ses, ports)
        except ConcurrentUpdateError:
            continue
        return DeliveryResult(ses.delivery, outbox_id)
    raise ConcurrentUpdateError("the mail or its case kept changing while the event was recorded")


def _notice_delivery(tag: str, delivery: str, notices: DisclosureRepository, now: datetime) -> DeliveryResult:
    disclosure_id, _, subject = tag.rpartition(".")
    if delivery == "sent" or not disclosure_id:
        return DeliveryResult("ignored: notice sent" if disclosure_id else "ignored: bad notice tag", None)
    # A notice that did not arrive leaves its person off the shareable list: the close reads it here.
    if notices.notice_delivery(disclosure_id, subject, delivery):
        notices.add_counts(disclosure_id, bounced=1)
        disclosure = notices.get_disclosure(disclosure_id)
        if disclosure is not None and disclosure.status in {
            DisclosureStatus.CLOSING,
            DisclosureStatus.CLOSED,
        }:
            # The close may already have listed this person as told: the team must take them off.
            logger.warning(
                "notice undelivered after its disclosure closed", extra={"disclosure": disclosure_id}
            )
            detail = {"subject": subject, "delivery": delivery}
            append_event(
                notices, disclosure_id, CaseEvent(disclosure_id, now, "undelivered_after_close", detail)
            )
    return DeliveryResult(f"notice {delivery}", None)


def _outbox_id(mail: dict[str, Any], message_id: str, ports: SendPorts) -> str | None:
    tagged = (mail.get("tags") or {}).get("outbox_id") or []
    if tagged:
        return str(tagged[0])
    return ports.repo.outbox_id_for_sent_message(message_id)


def _write(item: OutboxItem, ses: _SesEvent, ports: SendPorts) -> None:
    now = ports.clock()
    # A Send event for another SES id than the one recorded: the item went out twice (see send_outbox).
    duplicate = ses.kind == "Send" and item.ses_message_id not in {None, ses.message_id}
    if duplicate:
        logger.warning("duplicate send detected", extra={"outbox_id": item.outbox_id})
    alert = None
    if ses.permanent_bounce and item.template not in _NOT_NOTICES:
        # The clock keeps running: the team must reach the requester another way, now.
        reason = f"{ses.delivery} ({ses.message_id})"
        alert = team_alert("notice_bounced", item, ports.settings, now, reason=reason)
    stronger = ses.delivery if _STRENGTH[ses.delivery] > _STRENGTH[item.delivery] else item.delivery
    ports.repo.record_delivery(
        item,
        ses.key,
        delivery=stronger,
        duplicate=duplicate,
        case=_case_change(item, ses, now, ports),
        alert=alert,
    )


def _case_change(item: OutboxItem, ses: _SesEvent, now: datetime, ports: SendPorts) -> CaseChange | None:
    if ses.kind == "Send" or not item.case_ref:
        return None
    case = ports.repo.get_case(item.case_ref)
    if case is None:
        return None
    detail = {"outbox_id": item.outbox_id, "template": item.template, "ses_message_id": ses.message_id}
    events = [CaseEvent(case.ref, now, f"mail_{ses.delivery}", detail)]
    if ses.permanent_bounce and item.to == case.requester and "undeliverable" not in case.flags:
        # Recorded once, whether SES's event or the bounce mail to privacy@ arrives first.
        events.append(CaseEvent(case.ref, now, "requester_undeliverable", {"ses_message_id": ses.message_id}))
        case = replace(case, flags=(*case.flags, "undeliverable"))
    chained, chained_events = chain_events(case, events)
    return CaseChange(chained, case.version, chained_events)
