"""`privacydesk cases ...` and `audit verify` with the API call faked: what is sent, printed and returned."""

import io
import json
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from privacydesk_local import api_client, cli, cli_cases

REF = "PD-7KQ4-M9XW-C2HT"
CLOCKS = {
    "regime": "gdpr",
    "right": "access",
    "rule": "gdpr art. 12(3): one month",
    "received": "2024-01-31",
    "calendar": "GB-ENG",
    "paused_days": 0,
    "acknowledge_by": None,
    "respond_by": "2024-02-29",
    "extended_respond_by": "2024-04-30",
    "extension_notice_by": "2024-02-29",
}
CASE = {
    "ref": REF,
    "requester": "maria@example.org",
    "on_behalf_of": None,
    "name": "Maria",
    "agent": None,
    "rights": ["access"],
    "items": [
        {
            "right": "access",
            "state": "extended",
            "needs_verification": True,
            "due": "2024-04-30",
            "extended": True,
            "paused_since": None,
            "clocks": CLOCKS,
        }
    ],
    "state": "extended",
    "language": "en",
    "regime": "gdpr",
    "regime_reason": "api",
    "calendar": "GB-ENG",
    "source": "api",
    "received_at": "2024-01-31T09:00:00+00:00",
    "due": "2024-04-30",
    "assignee": "alice",
    "verified_at": "2024-02-01T10:00:00+00:00",
    "closed_at": None,
    "paused": False,
    "paused_days": 0,
    "flags": [],
    "verdicts": {},
    "evidence": {},
    "source_message_id": None,
    "events": [
        {
            "seq": 1,
            "at": "2024-01-31T09:00:00+00:00",
            "type": "case_opened",
            "actor": "system",
            "detail": {},
            "prev_hash": "0" * 64,
            "hash": "a" * 64,
        }
    ],
}


class FakeApi:
    """Records each call and answers with a canned document."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, Any]] = []

    def __call__(self, base: str, method: str, path: str, body: Any = None, *_: Any, **__: Any) -> Any:
        self.calls.append((method, path, body))
        return self.answer


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    api = FakeApi(CASE)
    monkeypatch.setattr(cli_cases, "call", api)
    monkeypatch.setattr(cli_cases, "api_url", lambda explicit: explicit or "http://127.0.0.1:1")
    return api


CASE_PATH = f"/v1/cases/{REF}"


@pytest.mark.parametrize(
    ("argv", "sent"),
    [
        (["cases"], ("GET", "/v1/cases", None)),
        (
            ["cases", "list", "--state", "verified", "--right", "access", "--due-before", "2024-03-01"],
            ("GET", "/v1/cases?state=verified&right=access&due_before=2024-03-01", None),
        ),
        (["cases", "show", REF.lower()], ("GET", CASE_PATH, None)),
        (["cases", "assign", REF, "alice"], ("POST", f"{CASE_PATH}/assign", {"assignee": "alice"})),
        (["cases", "note", REF, "called them"], ("POST", f"{CASE_PATH}/notes", {"text": "called them"})),
        (
            ["cases", "ask", REF, "which account?", "--right", "access"],
            ("POST", f"{CASE_PATH}/ask", {"message": "which account?", "rights": ["access"]}),
        ),
        (
            ["cases", "extend", REF, "--reason", "three systems", "--right", "access", "erasure"],
            ("POST", f"{CASE_PATH}/extend", {"reason": "three systems", "rights": ["access", "erasure"]}),
        ),
        (
            ["cases", "complete", REF, "--message", "attached"],
            ("POST", f"{CASE_PATH}/complete", {"message": "attached"}),
        ),
        (
            ["cases", "deny", REF, "--reason", "no_data_held"],
            ("POST", f"{CASE_PATH}/deny", {"reason": "no_data_held"}),
        ),
        (["cases", "withdraw", REF], ("POST", f"{CASE_PATH}/withdraw", {})),
    ],
)
def test_each_command_sends_the_documented_request(
    fake: FakeApi, argv: list[str], sent: tuple[str, str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    if argv[0] == "cases" and (len(argv) == 1 or argv[1] == "list"):
        fake.answer = {"cases": [CASE]}
    assert cli.main(argv) == 0
    assert fake.calls == [sent]
    assert REF in capsys.readouterr().out


def test_cases_json_prints_the_listing_as_a_json_array(
    fake: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.answer = {"cases": [CASE]}
    assert cli.main(["cases", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [CASE]


def test_show_json_prints_the_case_detail_of_the_api(
    fake: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["cases", "show", REF, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == CASE


def test_show_prints_the_clocks_with_their_rule_and_inputs_and_the_timeline(
    fake: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["cases", "show", REF]) == 0
    out = capsys.readouterr().out
    assert "RIGHT" in out
    assert "RESPOND_BY" in out
    assert "NOTICE_BY" in out
    clock_row = next(line for line in out.splitlines() if line.startswith("access"))
    for value in (
        "extended",
        "2024-04-30",
        "2024-02-29",
        "(granted)",
        "gdpr art. 12(3)",
        "received 2024-01-31",
    ):
        assert value in clock_row
    assert "case_opened" in out
    assert "Timeline (1 events)" in out


def test_an_action_prints_the_resulting_state_and_due_date(
    fake: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["cases", "extend", REF, "--reason", "busy"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"{REF}: extended, due 2024-04-30"


def test_a_denial_reason_outside_the_fixed_list_is_a_usage_error(fake: FakeApi) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["cases", "deny", REF, "--reason", "because"])
    assert exit_.value.code == 2
    assert fake.calls == []


@pytest.mark.parametrize(
    ("report", "code", "line"),
    [
        (
            {
                "ref": REF,
                "ok": True,
                "events": 7,
                "first_broken_seq": None,
                "reason": "",
                "anchors_checked": 2,
            },
            0,
            f"{REF}: audit chain intact (7 events, 2 anchors checked)",
        ),
        (
            {
                "ref": REF,
                "ok": False,
                "events": 7,
                "first_broken_seq": 4,
                "reason": "hash mismatch",
                "anchors_checked": 1,
            },
            1,
            f"{REF}: audit chain BROKEN at event 4: hash mismatch",
        ),
    ],
)
def test_audit_verify_reports_the_chain_and_exits_1_when_broken(
    fake: FakeApi, capsys: pytest.CaptureFixture[str], report: dict[str, Any], code: int, line: str
) -> None:
    fake.answer = report
    assert cli.main(["audit", "verify", REF]) == code
    assert capsys.readouterr().out.strip() == line
    assert fake.calls == [("GET", f"/v1/cases/{REF}/audit", None)]
    assert cli.main(["audit", "verify", REF, "--json"]) == code
    assert json.loads(capsys.readouterr().out) == report


def test_the_admin_token_comes_from_the_environment_first_then_stack_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(api_client.TOKEN_ENV, raising=False)
    assert api_client.admin_token() is None
    (tmp_path / ".privacydesk").mkdir()
    (tmp_path / ".privacydesk" / "stack.json").write_text(
        json.dumps({"api": "http://x", "admin_token": "s3"})
    )
    assert api_client.admin_token() == "s3"
    monkeypatch.setenv(api_client.TOKEN_ENV, "from-env")
    assert api_client.admin_token() == "from-env"


def _answer(status: int, payload: bytes) -> urllib.error.HTTPError:
    return urllib.error.HTTPError("http://x/v1/cases", status, "Reason", Message(), io.BytesIO(payload))


def test_call_sends_the_bearer_token_and_shows_the_envelope_message_on_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sent: list[urllib.request.Request] = []

    def refuse(request: urllib.request.Request, timeout: float) -> Any:
        sent.append(request)
        raise _answer(409, b'{"error": {"code": "conflict", "message": "the notice cutoff has passed"}}')

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setenv(api_client.TOKEN_ENV, "t0ken")
    code = cli.main(["cases", "extend", REF, "--reason", "late", "--api", "http://127.0.0.1:1"])
    assert code == 2
    assert sent[0].get_header("Authorization") == "Bearer t0ken"
    assert "the notice cutoff has passed" in capsys.readouterr().err


def test_an_answer_without_the_envelope_still_gives_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def throttled(request: urllib.request.Request, timeout: float) -> Any:
        raise _answer(429, b'{"message": "Too Many Requests"}')

    monkeypatch.setattr(urllib.request, "urlopen", throttled)
    with pytest.raises(api_client.ApiError, match="Too Many Requests") as error:
        api_client.call("http://127.0.0.1:1", "GET", "/v1/cases")
    assert error.value.status == 429
