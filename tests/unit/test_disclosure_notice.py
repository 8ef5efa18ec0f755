"""The advance notice before sharing: every fact the person needs, in every language."""

from datetime import date
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, UndefinedError

from privacydesk.logic.receipts import PII_CATEGORIES
from privacydesk.logic.render import LANGUAGES, TEMPLATES, render_message
from tests.unit.words import CONTACT_WORDS

REFERENCE = "DSC-2026-AB12CD"
RECIPIENT = "Parcel Express Ltd"
PURPOSE = "Delivering your orders the next day"
OBJECT_URL = f"https://desk.example.com/v1/disclosures/{REFERENCE}/object?token=tok_5QfZ"
PRIVACY_ADDRESS = "privacy@example.com"
EFFECTIVE = date(2026, 6, 1)
# How each language's date macro writes the first day sharing may start (1 June 2026).
EFFECTIVE_IN_WORDS = {
    "en": "1 June 2026",
    "de": "1. Juni 2026",
    "fr": "1er juin 2026",
    "es": "1 de junio de 2026",
    "it": "1º giugno 2026",
    "nl": "1 juni 2026",
    "pt": "1 de junho de 2026",
}


def context(**overrides: Any) -> dict[str, Any]:
    """Exactly the variables the sender passes, every category of data included."""
    return {
        "organisation": "Example Ltd",
        "recipient": RECIPIENT,
        "purpose": PURPOSE,
        "categories": list(PII_CATEGORIES),
        "effective": EFFECTIVE,
        "object_url": OBJECT_URL,
        "privacy_address": PRIVACY_ADDRESS,
        "policy_url": "https://example.com/privacy",
        "policy_version": "2026-03",
        "reference": REFERENCE,
        **overrides,
    }


def data_labels(language: str) -> dict[str, str]:
    """The category labels a language's macros file exports (the receipt imports the same)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=False)  # noqa: S701 - plain text
    labels: dict[str, str] = env.get_template(f"{language}/_macros.txt.j2").module.data_labels  # type: ignore[attr-defined]
    return labels


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_states_every_fact_in_the_persons_language(language: str) -> None:
    message = render_message("disclosure_notice", language, **context())
    assert message.language == language
    assert message.subject
    assert "\n" not in message.subject
    assert RECIPIENT in message.subject
    for fact in (RECIPIENT, PURPOSE, OBJECT_URL, REFERENCE, PRIVACY_ADDRESS, "Example Ltd"):
        assert fact in message.text
    assert EFFECTIVE_IN_WORDS[language] in message.text
    assert CONTACT_WORDS[language] in message.text
    assert "https://example.com/privacy" in message.text
    assert "2026-03" in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_category_is_named_by_its_label_not_its_key(language: str) -> None:
    labels = data_labels(language)
    assert set(labels) == set(PII_CATEGORIES)
    text = render_message("disclosure_notice", language, **context()).text
    for key, label in labels.items():
        assert label != key
        assert f"  - {label}\n" in text
    assert "official_id" not in text
    assert "communications_social" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_only_the_declared_categories_are_listed(language: str) -> None:
    labels = data_labels(language)
    text = render_message("disclosure_notice", language, **context(categories=["contact"])).text
    assert labels["contact"] in text
    assert labels["health"] not in text
    assert labels["financial"] not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unknown_category_is_an_error_not_a_blank(language: str) -> None:
    with pytest.raises(UndefinedError):
        render_message("disclosure_notice", language, **context(categories=["contact", "shoe_size"]))


@pytest.mark.parametrize(
    ("effective", "phrases"),
    [
        (date(2026, 6, 1), ["dal 1º giugno 2026", "prima del 1º giugno 2026"]),
        (date(2026, 6, 8), ["dall'8 giugno 2026", "prima dell'8 giugno 2026"]),
        (date(2026, 6, 11), ["dall'11 giugno 2026", "prima dell'11 giugno 2026"]),
    ],
)
def test_italian_elides_the_article_before_the_date(effective: date, phrases: list[str]) -> None:
    text = render_message("disclosure_notice", "it", **context(effective=effective)).text
    for phrase in phrases:
        assert phrase in text


def test_a_language_without_templates_falls_back_to_english() -> None:
    message = render_message("disclosure_notice", "sv", **context())
    english = render_message("disclosure_notice", "en", **context())
    assert message.language == "en"
    assert (message.subject, message.text) == (english.subject, english.text)
    assert EFFECTIVE_IN_WORDS["en"] in message.text


def test_a_missing_variable_is_an_error_not_a_blank() -> None:
    fields = context()
    del fields["object_url"]
    with pytest.raises(UndefinedError):
        render_message("disclosure_notice", "en", **fields)
