"""SNS trigger: SES's events about the mail we sent (configuration set event destination)."""

import json
from typing import Any, cast

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from privacydesk.dal import get_repository
from privacydesk.dal.interface import DisclosureRepository
from privacydesk.handlers.sender import send_ports
from privacydesk.logic.delivery_events import record_delivery
from privacydesk.observability import logger, metrics, tracer
from privacydesk.schemas import EdgeValidationError, validate


def handle_record(record: dict[str, Any]) -> dict[str, Any]:
    """One SNS record: validate the SES event inside and record it."""
    try:
        event = json.loads(record["Sns"]["Message"])
        validate(event, "ses_event")
    except (KeyError, TypeError, ValueError, EdgeValidationError) as exc:
        # Not an SES event we understand: logged (without content) and dropped, never retried forever.
        logger.warning("ses event refused", extra={"error": type(exc).__name__})
        return {"outcome": "refused"}
    result = record_delivery(event, send_ports(), cast(DisclosureRepository, get_repository()))
    logger.info("ses event recorded", extra={"outcome": result.outcome, "outbox_id": result.outbox_id})
    metrics.add_metric(name=f"ses_event_{event['eventType']}"[:200], unit=MetricUnit.Count, value=1)
    return {"outcome": result.outcome, "outbox_id": result.outbox_id}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point of SesEventsFunction (SNS invokes it asynchronously; failures go to its queue)."""
    return {"results": [handle_record(record) for record in event.get("Records", [])]}
