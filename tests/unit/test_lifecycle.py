"""The right-item state machine: what a privacy officer sees move, and invariants of any action sequence."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privacydesk.config import REGIMES, Settings, load_settings
from privacydesk.logic.audit_chain import chain_events, verify_chain
from privacydesk.logic.clocks import compute_clocks, extension_open, is_working_day
from privacydesk.logic.lifecycle import (
    TRANSITIONS,
    WAITING_STATES,
    Action,
    Change,
    ExtensionRefusedError,
    TransitionError,
    apply_action,
    opened,
)
from privacydesk.logic.open_case import right_items
from privacydesk.models.case import Case, RightItem
from privacydesk.models.event import CaseEvent
from privacydesk.models.rights import TERMINAL_STATES, ItemState, Right

REF = "PD-7KQ4-M9XW-C2HT"
# A Monday; one month on is Thursday 2 April 2026, just before the Easter weekend in England.
RECEIVED = date(2026, 3, 2)
_ENV = {
    "CASES_TABLE": "cases",
    "IDEMPOTENCY_TABLE": "idem",
    "MAIL_BUCKET": "mail",
    "SENDER_ADDRESS": "privacy@example.com",
    "TEAM_ADDRESS": "team@example.com",
}
_S = ItemState
_A = Action


@cache
def _settings(calendar: str = "GB-ENG", stop_the_clock: bool = True) -> Settings:
    switch = "true" if stop_the_clock else "false"
    return load_settings({**_ENV, "HOLIDAY_CALENDAR": calendar, "STOP_THE_CLOCK": switch})


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def _case(
    *rights: Right,
    regime: str = "gdpr",
    received: date = RECEIVED,
    calendar: str = "GB-ENG",
    stop_the_clock: bool = True,
) -> Case:
    items = right_items(rights, regime, _at(received), _settings(calendar, stop_the_clock))
    case = Case(
        REF,
        "ana@example.org",
        "en",
        _at(received),
        items,
        regime,
        "test",
        "m-1",
        "raw/m-1",
        calendar=calendar,
    )
    # As a case opens: rights that need verification move from received to waiting for it.
    return opened(case, now=_at(received), today=received, stop_the_clock=stop_the_clock).case


def _act(
    case: Case,
    action: Action,
    day: date = RECEIVED,
    rights: Sequence[Right] | None = None,
    *,
    stop_the_clock: bool = True,
) -> Change:
    return apply_action(
        case, action, now=_at(day), today=day, actor="team:sam", rights=rights, stop_the_clock=stop_the_clock
    )


def _run(case: Case, *steps: tuple[Action, date]) -> Case:
    for action, day in steps:
        case = _act(case, action, day).case
    return case


def _item(case: Case, right: Right) -> RightItem:
    (item,) = [i for i in case.items if i.right is right]
    return item


def _state_events(change: Change) -> list[CaseEvent]:
    return [e for e in change.events if e.type == "state_changed"]


# --- verification gates fulfilment ---------------------------------------------------------------


@pytest.mark.parametrize("right", [Right.ACCESS, Right.PORTABILITY, Right.RECTIFICATION, Right.ERASURE])
def test_a_right_that_hands_out_or_changes_data_waits_for_verification(right: Right) -> None:
    # GIVEN a new case asking for a right that needs identity checked
    case = _case(right)
    # THEN its item waits for verification
    assert _item(case, right).state is _S.AWAITING_VERIFICATION
    assert _item(case, right).needs_verification
    assert case.state == "awaiting_verification"


@pytest.mark.parametrize("action", [_A.COMPLETE, _A.START, _A.ASK, _A.ANSWER])
@pytest.mark.parametrize("named", [False, True], ids=["all_rights", "named_right"])
def test_an_unverified_access_item_cannot_be_worked_on(action: Action, named: bool) -> None:
    # GIVEN an access request not yet verified
    case = _case(Right.ACCESS)
    # WHEN the team tries to complete, start, ask or answer it
    # THEN it is refused, and the message names the state it is stuck in
    with pytest.raises(TransitionError, match="awaiting_verification"):
        _act(case, action, rights=[Right.ACCESS] if named else None)


def test_a_running_clock_can_be_extended_while_waiting_for_verification_a_stopped_one_cannot() -> None:
    # GIVEN a GDPR access request waiting for verification: its clock runs
    case = _case(Right.ACCESS)
    # WHEN the team extends it
    change = _act(case, _A.EXTEND, RECEIVED + timedelta(days=3))
    # THEN it keeps waiting, now with the extended date, and the audit says so
    item = _item(change.case, Right.ACCESS)
    assert (item.state, item.extended, item.due) == (
        _S.AWAITING_VERIFICATION,
        True,
        item.clocks.extended_respond_by,
    )
    (event,) = _state_events(change)
    assert (event.detail["action"], event.detail["from"], event.detail["to"]) == (
        "extend",
        "awaiting_verification",
        "awaiting_verification",
    )
    # BUT under UK GDPR the clock is stopped while waiting: there is nothing running to extend
    stopped = _case(Right.ACCESS, regime="uk_gdpr")
    with pytest.raises(ExtensionRefusedError, match="stopped"):
        _act(stopped, _A.EXTEND, RECEIVED + timedelta(days=3))


def test_after_verification_an_access_item_can_be_completed() -> None:
    # GIVEN an access request
    case = _case(Right.ACCESS)
    # WHEN the data subject verifies and the team then completes it
    verified = _act(case, _A.VERIFY, RECEIVED + timedelta(days=1))
    completed = _act(verified.case, _A.COMPLETE, RECEIVED + timedelta(days=5))
    # THEN it went awaiting_verification -> verified -> completed, one audit event per move
    assert _item(verified.case, Right.ACCESS).state is _S.VERIFIED
    assert _item(completed.case, Right.ACCESS).state is _S.COMPLETED
    assert [
        (e.detail["from"], e.detail["to"]) for e in _state_events(verified) + _state_events(completed)
    ] == [
        ("awaiting_verification", "verified"),
        ("verified", "completed"),
    ]
    assert completed.moved == (Right.ACCESS,)


@pytest.mark.parametrize("regime", ["gdpr", "ccpa", "can_spam"])
@pytest.mark.parametrize("right", [Right.MARKETING_OPT_OUT, Right.SHARING_OPT_OUT])
def test_an_opt_out_is_completed_without_any_verification(right: Right, regime: str) -> None:
    # GIVEN an opt-out
    case = _case(right, regime=regime)
    assert _item(case, right).state is _S.RECEIVED
    assert not _item(case, right).needs_verification
    # WHEN the team completes it straight away
    change = _act(case, _A.COMPLETE)
    # THEN it is completed, and nobody was ever asked to verify
    assert _item(change.case, right).state is _S.COMPLETED
    assert change.case.verified_at is None
    (event,) = _state_events(change)
    assert {key: event.detail[key] for key in ("right", "action", "from", "to")} == {
        "right": right.value,
        "action": "complete",
        "from": "received",
        "to": "completed",
    }


# --- naming rights ---------------------------------------------------------------------------------


def test_naming_a_right_the_case_does_not_have_is_refused() -> None:
    # GIVEN an access request
    case = _case(Right.ACCESS)
    # WHEN the team verifies "erasure"
    # THEN it is refused: the case has no erasure right
    with pytest.raises(TransitionError, match="no erasure right"):
        _act(case, _A.VERIFY, rights=[Right.ERASURE])


def test_naming_a_right_whose_state_does_not_allow_the_action_is_refused_and_nothing_moves() -> None:
    # GIVEN an access request and a marketing opt-out
    case = _case(Right.ACCESS, Right.MARKETING_OPT_OUT)
    # WHEN the team verifies the opt-out (it was never waiting for verification)
    # THEN it is refused, naming its state
    with pytest.raises(TransitionError, match="marketing_opt_out right: it is received"):
        _act(case, _A.VERIFY, rights=[Right.MARKETING_OPT_OUT])
    # AND naming one right that can move with one that cannot refuses the whole action
    with pytest.raises(TransitionError, match="marketing_opt_out"):
        _act(case, _A.VERIFY, rights=[Right.ACCESS, Right.MARKETING_OPT_OUT])
    assert _item(case, Right.ACCESS).state is _S.AWAITING_VERIFICATION


def test_without_rights_every_item_that_can_move_moves_and_the_others_are_untouched() -> None:
    # GIVEN access, erasure and a marketing opt-out
    case = _case(Right.ACCESS, Right.ERASURE, Right.MARKETING_OPT_OUT)
    # WHEN the team completes "everything"
    completed = _act(case, _A.COMPLETE)
    # THEN only the opt-out moves; the two unverified items are exactly as they were
    assert completed.moved == (Right.MARKETING_OPT_OUT,)
    assert _item(completed.case, Right.MARKETING_OPT_OUT).state is _S.COMPLETED
    assert _item(completed.case, Right.ACCESS) == _item(case, Right.ACCESS)
    assert _item(completed.case, Right.ERASURE) == _item(case, Right.ERASURE)
    # AND WHEN the subject then verifies
    verified = _act(completed.case, _A.VERIFY)
    # THEN both items that were waiting move, and the completed opt-out does not
    assert verified.moved == (Right.ACCESS, Right.ERASURE)
    assert [e.detail["right"] for e in _state_events(verified)] == ["access", "erasure"]
    assert _item(verified.case, Right.MARKETING_OPT_OUT) == _item(completed.case, Right.MARKETING_OPT_OUT)


def test_an_action_no_item_allows_is_refused_naming_the_states() -> None:
    # GIVEN a case whose only item is completed
    case = _act(_case(Right.MARKETING_OPT_OUT), _A.COMPLETE).case
    # WHEN anything is done to it THEN it is refused, naming the state
    for action in Action:
        with pytest.raises(TransitionError, match="completed"):
            _act(case, action)


# --- closed_at and verified_at ----------------------------------------------------------------------


@pytest.mark.parametrize("last", [_A.COMPLETE, _A.DENY, _A.WITHDRAW])
def test_closed_at_is_set_exactly_when_the_last_open_item_closes(last: Action) -> None:
    # GIVEN an access request and a marketing opt-out
    case = _case(Right.ACCESS, Right.MARKETING_OPT_OUT)
    # WHEN the opt-out is completed THEN the case is still open
    case = _act(case, _A.COMPLETE, RECEIVED + timedelta(days=1), [Right.MARKETING_OPT_OUT]).case
    assert case.closed_at is None
    assert case.is_open
    # AND WHEN the access item is verified THEN still open
    case = _act(case, _A.VERIFY, RECEIVED + timedelta(days=2)).case
    assert case.closed_at is None
    # AND WHEN the last open item closes THEN closed_at is that moment
    closing_day = RECEIVED + timedelta(days=9)
    case = _act(case, last, closing_day, [Right.ACCESS]).case
    assert case.closed_at == _at(closing_day)
    assert not case.is_open


def test_closing_an_unverified_case_sets_closed_at() -> None:
    # GIVEN an erasure request never verified
    day = RECEIVED + timedelta(days=30)
    # WHEN the desk closes it as unverified
    case = _act(_case(Right.ERASURE), _A.CLOSE_UNVERIFIED, day).case
    # THEN it is closed_unverified, closed at that moment, and never counted as verified
    assert case.state == "closed_unverified"
    assert case.closed_at == _at(day)
    assert case.verified_at is None


def test_verified_at_is_set_by_verify_and_kept_afterwards() -> None:
    # GIVEN an access request
    case = _case(Right.ACCESS, Right.MARKETING_OPT_OUT)
    # WHEN actions other than VERIFY happen THEN verified_at stays empty
    case = _act(case, _A.COMPLETE, RECEIVED, [Right.MARKETING_OPT_OUT]).case
    assert case.verified_at is None
    # WHEN the subject verifies THEN verified_at is that moment
    day = RECEIVED + timedelta(days=3)
    case = _act(case, _A.VERIFY, day).case
    assert case.verified_at == _at(day)
    # AND later actions do not change it
    case = _run(case, (_A.START, day + timedelta(days=1)), (_A.COMPLETE, day + timedelta(days=2)))
    assert case.verified_at == _at(day)


# --- extensions ------------------------------------------------------------------------------------


def _verified_access(regime: str = "gdpr") -> Case:
    return _act(_case(Right.ACCESS, regime=regime, stop_the_clock=False), _A.VERIFY, RECEIVED).case


def test_an_extension_is_allowed_on_the_cutoff_day_itself() -> None:
    # GIVEN a verified GDPR access item
    case = _verified_access()
    cutoff = _item(case, Right.ACCESS).clocks.extension_notice_by
    assert cutoff == date(2026, 4, 2)
    # WHEN the team extends on the cutoff day
    change = _act(case, _A.EXTEND, cutoff)
    # THEN it is extended
    assert _item(change.case, Right.ACCESS).state is _S.EXTENDED


def test_an_extension_after_the_notice_cutoff_is_refused() -> None:
    # GIVEN a verified GDPR access item
    case = _verified_access()
    cutoff = _item(case, Right.ACCESS).clocks.extension_notice_by
    assert cutoff is not None
    # WHEN the team extends the day after the cutoff
    # THEN it is refused, naming the cutoff
    with pytest.raises(ExtensionRefusedError, match=f"cutoff was {cutoff.isoformat()}"):
        _act(case, _A.EXTEND, cutoff + timedelta(days=1))


def test_an_item_is_extended_only_once() -> None:
    # GIVEN an extended access item
    case = _act(_verified_access(), _A.EXTEND, RECEIVED + timedelta(days=5)).case
    # WHEN it is extended again THEN it is refused
    with pytest.raises(TransitionError, match="it is extended"):
        _act(case, _A.EXTEND, RECEIVED + timedelta(days=6), [Right.ACCESS])
    # AND even after a question and an answer put it back in progress, a second extension is refused
    case = _run(case, (_A.ASK, RECEIVED + timedelta(days=7)), (_A.ANSWER, RECEIVED + timedelta(days=8)))
    assert _item(case, Right.ACCESS).state is _S.IN_PROGRESS
    with pytest.raises(ExtensionRefusedError, match="already extended"):
        _act(case, _A.EXTEND, RECEIVED + timedelta(days=9), [Right.ACCESS])


@pytest.mark.parametrize(
    ("regime", "right"), [("ccpa", Right.SHARING_OPT_OUT), ("can_spam", Right.MARKETING_OPT_OUT)]
)
def test_an_opt_out_whose_rule_has_no_extension_cannot_be_extended(regime: str, right: Right) -> None:
    # GIVEN a CCPA sharing opt-out (15 business days, no extension) or a CAN-SPAM opt-out
    case = _case(right, regime=regime)
    assert _item(case, right).clocks.extension_notice_by is None
    # WHEN the team extends it on the day it arrived
    # THEN it is refused: the rule allows no extension
    with pytest.raises(ExtensionRefusedError, match="allows no extension"):
        _act(case, _A.EXTEND, RECEIVED, [right])


@pytest.mark.parametrize("regime", ["gdpr", "uk_gdpr", "ccpa", "vcdpa", "pipeda"])
def test_after_an_extension_the_due_date_is_the_extended_respond_by(regime: str) -> None:
    # GIVEN a verified access item
    case = _verified_access(regime)
    clocks = _item(case, Right.ACCESS).clocks
    assert _item(case, Right.ACCESS).due == clocks.respond_by
    # WHEN the team extends it
    change = _act(case, _A.EXTEND, RECEIVED + timedelta(days=10))
    # THEN its due date is the extended respond-by, and the audit event says so
    item = _item(change.case, Right.ACCESS)
    assert item.extended
    assert item.due == clocks.extended_respond_by
    assert item.clocks == clocks
    (event,) = _state_events(change)
    assert event.detail["due"] == item.due.isoformat()


def test_extending_all_rights_extends_those_that_can_be_and_leaves_an_opt_out_alone() -> None:
    # GIVEN a CCPA access request with a Sec-GPC sharing opt-out (15 business days, never extendable)
    case = _act(_case(Right.ACCESS, Right.SHARING_OPT_OUT, regime="ccpa"), _A.VERIFY).case
    # WHEN the team extends "the case" (no rights named)
    change = _act(case, _A.EXTEND, RECEIVED + timedelta(days=3))
    # THEN the access item is extended and the opt-out is untouched
    assert change.moved == (Right.ACCESS,)
    assert _item(change.case, Right.SHARING_OPT_OUT) == _item(case, Right.SHARING_OPT_OUT)


def test_a_callers_detail_cannot_rewrite_what_the_audit_event_says_moved() -> None:
    # GIVEN a marketing opt-out
    case = _case(Right.MARKETING_OPT_OUT)
    # WHEN it is denied with a detail that happens to carry a "to" key
    change = apply_action(
        case, _A.DENY, now=_at(RECEIVED), today=RECEIVED, actor="team:sam", detail={"to": "completed"}
    )
    # THEN the audit event still says it was denied
    (event,) = _state_events(change)
    assert event.detail["to"] == "denied"


# --- stop-the-clock (UK GDPR) --------------------------------------------------------------------------


def test_uk_gdpr_access_starts_paused_and_verification_resumes_it_ten_days_later() -> None:
    # GIVEN a UK GDPR access request received Monday 2 March 2026, England's holidays
    case = _case(Right.ACCESS, regime="uk_gdpr")
    item = _item(case, Right.ACCESS)
    # THEN its clock is stopped from the day it arrived, due 2 April as if nothing were paused
    assert item.paused_since == RECEIVED
    assert item.due == date(2026, 4, 2)
    # WHEN the subject verifies ten days later
    change = _act(case, _A.VERIFY, RECEIVED + timedelta(days=10))
    resumed = _item(change.case, Right.ACCESS)
    # THEN the clock runs again, ten paused days recorded, and every date moves later by ten calendar days:
    # 2 April + 10 = Sunday 12 April, rolled to Monday 13 April
    assert resumed.paused_since is None
    assert resumed.clocks.paused_days == 10
    assert resumed.due == date(2026, 4, 13)
    assert resumed.clocks == compute_clocks("uk_gdpr", "access", RECEIVED, "GB-ENG", paused_days=10)
    assert resumed.clocks.extension_notice_by == date(2026, 4, 13)
    # AND the trail says when it resumed and how the due date moved
    (event,) = [e for e in change.events if e.type == "clock_resumed"]
    assert event.detail == {
        "right": "access",
        "paused_since": "2026-03-02",
        "paused_days": 10,
        "due_before": "2026-04-02",
        "due_after": "2026-04-13",
    }


@pytest.mark.parametrize(
    ("regime", "stop_the_clock"), [("uk_gdpr", False), ("gdpr", True), ("ccpa", True)], ids=str
)
def test_without_stop_the_clock_nothing_pauses_and_dates_never_move(
    regime: str, stop_the_clock: bool
) -> None:
    # GIVEN an access request where the clock may not stop (switched off, or not UK GDPR)
    case = _case(Right.ACCESS, regime=regime, stop_the_clock=stop_the_clock)
    before = _item(case, Right.ACCESS)
    assert before.paused_since is None
    # WHEN it is verified ten days later, then asked, answered and completed weeks apart
    steps = [(_A.VERIFY, 10), (_A.START, 11), (_A.ASK, 12), (_A.ANSWER, 30), (_A.COMPLETE, 31)]
    for action, days in steps:
        change = _act(case, action, RECEIVED + timedelta(days=days), stop_the_clock=stop_the_clock)
        case = change.case
        # THEN no clock event is written and no date moves
        assert {e.type for e in change.events} == {"state_changed"}
        assert _item(case, Right.ACCESS).paused_since is None
        assert _item(case, Right.ACCESS).clocks == before.clocks


def test_asking_pauses_an_in_progress_uk_gdpr_item_and_the_answer_resumes_it() -> None:
    # GIVEN a UK GDPR access item verified on the day it arrived, in progress
    case = _run(_case(Right.ACCESS, regime="uk_gdpr"), (_A.VERIFY, RECEIVED), (_A.START, RECEIVED))
    assert _item(case, Right.ACCESS).clocks.paused_days == 0
    due = _item(case, Right.ACCESS).due
    # WHEN the team asks the requester a question
    asked_on = RECEIVED + timedelta(days=4)
    asked = _act(case, _A.ASK, asked_on)
    # THEN the item waits on the requester with its clock stopped, and the trail says so
    item = _item(asked.case, Right.ACCESS)
    assert item.state is _S.AWAITING_REQUESTER
    assert item.paused_since == asked_on
    assert item.due == due
    assert [e.type for e in asked.events] == ["clock_paused", "state_changed"]
    # WHEN the requester answers a week later
    answered = _act(asked.case, _A.ANSWER, asked_on + timedelta(days=7))
    # THEN work resumes and the dates move later by the seven paused days
    item = _item(answered.case, Right.ACCESS)
    assert item.state is _S.IN_PROGRESS
    assert item.paused_since is None
    assert item.clocks.paused_days == 7
    assert item.due == compute_clocks("uk_gdpr", "access", RECEIVED, "GB-ENG", paused_days=7).respond_by
    (resumed,) = [e for e in answered.events if e.type == "clock_resumed"]
    assert resumed.detail["due_before"] == due.isoformat()
    assert resumed.detail["due_after"] == item.due.isoformat()


# --- properties of any sequence of actions ---------------------------------------------------------------

_CALENDARS = ("GB-ENG", "DE", "US-CA")
# Actions that close items are drawn less often, so that sequences get far enough to verify, ask and extend.
_CLOSING = (_A.DENY, _A.WITHDRAW, _A.CLOSE_UNVERIFIED)
_WEIGHTED_ACTIONS = tuple(a for a in Action for _ in range(1 if a in _CLOSING else 4))


@dataclass(frozen=True)
class _Step:
    action: Action
    rights: tuple[Right, ...] | None
    days: int


@dataclass(frozen=True)
class _Scenario:
    regime: str
    rights: tuple[Right, ...]
    received: date
    calendar: str
    stop_the_clock: bool
    steps: int


_SCENARIOS = st.builds(
    _Scenario,
    # Every regime; UK GDPR drawn twice as often, as it is the only one whose clock stops.
    regime=st.sampled_from((*REGIMES, "uk_gdpr")),
    rights=st.lists(st.sampled_from(Right), min_size=1, max_size=len(Right), unique=True).map(tuple),
    received=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    calendar=st.sampled_from(_CALENDARS),
    stop_the_clock=st.booleans(),
    steps=st.integers(1, 25),
)


def _next_step(case: Case) -> st.SearchStrategy[_Step]:
    """Any action, or as often one that some item of the case allows now (else most would be refused)."""
    possible = [a for a in _WEIGHTED_ACTIONS if any((i.state, a) in TRANSITIONS for i in case.items)]
    action = st.sampled_from(_WEIGHTED_ACTIONS)
    if possible:
        action = st.one_of(st.sampled_from(possible), action)
    named = st.one_of(
        st.none(),
        st.lists(st.sampled_from(case.rights), min_size=1, max_size=len(case.rights), unique=True).map(tuple),
        # Now and then a right the case may not have.
        st.lists(st.sampled_from(Right), min_size=1, max_size=2, unique=True).map(tuple),
    )
    return st.builds(_Step, action, named, st.integers(0, 20))


def _expected_moves(
    case: Case, action: Action, rights: Sequence[Right] | None, today: date
) -> list[Right] | None:
    """What the table says should move, or None when the action must be refused."""
    # EXTEND also needs an item not yet extended whose notice cutoff has not passed.
    movable = [
        item.right
        for item in case.items
        if (item.state, action) in TRANSITIONS
        and (action is not _A.REQUIRE_VERIFICATION or item.needs_verification)
        and (
            action is not _A.EXTEND
            or (not item.extended and item.paused_since is None and extension_open(item.clocks, today))
        )
    ]
    if rights is None:
        chosen = movable
    elif all(right in movable for right in rights):
        chosen = list(dict.fromkeys(rights))
    else:
        return None
    return chosen or None


def _check_step(
    before: Case, after: Case, new: Sequence[CaseEvent], trail: Sequence[CaseEvent], pauses: bool
) -> None:
    old = {item.right: item for item in before.items}
    state_events = [e for e in new if e.type == "state_changed"]
    by_right = {e.detail["right"]: e for e in state_events}
    # Every transition writes exactly one audit event, naming the right, where it came from and went to
    # (an extension while waiting keeps the state: it shows as the extended flag changing).
    changed = [
        item
        for item in after.items
        if (item.state, item.extended) != (old[item.right].state, old[item.right].extended)
    ]
    assert len(changed) == len(state_events) == len(by_right)
    for item in changed:
        event = by_right[item.right.value]
        assert (event.detail["from"], event.detail["to"]) == (old[item.right].state.value, item.state.value)
        assert TRANSITIONS[(old[item.right].state, Action(event.detail["action"]))] is item.state
        assert event.detail["due"] == item.due.isoformat()
    resumed = {e.detail["right"] for e in new if e.type == "clock_resumed"}
    extended = {e.detail["right"] for e in state_events if e.detail["action"] == "extend"}
    for item in after.items:
        was = old[item.right]
        # A terminal state is final: the item never changes again.
        if not was.is_open:
            assert item == was
        # Dates move only through an extension or a resumed clock.
        if item.due != was.due:
            assert item.right.value in extended | resumed
        if item.clocks != was.clocks:
            assert item.right.value in resumed
        assert item.clocks.respond_by >= item.clocks.received
        assert item.due >= item.clocks.received
        # The clock is stopped exactly while the item waits on the requester, where the law allows.
        assert (item.paused_since is not None) is (pauses and item.state in WAITING_STATES)
    # Completion of a right that needs verification comes after a verify event for that right.
    for item in after.items:
        if item.needs_verification and item.state is _S.COMPLETED:
            done = next(
                e.seq
                for e in trail
                if e.type == "state_changed"
                and e.detail["right"] == item.right.value
                and e.detail["to"] == "completed"
            )
            assert any(
                e.seq < done
                and e.type == "state_changed"
                and e.detail["right"] == item.right.value
                and e.detail["action"] == "verify"
                for e in trail
            )
    # The case closes exactly when its last open item does, and stays closed at that moment.
    if before.closed_at is not None:
        assert after.closed_at == before.closed_at
    elif before.is_open and not after.is_open:
        assert after.closed_at == new[0].at
    else:
        assert after.closed_at is None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=_SCENARIOS, data=st.data())
def test_any_sequence_of_actions_keeps_the_lifecycle_invariants(
    scenario: _Scenario, data: st.DataObject
) -> None:
    # GIVEN a case of random rights, regime, calendar and day of receipt
    case = _case(
        *scenario.rights,
        regime=scenario.regime,
        received=scenario.received,
        calendar=scenario.calendar,
        stop_the_clock=scenario.stop_the_clock,
    )
    pauses = scenario.stop_the_clock and scenario.regime == "uk_gdpr"
    trail: list[CaseEvent] = []
    today = scenario.received
    verified_at = None
    for _ in range(scenario.steps):
        # WHEN time passes and the next action is tried
        step = data.draw(_next_step(case))
        today += timedelta(days=step.days)
        expected = _expected_moves(case, step.action, step.rights, today)
        try:
            change = _act(case, step.action, today, step.rights, stop_the_clock=scenario.stop_the_clock)
        except TransitionError:
            # THEN a refusal is justified by the table, and (the case being immutable) changes nothing
            assert expected is None
            continue
        assert expected is not None
        assert list(change.moved) == expected
        after, chained = chain_events(change.case, change.events)
        trail.extend(chained)
        # THEN every invariant holds after the step
        _check_step(case, after, chained, trail, pauses)
        if step.action is _A.VERIFY and verified_at is None:
            verified_at = _at(today)
        assert after.verified_at == verified_at
        report = verify_chain(REF, trail, after.chain, [])
        assert report.ok, report.reason
        assert report.events == len(trail)
        case = after


@settings(max_examples=200, deadline=None)
@given(
    regime=st.sampled_from(REGIMES),
    received=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    calendar=st.sampled_from(_CALENDARS),
    waited=st.integers(0, 60),
)
def test_a_stopped_clock_moves_dates_later_by_exactly_the_days_waited(
    regime: str, received: date, calendar: str, waited: int
) -> None:
    # GIVEN an access request in any regime, waiting for verification
    case = _case(Right.ACCESS, regime=regime, received=received, calendar=calendar)
    before = _item(case, Right.ACCESS)
    # WHEN the subject verifies after some days
    after = _item(_act(case, _A.VERIFY, received + timedelta(days=waited)).case, Right.ACCESS)
    # THEN only UK GDPR moves the dates, by exactly the days waited, never earlier, on a working day
    if regime != "uk_gdpr":
        assert after.clocks == before.clocks
        return
    assert after.clocks == compute_clocks(regime, "access", received, calendar, paused_days=waited)
    assert after.due >= before.due
    assert after.due >= received + timedelta(days=waited)
    assert is_working_day(after.due, calendar)


def test_terminal_states_have_no_way_out_in_the_table() -> None:
    # GIVEN the transition table THEN no terminal state has any move, and nothing leads back to waiting for
    # verification
    assert not [key for key in TRANSITIONS if key[0] in TERMINAL_STATES]
    into_waiting = {src for (src, _), dst in TRANSITIONS.items() if dst is _S.AWAITING_VERIFICATION}
    # (from received only as a case opens, for a right that needs it; from itself by an extension)
    assert into_waiting == {_S.RECEIVED, _S.AWAITING_VERIFICATION}
    # AND completion is reachable only from states a verification-needing item enters through VERIFY
    assert {s for (s, a) in TRANSITIONS if a is _A.COMPLETE}.isdisjoint({_S.AWAITING_VERIFICATION})
