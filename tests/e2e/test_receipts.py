"""A registration receipt on the running local stack: the sign-up system asks, the person's mail arrives."""

import time
import uuid
from email import message_from_string, policy
from email.message import EmailMessage

import pytest

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def _mail_to(stack: RunningStack, address: str, timeout: float = 30.0) -> EmailMessage:
    """The first sent message addressed to `address` (mail is sent asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for raw in stack.sent_mail():
            message = message_from_string(raw, policy=policy.default)
            if isinstance(message, EmailMessage) and address in str(message["To"]):
                return message
        time.sleep(0.3)
    pytest.fail("no receipt mail arrived")


def test_a_registration_receipt_arrives_with_the_listed_categories(stack: RunningStack) -> None:
    # GIVEN a French registration with its data categories, purposes and a marketing consent
    address = f"inscription-{uuid.uuid4().hex[:8]}@example.fr"
    receipt_id = str(uuid.uuid4())
    registration = {
        "email": address,
        "language": "fr",
        "policy_version": "2026-03",
        "receipt_id": receipt_id,
        "service": "Boutique Exemple",
        "purposes": [
            {
                "purpose": "Gérer votre compte et livrer vos commandes",
                "category": "contracted_service",
                "data": ["biographical", "contact", "financial"],
                "termination": "jusqu'à la fermeture de votre compte",
                "third_parties": ["Colis Express"],
            }
        ],
        "consents": [{"purpose": "marketing_email", "granted": True}],
    }
    # WHEN the sign-up system asks for the receipt (IAM in AWS, the admin token locally)
    status, answer = stack.request("POST", "/v1/receipts", registration, admin=True)
    assert status == 201, answer
    assert answer["receipt"]["consentReceiptID"] == receipt_id
    # THEN the person receives the confirmation, in French, listing each category collected
    mail = _mail_to(stack, address)
    assert str(mail["Subject"]).startswith("Votre inscription à Boutique Exemple")
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    for words in ("informations biographiques", "coordonnées", "données financières", "Colis Express"):
        assert words in text
    assert "Vous avez accepté : les e-mails commerciaux" in text
    assert receipt_id in text
    # AND the receipt reads back as issued, and the ledger holds the consent with the receipt as evidence
    assert stack.request("GET", f"/v1/receipts/{receipt_id}", admin=True) == (200, answer)
    status, ledger = stack.request("POST", "/v1/consents/lookup", {"email": address}, admin=True)
    assert status == 200
    [event] = ledger["events"]
    assert (event["purpose"], event["granted"], event["evidence"]["receipt"]) == (
        "marketing_email",
        True,
        receipt_id,
    )
