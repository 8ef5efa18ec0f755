"""`privacydesk deadlines`: the contracted JSON object through the installed console script."""

import json
import os
import re
import subprocess

import pytest

from tests.e2e.conftest import CLI

ORDER = ("acknowledge_by", "respond_by", "extended_respond_by", "extension_notice_by")
KEYS = set(ORDER)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _deadlines(*args: str) -> subprocess.CompletedProcess[str]:
    # No AWS settings at all: the clocks need none.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CASES_", "MAIL_"))}
    return subprocess.run(
        [str(CLI), "deadlines", *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            "--regime uk_gdpr --received 2027-01-31 --calendar GB-ENG",
            [None, "2027-03-01", "2027-04-30", "2027-03-01"],
        ),
        (
            "--regime ccpa --received 2027-11-18 --calendar US-CA --right erasure",
            ["2027-12-06", "2028-01-02", "2028-02-16", "2028-01-02"],
        ),
        (
            "--regime ccpa --received 2027-12-15 --calendar US-CA --right sharing_opt_out",
            [None, "2028-01-07", None, None],
        ),
    ],
)
def test_prints_exactly_the_four_contracted_keys(args: str, expected: list[str | None]) -> None:
    result = _deadlines(*args.split())
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    answer = json.loads(result.stdout)
    assert set(answer) == KEYS
    assert answer == dict(zip(ORDER, expected, strict=True))


@pytest.mark.parametrize("regime", ["gdpr", "uk_gdpr", "ccpa", "can_spam", "vcdpa", "pipeda"])
def test_every_regime_answers_dates_or_null(regime: str) -> None:
    result = _deadlines("--regime", regime, "--received", "2028-02-29", "--calendar", "US")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == KEYS
    assert ISO_DATE.fullmatch(answer["respond_by"])
    assert all(v is None or ISO_DATE.fullmatch(v) for v in answer.values())


def test_an_unknown_regime_exits_2_and_names_the_valid_ones() -> None:
    result = _deadlines("--regime", "hipaa", "--received", "2027-01-04", "--calendar", "US")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "privacydesk: unknown regime 'hipaa'" in result.stderr
    assert "uk_gdpr" in result.stderr


def test_an_unknown_calendar_exits_2_and_says_what_a_calendar_is() -> None:
    result = _deadlines("--regime", "gdpr", "--received", "2027-01-04", "--calendar", "Narnia")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "privacydesk: unknown holiday calendar 'Narnia'" in result.stderr
    assert "GB-ENG" in result.stderr


@pytest.mark.parametrize("received", ["2027-02-30", "20270131", "31/01/2027", "tomorrow"])
def test_a_malformed_date_exits_2(received: str) -> None:
    result = _deadlines("--regime", "gdpr", "--received", received, "--calendar", "DE")
    assert result.returncode == 2
    assert "YYYY-MM-DD" in result.stderr
