"""The scheduled work through the real housekeeping handler on mock_aws, as EventBridge Scheduler runs it:
requester reminders and closures, team escalations, the daily digest, and what one run reads.

Time moves only through the FakeClock; every test states the outbox before and after each tick.
"""

from dataclasses import replace
from datetime import date, datetime, timedelta
from email import message_from_string, policy
from typing import Any

import pytest

from privacydesk.dal.items import case_to_item
from privacydesk.dal.table import to_dynamo
from privacydesk.logic.references import new_reference
from privacydesk.logic.scheduled_work import next_due_of
from privacydesk.models.event import GENESIS
from privacydesk_local.lambda_runtime import LocalContext
from privacydesk_local.stack import LOCAL_PARAMETERS, reset_caches
from tests.integration.conftest import Desk
from tests.integration.fakes import START, FakeClock
from tests.integration.test_requests_api import (
    call,
    case_detail,
    latest_secrets,
    mailed_secrets,
    other_code,
    outbox,
    resend,
    status_token,
    submit,
    verify,
)

TEAM = LOCAL_PARAMETERS["TeamAddress"]
REQUESTER = "ana.requester@example.org"
# What the requester was sent when they submitted: nothing else until the schedule acts.
SUBMITTED = ["acknowledgement", "verification_request"]


def tick(job: str = "work", **event: Any) -> dict[str, Any]:
    """EventBridge Scheduler fires the housekeeping function with this job."""
    from privacydesk.handlers import scheduled  # noqa: PLC0415 - after the desk's environment

    result: dict[str, Any] = scheduled.lambda_handler(
        {"job": job, **event}, LocalContext("HousekeepingFunction")
    )
    return result


def day(n: float) -> datetime:
    """The moment n days after START (the test's requests are received at START)."""
    return START + timedelta(days=n)


def every_mail(desk: Desk) -> list[dict[str, Any]]:
    """The whole outbox, oldest first."""
    _, listing = call(desk, "GET", "/v1/outbox")
    return list(reversed(listing["outbox"]))


def mail_of(desk: Desk, ref: str) -> dict[str, list[str]]:
    """The templates of the case's outgoing mail, oldest first: to the requester, and to the team."""
    mails = outbox(desk, ref)
    return {
        "requester": [m["template"] for m in mails if m["to"] != TEAM],
        "team": [m["template"] for m in mails if m["to"] == TEAM],
    }


def escalations(desk: Desk, ref: str) -> list[tuple[str, str]]:
    """(day, reason) of every escalation recorded on the case's timeline, in order."""
    return [
        (e["at"][:10], e["detail"]["reason"])
        for e in case_detail(desk, ref)["events"]
        if e["type"] == "escalated"
    ]


def assign(desk: Desk, ref: str) -> None:
    """The team takes the case (so no 'unassigned' escalation comes)."""
    assert call(desk, "POST", f"/v1/cases/{ref}/assign", {"assignee": "dpo@example.com"})[0] == 200


def verified(desk: Desk, **fields: Any) -> str:
    """A request whose requester entered the mailed code, taken by the team; its reference."""
    ref: str = submit(desk, **fields)["ref"]
    code, _ = latest_secrets(desk, ref)
    assert verify(desk, ref, code=code)[0] == 200
    assign(desk, ref)
    assert desk.drain_outbox() == 1  # "verified"
    return ref


# ------------------------------------------------------------------------------ requester reminders


def test_an_unverified_request_is_reminded_at_3_and_7_days_and_closed_at_14(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN an access request whose requester never confirms their address; its first mails sent
    ref = submit(desk)["ref"]
    assert desk.drain_outbox() == 2
    assert mail_of(desk, ref) == {"requester": SUBMITTED, "team": []}
    first_code, first_token = latest_secrets(desk, ref)

    # WHEN the schedule runs on day 2
    clock.now = day(2)
    assert tick()["count"] == 1
    # THEN nothing goes to the requester; the team hears the case is still unassigned
    assert mail_of(desk, ref) == {"requester": SUBMITTED, "team": ["team_escalation"]}
    assert escalations(desk, ref) == [("2026-01-14", "unassigned")]
    # AND the same tick again queues nothing
    assert tick()["count"] == 0
    assert mail_of(desk, ref) == {"requester": SUBMITTED, "team": ["team_escalation"]}

    # WHEN it runs on day 3
    clock.now = day(3)
    assert tick()["count"] == 1
    # THEN one reminder goes out, carrying a new code and link
    after_3 = [*SUBMITTED, "reminder_verification"]
    assert mail_of(desk, ref) == {"requester": after_3, "team": ["team_escalation"]}
    assert desk.drain_outbox() == 2
    secrets = mailed_secrets(desk, ref)
    assert len(secrets) == 2
    assert secrets[-1][1] != first_token
    # AND the first link no longer works
    assert verify(desk, ref, token=first_token)[0] == 400
    if secrets[-1][0] != first_code:
        assert verify(desk, ref, code=first_code)[0] == 400
    # AND the same tick again queues nothing
    assert tick()["count"] == 0
    assert mail_of(desk, ref)["requester"] == after_3

    # WHEN it runs on days 4 to 6, nothing is due
    for n in (4, 5, 6):
        clock.now = day(n)
        assert tick()["count"] == 0
    assert mail_of(desk, ref)["requester"] == after_3

    # WHEN it runs on day 7
    clock.now = day(7)
    assert tick()["count"] == 1
    # THEN the second reminder goes out, once
    after_7 = [*after_3, "reminder_verification"]
    assert mail_of(desk, ref)["requester"] == after_7
    assert tick()["count"] == 0
    assert mail_of(desk, ref)["requester"] == after_7
    assert case_detail(desk, ref)["state"] == "awaiting_verification"

    # WHEN it runs on day 13, nothing is due yet
    clock.now = day(13)
    assert tick()["count"] == 0
    # WHEN it runs on day 14
    clock.now = day(14)
    assert tick()["count"] == 1
    # THEN the request is closed unverified, and the requester told so, once
    after_14 = [*after_7, "closed_unverified"]
    assert mail_of(desk, ref) == {"requester": after_14, "team": ["team_escalation"]}
    case = case_detail(desk, ref)
    assert case["state"] == "closed_unverified"
    assert case["closed_at"] == day(14).isoformat()
    assert tick()["count"] == 0
    # AND a closed case is never reminded, escalated or closed again
    for n in (21, 30, 60):
        clock.now = day(n)
        tick()
    assert mail_of(desk, ref) == {"requester": after_14, "team": ["team_escalation"]}
    assert desk.drain_outbox() == 2
    assert {m["status"] for m in outbox(desk, ref)} == {"sent"}


def test_a_reminders_new_code_replaces_the_one_the_requester_had_and_verifies(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN an access request whose requester asked for a fresh code on day 2 (valid for 72 hours)
    submitted = submit(desk)
    ref = submitted["ref"]
    clock.now = day(2.5)
    assert resend(desk, ref, status_token(submitted))[0] == 202
    resent_code, resent_token = latest_secrets(desk, ref)
    # WHEN the day-3 reminder goes out, before that code expired
    clock.now = day(3)
    tick()
    reminder_code, reminder_token = latest_secrets(desk, ref)
    assert reminder_token != resent_token
    # THEN the code and link the requester had stop working
    assert verify(desk, ref, token=resent_token)[0] == 400
    if reminder_code != resent_code:
        assert verify(desk, ref, code=resent_code)[0] == 400
    # AND the reminder's code verifies the request
    clock.advance(hours=1)
    assert verify(desk, ref, code=reminder_code)[1]["state"] == "verified"
    # AND a verified request is neither reminded again nor closed
    reminders = mail_of(desk, ref)["requester"].count("reminder_verification")
    for n in (7, 14, 15):
        clock.now = day(n)
        tick()
    assert mail_of(desk, ref)["requester"].count("reminder_verification") == reminders == 1
    assert "closed_unverified" not in mail_of(desk, ref)["requester"]
    assert case_detail(desk, ref)["state"] == "verified"


def test_a_wrong_code_after_a_reminder_is_still_refused(desk: Desk, clock: FakeClock) -> None:
    # GIVEN an access request reminded on day 3
    ref = submit(desk)["ref"]
    clock.now = day(3)
    tick()
    code, _ = latest_secrets(desk, ref)
    # WHEN someone guesses a code THEN it is refused, and the reminder's code still works
    assert verify(desk, ref, code=other_code(code))[0] == 400
    assert verify(desk, ref, code=code)[0] == 200


@pytest.mark.parametrize(
    "ticks",
    [
        pytest.param([(10, ["reminder_verification"]), (15, ["closed_unverified"])], id="first-tick-day-10"),
        pytest.param([(15, ["closed_unverified"])], id="first-tick-day-15"),
    ],
)
def test_a_tick_after_downtime_sends_only_the_latest_due_mail_never_a_burst(
    desk: Desk, clock: FakeClock, ticks: list[tuple[int, list[str]]]
) -> None:
    # GIVEN an unverified access request, and a schedule that was down since it came in
    ref = submit(desk)["ref"]
    assert mail_of(desk, ref)["requester"] == SUBMITTED
    seen = list(SUBMITTED)
    for n, new in ticks:
        # WHEN the schedule first runs again on day n (and once more, as a retried schedule would)
        clock.now = day(n)
        tick()
        tick()
        # THEN only the latest mail due by then is queued, once
        seen += new
        assert mail_of(desk, ref)["requester"] == seen
    # AND the team heard of the unassigned case once, not once a day
    assert mail_of(desk, ref)["team"] == ["team_escalation"]


# -------------------------------------------------------------------------------- team escalations


def test_a_verified_gdpr_case_is_escalated_7_3_and_1_days_before_due_and_when_overdue_each_once(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a verified GDPR access request, taken by the team, due on 12 February 2026
    ref = verified(desk)
    assert case_detail(desk, ref)["due"] == "2026-02-12"
    before = mail_of(desk, ref)
    assert before["team"] == []
    # WHEN the schedule runs every morning (and retries once) for five weeks
    for n in range(36):
        clock.now = day(n)
        tick()
        tick()
    # THEN the team is warned 7, 3 and 1 days before the due date, about the extension cutoff, and the
    # morning after the due date; each once
    assert sorted(escalations(desk, ref)) == [
        ("2026-02-05", "before"),
        ("2026-02-09", "before"),
        ("2026-02-09", "extension_cutoff"),
        ("2026-02-11", "before"),
        ("2026-02-13", "overdue"),
    ]
    days_before = [
        e["detail"]["key"].rsplit(":", 1)[-1]
        for e in case_detail(desk, ref)["events"]
        if e["type"] == "escalated" and e["detail"]["reason"] in {"before", "overdue"}
    ]
    assert days_before == ["7d", "3d", "1d", "overdue"]
    # AND each warning is one mail to the team, naming the case; the requester gets nothing more
    after = mail_of(desk, ref)
    assert after == {"requester": before["requester"], "team": ["team_escalation"] * 5}
    team = [m for m in outbox(desk, ref) if m["to"] == TEAM]
    assert all(ref in m["subject"] for m in team)
    assert desk.drain_outbox() == 5


def test_the_extension_cutoff_is_warned_on_its_morning_when_no_other_warning_falls_near_it(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a deployment that warns of a deadline only the day before it, and a verified GDPR request
    # due on 12 February 2026, whose extension notice must go out by then (warned three mornings before)
    monkeypatch.setenv("ESCALATE_BEFORE_DAYS", "1")
    reset_caches()
    ref = verified(desk)
    # WHEN the schedule runs every morning up to the cutoff warning's
    for n in range(29):
        clock.now = day(n)
        tick()
    # THEN the cutoff warning came that morning: the case was indexed for it although the
    # warning lapses (after 12 February) long before this machine's own clock reads these tests
    assert escalations(desk, ref) == [("2026-02-09", "extension_cutoff")]


def test_after_downtime_only_the_latest_escalation_is_sent(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a verified GDPR access request, taken by the team, due on 12 February 2026
    ref = verified(desk)
    # WHEN the schedule is down from the day it came in until two days after it was due
    clock.now = day(0)
    tick()
    clock.now = datetime.fromisoformat("2026-02-14T09:00:00+00:00")
    tick()
    tick()
    # THEN the team gets the overdue warning only: not the three it missed, nor the lapsed cutoff
    assert escalations(desk, ref) == [("2026-02-14", "overdue")]
    assert mail_of(desk, ref)["team"] == ["team_escalation"]


def test_a_ccpa_case_whose_acknowledgement_was_sent_is_not_escalated_for_it(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN two CCPA requests (receipt must be confirmed within 10 business days, by 26 January 2026):
    # the first one's acknowledgement was sent, the second one's is still stuck in the outbox
    sent = submit(desk, regime="ccpa")["ref"]
    assert desk.drain_outbox() == 2
    stuck = submit(desk, email="bea@example.org", regime="ccpa")["ref"]
    for ref in (sent, stuck):
        assign(desk, ref)
        [item] = case_detail(desk, ref)["items"]
        assert item["clocks"]["acknowledge_by"] == "2026-01-26"
    assert [m["status"] for m in outbox(desk, stuck) if m["template"] == "acknowledgement"] == ["pending"]
    # WHEN the case work runs every morning until the acknowledgement was due (the sender never runs)
    for n in range(15):
        clock.now = day(n) - timedelta(hours=3)
        tick()
    # THEN only the case whose acknowledgement never went out is escalated for it, once
    assert escalations(desk, sent) == []
    assert escalations(desk, stuck) == [("2026-01-26", "acknowledge_by")]
    assert mail_of(desk, sent)["team"] == []
    assert mail_of(desk, stuck)["team"] == ["team_escalation"]


# -------------------------------------------------------------------------------------- the digest


def test_the_digest_is_queued_once_a_day_as_text_and_html_without_requester_addresses(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a new access request from a named requester
    ref = submit(desk)["ref"]
    desk.drain_outbox()
    assert [m for m in every_mail(desk) if m["template"] == "digest"] == []
    # WHEN the digest job runs twice the same day
    clock.advance(hours=1)
    assert tick("digest") == {"job": "digest", "count": 1}
    clock.advance(hours=5)
    assert tick("digest") == {"job": "digest", "count": 0}
    # THEN one digest is queued, to the team
    [digest] = [m for m in every_mail(desk) if m["template"] == "digest"]
    assert digest["to"] == TEAM
    assert digest["case"] is None
    # AND it is sent as text with an HTML alternative, listing the case but not who asked
    assert desk.drain_outbox() == 1
    [raw] = [m.raw_data for m in desk.sent_messages() if "digest" in m.raw_data.lower()]
    message = message_from_string(raw, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    for body in parts.values():
        assert ref in body
    for personal in (REQUESTER, "ana.requester", "Ana Requester"):
        assert personal not in raw
        assert personal not in digest["text"]
        assert all(personal not in body for body in parts.values())
    # AND the next day brings the next digest, once
    clock.advance(days=1)
    assert tick("digest")["count"] == 1
    assert tick("digest")["count"] == 0
    assert len([m for m in every_mail(desk) if m["template"] == "digest"]) == 2


def test_a_full_tick_twice_at_the_same_moment_queues_nothing_the_second_time(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN two unverified requests, three days old, with their first mails sent
    refs = [submit(desk)["ref"], submit(desk, email="bea@example.org")["ref"]]
    desk.drain_outbox()
    clock.now = day(3)
    # WHEN every job runs, then runs again at the same moment
    first = tick("all")
    queued = every_mail(desk)
    second = tick("all")
    # THEN the first run queued a reminder and an escalation per case and one digest
    assert first["counts"]["work"] == 2
    assert first["counts"]["digest"] == 1
    assert sorted(m["template"] for m in queued if m["created_at"] == day(3).isoformat()) == [
        "digest",
        "reminder_verification",
        "reminder_verification",
        "team_escalation",
        "team_escalation",
    ]
    # AND the second run found nothing due and queued nothing
    assert second["counts"]["work"] == second["counts"]["digest"] == 0
    assert [m["id"] for m in every_mail(desk)] == [m["id"] for m in queued]
    for ref in refs:
        assert mail_of(desk, ref)["requester"] == [*SUBMITTED, "reminder_verification"]


# ------------------------------------------------------------------------------- running "as of"


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_running_as_of_another_time_is_refused_unless_the_deployment_allows_it(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a new unverified request, on a deployment as AWS runs it
    ref = submit(desk)["ref"]
    later = day(3).isoformat()
    # WHEN a scheduled job is asked to run three days ahead
    # THEN it refuses (into the dead-letter queue), and nothing is done
    for allowed in (None, "false"):
        if allowed is not None:
            monkeypatch.setenv("ALLOW_CLOCK_OVERRIDE", allowed)
            reset_caches()
        with pytest.raises(ValueError, match="another time"):
            tick("work", now=later)
        with pytest.raises(ValueError, match="another time"):
            tick("all", now=later)
        assert mail_of(desk, ref)["requester"] == SUBMITTED
    # WHEN the local stack's setting allows it
    monkeypatch.setenv("ALLOW_CLOCK_OVERRIDE", "true")
    reset_caches()
    # THEN the job runs as of that time: the day-3 reminder is queued, stamped with it
    assert tick("work", now=later) == {"job": "work", "count": 1}
    [reminder] = [m for m in outbox(desk, ref) if m["template"] == "reminder_verification"]
    assert reminder["created_at"] == later
    # AND a date alone means its midnight UTC: the day-7 reminder (at 09:00) is not due yet then
    assert tick("work", now=date(2026, 1, 19).isoformat()) == {"job": "work", "count": 0}
    assert tick("all", now="2026-01-19T09:00:00")["counts"]["work"] == 1
    assert mail_of(desk, ref)["requester"] == [*SUBMITTED, "reminder_verification", "reminder_verification"]


# ------------------------------------------------------------------------------------ the read cost


def seed_cases(desk: Desk, like: str, received: list[datetime]) -> list[str]:
    """More open cases like `like`, received at the given moments, indexed as the repository indexes them
    (by when their next scheduled action falls due), written 25 to a batch: through the API or one
    transaction each, moto would spend most of a minute copying the table for every write."""
    from privacydesk.handlers.ports import desk_ports  # noqa: PLC0415 - after the desk's environment

    ports = desk_ports()
    template = ports.repo.get_case(like)
    assert template is not None
    cases = [
        replace(
            template,
            ref=new_reference(),
            received_at=at,
            chain=GENESIS,
            version=1,
            flags=(),
            status_token_hash=None,
        )
        for at in received
    ]
    items = [to_dynamo(case_to_item(case, next_due_of(case, ports.settings))) for case in cases]
    client = desk.session.client("dynamodb")
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        assert not client.batch_write_item(RequestItems={desk.env["CASES_TABLE"]: batch})["UnprocessedItems"]
    return [case.ref for case in cases]


def due_index_size(desk: Desk) -> int:
    """How many cases the sparse index of scheduled work holds (due now or later)."""
    answer = desk.session.client("dynamodb").query(
        TableName=desk.env["CASES_TABLE"],
        IndexName="gsi3",
        KeyConditionExpression="gsi3pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "DUE#CASE"}},
        Select="COUNT",
    )
    count: int = answer["Count"]
    return count


def test_one_run_reads_only_the_cases_that_are_due(desk: Desk, clock: FakeClock) -> None:
    from privacydesk.handlers.ports import desk_ports  # noqa: PLC0415 - after the desk's environment

    # GIVEN 300 open unverified requests: 5 came in on day 0, 295 on day 5
    first = submit(desk)["ref"]
    due = [first, *seed_cases(desk, first, [START] * 4)]
    later = seed_cases(desk, first, [day(5)] * 295)
    assert due_index_size(desk) == 300
    # WHEN the case work runs on day 2, when only the first 5 are due (unassigned for 2 days)
    clock.now = day(2) + timedelta(hours=1)
    assert tick() == {"job": "work", "count": 5}
    # THEN the run read the 5 due cases from the index, not the 300 open ones
    assert desk_ports().repo.last_due_read == 5
    # AND it escalated exactly those 5, each once
    team = [m for m in every_mail(desk) if m["template"] == "team_escalation"]
    assert sorted(m["case"] for m in team) == sorted(due)
    assert not set(later) & {m["case"] for m in team}
    # AND the next run reads nothing
    assert tick()["count"] == 0
    assert desk_ports().repo.last_due_read == 0
