"""The public request API through the real handler on mock_aws: submit, follow, verify, resend."""

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from email import message_from_string, policy
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from privacydesk.dal import get_repository
from privacydesk_local.stack import LOCAL_PARAMETERS
from tests.integration.conftest import Desk
from tests.integration.fakes import START, FakeClock

REF_PATTERN = re.compile(r"^PD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def call(
    desk: Desk, method: str, path: str, payload: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """One API call with a JSON body; the status and the parsed JSON answer."""
    response = desk.api(method, path, None if payload is None else json.dumps(payload), headers)
    answer: dict[str, Any] = json.loads(response["body"])
    return response["statusCode"], answer


def submit(
    desk: Desk,
    *,
    email: str = "ana.requester@example.org",
    rights: tuple[str, ...] = ("access",),
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """POST /v1/requests as a web form would; the 202 answer."""
    payload = {"email": email, "name": "Ana Requester", "rights": list(rights), **fields}
    status, answer = call(desk, "POST", "/v1/requests", payload, headers)
    assert status == 202, answer
    return answer


def status_token(submitted: dict[str, Any]) -> str:
    """The requester's status token, as carried by the status URL."""
    token: str = parse_qs(urlsplit(submitted["status_url"]).query)["token"][0]
    return token


def status_path(submitted: dict[str, Any]) -> str:
    """The status URL without its origin (the handler is called in-process)."""
    parts = urlsplit(submitted["status_url"])
    return f"{parts.path}?{parts.query}"


def case_detail(desk: Desk, ref: str) -> dict[str, Any]:
    """The admin view of a case with its timeline."""
    status, detail = call(desk, "GET", f"/v1/cases/{ref}")
    assert status == 200, detail
    return detail


def opened_event(detail: dict[str, Any]) -> dict[str, Any]:
    """The case_opened event of a case's timeline."""
    [event] = [e for e in detail["events"] if e["type"] == "case_opened"]
    found: dict[str, Any] = event
    return found


def outbox(desk: Desk, ref: str) -> list[dict[str, Any]]:
    """The case's outgoing mail, oldest first."""
    _, listing = call(desk, "GET", "/v1/outbox")
    return [m for m in reversed(listing["outbox"]) if m["case"] == ref]


def templates(desk: Desk, ref: str) -> list[str]:
    """The templates of the case's outgoing mail, oldest first."""
    return [m["template"] for m in outbox(desk, ref)]


def mail_text(message: Any) -> str:
    """The decoded text of a message SES sent (its raw form is quoted-printable)."""
    parsed = message_from_string(message.raw_data, policy=policy.default)
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    text: str = body.get_content()
    return text


def sent_texts(desk: Desk, ref: str) -> list[str]:
    """Send what is queued, then the texts of every mail sent for the case, in sending order."""
    desk.drain_outbox()
    return [text for text in map(mail_text, desk.sent_messages()) if ref in text]


def mailed_secrets(desk: Desk, ref: str) -> list[tuple[str, str]]:
    """Send what is queued, then every (code, link token) mailed for the case, in sending order."""
    found = []
    for text in sent_texts(desk, ref):
        token = re.search(rf"/v1/requests/{ref}/verify\?token=([A-Za-z0-9_-]+)", text)
        if token is None:
            continue
        code = re.search(r"^\s+(\d{6})\s*$", text, re.MULTILINE)
        assert code is not None
        found.append((code.group(1), token.group(1)))
    return found


def latest_secrets(desk: Desk, ref: str) -> tuple[str, str]:
    """The code and link token of the last verification mail sent for the case."""
    return mailed_secrets(desk, ref)[-1]


def verify(desk: Desk, ref: str, **secret: str) -> tuple[int, dict[str, Any]]:
    """Redeem a code or a link token as JSON."""
    return call(desk, "POST", f"/v1/requests/{ref}/verify", secret)


def resend(desk: Desk, ref: str, token: str) -> tuple[int, dict[str, Any]]:
    """Ask for a fresh code with the status token."""
    return call(desk, "POST", f"/v1/requests/{ref}/resend", {"token": token})


def scan_table(desk: Desk) -> list[dict[str, Any]]:
    """Every item of the cases table."""
    table = desk.session.resource("dynamodb").Table(desk.env["CASES_TABLE"])
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def other_code(code: str) -> str:
    """A well-formed code that is surely not this one."""
    return f"{(int(code) + 1) % 10**6:06d}"


# ------------------------------------------------------------------------------------------ submitting


def test_a_submission_is_accepted_with_a_reference_a_status_url_and_its_clocks(
    desk: Desk, clock: FakeClock
) -> None:
    # GIVEN a web form asking for a copy of the requester's data, naming no law
    # WHEN it is submitted
    answer = submit(desk, message="Please send me a copy of my data.")
    # THEN the answer is a reference, a status URL carrying a token, and the state
    assert set(answer) == {"ref", "status_url", "state"}
    ref = answer["ref"]
    assert REF_PATTERN.match(ref)
    assert answer["status_url"].startswith(f"{LOCAL_PARAMETERS['PublicBaseUrl']}/v1/requests/{ref}?token=")
    assert answer["state"] == "awaiting_verification"
    # AND the status URL shows the request, waiting for the requester to verify
    status, view = call(desk, "GET", status_path(answer))
    assert status == 200
    assert view["ref"] == ref
    assert view["awaiting"] == "verification"
    assert view["regime"] == "gdpr"
    assert view["items"] == [{"right": "access", "state": "awaiting_verification", "due": "2026-02-12"}]
    # AND the case records the deployment's default regime, why, and the clock with its rule and inputs
    case = case_detail(desk, ref)
    assert (case["regime"], case["regime_reason"]) == ("gdpr", "deployment default")
    assert (case["source"], case["name"], case["requester"]) == (
        "api",
        "Ana Requester",
        "ana.requester@example.org",
    )
    [item] = case["items"]
    clocks = item["clocks"]
    assert clocks["regime"] == "gdpr"
    assert clocks["right"] == "access"
    assert "GDPR art. 12(3)" in clocks["rule"]
    assert (clocks["received"], clocks["calendar"]) == ("2026-01-12", "GB-ENG")
    assert clocks["respond_by"] == "2026-02-12"
    assert clocks["extended_respond_by"] == "2026-04-13"  # 12 April 2026 is a Sunday: the next working day
    assert clocks["acknowledge_by"] is None
    # AND the acknowledgement and the identity check are queued
    assert templates(desk, ref) == ["acknowledgement", "verification_request"]


@pytest.mark.parametrize(
    ("fields", "regime", "reason"),
    [
        ({"regime": "vcdpa"}, "vcdpa", "chosen in the request"),
        (
            {"message": "I am a California resident and want to know what you hold."},
            "ccpa",
            "named or implied",
        ),
        ({"regime": "pipeda", "message": "I am a California resident."}, "pipeda", "chosen in the request"),
        ({"message": "Please tell me what you hold about me."}, "gdpr", "deployment default"),
    ],
)
def test_the_regime_comes_from_the_request_then_from_the_message_then_from_the_default(
    desk: Desk, clock: FakeClock, fields: dict[str, Any], regime: str, reason: str
) -> None:
    # WHEN a request is submitted with or without a regime or a hint in its message
    ref = submit(desk, **fields)["ref"]
    # THEN the case's regime, its recorded reason and its clocks follow that order of precedence
    case = case_detail(desk, ref)
    assert case["regime"] == regime
    assert case["regime_reason"].startswith(reason)
    assert case["items"][0]["clocks"]["regime"] == regime
    detail = opened_event(case)["detail"]
    assert (detail["regime"], detail["regime_reason"]) == (regime, case["regime_reason"])


def test_each_right_gets_the_clock_of_its_own_rule_under_the_ccpa(desk: Desk, clock: FakeClock) -> None:
    # WHEN a Californian asks for access and to stop the sharing of their data
    ref = submit(desk, rights=("access", "sharing_opt_out"), regime="ccpa")["ref"]
    # THEN access is acknowledged within 10 working days and answered within 45 calendar days (90 extended)
    access, sharing = case_detail(desk, ref)["items"]
    assert access["clocks"]["acknowledge_by"] == "2026-01-26"
    assert access["clocks"]["respond_by"] == str(date(2026, 1, 12) + timedelta(days=45))
    assert access["clocks"]["extended_respond_by"] == str(date(2026, 1, 12) + timedelta(days=90))
    assert access["clocks"]["extension_notice_by"] == access["clocks"]["respond_by"]
    # AND the opt-out is honoured within 15 working days, with no acknowledgement or extension clock
    assert sharing["clocks"]["respond_by"] == "2026-02-02"
    assert sharing["clocks"]["acknowledge_by"] is None
    assert sharing["clocks"]["extended_respond_by"] is None
    # AND only the access right waits for verification: the opt-out was applied as the case opened
    assert (access["state"], sharing["state"]) == ("awaiting_verification", "completed")
    assert (access["needs_verification"], sharing["needs_verification"]) == (True, False)


def test_a_gpc_signal_adds_a_sharing_opt_out_with_its_evidence(desk: Desk) -> None:
    # WHEN a browser sending Global Privacy Control submits an access request
    with_gpc = submit(desk, headers={"Sec-GPC": "1"})["ref"]
    # AND another browser without the signal submits the same
    without = submit(desk, email="bea@example.org", headers={"Sec-GPC": "0"})["ref"]
    # THEN the first case also holds a sharing opt-out, with the header recorded as its evidence
    case = case_detail(desk, with_gpc)
    assert case["rights"] == ["access", "sharing_opt_out"]
    assert case["evidence"] == {"sharing_opt_out": ["Sec-GPC: 1 header on the submission"]}
    assert opened_event(case)["detail"]["gpc"] is True
    assert [i["state"] for i in case["items"]] == ["awaiting_verification", "completed"]
    # AND the second does not
    other = case_detail(desk, without)
    assert other["rights"] == ["access"]
    assert other["evidence"] == {}
    assert opened_event(other)["detail"]["gpc"] is False


def test_an_agents_request_is_verified_with_the_data_subject_and_records_the_permission(desk: Desk) -> None:
    # GIVEN an authorized agent submitting for a data subject, with the signed permission's reference
    agent = {"name": "Agency Ltd", "email": "Agent@Agency.example", "permission_ref": "POA-2026-0042"}
    # WHEN the request is submitted
    ref = submit(desk, email="subject@example.org", agent=agent, message="On behalf of my client.")["ref"]
    # THEN the case is the agent's, on behalf of the data subject, with the permission on record
    case = case_detail(desk, ref)
    assert case["requester"] == "agent@agency.example"
    assert case["on_behalf_of"] == "subject@example.org"
    assert case["agent"] == {**agent, "email": "agent@agency.example"}
    opened = opened_event(case)
    assert opened["actor"] == "agent"
    assert opened["detail"]["agent_permission"] == "POA-2026-0042"
    # AND the identity check goes to the data subject, the acknowledgement to the agent
    recipients = {m["template"]: m["to"] for m in outbox(desk, ref)}
    assert recipients == {
        "acknowledgement": "agent@agency.example",
        "verification_request": "subject@example.org",
    }
    desk.drain_outbox()
    [check] = [m for m in desk.sent_messages() if f"/v1/requests/{ref}/verify?token=" in mail_text(m)]
    assert check.destinations == ["subject@example.org"]


# -------------------------------------------------------------------------------------------- the edge


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        pytest.param(
            {"email": "ana@example.org", "name": "Ana", "rights": ["access"], "phone": "1"},
            "application/json",
            400,
            "bad_request",
            id="unknown-field",
        ),
        pytest.param(
            {"email": "ana@example.org", "name": "Ana", "rights": ["access"], "message": "x" * 70_000},
            "application/json",
            413,
            "payload_too_large",
            id="over-64-KiB",
        ),
        pytest.param(
            "email=ana@example.org&name=Ana&rights=access",
            "text/plain",
            415,
            "unsupported_media_type",
            id="text-plain",
        ),
        pytest.param(
            "email=ana@example.org&name=Ana&rights=access",
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
            id="form-on-submit",
        ),
        pytest.param(
            '{"email": "ana@example.org",', "application/json", 400, "bad_request", id="broken-json"
        ),
        pytest.param(
            {"email": "not-an-address", "name": "Ana", "rights": ["access"]},
            "application/json",
            400,
            "bad_request",
            id="bad-email",
        ),
        pytest.param(
            {"email": "ana@example.org", "name": "Ana", "rights": ["teleport"]},
            "application/json",
            400,
            "bad_request",
            id="unknown-right",
        ),
        pytest.param(
            {"email": "ana@example.org", "name": "Ana", "rights": []},
            "application/json",
            400,
            "bad_request",
            id="no-right",
        ),
        pytest.param(
            {"email": "ana@example.org", "name": "Ana", "rights": ["access", "access"]},
            "application/json",
            400,
            "bad_request",
            id="repeated-right",
        ),
        pytest.param(
            {"email": "ana@example.org", "name": "Ana", "rights": ["access"], "regime": "hipaa"},
            "application/json",
            400,
            "bad_request",
            id="unknown-regime",
        ),
        pytest.param(
            {"email": "ana@example.org", "rights": ["access"]},
            "application/json",
            400,
            "bad_request",
            id="no-name",
        ),
    ],
)
def test_a_bad_submission_is_refused_with_the_error_envelope_and_opens_nothing(
    desk: Desk, body: Any, content_type: str, status: int, code: str
) -> None:
    # WHEN a submission breaks an edge rule
    raw = body if isinstance(body, str) else json.dumps(body)
    response = desk.api("POST", "/v1/requests", raw, {"Content-Type": content_type})
    # THEN it gets the status and the one error envelope, and no case is opened
    assert response["statusCode"] == status
    answer = json.loads(response["body"])
    assert set(answer) == {"error"}
    assert set(answer["error"]) == {"code", "message"}
    assert answer["error"]["code"] == code
    assert "ana@example.org" not in answer["error"]["message"]
    assert call(desk, "GET", "/v1/cases")[1]["cases"] == []


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/nowhere"), ("POST", "/v2/requests")])
def test_an_unknown_route_is_a_404_in_the_error_envelope(desk: Desk, method: str, path: str) -> None:
    status, answer = call(desk, method, path, {})
    assert status == 404
    assert answer == {"error": {"code": "not_found", "message": "no such route"}}


# ----------------------------------------------------------------------------------------- enumeration


def test_the_status_of_an_unknown_reference_looks_like_a_wrong_token(desk: Desk) -> None:
    # GIVEN a real request
    submitted = submit(desk)
    ref = submitted["ref"]
    # WHEN someone asks for it with a wrong token, and for an unknown reference
    wrong = desk.api("GET", f"/v1/requests/{ref}?token={status_token(submitted)[:-2]}xx")
    unknown = desk.api("GET", f"/v1/requests/PD-0000-0000-0000?token={status_token(submitted)}")
    # THEN both answers are the same 404: nothing tells which reference exists
    assert wrong["statusCode"] == unknown["statusCode"] == 404
    assert wrong["body"] == unknown["body"]
    assert json.loads(wrong["body"])["error"]["code"] == "not_found"
    # AND without a token, a known and an unknown reference get the same answer too
    missing = desk.api("GET", f"/v1/requests/{ref}")
    missing_unknown = desk.api("GET", "/v1/requests/PD-0000-0000-0000")
    assert missing["statusCode"] == missing_unknown["statusCode"]
    assert missing["statusCode"] in (400, 404)
    assert missing["body"] == missing_unknown["body"]


def test_verifying_an_unknown_reference_looks_like_a_wrong_code(desk: Desk) -> None:
    # GIVEN a real request and its mailed code
    ref = submit(desk)["ref"]
    code, _ = latest_secrets(desk, ref)
    # WHEN a wrong code is tried on it, and any code on an unknown reference
    wrong = desk.api("POST", f"/v1/requests/{ref}/verify", json.dumps({"code": other_code(code)}))
    unknown = desk.api("POST", "/v1/requests/PD-0000-0000-0000/verify", json.dumps({"code": code}))
    # THEN both get the same status and the same body
    assert wrong["statusCode"] == unknown["statusCode"] == 400
    assert wrong["body"] == unknown["body"]
    assert json.loads(wrong["body"])["error"]["code"] == "verification_failed"


def test_a_second_request_from_an_address_with_an_open_case_looks_new_but_is_linked(desk: Desk) -> None:
    # GIVEN an open access request from Ana
    first = submit(desk)
    # WHEN Ana (or someone using her address) submits the same request again
    second = submit(desk)
    # THEN the answer has the same shape as for anyone else: a new reference and the same state
    assert set(second) == set(first)
    assert second["ref"] != first["ref"]
    assert second["state"] == first["state"] == "awaiting_verification"
    # AND the new case is flagged and linked to the open one, which is left untouched
    case = case_detail(desk, second["ref"])
    assert case["flags"] == ["duplicate_of_open_case"]
    assert opened_event(case)["detail"]["duplicate_of"] == [first["ref"]]
    assert case_detail(desk, first["ref"])["flags"] == []
    # AND the new case still goes through its own verification
    assert templates(desk, second["ref"]) == ["acknowledgement", "verification_request"]
    assert len(mailed_secrets(desk, second["ref"])) == 1


# ---------------------------------------------------------------------------------------- verification


def test_the_mailed_code_verifies_the_request_once(desk: Desk, clock: FakeClock) -> None:
    # GIVEN an access request and the code mailed to the requester
    submitted = submit(desk)
    ref = submitted["ref"]
    code, _ = latest_secrets(desk, ref)
    clock.advance(minutes=5)
    # WHEN the code is entered
    status, answer = verify(desk, ref, code=code)
    # THEN the request is verified, the requester is told so, and the moment is recorded
    assert (status, answer) == (200, {"ref": ref, "state": "verified", "verified": True})
    case = case_detail(desk, ref)
    assert case["state"] == "verified"
    assert case["verified_at"] == (START + timedelta(minutes=5)).isoformat()
    assert templates(desk, ref)[-1] == "verified"
    assert call(desk, "GET", status_path(submitted))[1]["awaiting"] == "privacy_team"
    # AND the same code cannot be used again
    replay_status, replay = verify(desk, ref, code=code)
    assert replay_status == 400
    assert replay["error"]["code"] == "verification_failed"
    # AND there is nothing left to resend a code for
    assert resend(desk, ref, status_token(submitted))[0] == 409


@pytest.mark.parametrize("form", [False, True], ids=["json", "form-urlencoded"])
def test_the_link_token_verifies_as_json_and_as_the_link_pages_form(desk: Desk, form: bool) -> None:
    # GIVEN an access request and the link mailed to the requester
    ref = submit(desk)["ref"]
    _, token = latest_secrets(desk, ref)
    # WHEN the token is posted, by a script as JSON or by the link page's form (action="verify": no query)
    if form:
        page = desk.api("GET", f"/v1/requests/{ref}/verify?token={token}")["body"]
        assert '<form method="post" action="verify">' in page
        response = desk.api(
            "POST",
            f"/v1/requests/{ref}/verify",
            f"token={quote(token)}",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        status, answer = response["statusCode"], json.loads(response["body"])
    else:
        status, answer = verify(desk, ref, token=token)
    # THEN the request is verified
    assert (status, answer) == (200, {"ref": ref, "state": "verified", "verified": True})
    assert case_detail(desk, ref)["state"] == "verified"


def test_opening_the_link_shows_a_confirmation_form_and_verifies_nothing(desk: Desk) -> None:
    # GIVEN the link mailed to the requester
    ref = submit(desk)["ref"]
    _, token = latest_secrets(desk, ref)
    # WHEN it is opened (as a mail scanner prefetching links would)
    page = desk.api("GET", f"/v1/requests/{ref}/verify?token={token}")
    # THEN it is an HTML page whose form posts the token
    assert page["statusCode"] == 200
    assert page["multiValueHeaders"]["Content-Type"] == ["text/html"]
    assert re.search(r"<form[^>]*method=\"post\"", page["body"], re.IGNORECASE)
    assert f'name="token" value="{token}"' in page["body"]
    # AND the request is still waiting for verification
    assert case_detail(desk, ref)["state"] == "awaiting_verification"
    # AND only pressing the button verifies it
    assert verify(desk, ref, token=token)[0] == 200


def test_five_wrong_codes_lock_the_code_until_a_fresh_one_is_sent(desk: Desk, clock: FakeClock) -> None:
    # GIVEN an access request and its mailed code
    submitted = submit(desk)
    ref = submitted["ref"]
    code, _ = latest_secrets(desk, ref)
    # WHEN five wrong codes are tried
    for _ in range(5):
        assert verify(desk, ref, code=other_code(code))[0] == 400
    # THEN even the right code is refused now
    locked_status, locked = verify(desk, ref, code=code)
    assert locked_status == 400
    assert locked["error"]["code"] == "verification_failed"
    assert case_detail(desk, ref)["state"] == "awaiting_verification"
    # WHEN the requester asks for a fresh code a minute later
    clock.advance(seconds=61)
    assert resend(desk, ref, status_token(submitted)) == (202, {"ref": ref, "sent": True})
    fresh, _ = latest_secrets(desk, ref)
    assert len(mailed_secrets(desk, ref)) == 2
    # THEN the old code is dead and the fresh one verifies
    if fresh != code:
        assert verify(desk, ref, code=code)[0] == 400
    assert verify(desk, ref, code=fresh)[0] == 200
    assert any(e["type"] == "verification_resent" for e in case_detail(desk, ref)["events"])


def test_the_code_and_the_link_expire_after_72_hours_as_the_mail_says(desk: Desk, clock: FakeClock) -> None:
    # GIVEN two access requests submitted at the same moment, and their mails
    first = submit(desk)["ref"]
    second = submit(desk, email="bea@example.org")["ref"]
    first_code, _ = latest_secrets(desk, first)
    second_code, second_token = latest_secrets(desk, second)
    # WHEN 71 hours pass THEN the code still works
    clock.advance(hours=71)
    assert verify(desk, first, code=first_code)[0] == 200
    # WHEN 73 hours have passed THEN neither the link nor the code works any more
    clock.advance(hours=2)
    for secret in ({"token": second_token}, {"code": second_code}):
        status, answer = verify(desk, second, **secret)
        assert status == 400
        assert answer["error"]["code"] == "verification_failed"
    assert case_detail(desk, second)["state"] == "awaiting_verification"


def test_resends_are_limited_to_one_a_minute_and_five_sends_a_day(desk: Desk, clock: FakeClock) -> None:
    # GIVEN an access request: its first code was sent on submission
    submitted = submit(desk)
    ref, token = submitted["ref"], status_token(submitted)
    # WHEN a new code is asked for at once
    status, answer = resend(desk, ref, token)
    # THEN it is refused: the last one left less than a minute ago
    assert status == 429
    assert answer["error"]["code"] == "rate_limited"
    # WHEN a minute has passed, a resend goes out, and a second one right after does not
    clock.advance(seconds=61)
    assert resend(desk, ref, token)[0] == 202
    assert resend(desk, ref, token)[0] == 429
    # WHEN resends keep coming a minute apart, the fifth send of the day is the last
    for _ in range(3):
        clock.advance(seconds=61)
        assert resend(desk, ref, token)[0] == 202
    clock.advance(seconds=61)
    sixth_status, sixth = resend(desk, ref, token)
    assert sixth_status == 429
    assert sixth["error"]["code"] == "rate_limited"
    assert len(mailed_secrets(desk, ref)) == 5
    # AND a day after the first send, a new one is allowed again
    clock.advance(hours=24)
    assert resend(desk, ref, token)[0] == 202


def test_a_resend_needs_the_requesters_status_token(desk: Desk, clock: FakeClock) -> None:
    # GIVEN an access request, a minute old
    submitted = submit(desk)
    ref = submitted["ref"]
    clock.advance(seconds=61)
    # WHEN a resend is asked for with a wrong token, or for an unknown reference
    wrong = desk.api("POST", f"/v1/requests/{ref}/resend", json.dumps({"token": "x" * 43}))
    unknown = desk.api(
        "POST", "/v1/requests/PD-0000-0000-0000/resend", json.dumps({"token": status_token(submitted)})
    )
    # THEN both are the same 404, and no code is sent
    assert wrong["statusCode"] == unknown["statusCode"] == 404
    assert wrong["body"] == unknown["body"]
    assert json.loads(wrong["body"])["error"]["code"] == "not_found"
    assert len(mailed_secrets(desk, ref)) == 1


# --------------------------------------------------------------------------------------------- secrets


def test_no_code_link_token_or_status_token_is_ever_stored(desk: Desk, clock: FakeClock) -> None:
    # GIVEN a request whose requester got a code, asked for another, and verified with the link
    submitted = submit(desk, rights=("access", "erasure"))
    ref = submitted["ref"]
    clock.advance(seconds=61)
    assert resend(desk, ref, status_token(submitted))[0] == 202
    mailed = mailed_secrets(desk, ref)
    assert len(mailed) == 2
    assert verify(desk, ref, token=mailed[-1][1])[0] == 200
    desk.drain_outbox()
    # WHEN the whole table is read, as someone with read access to it could
    stored = json.dumps(scan_table(desk), default=str)
    # THEN none of the secrets the requester holds is in it
    assert ref in stored
    for code, token in mailed:
        assert code not in stored
        assert token not in stored
    assert status_token(submitted) not in stored


def test_the_openapi_document_is_served_bundled(desk: Desk) -> None:
    # WHEN the spec is fetched
    status, spec = call(desk, "GET", "/openapi.json")
    # THEN it is an OpenAPI 3.1 document describing the request routes, with every $ref internal
    assert status == 200
    assert spec["openapi"].startswith("3.1")
    assert "/v1/requests" in spec["paths"]
    assert "/v1/requests/{ref}/verify" in spec["paths"]

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = list(refs(spec))
    assert found
    assert all(ref.startswith("#/") for ref in found)


def test_a_guess_that_loses_the_race_to_be_counted_gets_no_answer(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an access request and its right code
    ref = submit(desk)["ref"]
    code, _ = latest_secrets(desk, ref)
    repository = type(get_repository())
    save = repository.save_challenge

    def another_guess_lands_first(self: Any, challenge: Any) -> None:
        # Between our read and our write, a parallel guess is counted.
        stored = self.get_challenge(ref, "identity")
        save(self, replace(stored, attempts=stored.attempts + 1, version=stored.version + 1))
        monkeypatch.setattr(repository, "save_challenge", save)
        save(self, challenge)

    monkeypatch.setattr(repository, "save_challenge", another_guess_lands_first)
    # WHEN the right code is sent but its count cannot be written
    status, answer = verify(desk, ref, code=code)
    # THEN it gets the same refusal as a wrong code: nothing is learnt from a guess that was not counted
    assert status == 400
    assert answer["error"]["code"] == "verification_failed"
    assert case_detail(desk, ref)["state"] == "awaiting_verification"
    # AND sent again, in turn, it verifies
    assert verify(desk, ref, code=code)[0] == 200
