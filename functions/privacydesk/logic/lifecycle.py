"""The state machine of a right item: one transition table, and the one function that applies it."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from privacydesk.logic.clocks import compute_clocks, extension_open, stops_the_clock
from privacydesk.models.case import Case, RightItem
from privacydesk.models.event import CaseEvent
from privacydesk.models.rights import ItemState, Right


class Action(StrEnum):
    """Something that moves a right item: by the requester, the privacy team or the desk itself."""

    REQUIRE_VERIFICATION = "require_verification"
    VERIFY = "verify"
    START = "start"
    ASK = "ask"
    ANSWER = "answer"
    EXTEND = "extend"
    COMPLETE = "complete"
    DENY = "deny"
    WITHDRAW = "withdraw"
    CLOSE_UNVERIFIED = "close_unverified"


_S = ItemState
_OPEN = (
    _S.RECEIVED,
    _S.AWAITING_VERIFICATION,
    _S.VERIFIED,
    _S.IN_PROGRESS,
    _S.AWAITING_REQUESTER,
    _S.EXTENDED,
)

_WORKING = (_S.RECEIVED, _S.VERIFIED, _S.IN_PROGRESS, _S.EXTENDED)

# Every allowed move, and nothing else. An item that needs verification is moved to awaiting_verification
# as its case opens, and only VERIFY leads out of it towards fulfilment: completion without verification
# is unreachable.
TRANSITIONS: dict[tuple[ItemState, Action], ItemState] = {
    # Only for rights that need it, and only as a new case opens (open_case.py).
    (_S.RECEIVED, Action.REQUIRE_VERIFICATION): _S.AWAITING_VERIFICATION,
    (_S.AWAITING_VERIFICATION, Action.VERIFY): _S.VERIFIED,
    (_S.RECEIVED, Action.START): _S.IN_PROGRESS,
    (_S.VERIFIED, Action.START): _S.IN_PROGRESS,
    **{(s, Action.ASK): _S.AWAITING_REQUESTER for s in _WORKING},
    (_S.AWAITING_REQUESTER, Action.ANSWER): _S.IN_PROGRESS,
    **{(s, Action.EXTEND): _S.EXTENDED for s in (_S.RECEIVED, _S.VERIFIED, _S.IN_PROGRESS)},
    # While waiting on the requester a running clock can still be extended: the wait goes on, extended.
    **{(s, Action.EXTEND): s for s in (_S.AWAITING_VERIFICATION, _S.AWAITING_REQUESTER)},
    **{(s, Action.COMPLETE): _S.COMPLETED for s in _WORKING},
    **{(s, Action.DENY): _S.DENIED for s in _OPEN},
    **{(s, Action.WITHDRAW): _S.WITHDRAWN for s in _OPEN},
    (_S.AWAITING_VERIFICATION, Action.CLOSE_UNVERIFIED): _S.CLOSED_UNVERIFIED,
}
# States in which the desk waits on the requester: where the law allows, the clock stops.
WAITING_STATES = frozenset({_S.AWAITING_VERIFICATION, _S.AWAITING_REQUESTER})


class TransitionError(Exception):
    """The action is not allowed in the item's current state; the message names states, never people."""


class ExtensionRefusedError(TransitionError):
    """An extension asked for after its notice cutoff, or under a rule that has none."""


@dataclass(frozen=True)
class Change:
    """A case after an action, and the audit events (not yet chained) that record it."""

    case: Case
    events: tuple[CaseEvent, ...]
    moved: tuple[Right, ...]


def apply_action(
    case: Case,
    action: Action,
    *,
    now: datetime,
    today: date,
    actor: str,
    rights: Sequence[Right] | None = None,
    detail: dict[str, Any] | None = None,
    stop_the_clock: bool = True,
) -> Change:
    """Move the chosen items (all that can move, when none are named); one audit event per transition."""
    chosen = _chosen(case, action, rights, today)
    mover = _Mover(case, action, now, today, actor, stop_the_clock and stops_the_clock(case.regime))
    items = []
    for item in case.items:
        if item.right not in chosen:
            items.append(item)
            continue
        target = TRANSITIONS[(item.state, action)]
        moved = mover.move(item, target)
        mover.events.append(
            CaseEvent(
                case.ref,
                now,
                "state_changed",
                {
                    # The caller's detail first: it can never overwrite what the transition records.
                    **(detail or {}),
                    "right": item.right.value,
                    "action": action.value,
                    "from": item.state.value,
                    "to": target.value,
                    "due": moved.due.isoformat(),
                },
                actor=actor,
            )
        )
        items.append(moved)
    events = mover.events
    updated = replace(case, items=tuple(items))
    if action is Action.VERIFY and updated.verified_at is None:
        updated = replace(updated, verified_at=now)
    if case.is_open and not updated.is_open:
        updated = replace(updated, closed_at=now)
    return Change(updated, tuple(events), tuple(chosen))


def opened(case: Case, *, now: datetime, today: date, stop_the_clock: bool = True) -> Change:
    """A new case as it opens: rights that need verification move from received to waiting for it."""
    if not any(item.needs_verification for item in case.items):
        return Change(case, (), ())
    return apply_action(
        case, Action.REQUIRE_VERIFICATION, now=now, today=today, actor="system", stop_the_clock=stop_the_clock
    )


def allowed_actions(item: RightItem, today: date) -> tuple[Action, ...]:
    """What can be done to an item today (the console and the CLI offer these)."""
    return tuple(action for action in Action if _may(item, action, today))


def _chosen(case: Case, action: Action, rights: Sequence[Right] | None, today: date) -> list[Right]:
    movable = [item.right for item in case.items if _may(item, action, today)]
    if rights is None:
        if not movable:
            for item in case.items:
                if (item.state, action) in TRANSITIONS:
                    _refuse(item, action)  # the table allows it, a rule does not: say which rule
            states = ", ".join(sorted({item.state.value for item in case.items}))
            raise TransitionError(f"cannot {action.value}: no right of this case allows it ({states})")
        return movable
    known = {item.right: item for item in case.items}
    for right in rights:
        if right not in known:
            raise TransitionError(f"cannot {action.value}: this case has no {right.value} right")
        if right not in movable:
            _refuse(known[right], action)
    return list(dict.fromkeys(rights))


def _may(item: RightItem, action: Action, today: date) -> bool:
    if (item.state, action) not in TRANSITIONS:
        return False
    if action is Action.REQUIRE_VERIFICATION:
        return item.needs_verification
    if action is Action.EXTEND:
        # A stopped clock has no deadline running to extend.
        return not item.extended and item.paused_since is None and extension_open(item.clocks, today)
    return True


def _refuse(item: RightItem, action: Action) -> None:
    right = item.right.value
    if action is Action.EXTEND and (item.state, action) in TRANSITIONS:
        if item.extended:
            raise ExtensionRefusedError(f"the {right} right was already extended")
        if item.paused_since is not None:
            raise ExtensionRefusedError(
                f"the {right} right's clock is stopped while we wait on the requester"
            )
        cutoff = item.clocks.extension_notice_by
        why = f"the notice cutoff was {cutoff.isoformat()}" if cutoff else "its rule allows no extension"
        raise ExtensionRefusedError(f"cannot extend the {right} right: {why}")
    raise TransitionError(f"cannot {action.value} the {right} right: it is {item.state.value}")


@dataclass
class _Mover:
    """Moves items of one case for one action, stopping and restarting clocks where the law allows."""

    case: Case
    action: Action
    now: datetime
    today: date
    actor: str
    pauses: bool
    events: list[CaseEvent] = field(default_factory=list)

    def move(self, item: RightItem, target: ItemState) -> RightItem:
        moved = replace(item, state=target, extended=item.extended or self.action is Action.EXTEND)
        # A pause that began under stop-the-clock ends with the wait, even if the switch changed since.
        if item.paused_since is not None and target not in WAITING_STATES:
            return self._resume(moved, item.paused_since)
        if self.pauses and item.paused_since is None and target in WAITING_STATES:
            self._event("clock_paused", {"right": item.right.value})
            return replace(moved, paused_since=self.today)
        return moved

    def _resume(self, item: RightItem, since: date) -> RightItem:
        paused = item.clocks.paused_days + max(0, (self.today - since).days)
        old = item.clocks
        clocks = compute_clocks(old.regime, old.right, old.received, old.calendar, paused_days=paused)
        resumed = replace(item, clocks=clocks, paused_since=None)
        self._event(
            "clock_resumed",
            {
                "right": item.right.value,
                "paused_since": since.isoformat(),
                "paused_days": paused,
                "due_before": item.due.isoformat(),
                "due_after": resumed.due.isoformat(),
            },
        )
        return resumed

    def _event(self, kind: str, detail: dict[str, Any]) -> None:
        self.events.append(CaseEvent(self.case.ref, self.now, kind, detail, actor=self.actor))
