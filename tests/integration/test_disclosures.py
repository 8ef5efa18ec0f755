"""Advance notice before sharing, through the real handlers on mock_aws: a declared disclosure tells every
person in its audience in their language, objections come back through the one-click link, and on the
effective date the close lists exactly who may be shared, with a manifest whose hash is on the audit trail."""

import email
import email.policy
import hashlib
import json
import re
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest

from privacydesk_local.lambda_runtime import LocalContext
from tests.integration.conftest import Desk
from tests.integration.fakes import START, FakeClock
from tests.integration.test_case_lifecycle import housekeeping
from tests.integration.test_consent_ledger import decide, lookup, purposes
from tests.integration.test_requests_api import call

LANGS = ("en", "de", "fr", "es", "it", "nl", "pt")
ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


def people(count: int) -> list[str]:
    """Addresses of seeded people, their language cycling through the templates' languages."""
    return [f"person{i:04d}@example.org" for i in range(count)]


def seed(desk: Desk, addresses: list[str]) -> None:
    """Each person is in the ledger (they agreed to marketing, in their language)."""
    for i, address in enumerate(addresses):
        decide(desk, address, "marketing_email", True, language=LANGS[i % len(LANGS)])


def seeded_and_declared(desk: Desk, count: int) -> tuple[list[str], dict[str, Any]]:
    """`count` people in the ledger and a disclosure 30 days away told to them all."""
    addresses = people(count)
    seed(desk, addresses)
    code, declared = declare(desk)
    assert code == 201, declared
    return addresses, declared


def declare(desk: Desk, *, days: int = 30, **fields: Any) -> tuple[int, dict[str, Any]]:
    """POST /v1/disclosures, as the privacy team declares a planned disclosure."""
    payload = {
        "recipient": "Acme Analytics Ltd",
        "purpose": "Analysing how our shop is used, to improve it",
        "categories": ["contact", "behavioural"],
        "audience": {"purpose": "third_party_sharing"},
        "effective_date": (START.date() + timedelta(days=days)).isoformat(),
        **fields,
    }
    return call(desk, "POST", "/v1/disclosures", payload)


def status(desk: Desk, disclosure_id: str) -> dict[str, Any]:
    """GET /v1/disclosures/{id}."""
    code, answer = call(desk, "GET", f"/v1/disclosures/{disclosure_id}")
    assert code == 200, answer
    return answer


def notices(desk: Desk) -> dict[str, EmailMessage]:
    """Every disclosure notice moto's SES accepted, by recipient address."""
    found: dict[str, EmailMessage] = {}
    for sent in desk.sent_messages():
        message = email.message_from_bytes(sent.raw_data.encode(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if "Acme Analytics" in message["Subject"] or "List-Unsubscribe" in message:
            assert message["To"] not in found, "a person got the notice twice"
            found[str(message["To"])] = message
    return found


def object_via_link(desk: Desk, message: EmailMessage) -> None:
    """The person presses "do not share my data": the one-click POST of the notice's header link."""
    url = urlsplit(str(message["List-Unsubscribe"]).strip("<>"))
    response = desk.api("POST", f"{url.path}?{url.query}", "List-Unsubscribe=One-Click", ONE_CLICK)
    assert response["statusCode"] == 200, response


def manifest_of(desk: Desk, answer: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The manifest the close wrote, and its bytes."""
    s3 = desk.session.client("s3")
    body = s3.get_object(Bucket=desk.env["DISCLOSURE_BUCKET"], Key=answer["manifest"]["key"])["Body"].read()
    return json.loads(body), body


def lines_of(desk: Desk, manifest: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Every line of the close's files of one kind, each file checked against its hash in the manifest."""
    s3 = desk.session.client("s3")
    found = []
    for part in manifest["parts"]:
        if part["kind"] != kind:
            continue
        body = s3.get_object(Bucket=desk.env["DISCLOSURE_BUCKET"], Key=part["key"])["Body"].read()
        assert hashlib.sha256(body).hexdigest() == part["sha256"]
        found += [json.loads(line) for line in body.splitlines()]
        assert len(body.splitlines()) == part["lines"]
    return found


def bounce(desk: Desk, message_id: str, tag: str) -> None:
    """SES reports a permanent bounce of one notice (configuration set -> SNS -> SesEventsFunction)."""
    from privacydesk.handlers import ses_events  # noqa: PLC0415 - after the desk's environment

    event = {
        "eventType": "Bounce",
        "mail": {
            "timestamp": START.isoformat(),
            "messageId": message_id,
            "source": "privacy@example.com",
            "destination": ["someone@example.org"],
            "tags": {"notice": [tag]},
        },
        "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "timestamp": START.isoformat()},
    }
    record = {"Sns": {"Message": json.dumps(event)}}
    result = ses_events.lambda_handler({"Records": [record]}, LocalContext("SesEventsFunction"))
    assert result["results"][0]["outcome"] == "notice bounced", result


# ------------------------------------------------------------------------------------------ the rule


def test_a_disclosure_needs_its_notice_period_and_a_known_purpose(desk: Desk, clock: FakeClock) -> None:
    code, answer = declare(desk, days=29)
    assert code == 400
    assert "at least 30 days" in answer["error"]["message"]
    code, answer = declare(desk, audience={"purpose": "astrology"})
    assert code == 400
    assert "astrology" in answer["error"]["message"]
    code, answer = declare(desk, audience={"list_key": "audiences/nowhere.txt"})
    assert code == 400
    assert "no object" in answer["error"]["message"]


# ------------------------------------------------------------------------------------------ end to end


def test_everyone_is_told_once_in_their_language_and_the_close_lists_exactly_who_may_be_shared(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN 21 people in the ledger, 3 per language, and one who refused sharing long ago
    addresses = people(21)
    seed(desk, addresses)
    decide(desk, "refuser@example.org", "third_party_sharing", False)
    # WHEN the team declares a disclosure 30 days away
    code, declared = declare(desk)
    assert code == 201, declared
    assert declared["status"] == "planning"
    # AND the planner and the senders run
    desk.run_notices()
    # THEN each person who may be shared got one notice, in their language, with an objection link
    sent = notices(desk)
    assert sorted(sent) == sorted(addresses)
    for i, address in enumerate(addresses):
        message = sent[address]
        assert message["Content-Language"] == LANGS[i % len(LANGS)]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert str(message["List-Unsubscribe"]).startswith("<http")
        assert "Acme Analytics Ltd" in message.get_content()
        assert declared["disclosure_id"] in message.get_content()
    view = status(desk, declared["disclosure_id"])
    assert view["status"] == "notifying"
    assert view["counts"]["planned"] == view["counts"]["sent"] == 21
    # WHEN three object through the link, and one notice bounces
    objectors = addresses[:3]
    for address in objectors:
        object_via_link(desk, sent[address])
    desk.sync_consents()
    bounced = addresses[3]
    # SES brings the notice's tag back: "<disclosure id>.<subject id>".
    subject = lookup(desk, bounced)["subject"]
    bounce(desk, "bounced-notice", f"{declared['disclosure_id']}.{subject}")
    for address in objectors:
        assert purposes(lookup(desk, address))["third_party_sharing"] == "withdrawn"
    view = status(desk, declared["disclosure_id"])
    assert view["counts"]["bounced"] == 1
    # AND the effective date comes and the close runs
    clock.advance(days=30)
    assert housekeeping("disclosures")["count"] == 1
    view = status(desk, declared["disclosure_id"])
    assert view["status"] == "closed"
    # THEN the list holds exactly the 17 others, and the rest are listed apart with why
    manifest, body = manifest_of(desk, view)
    assert hashlib.sha256(body).hexdigest() == view["manifest"]["sha256"]
    shareable = {line["address"] for line in lines_of(desk, manifest, "shareable")}
    assert shareable == set(addresses) - set(objectors) - {bounced}
    reasons = {line["address"]: line["reason"] for line in lines_of(desk, manifest, "not_shared")}
    assert reasons == {**dict.fromkeys(objectors, "objected"), bounced: "bounced"}
    assert "refuser@example.org" not in shareable | set(reasons)
    counts = view["counts"]
    assert (counts["shareable"], counts["not_shared"], counts["objected"]) == (17, 4, 3)
    # AND the audit trail ends with the close, naming the manifest's hash
    closing = view["events"][-1]
    assert closing["type"] == "disclosure_closed"
    assert closing["detail"]["manifest_sha256"] == view["manifest"]["sha256"]
    assert [e["type"] for e in view["events"]] == [
        "disclosure_declared",
        "notices_planned",
        "disclosure_closed",
    ]


def test_a_late_objection_still_stops_sharing_and_is_flagged(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a closed disclosure whose list holds a person
    addresses, declared = seeded_and_declared(desk, 3)
    desk.run_notices()
    clock.advance(days=30)
    housekeeping("disclosures")
    # WHEN that person objects after the date
    object_via_link(desk, notices(desk)[addresses[0]])
    desk.sync_consents()
    # THEN the ledger refuses sharing from now on, and the disclosure counts and records the late objection
    code, answer = call(
        desk, "POST", "/v1/consents/may-contact", {"purpose": "third_party_sharing", "emails": addresses}
    )
    assert code == 200
    assert answer["emails"] == addresses[1:]
    view = status(desk, declared["disclosure_id"])
    assert view["counts"]["late_objections"] == 1
    assert view["events"][-1]["type"] == "late_objection"
    assert view["events"][-1]["detail"]["subject"] == lookup(desk, addresses[0])["subject"]


# ------------------------------------------------------------------------------------------ faults


def test_a_replayed_notice_message_never_sends_twice(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a planned disclosure whose messages are delivered twice (SQS is at-least-once)
    addresses = people(12)
    seed(desk, addresses)
    declare(desk)
    desk.run_notices(duplicate=True)
    # THEN each person still got exactly one notice
    assert sorted(notices(desk)) == sorted(addresses)


def test_a_throttled_notice_is_retried_and_sent_once(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.client  # noqa: PLC0415
    from botocore.exceptions import ClientError  # noqa: PLC0415

    addresses = people(5)
    seed(desk, addresses)
    declare(desk)
    real_call = botocore.client.BaseClient._make_api_call
    refused = []

    def throttling(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "SendEmail" and "notice" in str(params.get("EmailTags")) and len(refused) < 4:
            refused.append(operation)
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "slow"}}, operation)
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", throttling)
    desk.run_notices()
    assert len(refused) == 4
    assert sorted(notices(desk)) == sorted(addresses)


def test_planning_hands_over_run_by_run_from_its_cursor(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from privacydesk.logic import plan_notices  # noqa: PLC0415

    # GIVEN pages of 4 and a run that has time for one page only
    monkeypatch.setattr(plan_notices, "PAGE", 4)
    addresses, declared = seeded_and_declared(desk, 10)
    desk.run_notices(seconds_left=0.0)
    # THEN each run planned one page and handed over: all ten were told, once
    assert sorted(notices(desk)) == sorted(addresses)
    view = status(desk, declared["disclosure_id"])
    assert view["counts"]["planned"] == 10
    assert view["status"] == "notifying"


def test_a_notice_that_would_leave_too_little_time_to_object_is_not_sent_and_its_person_not_shared(
    desk: Desk, clock: FakeClock
) -> None:
    _, declared = seeded_and_declared(desk, 4)
    # GIVEN the planner ran but the senders did not until 13 days before the date (14 are promised)
    desk.run_notices(send=False)
    clock.advance(days=17)
    desk.run_notices()
    assert notices(desk) == {}
    clock.advance(days=13)
    housekeeping("disclosures")
    view = status(desk, declared["disclosure_id"])
    manifest, _ = manifest_of(desk, view)
    assert lines_of(desk, manifest, "shareable") == []
    assert {line["reason"] for line in lines_of(desk, manifest, "not_shared")} == {"not_told"}


# ------------------------------------------------------------------------------------------ list audience


def test_a_list_audience_is_read_from_the_bucket_with_languages_and_bad_lines_skipped(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a list uploaded by the team: languages given per line, a bad line, one person who refused sharing
    decide(desk, "no.thanks@example.org", "third_party_sharing", False)
    lines = ["# customers of the old shop", "ana@example.org,es", "not an address", "bo@example.org", ""]
    lines.append("no.thanks@example.org,fr")
    desk.session.client("s3").put_object(
        Bucket=desk.env["DISCLOSURE_BUCKET"], Key="audiences/old-shop.txt", Body="\n".join(lines).encode()
    )
    code, declared = declare(desk, audience={"list_key": "audiences/old-shop.txt"})
    assert code == 201, declared
    desk.run_notices()
    sent = notices(desk)
    assert sorted(sent) == ["ana@example.org", "bo@example.org"]
    assert sent["ana@example.org"]["Content-Language"] == "es"
    assert sent["bo@example.org"]["Content-Language"] == "en"
    # AND an objection from a person new to the ledger works like anyone's
    object_via_link(desk, sent["bo@example.org"])
    assert purposes(lookup(desk, "bo@example.org"))["third_party_sharing"] == "withdrawn"


def test_the_listing_shows_every_disclosure_without_an_address(desk: Desk, clock: FakeClock) -> None:
    seed(desk, people(2))
    declare(desk)
    clock.advance(minutes=5)
    declare(desk, days=40, recipient="Beta Partners GmbH")
    desk.run_notices()
    code, answer = call(desk, "GET", "/v1/disclosures")
    assert code == 200
    assert [d["recipient"] for d in answer["disclosures"]] == ["Beta Partners GmbH", "Acme Analytics Ltd"]
    assert not re.search(r"person\d+@", json.dumps(answer))
    assert date.fromisoformat(answer["disclosures"][0]["effective_date"]) == START.date() + timedelta(days=40)


def test_planning_whose_message_was_lost_is_started_again_by_the_scheduled_job(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a declaration whose planning message never reached the planner
    addresses, declared = seeded_and_declared(desk, 3)
    desk.session.client("sqs").purge_queue(QueueUrl=desk.resources.queues["NoticePlanQueue"])
    desk.run_notices()
    assert status(desk, declared["disclosure_id"])["status"] == "planning"
    # WHEN the scheduled disclosures job runs
    housekeeping("disclosures")
    desk.run_notices()
    # THEN planning went on from where it stood and everyone was told
    assert sorted(notices(desk)) == sorted(addresses)


def test_the_closing_head_is_anchored_in_the_worm_bucket(desk: Desk, clock: FakeClock) -> None:
    seed(desk, people(2))
    _, declared = declare(desk)
    desk.run_notices()
    clock.advance(days=30)
    housekeeping("disclosures")
    closing = status(desk, declared["disclosure_id"])["events"][-1]
    s3 = desk.session.client("s3")
    bucket = desk.env["EVIDENCE_BUCKET"]
    [anchor] = s3.list_objects_v2(Bucket=bucket, Prefix=f"chain-heads/{declared['disclosure_id']}/")[
        "Contents"
    ]
    head = json.loads(s3.get_object(Bucket=bucket, Key=anchor["Key"])["Body"].read())
    assert (head["seq"], head["hash"], head["reason"]) == (
        closing["seq"],
        closing["hash"],
        "disclosure_closed",
    )


def test_a_close_over_several_pages_lists_everyone_once(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from privacydesk.logic import close_disclosure  # noqa: PLC0415

    # GIVEN ten people told, two of whom object, and a close that reads four recipients per page
    monkeypatch.setattr(close_disclosure, "PAGE", 4)
    addresses, declared = seeded_and_declared(desk, 10)
    desk.run_notices()
    sent = notices(desk)
    for address in addresses[:2]:
        object_via_link(desk, sent[address])
    clock.advance(days=30)
    housekeeping("disclosures")
    # THEN three pages made three pairs of files, and together they hold each person exactly once
    view = status(desk, declared["disclosure_id"])
    manifest, _ = manifest_of(desk, view)
    assert [p["kind"] for p in manifest["parts"]] == ["shareable", "not_shared"] * 3
    shareable = [line["address"] for line in lines_of(desk, manifest, "shareable")]
    assert sorted(shareable) == sorted(addresses[2:])
    assert sorted(line["address"] for line in lines_of(desk, manifest, "not_shared")) == sorted(addresses[:2])
    assert manifest["counts"]["shareable"] == 8


def test_a_crash_between_queuing_a_page_and_saving_the_cursor_repeats_the_page_harmlessly(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from privacydesk.dal.disclosure_store import DisclosureStore  # noqa: PLC0415
    from privacydesk.logic import plan_notices  # noqa: PLC0415

    # GIVEN pages of 4, and a planner that dies after queuing its second page, before saving its cursor
    monkeypatch.setattr(plan_notices, "PAGE", 4)
    addresses, declared = seeded_and_declared(desk, 10)
    real_save = DisclosureStore.save_disclosure
    saves = []

    def dying(self: Any, disclosure: Any, events: Any = ()) -> Any:
        saves.append(disclosure.cursor)
        if len(saves) == 2:
            raise RuntimeError("the planner's run ended here")
        return real_save(self, disclosure, events)

    monkeypatch.setattr(DisclosureStore, "save_disclosure", dying)
    with pytest.raises(RuntimeError):
        desk.run_notices(send=False)
    # WHEN the message comes back and planning runs again
    desk.run_notices()
    # THEN the second page was planned twice, yet each person got one notice and is counted once
    assert sorted(notices(desk)) == sorted(addresses)
    assert status(desk, declared["disclosure_id"])["counts"]["planned"] == 10
    assert status(desk, declared["disclosure_id"])["counts"]["sent"] == 10


def test_a_list_replaced_while_planning_is_still_read_as_declared(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from privacydesk.logic import plan_notices  # noqa: PLC0415

    monkeypatch.setattr(plan_notices, "PAGE", 2)
    s3 = desk.session.client("s3")
    bucket, key = desk.env["DISCLOSURE_BUCKET"], "audiences/shop.txt"
    first = [f"first{i}@example.org" for i in range(5)]
    s3.put_object(Bucket=bucket, Key=key, Body="\n".join(first).encode())
    declare(desk, audience={"list_key": key})
    # GIVEN one planning run, then the team uploads another list under the same key
    desk.run_notices(send=False, seconds_left=0.0, runs=1)
    s3.put_object(
        Bucket=bucket, Key=key, Body="\n".join(f"x{i}.other@example.org" for i in range(9)).encode()
    )
    # WHEN planning goes on
    desk.run_notices()
    # THEN exactly the declared list's people were told
    assert sorted(notices(desk)) == sorted(first)


def test_a_line_no_mail_could_be_sent_to_is_skipped_and_the_others_are_told(
    desk: Desk, clock: FakeClock
) -> None:
    lines = ["\ufeffana@example.org", "<bad@example.org>", "bo@example.org\r", "a b@example.org"]
    desk.session.client("s3").put_object(
        Bucket=desk.env["DISCLOSURE_BUCKET"], Key="audiences/messy.txt", Body="\n".join(lines).encode()
    )
    declare(desk, audience={"list_key": "audiences/messy.txt"})
    desk.run_notices()
    assert sorted(notices(desk)) == ["ana@example.org", "bo@example.org"]


def test_a_bounce_reported_after_the_close_is_flagged_on_the_trail(desk: Desk, clock: FakeClock) -> None:
    addresses, declared = seeded_and_declared(desk, 2)
    desk.run_notices()
    clock.advance(days=30)
    housekeeping("disclosures")
    subject = lookup(desk, addresses[0])["subject"]
    bounce(desk, "late-bounce", f"{declared['disclosure_id']}.{subject}")
    view = status(desk, declared["disclosure_id"])
    assert view["events"][-1]["type"] == "undelivered_after_close"
    assert view["events"][-1]["detail"] == {"subject": subject, "delivery": "bounced"}
