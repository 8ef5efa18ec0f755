"""Shared test helpers: paths and the corpus location."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EVENTS = REPO_ROOT / "events"


def corpus_dir() -> Path:
    """The shared corpus of real mail written by others (../shared/corpus beside the repo)."""
    return Path(os.environ.get("PRIVACYDESK_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))


@pytest.fixture
def sample_mail() -> dict[str, bytes]:
    """The sample mails of events/mail by file name."""
    return {p.name: p.read_bytes() for p in sorted((EVENTS / "mail").glob("*.eml"))}
