"""The SES receipt event at the edge: real samples validate and map; malformed ones are refused."""

import json
from collections.abc import Iterator

import pytest

from privacydesk.config import get_settings
from privacydesk.handlers.inbound_email import notice_from_event
from privacydesk.schemas import EdgeValidationError
from tests.conftest import EVENTS, corpus_dir

_LAMBDA_ACTION_SAMPLES = (
    "ses-lambda-events/powertools-lambda-python/sesEvent.json",
    "ses-lambda-events/aws-lambda-go/ses-lambda-event.json",
    "ses-lambda-events/aws-lambda-go/ses-s3-event.json",
    "ses-awsdocs-developer-guide/receiving-email-action-lambda-event--01-receiving-email-action-lambda-event-lambdaaction.unwrapped.json",
)


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "CASES_TABLE": "cases",
        "IDEMPOTENCY_TABLE": "idempotency",
        "MAIL_BUCKET": "mail",
        "MAIL_PREFIX": "inbound/",
        "SENDER_ADDRESS": "privacy@example.com",
        "TEAM_ADDRESS": "team@example.com",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("sample", _LAMBDA_ACTION_SAMPLES)
def test_real_ses_lambda_action_events_validate_and_map_to_a_notice(sample: str) -> None:
    event = json.loads((corpus_dir() / sample).read_text())
    notice = notice_from_event(event)
    mail = event["Records"][0]["ses"]["mail"]
    assert notice.message_id == mail["messageId"]
    assert notice.object_key == "inbound/" + mail["messageId"]
    assert set(notice.verdicts) <= {"spam", "virus", "spf", "dkim", "dmarc"}
    assert notice.verdicts


def test_the_sample_event_of_the_repo_maps_with_its_verdicts() -> None:
    event = json.loads((EVENTS / "ses" / "receipt-lambda-action.json").read_text())
    notice = notice_from_event(event)
    assert notice.verdicts == {
        "spam": "PASS",
        "virus": "PASS",
        "spf": "GRAY",
        "dkim": "GRAY",
        "dmarc": "GRAY",
    }
    assert notice.received_at.year == 2026


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("Records"),
        lambda e: e["Records"][0].update(eventSource="aws:sns"),
        lambda e: e["Records"][0]["ses"]["mail"].update(messageId="a/b"),
        lambda e: e["Records"][0]["ses"]["receipt"].update(virusVerdict={"status": "MAYBE"}),
        lambda e: e["Records"].append(e["Records"][0]),
    ],
)
def test_malformed_events_are_refused_with_a_clear_error(mutate: object) -> None:
    event = json.loads((EVENTS / "ses" / "receipt-lambda-action.json").read_text())
    mutate(event)  # type: ignore[operator]
    with pytest.raises(EdgeValidationError, match="ses_receipt_event"):
        notice_from_event(event)
