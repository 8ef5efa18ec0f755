"""Integration fixtures: the template's resources on moto's mock_aws, handlers called in-process."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from privacydesk_local import template_resources as tr
from privacydesk_local.lambda_runtime import LocalContext
from privacydesk_local.smtp_inbound import receipt_event, ses_message_id
from privacydesk_local.stack import FUNCTIONS, LOCAL_PARAMETERS, REPO_ROOT, create_contact_list, reset_caches
from privacydesk_local.stream_poller import StreamPoller
from tests.integration.fakes import FakeClock, patch_clock, shared_botocore_loader


@dataclass
class Desk:
    """The desk on mock_aws: deliver mail as SES would, drain the outbox as the stream would."""

    env: dict[str, str]
    resources: tr.LocalResources
    session: boto3.session.Session

    def deliver(
        self, raw: bytes, *, sender: str = "someone@example.org", verdicts: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Store raw mail and invoke the inbound function, as the SES receipt rule does."""
        event = self.store(raw, sender=sender, verdicts=verdicts)
        return self.invoke_inbound(event)

    def store(
        self, raw: bytes, *, sender: str = "someone@example.org", verdicts: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Put the raw mail in the bucket and return the receipt event that would follow."""
        message_id = ses_message_id()
        self.session.client("s3").put_object(
            Bucket=self.env["MAIL_BUCKET"], Key=self.env["MAIL_PREFIX"] + message_id, Body=raw
        )
        event = receipt_event(
            raw,
            message_id=message_id,
            mail_from=sender,
            recipients=[LOCAL_PARAMETERS["PrivacyAddress"]],
            function_arn="arn:aws:lambda:us-east-1:123456789012:function:InboundEmailFunction",
            bucket=self.env["MAIL_BUCKET"],
            prefix=self.env["MAIL_PREFIX"],
        )
        receipt = event["Records"][0]["ses"]["receipt"]
        for name, status in (verdicts or {}).items():
            receipt[f"{name}Verdict"] = {"status": status}
        return event

    def invoke_inbound(self, event: dict[str, Any]) -> dict[str, Any]:
        """Call the inbound handler once."""
        from privacydesk.handlers import inbound_email  # noqa: PLC0415

        result: dict[str, Any] = inbound_email.lambda_handler(event, LocalContext("InboundEmailFunction"))
        return result

    def api(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Call the API handler with an API Gateway proxy event."""
        from privacydesk.handlers import api  # noqa: PLC0415
        from privacydesk_local.http_gateway import proxy_event  # noqa: PLC0415

        sent = {"Content-Type": "application/json", **(headers or {})}
        event = proxy_event(method, path, sent, (body or "").encode(), "127.0.0.1")
        response: dict[str, Any] = api.lambda_handler(event, LocalContext("ApiFunction"))
        return response

    def drain_outbox(self) -> int:
        """Hand every new outbox insert on the table's stream to the sender; returns how many."""
        from privacydesk.handlers import sender  # noqa: PLC0415

        poller = self._poller(sender.lambda_handler)
        total = 0
        while found := poller.poll_once():
            total += found
        return total

    def sync_consents(self) -> int:
        """Hand every new consent-state change on the stream to the contact-list mirror; returns how many."""
        from privacydesk.handlers import consent_sync  # noqa: PLC0415

        poller = self._poller(consent_sync.lambda_handler, "ConsentSyncFunction")
        total = 0
        while found := poller.poll_once():
            total += found
        return total

    def run_notices(
        self, *, send: bool = True, duplicate: bool = False, seconds_left: float = 900.0, runs: int = 1000
    ) -> None:
        """Run the notice planner, then the senders, until their queues are empty (as SQS triggers would).

        `duplicate` hands every batch to the sender twice (SQS delivers at least once); `seconds_left` is
        what each planning run is told it has left, and `runs` how many planning runs may happen.
        """
        from privacydesk.handlers import notice_planner, notice_sender  # noqa: PLC0415

        planning = LocalContext("NoticePlannerFunction", timeout_ms=int(seconds_left * 1000))
        for _ in range(runs):
            if not self._deliver("NoticePlanQueue", 1, lambda e: notice_planner.lambda_handler(e, planning)):
                break
        while send and self._deliver(
            "NoticeQueue",
            10,
            lambda event: [
                notice_sender.lambda_handler(event, LocalContext("NoticeSenderFunction"))
                for _ in range(2 if duplicate else 1)
            ][-1],
        ):
            pass

    def _deliver(self, queue: str, batch: int, handler: Any) -> int:
        """One receive of an SQS event source: failed items (batchItemFailures) come back at once."""
        sqs = self.session.client("sqs")
        url = self.resources.queues[queue]
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch).get("Messages", [])
        if not received:
            return 0
        event = {
            "Records": [
                {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
                for m in received
            ]
        }
        try:
            answer = handler(event) or {}
        except Exception:
            # A crashed invocation deletes nothing: every message comes back (here at once).
            for message in received:
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            raise
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        for message in received:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(received)

    def _poller(self, handler: Any, function: str = "SenderFunction") -> StreamPoller:
        # One poller per function, each reading the whole stream through its own filters (as Lambda does).
        pollers: dict[str, StreamPoller] = self.__dict__.setdefault("_pollers", {})
        if function not in pollers:
            pollers[function] = StreamPoller(
                self.session.client("dynamodbstreams"),
                self.resources.streams["CasesTable"],
                lambda event: handler(event, LocalContext(function)),
                lambda record: None,
                filters=stream_filters(function),
                send_rate=10_000,
            )
        return pollers[function]

    def sent_messages(self) -> list[Any]:
        """What moto's SES backend has accepted for sending."""
        from moto.ses.models import ses_backends  # noqa: PLC0415

        return list(ses_backends["123456789012"]["us-east-1"].sent_messages)


FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "privacydesk",
}


def stream_filters(function: str) -> list[dict[str, Any]]:
    """The template's FilterCriteria of a stream-triggered function."""
    return tr.stream_filters(tr.load_template(REPO_ROOT / "template.yaml"), function)


@contextmanager
def desk_on_mock() -> Iterator[Desk]:
    """The template's resources on the active mock_aws, with the functions' environment set meanwhile."""
    session = boto3.session.Session()
    template = tr.load_template(REPO_ROOT / "template.yaml")
    resources = tr.create_resources(template, "it", session=session)
    env: dict[str, str] = {}
    for function in FUNCTIONS:
        env.update(tr.function_environment(template, function, resources, LOCAL_PARAMETERS))
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    session.client("sesv2").create_email_identity(EmailIdentity=LOCAL_PARAMETERS["MailDomain"])
    create_contact_list(session.client("sesv2"), env)
    reset_caches()
    try:
        yield Desk(env=env, resources=resources, session=session)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_caches()


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    """GIVEN the template's tables, bucket and queues on mock_aws, with fake credentials."""
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws(), desk_on_mock() as desk:
        yield desk


@pytest.fixture(autouse=True, scope="module")
def _fast_sessions() -> Iterator[None]:
    with shared_botocore_loader():
        yield


@pytest.fixture
def clock(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """GIVEN the desk's clock under the test's control, starting at START (a Monday, 09:00 UTC)."""
    return patch_clock(monkeypatch)
