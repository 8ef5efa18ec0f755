"""A request's whole life on the running local stack: HTTP client, mail out, CLI for the team, audit."""

import json
import re
import time
from typing import Any

import boto3
import pytest

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def _mail_for(stack: RunningStack, ref: str, marker: str, timeout: float = 30.0) -> str:
    """The first sent message about `ref` that contains `marker` (mail is sent asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for raw in stack.sent_mail():
            if ref in raw and marker in raw:
                return raw
        time.sleep(0.3)
    pytest.fail(f"no mail for {ref} containing {marker!r}")


def _table(stack: RunningStack) -> Any:
    info = json.loads((stack.folder / ".privacydesk" / "stack.json").read_text())
    resource = boto3.resource(
        "dynamodb",
        endpoint_url=info["aws_endpoint"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's fake credentials
    )
    return resource.Table(info["cases_table"])


def test_a_request_goes_from_submission_through_verification_to_completion_with_mail_and_audit(
    stack: RunningStack,
) -> None:
    # GIVEN a web-form submission for a copy of one's data
    status, accepted = stack.request(
        "POST",
        "/v1/requests",
        {"email": "lena@example.org", "name": "Lena", "rights": ["access"], "message": "A copy of my data."},
    )
    assert status == 202
    ref = accepted["ref"]
    status_path = accepted["status_url"].removeprefix(stack.api)
    # THEN the requester can follow it with the status URL, and it waits for verification
    status, seen = stack.request("GET", status_path)
    assert (status, seen["state"], seen["awaiting"]) == (200, "awaiting_verification", "verification")
    # AND an acknowledgement and a verification mail reach the data subject's address
    _mail_for(stack, ref, "We have received your privacy request")
    check = _mail_for(stack, ref, "/verify?token=")
    code = re.search(r"^\s+(\d{6})\s*$", check, re.MULTILINE)
    assert code is not None
    # WHEN the requester enters the code
    status, verified = stack.request("POST", f"/v1/requests/{ref}/verify", {"code": code.group(1)})
    # THEN the access right is verified and a confirmation is mailed
    assert (status, verified["verified"], verified["state"]) == (200, True, "verified")
    _mail_for(stack, ref, "Your identity is confirmed")
    # WHEN the privacy team completes it from the terminal
    done = stack.cli("cases", "complete", ref, "--message", "Your data is attached to this email.")
    assert done.returncode == 0, done.stderr
    # THEN the requester sees it completed and receives the answer
    assert stack.request("GET", status_path)[1]["state"] == "completed"
    _mail_for(stack, ref, "Your data is attached to this email.")
    # AND the case shows its clocks and how they were computed
    shown = stack.cli("cases", "show", ref, "--json")
    assert shown.returncode == 0, shown.stderr
    case = json.loads(shown.stdout)
    clocks = case["items"][0]["clocks"]
    assert clocks["regime"] == "gdpr"
    assert clocks["received"] == case["received_at"][:10]
    assert clocks["calendar"] == case["calendar"]
    assert "art. 12(3)" in clocks["rule"]
    assert [e["seq"] for e in case["events"]] == list(range(1, len(case["events"]) + 1))
    # AND its trail shows each move: received, awaiting verification, verified, completed
    moves = [(e["detail"]["from"], e["detail"]["to"]) for e in case["events"] if e["type"] == "state_changed"]
    assert moves == [
        ("received", "awaiting_verification"),
        ("awaiting_verification", "verified"),
        ("verified", "completed"),
    ]
    mails = [e["detail"]["template"] for e in case["events"] if e["type"] == "mail_queued"]
    assert mails == ["acknowledgement", "verification_request", "verified", "completion"]
    # AND the audit chain is intact, checked against the head anchored when the case closed
    audit = stack.cli("audit", "verify", ref)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "intact" in audit.stdout
    # WHEN someone with write access to the table edits one event of the trail
    table = _table(stack)
    edited = table.get_item(Key={"pk": f"CASE#{ref}", "sk": "EVENT#00000002"})["Item"]
    edited["actor"] = "team:someone-else"
    table.put_item(Item=edited)
    # THEN audit verify catches it and names the first broken link
    broken = stack.cli("audit", "verify", ref)
    assert broken.returncode == 1
    assert "BROKEN at event 2" in broken.stdout


def test_admin_routes_refuse_calls_without_the_admin_token_and_public_ones_do_not(
    stack: RunningStack,
) -> None:
    status, body = stack.request("GET", "/v1/cases")
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    status, spec = stack.request("GET", "/openapi.json")
    assert status == 200
    assert spec["openapi"].startswith("3.1")
