"""The language a requester wrote in (ISO 639-1), with py3langid restricted to the languages we expect."""

import re
from functools import cache
from typing import Any

DEFAULT_LANGUAGE = "en"
# "No linguistic content" (ISO 639-2): text that is all placeholders, codes or numbers.
NO_LANGUAGE = "zxx"
LANGUAGES = (
    "en", "de", "fr", "es", "it", "nl", "pt", "cs", "sk", "pl", "hr", "sl", "el", "sv", "da", "no",
    "fi", "ro", "hu", "bg", "ru", "uk", "et", "lt", "lv", "tr", "zh", "ja", "ko", "ar", "he",
)  # fmt: skip
_MAX_CHARS = 8_000
_MIN_LETTERS = 12
# Every alternative is bounded or starts only where a run of its characters starts: linear on any input.
_TEMPLATE_MARKUP_RE = re.compile(
    r"\{\{[^{}\n]{0,200}\}\}|\{%[^%\n]{0,200}%\}|<[^<>\n]{1,40}>|(?<!\S)https?://\S+|(?<![^\s(<\[])[^\s@]{1,64}@\S+"
)
_CJK_RE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_PARAGRAPH_RE = re.compile(r"\n\s*\n")
_WORD_RE = re.compile(r"(?<!\w)[^\W\d_]{2,}(?!\w)")


@cache
def _identifier() -> Any:
    """The py3langid model, loaded on first use only (loading costs ~100 ms of cold start)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # noqa: PLC0415

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str, fallback_text: str = "") -> str:
    """ISO 639-1 code of most of `text`; short texts borrow `fallback_text` (the subject)."""
    sample = _TEMPLATE_MARKUP_RE.sub(" ", text[:_MAX_CHARS])
    letters = _letters(sample)
    if not letters and text.strip():
        return NO_LANGUAGE
    if letters < _MIN_LETTERS:
        sample = f"{fallback_text}\n{sample}"
        if _letters(sample) < _MIN_LETTERS:
            return DEFAULT_LANGUAGE
    votes: dict[str, int] = {}
    for paragraph in _PARAGRAPH_RE.split(sample):
        weight = _letters(paragraph)
        if weight >= _MIN_LETTERS:
            language = str(_identifier().classify(paragraph)[0])
            votes[language] = votes.get(language, 0) + weight
    if not votes:
        return str(_identifier().classify(sample)[0])
    # Mixed-language mail (a translated greeting over an English letter) counts by volume.
    return max(votes, key=lambda language: votes[language])


def _letters(text: str) -> int:
    # One CJK character carries about as much as a short word in an alphabetic script.
    return sum(len(word) for word in _WORD_RE.findall(text)) + 3 * len(_CJK_RE.findall(text))
