"""Fault tests of the outbox on moto: a sender dying between claim, send and mark; SES throttling, its
daily quota and a permanent refusal; replayed triggers; and moto's server going away mid-flow.

How the faults are made:
- The sender's process "dies" by raising CrashError, a BaseException: no `except Exception` in the code
  under test catches it, so it leaves the table exactly as a killed Lambda would. StreamLambda, the event
  source mapping in front of the sender, retries a dead batch whole, as Lambda does.
- SES misbehaves through a botocore `before-send` hook on the sender's own SES client (class Ses).
- moto's server is really stopped and started again on the same port (class Outage).
- Time moves only through the FakeClock; botocore's retry back-off is recorded instead of slept; the
  randomised run is seeded.
"""

import base64
import contextlib
import copy
import io
import json
import os
import random
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_string, policy
from types import ModuleType
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from privacydesk.dal import get_repository
from privacydesk.dal.dynamodb import DynamoCaseRepository
from privacydesk.integrations.ses_sender import SesSender
from privacydesk.logic.send_outbox import CLAIM_TIMEOUT, QUOTA_WAIT
from privacydesk.models.outbox import OutboxItem, OutboxStatus
from privacydesk_local.lambda_runtime import LocalContext
from privacydesk_local.moto_server import MotoServer
from privacydesk_local.stack import LOCAL_PARAMETERS
from privacydesk_local.stream_poller import StreamPoller
from tests.integration.conftest import FAKE_AWS_ENV, Desk, desk_on_mock, stream_filters
from tests.integration.fakes import FakeClock, patch_clock
from tests.integration.test_requests_api import submit

SEED = 20260112
TEAM = LOCAL_PARAMETERS["TeamAddress"]
# Past a stale claim (5 min), an unsent item's sweep threshold (10 min) and the longest throttle wait.
SETTLE_STEP = timedelta(minutes=16)
# The chance that an SES call starts a burst of throttling answers (the randomised run).
THROTTLE_CHANCE = 0.08


# ------------------------------------------------------------------------------------------ the faults


class CrashError(BaseException):
    """The sender's process dies here (a BaseException: `except Exception` in the sender lets it pass)."""


class FunctionError(Exception):
    """What the event source mapping sees of a function whose runtime died: an error for the whole batch."""


@dataclass
class Crashes:
    """Where each outbox item's sender dies, once: 'claimed' (after the claim, before SES), 'accepted'
    (SES took it, not yet marked) or 'marked' (marked sent, before the handler returns)."""

    plan: dict[str, str] = field(default_factory=dict)
    fired: list[tuple[str, str]] = field(default_factory=list)
    # Every message SES accepted, by outbox id, in order: the ground truth of what reached a requester.
    accepted: list[str] = field(default_factory=list)

    def point(self, outbox_id: str, point: str) -> None:
        """Die here if the plan says so and this item has not died here yet."""
        if self.plan.get(outbox_id) == point and (outbox_id, point) not in self.fired:
            self.fired.append((outbox_id, point))
            raise CrashError(f"sender died at {point} of {outbox_id}")

    def sends(self) -> Counter[str]:
        """How many messages SES accepted for each outbox id."""
        return Counter(self.accepted)


@pytest.fixture
def crashes(monkeypatch: pytest.MonkeyPatch) -> Crashes:
    """GIVEN crash points wrapped around the repository's claim and mark and the SES sender."""
    found = Crashes()
    claim, mark, send = DynamoCaseRepository.claim_outbox, DynamoCaseRepository.mark_sent, SesSender.send_raw

    def claim_outbox(self: DynamoCaseRepository, outbox_id: str, *args: Any, **kwargs: Any) -> Any:
        item = claim(self, outbox_id, *args, **kwargs)
        if item is not None:
            found.point(outbox_id, "claimed")
        return item

    def send_raw(self: SesSender, raw: bytes, outbox_id: str) -> str:
        message_id = send(self, raw, outbox_id)
        found.accepted.append(outbox_id)
        return message_id

    def mark_sent(self: DynamoCaseRepository, item: OutboxItem, *args: Any, **kwargs: Any) -> bool:
        found.point(item.outbox_id, "accepted")
        marked = mark(self, item, *args, **kwargs)
        found.point(item.outbox_id, "marked")
        return marked

    monkeypatch.setattr(DynamoCaseRepository, "claim_outbox", claim_outbox)
    monkeypatch.setattr(DynamoCaseRepository, "mark_sent", mark_sent)
    monkeypatch.setattr(SesSender, "send_raw", send_raw)
    return found


class _Raw(io.BytesIO):
    """The raw body of a canned HTTP response, as botocore reads it."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


def error_response(request: Any, status: int, code: str, message: str) -> AWSResponse:
    """An SES v2 (rest-json) error answer, as the service would send it."""
    body = json.dumps({"message": message}).encode()
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/json"}
    return AWSResponse(request.url, status, headers, _Raw(body))


def tagged_outbox_id(request: Any) -> str:
    """The outbox id a SendEmail request is tagged with."""
    tags = json.loads(request.body)["EmailTags"]
    return str(next(t["Value"] for t in tags if t["Name"] == "outbox_id"))


@dataclass
class Ses:
    """The network between the sender and SES, as a botocore `before-send` hook on the sender's client:
    it throttles, refuses or loses answers, and hands everything else on to moto (or to the server).

    moto's own `before-send` handler is taken off that client and called from here: botocore calls every
    `before-send` handler, so a refusal answered here would otherwise still be "sent" by moto as well.
    """

    forward: Callable[..., Any] | None = None
    calls: list[str] = field(default_factory=list)
    throttle_next: int = 0
    # outbox id -> (HTTP status, error code, message) answered for every send of that item meanwhile.
    refuse: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    # Random throttling bursts (the randomised run); None: only what the test sets.
    rng: random.Random | None = None
    bursts: list[int] = field(default_factory=list)
    # outbox ids whose next answer is lost after SES accepted the message (a read timeout).
    lose_answer: set[str] = field(default_factory=set)

    def __call__(self, request: Any, event_name: str, **kwargs: Any) -> AWSResponse | None:
        if event_name.endswith(".SendEmail"):
            refused = self._fault(request)
            if refused is not None:
                return refused
        return self.forward(event_name=event_name, request=request, **kwargs) if self.forward else None

    def _fault(self, request: Any) -> AWSResponse | None:
        outbox_id = tagged_outbox_id(request)
        self.calls.append(outbox_id)
        if self.rng is not None and not self.throttle_next and self.rng.random() < THROTTLE_CHANCE:
            # 1 to 4 in a row: botocore's own retries get through; 5 or more: the item is parked.
            self.throttle_next = self.rng.randint(1, 7)
            self.bursts.append(self.throttle_next)
        if self.throttle_next:
            self.throttle_next -= 1
            return error_response(request, 429, "TooManyRequestsException", "Maximum sending rate exceeded.")
        if outbox_id in self.refuse:
            return error_response(request, *self.refuse[outbox_id])
        if outbox_id in self.lose_answer:
            self.lose_answer.discard(outbox_id)
            # SES takes the message (sent here through a client of its own), and the answer never arrives.
            params = json.loads(request.body)
            raw = base64.b64decode(params["Content"]["Raw"]["Data"])
            boto3.session.Session().client("sesv2").send_email(
                Content={"Raw": {"Data": raw}}, EmailTags=params["EmailTags"]
            )
            raise ReadTimeoutError(endpoint_url=request.url)
        return None

    def calls_for(self, outbox_id: str) -> int:
        """How many SendEmail requests left the sender for this item (botocore's retries included)."""
        return self.calls.count(outbox_id)


class _NoSleep(ModuleType):
    """botocore.endpoint's `time`, with the retry back-off recorded instead of slept."""

    def __init__(self, naps: list[float]) -> None:
        super().__init__("time")
        self.naps = naps

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)


@pytest.fixture
def naps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """GIVEN the sender's throttling back-off (and botocore's, elsewhere) recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", _NoSleep(slept))
    monkeypatch.setattr("privacydesk.integrations.ses_sender.time", _NoSleep(slept))
    return slept


@pytest.fixture
def clock(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """GIVEN the desk's clock, the sender's and the sweep's included, under the test's control."""
    return sender_clock(monkeypatch)


def sender_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The fake clock in every handler; the sender's cached ports are rebuilt around it too."""
    from privacydesk.handlers import sender  # noqa: PLC0415 - after the desk's environment

    fake = patch_clock(monkeypatch)
    # The scheduled jobs hand their own clock to the sweep (the real one, unless the event names a time).
    monkeypatch.setattr("privacydesk.handlers.scheduled.system_clock", fake, raising=False)
    sender.send_ports.cache_clear()
    return fake


@pytest.fixture
def ses(clock: FakeClock, naps: list[float]) -> Ses:
    """GIVEN the hook on the very SES client the sender uses (the process-wide cached one)."""
    return hook_ses()


def hook_ses(**options: Any) -> Ses:
    """Put the hook in front of the sender's SES client, in place of moto's own `before-send` handler."""
    from moto.core.models import botocore_stubber  # noqa: PLC0415

    from privacydesk.handlers import sender  # noqa: PLC0415

    hook = Ses(forward=botocore_stubber, **options)
    # The sender's own client (one attempt per call, no hidden retry): the one to put the hook on.
    ses_client = sender.send_ports().sender._ses
    ses_client.meta.events.unregister("before-send", botocore_stubber)
    ses_client.meta.events.register_first("before-send.sesv2", hook)
    return hook


# ------------------------------------------------------------------------------------- the triggers


class StreamLambda:
    """The table's stream feeding the sender as the event source mapping does: a batch whose function
    died (CrashError) is reported as a function error and retried whole; every batch is kept for replay."""

    def __init__(self, desk: Desk, stream_arn: str | None = None) -> None:
        self.batches: list[dict[str, Any]] = []
        self.dropped: list[dict[str, Any]] = []
        self.deaths = 0
        self._poller = StreamPoller(
            desk.session.client("dynamodbstreams"),
            stream_arn or desk.resources.streams["CasesTable"],
            self._invoke,
            self.dropped.append,
            filters=stream_filters("SenderFunction"),
            send_rate=1e9,
        )

    def _invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.batches.append(event)
        try:
            return invoke_sender(event)
        except CrashError as exc:
            self.deaths += 1
            raise FunctionError("the sender's runtime exited") from exc

    def drain(self) -> int:
        """Hand every new outbox insert (and every batch due a retry) to the sender; how many records."""
        total = 0
        while found := self._poller.poll_once():
            total += found
        return total

    def replay(self) -> None:
        """Hand every batch ever delivered to the sender once more, as an at-least-once trigger may."""
        for event in list(self.batches):
            invoke_sender(event)


def invoke_sender(event: dict[str, Any]) -> dict[str, Any]:
    """The sender function, called once."""
    from privacydesk.handlers import sender  # noqa: PLC0415

    result: dict[str, Any] = sender.lambda_handler(event, LocalContext("SenderFunction"))
    return result


def sweep() -> int | None:
    """The scheduled sweep, fired once; None when its sender died on the way."""
    from privacydesk.handlers import scheduled  # noqa: PLC0415

    try:
        result = scheduled.lambda_handler({"job": "sweep"}, LocalContext("HousekeepingFunction"))
    except CrashError:
        return None
    count: int = result["count"]
    return count


@pytest.fixture
def stream(desk: Desk) -> StreamLambda:
    """GIVEN the sender behind the table's stream."""
    return StreamLambda(desk)


@dataclass
class Rig:
    """Everything a fault test drives: the desk, its clock, SES's network, the crash points, the stream."""

    desk: Desk
    clock: FakeClock
    ses: Ses
    crashes: Crashes
    stream: StreamLambda

    def acknowledgement(self) -> tuple[str, str]:
        """Submit a request over the API; its reference and its acknowledgement's outbox id."""
        ref: str = submit(self.desk)["ref"]
        return ref, mails_of(ref)["acknowledgement"].outbox_id

    def sends(self, outbox_id: str) -> int:
        """How many messages SES accepted for this item."""
        return self.crashes.sends()[outbox_id]


@pytest.fixture
def rig(desk: Desk, clock: FakeClock, ses: Ses, crashes: Crashes, stream: StreamLambda) -> Rig:
    """GIVEN the desk on mock_aws with its clock, SES's network, the crash points and the stream."""
    return Rig(desk, clock, ses, crashes, stream)


# ------------------------------------------------------------------------------------------ reading


def item(outbox_id: str) -> OutboxItem:
    """An outbox item as stored now."""
    found = get_repository().get_outbox(outbox_id)
    assert found is not None
    return found


def mails_of(ref: str) -> dict[str, OutboxItem]:
    """A case's outbox items by template."""
    return {o.template: o for o in get_repository().list_outbox(1000) if o.case_ref == ref}


def all_mail() -> list[OutboxItem]:
    """Every outbox item."""
    return get_repository().list_outbox(10_000)


def timeline(ref: str, kind: str) -> list[dict[str, Any]]:
    """The details of a case's timeline events of one kind."""
    return [e.detail for e in get_repository().list_events(ref) if e.type == kind]


def subject_of(message: Any) -> str:
    """The decoded subject of a message SES sent."""
    return str(message_from_string(message.raw_data, policy=policy.default)["Subject"])


def logged(caplog: pytest.LogCaptureFixture, message: str, outbox_id: str) -> int:
    """How many times the service logged this message about this outbox item."""
    return sum(
        1 for r in caplog.records if r.getMessage() == message and getattr(r, "outbox_id", None) == outbox_id
    )


def settle(stream: StreamLambda, clock: FakeClock, *, rounds: int = 40) -> int:
    """Move time on and fire the sweep until every item is sent or failed; how many sweeps it took."""
    for done in range(rounds):
        if all(o.status in {OutboxStatus.SENT, OutboxStatus.FAILED} for o in all_mail()):
            return done
        clock.advance(seconds=SETTLE_STEP.total_seconds())
        sweep()
        stream.drain()
    stuck = [o for o in all_mail() if o.status not in {OutboxStatus.SENT, OutboxStatus.FAILED}]
    pytest.fail(f"the outbox did not settle in {rounds} sweeps at {clock.now}: {stuck}")


# ------------------------------------------------------------------ 1. crash between each pair of steps


def test_a_sender_dying_after_its_claim_leaves_the_item_to_the_sweep_which_sends_it_once(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a request whose acknowledgement's sender will die right after claiming it
    ref, ack = rig.acknowledgement()
    rig.crashes.plan[ack] = "claimed"
    # WHEN the stream hands the new mail to the sender
    rig.stream.drain()
    # THEN the sender died holding the claim: the item is 'sending' and SES never saw it
    assert rig.stream.deaths == 1
    assert item(ack).status is OutboxStatus.SENDING
    assert (rig.sends(ack), rig.ses.calls_for(ack)) == (0, 0)
    # AND the dead batch's retry sent the other mail, and left the claimed one alone
    assert item(mails_of(ref)["verification_request"].outbox_id).status is OutboxStatus.SENT
    # WHEN the sweep runs while the claim is still fresh
    rig.clock.advance(seconds=(CLAIM_TIMEOUT - timedelta(seconds=1)).total_seconds())
    assert sweep() == 0
    assert rig.sends(ack) == 0
    # WHEN the claim has gone stale and the sweep runs
    rig.clock.advance(minutes=1)
    assert sweep() == 1
    # THEN the item is sent exactly once, on its second claim, and that second claim was logged
    assert rig.sends(ack) == 1
    assert (item(ack).status, item(ack).attempts) == (OutboxStatus.SENT, 2)
    assert logged(caplog, "outbox item taken again", ack) == 1
    assert [e["outbox_id"] for e in timeline(ref, "mail_sent")].count(ack) == 1
    # AND nothing is left for later sweeps
    rig.clock.advance(hours=1)
    assert sweep() == 0
    assert len(rig.desk.sent_messages()) == 2


def test_a_sender_dying_after_ses_accepted_is_the_one_documented_duplicate_and_it_is_detected(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a request whose acknowledgement's sender dies after SES accepted it, before marking it sent
    ref, ack = rig.acknowledgement()
    rig.crashes.plan[ack] = "accepted"
    # WHEN the stream hands the new mail to the sender
    rig.stream.drain()
    # THEN SES sent it, but the table still says 'sending', with no SES message id
    assert rig.sends(ack) == 1
    assert (item(ack).status, item(ack).ses_message_id) == (OutboxStatus.SENDING, None)
    # WHEN the claim goes stale and the sweep runs
    rig.clock.advance(seconds=(CLAIM_TIMEOUT + timedelta(minutes=1)).total_seconds())
    assert sweep() == 1
    # THEN the requester got the acknowledgement twice: the documented duplicate window
    assert rig.sends(ack) == 2
    assert len(rig.desk.sent_messages()) == 3
    # AND it shows: a second claim on the item, logged as taken again
    stored = item(ack)
    assert (stored.status, stored.attempts) == (OutboxStatus.SENT, 2)
    assert logged(caplog, "outbox item taken again", ack) == 1
    # AND the case's timeline records the one send that was marked (SES's events report both: not here)
    assert [e["outbox_id"] for e in timeline(ref, "mail_sent")].count(ack) == 1
    # AND later sweeps send nothing more
    rig.clock.advance(hours=1)
    assert sweep() == 0
    assert rig.sends(ack) == 2


def test_a_sender_too_slow_for_its_claim_is_the_same_window_and_says_so_when_it_marks(
    rig: Rig, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a sender that stalls after SES took the acknowledgement, until its claim is stale and the
    # sweep has taken the item over and sent it again
    ref, ack = rig.acknowledgement()
    send, stalled = SesSender.send_raw, []

    def send_raw(self: SesSender, raw: bytes, outbox_id: str) -> str:
        message_id = send(self, raw, outbox_id)
        if outbox_id == ack and not stalled:
            stalled.append(message_id)
            rig.clock.advance(seconds=(CLAIM_TIMEOUT + timedelta(minutes=1)).total_seconds())
            assert sweep() == 1
        return message_id

    monkeypatch.setattr(SesSender, "send_raw", send_raw)
    # WHEN the slow sender comes back and tries to mark the item sent
    rig.stream.drain()
    # THEN its mark is refused (the claim is the sweep's), and it logs the duplicate it caused
    assert rig.sends(ack) == 2
    assert logged(caplog, "outbox item was sent twice", ack) == 1
    # AND the item keeps the sweep's send: one SES id, one timeline event, two claims
    stored = item(ack)
    assert (stored.status, stored.attempts) == (OutboxStatus.SENT, 2)
    assert stored.ses_message_id not in stalled
    assert [e["ses_message_id"] for e in timeline(ref, "mail_sent") if e["outbox_id"] == ack] == [
        stored.ses_message_id
    ]


def test_a_sender_dying_after_it_marked_the_item_sent_leaves_nothing_to_resend(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a request whose acknowledgement's sender dies right after marking it sent
    ref, ack = rig.acknowledgement()
    rig.crashes.plan[ack] = "marked"
    # WHEN the stream hands the new mail to the sender, and its dead batch is retried
    rig.stream.drain()
    assert rig.stream.deaths == 1
    # THEN the item is sent, once, with its SES id on the item and on the timeline
    stored = item(ack)
    assert (stored.status, stored.attempts, rig.sends(ack)) == (OutboxStatus.SENT, 1, 1)
    assert [e["ses_message_id"] for e in timeline(ref, "mail_sent") if e["outbox_id"] == ack] == [
        stored.ses_message_id
    ]
    # WHEN the sweep runs past every threshold, twice
    for _ in range(2):
        rig.clock.advance(seconds=SETTLE_STEP.total_seconds())
        assert sweep() == 0
    # THEN nothing was sent again, and nothing was taken again
    assert rig.sends(ack) == 1
    assert len(rig.desk.sent_messages()) == 2
    assert logged(caplog, "outbox item taken again", ack) == 0


# ------------------------------------------------------------------------------- 2. the randomised run

# 50 trials of two requests, two mails each: 200 outbox items (PRIVACYDESK_FAULT_TRIALS=500 for a soak).
TRIALS = int(os.environ.get("PRIVACYDESK_FAULT_TRIALS", "50"))
REQUESTS_PER_TRIAL = 2
POINTS = ("none", "claimed", "accepted", "marked")


def fresh_cases_table(desk: Desk) -> str:
    """Drop the cases table and create it again as it was (keys, indexes, stream); its new stream's ARN.

    moto snapshots the whole table, stream included, for every operation of a transaction: writes slow
    down as the table grows, so each trial of the randomised run starts from an empty one.
    """
    db = desk.session.client("dynamodb")
    name = desk.env["CASES_TABLE"]
    table = db.describe_table(TableName=name)["Table"]
    db.delete_table(TableName=name)
    indexes = [
        {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
        for index in table.get("GlobalSecondaryIndexes", [])
    ]
    created = db.create_table(
        TableName=name,
        KeySchema=table["KeySchema"],
        AttributeDefinitions=table["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification=table["StreamSpecification"],
        **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
    )
    arn: str = created["TableDescription"]["LatestStreamArn"]
    return arn


class _OneSnapshotPerTable(ModuleType):
    """moto.dynamodb.models' `copy`, for one transaction: a table is deep-copied once for its rollback."""

    def __init__(self, table_type: type) -> None:
        super().__init__("copy")
        self._table_type = table_type
        self._snapshots: dict[int, Any] = {}

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if not isinstance(value, self._table_type):
            return copy.deepcopy(value, memo)
        if id(value) not in self._snapshots:
            self._snapshots[id(value)] = copy.deepcopy(value, memo)
        return self._snapshots[id(value)]


@pytest.fixture
def one_snapshot_per_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN moto backing up each table once per transaction instead of once per operation in it.

    moto deep-copies the whole table (its stream included) for every operation of a TransactWriteItems,
    all before the first write, and keeps the last copy: one copy is the same rollback, and most of the
    randomised run's time otherwise. Nothing else about the transaction changes.
    """
    from moto.dynamodb import models  # noqa: PLC0415
    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    transact = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(models, "copy", _OneSnapshotPerTable(Table))
            transact(self, transact_items)

    monkeypatch.setattr(models.DynamoDBBackend, "transact_write_items", transact_write_items)


@pytest.mark.usefixtures("one_snapshot_per_table")
def test_randomised_crashes_and_throttling_send_every_item_and_duplicate_only_in_the_window(
    rig: Rig, naps: list[float], figures: Callable[[str], None]
) -> None:
    rng = random.Random(SEED)
    rig.ses.rng = random.Random(SEED + 1)
    settled: list[OutboxItem] = []
    deaths = sweeps = 0
    for trial in range(TRIALS):
        # GIVEN an empty outbox, then two requests whose mails each get a random crash point (most none)
        stream = StreamLambda(rig.desk, fresh_cases_table(rig.desk))
        for n in range(REQUESTS_PER_TRIAL):
            submit(rig.desk, email=f"requester-{trial}-{n}@example.org")
            rig.clock.advance(seconds=rng.randint(1, 30))
        for mail in all_mail():
            rig.crashes.plan[mail.outbox_id] = rng.choices(POINTS, weights=(55, 15, 15, 15))[0]
        # WHEN the stream delivers them while SES throttles at random, and time and the sweep move on
        stream.drain()
        sweeps += settle(stream, rig.clock)
        deaths += stream.deaths
        # THEN every item is sent, with one 'mail_sent' event on its case
        mails = all_mail()
        assert Counter(o.status for o in mails) == {OutboxStatus.SENT: 2 * REQUESTS_PER_TRIAL}, trial
        refs = sorted({str(o.case_ref) for o in mails})
        events = Counter(e["outbox_id"] for ref in refs for e in timeline(ref, "mail_sent"))
        assert events == Counter(o.outbox_id for o in mails), trial
        settled += mails
    planned = Counter(rig.crashes.plan.values())
    sends = rig.crashes.sends()
    figures(
        f"outbox fault run (seed {SEED}): {len(settled)} items in {TRIALS} trials, crash points "
        f"{dict(planned)}, sender deaths {deaths}, sweeps {sweeps}, throttling bursts {len(rig.ses.bursts)} "
        f"(longest {max(rig.ses.bursts, default=0)}), SES calls {len(rig.ses.calls)}, "
        f"SES messages {len(rig.desk.sent_messages())}"
    )
    # THEN every crash point was reached as planned, and both throttling paths were taken
    assert Counter(point for _, point in rig.crashes.fired) == Counter({p: planned[p] for p in POINTS[1:]})
    assert any(b <= 2 for b in rig.ses.bursts), "no throttling burst that the sender's retries absorbed"
    assert any(b >= 3 for b in rig.ses.bursts), "no throttling burst that parked an item"
    assert any(o.attempts > 1 and rig.crashes.plan[o.outbox_id] == "none" for o in settled), "none parked"
    assert naps, "the sender never backed off"
    # AND no item was sent twice but those whose sender died between SES's answer and the mark, each twice
    assert set(sends) == {o.outbox_id for o in settled}
    twice = {oid for oid, n in sends.items() if n > 1}
    assert twice == {oid for oid, point in rig.crashes.plan.items() if point == "accepted"}
    assert max(sends.values()) == 2
    assert len(rig.desk.sent_messages()) == len(settled) + planned["accepted"]
    # AND each of those duplicates shows on its item: taken a second time
    assert all(o.attempts > 1 for o in settled if o.outbox_id in twice)


# ------------------------------------------------------------------------- 3. quota and permanent refusal


@pytest.mark.parametrize(
    "code",
    [
        "LimitExceededException",
        # SES's documented daily-quota error also comes as a throttling code: the message decides.
        "ThrottlingException",
    ],
)
def test_the_daily_quota_parks_an_item_for_an_hour_without_calling_ses_meanwhile(rig: Rig, code: str) -> None:
    # GIVEN SES refusing the acknowledgement because the daily quota is used up
    _, ack = rig.acknowledgement()
    rig.ses.refuse[ack] = (400, code, "Daily message quota exceeded.")
    # WHEN the stream hands it to the sender
    rig.stream.drain()
    # THEN it is parked until the quota may have reset, an hour from now, with SES's reason
    parked = item(ack)
    assert (parked.status, parked.retry_at) == (OutboxStatus.PARKED, rig.clock.now + QUOTA_WAIT)
    assert code in (parked.failure or "")
    # WHEN the quota resets, but the sweep runs before the hour is up, again and again
    del rig.ses.refuse[ack]
    calls = rig.ses.calls_for(ack)
    for _ in range(3):
        rig.clock.advance(minutes=19)
        assert sweep() == 0
    # THEN SES was not asked again: no hot loop
    assert rig.ses.calls_for(ack) == calls
    assert item(ack).status is OutboxStatus.PARKED
    # WHEN the hour is up
    rig.clock.advance(minutes=4)
    assert sweep() == 1
    # THEN it is sent, once
    assert (item(ack).status, rig.sends(ack)) == (OutboxStatus.SENT, 1)
    rig.clock.advance(hours=2)
    assert sweep() == 0
    assert rig.sends(ack) == 1


def test_a_permanent_refusal_fails_the_item_and_alerts_the_team_once(rig: Rig) -> None:
    # GIVEN SES rejecting the acknowledgement for good
    ref, ack = rig.acknowledgement()
    rig.ses.refuse[ack] = (400, "MessageRejected", "Email address is not verified.")
    # WHEN the stream hands it to the sender, and then the team's alert that it caused
    rig.stream.drain()
    # THEN the item failed, with the reason, after one try (botocore does not retry a rejection)
    failed = item(ack)
    assert failed.status is OutboxStatus.FAILED
    assert "MessageRejected" in (failed.failure or "")
    assert rig.ses.calls_for(ack) == 1
    assert rig.sends(ack) == 0
    # AND the case's timeline says so
    assert [e.get("reason") for e in timeline(ref, "mail_failed")] == [failed.failure]
    # AND exactly one alert went to the privacy team, and it was sent
    alerts = [o for o in all_mail() if o.template == "team_alert"]
    assert [(a.to, a.case_ref, a.status) for a in alerts] == [(TEAM, ref, OutboxStatus.SENT)]
    assert rig.sends(alerts[0].outbox_id) == 1
    assert len(rig.desk.sent_messages()) == 2  # the verification request and the alert
    before = outbox_state(rig, ref)
    # WHEN every stream record is replayed, and the sweep runs twice later on
    rig.stream.replay()
    for _ in range(2):
        rig.clock.advance(seconds=SETTLE_STEP.total_seconds())
        assert sweep() == 0
    # THEN nothing changed: no second alert, no second event, no SES call
    assert outbox_state(rig, ref) == before


def outbox_state(rig: Rig, ref: str) -> tuple[Any, ...]:
    """What a replayed trigger must not change: the outbox, the case's timeline, what SES was asked."""
    mails = sorted((o.outbox_id, o.status, o.attempts, o.ses_message_id) for o in all_mail())
    return mails, len(get_repository().list_events(ref)), len(rig.desk.sent_messages()), len(rig.ses.calls)


# ---------------------------------------------------------------------------- 4. duplicate delivery


def test_a_replayed_stream_record_and_a_sweep_fired_twice_send_nothing_more(rig: Rig) -> None:
    # GIVEN a request whose two mails the stream delivered and the sender sent
    ref, _ = rig.acknowledgement()
    assert rig.stream.drain() == 2
    assert sorted(rig.crashes.sends().values()) == [1, 1]
    before = outbox_state(rig, ref)
    [batch] = rig.stream.batches
    # WHEN the same records are handed to the sender again: once more, then twice within one batch
    assert invoke_sender(batch) == {"batchItemFailures": []}
    assert invoke_sender({"Records": batch["Records"] * 2}) == {"batchItemFailures": []}
    # AND the sweep is fired twice in a row, past every threshold
    rig.clock.advance(seconds=SETTLE_STEP.total_seconds())
    assert (sweep(), sweep()) == (0, 0)
    # THEN each mail was still sent once and recorded once, and SES was not asked again
    assert outbox_state(rig, ref) == before
    assert sorted(e["outbox_id"] for e in timeline(ref, "mail_sent")) == sorted(
        o.outbox_id for o in mails_of(ref).values()
    )


def test_a_replayed_record_for_an_item_another_sender_holds_leaves_it_alone(rig: Rig) -> None:
    # GIVEN an acknowledgement claimed by a sender that died, its claim still fresh
    _, ack = rig.acknowledgement()
    rig.crashes.plan[ack] = "claimed"
    rig.stream.drain()
    claim = item(ack).claim_id
    # WHEN its stream record is replayed within the claim timeout
    rig.clock.advance(minutes=4)
    rig.stream.replay()
    # THEN the replay neither sends it nor takes the claim over
    assert (item(ack).status, item(ack).claim_id, rig.sends(ack)) == (OutboxStatus.SENDING, claim, 0)


# ------------------------------------------------------- a lost answer from SES (botocore's own retry)


def test_an_ses_answer_lost_after_ses_took_the_message_is_never_an_undetected_duplicate(rig: Rig) -> None:
    # GIVEN SES that takes the acknowledgement but whose answer is lost on the way back (a read timeout)
    _, ack = rig.acknowledgement()
    rig.ses.lose_answer.add(ack)
    # WHEN the stream hands it to the sender, and the sweep runs past every threshold
    rig.stream.drain()
    rig.clock.advance(seconds=SETTLE_STEP.total_seconds())
    sweep()
    # THEN the requester got it once, or the second email is on record as the documented window is
    stored = item(ack)
    assert stored.status is OutboxStatus.SENT
    copies = sum(1 for m in rig.desk.sent_messages() if subject_of(m) == stored.subject)
    assert copies == 1 or stored.attempts > 1 or stored.duplicate_sends > 0, (
        f"{copies} emails reached the requester; the item shows attempts={stored.attempts}, "
        f"duplicate_sends={stored.duplicate_sends}, and nothing was logged"
    )


# ---------------------------------------------------------------------- 5. moto's server stopped mid-flow


class Outage:
    """One moto server that can be stopped and brought back on the same port.

    moto's state lives in this process's backends, not in the server: a new MotoServer on the same port
    serves the same tables, stream and SES record, exactly like the service coming back after an outage.
    While it is down every client gets a refused connection (EndpointConnectionError after botocore's
    retries), for DynamoDB, its stream and SES alike.
    """

    def __init__(self) -> None:
        self.server = MotoServer("127.0.0.1", 0)
        self.port = int(self.server.endpoint.rpartition(":")[2])
        self.server.start()
        self.up = True

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    def stop(self) -> None:
        if self.up:
            self.server.stop()
            self.up = False

    def restart(self) -> None:
        if not self.up:
            self.server = MotoServer("127.0.0.1", self.port)
            self.server.start()
            self.up = True

    def reset(self) -> None:
        """Forget every resource (moto's own reset endpoint)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our own local server
            pass


@dataclass
class ServedRig(Rig):
    """The rig against a real moto server that the test can take away."""

    outage: Outage


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, naps: list[float], crashes: Crashes) -> Iterator[ServedRig]:
    """GIVEN the template's resources on a moto server of its own, the handlers talking to it over HTTP."""
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    outage = Outage()
    monkeypatch.setenv("AWS_ENDPOINT_URL", outage.endpoint)
    try:
        outage.reset()
        with desk_on_mock() as desk:
            clock = sender_clock(monkeypatch)
            yield ServedRig(desk, clock, hook_ses(), crashes, StreamLambda(desk), outage)
    finally:
        outage.restart()
        outage.reset()
        outage.stop()


@pytest.mark.parametrize(
    ("stop_at", "copies"),
    [
        # After the claim, before SES: SES never had it; the stale claim is swept and sent once.
        ("before_ses", 1),
        # After SES took it, before the mark: the one documented duplicate window, as an outage makes it.
        ("after_ses", 2),
    ],
)
def test_moto_stopped_mid_flow_loses_nothing_and_the_sweep_finishes_once_it_is_back(
    served: ServedRig, monkeypatch: pytest.MonkeyPatch, stop_at: str, copies: int
) -> None:
    # GIVEN a request submitted while moto is up
    ref, ack = served.acknowledgement()
    verification = mails_of(ref)["verification_request"].outbox_id
    send, first = SesSender.send_raw, [True]

    def send_raw(self: SesSender, raw: bytes, outbox_id: str) -> str:
        stop = outbox_id == ack and first and first.pop()
        if stop and stop_at == "before_ses":
            served.outage.stop()
        message_id = send(self, raw, outbox_id)
        if stop and stop_at == "after_ses":
            served.outage.stop()
        return message_id

    monkeypatch.setattr(SesSender, "send_raw", send_raw)
    # WHEN moto goes away while the sender is busy with the acknowledgement (the stream's next read
    # fails too, which ends the delivery)
    with contextlib.suppress(EndpointConnectionError):
        served.stream.drain()
    assert not served.outage.up
    # AND a sweep fires during the outage, and fails
    served.clock.advance(minutes=3)
    with pytest.raises(EndpointConnectionError):
        sweep()
    # WHEN moto is back, with its state
    served.outage.restart()
    # THEN nothing was lost: both mails are in the outbox, the acknowledgement held by the dead sender
    assert item(ack).status is OutboxStatus.SENDING
    assert item(verification).status is OutboxStatus.PENDING
    # WHEN the stream and the sweep catch up past every threshold
    served.stream.drain()
    settle(served.stream, served.clock)
    # THEN both mails are sent: the verification once, the acknowledgement `copies` times
    assert {item(ack).status, item(verification).status} == {OutboxStatus.SENT}
    assert (served.sends(ack), served.sends(verification)) == (copies, 1)
    assert len(served.desk.sent_messages()) == copies + 1
    assert item(ack).attempts == 2
    # AND each is on the case's timeline once
    assert sorted(e["outbox_id"] for e in timeline(ref, "mail_sent")) == sorted([ack, verification])


# ------------------------------------------------------------- the local stream poller (infra/local)


def test_the_local_poller_keeps_a_failed_batch_for_retry_when_a_stream_read_fails(
    desk: Desk, clock: FakeClock, naps: list[float]
) -> None:
    # GIVEN a poller whose handler fails the first batch it is given
    calls: list[dict[str, Any]] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        calls.append(event)
        if len(calls) == 1:
            raise FunctionError("first delivery fails")
        return invoke_sender(event)

    streams = desk.session.client("dynamodbstreams")
    poller = StreamPoller(
        streams,
        desk.resources.streams["CasesTable"],
        handler,
        lambda record: None,
        filters=stream_filters("SenderFunction"),
        send_rate=1e9,
    )
    ref = submit(desk)["ref"]
    assert poller.poll_once() == 2
    # WHEN the next read of the stream fails (every one of botocore's attempts at it)
    down = [True]

    def unreachable(request: Any, **_: Any) -> None:
        if down[0]:
            raise EndpointConnectionError(endpoint_url=request.url)

    streams.meta.events.register_first("before-send.dynamodb-streams.DescribeStream", unreachable)
    with pytest.raises(EndpointConnectionError):
        poller.poll_once()
    down[0] = False
    # THEN the next poll still retries the failed batch, and both mails are sent
    poller.poll_once()
    assert {o.status for o in mails_of(ref).values()} == {OutboxStatus.SENT}
