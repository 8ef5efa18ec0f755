"""Outgoing messages and pages rendered from Jinja2 templates, one folder per language."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class RenderedMessage:
    """Subject and plain-text body of one message, and the language it was written in."""

    subject: str
    text: str
    language: str


@cache
def _environment(*, html: bool) -> "Environment":
    # Imported on first use: the listings never render, and a cold start should not pay for it.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined  # noqa: PLC0415

    # Plain-text mail has nothing to escape; pages escape everything. StrictUndefined turns a
    # missing variable into an error instead of a blank in a legal notice.
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=html,  # noqa: S701 - on for every HTML page; plain-text mail has no markup
    )


def render_message(template: str, language: str, **context: Any) -> RenderedMessage:
    """Render `template` in `language`, or in English when that language has no templates."""
    lang = language if language in LANGUAGES else FALLBACK_LANGUAGE
    module = _environment(html=False).get_template(f"{lang}/{template}.txt.j2").make_module(context)
    return RenderedMessage(subject=str(vars(module)["subject"]).strip(), text=str(module), language=lang)


def render_page(name: str, **context: Any) -> str:
    """An HTML page from templates/web, every value escaped."""
    return _environment(html=True).get_template(f"web/{name}.j2").render(**context)
