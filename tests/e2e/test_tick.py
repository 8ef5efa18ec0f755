"""`privacydesk tick` on the running local stack: jump weeks ahead and watch reminders, escalations,
closures and the digest happen, each once.

The journey runs once per test process (a module fixture) and every test checks one part of what it
recorded, so the tests hold under pytest-xdist too. The stack's own scheduler keeps firing at the real
time meanwhile: real time is before every threshold of these cases, so it queues no mail about them
(at most today's digest, which is told apart by its creation time).
"""

import json
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack, running_stack

pytestmark = pytest.mark.e2e

TEAM = "privacy-team@example.com"


@dataclass(frozen=True)
class Tick:
    """One `privacydesk tick --now` and what it printed."""

    now: datetime
    run: subprocess.CompletedProcess[str]

    @property
    def queued(self) -> list[tuple[str, str, str]]:
        """(template, case, to) of every mail the output lists as queued."""
        assert self.run.returncode == 0, self.run.stderr
        rows = []
        for line in self.run.stdout.splitlines():
            if line.startswith("  queued "):
                template, case, _, to = line.split()[1:5]
                rows.append((template, case, to))
        return rows

    def of(self, ref: str) -> list[str]:
        """The templates the output lists for one case."""
        return sorted(template for template, case, _ in self.queued if case == ref)

    def templates(self) -> Counter[str]:
        """How many of each template the output lists."""
        return Counter(template for template, _, _ in self.queued)


@dataclass(frozen=True)
class Journey:
    """Two unverified access requests, and the ticks run three days, a week and three weeks ahead."""

    stack: RunningStack
    first: str
    second: str
    received: datetime
    day3: Tick
    day7: Tick
    day21: Tick
    day21_again: Tick
    as_json: subprocess.CompletedProcess[str]
    # Right after the first three-weeks tick.
    outbox: list[dict[str, Any]]
    # After the second three-weeks tick and the one a day later.
    outbox_after: list[dict[str, Any]]
    cases: dict[str, dict[str, Any]]


def submit(stack: RunningStack, email: str) -> str:
    """A web-form access request over HTTP; its reference (its first two mails are queued with it)."""
    status, accepted = stack.request(
        "POST", "/v1/requests", {"email": email, "name": "Tess Ticker", "rights": ["access"]}
    )
    assert status == 202, accepted
    ref: str = accepted["ref"]
    return ref


def tick(stack: RunningStack, now: datetime, *extra: str) -> subprocess.CompletedProcess[str]:
    """`privacydesk tick --now ISO` from the stack's folder, once SES's events about what was sent
    before are recorded: the next step then does not race them for the same case."""
    quiet(stack)
    return stack.cli("tick", "--now", now.isoformat(), *extra)


def quiet(stack: RunningStack, timeout: float = 10.0) -> None:
    """Wait (at most `timeout` seconds, without failing) until every mail sent was reported delivered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outbox = stack.get("/v1/outbox")["outbox"]
        if all(m["delivery"] == "delivered" for m in outbox if m["status"] == "sent"):
            return
        time.sleep(0.2)


def settled(stack: RunningStack, outbox_id: str, timeout: float) -> list[dict[str, Any]]:
    """The outbox once the item is sent, or as it is when `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        outbox: list[dict[str, Any]] = stack.get("/v1/outbox")["outbox"]
        sent = [m for m in outbox if m["id"] == outbox_id and m["status"] == "sent"]
        if sent or time.monotonic() > deadline:
            return outbox
        time.sleep(0.3)


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    """GIVEN a fresh stack without samples and an unverified access request submitted over HTTP,
    WHEN `privacydesk tick` jumps 3, 7 and 21 days ahead (a second request arrives before the last
    jump, which is then run again, and once more a day later with --json),
    THEN what each tick printed, the outbox, and the cases afterwards."""
    folder: Path = tmp_path_factory.mktemp("tick")
    with running_stack(folder, samples=False) as stack:
        first = submit(stack, "tess.first@example.org")
        received = datetime.fromisoformat(stack.get(f"/v1/cases/{first}")["received_at"])
        day3 = Tick(received + timedelta(days=3), tick(stack, received + timedelta(days=3)))
        day7 = Tick(received + timedelta(days=7), tick(stack, received + timedelta(days=7)))
        second = submit(stack, "tess.second@example.org")
        at21 = received + timedelta(days=21)
        day21 = Tick(at21, tick(stack, at21))
        outbox = stack.get("/v1/outbox")["outbox"]
        day21_again = Tick(at21, tick(stack, at21))
        at22 = received + timedelta(days=22)
        as_json = tick(stack, at22, "--json")
        # The stream sends what a tick queued within a second or two; give it a generous margin. (Each
        # tick's sweep sends what an earlier tick queued and the stream did not: see the last test.)
        outbox_after = settled(stack, f"digest-{at22.date().isoformat()}", timeout=8)
        cases = {ref: stack.get(f"/v1/cases/{ref}") for ref in (first, second)}
        yield Journey(
            stack,
            first,
            second,
            received,
            day3,
            day7,
            day21,
            day21_again,
            as_json,
            outbox,
            outbox_after,
            cases,
        )


def mails(journey: Journey, ref: str) -> Counter[str]:
    """How many of each template the outbox holds for one case."""
    return Counter(m["template"] for m in journey.outbox_after if m["case"] == ref)


def escalation_reasons(journey: Journey, ref: str) -> list[str]:
    """Why the case was escalated to the team, one entry per escalation, in order."""
    return [e["detail"]["reason"] for e in journey.cases[ref]["events"] if e["type"] == "escalated"]


def test_three_days_ahead_the_requester_is_reminded_and_the_team_told_of_the_unassigned_case(
    journey: Journey,
) -> None:
    assert journey.day3.run.stdout.startswith(f"tick as of {journey.day3.now.isoformat()}: work 1, ")
    assert journey.day3.of(journey.first) == ["reminder_verification", "team_escalation"]
    assert ("reminder_verification", journey.first, "tess.first@example.org") in journey.day3.queued
    assert ("team_escalation", journey.first, TEAM) in journey.day3.queued
    assert journey.day3.templates()["digest"] == 1


def test_a_week_ahead_the_second_reminder_goes_out_once(journey: Journey) -> None:
    assert journey.day7.of(journey.first) == ["reminder_verification"]
    assert journey.day7.templates()["digest"] == 1


def test_three_weeks_ahead_both_requests_are_closed_with_escalations_and_a_digest_but_no_burst(
    journey: Journey,
) -> None:
    queued = journey.day21
    # THEN both requests are closed unverified, each with its notice
    for ref, address in (
        (journey.first, "tess.first@example.org"),
        (journey.second, "tess.second@example.org"),
    ):
        assert ("closed_unverified", ref, address) in queued.queued
        assert journey.cases[ref]["state"] == "closed_unverified"
    # AND the request no tick had seen yet gets its closure only: none of the reminders it missed
    assert "reminder_verification" not in queued.of(journey.second)
    assert queued.templates()["reminder_verification"] == 0
    # AND the team hears of the second case, which nobody took in three weeks
    assert ("team_escalation", journey.second, TEAM) in queued.queued
    assert all(to == TEAM for template, _, to in queued.queued if template == "team_escalation")
    # AND one digest goes to the team
    assert queued.templates()["digest"] == 1
    assert [to for template, _, to in queued.queued if template == "digest"] == [TEAM]


def test_the_same_tick_run_again_lists_no_mail(journey: Journey) -> None:
    assert journey.day21_again.run.returncode == 0, journey.day21_again.run.stderr
    assert journey.day21_again.queued == []
    assert "no mail queued" in journey.day21_again.run.stdout


def test_the_same_tick_run_again_queues_nothing(journey: Journey) -> None:
    # The jobs' own counts: the second run at the same instant found nothing to do.
    header = journey.day21_again.run.stdout.splitlines()[0]
    assert "work 0, digest 0" in header
    # AND the outbox holds what the first run queued, once, and nothing more
    at21 = journey.day21.now.isoformat()
    assert sorted(m["template"] for m in journey.outbox if m["created_at"] == at21) == sorted(
        template for template, _, _ in journey.day21.queued
    )
    at22 = (journey.received + timedelta(days=22)).isoformat()
    assert {m["id"] for m in journey.outbox_after if m["created_at"] != at22} == {
        m["id"] for m in journey.outbox
    }


def test_the_outbox_holds_each_expected_mail_exactly_once_and_sent(journey: Journey) -> None:
    # Everything queued before the last tick was sent by then (by the stream, or by that tick's sweep),
    # once: no item went out twice
    at22 = (journey.received + timedelta(days=22)).isoformat()
    earlier = [m for m in journey.outbox_after if m["created_at"] != at22]
    assert [m["id"] for m in earlier if m["status"] != "sent"] == []
    assert [m["id"] for m in earlier if m["duplicate_sends"]] == []
    assert len({m["id"] for m in journey.outbox_after}) == len(journey.outbox_after)
    # The first request: its two mails, two reminders, the closure; the team: one unassigned warning
    # (and, depending on the calendar, a warning that its due date is a week away)
    first = mails(journey, journey.first)
    assert {t: first[t] for t in first if t != "team_escalation"} == {
        "acknowledgement": 1,
        "verification_request": 1,
        "reminder_verification": 2,
        "closed_unverified": 1,
    }
    assert first["team_escalation"] == len(escalation_reasons(journey, journey.first))
    assert escalation_reasons(journey, journey.first).count("unassigned") == 1
    # The second request: its two mails and the closure; the team: one unassigned warning
    second = mails(journey, journey.second)
    assert {t: second[t] for t in second if t != "team_escalation"} == {
        "acknowledgement": 1,
        "verification_request": 1,
        "closed_unverified": 1,
    }
    assert second["team_escalation"] == len(escalation_reasons(journey, journey.second))
    assert escalation_reasons(journey, journey.second).count("unassigned") == 1
    # Every escalation (case, clock, threshold) comes once
    for ref in (journey.first, journey.second):
        keys = [e["detail"]["key"] for e in journey.cases[ref]["events"] if e["type"] == "escalated"]
        assert len(keys) == len(set(keys))
    # One digest for each day the ticks jumped to, sent to the team
    for moment in (journey.day3.now, journey.day7.now, journey.day21.now):
        digests = [
            m
            for m in journey.outbox_after
            if m["template"] == "digest" and m["created_at"] == moment.isoformat()
        ]
        assert [m["to"] for m in digests] == [TEAM]


def test_tick_json_prints_the_jobs_counts_and_the_mail_it_queued(journey: Journey) -> None:
    assert journey.as_json.returncode == 0, journey.as_json.stderr
    printed = json.loads(journey.as_json.stdout)
    assert printed["job"] == "all"
    assert printed["now"] == (journey.received + timedelta(days=22)).isoformat()
    counts = printed["counts"]
    assert set(counts) == {"work", "digest", "sweep", "anchor", "purge", "disclosures"}
    assert all(isinstance(n, int) for n in counts.values())
    # A day after the closures: nothing is due on the closed cases, and the day's digest is queued
    assert counts["work"] == 0
    assert counts["digest"] == 1
    assert [m["template"] for m in printed["queued"]] == ["digest"]


def test_mail_queued_after_a_tick_that_found_its_digest_queued_is_still_sent(journey: Journey) -> None:
    # GIVEN the second three-weeks tick, whose digest was already queued (its write is refused)
    # WHEN the tick a day later queues that day's digest
    at22 = (journey.received + timedelta(days=22)).date().isoformat()
    [digest] = [m for m in journey.outbox_after if m["id"] == f"digest-{at22}"]
    # THEN the stream sends it, as it sent everything before
    assert digest["status"] == "sent"
