"""Inbound mail through the real handler on mock_aws: cases, acknowledgements, quarantines, replies."""

import email
import email.policy
import json
import re
from email.message import EmailMessage

import pytest

from privacydesk_local.stack import reset_caches
from tests.integration.conftest import Desk


def _mail(
    subject: str,
    body: str,
    *,
    sender: str = "ana.requester@example.org",
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Ana Requester <{sender}>"
    msg["To"] = "privacy@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = "<req-1@example.org>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def _text_of(sent: object) -> str:
    """The decoded plain-text body of a message moto's SES sent (bodies are quoted-printable)."""
    message = email.message_from_string(str(getattr(sent, "raw_data", "")), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return str(body.get_content()) if body is not None else ""  # type: ignore[attr-defined]


def _outbox(desk: Desk) -> list[dict[str, object]]:
    return list(json.loads(desk.api("GET", "/v1/outbox")["body"])["outbox"])


def _cases(desk: Desk) -> list[dict[str, object]]:
    return list(json.loads(desk.api("GET", "/v1/cases")["body"])["cases"])


def test_a_request_opens_one_case_and_queues_its_acknowledgement_and_verification_in_their_language(
    desk: Desk,
) -> None:
    # GIVEN a German erasure request
    raw = _mail("Löschung", "Bitte löschen Sie alle meine Daten und mein Konto bei Ihnen.")
    # WHEN SES delivers it
    result = desk.deliver(raw)
    # THEN one case is open with the erasure item waiting for verification
    assert result["outcome"] == "case_opened"
    cases = _cases(desk)
    assert [c["ref"] for c in cases] == [result["case_ref"]]
    assert cases[0]["rights"] == ["erasure"]
    assert cases[0]["state"] == "awaiting_verification"
    assert cases[0]["language"] == "de"
    assert cases[0]["requester"] == "ana.requester@example.org"
    # AND the acknowledgement and the identity check wait in the outbox, in German, with the reference
    mails = {str(m["template"]): m for m in _outbox(desk)}
    assert set(mails) == {"acknowledgement", "verification_request"}
    ack, check = mails["acknowledgement"], mails["verification_request"]
    assert ack["language"] == check["language"] == "de"
    assert ack["case"] == check["case"] == result["case_ref"]
    assert result["case_ref"] in str(ack["subject"])
    assert "Löschung Ihrer personenbezogenen Daten" in str(ack["text"])
    assert ack["status"] == "pending"
    # AND the check goes to the requester with a code and a link that exist only in the sent message
    assert check["to"] == "ana.requester@example.org"
    desk.drain_outbox()
    mailed = next(text for text in map(_text_of, desk.sent_messages()) if "/verify?token=" in text)
    code = re.search(r"^\s+(\d{6})\s*$", mailed, re.MULTILINE)
    token = re.search(rf"/v1/requests/{result['case_ref']}/verify\?token=([A-Za-z0-9_-]+)", mailed)
    assert code is not None
    assert token is not None
    table = desk.session.resource("dynamodb").Table(desk.env["CASES_TABLE"])
    stored = json.dumps(table.scan()["Items"], default=str)
    assert code.group(1) not in stored
    assert token.group(1) not in stored


def test_the_same_ses_message_delivered_twice_gives_one_case_and_one_acknowledgement(desk: Desk) -> None:
    event = desk.store(_mail("Copy please", "Please send me a copy of my personal data."))
    first = desk.invoke_inbound(event)
    second = desk.invoke_inbound(event)
    assert first["case_ref"] == second["case_ref"]
    assert len(_cases(desk)) == 1
    assert sorted(m["template"] for m in _outbox(desk)) == ["acknowledgement", "verification_request"]


def test_a_redelivery_after_the_idempotency_window_still_opens_nothing_new(desk: Desk) -> None:
    # GIVEN a processed message whose idempotency record has expired and been removed
    event = desk.store(_mail("Copy please", "Please send me a copy of my personal data."))
    first = desk.invoke_inbound(event)
    table = desk.session.resource("dynamodb").Table(desk.env["IDEMPOTENCY_TABLE"])
    for item in table.scan()["Items"]:
        table.delete_item(Key={"id": item["id"]})
    # WHEN SES retries it once more
    second = desk.invoke_inbound(event)
    # THEN the inbound record guards it: same case, nothing new queued
    assert second == {**first, "duplicate": True}
    assert len(_cases(desk)) == 1
    assert sorted(m["template"] for m in _outbox(desk)) == ["acknowledgement", "verification_request"]


@pytest.mark.parametrize(
    ("verdict", "reason"), [("virus", "virus verdict FAIL"), ("spam", "spam verdict FAIL")]
)
def test_virus_and_spam_fails_are_quarantined_and_never_answered(
    desk: Desk, verdict: str, reason: str
) -> None:
    result = desk.deliver(_mail("Delete me", "Please delete my account."), verdicts={verdict: "FAIL"})
    assert result["outcome"] == "quarantined"
    assert reason in result["reason"]
    assert _cases(desk) == []
    assert _outbox(desk) == []


def test_an_event_whose_raw_mail_is_missing_is_recorded_not_lost(desk: Desk) -> None:
    event = desk.store(_mail("Copy", "Please send me a copy of my personal data."))
    key = desk.env["MAIL_PREFIX"] + event["Records"][0]["ses"]["mail"]["messageId"]
    desk.session.client("s3").delete_object(Bucket=desk.env["MAIL_BUCKET"], Key=key)
    result = desk.invoke_inbound(event)
    assert result["outcome"] == "quarantined"
    assert "missing" in result["reason"]
    inbound = json.loads(desk.api("GET", "/v1/inbound")["body"])["inbound"]
    assert [i["outcome"] for i in inbound] == ["quarantined"]


def test_auto_replies_and_bulk_mail_are_recorded_but_never_answered(desk: Desk) -> None:
    auto = desk.deliver(
        _mail("Automatic reply: hello", "I am out of the office.", headers={"Auto-Submitted": "auto-replied"})
    )
    bulk = desk.deliver(
        _mail("Our newsletter", "Big sale this week", headers={"List-Id": "<news.example.org>"})
    )
    assert auto["outcome"] == "auto_reply_ignored"
    assert bulk["outcome"] == "bulk_ignored"
    assert _outbox(desk) == []


def test_list_mail_that_asks_for_a_right_goes_to_a_person_not_to_the_bin(desk: Desk) -> None:
    # GIVEN a message sent through a mailing list that nonetheless asks for deletion
    raw = _mail(
        "My account",
        "Please delete my account and all my data.",
        headers={"List-Id": "<members.example.org>"},
    )
    # WHEN it arrives
    result = desk.deliver(raw)
    # THEN it is not answered (no loops) but quarantined with the reason a reviewer needs
    assert result["outcome"] == "quarantined"
    assert "erasure" in result["reason"]
    assert _outbox(desk) == []


def test_a_newsletter_whose_footer_offers_unsubscribing_is_simply_ignored(desk: Desk) -> None:
    raw = _mail(
        "This week's offers",
        "Big savings this week on everything.\n\nTo unsubscribe from this newsletter, click here.",
        headers={"List-Unsubscribe": "<https://news.example.org/u>", "Precedence": "bulk"},
    )
    assert desk.deliver(raw)["outcome"] == "bulk_ignored"


def test_a_bounce_marks_the_requester_undeliverable_on_their_open_case(
    desk: Desk, sample_mail: dict[str, bytes]
) -> None:
    # GIVEN an open case from the address that later bounces
    opened = desk.deliver(_mail("Copy", "Send me a copy of my data", sender="no-such-person@example.org"))
    # WHEN the bounce for that address arrives
    bounce = desk.deliver(sample_mail["09-bounce.eml"], sender="")
    # THEN the case carries the flag and no mail is sent in answer to the bounce
    assert bounce["outcome"] == "bounce_recorded"
    case = json.loads(desk.api("GET", f"/v1/cases/{opened['case_ref']}")["body"])
    assert "undeliverable" in case["flags"]
    assert any(e["type"] == "requester_undeliverable" for e in case["events"])
    assert sorted(m["template"] for m in _outbox(desk)) == ["acknowledgement", "verification_request"]


def test_a_reply_quoting_our_reference_is_attached_to_its_case_not_opened_as_a_new_one(desk: Desk) -> None:
    opened = desk.deliver(_mail("Copy", "Please send me a copy of my personal data."))
    ref = opened["case_ref"]
    reply = desk.deliver(
        _mail(f"Re: We have received your request [{ref}]", "Here is my customer number: 12345.")
    )
    assert reply == {
        "outcome": "reply_attached",
        "case_ref": ref,
        "reason": "reply attached to its case",
        "duplicate": False,
    }
    assert len(_cases(desk)) == 1
    events = json.loads(desk.api("GET", f"/v1/cases/{ref}")["body"])["events"]
    correspondence = [e for e in events if e["type"] == "correspondence_received"]
    assert len(correspondence) == 1
    assert "12345" in correspondence[0]["detail"]["excerpt"]


def test_a_reply_by_in_reply_to_our_sent_acknowledgement_finds_its_case(desk: Desk) -> None:
    # GIVEN an acknowledgement that was sent, so SES gave it a message id
    opened = desk.deliver(_mail("Copy", "Please send me a copy of my personal data."))
    desk.drain_outbox()
    [ack] = [m for m in _outbox(desk) if m["template"] == "acknowledgement"]
    assert ack["status"] == "sent"
    # WHEN the requester answers it without the reference in the subject
    reply = desk.deliver(
        _mail(
            "Re: my data",
            "Thanks, my account id is 778.",
            headers={"In-Reply-To": f"<{ack['ses_message_id']}@email.amazonses.com>"},
        )
    )
    # THEN the answer joins the existing case
    assert reply["outcome"] == "reply_attached"
    assert reply["case_ref"] == opened["case_ref"]


def test_mail_from_someone_else_naming_a_case_opens_its_own_case_linked_to_it(desk: Desk) -> None:
    # GIVEN Ana's open case
    opened = desk.deliver(_mail("Copy", "Please send me a copy of my personal data."))
    ref = opened["case_ref"]
    # WHEN a different sender writes quoting Ana's reference
    other = desk.deliver(
        _mail(f"Re: [{ref}]", "Please delete all my data.", sender="someone.else@example.net")
    )
    # THEN nothing is added to Ana's case; the new mail is a case of its own, flagged for the officer
    assert other["outcome"] == "case_opened"
    assert other["case_ref"] != ref
    events = json.loads(desk.api("GET", f"/v1/cases/{ref}")["body"])["events"]
    assert not [e for e in events if e["type"] == "correspondence_received"]
    new_case = json.loads(desk.api("GET", f"/v1/cases/{other['case_ref']}")["body"])
    assert new_case["flags"] == ["refers_to_another_case"]
    assert new_case["requester"] == "someone.else@example.net"
    [opened_event] = [e for e in new_case["events"] if e["type"] == "case_opened"]
    assert opened_event["detail"]["related_case"] == ref


def test_a_reply_with_an_unknown_reference_is_treated_as_a_new_request(desk: Desk) -> None:
    result = desk.deliver(_mail("Re: [PD-0000-0000-0000] old thread", "Please delete my account."))
    assert result["outcome"] == "case_opened"
    assert _cases(desk)[0]["rights"] == ["erasure"]


def test_oversized_mail_is_kept_unread_and_its_case_flagged_for_a_human(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_MAIL_BYTES", "2000")
    reset_caches()
    result = desk.deliver(_mail("Copy", "Please send me a copy of my data.\n" + "x" * 5000))
    assert result["outcome"] == "case_opened"
    [case] = _cases(desk)
    assert case["flags"] == ["oversized_mail"]
    assert case["rights"] == ["question"]


def test_attachments_are_stored_as_downloads_and_listed_on_the_case(desk: Desk) -> None:
    msg = EmailMessage()
    msg["From"] = "ana.requester@example.org"
    msg["To"] = "privacy@example.com"
    msg["Subject"] = "ID for my request"
    msg.set_content("Please send me a copy of my data. My ID is attached.")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="../../id card.pdf")
    result = desk.deliver(msg.as_bytes())
    case = json.loads(desk.api("GET", f"/v1/cases/{result['case_ref']}")["body"])
    [opened] = [e for e in case["events"] if e["type"] == "case_opened"]
    [key] = opened["detail"]["attachments"]
    assert key.startswith("attachments/")
    assert ".." not in key
    head = desk.session.client("s3").head_object(Bucket=desk.env["MAIL_BUCKET"], Key=key)
    assert head["ContentDisposition"] == "attachment"
