"""`privacydesk triage FILE`: one JSON object and exit 0 for any file, without AWS or network."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EVENTS, corpus_dir
from tests.e2e.conftest import CLI

KEYS = {"kind", "rights", "language", "requester", "on_behalf_of", "bounced", "regime_hint", "evidence"}


def _triage(path: Path) -> subprocess.CompletedProcess[str]:
    # No AWS settings at all: triage must not need them.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CASES_", "MAIL_"))}
    return subprocess.run(
        [str(CLI), "triage", str(path)], capture_output=True, text=True, timeout=60, check=False, env=env
    )


def test_a_sample_request_prints_the_contracted_object(tmp_path: Path) -> None:
    result = _triage(EVENTS / "mail" / "02-erasure-de.eml")
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert set(verdict) == KEYS
    assert verdict["kind"] == "request"
    assert "erasure" in verdict["rights"]
    assert verdict["language"] == "de"
    assert verdict["requester"] == "kim.beispiel@example.org"
    assert verdict["evidence"]["erasure"]


@pytest.mark.parametrize(
    "content", [b"", b"\x00\xff" * 500, b"Subject: =?x-unknown?q?=FF?=\r\n\r\n\xe9\xe8", b"not mail at all"]
)
def test_any_file_gives_one_json_object_and_exit_0(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "odd.eml"
    path.write_bytes(content)
    result = _triage(path)
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)) == KEYS
    assert result.stdout.count("\n") == 1


def test_a_real_bounce_lists_its_failed_address() -> None:
    result = _triage(corpus_dir() / "mime-flanker" / "messages" / "bounce" / "gmail-no-dns.eml")
    verdict = json.loads(result.stdout)
    assert verdict["kind"] == "bounce"
    assert verdict["rights"] == []


def test_a_missing_file_exits_2_with_a_message(tmp_path: Path) -> None:
    result = _triage(tmp_path / "nope.eml")
    assert result.returncode == 2
    assert "cannot read" in result.stderr
