"""Objections to planned disclosures: noted on each notice the person got, flagged when after the date."""

from dataclasses import replace
from datetime import datetime

from privacydesk.dal.interface import ConcurrentUpdateError
from privacydesk.logic.audit_chain import link_events
from privacydesk.logic.clocks import local_date
from privacydesk.logic.disclosures import NoticePorts
from privacydesk.models.disclosure import DisclosureStatus
from privacydesk.models.event import CaseEvent

_TRIES = 5


def record_objections(subject: str, at: datetime, ports: NoticePorts) -> int:
    """Note a sharing withdrawal on every disclosure this person was told of; returns how many were late.

    The ledger already stops any future sharing; a late objection (on or after the effective date) is
    also counted and written to the disclosure's audit trail, because the list made at the close may
    already have been handed over and the team must act on it.
    """
    today = local_date(at, ports.desk.settings.timezone)
    late_ones = 0
    for disclosure in ports.store.list_disclosures(100):
        if not ports.store.get_recipients(disclosure.disclosure_id, [subject]):
            continue
        late = disclosure.status is DisclosureStatus.CLOSED or today >= disclosure.effective
        if not ports.store.record_objection(disclosure.disclosure_id, subject, at, late=late):
            continue  # already noted (a replayed stream record)
        if late:
            _flag_late(disclosure.disclosure_id, subject, at, ports)
            late_ones += 1
    return late_ones


def _flag_late(disclosure_id: str, subject: str, at: datetime, ports: NoticePorts) -> None:
    event = CaseEvent(
        disclosure_id, at, "late_objection", {"subject": subject, "objected_at": at.isoformat()}
    )
    for _ in range(_TRIES):
        disclosure = ports.store.get_disclosure(disclosure_id)
        if disclosure is None:
            return
        head, events = link_events(disclosure.chain, disclosure_id, [event])
        try:
            ports.store.save_disclosure(replace(disclosure, chain=head), events)
        except ConcurrentUpdateError:
            continue
        ports.store.add_counts(disclosure_id, late_objections=1)
        return
    raise ConcurrentUpdateError("the disclosure kept changing while a late objection was recorded")
