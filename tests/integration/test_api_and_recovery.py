"""The API's edges, replaying failed mail, and what reaches the logs."""

import io
import json
import logging

import pytest
from botocore.exceptions import EndpointConnectionError

from privacydesk.integrations.aws import client
from privacydesk.observability import logger
from privacydesk_local.lambda_runtime import destination_record, to_json
from tests.integration.conftest import Desk
from tests.integration.test_intake import _mail


def test_a_failed_delivery_is_replayed_from_the_on_failure_queue_and_then_leaves_it(desk: Desk) -> None:
    # GIVEN an SES event whose processing failed while DynamoDB was unreachable, so Lambda queued it
    event = desk.store(_mail("Copy", "Please send me a copy of my personal data."))
    message_id = event["Records"][0]["ses"]["mail"]["messageId"]
    dynamodb = client("dynamodb")

    def outage(**_: object) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    dynamodb.meta.events.register("before-call.dynamodb.TransactWriteItems", outage)
    with pytest.raises(EndpointConnectionError) as failure:
        desk.invoke_inbound(event)
    dynamodb.meta.events.unregister("before-call.dynamodb.TransactWriteItems", outage)
    sqs = desk.session.client("sqs")
    queue = desk.env["INBOUND_FAILURE_QUEUE_URL"]
    sqs.send_message(
        QueueUrl=queue,
        MessageBody=to_json(destination_record("InboundEmailFunction", event, failure.value, 3)),
    )
    # WHEN the team reprocesses it
    response = desk.api("POST", "/v1/reprocess", json.dumps({"message_id": message_id}))
    # THEN the case opens, and the queue no longer holds the event
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["outcome"] == "case_opened"
    assert body["previous_error"] == "EndpointConnectionError"
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)
    again = desk.api("POST", "/v1/reprocess", json.dumps({"message_id": message_id}))
    assert again["statusCode"] == 404


@pytest.mark.parametrize(
    "body", ["not json at all", json.dumps({"message_id": "../../x"}), json.dumps({"id": "x"})]
)
def test_a_bad_reprocess_body_gets_a_400_that_names_the_problem(desk: Desk, body: str) -> None:
    response = desk.api("POST", "/v1/reprocess", body)
    assert response["statusCode"] == 400
    error = json.loads(response["body"])["error"]
    assert error["code"] == "bad_request"
    assert error["message"].startswith("reprocess_request:")


def test_an_unknown_case_reference_is_a_404(desk: Desk) -> None:
    assert desk.api("GET", "/v1/cases/PD-0000-0000-0000")["statusCode"] == 404


def test_the_desk_page_escapes_what_requesters_wrote(desk: Desk) -> None:
    desk.deliver(_mail("<script>alert(1)</script>", "Please delete my account <b>now</b>."))
    page = desk.api("GET", "/")
    assert page["statusCode"] == 200
    assert "<script>alert(1)</script>" not in page["body"]
    assert "erasure" in page["body"]


def test_logs_carry_no_address_subject_or_text_of_the_requester(desk: Desk) -> None:
    # GIVEN the service's log lines, formatted as in Lambda, captured
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logger.registered_formatter)
    logging.getLogger("privacydesk").addHandler(handler)
    # AND a request whose address, subject and body carry unique markers
    raw = _mail(
        "Subject-Marker-7731", "Body-Marker-9920: please delete my account.", sender="marker-4410@example.org"
    )
    # WHEN it goes through intake and the acknowledgement is sent
    try:
        result = desk.deliver(raw)
        desk.drain_outbox()
    finally:
        logging.getLogger("privacydesk").removeHandler(handler)
    # THEN the logs show what happened, by reference, and none of the markers
    logs = captured.getvalue()
    assert result["case_ref"] not in ("", None)
    assert "inbound triaged" in logs
    for marker in ("marker-4410", "Subject-Marker-7731", "Body-Marker-9920", "example.org"):
        assert marker not in logs


def test_the_sender_sends_each_queued_mail_once_through_ses_with_auto_submitted(desk: Desk) -> None:
    # GIVEN an access request: an acknowledgement and an identity check are queued
    desk.deliver(_mail("Copy", "Please send me a copy of my personal data."))
    # WHEN the stream is drained twice
    assert desk.drain_outbox() == 2
    assert desk.drain_outbox() == 0
    # THEN SES sent two messages, each marked as automatic and recorded against its outbox item
    sent = {m.id: m for m in desk.sent_messages()}
    assert len(sent) == 2
    assert all("Auto-Submitted: auto-replied" in m.raw_data for m in sent.values())
    outbox = json.loads(desk.api("GET", "/v1/outbox")["body"])["outbox"]
    assert {i["status"] for i in outbox} == {"sent"}
    assert {i["ses_message_id"] for i in outbox} == set(sent)
    # AND the identity check went out with a real code and link, while the table kept only slots
    check = next(i for i in outbox if i["template"] == "verification_request")
    mailed = sent[check["ses_message_id"]].raw_data
    assert "[[verification-" not in mailed
    assert "[[verification-code]]" in check["text"]


def test_reprocess_finds_its_message_behind_many_other_failures(desk: Desk) -> None:
    # GIVEN 24 other failed deliveries queued before the one to replay
    sqs = desk.session.client("sqs")
    queue = desk.env["INBOUND_FAILURE_QUEUE_URL"]
    for _ in range(24):
        other = desk.store(_mail("Other", "Please delete my account."))
        sqs.send_message(
            QueueUrl=queue, MessageBody=to_json(destination_record("InboundEmailFunction", other, None, 3))
        )
    event = desk.store(_mail("Copy", "Please send me a copy of my personal data."))
    message_id = event["Records"][0]["ses"]["mail"]["messageId"]
    sqs.send_message(
        QueueUrl=queue, MessageBody=to_json(destination_record("InboundEmailFunction", event, None, 3))
    )
    # WHEN it is reprocessed
    response = desk.api("POST", "/v1/reprocess", json.dumps({"message_id": message_id}))
    # THEN it is found and replayed, and the others are back in the queue for their own turn
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["outcome"] == "case_opened"
    visible = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    assert visible["Attributes"]["ApproximateNumberOfMessages"] == "24"
