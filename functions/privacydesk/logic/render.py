"""Outgoing messages rendered from Jinja2 templates, one folder per language."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

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
def _environment() -> Environment:
    # Plain-text mail: nothing to escape; StrictUndefined turns a missing variable into an error.
    return Environment(  # noqa: S701
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def render_message(template: str, language: str, **context: Any) -> RenderedMessage:
    """Render `template` in `language`, or in English when that language has no templates."""
    lang = language if language in LANGUAGES else FALLBACK_LANGUAGE
    module = _environment().get_template(f"{lang}/{template}.txt.j2").make_module(context)
    return RenderedMessage(subject=str(vars(module)["subject"]).strip(), text=str(module), language=lang)


@cache
def _page_environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=True)


def render_page(name: str, **context: Any) -> str:
    """An HTML page from templates/web, every value escaped."""
    return _page_environment().get_template(f"web/{name}.j2").render(**context)
