"""Scheduled work planning: reminders, closure and escalations, collapsed per series, idempotent by key."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import UndefinedError

from privacydesk.logic.clocks import compute_clocks
from privacydesk.logic.render import LANGUAGES, render_message
from privacydesk.logic.schedule import (
    ACKNOWLEDGED,
    ESCALATION_REASONS,
    Due,
    SchedulePolicy,
    due_now,
    escalation_context,
    next_due_at,
    reminder_context,
)
from privacydesk.models.case import Case, RightItem
from privacydesk.models.rights import RIGHTS_NEEDING_VERIFICATION, TERMINAL_STATES, ItemState, Right

REF = "PD-7KQ4-M9XW-C2HT"
# Monday 2 November 2026, mid-morning: GDPR access is due Wednesday 2 December (extended: 2 February).
RECEIVED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
POLICY = SchedulePolicy()
NOTHING: frozenset[str] = frozenset()
GDPR_DUE = "2026-12-02"
GDPR_KEY = f"escalation:access:respond_by:{GDPR_DUE}"


def _item(
    right: Right = Right.ACCESS,
    state: ItemState = ItemState.AWAITING_VERIFICATION,
    *,
    regime: str = "gdpr",
    calendar: str = "GB-ENG",
    received: date | None = None,
    extended: bool = False,
    paused_since: date | None = None,
) -> RightItem:
    return RightItem(
        right=right,
        state=state,
        needs_verification=right in RIGHTS_NEEDING_VERIFICATION,
        clocks=compute_clocks(regime, right.value, received or RECEIVED_AT.date(), calendar),
        extended=extended,
        paused_since=paused_since,
    )


def _case(*items: RightItem, received_at: datetime = RECEIVED_AT, assignee: str | None = "dpo") -> Case:
    return Case(
        ref=REF,
        requester="ada@example.org",
        language="en",
        received_at=received_at,
        items=items or (_item(),),
        regime=items[0].clocks.regime if items else "gdpr",
        regime_reason="default",
        source_message_id="<m1@example.org>",
        raw_key="inbound/m1",
        assignee=assignee,
    )


def _keys(dues: list[Due], prefix: str = "") -> list[str]:
    return [d.key for d in dues if d.key.startswith(prefix)]


def _utc(moment: str) -> datetime:
    """An ISO date or date-time, in UTC."""
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


# ---------------------------------------------------------------- requester reminders and closure


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (timedelta(days=3) - timedelta(seconds=1), []),
        (timedelta(days=3), ["reminder:3d"]),
        (timedelta(days=5), ["reminder:3d"]),
        (timedelta(days=7), ["reminder:7d"]),
        # A tick after downtime finds the 3- and 7-day reminders passed: only the latest is sent.
        (timedelta(days=10), ["reminder:7d"]),
        (timedelta(days=14) - timedelta(seconds=1), ["reminder:7d"]),
        (timedelta(days=14), ["close_unverified"]),
        # Past the closure: the closure alone, no reminder.
        (timedelta(days=15), ["close_unverified"]),
    ],
)
def test_reminders_fall_due_at_exact_offsets_and_only_the_latest_is_returned(
    after: timedelta, expected: list[str]
) -> None:
    # GIVEN an access request waiting for verification since RECEIVED_AT
    case = _case()
    # WHEN a tick runs `after` receipt with nothing done yet
    dues = due_now(case, RECEIVED_AT + after, POLICY, NOTHING)
    # THEN only the latest crossed reminder-series threshold is due
    assert _keys(dues, "reminder") + _keys(dues, "close") == expected


@pytest.mark.parametrize(
    ("after", "done", "expected"),
    [
        (timedelta(days=5), {"reminder:3d"}, []),
        (timedelta(days=7), {"reminder:3d"}, ["reminder:7d"]),
        # The 7-day reminder was sent by a late tick: the skipped 3-day one never comes back.
        (timedelta(days=10), {"reminder:7d"}, []),
        (timedelta(days=14), {"reminder:7d"}, ["close_unverified"]),
        (timedelta(days=30), {"close_unverified"}, []),
    ],
)
def test_a_key_in_done_is_never_due_again_nor_anything_it_superseded(
    after: timedelta, done: set[str], expected: list[str]
) -> None:
    dues = due_now(_case(), RECEIVED_AT + after, POLICY, frozenset(done))
    assert _keys(dues, "reminder") + _keys(dues, "close") == expected


def _ticks(case: Case, days: list[int]) -> list[tuple[int, str]]:
    """Run ticks on the given days after receipt, acting on everything due: what was sent, when."""
    done: set[str] = set()
    sent = []
    for day in days:
        for due in due_now(case, RECEIVED_AT + timedelta(days=day), POLICY, frozenset(done)):
            if due.series == "reminder":
                sent.append((day, due.key))
            done.add(due.key)
    return sent


def test_daily_ticks_send_each_reminder_once_then_close() -> None:
    assert _ticks(_case(), list(range(22))) == [
        (3, "reminder:3d"),
        (7, "reminder:7d"),
        (14, "close_unverified"),
    ]


def test_a_schedule_down_for_days_catches_up_without_a_burst() -> None:
    # GIVEN ticks only on day 10 and day 21 (the schedule was down in between)
    # THEN day 10 sends the 7-day reminder alone, and day 21 the closure alone
    assert _ticks(_case(), [10, 21]) == [(10, "reminder:7d"), (21, "close_unverified")]
    assert _ticks(_case(), [15]) == [(15, "close_unverified")]


def test_twice_the_same_tick_acts_once() -> None:
    case = _case()
    now = RECEIVED_AT + timedelta(days=3)
    first = due_now(case, now, POLICY, NOTHING)
    assert due_now(case, now, POLICY, frozenset(d.key for d in first)) == []


def test_reminders_stop_once_nothing_waits_for_verification() -> None:
    case = _case(_item(state=ItemState.VERIFIED), _item(Right.MARKETING_OPT_OUT, ItemState.RECEIVED))
    dues = due_now(case, RECEIVED_AT + timedelta(days=10), POLICY, NOTHING)
    assert _keys(dues, "reminder") + _keys(dues, "close") == []


def test_only_rights_waiting_for_verification_are_named_in_reminders() -> None:
    case = _case(_item(Right.ERASURE), _item(Right.MARKETING_OPT_OUT, ItemState.IN_PROGRESS))
    [reminder] = [
        d for d in due_now(case, RECEIVED_AT + timedelta(days=3), POLICY, NOTHING) if d.kind == "reminder"
    ]
    assert reminder.detail["rights"] == ["erasure"]
    assert reminder.detail["closes_on"] == "2026-11-16"
    assert reminder.at == RECEIVED_AT + timedelta(days=3)


def test_reminders_on_or_after_the_closure_day_are_dropped() -> None:
    policy = SchedulePolicy(reminder_days=(3, 14, 20), close_unverified_days=14)
    dues = due_now(_case(), RECEIVED_AT + timedelta(days=14), policy, NOTHING)
    assert _keys(dues, "reminder") + _keys(dues, "close") == ["close_unverified"]


def test_reminder_context_counts_days_waiting_from_the_tick() -> None:
    now = RECEIVED_AT + timedelta(days=10, hours=1)
    [reminder] = [d for d in due_now(_case(), now, POLICY, NOTHING) if d.kind == "reminder"]
    assert reminder_context(reminder, now) == {
        "days_waiting": 10,
        "closes_on": date(2026, 11, 16),
        "rights": ["access"],
    }
    with pytest.raises(ValueError, match="not a reminder"):
        reminder_context(replace(reminder, kind="escalation"), now)


# ---------------------------------------------------------------- respond-by escalations


def _worked(**kwargs: Any) -> Case:
    """A verified GDPR access request someone is working on (no reminders, no unassigned escalation)."""
    return _case(_item(state=ItemState.IN_PROGRESS, **kwargs))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_utc("2026-11-24T23:59:59"), []),
        (_utc("2026-11-25"), [f"{GDPR_KEY}:7d"]),
        (_utc("2026-11-28T12:00"), [f"{GDPR_KEY}:7d"]),
        (_utc("2026-11-29"), [f"{GDPR_KEY}:3d"]),
        (_utc("2026-12-01"), [f"{GDPR_KEY}:1d"]),
        (_utc("2026-12-02T23:59:59"), [f"{GDPR_KEY}:1d"]),
        (_utc("2026-12-03"), [f"{GDPR_KEY}:overdue"]),
        # Months late, with nothing ever sent: the overdue escalation alone.
        (_utc("2027-03-01"), [f"{GDPR_KEY}:overdue"]),
    ],
)
def test_respond_by_escalations_fall_due_at_the_start_of_each_day(now: datetime, expected: list[str]) -> None:
    assert _keys(due_now(_worked(), now, POLICY, NOTHING), "escalation:access:respond_by") == expected


def test_escalation_detail_names_the_right_clock_and_date() -> None:
    [due] = _by_series(
        due_now(_worked(), _utc("2026-11-29"), POLICY, NOTHING), "escalation:access:respond_by"
    )
    assert due.kind == "escalation"
    assert due.at == _utc("2026-11-29")
    assert due.detail == {
        "reason": "before",
        "right": "access",
        "clock": "respond_by",
        "due": GDPR_DUE,
        "days": 3,
    }
    assert escalation_context(due, date(2026, 11, 30)) == {
        "ref": REF,
        "kind": "before",
        "right": "access",
        "clock": "respond_by",
        "due": date(2026, 12, 2),
        "days": 2,
    }


def test_overdue_context_counts_the_days_late() -> None:
    [due] = _by_series(
        due_now(_worked(), _utc("2026-12-09"), POLICY, NOTHING), "escalation:access:respond_by"
    )
    context = escalation_context(due, date(2026, 12, 9))
    assert (context["kind"], context["days"]) == ("overdue", 7)


def _by_series(dues: list[Due], series: str) -> list[Due]:
    return [d for d in dues if d.series == series]


def test_an_extended_item_is_escalated_against_its_extended_date() -> None:
    # GIVEN the item was extended after the original 7- and 3-day warnings went out
    done = frozenset({f"{GDPR_KEY}:7d", f"{GDPR_KEY}:3d"})
    case = _case(_item(state=ItemState.EXTENDED, extended=True))
    # THEN nothing is due against the old date, and the extended date (2 February) gets its own warnings
    assert due_now(case, _utc("2026-12-03"), POLICY, done) == []
    dues = due_now(case, _utc("2027-01-30"), POLICY, done)
    assert _keys(dues) == ["escalation:access:extended_respond_by:2027-02-02:3d"]
    assert dues[0].detail["clock"] == "extended_respond_by"
    assert _keys(due_now(case, _utc("2027-02-03"), POLICY, done)) == [
        "escalation:access:extended_respond_by:2027-02-02:overdue"
    ]


def test_a_paused_clock_raises_no_deadline_escalation() -> None:
    # GIVEN a UK GDPR item waiting on the requester with its clock stopped
    case = _case(_item(state=ItemState.AWAITING_REQUESTER, regime="uk_gdpr", paused_since=date(2026, 11, 10)))
    # THEN neither the deadline nor the extension cutoff is escalated while it is stopped
    assert due_now(case, _utc("2027-01-01"), POLICY, NOTHING) == []
    assert next_due_at(case, POLICY, NOTHING) is None


def test_when_a_paused_clock_resumes_the_moved_deadline_is_warned_afresh() -> None:
    item = _item(state=ItemState.IN_PROGRESS)
    moved = replace(item, clocks=compute_clocks("gdpr", "access", date(2026, 11, 2), "GB-ENG", paused_days=9))
    done = frozenset({f"{GDPR_KEY}:7d"})
    assert _keys(due_now(_case(moved), _utc("2026-12-04"), POLICY, done), "escalation:access:respond_by") == [
        "escalation:access:respond_by:2026-12-11:7d"
    ]


def test_terminal_items_raise_nothing_and_a_closed_case_is_never_due() -> None:
    # GIVEN one completed item and one still open
    case = _case(_item(state=ItemState.COMPLETED), _item(Right.ERASURE, ItemState.IN_PROGRESS))
    dues = due_now(case, _utc("2026-12-01"), POLICY, NOTHING)
    assert {d.detail.get("right") for d in dues} == {"erasure"}
    # WHEN every item is final
    closed = _case(
        *(_item(r, s) for r, s in zip(Right, sorted(TERMINAL_STATES), strict=False)), assignee=None
    )
    assert due_now(closed, _utc("2027-06-01"), POLICY, NOTHING) == []
    assert next_due_at(closed, POLICY, NOTHING) is None


# ---------------------------------------------------------------- acknowledgement, cutoff, unassigned


def _ccpa(*rights: Right) -> Case:
    items = tuple(_item(r, ItemState.IN_PROGRESS, regime="ccpa", calendar="US-CA") for r in rights)
    return _case(*items)


def test_the_ccpa_acknowledgement_is_escalated_once_per_case_on_its_due_morning() -> None:
    # GIVEN a CCPA request for two rights: receipt must be confirmed by 17 November (10 business days)
    case = _ccpa(Right.ACCESS, Right.ERASURE)
    assert _keys(due_now(case, _utc("2026-11-16T23:59"), POLICY, NOTHING), "escalation:ack") == []
    [due] = _by_series(due_now(case, _utc("2026-11-17"), POLICY, NOTHING), "escalation:acknowledge_by")
    assert due.key == "escalation:acknowledge_by"
    assert due.detail["due"] == "2026-11-17"
    assert due.detail["rights"] == ["access", "erasure"]
    assert escalation_context(due, date(2026, 11, 19))["days"] == -2
    # THEN once the acknowledgement is recorded as sent, it is never escalated
    assert _keys(due_now(case, _utc("2026-11-20"), POLICY, frozenset({ACKNOWLEDGED})), "escalation:ack") == []


def test_a_clock_without_acknowledgement_raises_none() -> None:
    assert _keys(due_now(_worked(), _utc("2026-11-30"), POLICY, NOTHING), "escalation:ack") == []


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_utc("2026-11-28T23:59"), []),
        # 2 December is the last day to send an extension notice: warned three mornings before.
        (_utc("2026-11-29"), ["escalation:access:extension_notice_by:2026-12-02"]),
        (_utc("2026-12-02T23:59"), ["escalation:access:extension_notice_by:2026-12-02"]),
        # Found after the cutoff day, the warning has lapsed: it is not sent.
        (_utc("2026-12-03"), []),
    ],
)
def test_the_extension_cutoff_is_warned_while_an_extension_is_still_possible(
    now: datetime, expected: list[str]
) -> None:
    assert _keys(due_now(_worked(), now, POLICY, NOTHING), "escalation:access:extension") == expected


@pytest.mark.parametrize(
    "item",
    [
        _item(state=ItemState.EXTENDED, extended=True),
        _item(Right.SHARING_OPT_OUT, ItemState.IN_PROGRESS, regime="ccpa", calendar="US-CA"),
        _item(state=ItemState.AWAITING_REQUESTER, regime="uk_gdpr", paused_since=date(2026, 11, 20)),
    ],
    ids=["already-extended", "rule-without-extension", "clock-stopped"],
)
def test_no_cutoff_warning_when_no_extension_is_possible(item: RightItem) -> None:
    dues = due_now(_case(item), _utc("2026-12-02"), POLICY, NOTHING)
    assert [d for d in dues if "extension_notice_by" in d.key] == []


def test_a_lapsed_cutoff_warning_does_not_keep_the_case_due() -> None:
    # GIVEN the respond-by series fully done and a tick long after the cutoff
    case = _worked()
    done = frozenset({f"{GDPR_KEY}:overdue"})
    now = _utc("2026-12-10")
    assert due_now(case, now, POLICY, done) == []
    # THEN without `now` the lapsed warning is still the earliest threshold; with it, nothing is left
    assert next_due_at(case, POLICY, done) == _utc("2026-11-29")
    assert next_due_at(case, POLICY, done, now=now) is None


@pytest.mark.parametrize(
    ("after", "assignee", "expected"),
    [
        (timedelta(days=2) - timedelta(seconds=1), None, []),
        (timedelta(days=2), None, ["escalation:unassigned"]),
        (timedelta(days=9), None, ["escalation:unassigned"]),
        (timedelta(days=9), "dpo", []),
    ],
)
def test_an_unassigned_case_is_escalated_after_two_days(
    after: timedelta, assignee: str | None, expected: list[str]
) -> None:
    case = _case(_item(state=ItemState.IN_PROGRESS), assignee=assignee)
    dues = due_now(case, RECEIVED_AT + after, POLICY, NOTHING)
    assert _keys(dues, "escalation:unassigned") == expected
    if expected:
        context = escalation_context(dues[0], (RECEIVED_AT + after).date())
        assert (context["kind"], context["days"], context["due"]) == ("unassigned", after.days, None)


# ---------------------------------------------------------------- time zones and policy


@pytest.mark.parametrize(
    ("timezone", "now", "due"),
    [
        # Midnight in Berlin is 23:00 UTC the day before in winter...
        ("Europe/Berlin", _utc("2026-11-24T23:00"), True),
        ("Europe/Berlin", _utc("2026-11-24T22:59:59"), False),
        ("UTC", _utc("2026-11-24T23:00"), False),
        ("UTC", _utc("2026-11-25"), True),
        ("America/Los_Angeles", _utc("2026-11-25T07:59"), False),
        ("America/Los_Angeles", _utc("2026-11-25T08:00"), True),
    ],
)
def test_escalations_start_at_midnight_in_the_policy_time_zone(
    timezone: str, now: datetime, due: bool
) -> None:
    dues = due_now(_worked(), now, SchedulePolicy(timezone=timezone), NOTHING)
    assert (f"{GDPR_KEY}:7d" in _keys(dues)) is due


def test_midnight_in_summer_time_is_22_utc_in_berlin() -> None:
    # GIVEN a German GDPR request received 1 June 2026: due Wednesday 1 July
    received_at = _utc("2026-06-01T08:00")
    case = _case(
        _item(state=ItemState.IN_PROGRESS, calendar="DE", received=date(2026, 6, 1)), received_at=received_at
    )
    policy = SchedulePolicy(timezone="Europe/Berlin")
    [due] = _by_series(
        due_now(case, _utc("2026-06-23T22:00"), policy, NOTHING), "escalation:access:respond_by"
    )
    assert due.at == _utc("2026-06-23T22:00")
    assert due.key == "escalation:access:respond_by:2026-07-01:7d"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"close_unverified_days": 0},
        {"reminder_days": (0, 7)},
        {"escalate_before_days": (-1,)},
        {"unassigned_after_days": -1},
        {"timezone": "Mars/Olympus"},
    ],
)
def test_a_nonsense_policy_is_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"must be|cannot be|unknown time zone"):
        SchedulePolicy(**kwargs)


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_now(_case(), datetime(2026, 11, 10), POLICY, NOTHING)


def test_every_due_key_is_unique_within_a_case() -> None:
    case = _case(
        _item(state=ItemState.AWAITING_VERIFICATION, regime="ccpa", calendar="US-CA"),
        _item(Right.ERASURE, ItemState.IN_PROGRESS, regime="ccpa", calendar="US-CA"),
        assignee=None,
    )
    for day in range(0, 60):
        dues = due_now(case, RECEIVED_AT + timedelta(days=day), POLICY, NOTHING)
        assert len({d.key for d in dues}) == len(dues)
        assert len({d.series for d in dues}) == len(dues)


# ---------------------------------------------------------------- next_due_at


def test_next_due_at_follows_the_thresholds_as_they_are_done() -> None:
    case = _case(assignee="dpo")
    assert next_due_at(case, POLICY, NOTHING) == RECEIVED_AT + timedelta(days=3)
    assert next_due_at(case, POLICY, frozenset({"reminder:3d"})) == RECEIVED_AT + timedelta(days=7)
    assert next_due_at(case, POLICY, frozenset({"reminder:7d"})) == RECEIVED_AT + timedelta(days=14)
    # Closed: the respond-by warnings of the verified item remain.
    assert next_due_at(case, POLICY, frozenset({"close_unverified"})) == _utc("2026-11-25")


_RIGHTS = st.sampled_from(list(Right))
_OPEN = [s for s in ItemState if s not in TERMINAL_STATES]


@st.composite
def _cases(draw: st.DrawFn) -> Case:
    regime = draw(st.sampled_from(["gdpr", "uk_gdpr", "ccpa", "can_spam", "vcdpa", "pipeda"]))
    received_at = draw(
        st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
    )
    items = []
    for right in draw(st.lists(_RIGHTS, min_size=1, max_size=3, unique=True)):
        state = draw(st.sampled_from(list(ItemState)))
        item = _item(right, state, regime=regime, calendar="GB-ENG", received=received_at.date())
        extended = draw(st.booleans()) and item.clocks.extended_respond_by is not None
        paused = draw(st.booleans()) and state in {
            ItemState.AWAITING_VERIFICATION,
            ItemState.AWAITING_REQUESTER,
        }
        items.append(replace(item, extended=extended, paused_since=received_at.date() if paused else None))
    return _case(*items, received_at=received_at, assignee=draw(st.sampled_from([None, "dpo"])))


_POLICIES = st.builds(
    SchedulePolicy,
    reminder_days=st.lists(st.integers(1, 20), max_size=3).map(tuple),
    close_unverified_days=st.integers(1, 30),
    escalate_before_days=st.lists(st.integers(0, 10), max_size=3).map(tuple),
    unassigned_after_days=st.integers(0, 5),
    cutoff_warning_days=st.integers(0, 5),
    timezone=st.sampled_from(["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo"]),
)
_OFFSETS = st.lists(st.integers(0, 200 * 24 * 3600), min_size=1, max_size=6).map(sorted)


@st.composite
def _scenarios(draw: st.DrawFn) -> tuple[Case, SchedulePolicy, frozenset[str], datetime]:
    """A case, a policy, and a realistic `done`: ticks that acted on what was due (or skipped it).

    Returns the moment of the last tick too: when a sweep would store the case's next key.
    """
    case, policy = draw(_cases()), draw(_POLICIES)
    offsets = draw(_OFFSETS)
    done: set[str] = {ACKNOWLEDGED} if draw(st.booleans()) else set()
    for offset in offsets:
        for due in due_now(case, case.received_at + timedelta(seconds=offset), policy, frozenset(done)):
            if draw(st.booleans()):
                done.add(due.key)
    return case, policy, frozenset(done), case.received_at + timedelta(seconds=offsets[-1])


Scenario = tuple[Case, SchedulePolicy, frozenset[str], datetime]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=_scenarios(), probes=st.lists(st.integers(-400 * 24 * 3600, 400 * 24 * 3600), max_size=8))
def test_next_due_at_is_exactly_when_due_now_becomes_non_empty(scenario: Scenario, probes: list[int]) -> None:
    case, policy, done, _ = scenario
    first = next_due_at(case, policy, done)
    if first is None:
        for probe in probes:
            assert due_now(case, case.received_at + timedelta(seconds=probe), policy, done) == []
        return
    # Nothing before it, something at it...
    assert due_now(case, first - timedelta(microseconds=1), policy, done) == []
    assert due_now(case, first, policy, done) != []
    for probe in probes:
        t = first + timedelta(seconds=probe)
        dues = due_now(case, t, policy, done)
        if t < first:
            assert dues == []
        # ...at most one per series, none done, and acting on them leaves nothing due at that moment.
        assert len({d.series for d in dues}) == len(dues)
        assert not {d.key for d in dues} & done
        assert due_now(case, t, policy, done | {d.key for d in dues}) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=_scenarios())
def test_next_due_at_as_of_a_tick_skips_only_what_lapsed(scenario: Scenario) -> None:
    case, policy, done, now = scenario
    first = next_due_at(case, policy, done, now=now)
    if first is None:
        assert due_now(case, now, policy, done) == []
        assert due_now(case, now + timedelta(days=400), policy, done) == []
        return
    # From the tick on, nothing is due before the stored key, and something is at it.
    assert due_now(case, max(now, first), policy, done) != []
    if first > now:
        assert due_now(case, now, policy, done) == []
        assert due_now(case, first - timedelta(microseconds=1), policy, done) == []


# ---------------------------------------------------------------- templates


DUE_IN_WORDS = {
    "en": "8 December 2026",
    "de": "8. Dezember 2026",
    "fr": "8 décembre 2026",
    "es": "8 de diciembre de 2026",
    "it": "8 dicembre 2026",
    "nl": "8 december 2026",
    "pt": "8 de dezembro de 2026",
}
CLOSES_IN_WORDS = {
    "en": "16 November 2026",
    "de": "16. November 2026",
    "fr": "16 novembre 2026",
    "es": "16 de noviembre de 2026",
    "it": "16 novembre 2026",
    "nl": "16 november 2026",
    "pt": "16 de novembro de 2026",
}


def _escalation(kind: str, days: int) -> dict[str, Any]:
    dated = kind != "unassigned"
    return {
        "ref": REF,
        "organisation": "Example Ltd",
        "kind": kind,
        "right": "access" if kind in {"before", "overdue", "extension_cutoff"} else "",
        "clock": "respond_by" if kind in {"before", "overdue"} else "",
        "due": date(2026, 12, 8) if dated else None,
        "days": days,
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("kind", "days"),
    [("before", 3), ("before", 0), ("overdue", 4), ("acknowledge_by", 2), ("acknowledge_by", -5),
     ("extension_cutoff", 3), ("unassigned", 6)],
)  # fmt: skip
def test_team_escalation_renders_every_kind_in_every_language(language: str, kind: str, days: int) -> None:
    message = render_message("team_escalation", language, **_escalation(kind, days))
    assert message.language == language
    assert message.subject.endswith(f"[{REF}]")
    assert "\n" not in message.subject
    assert REF in message.text
    assert "Example Ltd" in message.text
    if kind != "unassigned":
        assert DUE_IN_WORDS[language] in message.subject + message.text
    if days not in {0, 1}:
        assert str(abs(days)) in message.text


def test_every_escalation_reason_has_wording() -> None:
    for reason in ESCALATION_REASONS:
        for language in LANGUAGES:
            render_message("team_escalation", language, **_escalation(reason, 2))


@pytest.mark.parametrize("language", LANGUAGES)
def test_team_escalation_refuses_an_unknown_kind(language: str) -> None:
    with pytest.raises(UndefinedError):
        render_message("team_escalation", language, **_escalation("whatever", 1))


def _reminder(**overrides: Any) -> dict[str, Any]:
    return {
        "ref": REF,
        "organisation": "Example Ltd",
        "code": "482913",
        "link": f"https://desk.example.com/v1/requests/{REF}/verify?token=tok_5QfZ",
        "expires_at": date(2026, 11, 13),
        "rights": ["access", "erasure"],
        "on_behalf": False,
        "agent_address": "",
        "days_waiting": 7,
        "closes_on": date(2026, 11, 16),
        **overrides,
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("on_behalf", [False, True])
def test_reminder_verification_carries_a_fresh_code_and_the_closing_date(
    language: str, on_behalf: bool
) -> None:
    context = _reminder(on_behalf=on_behalf, agent_address="agent@agency.example" if on_behalf else "")
    message = render_message("reminder_verification", language, **context)
    assert message.subject.endswith(f"[{REF}]")
    assert "482913" in message.text
    assert context["link"] in message.text
    assert "7" in message.text
    assert CLOSES_IN_WORDS[language] in message.text
    assert ("agent@agency.example" in message.text) is on_behalf
    # The reminder is longer than the request it repeats, never shorter.
    original = render_message("verification_request", language, **context)
    assert len(message.text) > len(original.text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_reminder_verification_without_a_closing_date_is_an_error(language: str) -> None:
    context = _reminder()
    del context["closes_on"]
    with pytest.raises(UndefinedError):
        render_message("reminder_verification", language, **context)
