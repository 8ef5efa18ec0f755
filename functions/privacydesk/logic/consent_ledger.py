"""The consent ledger's use cases: look a person up (now or as of a date), record a decision, filter a
mailing list, and export every subject's chain for an auditor."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from privacydesk.dal.interface import ConcurrentUpdateError
from privacydesk.logic.case_actions import DeskPorts
from privacydesk.logic.consent import (
    ConsentError,
    Decision,
    LedgerReport,
    UnknownPurposeError,
    may_contact,
    record_decisions,
    state_as_of,
    subject_id,
    verify_ledger,
)
from privacydesk.models.consent import ConsentEvent, ConsentRecord, ConsentSource, PurposeState

_TRIES = 3


@dataclass(frozen=True)
class ConsentAnswer:
    """A subject's ledger as of a moment: state per purpose, the events up to then, and the chain check."""

    subject: str
    address: str
    as_of: datetime
    states: dict[str, PurposeState]
    events: tuple[ConsentEvent, ...]
    report: LedgerReport
    model: str
    purposes: tuple[str, ...]

    def purpose_view(self) -> list[dict[str, Any]]:
        """Each purpose the deployment knows: the person's last word before `as_of`, or the default."""
        views = []
        for purpose in self.purposes:
            state = self.states.get(purpose)
            views.append(
                {
                    "purpose": purpose,
                    "state": "no_record" if state is None else ("granted" if state.granted else "withdrawn"),
                    "may_contact": state.granted if state else self.model != "opt_in",
                    "since": state.at.isoformat() if state else None,
                    "source": state.source.value if state else None,
                    "event": state.seq if state else None,
                }
            )
        return views


def lookup(address: str, ports: DeskPorts, as_of: datetime | None = None) -> ConsentAnswer:
    """What the person had agreed to or withdrawn at `as_of` (now when None), with the chain checked."""
    subject = subject_id(ports.ledger_key(), address)
    moment = as_of or ports.clock()
    record, events, report = _checked(subject, ports)
    return ConsentAnswer(
        subject=subject,
        address=record.address if record else address.strip(),
        as_of=moment,
        states=state_as_of(events, moment),
        events=tuple(e for e in events if e.at <= moment),
        report=report,
        model=ports.settings.consent_model,
        purposes=ports.settings.purposes,
    )


def _checked(subject: str, ports: DeskPorts) -> tuple[ConsentRecord | None, list[ConsentEvent], LedgerReport]:
    """The projection, every event (read even without a projection, so a deleted one shows) and the check."""
    for _ in range(_TRIES):
        record = ports.repo.get_consent(subject)
        events = ports.repo.consent_events(subject)
        report = verify_ledger(subject, events, record.chain if record else None)
        # A decision written between the two reads adds an event the projection read before it lacks.
        behind = len(events) > (record.chain.seq if record else 0)
        if report.ok or not behind:
            break
    return record, events, report


def record(
    address: str,
    decisions: Sequence[Decision],
    ports: DeskPorts,
    *,
    evidence: dict[str, Any],
    policy_version: str | None = None,
    language: str = "",
) -> ConsentAnswer:
    """Append decisions to the person's ledger (a grant from a sign-up form, an admin's correction...)."""
    subject = subject_id(ports.ledger_key(), address)
    for _ in range(_TRIES):
        change = record_decisions(
            ports.repo.get_consent(subject),
            subject=subject,
            address=address,
            decisions=decisions,
            policy_version=policy_version or ports.settings.policy_version,
            evidence=evidence,
            now=ports.clock(),
            purposes=ports.settings.purposes,
            language=language,
        )
        try:
            ports.repo.record_consent(change)
        except ConcurrentUpdateError:
            continue
        return lookup(address, ports)
    raise ConcurrentUpdateError("the person's consent record kept changing; try again")


def contactable(addresses: Sequence[str], purpose: str, ports: DeskPorts) -> list[str]:
    """The addresses that may be contacted for `purpose` now, in the order given (unreadable ones dropped)."""
    if purpose not in ports.settings.purposes:
        raise UnknownPurposeError(
            f"unknown purpose {purpose!r}; this deployment knows {', '.join(ports.settings.purposes)}"
        )
    key = ports.ledger_key()
    subjects: dict[str, str] = {}
    for address in addresses:
        try:
            subjects[address] = subject_id(key, address)
        except ConsentError:
            continue
    records = ports.repo.consent_records(list(subjects.values()))
    model = ports.settings.consent_model
    return [a for a, s in subjects.items() if may_contact(records.get(s), purpose, model)]


@dataclass(frozen=True)
class SubjectExport:
    """One subject's projection, every event, and the chain check, for an auditor."""

    record: ConsentRecord
    events: tuple[ConsentEvent, ...]
    report: LedgerReport


def export_page(after: str | None, limit: int, ports: DeskPorts) -> tuple[list[SubjectExport], str | None]:
    """A page of subjects (by subject id) with their chains checked; the cursor continues after the last."""
    listed, cursor = ports.repo.consent_page(after, limit)
    page = []
    for found in listed:
        record, events, report = _checked(found.subject, ports)
        page.append(SubjectExport(record or found, tuple(events), report))
    return page, cursor


def decisions_of(purpose: str, granted: bool, source: str) -> list[Decision]:
    """One decision, from the API's words."""
    return [Decision(purpose, granted, ConsentSource(source))]
