"""Pure rules: references, where a clock starts, case state, settings, schemas, templates."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from privacydesk.config import ConfigError, load_settings
from privacydesk.logic.open_case import right_items
from privacydesk.logic.references import find_reference, new_reference, ses_message_ids
from privacydesk.logic.render import LANGUAGES, render_message
from privacydesk.models.case import Case, RightItem
from privacydesk.models.clocks import Clocks
from privacydesk.models.rights import ItemState, Right
from privacydesk.schemas import EdgeValidationError, validate

_ENV = {
    "CASES_TABLE": "cases",
    "IDEMPOTENCY_TABLE": "idem",
    "MAIL_BUCKET": "mail",
    "SENDER_ADDRESS": "privacy@example.com",
    "TEAM_ADDRESS": "team@example.com",
}


def test_references_are_unique_readable_and_found_again_in_any_case() -> None:
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    ref = refs.pop()
    assert find_reference(f"re: your request [{ref.lower()}]") == ref
    assert not set(ref[3:].replace("-", "")) & set("ILOU")


def test_ses_message_ids_are_recognised_in_threading_headers() -> None:
    sent = "0100018c2d3e4f5a-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901-000000"
    assert ses_message_ids([f"<abc@example.org> <{sent}@email.amazonses.com>"]) == [sent]
    assert ses_message_ids(["<abc@example.org>"]) == []


@pytest.mark.parametrize(
    ("received", "tz", "calendar", "due"),
    [
        # 28 February 2026 is a Saturday: the answer is due on the next working day.
        (datetime(2026, 1, 31, 12, tzinfo=UTC), "UTC", "GB-ENG", date(2026, 3, 2)),
        (datetime(2026, 3, 15, 9, tzinfo=UTC), "UTC", "GB-ENG", date(2026, 4, 15)),
        # 23:30 UTC on 31 March is already 1 April in Berlin: the local date counts, and 1 May is a
        # public holiday in Germany (not in England), so the answer is due on Monday 4 May.
        (datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "Europe/Berlin", "DE", date(2026, 5, 4)),
        (datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "Europe/Berlin", "GB-ENG", date(2026, 5, 1)),
    ],
)
def test_a_new_items_clock_starts_on_the_local_date_of_receipt_in_the_organisations_calendar(
    received: datetime, tz: str, calendar: str, due: date
) -> None:
    settings = load_settings({**_ENV, "ORG_TIMEZONE": tz, "HOLIDAY_CALENDAR": calendar})
    (item,) = right_items([Right.ACCESS], "gdpr", received, settings)
    assert item.due == due
    assert item.clocks.calendar == calendar
    assert item.clocks.received == received.astimezone(ZoneInfo(tz)).date()


def _clocks(due: date) -> Clocks:
    return Clocks("gdpr", "access", "test rule", date(2026, 11, 1), "GB-ENG", 0, None, due, None, None)


def _case(*states: ItemState) -> Case:
    items = tuple(
        RightItem(Right.ACCESS, state, True, _clocks(date(2026, 12, 1 + i))) for i, state in enumerate(states)
    )
    return Case(
        "PD-1", "a@example.org", "en", datetime(2026, 11, 1, tzinfo=UTC), items, "gdpr", "default", "m", "k"
    )


def test_the_case_state_is_the_open_state_that_most_needs_action_and_due_the_earliest_open_deadline() -> None:
    case = _case(ItemState.COMPLETED, ItemState.IN_PROGRESS, ItemState.AWAITING_VERIFICATION)
    assert case.state == "awaiting_verification"
    assert case.due == date(2026, 12, 2)
    assert _case(ItemState.COMPLETED, ItemState.COMPLETED).state == "completed"
    assert _case(ItemState.COMPLETED, ItemState.DENIED).state == "closed"
    assert _case(ItemState.COMPLETED).due is None


def test_settings_name_the_missing_or_wrong_variable() -> None:
    with pytest.raises(ConfigError, match="CASES_TABLE"):
        load_settings({k: v for k, v in _ENV.items() if k != "CASES_TABLE"})
    with pytest.raises(ConfigError, match="DEFAULT_REGIME"):
        load_settings({**_ENV, "DEFAULT_REGIME": "martian"})
    with pytest.raises(ConfigError, match="MAX_MAIL_BYTES"):
        load_settings({**_ENV, "MAX_MAIL_BYTES": "ten"})
    with pytest.raises(ConfigError, match="ORG_TIMEZONE"):
        load_settings({**_ENV, "ORG_TIMEZONE": "Mars/Olympus"})
    assert load_settings(_ENV).max_mail_bytes == 10 * 1024 * 1024
    # Nobody could be told in time if the time to object were longer than the notice period.
    with pytest.raises(ConfigError, match="NOTICE_OBJECTION_DAYS"):
        load_settings({**_ENV, "NOTICE_MIN_DAYS": "10", "NOTICE_OBJECTION_DAYS": "11"})
    with pytest.raises(ConfigError, match="NOTICE_SEND_RATE"):
        load_settings({**_ENV, "NOTICE_SEND_RATE": "fast"})
    assert load_settings({**_ENV, "NOTICE_SEND_RATE": "12.5"}).notice_send_rate == 12.5


def test_an_ses_event_with_a_path_in_its_message_id_is_refused_at_the_edge() -> None:
    event = {
        "Records": [
            {
                "eventSource": "aws:ses",
                "ses": {
                    "mail": {"messageId": "../etc/passwd", "timestamp": "2026-11-29T10:00:00Z"},
                    "receipt": {},
                },
            }
        ]
    }
    with pytest.raises(EdgeValidationError, match="messageId"):
        validate(event, "ses_receipt_event")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_renders_the_acknowledgement_with_reference_rights_and_date(language: str) -> None:
    rendered = render_message(
        "acknowledgement",
        language,
        ref="PD-7KQ4-M9XW-C2HT",
        rights=[r.value for r in Right],
        needs_verification=True,
        opt_out=True,
        only_opt_out=False,
        due=date(2026, 12, 29),
        organisation="Example Ltd",
    )
    assert rendered.language == language
    assert "PD-7KQ4-M9XW-C2HT" in rendered.subject
    assert "PD-7KQ4-M9XW-C2HT" in rendered.text
    assert "29" in rendered.text
    assert "2026" in rendered.text
    assert rendered.text.count("\n  - ") >= len(Right)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_opt_out_alone_is_acknowledged_as_applied_with_no_answer_to_wait_for(language: str) -> None:
    def render(only_opt_out: bool) -> str:
        return render_message(
            "acknowledgement",
            language,
            ref="PD-7KQ4-M9XW-C2HT",
            rights=["marketing_opt_out"],
            needs_verification=False,
            opt_out=True,
            only_opt_out=only_opt_out,
            due=date(2026, 12, 29),
            organisation="Example Ltd",
        ).text

    # An opt-out with other rights still promises an answer by a date; alone, it was done on arrival.
    assert "2026" in render(only_opt_out=False)
    alone = render(only_opt_out=True)
    assert "2026" not in alone
    assert alone.count("\n  - ") == 2  # what was understood, and that it was applied
    assert "\n\n\n" not in alone


def test_an_unsupported_language_falls_back_to_english() -> None:
    rendered = render_message(
        "acknowledgement",
        "cs",
        ref="PD-1",
        rights=["access"],
        needs_verification=True,
        opt_out=False,
        only_opt_out=False,
        due=date(2026, 12, 29),
        organisation="X",
    )
    assert rendered.language == "en"
    assert "December" in rendered.text
