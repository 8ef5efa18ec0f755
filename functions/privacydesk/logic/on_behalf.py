"""Authorized agents: whose data a request is about when someone else writes it."""

import re
from functools import cache

from privacydesk.logic.lexicon_context import AGENT
from privacydesk.logic.parse_mail import find_addresses

_AFTER_PHRASE_CHARS = 200


@cache
def _agent_re() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{phrase})" for phrase in AGENT), re.I)


def data_subject_address(text: str, requester: str | None) -> str | None:
    """The data subject's address named after 'on behalf of' (and the like), or None."""
    for phrase in _agent_re().finditer(text):
        for address in find_addresses(text[phrase.end() : phrase.end() + _AFTER_PHRASE_CHARS]):
            if address != requester:
                return address
    return None
