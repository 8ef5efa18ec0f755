"""SES's events about the mail we sent, through the real SNS-triggered handler on mock_aws.

The events are AWS's own documented samples (the shared corpus), pointed at a message the desk really
sent: their mail.messageId becomes our SES message id, and mail.tags.outbox_id names our outbox item
(or the tag is left out, and the desk finds the item by the SES message id it recorded when sending).
"""

import copy
import json
from typing import Any

import pytest

from privacydesk_local.lambda_runtime import LocalContext
from privacydesk_local.mail_drop import sns_event
from privacydesk_local.stack import LOCAL_PARAMETERS
from tests.conftest import corpus_dir
from tests.integration.conftest import Desk
from tests.integration.fakes import FakeClock
from tests.integration.test_requests_api import (
    call,
    case_detail,
    outbox,
    submit,
)

TEAM = LOCAL_PARAMETERS["TeamAddress"]
SAMPLES = corpus_dir() / "ses-awsdocs-developer-guide"
# The address the sample DSN (events/mail/09-bounce.eml) reports as unknown.
BOUNCED = "no-such-person@example.org"
# Fields of an outbox item that an SES event may change.
DELIVERY_FIELDS = ("status", "ses_message_id", "delivery", "duplicate_sends", "sent_at")


def sample(kind: str) -> dict[str, Any]:
    """One of AWS's documented SES event-publishing samples, by its name (bounce, delivery, ...)."""
    [path] = SAMPLES.glob(
        f"event-publishing-retrieving-sns-examples--0?-event-publishing-retrieving-sns-{kind}.json"
    )
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def about(kind: str, ses_message_id: str, outbox_id: str | None = None) -> dict[str, Any]:
    """The sample event of this kind, about the message SES accepted under `ses_message_id`.

    With `outbox_id`, tagged as the sender tags what it sends; without, only SES's own tags remain.
    """
    event = copy.deepcopy(sample(kind))
    event["mail"]["messageId"] = ses_message_id
    event["mail"]["commonHeaders"] = {**event["mail"].get("commonHeaders", {}), "messageId": ses_message_id}
    tags = dict(event["mail"].get("tags") or {})
    if outbox_id is not None:
        tags["outbox_id"] = [outbox_id]
    event["mail"]["tags"] = tags
    return event


def publish(notification: dict[str, Any]) -> dict[str, Any]:
    """SNS invokes the SES events function with one notification; the result for its one record."""
    from privacydesk.handlers import ses_events  # noqa: PLC0415 - after the desk's environment

    answer: dict[str, Any] = ses_events.lambda_handler(notification, LocalContext("SesEventsFunction"))
    [result] = answer["results"]
    return result


def sent_request(desk: Desk, **fields: Any) -> tuple[str, dict[str, Any]]:
    """An access request whose acknowledgement and identity check were sent; its ref and acknowledgement."""
    ref: str = submit(desk, **fields)["ref"]
    assert desk.drain_outbox() == 2
    [ack] = [m for m in outbox(desk, ref) if m["template"] == "acknowledgement"]
    assert ack["status"] == "sent"
    assert ack["ses_message_id"]
    return ref, ack


def mail(desk: Desk, outbox_id: str) -> dict[str, Any]:
    """One outbox item as the admin API shows it."""
    _, listing = call(desk, "GET", "/v1/outbox")
    [found] = [m for m in listing["outbox"] if m["id"] == outbox_id]
    return found


def delivery_of(desk: Desk, outbox_id: str) -> dict[str, Any]:
    """What SES events may have changed on an outbox item."""
    item = mail(desk, outbox_id)
    return {k: item[k] for k in DELIVERY_FIELDS}


def timeline(desk: Desk, ref: str) -> list[dict[str, Any]]:
    """The case's events, oldest first."""
    events: list[dict[str, Any]] = case_detail(desk, ref)["events"]
    return events


def types(desk: Desk, ref: str) -> list[str]:
    """The types of the case's events, oldest first."""
    return [e["type"] for e in timeline(desk, ref)]


def team_alerts(desk: Desk) -> list[dict[str, Any]]:
    """Every alert queued for the privacy team."""
    _, listing = call(desk, "GET", "/v1/outbox")
    return [m for m in listing["outbox"] if m["template"] == "team_alert"]


# ----------------------------------------------------------------------------------------- delivery


@pytest.mark.parametrize("tagged", [True, False], ids=["tagged", "found-by-ses-id"])
def test_a_delivery_marks_the_mail_delivered_and_shows_on_the_case_timeline(
    desk: Desk, clock: FakeClock, tagged: bool
) -> None:
    # GIVEN a request whose acknowledgement SES accepted
    ref, ack = sent_request(desk)
    before = types(desk, ref)
    assert mail(desk, ack["id"])["delivery"] is None
    # WHEN SES reports it delivered
    clock.advance(minutes=1)
    result = publish(sns_event(about("delivery", ack["ses_message_id"], ack["id"] if tagged else None)))
    # THEN the acknowledgement is marked delivered
    assert result == {"outcome": "delivered", "outbox_id": ack["id"]}
    assert mail(desk, ack["id"])["delivery"] == "delivered"
    # AND the case's timeline gains one mail_delivered event naming that mail and SES's id
    events = timeline(desk, ref)
    assert [e["type"] for e in events] == [*before, "mail_delivered"]
    assert events[-1]["detail"] == {
        "outbox_id": ack["id"],
        "template": "acknowledgement",
        "ses_message_id": ack["ses_message_id"],
    }
    # AND the timeline still verifies
    assert call(desk, "GET", f"/v1/cases/{ref}/audit")[1]["ok"] is True


def test_the_same_sns_notification_twice_changes_nothing_the_second_time(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a delivered acknowledgement whose Delivery event was recorded
    ref, ack = sent_request(desk)
    notification = sns_event(about("delivery", ack["ses_message_id"], ack["id"]))
    assert publish(notification)["outcome"] == "delivered"
    events, item = timeline(desk, ref), mail(desk, ack["id"])
    # WHEN SNS delivers the same notification again (at-least-once), later
    clock.advance(hours=1)
    result = publish(notification)
    # THEN it is recognised as a duplicate and nothing changes: not the timeline, not the mail
    assert result == {"outcome": "duplicate event", "outbox_id": ack["id"]}
    assert timeline(desk, ref) == events
    assert mail(desk, ack["id"]) == item


def test_a_delay_reported_after_the_delivery_does_not_undo_it(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a delivered acknowledgement
    _, ack = sent_request(desk)
    assert publish(sns_event(about("delivery", ack["ses_message_id"], ack["id"])))["outcome"] == "delivered"
    # WHEN SES's earlier DeliveryDelay event arrives only now (SNS does not keep order)
    publish(sns_event(about("delayed-delivery", ack["ses_message_id"], ack["id"])))
    # THEN the mail stays delivered
    assert mail(desk, ack["id"])["delivery"] == "delivered"


def test_each_delay_ses_reports_while_it_retries_is_on_the_timeline_once(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a sent acknowledgement that SES cannot deliver yet
    ref, ack = sent_request(desk)
    first = about("delayed-delivery", ack["ses_message_id"], ack["id"])
    later = copy.deepcopy(first)
    later["deliveryDelay"]["timestamp"] = "2020-06-16T01:25:40.095Z"
    # WHEN SES reports a delay, then another an hour later, and SNS repeats the first
    outcomes = [publish(sns_event(event))["outcome"] for event in (first, later, first)]
    # THEN both delays are recorded, the repeat is not, and the mail is shown delayed
    assert outcomes == ["delayed", "delayed", "duplicate event"]
    assert types(desk, ref).count("mail_delayed") == 2
    assert mail(desk, ack["id"])["delivery"] == "delayed"


def test_a_complaint_marks_the_mail_complained(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a sent acknowledgement
    ref, ack = sent_request(desk)
    # WHEN the recipient marks it as spam and SES reports the complaint
    result = publish(sns_event(about("complaint", ack["ses_message_id"], ack["id"])))
    # THEN the mail is marked complained, on the item and on the case's timeline
    assert result["outcome"] == "complained"
    assert mail(desk, ack["id"])["delivery"] == "complained"
    assert types(desk, ref)[-1] == "mail_complained"
    # AND it is no bounce: the case is not flagged and the team is not alerted
    assert "undeliverable" not in case_detail(desk, ref)["flags"]
    assert team_alerts(desk) == []


# ------------------------------------------------------------------------------------------- bounces


def test_a_permanent_bounce_of_a_notice_flags_the_case_and_alerts_the_team_once(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a request whose acknowledgement SES accepted
    ref, ack = sent_request(desk, email=BOUNCED)
    # WHEN SES reports a permanent bounce of it
    clock.advance(minutes=2)
    result = publish(sns_event(about("bounce", ack["ses_message_id"], ack["id"])))
    # THEN the acknowledgement is marked bounced
    assert result == {"outcome": "bounced", "outbox_id": ack["id"]}
    assert mail(desk, ack["id"])["delivery"] == "bounced"
    # AND exactly one alert goes to the privacy team, about this case's bounced notice
    [alert] = team_alerts(desk)
    assert alert["to"] == TEAM
    assert alert["case"] == ref
    assert "notice_bounced" in alert["id"]
    assert "bounced" in alert["subject"]
    assert "acknowledgement" in alert["text"]
    assert BOUNCED not in alert["text"]
    # AND the case is flagged undeliverable, with one requester_undeliverable event after mail_bounced
    case = case_detail(desk, ref)
    assert "undeliverable" in case["flags"]
    kinds = [e["type"] for e in case["events"]]
    assert kinds[-2:] == ["mail_bounced", "requester_undeliverable"]
    assert kinds.count("requester_undeliverable") == 1
    # AND the alert is sent (once) like any other mail
    assert desk.drain_outbox() == 1
    assert mail(desk, alert["id"])["status"] == "sent"


def test_a_transient_bounce_neither_flags_the_case_nor_alerts_the_team(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a sent acknowledgement
    ref, ack = sent_request(desk)
    # WHEN SES reports a transient bounce (a full mailbox)
    event = about("bounce", ack["ses_message_id"], ack["id"])
    event["bounce"]["bounceType"] = "Transient"
    event["bounce"]["bounceSubType"] = "MailboxFull"
    publish(sns_event(event))
    # THEN the mail's outcome is recorded, but nothing is escalated
    assert mail(desk, ack["id"])["delivery"] == "bounced"
    assert "undeliverable" not in case_detail(desk, ref)["flags"]
    assert "requester_undeliverable" not in types(desk, ref)
    assert team_alerts(desk) == []


@pytest.mark.parametrize(
    "first",
    [
        pytest.param("event", id="event-first"),
        pytest.param("mail", id="mail-first"),
    ],
)
def test_a_bounce_reported_both_as_an_event_and_as_a_dsn_mail_is_recorded_once(
    desk: Desk, clock: FakeClock, sample_mail: dict[str, bytes], first: str
) -> None:
    # GIVEN a request from the address the sample DSN reports unknown, its acknowledgement sent
    ref, ack = sent_request(desk, email=BOUNCED)
    notification = sns_event(about("bounce", ack["ses_message_id"], ack["id"]))

    def by_event() -> None:
        assert publish(notification)["outcome"] == "bounced"

    def by_mail() -> None:
        assert desk.deliver(sample_mail["09-bounce.eml"], sender="")["outcome"] == "bounce_recorded"

    # WHEN the bounce arrives both ways, in either order
    for arrival in (by_event, by_mail) if first == "event" else (by_mail, by_event):
        clock.advance(minutes=1)
        arrival()
    # THEN the case is flagged undeliverable once: one requester_undeliverable event
    case = case_detail(desk, ref)
    assert "undeliverable" in case["flags"]
    assert case["flags"].count("undeliverable") == 1
    assert [e["type"] for e in case["events"]].count("requester_undeliverable") == 1
    # AND the team is alerted once, and nobody else is written to
    assert len(team_alerts(desk)) == 1
    assert sorted(m["template"] for m in outbox(desk, ref)) == [
        "acknowledgement",
        "team_alert",
        "verification_request",
    ]
    # AND the timeline still verifies
    assert call(desk, "GET", f"/v1/cases/{ref}/audit")[1]["ok"] is True


# ---------------------------------------------------------------------------------- duplicate sends


def test_a_send_event_for_another_ses_id_counts_a_duplicate_send(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a sent acknowledgement, whose Send event matches what was recorded
    ref, ack = sent_request(desk)
    assert publish(sns_event(about("send", ack["ses_message_id"], ack["id"])))["outcome"] == "sent"
    assert mail(desk, ack["id"])["duplicate_sends"] == 0
    events = timeline(desk, ref)
    # WHEN SES reports a Send of the same outbox item under another message id (it went out twice)
    other = "0100019a-other-send-of-the-same-item-000000"
    assert publish(sns_event(about("send", other, ack["id"])))["outcome"] == "sent"
    # THEN the item counts one duplicate send, and keeps the SES id it was marked sent with
    item = mail(desk, ack["id"])
    assert item["duplicate_sends"] == 1
    assert item["ses_message_id"] == ack["ses_message_id"]
    # AND Send events add nothing to the case's timeline
    assert timeline(desk, ref) == events
    # AND the same duplicate reported again is not counted twice
    assert publish(sns_event(about("send", other, ack["id"])))["outcome"] == "duplicate event"
    assert mail(desk, ack["id"])["duplicate_sends"] == 1


# ------------------------------------------------------------------------------ what is not ours


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_an_event_about_a_message_we_never_sent_is_ignored(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a sent acknowledgement
    ref, ack = sent_request(desk)
    events, item = timeline(desk, ref), delivery_of(desk, ack["id"])
    # WHEN SES reports a bounce of a message id the desk never recorded (another sender's mail)
    result = publish(sns_event(about("bounce", "EXAMPLE-not-one-of-ours-000000")))
    # THEN it is ignored: nothing changes on any mail or case, and nobody is alerted
    assert result == {"outcome": "ignored: unknown mail", "outbox_id": None}
    assert timeline(desk, ref) == events
    assert delivery_of(desk, ack["id"]) == item
    assert team_alerts(desk) == []


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize(
    "record",
    [
        pytest.param({"EventSource": "aws:sns", "Sns": {"Message": "this is not JSON {"}}, id="not-json"),
        pytest.param({"EventSource": "aws:sns", "Sns": {"Message": "[1, 2, 3]"}}, id="not-an-object"),
        pytest.param(
            {"EventSource": "aws:sns", "Sns": {"Message": json.dumps({"eventType": "Delivery"})}},
            id="no-mail",
        ),
        pytest.param(
            {
                "EventSource": "aws:sns",
                "Sns": {"Message": json.dumps({"eventType": "Bounce", "mail": {"messageId": 7}})},
            },
            id="wrong-types",
        ),
        pytest.param({"EventSource": "aws:sns"}, id="no-sns"),
    ],
)
def test_a_malformed_notification_is_refused_without_raising(
    desk: Desk, clock: FakeClock, record: dict[str, Any]
) -> None:
    # GIVEN a sent acknowledgement
    ref, ack = sent_request(desk)
    events, item = timeline(desk, ref), delivery_of(desk, ack["id"])
    # WHEN SNS hands the function something that is no SES event
    result = publish({"Records": [record]})
    # THEN it is refused (not retried forever into the dead-letter queue), and nothing changes
    assert result == {"outcome": "refused"}
    assert timeline(desk, ref) == events
    assert delivery_of(desk, ack["id"]) == item
