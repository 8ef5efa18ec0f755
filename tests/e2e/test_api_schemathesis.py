"""schemathesis against the running stack's own /openapi.json: no server error, every answer as specified."""

import json
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from privacydesk.schemas.openapi import bundled_spec
from tests.e2e.conftest import RunningStack, running_stack

pytestmark = pytest.mark.e2e

# What a spec-conformance run asserts on every answer.
CONFORMANCE = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@dataclass(frozen=True)
class Submitted:
    """A request submitted over the API, and the requester's status token."""

    ref: str
    token: str
    email: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """GIVEN a stack of its own: the thousands of requests sent here must not crowd the other tests' cases."""
    with running_stack(tmp_path_factory.mktemp("spec-stack"), samples=False) as running:
        yield running


@pytest.fixture(scope="module")
def admin_headers(stack: RunningStack) -> dict[str, str]:
    """GIVEN the admin bearer token the running stack recorded for the privacy team."""
    info = json.loads((stack.folder / ".privacydesk" / "stack.json").read_text())
    token = info.get("admin_token")
    assert token, "stack.json has no admin_token"
    return {"Authorization": f"Bearer {token}"}


# Built from the repository's spec at collection time (schemathesis' fixture-based loader does not work
# with pytest 9); the first test proves the stack serves exactly this document.
schema = schemathesis.openapi.from_dict(bundled_spec())


def test_the_stack_serves_the_bundled_spec_this_suite_tests(stack: RunningStack) -> None:
    """WHEN GET /openapi.json THEN the stack answers the self-contained document, unauthenticated."""
    assert stack.get("/openapi.json") == bundled_spec()


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_every_operation_answers_as_its_spec_says(
    case: schemathesis.Case, stack: RunningStack, admin_headers: dict[str, str]
) -> None:
    """WHEN schemathesis sends examples, boundary values, fuzzed and invalid data to every operation
    THEN no answer is a server error and every answer matches the documented status, type and schema."""
    excluded = []
    if case.method.upper() == "POST" and case.path == "/v1/requests/{ref}/verify":
        # A well-formed code or token for a reference nobody was sent is refused with 400
        # verification_failed, the same answer as for a wrong code, so the endpoint cannot tell anyone
        # which references exist: "valid data is accepted" cannot hold here by design.
        excluded.append(checks.positive_data_acceptance)
    if case.method.upper() == "POST" and case.path == "/v1/receipts":
        # The ledger purposes `consents` may name are the deployment's own (CONSENT_PURPOSES), and an
        # address whose domain IDNA cannot encode is refused: neither fits a JSON Schema, so data the
        # schema allows can still be a 400.
        excluded.append(checks.positive_data_acceptance)
    if case.method.upper() == "POST" and case.path == "/v1/disclosures":
        # The effective date must be NoticeMinDays from today, the audience's purpose one the deployment
        # declares and its list an object in the bucket: none of which a JSON Schema can say.
        excluded.append(checks.positive_data_acceptance)
    case.call_and_validate(base_url=stack.api, headers=admin_headers, excluded_checks=excluded, timeout=90)


@pytest.fixture(scope="module")
def submitted(stack: RunningStack) -> Submitted:
    """GIVEN a request submitted over the public API, as a web form would."""
    email = f"st-{uuid.uuid4().hex[:8]}@example.org"
    body = {
        "email": email,
        "name": "Spec Tester",
        "rights": ["access", "marketing_opt_out", "question"],
        "regime": "gdpr",
        "message": "Please send me my data, stop the newsletter, and tell me who you share it with.",
        # An authorized agent asks for the data subject: the timeline records the agent as its first actor.
        "agent": {
            "name": "Proxy Rights Ltd",
            "email": "desk@proxy-rights.example",
            "permission_ref": "POA-0017",
        },
    }
    request = urllib.request.Request(  # noqa: S310 - local stack
        stack.api + "/v1/requests",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Sec-GPC": "1"},
    )
    # Generous: after the fuzzing above, moto's copy-on-transaction makes each write slower.
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - local stack
        assert response.status == 202
        accepted = json.loads(response.read())
    [token] = parse_qs(urlsplit(accepted["status_url"]).query)["token"]
    return Submitted(ref=accepted["ref"], token=token, email=email)


def call(
    base_url: str,
    headers: dict[str, str],
    method: str,
    path: str,
    expected: set[int],
    *,
    ref: str | None = None,
    query: dict[str, Any] | None = None,
    body: Any = None,
) -> Any:
    operation = schema[path][method]
    kwargs: dict[str, Any] = {"path_parameters": {"ref": ref} if ref else {}, "query": query or {}}
    if body is not None:
        kwargs["body"] = body
        kwargs["media_type"] = "application/json"
    case = operation.Case(**kwargs)
    response = case.call_and_validate(base_url=base_url, headers=headers, checks=CONFORMANCE, timeout=90)
    assert response.status_code in expected, (method, path, response.status_code, response.text[:500])
    return response


def test_a_real_case_answers_as_the_spec_says_at_every_step(
    stack: RunningStack, admin_headers: dict[str, str], submitted: Submitted
) -> None:
    """WHEN the requester and the privacy team use every route on one real case
    THEN each answer, with real data in it (clocks, timeline, audit), matches its schema."""
    api, ref, token = stack.api, submitted.ref, submitted.token
    call(api, {}, "GET", "/v1/requests/{ref}", {200}, ref=ref, query={"token": token})
    call(api, {}, "GET", "/v1/requests/{ref}", {404}, ref=ref, query={"token": "x" * 43})
    call(api, {}, "GET", "/v1/requests/{ref}/verify", {200}, ref=ref, query={"token": "y" * 43})
    call(api, {}, "POST", "/v1/requests/{ref}/verify", {400}, ref=ref, body={"code": "000000"})
    call(api, {}, "POST", "/v1/requests/{ref}/resend", {202, 429}, ref=ref, body={"token": token})
    call(api, {}, "POST", "/v1/requests/{ref}/resend", {404}, ref=ref, body={"token": "z" * 43})
    call(api, {}, "GET", "/v1/cases/{ref}", {401}, ref=ref)

    admin = admin_headers
    detail = call(api, admin, "GET", "/v1/cases/{ref}", {200}, ref=ref).json()
    # Sec-GPC: 1 recorded a sharing opt-out next to the rights asked for.
    assert {item["right"] for item in detail["items"]} == {
        "access",
        "marketing_opt_out",
        "question",
        "sharing_opt_out",
    }
    call(api, admin, "GET", "/v1/cases", {200}, query={"state": detail["state"], "limit": 5})
    call(api, admin, "GET", "/v1/cases", {200}, query={"right": "access", "due_before": "2100-01-01"})
    call(api, admin, "GET", "/v1/cases", {400}, query={"limit": 0})
    call(api, admin, "POST", "/v1/cases/{ref}/assign", {200}, ref=ref, body={"assignee": "alice"})
    call(api, admin, "POST", "/v1/cases/{ref}/notes", {200}, ref=ref, body={"text": "Checked the CRM."})
    for action, body, status in (
        # Access waits for verification: it cannot be completed yet, but its GDPR clock runs, so it can be
        # extended (once).
        ("complete", {"message": "Here is your data.", "rights": ["access"]}, 409),
        ("extend", {"reason": "Records sit in three systems.", "rights": ["access"]}, 200),
        ("extend", {"reason": "Still more records.", "rights": ["access"]}, 409),
        # Opt-outs were applied as the case opened: there is nothing left to complete.
        ("complete", {"message": "You are unsubscribed.", "rights": ["marketing_opt_out"]}, 409),
        ("extend", {"reason": "We need to ask our processor.", "rights": ["question"]}, 200),
        ("ask", {"message": "Which of our products do you mean?", "rights": ["question"]}, 200),
        ("deny", {"reason": "unverifiable", "rights": ["access"]}, 200),
        ("withdraw", {}, 200),
        # Nothing is open any more.
        ("deny", {"reason": "exempt"}, 409),
    ):
        call(api, admin, "POST", f"/v1/cases/{{ref}}/{action}", {status}, ref=ref, body=body)
    audit = call(api, admin, "GET", "/v1/cases/{ref}/audit", {200}, ref=ref).json()
    assert audit["ok"] is True
    final = call(api, admin, "GET", "/v1/cases/{ref}", {200}, ref=ref).json()
    assert final["events"]
    # The sender adds mail_sent events as it goes: the case read after the audit has at least as many.
    assert audit["events"] <= len(final["events"])
    call(api, admin, "GET", "/v1/outbox", {200})
    call(api, admin, "GET", "/v1/inbound", {200})
    call(api, admin, "GET", "/", {200})
    call(api, admin, "POST", "/v1/reprocess", {404}, body={"message_id": "no-such-message"})


def test_the_consent_routes_answer_as_the_spec_says_with_real_data(
    stack: RunningStack, admin_headers: dict[str, str], submitted: Submitted
) -> None:
    """WHEN the ledger of the real case's data subject is read, filtered, exported and unsubscribed from
    THEN each answer matches its schema."""
    api, admin = stack.api, admin_headers
    subject = {"email": submitted.email}
    # The case's opt-outs (marketing, and sharing by Sec-GPC) are in the data subject's ledger.
    ledger = call(api, admin, "POST", "/v1/consents/lookup", {200}, body=subject).json()
    assert {p["purpose"]: p["state"] for p in ledger["purposes"]} == {
        "marketing_email": "withdrawn",
        "third_party_sharing": "withdrawn",
    }
    call(api, admin, "POST", "/v1/consents/lookup", {200}, body={**subject, "as_of": "2020-01-01"})
    decision = {
        "email": "grant@example.org",
        "purpose": "marketing_email",
        "granted": True,
        "source": "import",
    }
    call(api, admin, "POST", "/v1/consents", {200}, body={**decision, "evidence": {"import_batch": "b-1"}})
    call(api, admin, "POST", "/v1/consents", {404}, body={**decision, "purpose": "no_such_purpose"})
    emails = [submitted.email, "grant@example.org"]
    body = {"purpose": "marketing_email", "emails": emails}
    assert (
        call(api, admin, "POST", "/v1/consents/may-contact", {200}, body=body).json()["emails"] == emails[1:]
    )
    page = call(api, admin, "GET", "/v1/consents/export", {200}, query={"limit": 1}).json()
    call(api, admin, "GET", "/v1/consents/export", {200}, query={"after": page["next"]})
    links = call(
        api,
        admin,
        "POST",
        "/v1/unsubscribe-links",
        {200},
        body={"email": "grant@example.org", "purpose": "marketing_email"},
    ).json()
    [token] = parse_qs(urlsplit(links["url"]).query)["token"]
    call(api, {}, "GET", "/v1/unsubscribe", {200}, query={"token": token})
    call(
        api,
        {},
        "GET",
        "/v1/unsubscribe",
        {404},
        query={"token": token[:-1] + ("A" if token[-1] != "A" else "B")},
    )
    call(api, {}, "POST", "/v1/unsubscribe", {200}, query={"token": token})
    call(api, {}, "POST", "/v1/unsubscribe", {200}, query={"token": token})
