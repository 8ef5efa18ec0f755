"""Advance notice before sharing on the running local stack: 1,000 people in the ledger are told of a planned
disclosure, 50 object through the one-click link in their notice, and on the effective date the close lists
exactly the 950 others, with a manifest whose hash the audit trail names."""

import email
import email.policy
import hashlib
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import RunningStack, running_stack

pytestmark = pytest.mark.e2e

PEOPLE = 1_000
OBJECTORS = 50
LANGS = ("en", "de", "fr", "es", "it", "nl", "pt")


@dataclass(frozen=True)
class Demo:
    """What the demo did and what the stack answered at each step."""

    stack: RunningStack
    addresses: list[str]
    disclosure_id: str
    notices: dict[str, EmailMessage]
    objectors: list[str]
    progress: str
    closed: dict[str, Any]
    closed_text: str


def _notices(stack: RunningStack, disclosure_id: str) -> dict[str, EmailMessage]:
    found: dict[str, EmailMessage] = {}
    for raw in stack.sent_mail():
        message = email.message_from_string(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if disclosure_id in message.get_content():
            assert str(message["To"]) not in found, "a person was told twice"
            found[str(message["To"])] = message
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """GIVEN a fresh stack whose ledger holds 1,000 people (languages mixed); the team declares a disclosure
    30 days away, 50 people object through their notice's link, and `privacydesk tick` reaches the date."""
    with running_stack(tmp_path_factory.mktemp("notices"), samples=False) as stack:
        addresses = [f"customer{i:04d}@example.org" for i in range(PEOPLE)]

        def seed(i: int) -> int:
            body = {
                "email": addresses[i],
                "purpose": "marketing_email",
                "granted": True,
                "source": "import",
                "language": LANGS[i % len(LANGS)],
            }
            # Generous: the local moto serves one request at a time, and 8 of these wait their turn.
            return stack.request("POST", "/v1/consents", body, admin=True, timeout=120)[0]

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(seed, range(PEOPLE))) == {200}
        effective = (datetime.now(UTC) + timedelta(days=30)).date()
        declared = stack.cli(
            "notices",
            "declare",
            "--recipient",
            "Acme Analytics Ltd",
            "--purpose",
            "Analysing how our shop is used, to improve it",
            "--categories",
            "contact,behavioural",
            "--effective",
            effective.isoformat(),
            "--json",
        )
        assert declared.returncode == 0, declared.stderr
        disclosure_id = json.loads(declared.stdout)["disclosure_id"]
        stack.wait_for(
            f"/v1/disclosures/{disclosure_id}",
            lambda d: d["status"] == "notifying" and d["counts"]["sent"] == PEOPLE,
            timeout=300,
        )
        progress = stack.cli("notices", "status", disclosure_id).stdout
        notices = _notices(stack, disclosure_id)
        objectors = addresses[::20][:OBJECTORS]
        for address in objectors:
            url = urlsplit(str(notices[address]["List-Unsubscribe"]).strip("<>"))
            status, _ = stack.request(
                "POST",
                f"{url.path}?{url.query}",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert status == 200
        tick = stack.cli("tick", "--now", f"{effective.isoformat()}T09:00:00+00:00")
        assert tick.returncode == 0, tick.stderr
        closed = stack.get(f"/v1/disclosures/{disclosure_id}")
        closed_text = stack.cli("notices", "status", disclosure_id).stdout
        yield Demo(stack, addresses, disclosure_id, notices, objectors, progress, closed, closed_text)


def test_each_of_the_1000_people_got_one_notice_in_their_language(demo: Demo) -> None:
    assert sorted(demo.notices) == sorted(demo.addresses)
    for i, address in enumerate(demo.addresses):
        notice = demo.notices[address]
        assert notice["Content-Language"] == LANGS[i % len(LANGS)]
        assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Acme Analytics Ltd" in notice.get_content()


def test_the_status_command_shows_a_full_progress_bar(demo: Demo) -> None:
    assert f"[{'#' * 30}] 100% {PEOPLE}/{PEOPLE} sent, 0 failed" in demo.progress
    assert "status: notifying" in demo.progress


def test_the_objections_are_in_the_ledger(demo: Demo) -> None:
    for address in demo.objectors[:5]:
        status, answer = demo.stack.request("POST", "/v1/consents/lookup", {"email": address}, admin=True)
        assert status == 200
        states = {p["purpose"]: p["state"] for p in answer["purposes"]}
        assert states["third_party_sharing"] == "withdrawn"


def test_the_close_lists_exactly_the_950_others(demo: Demo) -> None:
    closed = demo.closed
    assert closed["status"] == "closed"
    counts = closed["counts"]
    assert (counts["shareable"], counts["not_shared"], counts["objected"]) == (950, 50, 50)
    s3 = demo.stack.aws("s3")
    bucket = s3.list_buckets()["Buckets"]
    [name] = [b["Name"] for b in bucket if "disclosure" in b["Name"]]
    manifest_bytes = s3.get_object(Bucket=name, Key=closed["manifest"]["key"])["Body"].read()
    assert hashlib.sha256(manifest_bytes).hexdigest() == closed["manifest"]["sha256"]
    manifest = json.loads(manifest_bytes)
    shareable: set[str] = set()
    not_shared: dict[str, str] = {}
    for part in manifest["parts"]:
        body = s3.get_object(Bucket=name, Key=part["key"])["Body"].read()
        assert hashlib.sha256(body).hexdigest() == part["sha256"]
        for line in map(json.loads, body.splitlines()):
            if part["kind"] == "shareable":
                shareable.add(line["address"])
            else:
                not_shared[line["address"]] = line["reason"]
    assert shareable == set(demo.addresses) - set(demo.objectors)
    assert not_shared == dict.fromkeys(demo.objectors, "objected")
    assert closed["events"][-1]["type"] == "disclosure_closed"
    assert closed["events"][-1]["detail"]["manifest_sha256"] == closed["manifest"]["sha256"]


def test_the_status_command_shows_the_close(demo: Demo) -> None:
    assert "950 may be shared, 50 may not (50 objected)" in demo.closed_text
    assert re.search(
        r"manifest disclosures/DSC-[A-Z0-9-]+/manifest\.json sha256 [0-9a-f]{64}", demo.closed_text
    )
