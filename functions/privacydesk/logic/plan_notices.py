"""Listing a disclosure's audience page by page and queuing one notice per person, resumable at any point.

Each page: recipients written in batches of 25, messages queued in batches of 10, then the cursor moved on the
disclosure under its version. A crash after queuing and before the cursor moves repeats that page: the same
recipient items are written again and the senders' conditional claim drops the second message.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from privacydesk.dal.interface import ConcurrentUpdateError
from privacydesk.logic.audit_chain import link_events
from privacydesk.logic.consent import ConsentError, may_contact, subject_id
from privacydesk.logic.disclosures import NoticePorts
from privacydesk.logic.outgoing_mail import sendable
from privacydesk.logic.render import FALLBACK_LANGUAGE, LANGUAGES
from privacydesk.models.consent import SHARING, ConsentRecord
from privacydesk.models.disclosure import Disclosure, DisclosureStatus, Recipient
from privacydesk.models.event import CaseEvent
from privacydesk.observability import logger

PAGE = 500
# A run stops starting pages once less than this much of its time is left (seconds).
_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class PlanOutcome:
    """What one planning run did (ids and counts only: it is logged)."""

    disclosure_id: str
    planned: int
    done: bool


def plan(disclosure_id: str, ports: NoticePorts, *, seconds_left: Callable[[], float]) -> PlanOutcome:
    """Plan pages until the audience is exhausted or the run's time is nearly up, then hand over."""
    disclosure = ports.store.get_disclosure(disclosure_id)
    planned = 0
    while disclosure is not None and disclosure.status is DisclosureStatus.PLANNING:
        recipients, cursor = _page(disclosure, ports)
        ports.store.put_recipients(recipients)
        ports.queue.send([{"disclosure": disclosure_id, "subject": r.subject} for r in recipients])
        try:
            disclosure = ports.store.save_disclosure(*_moved(disclosure, cursor, len(recipients), ports))
        except ConcurrentUpdateError:
            # Another run, or the close taking over: this run's page is repeated or no longer needed.
            return PlanOutcome(disclosure_id, planned, done=False)
        planned += len(recipients)
        if cursor is None:
            return PlanOutcome(disclosure_id, planned, done=True)
        if seconds_left() < _MARGIN_SECONDS:
            ports.queue.continue_planning(disclosure_id)
            return PlanOutcome(disclosure_id, planned, done=False)
    return PlanOutcome(disclosure_id, planned, done=True)


def resume_planning(ports: NoticePorts) -> int:
    """Ask again for every disclosure still planning; returns how many.

    A planning run hands over by queuing its continuation; if that message was lost (or never sent,
    when SQS failed right after the declaration), this is what starts planning again. A second run
    alongside a live one repeats at most one page, and stops at its first save.
    """
    planning = [d for d in ports.store.list_disclosures(100) if d.status is DisclosureStatus.PLANNING]
    for disclosure in planning:
        ports.queue.continue_planning(disclosure.disclosure_id)
    return len(planning)


def _moved(
    disclosure: Disclosure, cursor: str | None, count: int, ports: NoticePorts
) -> tuple[Disclosure, tuple[CaseEvent, ...]]:
    counts = replace(disclosure.counts, planned=disclosure.counts.planned + count)
    moved = replace(disclosure, cursor=cursor, counts=counts)
    if cursor is not None:
        return moved, ()
    now = ports.desk.clock()
    done = CaseEvent(disclosure.disclosure_id, now, "notices_planned", {"recipients": counts.planned})
    head, events = link_events(disclosure.chain, disclosure.disclosure_id, [done])
    return replace(moved, status=DisclosureStatus.NOTIFYING, planned_at=now, chain=head), events


def _page(disclosure: Disclosure, ports: NoticePorts) -> tuple[list[Recipient], str | None]:
    audience = disclosure.audience
    if audience.list_key is not None and audience.list_version is not None:
        return _list_page(disclosure, audience.list_key, audience.list_version, ports)
    records, cursor = ports.desk.repo.consent_page(disclosure.cursor, PAGE)
    purpose = audience.purpose or SHARING
    model = ports.desk.settings.consent_model
    chosen = [
        r
        for r in records
        if (may_contact(r, purpose, model) if audience.state == "may_contact" else _granted(r, purpose))
        and may_contact(r, SHARING, model)
    ]
    return [_recipient(disclosure, r.subject, r.address, r.language, True) for r in chosen], cursor


def _list_page(
    disclosure: Disclosure, key: str, version: str, ports: NoticePorts
) -> tuple[list[Recipient], str | None]:
    offset = int(disclosure.cursor or 0)
    lines, after = ports.lists.read_lines(key, version, offset, PAGE)
    secret = ports.desk.ledger_key()
    people: dict[str, tuple[str, str]] = {}
    skipped = 0
    for line in lines:
        address, _, language = line.strip("\ufeff \t\r\n").partition(",")
        address = address.strip()
        if not address or address.startswith("#"):
            continue
        try:
            if not sendable(address):
                raise ConsentError("not an address a notice can be sent to")
            people[subject_id(secret, address)] = (address, language.strip().lower())
        except ConsentError:
            skipped += 1
    if skipped:
        logger.warning(
            "audience lines skipped", extra={"disclosure": disclosure.disclosure_id, "lines": skipped}
        )
    # People who already refused sharing are not told about it: they will not be shared anyway.
    known = ports.desk.repo.consent_records(list(people))
    model = ports.desk.settings.consent_model
    chosen = [
        _recipient(disclosure, subject, address, language or _language(known.get(subject)), subject in known)
        for subject, (address, language) in people.items()
        if may_contact(known.get(subject), SHARING, model)
    ]
    return chosen, None if after is None else str(after)


def _recipient(
    disclosure: Disclosure, subject: str, address: str, language: str, in_ledger: bool
) -> Recipient:
    chosen = language if language in LANGUAGES else FALLBACK_LANGUAGE
    return Recipient(disclosure.disclosure_id, subject, address, chosen, in_ledger)


def _granted(record: ConsentRecord, purpose: str) -> bool:
    state = record.purposes.get(purpose)
    return state is not None and state.granted


def _language(record: ConsentRecord | None) -> str:
    return record.language if record else ""
