"""A case: one thread with one person, holding one item per right asked for."""

from dataclasses import dataclass, field
from datetime import date, datetime

from privacydesk.models.clocks import Clocks
from privacydesk.models.event import GENESIS, ChainHead
from privacydesk.models.rights import TERMINAL_STATES, ItemState, Right

# Which open state speaks for the whole case: waiting on the requester first, then the furthest step the
# requester took (an opt-out that needs no check must not make a verified request look just received).
_CASE_STATE_PRIORITY = (
    ItemState.AWAITING_VERIFICATION,
    ItemState.AWAITING_REQUESTER,
    ItemState.VERIFIED,
    ItemState.RECEIVED,
    ItemState.IN_PROGRESS,
    ItemState.EXTENDED,
)


@dataclass(frozen=True)
class RightItem:
    """One right asked for in a case, with its own state, clocks and verification need."""

    right: Right
    state: ItemState
    needs_verification: bool
    clocks: Clocks
    extended: bool = False
    # Stop-the-clock: the day this item's clock was paused (waiting on the requester), None when running.
    paused_since: date | None = None

    @property
    def due(self) -> date:
        """The date this right must be answered by: the extended date once an extension was given."""
        if self.extended and self.clocks.extended_respond_by:
            return self.clocks.extended_respond_by
        return self.clocks.respond_by

    @property
    def is_open(self) -> bool:
        """True until the item reaches a final state."""
        return self.state not in TERMINAL_STATES


@dataclass(frozen=True)
class Agent:
    """An authorized agent acting for the data subject, and the permission they hold."""

    name: str = field(repr=False)
    email: str = field(repr=False)
    permission_ref: str = field(repr=False)


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
    calendar: str = "GB-ENG"
    source: str = "email"
    subject: str = field(default="", repr=False)
    on_behalf_of: str | None = field(default=None, repr=False)
    name: str = field(default="", repr=False)
    agent: Agent | None = None
    verdicts: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict, repr=False)
    flags: tuple[str, ...] = ()
    # Scheduled actions already taken (reminders, escalations; "acknowledged"), so none is taken twice.
    done: tuple[str, ...] = ()
    assignee: str | None = None
    verified_at: datetime | None = None
    closed_at: datetime | None = None
    status_token_hash: str | None = field(default=None, repr=False)
    chain: ChainHead = GENESIS
    version: int = 1

    @property
    def rights(self) -> tuple[Right, ...]:
        """The rights asked for, in the order they were recognised."""
        return tuple(item.right for item in self.items)

    @property
    def subject_address(self) -> str:
        """The data subject's address: the one identity verification is sent to."""
        return self.on_behalf_of or self.requester

    @property
    def is_open(self) -> bool:
        """True while any right item is still open."""
        return any(item.is_open for item in self.items)

    @property
    def state(self) -> str:
        """The case's state, derived from its items."""
        open_states = {item.state for item in self.items if item.is_open}
        for state in _CASE_STATE_PRIORITY:
            if state in open_states:
                return state.value
        final_states = {item.state for item in self.items}
        return final_states.pop().value if len(final_states) == 1 else "closed"

    @property
    def due(self) -> date | None:
        """The earliest deadline among the open items (None when all are closed)."""
        open_dues = [item.due for item in self.items if item.is_open]
        return min(open_dues) if open_dues else None
