"""The tamper-evident audit trail: each event carries the hash of the one before it."""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from privacydesk.models.case import Case
from privacydesk.models.event import GENESIS, CaseEvent, ChainHead


@dataclass(frozen=True)
class ChainReport:
    """What verifying one case's audit chain found: intact, or the first broken link and why."""

    ref: str
    ok: bool
    events: int
    first_broken_seq: int | None
    reason: str
    anchors_checked: int

    def as_dict(self) -> dict[str, Any]:
        """The report as the JSON object the audit API and CLI return."""
        return {
            "ref": self.ref,
            "ok": self.ok,
            "events": self.events,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
            "anchors_checked": self.anchors_checked,
        }


def _canonical(value: Any, path: str) -> Any:
    # Floats are refused: DynamoDB stores numbers as Decimal, and a float read back is not always the
    # float written (0.1 becomes Decimal('0.1'), a different number), so its hash would no longer match.
    # Whole Decimals are what DynamoDB returns for the ints we wrote, so they count as those ints.
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        raise TypeError(f"{path} is a float; store it as a string or an integer")
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        raise TypeError(f"{path} is a fractional number; store it as a string")
    if isinstance(value, list | tuple):
        return [_canonical(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(name, str) for name in value):
            raise TypeError(f"{path} has a key that is not a string")
        return {name: _canonical(item, f"{path}.{name}") for name, item in value.items()}
    raise TypeError(f"{path} is a {type(value).__name__}, not a JSON value")


def canonical_sha256(content: dict[str, Any]) -> str:
    """The SHA-256 of a JSON object in canonical form (sorted keys, no spaces, no floats)."""
    text = json.dumps(_canonical(content, "event"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_hash(event: CaseEvent) -> str:
    """The SHA-256 of an event's canonical JSON (everything but its own hash)."""
    return canonical_sha256(
        {
            "case_ref": event.case_ref,
            "seq": event.seq,
            "at": event.at.isoformat(),
            "type": event.type,
            "actor": event.actor,
            "detail": event.detail,
            "prev_hash": event.prev_hash,
        }
    )


def chain_events(case: Case, events: Sequence[CaseEvent]) -> tuple[Case, tuple[CaseEvent, ...]]:
    """Number and link new events after the case's chain head; the case comes back with the new head."""
    head, chained = link_events(case.chain, case.ref, events)
    return replace(case, chain=head), chained


def link_events(
    head: ChainHead, ref: str, events: Sequence[CaseEvent]
) -> tuple[ChainHead, tuple[CaseEvent, ...]]:
    """Number and link events after `head` in the chain of `ref` (a case or a disclosure)."""
    chained: list[CaseEvent] = []
    for event in events:
        if event.case_ref != ref:
            raise ValueError("an event for another case cannot join this chain")
        linked = replace(event, seq=head.seq + 1, prev_hash=head.hash, hash="")
        linked = replace(linked, hash=event_hash(linked))
        chained.append(linked)
        head = ChainHead(seq=linked.seq, hash=linked.hash)
    return head, tuple(chained)


class Link(Protocol):
    """What any chained record carries: its place in the chain and the hashes linking it."""

    @property
    def seq(self) -> int: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


L = TypeVar("L", bound=Link)


def first_broken_link(
    ordered: Sequence[L], rehash: Callable[[L], str], belongs: Callable[[L], bool]
) -> tuple[int, str] | None:
    """The first event (by seq) that is missing, repeated, foreign, unlinked or edited, and why."""
    previous_hash = GENESIS.hash
    for index, event in enumerate(ordered):
        expected = index + 1
        if event.seq > expected:
            return expected, f"event {expected} missing"
        if event.seq < 1:
            return expected, f"an event has seq {event.seq} (never chained)"
        if event.seq < expected:
            return event.seq, f"event {event.seq} appears more than once"
        if not belongs(event):
            return expected, f"event {expected}: belongs to another chain"
        if event.prev_hash != previous_hash:
            return expected, f"event {expected}: prev_hash does not match the hash before it (link broken)"
        try:
            recomputed = rehash(event)
        except TypeError:
            return expected, f"event {expected}: detail is not canonical JSON (edited)"
        if recomputed != event.hash:
            return expected, f"event {expected}: content does not match its hash (edited)"
        previous_hash = event.hash
    return None


def _head_problem(
    by_seq: dict[int, CaseEvent], count: int, head: ChainHead, what: str
) -> tuple[int, str] | None:
    if head.seq > count:
        return count + 1, f"{what} at event {head.seq} but the chain has {count} events (truncated)"
    if head.seq == 0:
        return None if head.hash == GENESIS.hash else (1, f"the {what} before any event has a wrong hash")
    event = by_seq.get(head.seq)
    if event is None:
        return head.seq, f"event {head.seq} missing (the {what} refers to it)"
    if event.hash != head.hash:
        return head.seq, f"event {head.seq}: hash differs from the {what} (chain rewritten at or before it)"
    return None


def verify_chain(
    ref: str, events: Sequence[CaseEvent], head: ChainHead | None, anchors: Sequence[ChainHead]
) -> ChainReport:
    """Recompute a case's chain and check it against the case's head and the anchored heads."""
    ordered = sorted(events, key=lambda event: event.seq)
    by_seq: dict[int, CaseEvent] = {}
    for event in ordered:
        by_seq.setdefault(event.seq, event)
    count = len(ordered)
    problems: list[tuple[int, str]] = []
    if (link := first_broken_link(ordered, event_hash, lambda event: event.case_ref == ref)) is not None:
        problems.append(link)
    for anchor in sorted(anchors, key=lambda anchor: anchor.seq):
        if (found := _head_problem(by_seq, count, anchor, "anchored head")) is not None:
            problems.append(found)
    if head is not None:
        if head.seq < count:
            problems.append((head.seq + 1, f"the case records {head.seq} events but the chain has {count}"))
        elif (found := _head_problem(by_seq, count, head, "case's recorded head")) is not None:
            problems.append(found)
    if not problems:
        return ChainReport(ref, True, count, None, "intact", len(anchors))
    # Stable: on equal seqs the chain's own finding comes first, then anchors, then the case's head.
    seq, reason = min(problems, key=lambda problem: problem[0])
    return ChainReport(ref, False, count, seq, reason, len(anchors))
