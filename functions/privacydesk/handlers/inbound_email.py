"""SES receipt rule Lambda action: one inbound email per invocation (async, retried, on-failure queue)."""

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from privacydesk.config import get_settings
from privacydesk.dal import get_repository
from privacydesk.handlers.keys import ledger_key, verification_key
from privacydesk.handlers.ports import mail_store
from privacydesk.integrations.aws import client
from privacydesk.logic.clock import system_clock
from privacydesk.logic.intake import IntakePorts, process_inbound
from privacydesk.models.inbound import InboundNotice
from privacydesk.observability import logger, metrics, tracer
from privacydesk.schemas import validate

_VERDICTS = {
    "spam": "spamVerdict",
    "virus": "virusVerdict",
    "spf": "spfVerdict",
    "dkim": "dkimVerdict",
    "dmarc": "dmarcVerdict",
}


def notice_from_event(event: dict[str, Any]) -> InboundNotice:
    """Validate an SES receipt event and map it to the notice intake works on."""
    validate(event, "ses_receipt_event")
    ses = event["Records"][0]["ses"]
    mail, receipt = ses["mail"], ses.get("receipt", {})
    message_id = mail["messageId"]
    return InboundNotice(
        message_id=message_id,
        received_at=datetime.fromisoformat(mail["timestamp"].replace("Z", "+00:00")),
        # The receipt rule's S3 action stores the raw mail under the prefix, named by message id.
        object_key=get_settings().mail_prefix + message_id,
        envelope_sender=mail.get("source") or None,
        verdicts={name: receipt[key]["status"] for name, key in _VERDICTS.items() if key in receipt},
    )


@cache
def _intake() -> tuple[Callable[..., dict[str, Any]], IdempotencyConfig]:
    settings = get_settings()
    ports = IntakePorts(
        mail=mail_store(),
        repo=get_repository(),
        clock=system_clock,
        settings=settings,
        key=verification_key,
        ledger_key=ledger_key,
    )
    # Built here, not at import: the persistence layer needs a client aimed at the right endpoint.
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table, boto3_client=client("dynamodb")
    )
    config = IdempotencyConfig(
        event_key_jmespath="Records[0].ses.mail.messageId",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=settings.idempotency_hours * 3600,
    )

    @idempotent_function(data_keyword_argument="event", persistence_store=persistence, config=config)
    def intake(event: dict[str, Any]) -> dict[str, Any]:
        return process_inbound(notice_from_event(event), ports).as_dict()

    return intake, config


def run_intake(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process one SES event exactly once (also used to replay a failed one)."""
    intake, config = _intake()
    config.register_lambda_context(context)
    metrics.add_metric(name="inbound_received", unit=MetricUnit.Count, value=1)
    result = intake(event=event)
    # The result holds an outcome, a case reference and a reason: no personal data.
    logger.info("inbound processed", extra=result)
    metrics.add_metric(name=f"inbound_{result['outcome']}", unit=MetricUnit.Count, value=1)
    return result


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point of InboundEmailFunction."""
    return run_intake(event, context)
