"""The consent ledger on the running local stack: a mailed opt-out suppresses the address at once (in the
ledger and on the SES contact list) and is confirmed; the CLI shows, filters and exports the ledger."""

import json
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

OPTED_OUT = "noa.optout@example.org"
CAMPAIGN = ["keen.reader@example.org", OPTED_OUT, "Noa.OptOut@Example.ORG", "not an address"]


@pytest.fixture(scope="module")
def opted_out(stack: RunningStack) -> dict[str, Any]:
    """GIVEN a person who wrote to privacy@ to stop the offers; the case their mail opened."""
    message = EmailMessage()
    message["From"], message["To"] = OPTED_OUT, stack.privacy_address
    message["Subject"] = "Stop the offers"
    message.set_content("Hello, please stop sending me offers and promotional emails. Thanks, Noa")
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
    listing = stack.wait_for(
        "/v1/cases", lambda d: any(c["requester"] == OPTED_OUT for c in d["cases"]), timeout=60
    )
    [case] = [c for c in listing["cases"] if c["requester"] == OPTED_OUT]
    return dict(case)


def test_the_mailed_opt_out_is_applied_at_once_and_closes_its_case(opted_out: dict[str, Any]) -> None:
    assert [(i["right"], i["state"]) for i in opted_out["items"]] == [("marketing_opt_out", "completed")]
    assert opted_out["closed_at"] is not None


def test_the_person_is_told_it_was_applied(stack: RunningStack, opted_out: dict[str, Any]) -> None:
    mail = stack.wait_for(
        "/v1/outbox",
        lambda d: any(m["case"] == opted_out["ref"] and m["status"] == "sent" for m in d["outbox"]),
    )
    [ack] = [m for m in mail["outbox"] if m["case"] == opted_out["ref"]]
    assert ack["to"] == OPTED_OUT
    assert "we applied yours as soon as we received it" in ack["text"]
    assert "You will receive our answer" not in ack["text"]


def test_ses_itself_now_drops_marketing_mail_to_the_address(
    stack: RunningStack, opted_out: dict[str, Any]
) -> None:
    ses = stack.aws("sesv2")
    contact = ses.get_contact(ContactListName="privacydesk-local-contacts", EmailAddress=OPTED_OUT)
    assert contact["TopicPreferences"] == [{"TopicName": "marketing", "SubscriptionStatus": "OPT_OUT"}]


def test_consent_show_prints_the_withdrawal_with_its_evidence(
    stack: RunningStack, opted_out: dict[str, Any]
) -> None:
    shown = stack.cli("consent", "show", OPTED_OUT)
    assert shown.returncode == 0, shown.stderr
    assert "marketing_email" in shown.stdout
    assert "withdrawn" in shown.stdout
    assert f"case={opted_out['ref']}" in shown.stdout
    assert "chain: intact" in shown.stdout


def test_may_contact_filters_a_campaign_list(
    stack: RunningStack, opted_out: dict[str, Any], tmp_path: Path
) -> None:
    listing = tmp_path / "campaign.txt"
    listing.write_text("\n".join(CAMPAIGN) + "\n", encoding="utf-8")
    filtered = stack.cli("consent", "may-contact", "--purpose", "marketing_email", str(listing))
    assert filtered.returncode == 0, filtered.stderr
    assert filtered.stdout.splitlines() == ["keen.reader@example.org"]


def test_the_export_holds_every_event_and_checks_every_chain(
    stack: RunningStack, opted_out: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "consents.jsonl"
    exported = stack.cli("consent", "export", "--output", str(target))
    assert exported.returncode == 0, exported.stderr
    assert "every chain intact" in exported.stderr
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    mine = [r for r in rows if r["email"] == OPTED_OUT]
    assert [(r["purpose"], r["granted"], r["source"]) for r in mine] == [("marketing_email", False, "email")]
    assert mine[0]["evidence"]["case"] == opted_out["ref"]
