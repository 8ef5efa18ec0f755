"""Triage of one inbound email: what kind of mail it is and, for requests, which rights it asks for."""

import re
from typing import TypedDict

from privacydesk.logic.find_rights import MAX_ANALYSED_CHARS, find_rights
from privacydesk.logic.language import DEFAULT_LANGUAGE, detect_language
from privacydesk.logic.machine_mail import classify_machine_mail
from privacydesk.logic.on_behalf import data_subject_address
from privacydesk.logic.parse_mail import ParsedMail, parse_mail
from privacydesk.logic.references import find_reference, ses_message_ids
from privacydesk.logic.regime import regime_hint
from privacydesk.logic.reply_text import requester_text
from privacydesk.models.rights import MailKind, Right
from privacydesk.models.triage import Attachment, TriageResult

_MAX_SUBJECT_CHARS = 300
# Machine mail that a person may still have written a request into (an auto-reply quoting it, a list post).
_MAY_HIDE_A_REQUEST = frozenset({MailKind.AUTO_REPLY, MailKind.BULK})
_SUBJECT_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|tr|rv|sv|vs|antw|r|i|res|enc)\s*(?:\[\d+\])?\s*:\s*)+", re.I
)


def triage_message(raw: bytes) -> TriageResult:
    """Classify raw RFC 5322 bytes; never raises on malformed mail."""
    mail = parse_mail(raw)
    case_ref = find_reference(mail.subject)
    machine = classify_machine_mail(mail)
    if machine is not None:
        return TriageResult(
            kind=machine.kind,
            rights=(),
            language=DEFAULT_LANGUAGE,
            requester=mail.from_address,
            on_behalf_of=None,
            bounced=machine.bounced,
            regime_hint=None,
            evidence={"kind": list(machine.evidence)},
            latent_rights=_latent_rights(mail) if machine.kind in _MAY_HIDE_A_REQUEST else (),
            **_mail_fields(mail, case_ref, mail.text[:MAX_ANALYSED_CHARS]),
        )
    text = requester_text(mail.text)
    is_reply = case_ref is not None or bool(ses_message_ids(list(mail.in_reply_to)))
    subject = _SUBJECT_PREFIX_RE.sub("", mail.subject[:_MAX_SUBJECT_CHARS])
    analysed = f"{subject}\n\n{text}" if subject else text
    rights, evidence = find_rights(analysed)
    return TriageResult(
        kind=MailKind.REPLY if is_reply else MailKind.REQUEST,
        rights=rights,
        language=detect_language(text, subject),
        requester=mail.from_address,
        on_behalf_of=data_subject_address(analysed, mail.from_address),
        bounced=(),
        regime_hint=regime_hint(analysed),
        evidence=evidence,
        **_mail_fields(mail, case_ref, text),
    )


def _latent_rights(mail: ParsedMail) -> tuple[Right, ...]:
    """The rights the sender's own text asks for, as if a person had written it (never QUESTION)."""
    rights, _ = find_rights(requester_text(mail.text))
    return tuple(right for right in rights if right is not Right.QUESTION)


class _MailFields(TypedDict):
    subject: str
    message_id: str | None
    in_reply_to: tuple[str, ...]
    case_ref: str | None
    text: str
    attachments: tuple[Attachment, ...]


def _mail_fields(mail: ParsedMail, case_ref: str | None, text: str) -> _MailFields:
    """What the inbound use case needs next, whatever the verdict."""
    return _MailFields(
        subject=mail.subject,
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        case_ref=case_ref,
        text=text,
        attachments=mail.attachments,
    )
