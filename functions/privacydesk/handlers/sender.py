"""DynamoDB Streams trigger: sends each new outbox item (filtered to outbox inserts in template.yaml)."""

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from privacydesk.config import get_settings
from privacydesk.dal import get_repository
from privacydesk.dal.dynamodb import outbox_from_image
from privacydesk.handlers.keys import verification_key
from privacydesk.integrations.ses_sender import SesSender, send_client
from privacydesk.logic.clock import system_clock
from privacydesk.logic.send_outbox import SendPorts, send_item
from privacydesk.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def send_ports() -> SendPorts:
    """SES, the case store, the clock, settings and the signing key, as the sender needs them."""
    settings = get_settings()
    return SendPorts(
        sender=SesSender(send_client(), settings.ses_configuration_set),
        repo=get_repository(),
        clock=system_clock,
        settings=settings,
        key=verification_key,
    )


def record_handler(record: DynamoDBRecord) -> dict[str, Any]:
    """Send the outbox item whose insert this stream record carries."""
    outbox_id = outbox_from_image(record.raw_event["dynamodb"]["NewImage"]).outbox_id
    result = send_item(outbox_id, send_ports())
    logger.info("outbox item processed", extra={"outbox_id": result.outbox_id, "reason": result.reason})
    metrics.add_metric(
        name="outbox_sent" if result.sent else "outbox_skipped", unit=MetricUnit.Count, value=1
    )
    return {"outbox_id": result.outbox_id, "sent": result.sent}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Entry point of SenderFunction; failed records are reported back for retry."""
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
