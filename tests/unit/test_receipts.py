"""Privacy receipts without AWS: the Kantara document, its schema, the confirmation mail in every language."""

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from jinja2 import UndefinedError
from jsonschema import Draft202012Validator

from privacydesk.config import ConfigError, PostalAddress, Settings, load_settings
from privacydesk.logic.consent import ConsentError
from privacydesk.logic.receipts import (
    CONSENT_TYPES,
    PII_CATEGORIES,
    PURPOSE_CATEGORIES,
    SENSITIVE_CATEGORIES,
    ReceiptConfigError,
    kantara_receipt,
    receipt_mail,
    request_of,
    request_sha256,
)
from privacydesk.logic.render import LANGUAGES
from privacydesk.schemas import EdgeValidationError, load_schema, validate
from tests.unit.settings_env import REQUIRED_ENV
from tests.unit.words import CONTACT_WORDS

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
RECEIPT_ID = "9b2f6c1e-4a7d-4e0b-8f3a-2d5c7e9a1b40"
ENV = {
    **REQUIRED_ENV,
    "CONTROLLER_ADDRESS": "1 Example Street; EC1A 1BB; London; gb",
    "CONTROLLER_PHONE": "+44 20 7946 0000",
    "PRIVACY_POLICY_URL": "https://example.com/privacy/{version}",
}
SETTINGS = load_settings(ENV)
# The fields the Kantara Consent Receipt Specification v1.1 asks of every receipt, purpose and controller.
KANTARA_FIELDS = {
    "version",
    "jurisdiction",
    "consentTimestamp",
    "collectionMethod",
    "consentReceiptID",
    "language",
    "piiPrincipalId",
    "piiControllers",
    "policyUrl",
    "services",
    "sensitive",
    "spiCat",
}
PURPOSE_FIELDS = {
    "purpose",
    "purposeCategory",
    "consentType",
    "piiCategory",
    "primaryPurpose",
    "termination",
    "thirdPartyDisclosure",
    "thirdPartyName",
}
CONTROLLER_FIELDS = {"piiController", "contact", "address", "email", "phone"}
# How each language names marketing emails agreed to.
MARKETING_WORDS = {
    "en": "marketing emails",
    "de": "Werbe-E-Mails",
    "fr": "e-mails commerciaux",
    "es": "correos publicitarios",
    "it": "email di marketing",
    "nl": "marketing-e-mails",
    "pt": "emails de marketing",
}


def body(**fields: Any) -> dict[str, Any]:
    """A sign-up system's request: an account with delivery by a carrier, and a newsletter."""
    return {
        "email": "Maria.Rossi@Example.ORG",
        "language": "en",
        "policy_version": "2026-03",
        "service": "Example Shop",
        "purposes": [
            {
                "purpose": "Running your account and delivering your orders",
                "category": "contracted_service",
                "data": ["biographical", "contact", "financial"],
                "termination": "when you close your account",
                "primary": True,
                "third_parties": ["Parcel Express Ltd", "PayCo"],
            },
            {
                "purpose": "Our monthly newsletter",
                "category": "marketing",
                "data": ["contact"],
                "termination": "until you unsubscribe",
            },
        ],
        "consents": [
            {"purpose": "marketing_email", "granted": True},
            {"purpose": "third_party_sharing", "granted": False},
        ],
        **fields,
    }


def receipt(settings: Settings = SETTINGS, **fields: Any) -> dict[str, Any]:
    """The Kantara document for body(**fields)."""
    return kantara_receipt(
        request_of(body(**fields)), receipt_id=RECEIPT_ID, issued_at=NOW, settings=settings
    )


def test_the_receipt_has_every_kantara_field_and_matches_its_schema() -> None:
    document = receipt(sensitive=["health"])
    validator = Draft202012Validator(load_schema("consent_receipt"))
    assert list(validator.iter_errors(document)) == []
    assert set(document) == KANTARA_FIELDS
    [controller] = document["piiControllers"]
    assert set(controller) >= CONTROLLER_FIELDS
    [service] = document["services"]
    assert set(service["purposes"][0]) == PURPOSE_FIELDS
    # A purpose disclosed to nobody names no third party.
    assert set(service["purposes"][1]) == PURPOSE_FIELDS - {"thirdPartyName"}


def test_the_receipt_states_what_was_collected_for_whom_and_by_which_controller() -> None:
    document = receipt(sensitive=["health", "genetic"], language="it", collection_method="mobile app")
    assert document["version"] == "KI-CR-v1.1.0"
    assert document["consentTimestamp"] == int(NOW.timestamp())
    assert (document["consentReceiptID"], document["language"]) == (RECEIPT_ID, "it")
    assert document["collectionMethod"] == "mobile app"
    assert document["piiPrincipalId"] == "maria.rossi@example.org"
    assert document["jurisdiction"] == "GB"
    assert document["policyUrl"] == "https://example.com/privacy/2026-03"
    assert document["piiControllers"] == [
        {
            "piiController": "Example Ltd",
            "onBehalf": False,
            "contact": "Privacy team",
            "address": {
                "streetAddress": "1 Example Street",
                "postalCode": "EC1A 1BB",
                "addressLocality": "London",
                "addressCountry": "GB",
            },
            "email": "privacy@example.com",
            "phone": "+44 20 7946 0000",
        }
    ]
    account, newsletter = document["services"][0]["purposes"]
    assert account["purposeCategory"] == ["2 - Contracted Service"]
    assert account["piiCategory"] == ["1 - Biographical", "2 - Contact", "7 - Financial"]
    assert (account["consentType"], account["primaryPurpose"]) == ("EXPLICIT", True)
    assert (account["thirdPartyDisclosure"], account["thirdPartyName"]) == (True, "Parcel Express Ltd, PayCo")
    assert (newsletter["purposeCategory"], newsletter["thirdPartyDisclosure"]) == (["6 - Marketing"], False)
    assert (document["sensitive"], document["spiCat"]) == (True, ["Health", "Genetic data"])


def test_a_deployment_that_does_not_name_its_controller_issues_no_receipt() -> None:
    bare = load_settings({k: v for k, v in ENV.items() if k != "CONTROLLER_PHONE"})
    with pytest.raises(ReceiptConfigError, match=r"set CONTROLLER_PHONE$"):
        receipt(bare)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONTROLLER_ADDRESS", "1 Example Street, London"),
        ("CONTROLLER_ADDRESS", "1 Example Street; EC1A 1BB; London; GBR"),
        ("CONTROLLER_PHONE", "call us"),
        ("PRIVACY_POLICY_URL", "example.com/privacy"),
    ],
)
def test_malformed_controller_settings_are_refused_at_start(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({**ENV, name: value})


def test_the_controller_address_is_read_in_its_four_parts() -> None:
    assert SETTINGS.controller_address == PostalAddress("1 Example Street", "EC1A 1BB", "London", "GB")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_mail_lists_the_categories_and_choices_in_the_persons_language(language: str) -> None:
    request = request_of(body(language=language, sensitive=["health"]))
    document = kantara_receipt(request, receipt_id=RECEIPT_ID, issued_at=NOW, settings=SETTINGS)
    mail = receipt_mail(request, document, SETTINGS, NOW)
    assert (mail.to, mail.language, mail.case_ref) == ("maria.rossi@example.org", language, None)
    assert mail.outbox_id == f"receipt-{RECEIPT_ID}"
    assert "Example Shop" in mail.subject
    assert CONTACT_WORDS[language] in mail.text
    assert MARKETING_WORDS[language] in mail.text
    for given in ("Running your account and delivering your orders", "until you unsubscribe", "PayCo"):
        assert given in mail.text
    for fact in (
        RECEIPT_ID,
        "privacy@example.com",
        "https://example.com/privacy/2026-03",
        "+44 20 7946 0000",
    ):
        assert fact in mail.text
    assert "{{" not in mail.text
    assert "_" not in mail.text.replace(RECEIPT_ID, "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_category_has_words_in_every_language(language: str) -> None:
    purpose = {
        "purpose": "Everything",
        "category": "core_function",
        "data": list(PII_CATEGORIES),
        "termination": "never",
    }
    request = request_of(body(language=language, purposes=[purpose], sensitive=list(SENSITIVE_CATEGORIES)))
    document = kantara_receipt(request, receipt_id=RECEIPT_ID, issued_at=NOW, settings=SETTINGS)
    text = receipt_mail(request, document, SETTINGS, NOW).text
    data_line = next(line for line in text.splitlines() if line.count(";") >= len(PII_CATEGORIES) - 1)
    assert len(set(data_line.split(":", 1)[1].split(";"))) == len(PII_CATEGORIES)
    # A category without words is an error, never a blank or a key in the mail.
    for unknown in (
        replace(request, sensitive=("telepathy",)),
        replace(request, purposes=(replace(request.purposes[0], data=("telepathy",)),)),
    ):
        with pytest.raises(UndefinedError):
            receipt_mail(unknown, document, SETTINGS, NOW)


def test_a_language_the_desk_does_not_write_gets_english_mail_and_keeps_its_code_in_the_receipt() -> None:
    request = request_of(body(language="sv"))
    document = kantara_receipt(request, receipt_id=RECEIPT_ID, issued_at=NOW, settings=SETTINGS)
    assert document["language"] == "sv"
    assert receipt_mail(request, document, SETTINGS, NOW).language == "en"


def test_a_declared_purpose_without_a_translation_is_shown_by_its_name() -> None:
    request = request_of(body(consents=[{"purpose": "product_research", "granted": True}]))
    document = kantara_receipt(request, receipt_id=RECEIPT_ID, issued_at=NOW, settings=SETTINGS)
    assert "You agreed to: product research" in receipt_mail(request, document, SETTINGS, NOW).text


def test_consents_naming_one_purpose_twice_are_refused() -> None:
    twice = [
        {"purpose": "marketing_email", "granted": True},
        {"purpose": "marketing_email", "granted": False},
    ]
    with pytest.raises(ConsentError, match="more than once"):
        request_of(body(consents=twice))


def test_a_retry_is_the_same_request_however_the_address_is_spelled() -> None:
    first = request_sha256(request_of(body(receipt_id=RECEIPT_ID)))
    assert first == request_sha256(request_of(body(receipt_id=RECEIPT_ID, email="maria.rossi@example.org")))
    assert first != request_sha256(request_of(body(receipt_id=RECEIPT_ID, policy_version="2026-04")))


def test_the_request_schema_offers_exactly_the_categories_the_receipt_knows() -> None:
    schema = load_schema("receipt_request")["properties"]
    purpose = schema["purposes"]["items"]["properties"]
    assert purpose["category"]["enum"] == list(PURPOSE_CATEGORIES)
    assert purpose["data"]["items"]["enum"] == list(PII_CATEGORIES)
    assert purpose["consent_type"]["enum"] == list(CONSENT_TYPES)
    assert schema["sensitive"]["items"]["enum"] == list(SENSITIVE_CATEGORIES)
    kantara = load_schema("consent_receipt")["properties"]
    assert kantara["spiCat"]["items"]["enum"] == list(SENSITIVE_CATEGORIES.values())


@pytest.mark.parametrize(
    "fields",
    [
        {"policy_version": None},
        {"purposes": []},
        {"receipt_id": "9B2F6C1E-4A7D-4E0B-8F3A-2D5C7E9A1B40"},
        {"language": "english"},
        {"sensitive": ["health", "health"]},
        {"consents": [{"purpose": "marketing_email", "granted": "yes"}]},
        {"service": "Shop\r\nBcc: someone@example.org"},
        {"unknown": 1},
    ],
)
def test_invalid_receipt_requests_are_refused(fields: dict[str, Any]) -> None:
    request = {k: v for k, v in body(**fields).items() if v is not None}
    with pytest.raises(EdgeValidationError):
        validate(request, "receipt_request")


def test_a_purpose_with_an_unknown_category_is_refused() -> None:
    purpose = {"purpose": "x", "category": "telepathy", "data": ["contact"], "termination": "never"}
    with pytest.raises(EdgeValidationError, match="purposes/0/category"):
        validate(body(purposes=[purpose]), "receipt_request")


def test_a_full_request_is_valid() -> None:
    validate(
        body(receipt_id=RECEIPT_ID, sensitive=["health"], collection_method="web form"), "receipt_request"
    )
