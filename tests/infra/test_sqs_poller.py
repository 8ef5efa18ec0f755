"""The local SQS event source mapping: batches, partial failures, redelivery, redrive, idle and stop."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from privacydesk_local import template_resources as tr
from privacydesk_local.sqs_poller import RETRY_VISIBILITY_SECONDS, SqsPoller, failed_ids

REGION = "us-east-1"
# Longer than any test waits: a redelivery seen here comes from the poller's short retry visibility.
QUEUE_VISIBILITY = "30"
AFTER_RETRY_VISIBILITY = RETRY_VISIBILITY_SECONDS + 0.2


@pytest.fixture
def sqs(aws_credentials: None) -> Iterator[Any]:
    """An SQS client on moto's in-process mock."""
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def make_queue(sqs: Any, name: str = "work", **attributes: str) -> tuple[str, str]:
    """Create a queue; return its URL and ARN."""
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": QUEUE_VISIBILITY, **attributes})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def backlog(sqs: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) message counts of a queue."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]])


class Recorder:
    """A handler that records each event and answers with a given response (or raises it)."""

    def __init__(self, response: Any = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.response = response

    def __call__(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        if isinstance(self.response, Exception):
            raise self.response
        return self.response(event) if callable(self.response) else self.response

    @property
    def bodies(self) -> list[str]:
        """Every body delivered, in delivery order."""
        return [record["body"] for event in self.events for record in event["Records"]]


def wait_until(condition: Any, timeout: float = 10.0) -> bool:
    """Poll a condition until it holds or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# ------------------------------------------------------------------------------------------ delivery


def test_a_batch_arrives_in_lambdas_sqs_event_shape_and_is_deleted(sqs: Any) -> None:
    # GIVEN a queue with three messages, one carrying message attributes
    url, arn = make_queue(sqs)
    sqs.send_message(
        QueueUrl=url,
        MessageBody="first",
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "notice"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    for body in ("second", "third"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    handler = Recorder()
    poller = SqsPoller(sqs, url, arn, handler, batch_size=10)

    # WHEN the poller runs once
    handled = poller.poll_once()

    # THEN one invocation got all three, shaped as Lambda shapes SQS records
    assert handled == 3
    assert len(handler.events) == 1
    assert sorted(handler.bodies) == ["first", "second", "third"]
    records = {r["body"]: r for r in handler.events[0]["Records"]}
    first = records["first"]
    assert set(first) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfMessageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert first["eventSource"] == "aws:sqs"
    assert first["eventSourceARN"] == arn
    assert first["awsRegion"] == REGION
    assert first["md5OfBody"] == hashlib.md5(b"first").hexdigest()  # noqa: S324 - SQS's own checksum
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert first["attributes"]["SentTimestamp"].isdigit()
    assert first["attributes"]["ApproximateFirstReceiveTimestamp"].isdigit()
    assert first["messageAttributes"] == {
        "kind": {
            "stringValue": "notice",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        },
        "blob": {"binaryValue": "AAE=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
    }
    assert records["second"]["messageAttributes"] == {}
    assert "md5OfMessageAttributes" not in records["second"]
    # AND a successful batch is deleted: nothing is left, visible or in flight
    assert backlog(sqs, url) == (0, 0)


def test_batch_size_caps_each_invocation(sqs: Any) -> None:
    # GIVEN three messages and a batch size of one
    url, arn = make_queue(sqs)
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(n))
    handler = Recorder()
    poller = SqsPoller(sqs, url, arn, handler, batch_size=1)
    # WHEN the poller runs three times THEN each run hands over one message in its own invocation
    assert [poller.poll_once() for _ in range(3)] == [1, 1, 1]
    assert [len(e["Records"]) for e in handler.events] == [1, 1, 1]
    assert sorted(handler.bodies) == ["0", "1", "2"]


@pytest.mark.parametrize("batch_size", [0, 11])
def test_a_batch_size_sqs_cannot_receive_at_once_is_refused(sqs: Any, batch_size: int) -> None:
    url, arn = make_queue(sqs)
    with pytest.raises(ValueError, match="batch_size"):
        SqsPoller(sqs, url, arn, Recorder(), batch_size=batch_size)


# ------------------------------------------------------------------------------------------ failures


def test_partial_batch_failure_deletes_only_the_successes(sqs: Any) -> None:
    # GIVEN a handler reporting one of three messages as failed
    url, arn = make_queue(sqs)
    for body in ("ok-1", "bad", "ok-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)

    def fail_bad(event: dict[str, Any]) -> dict[str, Any]:
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    handler = Recorder(fail_bad)
    poller = SqsPoller(sqs, url, arn, handler, batch_size=10, report_failures=True)

    # WHEN the poller runs
    assert poller.poll_once() == 3

    # THEN only the failed message is left, in flight
    assert backlog(sqs, url) == (0, 1)
    # AND it alone comes back, well before the queue's own visibility timeout
    time.sleep(AFTER_RETRY_VISIBILITY)
    assert poller.poll_once() == 1
    (again,) = handler.events[-1]["Records"]
    assert again["body"] == "bad"
    assert again["attributes"]["ApproximateReceiveCount"] == "2"


def test_without_report_failures_a_returned_failure_list_is_ignored(sqs: Any) -> None:
    # GIVEN a function without ReportBatchItemFailures that returns a failure list anyway
    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    handler = Recorder(
        lambda event: {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    )
    poller = SqsPoller(sqs, url, arn, handler, report_failures=False)
    # WHEN it runs THEN the returned value means nothing: the message is deleted
    poller.poll_once()
    assert backlog(sqs, url) == (0, 0)


def test_an_unknown_item_identifier_fails_the_whole_batch(sqs: Any) -> None:
    # GIVEN a handler that reports a message id that is not in its batch
    url, arn = make_queue(sqs)
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    handler = Recorder({"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]})
    poller = SqsPoller(sqs, url, arn, handler, report_failures=True)
    # WHEN it runs THEN nothing is deleted: both messages are in flight, to come back
    poller.poll_once()
    assert backlog(sqs, url) == (0, 2)


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": None}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        ({"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}, {"m1", "m2"}),
        ({"batchItemFailures": [{"itemIdentifier": "other"}]}, {"m1", "m2"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"m1", "m2"}),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, {"m1", "m2"}),
        ({"batchItemFailures": [{"messageId": "m1"}]}, {"m1", "m2"}),
        ({"batchItemFailures": ["m1"]}, {"m1", "m2"}),
        ({"batchItemFailures": "m1"}, {"m1", "m2"}),
        ("done", {"m1", "m2"}),
    ],
)
def test_report_batch_item_failures_follows_lambdas_rules(response: Any, failed: set[str]) -> None:
    # GIVEN a batch of m1 and m2 WHEN the function answers THEN these are the messages to retry
    assert failed_ids(response, ["m1", "m2"]) == failed


def test_a_handler_exception_redelivers_the_whole_batch(sqs: Any) -> None:
    # GIVEN a handler that raises
    url, arn = make_queue(sqs)
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    handler = Recorder(RuntimeError("boom"))
    poller = SqsPoller(sqs, url, arn, handler, report_failures=True)

    # WHEN the poller runs
    assert poller.poll_once() == 2

    # THEN no message is deleted, and both come back once the retry visibility has passed
    assert backlog(sqs, url) == (0, 2)
    time.sleep(AFTER_RETRY_VISIBILITY)
    assert poller.poll_once() == 2
    assert sorted(handler.bodies) == ["a", "a", "b", "b"]
    assert {r["attributes"]["ApproximateReceiveCount"] for r in handler.events[-1]["Records"]} == {"2"}


def test_redrive_moves_a_message_to_the_dead_letter_queue_after_max_receive_count(sqs: Any) -> None:
    # GIVEN queues created from a template, the redriving queue first, with maxReceiveCount 2
    template = {
        "Resources": {
            "WorkQueue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "VisibilityTimeout": 30,
                    "RedrivePolicy": {
                        "deadLetterTargetArn": {"Fn::GetAtt": ["WorkDeadLetterQueue", "Arn"]},
                        "maxReceiveCount": 2,
                    },
                },
            },
            "WorkDeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        }
    }
    resources = tr.create_resources(template, "t", session=boto3.session.Session(region_name=REGION))
    url, dlq_url = resources.queues["WorkQueue"], resources.queues["WorkDeadLetterQueue"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    handler = Recorder(RuntimeError("always"))
    poller = SqsPoller(sqs, url, tr.queue_arn(resources, "WorkQueue"), handler, report_failures=True)

    # WHEN the handler fails it maxReceiveCount times and the poller receives once more
    assert poller.poll_once() == 1
    time.sleep(AFTER_RETRY_VISIBILITY)
    assert poller.poll_once() == 1
    time.sleep(AFTER_RETRY_VISIBILITY)
    assert poller.poll_once() == 0

    # THEN moto has moved it to the dead-letter queue, and the handler saw it exactly twice
    assert handler.bodies == ["poison", "poison"]
    assert backlog(sqs, url) == (0, 0)
    moved = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in moved] == ["poison"]


def test_create_resources_resolves_redrive_policies_dead_letter_queue_first(sqs: Any) -> None:
    # GIVEN a chain of redrives listed before the queues they redrive to
    def redriving_to(target: str) -> dict[str, Any]:
        policy = {"deadLetterTargetArn": {"Fn::GetAtt": [target, "Arn"]}, "maxReceiveCount": 3}
        return {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": policy}}

    template = {
        "Resources": {
            "First": redriving_to("Second"),
            "Second": redriving_to("Last"),
            "Last": {"Type": "AWS::SQS::Queue", "Properties": {}},
        }
    }
    # WHEN the resources are created
    resources = tr.create_resources(template, "t", session=boto3.session.Session(region_name=REGION))
    # THEN each queue redrives to the ARN of its dead-letter queue, and the listing keeps template order
    assert list(resources.queues) == ["First", "Second", "Last"]
    for queue, target in (("First", "Second"), ("Second", "Last")):
        attributes = sqs.get_queue_attributes(QueueUrl=resources.queues[queue], AttributeNames=["All"])
        assert attributes["Attributes"]["RedrivePolicy"] == (
            f'{{"deadLetterTargetArn": "{tr.queue_arn(resources, target)}", "maxReceiveCount": 3}}'
        )


def test_create_resources_refuses_a_redrive_cycle(sqs: Any) -> None:
    policy = {"deadLetterTargetArn": {"Fn::GetAtt": ["A", "Arn"]}, "maxReceiveCount": 3}
    template = {"Resources": {"A": {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": policy}}}}
    with pytest.raises(tr.TemplateError, match="cycle"):
        tr.create_resources(template, "t", session=boto3.session.Session(region_name=REGION))


# ------------------------------------------------------------------------------------------ running


def test_idle_waits_for_the_queue_and_for_the_batch_in_hand(sqs: Any) -> None:
    # GIVEN a running poller whose handler holds its batch until released
    url, arn = make_queue(sqs)
    entered, release = threading.Event(), threading.Event()

    def hold(event: dict[str, Any]) -> None:
        entered.set()
        release.wait(10)

    poller = SqsPoller(sqs, url, arn, Recorder(hold), interval=0.05)
    # THEN an empty queue with nothing in hand is idle
    assert poller.idle()
    # AND a visible message is not
    sqs.send_message(QueueUrl=url, MessageBody="x")
    assert not poller.idle()
    poller.start()
    try:
        # AND a batch in hand is not
        assert entered.wait(10)
        assert not poller.idle()
        # AND once it is handled and deleted, the poller is idle again
        release.set()
        assert wait_until(poller.idle)
    finally:
        poller.stop()
    assert backlog(sqs, url) == (0, 0)


def test_idle_counts_a_failed_message_waiting_to_come_back(sqs: Any) -> None:
    # GIVEN a message whose handling failed and that is in flight until its retry
    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    poller = SqsPoller(sqs, url, arn, Recorder(RuntimeError("boom")))
    poller.poll_once()
    # THEN the poller is not idle, in flight or visible again
    assert not poller.idle()
    time.sleep(AFTER_RETRY_VISIBILITY)
    assert not poller.idle()


def test_a_running_poller_with_two_workers_delivers_everything(sqs: Any) -> None:
    # GIVEN two workers (MaximumConcurrency: 2) and 25 messages
    url, arn = make_queue(sqs)
    handler = Recorder()
    poller = SqsPoller(sqs, url, arn, handler, batch_size=10, concurrency=2, interval=0.05)
    poller.start()
    try:
        for start in range(0, 25, 5):
            sqs.send_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(n), "MessageBody": f"m{n}"} for n in range(start, start + 5)],
            )
        # WHEN the workers have drained the queue
        assert wait_until(lambda: len(handler.bodies) >= 25 and poller.idle())
    finally:
        poller.stop()
    # THEN each message was delivered once, in batches of at most ten
    assert sorted(handler.bodies) == sorted(f"m{n}" for n in range(25))
    assert all(len(e["Records"]) <= 10 for e in handler.events)


class FlakyReceive:
    """An SQS client whose first receive fails, as a dropped connection to moto would."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.failures = 1

    def receive_message(self, **request: Any) -> Any:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("moto went away for a moment")
        return self._client.receive_message(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_the_poll_loop_survives_an_error(sqs: Any) -> None:
    # GIVEN a poller whose first receive fails
    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="after the error")
    client = FlakyReceive(sqs)
    handler = Recorder()
    poller = SqsPoller(client, url, arn, handler, interval=0.05)
    # WHEN it runs
    poller.start()
    try:
        # THEN it keeps polling and delivers the message
        assert wait_until(lambda: handler.bodies == ["after the error"])
    finally:
        poller.stop()
    assert client.failures == 0


def test_stop_is_prompt(sqs: Any) -> None:
    # GIVEN two workers long-polling an empty queue
    url, arn = make_queue(sqs)
    poller = SqsPoller(sqs, url, arn, Recorder(), concurrency=2)
    poller.start()
    time.sleep(0.3)
    # WHEN it is stopped THEN it stops within about two seconds
    started = time.monotonic()
    poller.stop()
    assert time.monotonic() - started < 2.5
    assert not any(
        thread.is_alive() for thread in threading.enumerate() if thread.name.startswith("sqs-work")
    )


# ------------------------------------------------------------------------------------------ template


def _function_with(events: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Events": events}}}}


def test_sqs_sources_reads_the_sqs_events_of_a_function() -> None:
    # GIVEN a function triggered by two queues (and by an API, which is no SQS source)
    template = _function_with(
        {
            "Notices": {
                "Type": "SQS",
                "Properties": {
                    "Queue": {"Fn::GetAtt": ["NoticeQueue", "Arn"]},
                    "BatchSize": 10,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "ScalingConfig": {"MaximumConcurrency": 2},
                },
            },
            "Plans": {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": "NoticePlanQueue.Arn"}}},
            "Api": {"Type": "Api", "Properties": {"Method": "get", "Path": "/x"}},
        }
    )
    # WHEN its sources are read THEN both queues come with their settings, SAM's defaults otherwise
    assert tr.sqs_sources(template, "Fn") == [
        tr.SqsSource(queue="NoticeQueue", batch_size=10, report_failures=True, max_concurrency=2),
        tr.SqsSource(queue="NoticePlanQueue", batch_size=10, report_failures=False, max_concurrency=None),
    ]


def test_sqs_sources_reads_short_form_tags_from_yaml(tmp_path: Any) -> None:
    # GIVEN the event as the template will write it
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Events:\n"
        "        Plans:\n"
        "          Type: SQS\n"
        "          Properties:\n"
        "            Queue: !GetAtt NoticePlanQueue.Arn\n"
        "            BatchSize: 1\n"
    )
    # THEN the loaded template gives its source
    assert tr.sqs_sources(tr.load_template(path), "Fn") == [
        tr.SqsSource(queue="NoticePlanQueue", batch_size=1)
    ]


@pytest.mark.parametrize(
    "properties",
    [
        {"Queue": "arn:aws:sqs:us-east-1:123456789012:literal"},
        {"Queue": {"Fn::GetAtt": ["NoticeQueue", "QueueName"]}},
        {"Queue": {"Fn::GetAtt": ["NoticeQueue", "Arn"]}, "MaximumBatchingWindowInSeconds": 5},
        {"Queue": {"Fn::GetAtt": ["NoticeQueue", "Arn"]}, "BatchSize": {"Ref": "Size"}},
    ],
)
def test_sqs_sources_refuses_what_the_local_poller_cannot_play(properties: dict[str, Any]) -> None:
    template = _function_with({"Notices": {"Type": "SQS", "Properties": properties}})
    with pytest.raises(tr.TemplateError):
        tr.sqs_sources(template, "Fn")


def test_sqs_sources_of_a_function_with_no_sqs_event_is_empty(template: dict[str, Any]) -> None:
    # GIVEN the real template WHEN a stream-triggered function's SQS sources are read THEN there are none
    assert tr.sqs_sources(template, "SenderFunction") == []
