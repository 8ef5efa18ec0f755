"""The local stack: moto as AWS, SMTP as SES inbound, HTTP as API Gateway, handlers in-process."""

import json
import logging
import os
import secrets
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from privacydesk_local import template_resources as tr
from privacydesk_local.http_gateway import HttpGateway
from privacydesk_local.lambda_runtime import AsyncInvoker, invoke, to_json
from privacydesk_local.mail_drop import SentMailDrop
from privacydesk_local.moto_server import MotoServer
from privacydesk_local.smtp_inbound import SesInboundHandler, SmtpInbound, receipt_event
from privacydesk_local.sqs_poller import SqsPoller
from privacydesk_local.stream_poller import StreamPoller

REPO_ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = (
    "InboundEmailFunction",
    "SenderFunction",
    "ConsentSyncFunction",
    "ApiFunction",
    "NoticePlannerFunction",
    "NoticeSenderFunction",
    "HousekeepingFunction",
    "SesEventsFunction",
)
LOCAL_PARAMETERS = {
    "PrivacyAddress": "privacy@example.com",
    "TeamAddress": "privacy-team@example.com",
    "MailDomain": "example.com",
    "OrganisationName": "Example Ltd privacy team",
    "ControllerAddress": "1 Example Street; EC1A 1BB; London; GB",
    "ControllerPhone": "+44 20 7946 0000",
    "PrivacyPolicyUrl": "https://example.com/privacy/{version}",
    # Replaced by the address the HTTP gateway actually binds when the stack starts.
    "PublicBaseUrl": "http://127.0.0.1:8080",
    # The local SES contact list marketing opt-outs are mirrored to (created when the stack starts).
    "ContactListName": "privacydesk-local-contacts",
    # Fast enough for the demo's 1,000 disclosure notices to go in seconds.
    "NoticeSendRate": "200",
}
_SLOW_STOP_SECONDS = 5.0
_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    # Without this, current botocore puts the account id in DynamoDB endpoints and moto answers 404.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


@dataclass(frozen=True)
class StackConfig:
    """Where the local stack listens and what it loads."""

    host: str = "127.0.0.1"
    smtp_port: int = 2525
    http_port: int = 8080
    moto_port: int = 0
    state_dir: Path = Path(".privacydesk")
    template: Path = REPO_ROOT / "template.yaml"
    samples: Path | None = REPO_ROOT / "events" / "mail"
    send_rate: float = 14.0
    # Seconds between runs of the scheduled jobs (EventBridge Scheduler's part); 0 turns them off.
    tick_every: float = 300.0
    parameters: dict[str, str] = field(default_factory=lambda: dict(LOCAL_PARAMETERS))


@dataclass(frozen=True)
class StackInfo:
    """The endpoints of a running stack, as written to stack.json."""

    api: str
    smtp_host: str
    smtp_port: int
    aws_endpoint: str
    privacy_address: str
    mail_bucket: str
    cases_table: str
    log_file: str
    # Stands in for IAM on the admin routes: API Gateway would refuse unsigned calls there.
    admin_token: str


class LocalStack:
    """Starts and stops every piece; the handlers run in this process against moto."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self._moto = MotoServer(config.host, config.moto_port)
        self._parts: list[Any] = []
        self.info: StackInfo | None = None
        self.inbound: AsyncInvoker | None = None
        self.poller: StreamPoller | None = None
        self.consent_sync: StreamPoller | None = None
        self.ses_events: AsyncInvoker | None = None
        self.sqs_pollers: list[SqsPoller] = []
        self._housekeeping: Any = None
        self._tick_lock = threading.Lock()

    def start(self) -> StackInfo:
        """Bring everything up, write stack.json, and return the endpoints."""
        self._moto.start()
        endpoint = self._moto.endpoint
        os.environ.update(_FAKE_AWS)
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        session = boto3.session.Session()
        template = self._template = tr.load_template(self.config.template)
        handlers: dict[str, Any] = {}
        admin_token = os.environ.get("PRIVACYDESK_ADMIN_TOKEN") or secrets.token_urlsafe(24)
        # Bound before the functions are configured: their links must carry the port actually bound.
        gateway = HttpGateway(
            lambda event: invoke("ApiFunction", handlers["ApiFunction"], event),
            self.config.host,
            self.config.http_port,
            public_routes=tr.public_routes(template, "ApiFunction"),
            admin_token=admin_token,
            local_routes={("POST", "/_local/tick"): lambda body: self.tick(_requested_time(body))},
        )
        self._parts.append(gateway)
        parameters = {**self.config.parameters, "PublicBaseUrl": f"http://{self.config.host}:{gateway.port}"}
        resources = tr.create_resources(
            template, "privacydesk-local", session=session, endpoint_url=endpoint, parameters=parameters
        )
        env: dict[str, str] = {}
        for function in FUNCTIONS:
            env.update(tr.function_environment(template, function, resources, parameters))
        # Only here may a scheduled job run "as of" another time: `privacydesk tick --now`.
        env["ALLOW_CLOCK_OVERRIDE"] = "true"
        os.environ.update(env)
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.config.state_dir / "stack.log"
        handlers.update(_load_handlers(log_file))
        domain = self.config.parameters["MailDomain"]
        ses = session.client("sesv2", endpoint_url=endpoint)
        ses.create_email_identity(EmailIdentity=domain)
        create_contact_list(ses, env)
        self._start_inbound(session, endpoint, env, handlers["InboundEmailFunction"])
        self.poller = self._stream_function(
            "SenderFunction",
            session=session,
            endpoint=endpoint,
            resources=resources,
            handler=handlers["SenderFunction"],
            failure_queue="SenderFailureQueue",
            send_rate=self.config.send_rate,
        )
        self.consent_sync = self._stream_function(
            "ConsentSyncFunction",
            session=session,
            endpoint=endpoint,
            resources=resources,
            handler=handlers["ConsentSyncFunction"],
            failure_queue="ConsentSyncFailureQueue",
        )
        for function in ("NoticePlannerFunction", "NoticeSenderFunction"):
            self.sqs_pollers += self._sqs_function(function, session, endpoint, resources, handlers[function])
        gateway.start()
        self._start_mail_drop(session, endpoint, resources, handlers["SesEventsFunction"])
        self._housekeeping = handlers["HousekeepingFunction"]
        if self.config.tick_every:
            ticker = LocalScheduler(lambda: self.tick(None), self.config.tick_every)
            ticker.start()
            self._parts.append(ticker)
        smtp = self._smtp
        self.info = StackInfo(
            api=f"http://{self.config.host}:{gateway.port}",
            smtp_host=self.config.host,
            smtp_port=smtp.port,
            aws_endpoint=endpoint,
            privacy_address=self.config.parameters["PrivacyAddress"],
            mail_bucket=env["MAIL_BUCKET"],
            cases_table=env["CASES_TABLE"],
            log_file=str(log_file.resolve()),
            admin_token=admin_token,
        )
        state = self.config.state_dir / "stack.json"
        # Only this user may read the admin token.
        state.touch(mode=0o600)
        state.chmod(0o600)
        state.write_text(json.dumps(asdict(self.info), indent=2) + "\n")
        return self.info

    def _start_inbound(
        self, session: boto3.session.Session, endpoint: str, env: dict[str, str], handler: Any
    ) -> None:
        s3 = session.client("s3", endpoint_url=endpoint)
        sqs = session.client("sqs", endpoint_url=endpoint)
        bucket, prefix = env["MAIL_BUCKET"], env["MAIL_PREFIX"]
        failure_url = env["INBOUND_FAILURE_QUEUE_URL"]
        self.inbound = AsyncInvoker(
            "InboundEmailFunction",
            handler,
            lambda record: sqs.send_message(QueueUrl=failure_url, MessageBody=to_json(record)),
        )
        self.inbound.start()
        self._parts.append(self.inbound)
        inbound = self.inbound

        def store(message_id: str, raw: bytes) -> None:
            s3.put_object(Bucket=bucket, Key=prefix + message_id, Body=raw)

        def fire(message_id: str, raw: bytes, envelope: Any) -> None:
            inbound.submit(
                receipt_event(
                    raw,
                    message_id=message_id,
                    mail_from=envelope.mail_from or "",
                    recipients=list(envelope.rcpt_tos),
                    function_arn="arn:aws:lambda:us-east-1:123456789012:function:InboundEmailFunction",
                    bucket=bucket,
                    prefix=prefix,
                )
            )

        handler_obj = SesInboundHandler([self.config.parameters["PrivacyAddress"]], store, fire)
        self._smtp = SmtpInbound(handler_obj, self.config.host, self.config.smtp_port)
        self._smtp.start()
        self._parts.append(self._smtp)

    def _stream_function(
        self,
        function: str,
        *,
        session: boto3.session.Session,
        endpoint: str,
        resources: tr.LocalResources,
        handler: Any,
        failure_queue: str,
        send_rate: float = 10_000.0,
    ) -> StreamPoller:
        """Play the function's DynamoDB stream event source mapping, with its filters and failure queue."""
        streams = session.client("dynamodbstreams", endpoint_url=endpoint)
        sqs = session.client("sqs", endpoint_url=endpoint)
        failure_url = resources.queues[failure_queue]
        poller = StreamPoller(
            streams,
            resources.streams["CasesTable"],
            lambda event: invoke(function, handler, event),
            lambda record: sqs.send_message(QueueUrl=failure_url, MessageBody=to_json(record)),
            filters=tr.stream_filters(self._template, function),
            send_rate=send_rate,
        )
        poller.start()
        self._parts.append(poller)
        return poller

    def _sqs_function(
        self,
        function: str,
        session: boto3.session.Session,
        endpoint: str,
        resources: tr.LocalResources,
        handler: Any,
    ) -> list[SqsPoller]:
        """Play the function's SQS event source mappings: batch size, partial failures, concurrency."""
        sqs = session.client("sqs", endpoint_url=endpoint)
        pollers = []
        for source in tr.sqs_sources(self._template, function, self.config.parameters):
            poller = SqsPoller(
                sqs,
                resources.queues[source.queue],
                tr.queue_arn(resources, source.queue),
                lambda event: invoke(function, handler, event),
                batch_size=source.batch_size,
                report_failures=source.report_failures,
                # One worker: the function takes one event at a time here (lambda_runtime.invoke), so more
                # would only poll the serialised moto more often.
                concurrency=1,
            )
            poller.start()
            self._parts.append(poller)
            pollers.append(poller)
        return pollers

    def _start_mail_drop(
        self, session: boto3.session.Session, endpoint: str, resources: tr.LocalResources, handler: Any
    ) -> None:
        sqs = session.client("sqs", endpoint_url=endpoint)
        failure_url = resources.queues["SesEventsFailureQueue"]
        # SNS invokes the function asynchronously: retried, then kept in its on-failure queue.
        self.ses_events = AsyncInvoker(
            "SesEventsFunction",
            handler,
            lambda record: sqs.send_message(QueueUrl=failure_url, MessageBody=to_json(record)),
        )
        self.ses_events.start()
        self._parts.append(self.ses_events)
        drop = SentMailDrop(self.config.state_dir / "sent", resources.region, self.ses_events.submit)
        drop.start()
        self._parts.append(drop)

    def tick(self, now: datetime | None) -> dict[str, Any]:
        """Run every scheduled job once, as of `now` (the real time when None), as the schedules would.

        The stream sends what the case work queued before the sweep runs: a sweep as of a later time
        would otherwise take the stream sender's fresh claims for stale ones and send their mail twice.
        """
        from privacydesk.handlers.scheduled import EVERYTHING  # noqa: PLC0415 - loaded with the handlers

        moment = now or datetime.now(UTC)
        counts: dict[str, int] = {}
        with self._tick_lock:
            for job in EVERYTHING:
                if job == "sweep":
                    self.wait_idle(timeout=60)
                event = {"job": job, "now": moment.isoformat()}
                counts[job] = invoke("HousekeepingFunction", self._housekeeping, event)["count"]
        self.wait_idle(timeout=60)
        return {"job": "all", "now": moment.isoformat(), "counts": counts}

    def deliver_samples(self) -> int:
        """Send every sample mail of the samples folder through the SMTP port; returns how many."""
        if not self.config.samples or not self.info:
            return 0
        files = sorted(self.config.samples.glob("*.eml"))
        with smtplib.SMTP(self.info.smtp_host, self.info.smtp_port, timeout=30) as smtp:
            for path in files:
                smtp.sendmail("sample-sender@example.org", [self.info.privacy_address], path.read_bytes())
        return len(files)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until inbound mail is processed and the outbox is drained; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.3)
            if self._idle():
                time.sleep(0.5)
                if self._idle():
                    return True
        return False

    def _idle(self) -> bool:
        parts = (self.inbound, self.poller, self.consent_sync, self.ses_events, *self.sqs_pollers)
        return all(part is not None and part.idle() for part in parts)

    def stop(self) -> None:
        """Stop every part, newest first, then moto; stack.json goes, so no command finds a dead stack."""
        (self.config.state_dir / "stack.json").unlink(missing_ok=True)
        for part in [*reversed(self._parts), self._moto]:
            started = time.monotonic()
            part.stop()
            took = time.monotonic() - started
            if took > _SLOW_STOP_SECONDS:
                # Said, not hidden: a stop that drags is what the next person debugging it needs to see.
                print(f"  stopping {type(part).__name__} took {took:.0f} s", flush=True)
        self._parts.clear()
        reset_caches()


class LocalScheduler:
    """Plays EventBridge Scheduler: runs the scheduled jobs at a fixed pace in the background."""

    def __init__(self, run: Callable[[], Any], every: float) -> None:
        self._run = run
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def start(self) -> None:
        """Start firing."""
        self._thread.start()

    def stop(self) -> None:
        """Stop firing (a run in progress finishes)."""
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._run()
            except Exception:
                logging.getLogger(__name__).exception("scheduled run failed")


def _requested_time(body: bytes) -> datetime | None:
    """The `now` a tick request asks for: a date or an ISO timestamp (UTC when no zone); None: real time."""
    text = json.loads(body or b"{}").get("now") if body else None
    if not text:
        return None
    moment = datetime.fromisoformat(str(text))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def create_contact_list(ses: Any, env: dict[str, str]) -> None:
    """The SES contact list and marketing topic the company's mailing system would own (SES allows one)."""
    ses.create_contact_list(
        ContactListName=env["CONTACT_LIST_NAME"],
        Topics=[
            {
                "TopicName": env["MARKETING_TOPIC"],
                "DisplayName": "Offers",
                "DefaultSubscriptionStatus": "OPT_IN",
            },
            # Another list of the company's: an opt-out of marketing must leave it as the person set it.
            {
                "TopicName": "product_news",
                "DisplayName": "Product news",
                "DefaultSubscriptionStatus": "OPT_OUT",
            },
        ],
    )


def _load_handlers(log_file: Path) -> dict[str, Any]:
    # Imported only now: Powertools reads its settings from the environment set above.
    from privacydesk.handlers import (  # noqa: PLC0415
        api,
        consent_sync,
        inbound_email,
        notice_planner,
        notice_sender,
        scheduled,
        sender,
        ses_events,
    )
    from privacydesk.observability import logger  # noqa: PLC0415

    reset_caches()
    stream = log_file.open("a", encoding="utf-8")
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)
    return {
        "InboundEmailFunction": inbound_email.lambda_handler,
        "SenderFunction": sender.lambda_handler,
        "ConsentSyncFunction": consent_sync.lambda_handler,
        "ApiFunction": api.lambda_handler,
        "NoticePlannerFunction": notice_planner.lambda_handler,
        "NoticeSenderFunction": notice_sender.lambda_handler,
        "HousekeepingFunction": scheduled.lambda_handler,
        "SesEventsFunction": ses_events.lambda_handler,
    }


def reset_caches() -> None:
    """Forget settings and clients cached by an earlier stack in this process (tests start several)."""
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

    from privacydesk import config, dal  # noqa: PLC0415
    from privacydesk.handlers import (  # noqa: PLC0415
        api,
        consent_sync,
        inbound_email,
        notice_ports,
        notice_sender,
        ports,
        sender,
    )
    from privacydesk.integrations import aws  # noqa: PLC0415

    for cached in (
        config.get_settings,
        dal.get_repository,
        inbound_email._intake,
        sender.send_ports,
        consent_sync.contact_list,
        api._failures,
        ports.desk_ports,
        ports.mail_store,
        ports.evidence_store,
        notice_ports.notice_ports,
        notice_sender.sending,
    ):
        cached.cache_clear()
    aws.reset_clients()
    # The signing key of an earlier stack must not outlive it.
    parameters.clear_caches()  # type: ignore[no-untyped-call]
