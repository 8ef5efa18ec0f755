"""Scores of triage against the hand-written labels of tests/data: printed, and failing below thresholds."""

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from privacydesk.logic.triage import triage_message
from privacydesk.models.triage import TriageResult
from tests.conftest import REPO_ROOT, corpus_dir

LABELS = REPO_ROOT / "tests" / "data"
LETTERS_EXACT = 0.90
PARAPHRASES_EXACT = 0.90
HELD_OUT_EXACT = 0.90
MACHINE_KIND = 0.95
BOUNCED_EXACT = 0.85
_SHOWN_MISSES = 8


@pytest.fixture(scope="module")
def corpus() -> Path:
    """The shared corpus; its absence fails the scores unless PRIVACYDESK_ALLOW_NO_CORPUS=1."""
    folder = corpus_dir()
    if not folder.is_dir():
        if os.environ.get("PRIVACYDESK_ALLOW_NO_CORPUS") == "1":
            pytest.skip(f"corpus missing at {folder} (allowed by PRIVACYDESK_ALLOW_NO_CORPUS=1)")
        pytest.fail(f"corpus missing at {folder}: set PRIVACYDESK_CORPUS or PRIVACYDESK_ALLOW_NO_CORPUS=1")
    return folder


def _labels(name: str) -> Iterator[dict[str, Any]]:
    path = LABELS / f"{name}.jsonl"
    assert path.exists(), f"labels missing: {path}"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def _wrap(text: str, subject: str) -> bytes:
    """A letter or paraphrase as the email a requester would send."""
    message = EmailMessage()
    message["From"] = "Test Requester <requester@example.org>"
    message["To"] = "privacy@example.com"
    message["Subject"] = subject
    message.set_content(text, charset="utf-8")
    return message.as_bytes()


def _table(title: str, rows: list[tuple[str, int, int]]) -> str:
    lines = [f"\n{title}", f"  {'measure':<40}{'hits':>6}{'total':>7}{'rate':>8}"]
    lines += [
        f"  {name:<40}{hits:>6}{total:>7}{hits / total if total else 0:>8.1%}" for name, hits, total in rows
    ]
    return "\n".join(lines)


def _rights_of(result: TriageResult) -> list[str]:
    return sorted(right.value for right in result.rights)


def _score_requests(
    cases: list[tuple[str, bytes, dict[str, Any]]], title: str
) -> tuple[float, str, list[str]]:
    exact = 0
    per_right: Counter[str] = Counter()
    per_right_hit: Counter[str] = Counter()
    misses: list[str] = []
    for name, raw, label in cases:
        result = triage_message(raw)
        rights_ok = _rights_of(result) == sorted(label["rights"])
        language_ok = result.language == label["language"]
        exact += rights_ok and language_ok
        for right in label["rights"]:
            per_right[right] += 1
            per_right_hit[right] += rights_ok
        if not (rights_ok and language_ok):
            misses.append(
                f"{name}: got {_rights_of(result)}/{result.language}, expected {sorted(label['rights'])}/"
                f"{label['language']}"
            )
    rows = [("exact (rights and language)", exact, len(cases))]
    rows += [
        (f"  rights right when {right}", per_right_hit[right], per_right[right])
        for right in sorted(per_right)
    ]
    return exact / len(cases), _table(title, rows), misses


def test_letters_are_read_exactly(corpus: Path, figures: Callable[[str], None]) -> None:
    cases = [
        (label["path"], _wrap((corpus / label["path"]).read_text(encoding="utf-8"), "Request"), label)
        for label in _labels("letters")
    ]
    rate, table, misses = _score_requests(cases, "Letters (templates of real request letters)")
    figures(table)
    assert rate >= LETTERS_EXACT, f"{table}\nfirst misses:\n" + "\n".join(misses[:_SHOWN_MISSES])


def test_paraphrases_are_read_exactly(figures: Callable[[str], None]) -> None:
    cases = [
        (label["subject"], _wrap(label["text"], label["subject"]), label) for label in _labels("paraphrases")
    ]
    rate, table, misses = _score_requests(cases, "Paraphrases (short requests as people write them)")
    figures(table)
    assert rate >= PARAPHRASES_EXACT, f"{table}\nfirst misses:\n" + "\n".join(misses[:_SHOWN_MISSES])


@pytest.mark.parametrize(
    ("labels", "title"),
    [
        ("paraphrases_holdout", "Held-out paraphrases, first set (88.6% when still blind)"),
        ("paraphrases_holdout2", "Held-out paraphrases, second set (89.6% when still blind)"),
        ("paraphrases_holdout3", "Held-out paraphrases, third set (92.9% when still blind)"),
    ],
)
def test_held_out_paraphrases_are_read_exactly(
    labels: str, title: str, figures: Callable[[str], None]
) -> None:
    # Each set was written by someone who had never seen the engine; its score is only a measure of
    # generalisation until the lexicon is tuned on its misses. Measure new wording with a fresh set.
    cases = [(label["subject"], _wrap(label["text"], label["subject"]), label) for label in _labels(labels)]
    rate, table, misses = _score_requests(cases, title)
    figures(table)
    assert rate >= HELD_OUT_EXACT, f"{table}\nfirst misses:\n" + "\n".join(misses[:_SHOWN_MISSES])


def test_machine_mail_is_recognised(corpus: Path, figures: Callable[[str], None]) -> None:
    labels = [*_labels("machine_mail"), *_labels("feedback_reports")]
    kinds: Counter[str] = Counter()
    kinds_hit: Counter[str] = Counter()
    addressed = addressed_hit = 0
    misses: list[str] = []
    for label in labels:
        result = triage_message((corpus / label["path"]).read_bytes())
        kinds[label["kind"]] += 1
        kind_ok = result.kind.value == label["kind"]
        kinds_hit[label["kind"]] += kind_ok
        if not kind_ok:
            misses.append(f"{label['path']}: kind {result.kind.value}, expected {label['kind']}")
        if label["kind"] == "bounce" and label.get("bounced") is not None:
            addressed += 1
            expected = sorted({address.lower() for address in label["bounced"]})
            if sorted(result.bounced) == expected:
                addressed_hit += 1
            else:
                misses.append(f"{label['path']}: bounced {sorted(result.bounced)}, expected {expected}")
    recognised = sum(kinds_hit.values())
    rows = [("kind right (bounces + auto-replies)", recognised, len(labels))]
    rows += [(f"  {kind}", kinds_hit[kind], kinds[kind]) for kind in sorted(kinds)]
    rows.append(("bounced addresses exact", addressed_hit, addressed))
    table = _table("Machine mail (real bounces, auto-replies, feedback reports)", rows)
    figures(table)
    detail = f"{table}\nfirst misses:\n" + "\n".join(misses[:_SHOWN_MISSES])
    assert recognised / len(labels) >= MACHINE_KIND, detail
    assert addressed_hit / addressed >= BOUNCED_EXACT, detail


def test_human_mail_is_not_taken_for_machine_mail(corpus: Path, figures: Callable[[str], None]) -> None:
    labels = list(_labels("not_machine"))
    wrong = [
        f"{label['path']}: {kind}"
        for label in labels
        if (kind := triage_message((corpus / label["path"]).read_bytes()).kind.value) != label["kind"]
    ]
    figures(
        _table(
            "Human mail that looks machine-made",
            [("kept as written by a person", len(labels) - len(wrong), len(labels))],
        )
    )
    assert not wrong, "\n".join(wrong)
