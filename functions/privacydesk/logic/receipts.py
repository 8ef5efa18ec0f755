"""Privacy receipts: the Kantara Consent Receipt v1.1 document and the confirmation mail for one sign-up."""

from dataclasses import asdict
from datetime import datetime
from typing import Any
from urllib.parse import quote

from privacydesk.config import Settings
from privacydesk.logic.audit_chain import canonical_sha256
from privacydesk.logic.consent import ConsentError, normalise_address
from privacydesk.logic.outgoing_mail import header_text
from privacydesk.logic.render import render_message
from privacydesk.models.outbox import OutboxItem
from privacydesk.models.receipt import DeclaredPurpose, ReceiptRequest

KANTARA_VERSION = "KI-CR-v1.1.0"
MAIL_TEMPLATE = "receipt"

# The purpose categories of the Kantara specification, numbered as it lists them.
PURPOSE_CATEGORIES = {
    "core_function": "1 - Core Function",
    "contracted_service": "2 - Contracted Service",
    "delivery": "3 - Delivery",
    "contact_requested": "4 - Contact Requested",
    "personalized_experience": "5 - Personalized Experience",
    "marketing": "6 - Marketing",
    "marketing_third_parties": "7 - Marketing Third Parties",
    "sharing_for_delivery": "8 - Sharing for Delivery",
    "sharing_for_marketing": "9 - Sharing for Marketing",
    "third_party_sharing_for_core_function": "10 - 3rd Party Sharing for Core Function",
    "third_party_sharing_for_others": "11 - 3rd Party Sharing for Others",
    "legally_required_data_retention": "12 - Legally Required Data Retention",
    "required_by_law_enforcement_or_government": "13 - Required by Law Enforcement or Government",
    "protecting_your_health": "14 - Protecting Your Health",
    "protecting_our_interests": "15 - Protecting Our Interests",
    "improve_performance": "16 - Improve Performance",
}
# The personal data categories of the Kantara specification; the mail names them in the person's language.
PII_CATEGORIES = {
    "biographical": "1 - Biographical",
    "contact": "2 - Contact",
    "biometric": "3 - Biometric",
    "communications_social": "4 - Communications/Social",
    "network_service": "5 - Network/Service",
    "health": "6 - Health",
    "financial": "7 - Financial",
    "official_id": "8 - Official/Government Identifiers",
    "social_benefits": "9 - Social Benefits",
    "judicial": "10 - Judicial",
    "asset": "11 - Asset Data",
    "hr": "12 - HR",
    "mental_health": "13 - Mental Health",
    "membership": "14 - Membership",
    "behavioural": "15 - Behavioural",
    "profiling": "16 - Profiling",
}
# Sensitive data (spiCat): the special categories of GDPR art. 9(1), and criminal records (art. 10).
SENSITIVE_CATEGORIES = {
    "racial_or_ethnic_origin": "Racial or ethnic origin",
    "political_opinions": "Political opinions",
    "religious_or_philosophical_beliefs": "Religious or philosophical beliefs",
    "trade_union_membership": "Trade union membership",
    "genetic": "Genetic data",
    "biometric_identification": "Biometric data identifying a person",
    "health": "Health",
    "sex_life_or_orientation": "Sex life or sexual orientation",
    "criminal_convictions": "Criminal convictions and offences",
}
CONSENT_TYPES = {"explicit": "EXPLICIT", "implicit": "IMPLICIT"}


class ReceiptConfigError(Exception):
    """The deployment does not name the controller fully enough for a receipt (names variables, no data)."""


class ReceiptConflictError(Exception):
    """A receipt id was used before for a different receipt."""


def request_of(body: dict[str, Any]) -> ReceiptRequest:
    """The sign-up system's words (a body valid against receipt_request.json) as a request."""
    consents = tuple((c["purpose"], c["granted"]) for c in body.get("consents", []))
    if len({purpose for purpose, _ in consents}) != len(consents):
        raise ConsentError("consents name a purpose more than once")
    return ReceiptRequest(
        email=body["email"],
        policy_version=body["policy_version"],
        purposes=tuple(
            DeclaredPurpose(
                purpose=p["purpose"],
                category=p["category"],
                data=tuple(p["data"]),
                termination=p["termination"],
                consent_type=p.get("consent_type", "explicit"),
                primary=p.get("primary", False),
                third_parties=tuple(p.get("third_parties", ())),
            )
            for p in body["purposes"]
        ),
        language=body.get("language", "en"),
        receipt_id=body.get("receipt_id"),
        collection_method=body.get("collection_method", "web form"),
        service=body.get("service"),
        sensitive=tuple(body.get("sensitive", ())),
        consents=consents,
    )


def request_sha256(request: ReceiptRequest) -> str:
    """What identifies a request: a retry must send the same words to be answered from the store."""
    return canonical_sha256({**asdict(request), "email": normalise_address(request.email)})


def kantara_receipt(
    request: ReceiptRequest, *, receipt_id: str, issued_at: datetime, settings: Settings
) -> dict[str, Any]:
    """The machine-readable receipt, as the Kantara Consent Receipt Specification v1.1 lays it out."""
    address, phone, policy_url = (
        settings.controller_address,
        settings.controller_phone,
        settings.privacy_policy_url,
    )
    if address is None or phone is None or policy_url is None:
        needed = {"CONTROLLER_ADDRESS": address, "CONTROLLER_PHONE": phone, "PRIVACY_POLICY_URL": policy_url}
        missing = ", ".join(name for name, value in needed.items() if value is None)
        raise ReceiptConfigError(f"receipts are not configured: set {missing}")
    return {
        "version": KANTARA_VERSION,
        # The law the controller answers to first: that of the country it is established in.
        "jurisdiction": address.country,
        "consentTimestamp": int(issued_at.timestamp()),
        "collectionMethod": request.collection_method,
        "consentReceiptID": receipt_id,
        "language": request.language,
        "piiPrincipalId": normalise_address(request.email),
        "piiControllers": [
            {
                "piiController": settings.organisation,
                "onBehalf": False,
                "contact": settings.controller_contact,
                "address": {
                    "streetAddress": address.street,
                    "postalCode": address.postal_code,
                    "addressLocality": address.locality,
                    "addressCountry": address.country,
                },
                "email": settings.sender_address,
                "phone": phone,
            }
        ],
        # A deployment whose policy has one page per version puts {version} in its URL.
        "policyUrl": policy_url.replace("{version}", quote(request.policy_version, safe="")),
        "services": [
            {
                "service": request.service or settings.organisation,
                "purposes": [_purpose(p) for p in request.purposes],
            }
        ],
        "sensitive": bool(request.sensitive),
        "spiCat": [SENSITIVE_CATEGORIES[c] for c in request.sensitive],
    }


def _purpose(declared: DeclaredPurpose) -> dict[str, Any]:
    purpose: dict[str, Any] = {
        "purpose": declared.purpose,
        "purposeCategory": [PURPOSE_CATEGORIES[declared.category]],
        "consentType": CONSENT_TYPES[declared.consent_type],
        "piiCategory": [PII_CATEGORIES[c] for c in declared.data],
        "primaryPurpose": declared.primary,
        "termination": declared.termination,
        "thirdPartyDisclosure": bool(declared.third_parties),
    }
    if declared.third_parties:
        purpose["thirdPartyName"] = ", ".join(declared.third_parties)
    return purpose


def receipt_mail(
    request: ReceiptRequest, receipt: dict[str, Any], settings: Settings, now: datetime
) -> OutboxItem:
    """The human-readable confirmation in the person's language; its id is the receipt's: it is sent once."""
    [controller] = receipt["piiControllers"]
    place = controller["address"]
    rendered = render_message(
        MAIL_TEMPLATE,
        request.language,
        organisation=settings.organisation,
        service=receipt["services"][0]["service"],
        purposes=[asdict(p) for p in request.purposes],
        sensitive=list(request.sensitive),
        granted=[purpose for purpose, granted in request.consents if granted],
        declined=[purpose for purpose, granted in request.consents if not granted],
        privacy_address=settings.sender_address,
        policy_url=receipt["policyUrl"],
        policy_version=request.policy_version,
        receipt_id=receipt["consentReceiptID"],
        controller_address=", ".join(
            (
                place["streetAddress"],
                f"{place['postalCode']} {place['addressLocality']}",
                place["addressCountry"],
            )
        ),
        controller_phone=controller["phone"],
    )
    return OutboxItem(
        outbox_id=f"{MAIL_TEMPLATE}-{receipt['consentReceiptID']}",
        to=receipt["piiPrincipalId"],
        subject=header_text(rendered.subject),
        text=rendered.text,
        template=MAIL_TEMPLATE,
        language=rendered.language,
        case_ref=None,
        created_at=now,
    )
