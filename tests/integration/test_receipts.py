"""Privacy receipts through the real API and sender on mock_aws: the confirmation arrives with the listed
categories, the Kantara receipt is stored and read back, the consents it states are in the ledger with the
receipt as evidence, a retried POST sends nothing twice, and what cannot be taken changes nothing."""

from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from privacydesk.logic.audit_chain import canonical_sha256
from privacydesk.schemas import load_schema
from privacydesk_local.stack import reset_caches
from tests.integration.conftest import Desk
from tests.integration.fakes import FakeClock, patch_clock
from tests.integration.test_requests_api import (
    call,
    scan_table,
)

MARIA = "maria.rossi@example.org"
RECEIPT_ID = "9b2f6c1e-4a7d-4e0b-8f3a-2d5c7e9a1b40"


def registration(**fields: Any) -> dict[str, Any]:
    """What a German shop's sign-up system sends: an account, a newsletter, marketing yes, sharing no."""
    return {
        "email": MARIA,
        "language": "de",
        "policy_version": "2026-03",
        "service": "Example Shop",
        "purposes": [
            {
                "purpose": "Ihr Kundenkonto und Ihre Bestellungen",
                "category": "contracted_service",
                "data": ["biographical", "contact", "financial"],
                "termination": "bis Sie Ihr Konto schließen",
                "primary": True,
                "third_parties": ["Paket Express GmbH"],
            },
            {
                "purpose": "Unser Newsletter",
                "category": "marketing",
                "data": ["contact", "behavioural"],
                "termination": "bis Sie ihn abbestellen",
            },
        ],
        "consents": [
            {"purpose": "marketing_email", "granted": True},
            {"purpose": "third_party_sharing", "granted": False},
        ],
        **fields,
    }


def issue(desk: Desk, payload: dict[str, Any], expected: int = 201) -> dict[str, Any]:
    """POST /v1/receipts; the receipt answered."""
    status, answer = call(desk, "POST", "/v1/receipts", payload)
    assert status == expected, answer
    receipt: dict[str, Any] = answer["receipt"]
    return receipt


def receipt_mails(desk: Desk) -> list[dict[str, Any]]:
    """The receipt mail in the outbox, oldest first."""
    _, listing = call(desk, "GET", "/v1/outbox")
    return [m for m in reversed(listing["outbox"]) if m["template"] == "receipt"]


def sent_to(desk: Desk, address: str) -> list[EmailMessage]:
    """Send what is queued, then the messages SES accepted for this address."""
    desk.drain_outbox()
    parsed = [message_from_string(m.raw_data, policy=policy.default) for m in desk.sent_messages()]
    return [m for m in parsed if isinstance(m, EmailMessage) and address in str(m["To"])]


def ledger(desk: Desk, email: str = MARIA) -> dict[str, Any]:
    """The person's consent ledger."""
    status, answer = call(desk, "POST", "/v1/consents/lookup", {"email": email})
    assert status == 200, answer
    return answer


def test_a_registration_receipt_arrives_with_the_listed_categories(desk: Desk, clock: FakeClock) -> None:
    # WHEN the sign-up system asks for a receipt for a German registration
    receipt = issue(desk, registration(receipt_id=RECEIPT_ID))
    # THEN one confirmation is sent to the person, from the privacy address, in German
    [sent] = sent_to(desk, MARIA)
    assert sent["From"].addresses[0].addr_spec == "privacy@example.com"
    assert str(sent["Subject"]).startswith("Ihre Registrierung bei Example Shop")
    body = sent.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    # AND it lists each category collected, in German, with the shop's purposes and how to act on them
    for words in ("Angaben zur Person", "Kontaktdaten", "Finanzdaten", "Verhaltensdaten"):
        assert words in text
    for given in ("Ihr Kundenkonto und Ihre Bestellungen", "Paket Express GmbH", "bis Sie ihn abbestellen"):
        assert given in text
    assert "Eingewilligt haben Sie in: Werbe-E-Mails" in text
    assert "Abgelehnt haben Sie: die Weitergabe Ihrer Daten an Dritte" in text
    for words in ("Kopie dieser Daten", "berichtigen oder löschen", "der Werbung widersprechen"):
        assert words in text
    for fact in ("privacy@example.com", RECEIPT_ID, "https://example.com/privacy/2026-03"):
        assert fact in text
    # AND the outbox shows it sent, belonging to no case
    [mail] = receipt_mails(desk)
    assert (mail["status"], mail["case"], mail["language"]) == ("sent", None, "de")
    # AND the answer is the Kantara receipt, which reads back the same and matches its schema
    status, stored = call(desk, "GET", f"/v1/receipts/{RECEIPT_ID}")
    assert status == 200
    assert stored["receipt"] == receipt
    assert list(Draft202012Validator(load_schema("consent_receipt")).iter_errors(receipt)) == []
    assert receipt["consentTimestamp"] == int(clock.now.timestamp())
    assert (receipt["piiPrincipalId"], receipt["language"], receipt["jurisdiction"]) == (MARIA, "de", "GB")
    assert receipt["services"][0]["purposes"][1]["piiCategory"] == ["2 - Contact", "15 - Behavioural"]


def test_the_consents_stated_are_in_the_ledger_with_the_receipt_as_evidence(
    desk: Desk, clock: FakeClock
) -> None:
    # WHEN a receipt states that the person agreed to marketing and declined sharing
    receipt = issue(desk, registration())
    # THEN the ledger holds both decisions, from the API, under the policy version shown
    answer = ledger(desk)
    states = {p["purpose"]: p["state"] for p in answer["purposes"]}
    assert states == {"marketing_email": "granted", "third_party_sharing": "withdrawn"}
    assert {(e["purpose"], e["source"], e["policy_version"]) for e in answer["events"]} == {
        ("marketing_email", "api", "2026-03"),
        ("third_party_sharing", "api", "2026-03"),
    }
    # AND each event names the receipt and the hash of its stored document, inside the chain
    for event in answer["events"]:
        assert event["evidence"] == {
            "receipt": receipt["consentReceiptID"],
            "receipt_sha256": canonical_sha256(receipt),
        }
    assert answer["chain"]["ok"]
    # AND a campaign may write to them
    status, allowed = call(
        desk, "POST", "/v1/consents/may-contact", {"purpose": "marketing_email", "emails": [MARIA]}
    )
    assert (status, allowed["emails"]) == (200, [MARIA])


def test_a_receipt_without_consents_leaves_the_ledger_alone(desk: Desk, clock: FakeClock) -> None:
    issue(desk, registration(consents=[]))
    assert ledger(desk)["events"] == []
    [mail] = receipt_mails(desk)
    assert "Ihre Entscheidungen" not in mail["text"]


def test_a_decision_recorded_meanwhile_is_kept_and_the_receipt_written_after_it(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN another channel records a decision for the person while the receipt is being written
    from privacydesk.handlers.ports import desk_ports  # noqa: PLC0415 - after the desk's environment
    from privacydesk.logic.consent_ledger import decisions_of, record  # noqa: PLC0415

    ports = desk_ports()
    write = ports.repo.record_receipt
    raced: list[bool] = []

    def racing(*args: Any) -> None:
        if not raced:
            raced.append(True)
            record(MARIA, decisions_of("third_party_sharing", True, "admin"), ports, evidence={})
        write(*args)

    monkeypatch.setattr(ports.repo, "record_receipt", racing)
    # WHEN the receipt is issued
    receipt = issue(desk, registration())
    # THEN its write is tried again on the moved ledger: the other decision stays, then the receipt's follow
    events = ledger(desk)["events"]
    assert [(e["source"], e["purpose"], e["granted"]) for e in events] == [
        ("admin", "third_party_sharing", True),
        ("api", "marketing_email", True),
        ("api", "third_party_sharing", False),
    ]
    assert events[1]["evidence"]["receipt"] == receipt["consentReceiptID"]
    assert ledger(desk)["chain"]["ok"]
    assert len(receipt_mails(desk)) == 1


def test_a_retried_post_answers_the_same_receipt_and_sends_nothing_twice(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a receipt issued and its mail sent
    first = issue(desk, registration(receipt_id=RECEIPT_ID))
    assert len(sent_to(desk, MARIA)) == 1
    # WHEN the sign-up system, not having seen the answer, sends the same request a minute later
    clock.advance(minutes=1)
    again = issue(desk, registration(receipt_id=RECEIPT_ID), expected=200)
    # THEN it gets the receipt issued the first time, and the person has one mail and one set of decisions
    assert again == first
    assert len(receipt_mails(desk)) == 1
    assert len(sent_to(desk, MARIA)) == 1
    assert len(ledger(desk)["events"]) == 2


def test_a_receipt_id_cannot_be_reused_for_another_receipt(desk: Desk, clock: FakeClock) -> None:
    issue(desk, registration(receipt_id=RECEIPT_ID))
    status, answer = call(
        desk, "POST", "/v1/receipts", registration(receipt_id=RECEIPT_ID, policy_version="2026-04")
    )
    assert (status, answer["error"]["code"]) == (409, "conflict")
    assert len(receipt_mails(desk)) == 1


def test_without_a_receipt_id_each_post_is_a_receipt_of_its_own(desk: Desk, clock: FakeClock) -> None:
    first = issue(desk, registration(consents=[]))
    second = issue(desk, registration(consents=[]))
    assert first["consentReceiptID"] != second["consentReceiptID"]
    assert len(receipt_mails(desk)) == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"consents": [{"purpose": "telepathy", "granted": True}]}, "unknown purpose"),
        (
            {
                "consents": [
                    {"purpose": "marketing_email", "granted": True},
                    {"purpose": "marketing_email", "granted": False},
                ]
            },
            "more than once",
        ),
        (
            {"purposes": [{"purpose": "x", "category": "x", "data": ["contact"], "termination": "never"}]},
            "category",
        ),
        ({"email": "maria.rossi@example"}, "email"),
        ({"policy_version": "2026 March"}, "policy_version"),
    ],
)
def test_what_a_receipt_cannot_take_is_a_400_that_writes_nothing_and_never_echoes_the_address(
    desk: Desk, clock: FakeClock, fields: dict[str, Any], message: str
) -> None:
    before = len(scan_table(desk))
    status, answer = call(desk, "POST", "/v1/receipts", registration(**fields))
    assert (status, answer["error"]["code"]) == (400, "bad_request")
    assert message in answer["error"]["message"]
    assert "maria" not in answer["error"]["message"].lower()
    assert len(scan_table(desk)) == before


def test_a_deployment_without_its_controllers_details_answers_503_and_sends_nothing(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONTROLLER_ADDRESS")
    reset_caches()
    patch_clock(monkeypatch)
    status, answer = call(desk, "POST", "/v1/receipts", registration())
    assert (status, answer["error"]["code"]) == (503, "unavailable")
    assert "CONTROLLER_ADDRESS" in answer["error"]["message"]
    assert receipt_mails(desk) == []
    assert ledger(desk)["events"] == []


@pytest.mark.parametrize("receipt_id", [RECEIPT_ID, "not-a-receipt-id"])
def test_an_unknown_receipt_is_a_404(desk: Desk, receipt_id: str) -> None:
    status, answer = call(desk, "GET", f"/v1/receipts/{receipt_id}")
    assert (status, answer["error"]["code"]) == (404, "not_found")
