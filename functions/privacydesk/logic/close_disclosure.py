"""Closing a disclosure on its effective date: who may be shared, who may not and why, with a hashed manifest.

Only people whose notice was sent and not bounced, and who neither objected nor opted out of sharing by any
channel, may be shared. Everyone else (never told, notice failed, bounced, objected) is listed apart. The
close works page by page, one file pair per page, so a million recipients span several runs; the manifest
and the audit event come last.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from privacydesk.dal.interface import ConcurrentUpdateError
from privacydesk.logic.audit_chain import link_events
from privacydesk.logic.clocks import local_date
from privacydesk.logic.consent import may_contact
from privacydesk.logic.disclosures import NoticePorts, last_day_to_tell
from privacydesk.models.consent import SHARING, ConsentRecord
from privacydesk.models.disclosure import (
    UNDELIVERED,
    Disclosure,
    DisclosureStatus,
    ListPart,
    NoticeSend,
    NoticeState,
)
from privacydesk.models.event import CaseEvent

PAGE = 5000
_MARGIN_SECONDS = 30.0


def close_due(ports: NoticePorts, *, seconds_left: Callable[[], float]) -> int:
    """Close (or go on closing) every disclosure whose effective date has come; returns how many finished."""
    today = local_date(ports.desk.clock(), ports.desk.settings.timezone)
    finished = 0
    for disclosure in ports.store.list_disclosures(100):
        if disclosure.status is DisclosureStatus.CLOSED or disclosure.effective > today:
            continue
        current: Disclosure | None = disclosure
        while current is not None and current.status is not DisclosureStatus.CLOSED:
            if seconds_left() < _MARGIN_SECONDS:
                return finished
            try:
                current = close_step(current, ports)
            except ConcurrentUpdateError:
                # A planner's last page, or another close run: read where it stands and go on from there.
                current = ports.store.get_disclosure(disclosure.disclosure_id)
        finished += current is not None and current.status is DisclosureStatus.CLOSED
    return finished


def close_step(disclosure: Disclosure, ports: NoticePorts) -> Disclosure:
    """Sort one page of recipients into the two lists, or write the manifest when none are left."""
    # Planning stops here: the close takes the cursor over (a planner's next save fails on the version).
    after = disclosure.cursor if disclosure.status is DisclosureStatus.CLOSING else None
    page = ports.store.recipient_page(disclosure.disclosure_id, after, PAGE)
    if not page:
        return _finish(disclosure, ports)
    notices = ports.store.notices_between(disclosure.disclosure_id, after, page[-1].subject)
    records = ports.desk.repo.consent_records([r.subject for r in page])
    settings = ports.desk.settings
    rule = _Rule(settings.consent_model, last_day_to_tell(disclosure, settings), settings.timezone)
    shareable: list[dict[str, Any]] = []
    not_shared: list[dict[str, Any]] = []
    objected = 0
    for recipient in page:
        reason = rule.why_not(notices.get(recipient.subject), records.get(recipient.subject))
        line = {"subject": recipient.subject, "address": recipient.address}
        if reason is None:
            shareable.append(line)
        else:
            not_shared.append({**line, "reason": reason})
            objected += reason == "objected"
    number = len(disclosure.parts) // 2 + 1
    parts = (
        _write(ports, disclosure, "shareable", number, shareable),
        _write(ports, disclosure, "not_shared", number, not_shared),
    )
    counts = disclosure.counts
    moved = replace(
        disclosure,
        status=DisclosureStatus.CLOSING,
        cursor=page[-1].subject,
        parts=(*disclosure.parts, *parts),
        counts=replace(
            counts,
            shareable=(counts.shareable if after else 0) + len(shareable),
            not_shared=(counts.not_shared if after else 0) + len(not_shared),
            objected=(counts.objected if after else 0) + objected,
        ),
    )
    return ports.store.save_disclosure(moved)


@dataclass(frozen=True)
class _Rule:
    """Who may be shared: told in time, reached, and never refused (the ledger decides, at the close)."""

    model: str
    last_day_to_tell: date
    timezone: str

    def why_not(self, notice: NoticeSend | None, record: ConsentRecord | None) -> str | None:
        """None for a person who may be shared, else the reason they may not."""
        if not may_contact(record, SHARING, self.model):
            state = record.purposes.get(SHARING) if record else None
            return "objected" if state is not None else "no_consent"
        if notice is None or notice.state is not NoticeState.SENT or notice.sent_at is None:
            failed = notice is not None and notice.state is NoticeState.FAILED
            return "notice_failed" if failed else "not_told"
        if local_date(notice.sent_at, self.timezone) > self.last_day_to_tell:
            return "told_too_late"
        if notice.delivery in UNDELIVERED:
            # A complaint about the notice is read as the objection it most likely is.
            return notice.delivery
        if notice.delivery == "delayed":
            # Still on its way when the time to object ran out: this person may never have read it.
            return "delivery_delayed"
        return None


def _write(
    ports: NoticePorts, disclosure: Disclosure, kind: str, number: int, lines: list[dict[str, Any]]
) -> ListPart:
    body = "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines).encode()
    key = f"disclosures/{disclosure.disclosure_id}/{kind}/part-{number:05d}.jsonl"
    ports.lists.put(key, body)
    return ListPart(kind, key, len(lines), hashlib.sha256(body).hexdigest())


def _finish(disclosure: Disclosure, ports: NoticePorts) -> Disclosure:
    now = ports.desk.clock()
    counts = disclosure.counts
    tally = {
        "planned": counts.planned,
        "sent": counts.sent,
        "shareable": counts.shareable,
        "not_shared": counts.not_shared,
        "objected": counts.objected,
    }
    manifest = {
        "disclosure_id": disclosure.disclosure_id,
        "recipient": disclosure.recipient,
        "purpose": disclosure.purpose,
        "categories": list(disclosure.categories),
        "effective": disclosure.effective.isoformat(),
        "declared_at": disclosure.declared_at.isoformat(),
        "closed_at": now.isoformat(),
        "policy_version": disclosure.policy_version,
        "rule": "shareable: notice sent and not bounced, no objection or sharing opt-out by any channel",
        "counts": tally,
        "parts": [asdict(part) for part in disclosure.parts],
        "audit_chain_head": asdict(disclosure.chain),
    }
    body = (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()
    key = f"disclosures/{disclosure.disclosure_id}/manifest.json"
    ports.lists.put(key, body)
    digest = hashlib.sha256(body).hexdigest()
    closed = CaseEvent(
        disclosure.disclosure_id,
        now,
        "disclosure_closed",
        {"manifest_key": key, "manifest_sha256": digest, **tally},
    )
    head, events = link_events(disclosure.chain, disclosure.disclosure_id, [closed])
    moved = replace(
        disclosure,
        status=DisclosureStatus.CLOSED,
        closed_at=now,
        manifest_key=key,
        manifest_sha256=digest,
        chain=head,
    )
    closed_disclosure = ports.store.save_disclosure(moved, events)
    if ports.desk.heads is not None:
        # The closing event names the manifest's hash; its head in the WORM bucket fixes both for good.
        ports.desk.heads.put_head(disclosure.disclosure_id, head, now, "disclosure_closed")
    return closed_disclosure
