"""Which privacy law a requester invokes, from the names and acronyms they use."""

import re
from functools import cache

from privacydesk.logic.lexicon_context import REGIMES


@cache
def _regimes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Acronyms are matched case-sensitively ("AVG" the Dutch GDPR, not "avg." the abbreviation).
    return tuple((name, re.compile(pattern)) for name, pattern in REGIMES)


def regime_hint(text: str) -> str | None:
    """'uk_gdpr', 'ccpa', 'vcdpa', 'pipeda' or 'gdpr' (most specific first), or None."""
    for name, pattern in _regimes():
        if pattern.search(text):
            return name
    return None
