"""The local stack driven with real clients: smtplib in, HTTP and the CLI out."""

import base64
import json
import smtplib
import subprocess
import urllib.request
import uuid
from email.message import EmailMessage
from typing import Any

import pytest

from tests.e2e.conftest import CLI, RunningStack, free_port

pytestmark = pytest.mark.e2e


def _send(stack: RunningStack, msg: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.send_message(msg)


def _request(subject: str, body: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "privacy@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg.set_content(body)
    return msg


def _cases_of(sender: str, document: Any) -> list[Any]:
    return [c for c in document["cases"] if c["requester"] == sender]


def _wait_case(stack: RunningStack, sender: str) -> Any:
    [case] = _cases_of(sender, stack.wait_for("/v1/cases", lambda d: _cases_of(sender, d)))
    return case


def _wait_sent_ack(stack: RunningStack, ref: str) -> Any:
    def sent(document: Any) -> bool:
        return any(
            o["case"] == ref and o["template"] == "acknowledgement" and o["status"] == "sent"
            for o in document["outbox"]
        )

    outbox = stack.wait_for("/v1/outbox", sent)["outbox"]
    [ack] = [o for o in outbox if o["case"] == ref and o["template"] == "acknowledgement"]
    return ack


def test_the_sample_mails_show_up_as_cases_and_acknowledgements_at_start(stack: RunningStack) -> None:
    cases = stack.wait_for("/v1/cases", lambda d: len(d["cases"]) >= 7)["cases"]
    languages = {c["language"] for c in cases}
    assert {"en", "de", "fr", "it", "nl", "pt"} <= languages
    outbox = stack.wait_for(
        "/v1/outbox", lambda d: len(d["outbox"]) >= 7 and all(o["status"] == "sent" for o in d["outbox"])
    )["outbox"]
    # Every case is acknowledged; those asking for data or erasure also get their identity check.
    assert {o["case"] for o in outbox if o["template"] == "acknowledgement"} == {c["ref"] for c in cases}
    assert {o["template"] for o in outbox} == {"acknowledgement", "verification_request"}
    # The out-of-office and the bounce among the samples are recorded, never answered.
    stack.wait_for(
        "/v1/inbound",
        lambda d: {"auto_reply_ignored", "bounce_recorded"} <= {i["outcome"] for i in d["inbound"]},
    )
    # The desk page opens in a browser with the admin token as the Basic-auth password.
    basic = base64.b64encode(f"officer:{stack.admin_token}".encode()).decode()
    page = urllib.request.Request(stack.api + "/", headers={"Authorization": f"Basic {basic}"})  # noqa: S310
    with urllib.request.urlopen(page, timeout=10) as answer:  # noqa: S310 - local stack
        html = answer.read().decode()
    assert all(c["ref"] in html for c in cases)


def test_a_request_sent_with_smtplib_yields_a_case_and_an_acknowledgement_in_its_language(
    stack: RunningStack,
) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}@example.org"
    _send(
        stack,
        _request("Mis datos", "Hola, quiero una copia de todos mis datos personales, por favor.", sender),
    )
    case = _wait_case(stack, sender)
    assert case["rights"] == ["access"]
    assert case["language"] == "es"
    ack = _wait_sent_ack(stack, case["ref"])
    assert ack["to"] == sender
    assert ack["language"] == "es"
    assert case["ref"] in ack["subject"]


def test_a_reply_to_the_acknowledgement_joins_the_same_case(stack: RunningStack) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}@example.org"
    _send(stack, _request("Delete", "Please delete my account and all my data.", sender))
    case = _wait_case(stack, sender)
    ack = _wait_sent_ack(stack, case["ref"])
    reply = _request(f"Re: {ack['subject']}", "My customer number is 4711.", sender)
    reply["In-Reply-To"] = f"<{ack['ses_message_id']}@email.amazonses.com>"
    _send(stack, reply)
    detail = stack.wait_for(
        f"/v1/cases/{case['ref']}", lambda d: any(e["type"] == "correspondence_received" for e in d["events"])
    )
    assert (
        "4711"
        in next(e for e in detail["events"] if e["type"] == "correspondence_received")["detail"]["excerpt"]
    )
    assert len(_cases_of(sender, stack.get("/v1/cases"))) == 1


def test_mail_for_another_address_is_refused_at_the_smtp_door(stack: RunningStack) -> None:
    with (
        smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp,
        pytest.raises(smtplib.SMTPRecipientsRefused),
    ):
        smtp.sendmail("a@example.org", ["someone-else@example.com"], b"Subject: x\r\n\r\nhello")


def test_the_cli_lists_cases_and_outbox_as_json_with_the_contracted_keys(stack: RunningStack) -> None:
    stack.wait_for("/v1/outbox", lambda d: len(d["outbox"]) >= 1)
    cases = json.loads(stack.cli("cases", "--json").stdout)
    assert cases
    assert {"ref", "requester", "rights", "state", "language", "received_at", "due"} <= set(cases[0])
    outbox = json.loads(stack.cli("outbox", "--json").stdout)
    assert outbox
    assert {"to", "subject", "template", "case", "sent_at"} <= set(outbox[0])
    assert stack.cli("outbox").returncode == 0


def test_cli_commands_exit_2_with_a_clear_message_when_no_stack_answers(tmp_path: Any) -> None:
    result = subprocess.run(
        [str(CLI), "cases", "--api", f"http://127.0.0.1:{free_port()}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "nothing answers" in result.stderr
    result = subprocess.run(
        [str(CLI), "outbox"], capture_output=True, text=True, timeout=30, check=False, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "privacydesk run" in result.stderr
