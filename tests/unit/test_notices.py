"""Lifecycle notices: every kind in every language, legal wording, recipients and idempotent outbox ids."""

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from jinja2 import UndefinedError

from privacydesk.config import REGIMES, Settings, load_settings
from privacydesk.logic.notices import COMPLAINT_AUTHORITIES, NOTICE_KINDS, denial_context, notice
from privacydesk.logic.render import LANGUAGES
from privacydesk.models.case import Case, RightItem
from privacydesk.models.clocks import Clocks
from privacydesk.models.outbox import OutboxItem
from privacydesk.models.rights import RIGHTS_NEEDING_VERIFICATION, DenialReason, ItemState, Right
from tests.unit.settings_env import REQUIRED_ENV

REF = "PD-7KQ4-M9XW-C2HT"
NOW = datetime(2026, 11, 9, 9, 30, tzinfo=UTC)
RECEIVED = date(2026, 11, 8)
DUE = date(2026, 12, 8)
EXPIRES = datetime(2026, 12, 11, 9, 30, tzinfo=UTC)
CODE = "482913"
LINK = f"https://desk.example.com/v1/requests/{REF}/verify?token=tok_5QfZ"
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]+$")

# How each language writes the due date (8 December 2026) in a sentence.
DUE_IN_WORDS = {
    "en": "8 December 2026",
    "de": "8. Dezember 2026",
    "fr": "8 décembre 2026",
    "es": "8 de diciembre de 2026",
    "it": "l'8 dicembre 2026",
    "nl": "8 december 2026",
    "pt": "8 de dezembro de 2026",
}
EXPIRES_IN_WORDS = {
    "en": "11 December 2026",
    "de": "11. Dezember 2026",
    "fr": "11 décembre 2026",
    "es": "11 de diciembre de 2026",
    "it": "all'11 dicembre 2026",
    "nl": "11 december 2026",
    "pt": "11 de dezembro de 2026",
}
# The words that say the clock is stopped while the team waits for the requester.
PAUSED_WORDS = {
    "en": "is paused",
    "de": "ruht die Frist",
    "fr": "est suspendu",
    "es": "queda suspendido",
    "it": "è sospeso",
    "nl": "staat de termijn voor ons antwoord stil",
    "pt": "fica suspenso",
}
# The sentence telling the data subject to reply for a fresh code when theirs expired or fails.
NEW_CODE_WORDS = {
    "en": "reply to this email and we will send you a new one",
    "de": "antworten Sie einfach auf diese E-Mail, und wir senden Ihnen einen neuen",
    "fr": "répondez simplement à ce message et nous vous en enverrons un nouveau",
    "es": "responda a este correo y le enviaremos uno nuevo",
    "it": "risponda a questa email e gliene invieremo uno nuovo",
    "nl": "Beantwoord dan deze e-mail en we sturen u een nieuwe",
    "pt": "responda a este email e enviar-lhe-emos um novo",
}
# The words telling the data subject that confirming also authorises the agent, who gets our answer.
AGENT_CONSENT_WORDS = {
    "en": "our answer will be sent to them",
    "de": "Unsere Antwort geht dann an diese Person oder dieses Unternehmen",
    "fr": "Notre réponse sera alors adressée à cette personne ou à cette entreprise",
    "es": "nuestra respuesta se enviará a esa persona o empresa",
    "it": "la nostra risposta sarà inviata a questa persona o società",
    "nl": "Ons antwoord sturen we dan naar deze persoon of dit bedrijf",
    "pt": "a nossa resposta será enviada a essa pessoa ou empresa",
}
# The sentence naming the right to go to court (GDPR art. 12(4)).
REMEDY_WORDS = {
    "en": "judicial remedy",
    "de": "gerichtlichen Rechtsbehelf",
    "fr": "recours juridictionnel",
    "es": "tutela judicial",
    "it": "ricorso giurisdizionale",
    "nl": "voorziening in rechte",
    "pt": "tutela judicial",
}

SETTINGS = load_settings(REQUIRED_ENV)


def _clocks(right: Right, regime: str) -> Clocks:
    return Clocks(
        regime=regime,
        right=right.value,
        rule="gdpr art. 12(3): one month, rolled to the next working day",
        received=RECEIVED,
        calendar="GB-ENG",
        paused_days=0,
        acknowledge_by=None,
        respond_by=DUE,
        extended_respond_by=date(2027, 2, 8),
        extension_notice_by=DUE,
    )


def _case(language: str = "en", *, regime: str = "gdpr", on_behalf_of: str | None = None) -> Case:
    rights = (Right.ACCESS, Right.ERASURE, Right.MARKETING_OPT_OUT)
    items = tuple(
        RightItem(
            right=r,
            state=ItemState.AWAITING_VERIFICATION
            if r in RIGHTS_NEEDING_VERIFICATION
            else ItemState.IN_PROGRESS,
            needs_verification=r in RIGHTS_NEEDING_VERIFICATION,
            clocks=_clocks(r, regime),
        )
        for r in rights
    )
    return Case(
        ref=REF,
        requester="agent@agency.example" if on_behalf_of else "ana@example.org",
        language=language,
        received_at=datetime(2026, 11, 8, 16, 5, tzinfo=UTC),
        items=items,
        regime=regime,
        regime_reason="deployment default",
        source_message_id="<req-1@example.org>",
        raw_key="inbound/req-1",
        source="api",
        on_behalf_of=on_behalf_of,
        name="Ana Example",
    )


def _context(kind: str, case: Case) -> dict[str, Any]:
    """Everything each kind needs, as the lifecycle passes it."""
    rights = [r.value for r in case.rights]
    contexts: dict[str, dict[str, Any]] = {
        "verification_request": {
            "code": CODE,
            "link": LINK,
            "expires_at": EXPIRES,
            "rights": rights,
            "on_behalf": case.on_behalf_of is not None,
            "agent_address": case.requester if case.on_behalf_of is not None else "",
        },
        "reminder_verification": {
            "code": CODE,
            "link": LINK,
            "expires_at": EXPIRES,
            "rights": rights,
            "on_behalf": case.on_behalf_of is not None,
            "agent_address": case.requester if case.on_behalf_of is not None else "",
            "days_waiting": 7,
            "closes_on": DUE,
        },
        "verified": {"rights": rights, "due": DUE},
        "information_request": {
            "message": "Which of your two accounts is this about?",
            "paused": False,
            "due": DUE,
        },
        "extension": {
            "reason": "Your data sits in three archives searched by hand.",
            "due": DUE,
            "rights": rights,
        },
        "completion": {"message": "Your copy is attached as data.json.", "rights": rights},
        "denial": {"rights": rights, "message": "", **denial_context(case, DenialReason.EXEMPT)},
        "withdrawal": {"rights": rights},
        "closed_unverified": {"rights": rights, "days": 30},
    }
    return contexts[kind]


def _send(
    kind: str, case: Case, cause: str = "7", settings: Settings = SETTINGS, **overrides: Any
) -> OutboxItem:
    return notice(kind, case, settings, NOW, cause=cause, **{**_context(kind, case), **overrides})


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", NOTICE_KINDS)
def test_every_notice_renders_in_every_language_with_the_reference_and_signature(
    kind: str, language: str
) -> None:
    # GIVEN a case in that language WHEN the notice is built
    item = _send(kind, _case(language))
    # THEN it is written in that language, carries the reference in subject and body, and is signed
    assert item.language == language
    assert item.template == kind
    assert item.case_ref == REF
    assert item.created_at == NOW
    assert f"[{REF}]" in item.subject
    assert "\n" not in item.subject
    assert REF in item.text
    assert item.text.rstrip().endswith("Example Ltd")
    assert "{{" not in item.text
    assert "{%" not in item.text
    assert "  - " in item.text or kind == "information_request"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["verified", "information_request", "extension"])
def test_due_dates_are_written_out_in_the_requesters_language(kind: str, language: str) -> None:
    assert DUE_IN_WORDS[language] in _send(kind, _case(language)).text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_verification_request_carries_the_code_the_link_and_their_expiry(language: str) -> None:
    text = _send("verification_request", _case(language)).text
    assert CODE in text
    assert LINK in text
    assert EXPIRES_IN_WORDS[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_verification_request_for_an_agents_request_goes_to_the_data_subject_and_says_so(
    language: str,
) -> None:
    # GIVEN an authorized agent's request for ben
    case = _case(language, on_behalf_of="ben@example.net")
    # WHEN the verification and a later notice are built
    verification = _send("verification_request", case)
    later = _send("verified", case)
    # THEN verification goes to ben, the data subject; the rest of the case goes to the agent who asked
    assert verification.to == "ben@example.net"
    assert later.to == "agent@agency.example"
    # AND ben is told an agent asked, which his own request's mail does not say
    own = _send("verification_request", _case(language), on_behalf=False)
    assert verification.text != own.text
    assert _send("verification_request", _case(language)).to == "ana@example.org"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_verification_request_for_an_agent_names_the_agent_and_what_confirming_means(
    language: str,
) -> None:
    # GIVEN an authorized agent's request for ben WHEN ben's verification mail is built
    text = _send("verification_request", _case(language, on_behalf_of="ben@example.net")).text
    # THEN it names the agent, both where it says who asked and where it says what confirming authorises
    assert text.count("agent@agency.example") >= 2
    # AND it says the agent gets our answer, and still carries the code, the link and their expiry
    assert AGENT_CONSENT_WORDS[language] in text
    assert CODE in text
    assert LINK in text
    assert EXPIRES_IN_WORDS[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_verification_request_for_the_subjects_own_request_says_nothing_about_an_agent(
    language: str,
) -> None:
    # GIVEN ana's own request WHEN her verification mail is built
    own = _send("verification_request", _case(language))
    # THEN no agent is named and nothing says an answer goes to anyone else
    assert "agent@agency.example" not in own.text
    assert AGENT_CONSENT_WORDS[language] not in own.text
    # AND even a stray agent address is never shown when the request is not on someone's behalf
    stray = _send("verification_request", _case(language), agent_address="agent@agency.example")
    assert "agent@agency.example" not in stray.text
    assert stray.text == own.text


@pytest.mark.parametrize("on_behalf_of", [None, "ben@example.net"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_verification_request_says_to_reply_for_a_new_code(language: str, on_behalf_of: str | None) -> None:
    text = _send("verification_request", _case(language, on_behalf_of=on_behalf_of)).text
    assert NEW_CODE_WORDS[language] in text


def test_a_verification_request_without_the_agent_address_is_an_error() -> None:
    case = _case(on_behalf_of="ben@example.net")
    context = {k: v for k, v in _context("verification_request", case).items() if k != "agent_address"}
    with pytest.raises(UndefinedError):
        notice("verification_request", case, SETTINGS, NOW, cause="1", **context)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_paused_clock_is_mentioned_only_when_the_clock_is_paused(language: str) -> None:
    paused = _send("information_request", _case(language), paused=True).text
    running = _send("information_request", _case(language), paused=False).text
    assert PAUSED_WORDS[language] in paused
    assert PAUSED_WORDS[language] not in running
    assert "Which of your two accounts is this about?" in paused


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_teams_words_reach_the_requester_verbatim(language: str) -> None:
    case = _case(language)
    message = "Line one: 50% done.\nLine two — {{ not a template }}"
    assert message in _send("information_request", case, message=message).text
    assert message in _send("completion", case, message=message).text
    assert message in _send("extension", case, reason=message).text
    assert message in _send("denial", case, message=message).text


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_denial_reason_gets_its_own_explanation_and_the_way_to_complain(language: str) -> None:
    # GIVEN a GDPR case WHEN it is denied for each of the fixed reasons
    case = _case(language)
    texts = {reason: _send("denial", case, **denial_context(case, reason)).text for reason in DenialReason}
    # THEN every reason reads differently, and each names where to complain and the right to go to court
    assert len(set(texts.values())) == len(DenialReason)
    for text in texts.values():
        assert COMPLAINT_AUTHORITIES["gdpr"]["url"] in text
        assert REMEDY_WORDS[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("regime", REGIMES)
def test_a_denial_names_the_regimes_authority_and_the_court_only_where_the_law_requires(
    regime: str, language: str
) -> None:
    case = _case(language, regime=regime)
    text = _send("denial", case, **denial_context(case, "no_data_held")).text
    assert COMPLAINT_AUTHORITIES[regime]["url"] in text
    assert (REMEDY_WORDS[language] in text) is (regime in {"gdpr", "uk_gdpr"})


def test_a_denial_without_extra_words_has_no_empty_heading() -> None:
    case = _case("en")
    bare = _send("denial", case, message="").text
    assert "adds:" not in bare
    assert (
        "Our privacy team adds:\n\nWe looked twice." in _send("denial", case, message="We looked twice.").text
    )


def test_every_regime_has_a_complaint_authority_with_an_https_address() -> None:
    assert set(COMPLAINT_AUTHORITIES) == set(REGIMES)
    for authority in COMPLAINT_AUTHORITIES.values():
        assert authority["name"]
        assert authority["url"].startswith("https://")


def test_denial_context_follows_the_regime_and_rejects_unknown_reasons() -> None:
    uk = denial_context(_case(regime="uk_gdpr"), "excessive")
    assert uk["reason"] == "excessive"
    assert uk["remedy"] is True
    assert uk["authority"]["url"] == "https://ico.org.uk/make-a-complaint/"
    assert denial_context(_case(regime="ccpa"), "exempt")["remedy"] is False
    with pytest.raises(ValueError, match="denial reason"):
        denial_context(_case(), "because")


@pytest.mark.parametrize("language", LANGUAGES)
def test_closing_an_unverified_case_says_how_long_we_waited(language: str) -> None:
    assert "30" in _send("closed_unverified", _case(language), days=30).text
    one = _send("closed_unverified", _case(language), days=1).text
    assert "1 days" not in one
    assert "1 jours" not in one


def test_the_outbox_id_is_fixed_by_kind_case_and_cause() -> None:
    # GIVEN the same cause twice THEN one id: a retry cannot queue a second mail
    case = _case()
    first, again = _send("verified", case, cause="12"), _send("verified", case, cause="12")
    assert first.outbox_id == again.outbox_id == f"verified-{REF}-12"
    # AND another cause or kind is another mail
    assert _send("verified", case, cause="13").outbox_id != first.outbox_id
    assert _send("completion", case, cause="12").outbox_id != first.outbox_id


@pytest.mark.parametrize("cause", ["ch/01 J#x", "a\r\nb", "é", "x" * 500, "ch_01_J_x"])
def test_the_outbox_id_is_a_safe_key_whatever_the_cause(cause: str) -> None:
    outbox_id = _send("verification_request", _case(), cause=cause).outbox_id
    assert SAFE_ID.match(outbox_id)
    assert len(outbox_id) < 120
    assert outbox_id == _send("verification_request", _case(), cause=cause).outbox_id


def test_causes_that_clean_to_the_same_text_still_get_different_ids() -> None:
    assert (
        _send("verified", _case(), cause="a/b").outbox_id != _send("verified", _case(), cause="a_b").outbox_id
    )


def test_an_empty_cause_or_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="cause"):
        _send("verified", _case(), cause="")
    with pytest.raises(ValueError, match="unknown notice kind"):
        notice("reminder", _case(), SETTINGS, NOW, cause="1", rights=["access"])


def test_a_missing_variable_is_an_error_not_a_blank_in_a_legal_notice() -> None:
    with pytest.raises(UndefinedError):
        notice("verified", _case(), SETTINGS, NOW, cause="1", rights=["access"])


def test_a_language_without_templates_falls_back_to_english() -> None:
    item = _send("verified", _case("sv"))
    assert item.language == "en"
    assert DUE_IN_WORDS["en"] in item.text
