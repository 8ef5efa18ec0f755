"""Shared test helpers: paths and the corpus location."""

import os
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EVENTS = REPO_ROOT / "events"


@pytest.fixture(autouse=True, scope="session")
def _no_real_aws() -> None:
    """Fake credentials and no profile for the whole run: nothing here can sign a request to real AWS."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )


def corpus_dir() -> Path:
    """The shared corpus of real mail written by others (../shared/corpus beside the repo)."""
    return Path(os.environ.get("PRIVACYDESK_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))


@pytest.fixture
def sample_mail() -> dict[str, bytes]:
    """The sample mails of events/mail by file name."""
    return {p.name: p.read_bytes() for p in sorted((EVENTS / "mail").glob("*.eml"))}


@pytest.fixture
def figures(record_property: Callable[[str, object], None]) -> Callable[[str], None]:
    """Report a table of figures: shown at the end of every run, with or without -s or xdist."""
    return lambda table: record_property("figures", table)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the tests reported (triage scores), passed or failed."""
    tables = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", [])
        if name == "figures"
    ]
    if tables:
        terminalreporter.section("figures")
        for table in tables:
            terminalreporter.write_line(str(table))
