"""SQS trigger: sends queued disclosure notices, paced under this sender's share of the send rate."""

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from privacydesk.config import get_settings
from privacydesk.handlers.notice_ports import notice_ports
from privacydesk.integrations.aws import client
from privacydesk.integrations.ses_sender import SesSender, send_client
from privacydesk.logic.pace import Pacer
from privacydesk.logic.send_notices import NoticeMessage, send_notices
from privacydesk.observability import logger, metrics, tracer

# With no configured rate, notices take this share of the account's: replies and legal notices keep the rest.
_ACCOUNT_SHARE = 0.5


@cache
def sending() -> tuple[SesSender, Pacer]:
    """The SES sender and this execution environment's pacer, built once."""
    settings = get_settings()
    rate = settings.notice_send_rate or _ACCOUNT_SHARE * float(client("ses").get_send_quota()["MaxSendRate"])
    return SesSender(send_client(), settings.ses_configuration_set), Pacer(rate / settings.notice_senders)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point of NoticeSenderFunction; messages to retry are reported as batch item failures."""
    messages = []
    for record in event.get("Records", []):
        try:
            body = json.loads(record["body"])
            messages.append(NoticeMessage(record["messageId"], str(body["disclosure"]), str(body["subject"])))
        except (KeyError, TypeError, ValueError) as exc:
            # Only the planner writes this queue: a message it did not write is dropped, not retried forever.
            logger.warning("notice message refused", extra={"error": type(exc).__name__})
    sender, pacer = sending()
    retry = send_notices(
        messages,
        notice_ports(),
        sender,
        pacer,
        seconds_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    logger.info("notices processed", extra={"messages": len(messages), "retry": len(retry)})
    metrics.add_metric(name="notice_messages", unit=MetricUnit.Count, value=len(messages))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in retry]}
