"""SQS trigger: plans a disclosure's notices, one run at a time, each resuming from the stored cursor."""

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from privacydesk.handlers.notice_ports import notice_ports
from privacydesk.logic.plan_notices import plan
from privacydesk.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point of NoticePlannerFunction (batch size 1): an error leaves the message for a retry."""
    results = []
    for record in event.get("Records", []):
        try:
            disclosure_id = str(json.loads(record["body"])["plan"])
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("planning message refused", extra={"error": type(exc).__name__})
            continue
        outcome = plan(
            disclosure_id, notice_ports(), seconds_left=lambda: context.get_remaining_time_in_millis() / 1000
        )
        logger.info(
            "notices planned",
            extra={"disclosure": disclosure_id, "planned": outcome.planned, "done": outcome.done},
        )
        metrics.add_metric(name="notices_planned", unit=MetricUnit.Count, value=outcome.planned)
        results.append({"disclosure": disclosure_id, "planned": outcome.planned, "done": outcome.done})
    return {"results": results}
