"""Objections to planned disclosures: noted on each notice the person got, flagged once the close began."""

from dataclasses import replace
from datetime import datetime

from privacydesk.dal.interface import ConcurrentUpdateError, DisclosureRepository
from privacydesk.logic.audit_chain import link_events
from privacydesk.logic.disclosures import NoticePorts
from privacydesk.models.disclosure import DisclosureStatus
from privacydesk.models.event import CaseEvent

_TRIES = 5


def record_objections(subject: str, at: datetime, ports: NoticePorts) -> int:
    """Note a sharing withdrawal on every disclosure this person was told of; returns how many were late.

    The ledger already stops any future sharing; a late objection (once the close has begun) is also
    counted and written to the disclosure's audit trail, because the list made at the close may already
    have been handed over and the team must act on it.
    """
    late_ones = 0
    for disclosure in ports.store.list_disclosures(100):
        if not ports.store.get_recipients(disclosure.disclosure_id, [subject]):
            continue
        # Until the close has read this person, it honours the objection itself: only then is it late.
        late = disclosure.status in {DisclosureStatus.CLOSING, DisclosureStatus.CLOSED}
        if not ports.store.record_objection(disclosure.disclosure_id, subject, at, late=late):
            continue  # already noted (a replayed stream record)
        if late:
            detail = {"subject": subject, "objected_at": at.isoformat()}
            append_event(
                ports.store,
                disclosure.disclosure_id,
                CaseEvent(disclosure.disclosure_id, at, "late_objection", detail),
            )
            ports.store.add_counts(disclosure.disclosure_id, late_objections=1)
            late_ones += 1
    return late_ones


def append_event(store: DisclosureRepository, disclosure_id: str, event: CaseEvent) -> bool:
    """Chain one event onto a disclosure's audit trail; False when there is no such disclosure."""
    for _ in range(_TRIES):
        disclosure = store.get_disclosure(disclosure_id)
        if disclosure is None:
            return False
        head, events = link_events(disclosure.chain, disclosure_id, [event])
        try:
            store.save_disclosure(replace(disclosure, chain=head), events)
        except ConcurrentUpdateError:
            continue
        return True
    raise ConcurrentUpdateError("the disclosure kept changing while an event was added to its trail")
