"""One-click unsubscribe (RFC 8058) through the real API handler on mock_aws: the headers a campaign puts
on its mail, the page a link opens (which changes nothing), and the POST that opts out at once."""

from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from privacydesk_local.stack import reset_caches
from tests.integration.conftest import Desk
from tests.integration.fakes import FakeClock
from tests.integration.test_consent_ledger import lookup, may_contact, purposes
from tests.integration.test_requests_api import call

RECIPIENT = "Greta.Muster@Example.DE"
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def headers_for(desk: Desk, purpose: str = "marketing_email", **fields: Any) -> dict[str, Any]:
    """POST /v1/unsubscribe-links, as the company's mailing system calls it before a campaign."""
    status, answer = call(
        desk, "POST", "/v1/unsubscribe-links", {"email": RECIPIENT, "purpose": purpose, **fields}
    )
    assert status == 200, answer
    return answer


def link_path(answer: dict[str, Any]) -> str:
    """The path and query of the link, as a mail client would request it."""
    url = urlsplit(answer["url"])
    return f"{url.path}?{url.query}"


def cases_of(desk: Desk, source: str) -> list[dict[str, Any]]:
    """Every case opened through this channel."""
    _, listing = call(desk, "GET", "/v1/cases")
    return [c for c in listing["cases"] if c["source"] == source]


def test_the_headers_follow_rfc_8058_and_the_link_never_carries_the_address(
    desk: Desk, clock: FakeClock
) -> None:
    answer = headers_for(desk)
    assert answer["headers"]["List-Unsubscribe-Post"] == ONE_CLICK
    assert answer["headers"]["List-Unsubscribe"] == f"<{answer['url']}>"
    for spelling in (
        RECIPIENT,
        RECIPIENT.lower(),
        quote(RECIPIENT),
        quote(RECIPIENT.lower()),
        "greta",
        "example.de",
    ):
        assert spelling not in answer["url"]


def test_opening_the_link_in_a_browser_changes_nothing(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a link on a campaign mail
    path = link_path(headers_for(desk))
    # WHEN a mail scanner (or the person) GETs it
    response = desk.api("GET", path)
    # THEN a page with a button comes back, and nothing was recorded
    assert response["statusCode"] == 200
    assert 'method="post"' in response["body"]
    assert purposes(lookup(desk, RECIPIENT))["marketing_email"] == "no_record"
    assert cases_of(desk, "one_click") == []
    assert may_contact(desk, [RECIPIENT]) == [RECIPIENT]


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (ONE_CLICK, FORM),
        (
            '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n',
            {"Content-Type": "multipart/form-data; boundary=b"},
        ),
        ("", FORM),
    ],
    ids=["form", "multipart", "empty"],
)
def test_the_one_click_post_opts_out_at_once_and_confirms_in_the_persons_language(
    desk: Desk, clock: FakeClock, body: str, headers: dict[str, str]
) -> None:
    # GIVEN a German recipient's link
    path = link_path(headers_for(desk, language="de"))
    # WHEN their mail client POSTs it (whatever form the body takes)
    response = desk.api("POST", path, body, headers)
    # THEN they are unsubscribed at once: the ledger says so, from the one-click channel
    assert response["statusCode"] == 200, response["body"]
    assert "You are unsubscribed" in response["body"]
    ledger = lookup(desk, RECIPIENT)
    assert purposes(ledger)["marketing_email"] == "withdrawn"
    assert [e["source"] for e in ledger["events"]] == ["one_click"]
    assert may_contact(desk, [RECIPIENT]) == []
    # AND it is an opt-out case, completed on arrival, whose reference the page shows
    [case] = cases_of(desk, "one_click")
    assert [(i["right"], i["state"]) for i in case["items"]] == [("marketing_opt_out", "completed")]
    assert case["ref"] in response["body"]
    # AND the confirmation goes to them in German
    _, listing = call(desk, "GET", "/v1/outbox")
    [ack] = [m for m in listing["outbox"] if m["case"] == case["ref"]]
    assert (ack["to"], ack["language"], ack["template"]) == (RECIPIENT, "de", "acknowledgement")


def test_a_second_click_changes_nothing_and_sends_nothing(desk: Desk, clock: FakeClock) -> None:
    path = link_path(headers_for(desk))
    assert desk.api("POST", path, ONE_CLICK, FORM)["statusCode"] == 200
    _, before = call(desk, "GET", "/v1/outbox")
    again = desk.api("POST", path, ONE_CLICK, FORM)
    assert again["statusCode"] == 200
    assert "already recorded" in again["body"]
    assert len(cases_of(desk, "one_click")) == 1
    assert call(desk, "GET", "/v1/outbox")[1] == before
    assert len(lookup(desk, RECIPIENT)["events"]) == 1


def test_a_sharing_link_withdraws_sharing_only(desk: Desk, clock: FakeClock) -> None:
    path = link_path(headers_for(desk, "third_party_sharing"))
    assert desk.api("POST", path, ONE_CLICK, FORM)["statusCode"] == 200
    assert purposes(lookup(desk, RECIPIENT)) == {
        "marketing_email": "no_record",
        "third_party_sharing": "withdrawn",
    }


@pytest.mark.parametrize("tamper", ["signature", "purpose", "subject", "shape"])
def test_a_forged_or_altered_link_is_refused_and_changes_nothing(
    desk: Desk, clock: FakeClock, tamper: str
) -> None:
    path = link_path(headers_for(desk))
    token = path.split("token=", 1)[1]
    subject, code, lang, signature = token.split(".")
    forged = {
        "signature": f"{subject}.{code}.{lang}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        "purpose": f"{subject}.s.{lang}.{signature}",
        "subject": f"{'0' * 64}.{code}.{lang}.{signature}",
        "shape": "not-a-token",
    }[tamper]
    for method in ("GET", "POST"):
        response = desk.api(method, f"/v1/unsubscribe?token={forged}", ONE_CLICK, FORM)
        # A link of the right shape the desk never issued is unknown; anything else is malformed
        assert response["statusCode"] == (400 if tamper == "shape" else 404)
    assert purposes(lookup(desk, RECIPIENT))["marketing_email"] == "no_record"
    assert cases_of(desk, "one_click") == []


def test_links_on_a_deployment_without_https_are_refused(
    desk: Desk, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # RFC 8058 needs an https link; only the local stack (loopback) may serve plain http
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://privacy.example.com")
    reset_caches()
    status, answer = call(
        desk, "POST", "/v1/unsubscribe-links", {"email": RECIPIENT, "purpose": "marketing_email"}
    )
    assert status == 400
    assert "https" in answer["error"]["message"]
