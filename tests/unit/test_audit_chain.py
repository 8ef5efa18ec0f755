"""The audit chain: linking events, and finding the first broken link when one is edited or removed."""

import dataclasses
import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privacydesk.logic.audit_chain import ChainReport, chain_events, event_hash, verify_chain
from privacydesk.models.case import Case, RightItem
from privacydesk.models.clocks import Clocks
from privacydesk.models.event import GENESIS, CaseEvent, ChainHead
from privacydesk.models.rights import ItemState, Right

REF = "PD-7KQ4-M9XW-C2HT"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TYPES = ("received", "verification_sent", "verified", "note", "completed", "extended", "assigned")


def _case() -> Case:
    clocks = Clocks(
        regime="gdpr",
        right="access",
        rule="gdpr:one_month",
        received=date(2026, 11, 2),
        calendar="GB-ENG",
        paused_days=0,
        acknowledge_by=None,
        respond_by=date(2026, 12, 2),
        extended_respond_by=date(2027, 2, 2),
        extension_notice_by=date(2026, 12, 2),
    )
    item = RightItem(Right.ACCESS, ItemState.RECEIVED, True, clocks)
    return Case(REF, "ana@example.org", "en", T0, (item,), "gdpr", "default", "m-1", "raw/m-1")


def _event(index: int, detail: dict[str, Any] | None = None) -> CaseEvent:
    return CaseEvent(
        case_ref=REF,
        at=T0 + timedelta(minutes=index),
        type=TYPES[index % len(TYPES)],
        detail={"n": index, "by": "desk", "rights": ["access"]} if detail is None else detail,
        actor="team:sam" if index % 2 else "system",
    )


def _chain(count: int) -> tuple[Case, tuple[CaseEvent, ...]]:
    return chain_events(_case(), [_event(i) for i in range(count)])


def _edit(events: tuple[CaseEvent, ...], seq: int, **changes: Any) -> list[CaseEvent]:
    return [dataclasses.replace(e, **changes) if e.seq == seq else e for e in events]


def test_a_chained_case_verifies_intact() -> None:
    # GIVEN five new events chained onto a fresh case
    case, events = _chain(5)
    # THEN they are numbered 1..5, each linked to the previous hash, and the case holds the head
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS.hash == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    assert all(e.hash == event_hash(e) for e in events)
    assert case.chain == ChainHead(5, events[-1].hash)
    # AND verification finds it intact against the head and an anchor
    report = verify_chain(REF, events, case.chain, [ChainHead(3, events[2].hash)])
    assert report == ChainReport(REF, True, 5, None, "intact", 1)
    assert report.as_dict() == {
        "ref": REF,
        "ok": True,
        "events": 5,
        "first_broken_seq": None,
        "reason": "intact",
        "anchors_checked": 1,
    }


def test_chaining_continues_from_the_cases_head() -> None:
    case, first = _chain(3)
    case, more = chain_events(case, [_event(7), _event(8)])
    assert [e.seq for e in more] == [4, 5]
    assert more[0].prev_hash == first[-1].hash
    assert verify_chain(REF, (*first, *more), case.chain, []).ok


def test_no_events_leave_the_case_unchanged() -> None:
    case = _case()
    assert chain_events(case, []) == (case, ())
    assert verify_chain(REF, [], case.chain, []) == ChainReport(REF, True, 0, None, "intact", 0)


def test_an_event_of_another_case_cannot_be_chained() -> None:
    with pytest.raises(ValueError, match="another case"):
        chain_events(_case(), [dataclasses.replace(_event(0), case_ref="PD-2222-3333-4444")])


def test_events_are_verified_in_seq_order_whatever_order_they_are_read_in() -> None:
    case, events = _chain(6)
    assert verify_chain(REF, list(reversed(events)), case.chain, []).ok


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("detail", {"n": 3, "by": "someone else", "rights": ["access"]}),
        ("type", "completed_quietly"),
        ("at", T0 - timedelta(days=1)),
        ("actor", "team:mallory"),
        ("hash", "f" * 64),
        ("case_ref", "PD-2222-3333-4444"),
    ],
)
def test_editing_one_field_of_event_4_breaks_the_chain_at_4(field: str, value: Any) -> None:
    # GIVEN an intact chain of 7
    case, events = _chain(7)
    # WHEN one field of event 4 is edited in place
    tampered = _edit(events, 4, **{field: value})
    # THEN verification reports event 4 as the first broken link
    report = verify_chain(REF, tampered, case.chain, [])
    assert (report.ok, report.first_broken_seq) == (False, 4)
    assert report.reason.startswith("event 4")


def test_an_edited_detail_is_reported_as_an_edit() -> None:
    case, events = _chain(5)
    tampered = _edit(events, 4, detail={"n": 4, "by": "desk", "rights": ["erasure"]})
    report = verify_chain(REF, tampered, case.chain, [])
    assert report.reason == "event 4: content does not match its hash (edited)"


def test_an_edited_prev_hash_is_reported_as_a_broken_link() -> None:
    case, events = _chain(5)
    report = verify_chain(REF, _edit(events, 3, prev_hash="a" * 64), case.chain, [])
    assert (report.first_broken_seq, report.reason) == (
        3,
        "event 3: prev_hash does not match the hash before it (link broken)",
    )


def test_a_deleted_middle_event_is_reported_missing() -> None:
    case, events = _chain(6)
    remaining = [e for e in events if e.seq != 3]
    report = verify_chain(REF, remaining, case.chain, [])
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 3, "event 3 missing")
    assert report.events == 5


def test_swapped_seqs_are_caught_at_the_first_swapped_event() -> None:
    # GIVEN events 2 and 3 renumbered as each other
    case, events = _chain(5)
    swapped = [dataclasses.replace(e, seq={2: 3, 3: 2}.get(e.seq, e.seq)) for e in events]
    # THEN the chain breaks at 2 (its content no longer fits its place)
    report = verify_chain(REF, swapped, case.chain, [])
    assert (report.ok, report.first_broken_seq) == (False, 2)


def test_a_duplicated_seq_is_caught() -> None:
    case, events = _chain(4)
    doubled = [*events, dataclasses.replace(events[1], detail={"n": 99})]
    report = verify_chain(REF, doubled, case.chain, [])
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 2, "event 2 appears more than once")


def test_an_unchained_event_is_caught() -> None:
    case, events = _chain(3)
    report = verify_chain(REF, [*events, _event(9)], case.chain, [])
    assert (report.ok, report.first_broken_seq) == (False, 1)
    assert "never chained" in report.reason


def test_a_truncated_tail_passes_alone_but_is_caught_by_the_head_or_an_anchor() -> None:
    # GIVEN a chain of 7 whose last two events were deleted
    case, events = _chain(7)
    truncated = events[:5]
    # THEN the remaining events alone are a valid chain
    assert verify_chain(REF, truncated, None, []).ok
    # AND the case's recorded head catches it
    by_head = verify_chain(REF, truncated, case.chain, [])
    assert (by_head.ok, by_head.first_broken_seq) == (False, 6)
    assert by_head.reason == "case's recorded head at event 7 but the chain has 5 events (truncated)"
    # AND so does an anchored head, even when the case's head was rewound too
    anchor = ChainHead(7, events[6].hash)
    by_anchor = verify_chain(REF, truncated, ChainHead(5, events[4].hash), [anchor])
    assert (by_anchor.ok, by_anchor.first_broken_seq, by_anchor.anchors_checked) == (False, 6, 1)
    assert by_anchor.reason == "anchored head at event 7 but the chain has 5 events (truncated)"


def test_events_beyond_the_cases_head_are_caught() -> None:
    _, events = _chain(5)
    report = verify_chain(REF, events, ChainHead(4, events[3].hash), [])
    assert (report.ok, report.first_broken_seq) == (False, 5)


def test_a_rewritten_chain_is_caught_by_the_anchor_written_before() -> None:
    # GIVEN an anchor written at event 4, then the whole chain rebuilt from event 2 with consistent hashes
    case, events = _chain(6)
    anchor = ChainHead(4, events[3].hash)
    base = dataclasses.replace(case, chain=ChainHead(1, events[0].hash))
    edited = [dataclasses.replace(e, detail={"n": 0}, seq=0, prev_hash="", hash="") for e in events[1:]]
    forged_case, forged_tail = chain_events(base, edited)
    forged = (events[0], *forged_tail)
    # THEN the chain is consistent with itself and with the rewritten head
    assert verify_chain(REF, forged, forged_case.chain, []).ok
    # AND the anchor catches it
    report = verify_chain(REF, forged, forged_case.chain, [anchor])
    assert (report.ok, report.first_broken_seq) == (False, 4)
    assert report.reason == "event 4: hash differs from the anchored head (chain rewritten at or before it)"


def test_the_case_head_hash_must_match_the_last_event() -> None:
    _, events = _chain(3)
    report = verify_chain(REF, events, ChainHead(3, "b" * 64), [])
    assert (report.ok, report.first_broken_seq) == (False, 3)


def test_the_earliest_problem_is_reported() -> None:
    # GIVEN an edit at 5 and an anchor mismatch at 3
    case, events = _chain(6)
    tampered = _edit(events, 5, actor="team:mallory")
    report = verify_chain(REF, tampered, case.chain, [ChainHead(3, "c" * 64), ChainHead(6, events[5].hash)])
    assert (report.first_broken_seq, report.anchors_checked) == (3, 2)


def test_floats_are_refused_anywhere_in_the_detail() -> None:
    with pytest.raises(TypeError, match="float"):
        event_hash(_event(1, {"score": 0.5}))
    with pytest.raises(TypeError, match="float"):
        chain_events(_case(), [_event(1, {"nested": {"list": [1, 2.0]}})])
    with pytest.raises(TypeError, match="not a JSON value"):
        event_hash(_event(1, {"when": T0}))
    int_keys: dict[Any, Any] = {1: "x"}
    with pytest.raises(TypeError, match="key"):
        event_hash(_event(1, int_keys))


def test_whole_decimals_read_back_from_dynamodb_hash_like_the_ints_written() -> None:
    # GIVEN an event chained with ints, read back as DynamoDB returns numbers
    case, (event,) = chain_events(_case(), [_event(1, {"days": 30, "list": [1, True]})])
    read_back = dataclasses.replace(event, detail={"days": Decimal("30"), "list": [Decimal(1), True]})
    # THEN its hash is unchanged and the chain verifies
    assert event_hash(read_back) == event.hash
    assert verify_chain(REF, [read_back], case.chain, []).ok
    with pytest.raises(TypeError, match="fractional"):
        event_hash(dataclasses.replace(event, detail={"days": Decimal("30.5")}))


def test_a_float_slipped_into_a_stored_event_is_reported_not_raised() -> None:
    case, events = _chain(3)
    report = verify_chain(REF, _edit(events, 2, detail={"n": 2.0}), case.chain, [])
    assert (report.first_broken_seq, report.reason) == (2, "event 2: detail is not canonical JSON (edited)")


def test_the_hash_is_over_canonical_json() -> None:
    # Key order and unicode escaping do not change the hash; the content does.
    a = _event(1, {"b": "é", "a": [1, {"y": None, "x": False}]})
    b = _event(1, {"a": [1, {"x": False, "y": None}], "b": "é"})
    assert event_hash(a) == event_hash(b)
    assert event_hash(a) != event_hash(_event(1, {"b": "e", "a": [1, {"y": None, "x": False}]}))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_DETAILS = st.dictionaries(st.text(max_size=6), _JSON, max_size=4)
_FIELDS = ("detail", "type", "at", "actor", "hash", "prev_hash", "case_ref")


@st.composite
def _chain_and_edit(draw: st.DrawFn) -> tuple[Case, tuple[CaseEvent, ...], int, list[CaseEvent]]:
    details = draw(st.lists(_DETAILS, min_size=1, max_size=8))
    raw = [
        CaseEvent(
            REF,
            T0 + timedelta(seconds=i),
            draw(st.sampled_from(TYPES)),
            d,
            draw(st.sampled_from(["system", "requester"])),
        )
        for i, d in enumerate(details)
    ]
    case, events = chain_events(_case(), raw)
    seq = draw(st.integers(1, len(events)))
    target = events[seq - 1]
    field = draw(st.sampled_from(_FIELDS))
    value: Any
    if field == "detail":
        value = draw(_DETAILS.filter(lambda d: d != target.detail))
    elif field == "at":
        value = target.at + timedelta(microseconds=draw(st.integers(1, 10**9)))
    elif field in {"hash", "prev_hash"}:
        value = draw(
            st.text("0123456789abcdef", min_size=64, max_size=64).filter(
                lambda h: h != getattr(target, field)
            )
        )
    else:
        value = draw(st.text(min_size=1, max_size=12).filter(lambda t: t != getattr(target, field)))
    return case, events, seq, _edit(events, seq, **{field: value})


@given(_chain_and_edit())
def test_any_single_field_edit_is_detected_at_that_events_seq(
    drawn: tuple[Case, tuple[CaseEvent, ...], int, list[CaseEvent]],
) -> None:
    case, events, seq, tampered = drawn
    assert verify_chain(REF, events, case.chain, []).ok
    report = verify_chain(REF, tampered, case.chain, [])
    assert (report.ok, report.first_broken_seq) == (False, seq)


def test_an_event_written_while_the_audit_reads_does_not_pass_for_a_broken_chain() -> None:
    from privacydesk.logic.audit_report import audit_case  # noqa: PLC0415

    # GIVEN a case whose sender adds an event between the audit's read of the case and of its events
    case, events = _chain(3)
    case = dataclasses.replace(case, version=3)
    grown, more = chain_events(case, [_event(3)])
    grown = dataclasses.replace(grown, version=4)

    class Racing:
        def __init__(self) -> None:
            self.case_reads = 0

        def get_case(self, ref: str) -> Case:
            self.case_reads += 1
            return case if self.case_reads == 1 else grown

        def list_events(self, ref: str) -> list[CaseEvent]:
            return [*events, *more]

    # WHEN the audit runs THEN it reads again and finds the chain intact
    report = audit_case(REF, Racing(), None)  # type: ignore[arg-type]
    assert report is not None
    assert report.ok, report.reason
    assert report.events == 4
