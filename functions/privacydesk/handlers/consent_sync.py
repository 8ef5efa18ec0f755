"""DynamoDB Streams trigger on consent projections (filtered in template.yaml): mirrors each marketing opt-out
to the SES contact list's topic when one is set, and notes each sharing withdrawal as an objection on the
disclosures the person was told of. Grants are not mirrored: an opt-in recorded here must never undo an
unsubscribe the person made through SES's own links, which the ledger does not see."""

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from privacydesk.config import get_settings
from privacydesk.dal import get_repository
from privacydesk.dal.consent_items import item_to_record
from privacydesk.dal.table import from_dynamo
from privacydesk.handlers.notice_ports import notice_ports
from privacydesk.integrations.aws import client
from privacydesk.integrations.contact_list import SesContactList
from privacydesk.logic.consent import withdrawn_by
from privacydesk.logic.objections import record_objections
from privacydesk.models.consent import MARKETING, SHARING
from privacydesk.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def contact_list() -> SesContactList | None:
    """The configured contact list and marketing topic, or None when opt-outs are not mirrored."""
    settings = get_settings()
    if not settings.contact_list:
        return None
    return SesContactList(client("sesv2"), settings.contact_list, settings.marketing_topic)


def record_handler(record: DynamoDBRecord) -> dict[str, Any]:
    """Act on what this change withdrew: marketing (SES topic) and third-party sharing (objections)."""
    images = record.raw_event["dynamodb"]
    new = item_to_record(from_dynamo(images["NewImage"]))
    old = item_to_record(from_dynamo(images["OldImage"])) if images.get("OldImage") else None
    late = 0
    if withdrawn_by(old, new, SHARING):
        late = record_objections(new.subject, new.purposes[SHARING].at, notice_ports())
        if late:
            logger.warning("late objection to a closed disclosure", extra={"disclosures": late})
            metrics.add_metric(name="late_objections", unit=MetricUnit.Count, value=late)
    mirror = contact_list()
    if mirror is None or not withdrawn_by(old, new, MARKETING):
        return {"changed": False, "late_objections": late}
    # The record only says that something changed: the ledger's current state decides, so a record
    # retried after a later grant does not opt the person out again.
    current = get_repository().get_consent(new.subject)
    state = current.purposes.get(MARKETING) if current else None
    if current is None or state is None or state.granted:
        return {"changed": False, "late_objections": late}
    mirror.opt_out(current.address)
    logger.info("contact list topic opted out")
    metrics.add_metric(name="contact_list_opt_outs", unit=MetricUnit.Count, value=1)
    return {"changed": True, "late_objections": late}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Entry point of ConsentSyncFunction; failed records are reported back for retry."""
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
