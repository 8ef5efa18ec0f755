"""The legal clock engine: real dates worked out by hand (and checked against `holidays`), then properties."""

import argparse
import json
from calendar import monthrange
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacydesk.config import REGIMES
from privacydesk.logic.clocks import (
    ClockError,
    UnknownCalendarError,
    UnknownRegimeError,
    check_calendar,
    compute_clocks,
    extension_open,
    is_working_day,
    local_date,
    stops_the_clock,
)
from privacydesk.models.rights import Right
from privacydesk_local.cli_deadlines import add_deadlines_command

D = date.fromisoformat

# (regime, right, received, calendar, paused_days) -> (acknowledge_by, respond_by, extended, notice_by)
# Every expected date below was reasoned out by hand; the comment says why.
CASES = [
    # --- month rule: month ends and leap years ---
    # Feb 2027 has no 31st: its last day, Sun 28 Feb, rolls to Mon 1 Mar; +3 months is Fri 30 Apr.
    (("gdpr", "access", "2027-01-31", "DE", 0), (None, "2027-03-01", "2027-04-30", "2027-03-01")),
    # Leap year: 31 Jan 2028 -> Tue 29 Feb; +3 months is Sun 30 Apr, then Labour Day (Mon 1 May) -> Tue 2 May.
    (("gdpr", "erasure", "2028-01-31", "DE", 0), (None, "2028-02-29", "2028-05-02", "2028-02-29")),
    # 31 Mar -> 30 Apr (a 30-day month), a Friday; +3 months is Thu 30 Jun.
    (("gdpr", "access", "2027-03-31", "DE", 0), (None, "2027-04-30", "2027-06-30", "2027-04-30")),
    # The extension lands in a leap February: 30 Nov 2027 + 3 months = Tue 29 Feb 2028.
    (("gdpr", "access", "2027-11-30", "DE", 0), (None, "2027-12-30", "2028-02-29", "2027-12-30")),
    # ... and in a common one: 30 Nov 2026 + 3 months = 28 Feb 2027, a Sunday -> Mon 1 Mar.
    (("gdpr", "access", "2026-11-30", "DE", 0), (None, "2026-12-30", "2027-03-01", "2026-12-30")),
    # Weekend: Sat 6 Mar 2027 -> Mon 8 Mar; the extension, Thu 6 May, is Ascension Day -> Fri 7 May.
    (("gdpr", "portability", "2027-02-06", "DE", 0), (None, "2027-03-08", "2027-05-07", "2027-03-08")),
    # Received on a Saturday is fine: Sat 8 May 2027 -> Tue 8 Jun.
    (("gdpr", "access", "2027-05-08", "DE", 0), (None, "2027-06-08", "2027-08-09", "2027-06-08")),
    # --- DE holidays ---
    # German Unity Day, Fri 3 Oct 2025 -> Mon 6 Oct; 3 Dec 2025 is a Wednesday.
    (("gdpr", "access", "2025-09-03", "DE", 0), (None, "2025-10-06", "2025-12-03", "2025-10-06")),
    # Whit Monday 25 May 2026 (Easter 5 Apr) -> Tue 26 May; Sat 25 Jul -> Mon 27 Jul.
    (("gdpr", "access", "2026-04-25", "DE", 0), (None, "2026-05-26", "2026-07-27", "2026-05-26")),
    # --- FR holidays (all in 2026) ---
    # Fri 1 May (Fête du Travail) -> Mon 4 May.
    (("gdpr", "access", "2026-04-01", "FR", 0), (None, "2026-05-04", "2026-07-01", "2026-05-04")),
    # Fri 8 May (Victoire 1945) -> Mon 11 May; 8 Jul is a Wednesday.
    (("gdpr", "access", "2026-04-08", "FR", 0), (None, "2026-05-11", "2026-07-08", "2026-05-11")),
    # Tue 14 Jul (Fête nationale) -> Wed 15 Jul; 14 Sep is a Monday.
    (("gdpr", "access", "2026-06-14", "FR", 0), (None, "2026-07-15", "2026-09-14", "2026-07-15")),
    # Wed 11 Nov (Armistice) -> Thu 12 Nov; 11 Jan 2027 is a Monday.
    (("gdpr", "access", "2026-10-11", "FR", 0), (None, "2026-11-12", "2027-01-11", "2026-11-12")),
    # Thu 14 May 2026 is Ascension in FR: -> Fri 15 May; +3 months is Tue 14 Jul again -> Wed 15 Jul.
    (("gdpr", "access", "2026-04-14", "FR", 0), (None, "2026-05-15", "2026-07-15", "2026-05-15")),
    # --- UK GDPR, GB-ENG and GB-SCT ---
    # Easter Monday 6 Apr 2026 -> Tue 7 Apr; Sat 6 Jun -> Mon 8 Jun.
    (("uk_gdpr", "access", "2026-03-06", "GB-ENG", 0), (None, "2026-04-07", "2026-06-08", "2026-04-07")),
    # 2027: Christmas (Sat) and Boxing Day (Sun) move to Mon 27 and Tue 28 -> Wed 29 Dec.
    (("uk_gdpr", "access", "2027-11-25", "GB-ENG", 0), (None, "2027-12-29", "2028-02-25", "2027-12-29")),
    # 2026: Boxing Day (Sat) moves to Mon 28 -> Sat 26, Sun 27, Mon 28 -> Tue 29 Dec.
    (("uk_gdpr", "erasure", "2026-11-26", "GB-ENG", 0), (None, "2026-12-29", "2027-02-26", "2026-12-29")),
    # Leap year and the early May bank holiday: 29 Feb 2028; Sun 30 Apr -> Mon 1 May (holiday) -> Tue 2 May.
    (("uk_gdpr", "access", "2028-01-31", "GB-ENG", 0), (None, "2028-02-29", "2028-05-02", "2028-02-29")),
    # Sat 2 Jan 2027: England works Mon 4 Jan; Scotland's 2 January holiday moves to Mon 4 -> Tue 5.
    (("uk_gdpr", "access", "2026-12-02", "GB-ENG", 0), (None, "2027-01-04", "2027-03-02", "2027-01-04")),
    (("uk_gdpr", "access", "2026-12-02", "GB-SCT", 0), (None, "2027-01-05", "2027-03-02", "2027-01-05")),
    # --- stop-the-clock: base dates move later by the paused days, then roll ---
    # Without a pause 20 Nov 2027 -> Mon 20 Dec. Paused 5: Sat 25 Dec -> holidays -> Wed 29 Dec;
    # extension Sun 20 Feb 2028 + 5 = Fri 25 Feb.
    (("uk_gdpr", "access", "2027-11-20", "GB-ENG", 0), (None, "2027-12-20", "2028-02-21", "2027-12-20")),
    (("uk_gdpr", "access", "2027-11-20", "GB-ENG", 5), (None, "2027-12-29", "2028-02-25", "2027-12-29")),
    # Sun 28 Feb 2027 + 3 = Wed 3 Mar; Fri 30 Apr + 3 = Mon 3 May, the May bank holiday -> Tue 4 May.
    (("uk_gdpr", "access", "2027-01-31", "GB-ENG", 3), (None, "2027-03-03", "2027-05-04", "2027-03-03")),
    # Received Wed 29 Jan 2025, verified two days later: the month runs from Fri 31 Jan, so the answer
    # is due Fri 28 Feb (last day of February), not 28 Feb + 2 days rolled to Mon 3 Mar.
    (("uk_gdpr", "access", "2025-01-29", "GB-ENG", 2), (None, "2025-02-28", "2025-04-30", "2025-02-28")),
    # --- CCPA general rule: 10 working days to confirm, then 45/90 calendar days that never roll ---
    # Thu 18 Nov 2027, US-CA: Thanksgiving (25) and the day after (26, a California holiday) do not count:
    # 19, 22, 23, 24, 29, 30, 1, 2, 3, 6 Dec. +45 = Sun 2 Jan 2028 (not rolled); +90 = Wed 16 Feb.
    (("ccpa", "access", "2027-11-18", "US-CA", 0), ("2027-12-06", "2028-01-02", "2028-02-16", "2028-01-02")),
    # Federal calendar: the day after Thanksgiving is a working day -> 10th working day is Fri 3 Dec.
    (("ccpa", "access", "2027-11-18", "US", 0), ("2027-12-03", "2028-01-02", "2028-02-16", "2028-01-02")),
    # Mon 20 Dec 2027: Christmas observed Fri 24, New Year observed Fri 31 are skipped:
    # 21, 22, 23, 27, 28, 29, 30, 3, 4, 5 Jan. +45 = Thu 3 Feb 2028; +90 = Sun 19 Mar (leap Feb), no roll.
    (("ccpa", "erasure", "2027-12-20", "US-CA", 0), ("2028-01-05", "2028-02-03", "2028-03-19", "2028-02-03")),
    # Rights without a rule of their own use the general rule.
    (
        ("ccpa", "question", "2027-12-20", "US-CA", 0),
        ("2028-01-05", "2028-02-03", "2028-03-19", "2028-02-03"),
    ),
    (
        ("ccpa", "marketing_opt_out", "2027-12-20", "US", 0),
        ("2028-01-05", "2028-02-03", "2028-03-19", "2028-02-03"),
    ),
    # --- CCPA opt-out of sale/sharing: 15 working days, nothing else ---
    # Wed 10 Mar 2027, US-CA: Cesar Chavez Day (Wed 31 Mar) is skipped -> Thu 1 Apr.
    (("ccpa", "sharing_opt_out", "2027-03-10", "US-CA", 0), (None, "2027-04-01", None, None)),
    # ... not a federal holiday: the 15th working day is Wed 31 Mar.
    (("ccpa", "sharing_opt_out", "2027-03-10", "US", 0), (None, "2027-03-31", None, None)),
    # Wed 15 Dec 2027: 16, 17, 20, 21, 22, 23, 27, 28, 29, 30, 3, 4, 5, 6, 7 Jan.
    (("ccpa", "sharing_opt_out", "2027-12-15", "US-CA", 0), (None, "2028-01-07", None, None)),
    # --- CAN-SPAM: 10 working days for every right ---
    # Mon 22 Nov 2027, US: 23, 24, 26, 29, 30, 1, 2, 3, 6, 7 Dec (Thanksgiving skipped).
    (("can_spam", "marketing_opt_out", "2027-11-22", "US", 0), (None, "2027-12-07", None, None)),
    # US-CA also skips the day after Thanksgiving -> Wed 8 Dec.
    (("can_spam", "marketing_opt_out", "2027-11-22", "US-CA", 0), (None, "2027-12-08", None, None)),
    (("can_spam", "access", "2027-11-22", "US", 0), (None, "2027-12-07", None, None)),
    # Received on a Saturday: Mon 4 .. Fri 8, Mon 11 .. Fri 15 Jan 2027 (no holiday) -> Fri 15 Jan.
    (("can_spam", "marketing_opt_out", "2027-01-02", "US", 0), (None, "2027-01-15", None, None)),
    # --- VCDPA: 45 / 90 calendar days; Sat 17 Apr 2027 does not roll ---
    (("vcdpa", "access", "2027-01-17", "US-VA", 0), (None, "2027-03-03", "2027-04-17", "2027-03-03")),
    # --- PIPEDA: 30 / 60 calendar days; Sun 31 Jan 2027 does not roll ---
    (("pipeda", "access", "2027-01-01", "CA", 0), (None, "2027-01-31", "2027-03-02", "2027-01-31")),
    (("pipeda", "erasure", "2028-02-01", "CA-ON", 0), (None, "2028-03-02", "2028-04-01", "2028-03-02")),
]


@pytest.mark.parametrize(("inputs", "expected"), CASES, ids=lambda v: "/".join(map(str, v)))
def test_clocks_match_the_dates_worked_out_by_hand(
    inputs: tuple[str, str, str, str, int], expected: tuple[str | None, ...]
) -> None:
    regime, right, received, calendar, paused = inputs
    clocks = compute_clocks(regime, right, D(received), calendar, paused_days=paused)
    assert tuple(clocks.as_json().values()) == expected
    assert (clocks.regime, clocks.right, clocks.received, clocks.calendar, clocks.paused_days) == (
        regime,
        right,
        D(received),
        calendar,
        paused,
    )


def test_the_holidays_the_table_relies_on_are_the_ones_the_package_knows() -> None:
    # GIVEN the dates the table treats as holidays / working days THEN `holidays` agrees.
    off = {
        "GB-ENG": ["2026-04-03", "2026-04-06", "2027-12-27", "2027-12-28", "2026-12-28", "2028-05-01"],
        "GB-SCT": ["2027-01-04"],
        "DE": ["2025-10-03", "2026-05-25", "2027-05-06", "2028-05-01"],
        "FR": ["2026-05-01", "2026-05-08", "2026-07-14", "2026-11-11", "2026-05-14"],
        "US": ["2027-11-25", "2027-12-24", "2027-12-31"],
        "US-CA": ["2027-11-25", "2027-11-26", "2027-03-31", "2027-12-24", "2027-12-31"],
    }
    on = {"GB-ENG": ["2027-01-04"], "US": ["2027-11-26", "2027-03-31"], "GB-SCT": ["2027-01-05"]}
    for calendar, days in off.items():
        assert [d for d in days if is_working_day(D(d), calendar)] == [], calendar
    for calendar, days in on.items():
        assert all(is_working_day(D(d), calendar) for d in days), calendar


def test_calendar_day_rules_land_on_weekends_without_rolling() -> None:
    for regime, right, received, calendar in [
        ("ccpa", "access", "2027-11-18", "US-CA"),
        ("vcdpa", "access", "2027-01-17", "US-VA"),
        ("pipeda", "access", "2027-01-01", "CA"),
    ]:
        clocks = compute_clocks(regime, right, D(received), calendar)
        landed = [clocks.respond_by, clocks.extended_respond_by]
        assert any(d is not None and d.weekday() >= 5 for d in landed), (regime, landed)


def test_the_rule_names_its_legal_source_calendar_and_pause() -> None:
    sources = {
        ("gdpr", "access"): "GDPR art. 12(3)",
        ("uk_gdpr", "access"): "UK GDPR art. 12(3)",
        ("ccpa", "access"): "Cal. Code Regs. tit. 11 §7021",
        ("ccpa", "sharing_opt_out"): "§7026(f)",
        ("can_spam", "marketing_opt_out"): "15 U.S.C. §7704(a)(4)",
        ("vcdpa", "access"): "Va. Code §59.1-578",
        ("pipeda", "access"): "PIPEDA s. 8(3)-(4)",
    }
    for (regime, right), source in sources.items():
        rule = compute_clocks(regime, right, D("2027-01-04"), "US").rule
        assert source in rule
        assert "US" in rule
        assert "stopped" not in rule
    paused = compute_clocks("uk_gdpr", "access", D("2027-01-04"), "GB-ENG", paused_days=4).rule
    assert "GB-ENG" in paused
    assert "stopped 4 day(s): periods run from receipt + 4 day(s)" in paused


def test_the_pause_does_not_move_the_acknowledgement() -> None:
    plain = compute_clocks("ccpa", "access", D("2027-11-18"), "US-CA")
    paused = compute_clocks("ccpa", "access", D("2027-11-18"), "US-CA", paused_days=7)
    assert paused.acknowledge_by == plain.acknowledge_by
    assert paused.respond_by == plain.respond_by + timedelta(days=7)


def test_extension_is_open_until_the_notice_cutoff_inclusive() -> None:
    clocks = compute_clocks("gdpr", "access", D("2027-01-31"), "DE")
    assert clocks.extension_notice_by == D("2027-03-01")
    assert extension_open(clocks, D("2027-02-01"))
    assert extension_open(clocks, D("2027-03-01"))
    assert not extension_open(clocks, D("2027-03-02"))
    opt_out = compute_clocks("ccpa", "sharing_opt_out", D("2027-01-31"), "US-CA")
    assert not extension_open(opt_out, D("2027-01-31"))
    assert not extension_open(compute_clocks("can_spam", "access", D("2027-01-31"), "US"), D("2027-01-31"))


def test_only_uk_gdpr_stops_the_clock() -> None:
    assert [r for r in REGIMES if stops_the_clock(r)] == ["uk_gdpr"]
    with pytest.raises(UnknownRegimeError):
        stops_the_clock("hipaa")


def test_every_configured_regime_and_right_has_clocks() -> None:
    for regime in REGIMES:
        for right in Right:
            clocks = compute_clocks(regime, right, D("2027-06-15"), "FR")
            assert clocks.respond_by >= D("2027-06-15")


def test_local_date_is_the_date_in_the_organisations_zone() -> None:
    moment = datetime(2027, 1, 1, 7, 30, tzinfo=UTC)
    assert local_date(moment, "America/Los_Angeles") == D("2026-12-31")
    assert local_date(moment, "Europe/Berlin") == D("2027-01-01")
    assert local_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "Europe/Berlin") == D("2027-01-01")
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2027, 1, 1, 12, 0), "Europe/Berlin")


@pytest.mark.parametrize("code", ["DE", "FR", "GB-ENG", "GB-SCT", "US", "US-CA", "CA-ON", "FR-Zone A"])
def test_known_calendars_pass(code: str) -> None:
    check_calendar(code)


def test_unknown_regime_is_named_with_the_valid_ones() -> None:
    with pytest.raises(UnknownRegimeError, match="'hipaa'") as info:
        compute_clocks("hipaa", "access", D("2027-01-04"), "US")
    for regime in REGIMES:
        assert regime in str(info.value)
    assert isinstance(info.value, ClockError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("code", ["XX", "", "GB-", "gb-eng", "England", "-ENG"])
def test_unknown_calendar_says_what_a_calendar_code_is(code: str) -> None:
    with pytest.raises(UnknownCalendarError, match="GB-ENG") as info:
        compute_clocks("gdpr", "access", D("2027-01-04"), code)
    assert repr(code) in str(info.value)
    assert isinstance(info.value, ClockError)


def test_unknown_subdivision_lists_the_countrys_subdivisions() -> None:
    with pytest.raises(UnknownCalendarError, match="GB-NIR") as info:
        check_calendar("GB-LDN")
    assert "'LDN'" in str(info.value)


def test_unknown_right_is_refused() -> None:
    with pytest.raises(ClockError, match=r"'forget_me'.*erasure"):
        compute_clocks("gdpr", "forget_me", D("2027-01-04"), "DE")


def test_bad_pause_or_datetime_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        compute_clocks("uk_gdpr", "access", D("2027-01-04"), "GB-ENG", paused_days=-1)
    with pytest.raises(TypeError):
        compute_clocks("gdpr", "access", datetime(2027, 1, 4, tzinfo=UTC), "DE")


# --- properties ---

CALENDARS = ["DE", "FR", "GB-ENG", "GB-SCT", "US", "US-CA"]
ROLLING = {"gdpr", "uk_gdpr", "can_spam"}
inputs = st.tuples(
    st.sampled_from(REGIMES),
    st.sampled_from([r.value for r in Right]),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    st.sampled_from(CALENDARS),
)


def _rolls(regime: str, right: str) -> bool:
    return regime in ROLLING or (regime, right) == ("ccpa", "sharing_opt_out")


@settings(max_examples=400, deadline=None)
@given(inputs, st.integers(min_value=0, max_value=120))
def test_dates_are_ordered_and_working_where_the_rule_rolls(
    case: tuple[str, str, date, str], paused: int
) -> None:
    regime, right, received, calendar = case
    clocks = compute_clocks(regime, right, received, calendar, paused_days=paused)
    assert clocks.respond_by >= received
    if clocks.acknowledge_by is not None:
        assert received < clocks.acknowledge_by <= clocks.respond_by
        assert is_working_day(clocks.acknowledge_by, calendar)
    if clocks.extended_respond_by is not None:
        assert clocks.extended_respond_by >= clocks.respond_by
        assert clocks.extension_notice_by is not None
        assert clocks.extension_notice_by <= clocks.extended_respond_by
    else:
        assert clocks.extension_notice_by is None
    if _rolls(regime, right):
        assert is_working_day(clocks.respond_by, calendar)
        if clocks.extended_respond_by is not None:
            assert is_working_day(clocks.extended_respond_by, calendar)


@settings(max_examples=300, deadline=None)
@given(inputs, st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_a_longer_pause_never_moves_a_date_earlier(
    case: tuple[str, str, date, str], shorter: int, extra: int
) -> None:
    regime, right, received, calendar = case
    before = compute_clocks(regime, right, received, calendar, paused_days=shorter)
    after = compute_clocks(regime, right, received, calendar, paused_days=shorter + extra)
    assert after.respond_by >= before.respond_by
    if not _rolls(regime, right):
        assert after.respond_by == before.respond_by + timedelta(days=extra)
    assert after.acknowledge_by == before.acknowledge_by
    for later, earlier in (
        (after.extended_respond_by, before.extended_respond_by),
        (after.extension_notice_by, before.extension_notice_by),
    ):
        assert (later is None) == (earlier is None)
        if later is not None and earlier is not None:
            assert later >= earlier


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)), st.sampled_from(CALENDARS))
def test_the_month_rule_is_the_same_date_or_the_months_last_day_then_the_next_working_day(
    received: date, calendar: str
) -> None:
    respond_by = compute_clocks("gdpr", "access", received, calendar).respond_by
    year, month = received.year + received.month // 12, received.month % 12 + 1
    base = date(year, month, min(received.day, monthrange(year, month)[1]))
    assert base <= respond_by
    assert all(
        not is_working_day(base + timedelta(days=i), calendar) for i in range((respond_by - base).days)
    )


# --- the `deadlines` command, in process (tests/e2e/test_cli_deadlines.py runs the console script) ---


def _run_deadlines(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="privacydesk")
    add_deadlines_command(parser.add_subparsers(required=True))
    args = parser.parse_args(["deadlines", *argv])
    code: int = args.command(args)
    return code


def test_deadlines_command_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_deadlines(["--regime", "pipeda", "--received", "2027-01-01", "--calendar", "CA"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == {
        "acknowledge_by": None,
        "respond_by": "2027-01-31",
        "extended_respond_by": "2027-03-02",
        "extension_notice_by": "2027-01-31",
    }
    assert out.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--regime", "lgpd", "--received", "2027-01-01", "--calendar", "US"], "unknown regime 'lgpd'"),
        (
            ["--regime", "gdpr", "--received", "2027-01-01", "--calendar", "EU"],
            "unknown holiday calendar 'EU'",
        ),
        (
            ["--regime", "gdpr", "--received", "2027-01-01", "--calendar", "DE", "--right", "x"],
            "unknown right",
        ),
        (["--regime", "gdpr", "--received", "2027-W01-1", "--calendar", "DE"], "YYYY-MM-DD"),
    ],
)
def test_deadlines_command_exits_2_with_a_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert _run_deadlines(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("privacydesk: ")
    assert message in captured.err
