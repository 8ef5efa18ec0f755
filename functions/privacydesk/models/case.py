"""A case: one thread with one person, holding one item per right asked for."""

from dataclasses import dataclass, field
from datetime import date, datetime

from privacydesk.models.rights import TERMINAL_STATES, ItemState, Right

# Which open state speaks for the whole case: the one that most needs someone to act.
_CASE_STATE_PRIORITY = (
    ItemState.AWAITING_VERIFICATION,
    ItemState.AWAITING_REQUESTER,
    ItemState.RECEIVED,
    ItemState.VERIFIED,
    ItemState.IN_PROGRESS,
    ItemState.EXTENDED,
)


@dataclass(frozen=True)
class RightItem:
    """One right asked for in a case, with its own state, clock and verification need."""

    right: Right
    state: ItemState
    needs_verification: bool
    due: date


@dataclass(frozen=True)
class Case:
    """A privacy case as the desk sees it."""

    ref: str
    # Personal data stays out of repr(), which can reach logs and tracebacks.
    requester: str = field(repr=False)
    language: str
    received_at: datetime
    items: tuple[RightItem, ...]
    regime: str
    regime_reason: str
    source_message_id: str
    raw_key: str
    subject: str = field(default="", repr=False)
    on_behalf_of: str | None = field(default=None, repr=False)
    verdicts: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict, repr=False)
    flags: tuple[str, ...] = ()
    version: int = 1

    @property
    def rights(self) -> tuple[Right, ...]:
        """The rights asked for, in the order they were recognised."""
        return tuple(item.right for item in self.items)

    @property
    def state(self) -> str:
        """The case's state, derived from its items."""
        open_states = {item.state for item in self.items if item.state not in TERMINAL_STATES}
        for state in _CASE_STATE_PRIORITY:
            if state in open_states:
                return state.value
        final_states = {item.state for item in self.items}
        return final_states.pop().value if len(final_states) == 1 else "closed"

    @property
    def due(self) -> date | None:
        """The earliest deadline among the open items (None when all are closed)."""
        open_dues = [item.due for item in self.items if item.state not in TERMINAL_STATES]
        return min(open_dues) if open_dues else None
