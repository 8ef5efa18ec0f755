"""`make bench` (e) and (f): the cost of planning disclosure notices, and the pace of sending them.

(e) planning 100,000 recipients from an audience list: SQS and DynamoDB write calls per recipient
    (goals: at most 0.2 and 0.1)
(f) 2,000 notices sent at a configured 200 per second through a throttling injector that refuses any send
    beyond 200 in the last second, as SES does: achieved pace (goal: within 5% of 200) and throttling errors
    (goal: none)
"""

import contextlib
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


@contextmanager
def _uncounted_queues() -> Iterator[None]:
    """moto recounts a queue's messages on every send (quadratic in the queue's length); nothing here reads
    those counts, and the bench counts calls rather than timing them, so they are left at zero meanwhile."""
    from unittest import mock  # noqa: PLC0415

    from moto.sqs.models import Queue  # noqa: PLC0415

    counters = (
        "approximate_number_of_messages",
        "approximate_number_of_messages_delayed",
        "approximate_number_of_messages_not_visible",
    )
    with contextlib.ExitStack() as patches:
        for name in counters:
            patches.enter_context(mock.patch.object(Queue, name, property(lambda _: 0)))
        yield


@contextmanager
def _notices_on_mock(recipients: int, rate: float) -> Iterator[Any]:
    """A desk on mock_aws with a declared disclosure whose audience list holds `recipients` addresses."""
    from moto import mock_aws  # noqa: PLC0415
    from tests.integration.conftest import desk_on_mock  # noqa: PLC0415

    from privacydesk_local.moto_patches import light_transactions  # noqa: PLC0415

    # As on the local stack: moto's own transaction copies the whole table for each write.
    light_transactions()
    os.environ["NOTICE_SEND_RATE"] = str(rate)
    with mock_aws(), desk_on_mock() as desk, _uncounted_queues():
        from privacydesk.handlers.notice_ports import notice_ports  # noqa: PLC0415
        from privacydesk.logic.disclosures import Declaration, declare  # noqa: PLC0415
        from privacydesk.models.disclosure import Audience  # noqa: PLC0415

        body = "".join(f"person{n:07d}@example.org,{('en', 'de', 'fr')[n % 3]}\n" for n in range(recipients))
        desk.session.client("s3").put_object(
            Bucket=desk.env["DISCLOSURE_BUCKET"], Key="audiences/bench.txt", Body=body.encode()
        )
        ports = notice_ports()
        declaration = Declaration(
            recipient="Bench Partners Ltd",
            purpose="Measuring the planner",
            categories=("contact",),
            audience=Audience(list_key="audiences/bench.txt"),
            effective=ports.desk.clock().date() + timedelta(days=45),
        )
        disclosure = declare(declaration, ports, actor="team:bench")
        yield desk, ports, disclosure


def _count_calls(counter: Counter[str]) -> None:
    from privacydesk.integrations.aws import client  # noqa: PLC0415

    for service in ("dynamodb", "sqs", "s3"):
        client(service).meta.events.register(
            "before-call.*.*",
            lambda model, **_: counter.update([f"{model.service_model.service_name}:{model.name}"]),
        )


def planning_cost(recipients: int = 100_000) -> tuple[int, float, float, Counter[str]]:
    """(recipients planned, SQS calls per recipient, DynamoDB write calls per recipient, every call)."""
    from privacydesk.logic.plan_notices import plan  # noqa: PLC0415

    with _notices_on_mock(recipients, 200.0) as (_, ports, disclosure):
        calls: Counter[str] = Counter()
        _count_calls(calls)
        planned = 0
        done = False
        while not done:
            outcome = plan(disclosure.disclosure_id, ports, seconds_left=lambda: 900.0)
            planned += outcome.planned
            done = outcome.done
    sqs = sum(n for name, n in calls.items() if name.startswith("sqs:"))
    writes = sum(n for name, n in calls.items() if name.startswith("dynamodb:") and name[9:] in _WRITES)
    return planned, sqs / planned, writes / planned, calls


class ThrottlingInjector:
    """Refuses a send, as SES does, when `limit` sends were already accepted in the last second."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._accepted: deque[float] = deque()
        self._lock = threading.Lock()
        self.refused = 0
        self.times: list[float] = []

    def __call__(self, model: Any, **_: Any) -> None:
        """botocore before-call hook on SES v2 SendEmail."""
        if model.name != "SendEmail":
            return
        from botocore.exceptions import ClientError  # noqa: PLC0415

        now = time.monotonic()
        with self._lock:
            while self._accepted and self._accepted[0] <= now - 1.0:
                self._accepted.popleft()
            if len(self._accepted) >= self._limit:
                self.refused += 1
                raise ClientError(
                    {
                        "Error": {
                            "Code": "TooManyRequestsException",
                            "Message": "Maximum sending rate exceeded.",
                        }
                    },
                    "SendEmail",
                )
            self._accepted.append(now)
            self.times.append(now)


def send_pace(sends: int = 2_000, rate: float = 200.0) -> tuple[int, float, int]:
    """(notices sent, achieved sends per second from first to last, throttling errors) for one sender.

    The sending stage as deployed: a real notice, paced by the Pacer, sent through the SesSender to moto's
    SES behind the throttling injector. The bookkeeping around each send is measured by `full_path`.
    """
    with _notices_on_mock(1, rate) as (_, ports, disclosure):
        from privacydesk.integrations.ses_sender import SesSender, send_client  # noqa: PLC0415
        from privacydesk.logic.pace import Pacer  # noqa: PLC0415
        from privacydesk.logic.plan_notices import plan  # noqa: PLC0415
        from privacydesk.logic.send_notices import notice_mime  # noqa: PLC0415

        plan(disclosure.disclosure_id, ports, seconds_left=lambda: 900.0)
        [recipient] = ports.store.recipient_page(disclosure.disclosure_id, None, 1)
        raw = notice_mime(disclosure, recipient, ports)
        ses = send_client()
        injector = ThrottlingInjector(int(rate))
        ses.meta.events.register("before-call.sesv2.SendEmail", injector)
        sender = SesSender(ses, ports.desk.settings.ses_configuration_set)
        pacer = Pacer(rate)
        for n in range(sends):
            pacer.wait()
            sender.send_raw(raw, f"{disclosure.disclosure_id}.{n}", tag="notice")
        times = injector.times
    pace = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    return len(times), pace, injector.refused


def full_path(sends: int = 300) -> tuple[float, float, Counter[str]]:
    """(notices per second through the whole sender on moto, AWS calls per notice, every call)."""
    with _notices_on_mock(sends, 10_000.0) as (desk, ports, disclosure):
        from privacydesk.integrations.ses_sender import SesSender, send_client  # noqa: PLC0415
        from privacydesk.logic.pace import Pacer  # noqa: PLC0415
        from privacydesk.logic.plan_notices import plan  # noqa: PLC0415
        from privacydesk.logic.send_notices import NoticeMessage, send_notices  # noqa: PLC0415

        while not plan(disclosure.disclosure_id, ports, seconds_left=lambda: 900.0).done:
            pass
        sqs = desk.session.client("sqs")
        url = desk.resources.queues["NoticeQueue"]
        batches = []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            batches.append([NoticeMessage(*_message(m)) for m in batch])
        calls: Counter[str] = Counter()
        _count_calls(calls)
        ses = send_client()
        ses.meta.events.register("before-call.*.*", lambda model, **_: calls.update([f"sesv2:{model.name}"]))
        sender = SesSender(ses, ports.desk.settings.ses_configuration_set)
        started = time.perf_counter()
        for messages in batches:
            send_notices(messages, ports, sender, Pacer(10_000.0))
        took = time.perf_counter() - started
    sent = calls["sesv2:SendEmail"] or 1
    return sent / took, sum(calls.values()) / sent, calls


def _message(raw: dict[str, Any]) -> tuple[str, str, str]:
    import json  # noqa: PLC0415

    body = json.loads(raw["Body"])
    return raw["MessageId"], body["disclosure"], body["subject"]
