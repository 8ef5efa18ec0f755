"""One-click unsubscribe (RFC 8058): signed links for marketing mail, and the POST that acts on them.

A link names the person by their ledger subject id (an HMAC, never the address: URLs reach logs), the
purpose and the language; the ledger's projection holds the address, written when the link is issued.
"""

import base64
import hmac
import re
from contextlib import suppress
from dataclasses import dataclass
from hashlib import sha256
from urllib.parse import urlsplit

from privacydesk.dal.interface import ConcurrentUpdateError
from privacydesk.logic.acknowledgement import acknowledgement
from privacydesk.logic.case_actions import DeskPorts
from privacydesk.logic.consent import subject_id
from privacydesk.logic.open_case import open_new_case, right_items
from privacydesk.logic.references import new_reference
from privacydesk.logic.render import LANGUAGES
from privacydesk.models.case import Case
from privacydesk.models.consent import MARKETING, SHARING, ConsentChange, ConsentRecord
from privacydesk.models.event import CaseEvent
from privacydesk.models.rights import Right

POST_HEADER = "List-Unsubscribe=One-Click"
# Each purpose a link can withdraw, the right its case records, and its one-letter code in the token.
_RIGHTS = {MARKETING: Right.MARKETING_OPT_OUT, SHARING: Right.SHARING_OPT_OUT}
_CODES = {MARKETING: "m", SHARING: "s"}
_CONTEXT = b"privacydesk unsubscribe\x00"
_TOKEN = re.compile(
    r"(?P<subject>[0-9a-f]{64})\.(?P<code>[ms])\.(?P<lang>[a-z]{2})\.(?P<sig>[A-Za-z0-9_-]{43})"
)
_TRIES = 3
# Only the local stack serves plain http.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class UnsubscribeError(ValueError):
    """A link that is malformed, or for a purpose links cannot withdraw (no personal data)."""


class UnknownLinkError(UnsubscribeError):
    """A well-formed link the desk never issued (forged, or for a subject it does not know)."""


@dataclass(frozen=True)
class Links:
    """The header values a marketing mail to one person carries."""

    url: str
    list_unsubscribe: str
    list_unsubscribe_post: str = POST_HEADER


@dataclass(frozen=True)
class Unsubscribed:
    """What a one-click POST did: the case it opened, or nothing when the purpose was already withdrawn."""

    purpose: str
    ref: str | None


def issue_links(
    address: str, purpose: str, language: str, ports: DeskPorts, *, in_ledger: bool = False
) -> Links:
    """The List-Unsubscribe headers for one person and purpose; the ledger learns the address if new.

    `in_ledger` says the caller knows the person is in the ledger already, which saves a read.
    """
    if purpose not in _RIGHTS:
        raise UnsubscribeError(f"one-click links withdraw {' or '.join(_RIGHTS)}, not {purpose!r}")
    base = ports.settings.public_base_url
    if urlsplit(base).scheme != "https" and urlsplit(base).hostname not in _LOOPBACK:
        raise UnsubscribeError("RFC 8058 links must be https: set PublicBaseUrl to an https address")
    key = ports.ledger_key()
    subject = subject_id(key, address)
    lang = language if language in LANGUAGES else "en"
    if not in_ledger and ports.repo.get_consent(subject) is None:
        known = ConsentRecord(subject=subject, address=address.strip(), language=lang)
        # Written meanwhile by another link or a decision: the address is known either way.
        with suppress(ConcurrentUpdateError):
            ports.repo.record_consent(ConsentChange(known, 0, ()))
    payload = f"{subject}.{_CODES[purpose]}.{lang}"
    url = f"{base}/v1/unsubscribe?token={payload}.{_sign(key, payload)}"
    return Links(url=url, list_unsubscribe=f"<{url}>")


def read_token(token: str, ports: DeskPorts) -> tuple[str, str, str]:
    """The subject, purpose and language a link names; UnsubscribeError if it was not issued by us."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise UnsubscribeError("this unsubscribe link is malformed")
    payload = f"{match['subject']}.{match['code']}.{match['lang']}"
    if not hmac.compare_digest(match["sig"], _sign(ports.ledger_key(), payload)):
        raise UnknownLinkError("this unsubscribe link is not one of ours")
    purpose = next(p for p, code in _CODES.items() if code == match["code"])
    return match["subject"], purpose, match["lang"]


def unsubscribe(token: str, ports: DeskPorts, *, request_id: str) -> Unsubscribed:
    """Withdraw the link's purpose at once, as an opt-out case applied on arrival and acknowledged."""
    subject, purpose, language = read_token(token, ports)
    for _ in range(_TRIES):
        record = ports.repo.get_consent(subject)
        if record is None:
            raise UnknownLinkError("this unsubscribe link is not known here")
        state = record.purposes.get(purpose)
        if state is not None and not state.granted:
            return Unsubscribed(purpose, None)
        try:
            return Unsubscribed(purpose, _open_opt_out(record, purpose, language, ports, request_id))
        except ConcurrentUpdateError:
            continue  # another click (or a decision) moved the ledger: read it again
    raise ConcurrentUpdateError("the person's consent record kept changing; try again")


def _open_opt_out(
    record: ConsentRecord, purpose: str, language: str, ports: DeskPorts, request_id: str
) -> str:
    settings = ports.settings
    now = ports.clock()
    right = _RIGHTS[purpose]
    regime = settings.default_regime
    case = Case(
        ref=new_reference(),
        requester=record.address,
        language=language,
        received_at=now,
        items=right_items((right,), regime, now, settings),
        regime=regime,
        regime_reason="deployment default",
        calendar=settings.holiday_calendar,
        source="one_click",
        source_message_id=f"one-click:{request_id}",
        raw_key="",
    )
    opened = CaseEvent(
        case.ref,
        now,
        "case_opened",
        {
            "source": "one_click",
            "rights": [right.value],
            "regime": regime,
            "regime_reason": case.regime_reason,
        },
        actor="requester",
    )
    ack = acknowledgement(case, settings, now, cause=case.ref)
    # A conflict here is another click or decision for this person: the caller reads the ledger again.
    change = open_new_case(
        case,
        opened,
        [ack],
        repo=ports.repo,
        settings=settings,
        key=ports.key,
        ledger_key=ports.ledger_key,
        now=now,
    )
    ports.repo.commit([change])
    return case.ref


def _sign(key: bytes, payload: str) -> str:
    digest = hmac.new(key, _CONTEXT + payload.encode("ascii"), sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
