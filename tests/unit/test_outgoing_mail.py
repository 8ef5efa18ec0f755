"""Outgoing mail: threading, auto-reply marking, and no way to smuggle in a header."""

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from privacydesk.logic.acknowledgement import reply_subject
from privacydesk.logic.outgoing_mail import OutgoingMailError, build_mime, header_text
from privacydesk.models.outbox import OutboxItem


def _item(**overrides: object) -> OutboxItem:
    fields: dict[str, object] = {
        "outbox_id": "ack-1",
        "to": "ana@example.org",
        "subject": "We have received your privacy request [PD-7KQ4-M9XW-C2HT]",
        "text": "Hello Ana,\nthank you.\n",
        "template": "acknowledgement",
        "language": "en",
        "case_ref": "PD-7KQ4-M9XW-C2HT",
        "created_at": datetime(2026, 11, 29, 10, 0, tzinfo=UTC),
        "in_reply_to": "<req-1@example.org>",
        "references": ("<req-1@example.org>",),
    }
    fields.update(overrides)
    return OutboxItem(**fields)  # type: ignore[arg-type]


def _parse(raw: bytes):  # type: ignore[no-untyped-def]
    return message_from_bytes(raw, policy=policy.default)


def test_an_acknowledgement_is_marked_auto_replied_and_threads_with_the_request() -> None:
    msg = _parse(build_mime(_item(), sender="privacy@example.com", organisation="Example Ltd"))
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["In-Reply-To"] == "<req-1@example.org>"
    assert msg["References"] == "<req-1@example.org>"
    assert msg["To"] == "ana@example.org"
    assert msg["From"].addresses[0].addr_spec == "privacy@example.com"
    assert msg["Content-Language"] == "en"
    assert "thank you" in msg.get_content()


@pytest.mark.parametrize(
    "subject",
    [
        "Hello\r\nBcc: victim@example.net",
        "Hello\nBcc: victim@example.net",
        "Hello\u2028Bcc: victim@example.net",
        "Hello\x85Bcc: victim@example.net",
        # What an RFC 2047 word such as =?utf-8?q?Hi=0D=0ABcc:_x?= decodes to.
        "Hi\r\nBcc: victim@example.net\r\n\r\nInjected body",
    ],
)
def test_a_subject_with_hidden_line_breaks_cannot_add_a_header(subject: str) -> None:
    raw = build_mime(
        _item(subject=reply_subject(subject, "PD-7KQ4-M9XW-C2HT")),
        sender="privacy@example.com",
        organisation="X",
    )
    msg = _parse(raw)
    assert msg["Bcc"] is None
    assert raw.count(b"\nSubject:") == 1
    assert "Injected body" not in msg.get_content()
    assert "\n" not in msg["Subject"]


def test_a_forged_in_reply_to_is_dropped_rather_than_copied() -> None:
    raw = build_mime(
        _item(in_reply_to="<a@b>\r\nBcc: x@example.net", references=("garbage",)),
        sender="privacy@example.com",
        organisation="X",
    )
    msg = _parse(raw)
    assert msg["Bcc"] is None
    assert msg["In-Reply-To"] == "<a@b>"
    assert msg["References"] is None


def test_an_address_with_a_line_break_is_refused() -> None:
    with pytest.raises(OutgoingMailError):
        build_mime(
            _item(to="ana@example.org\r\nBcc: x@example.net"), sender="privacy@example.com", organisation="X"
        )


def test_header_text_keeps_letters_of_every_language_and_caps_length() -> None:
    assert header_text("Löschung  meiner\tDaten — ¿qué?") == "Löschung meiner Daten — ¿qué?"
    assert len(header_text("x" * 5000)) == 200


def test_reply_subject_threads_once_and_keeps_one_reference() -> None:
    ref = "PD-7KQ4-M9XW-C2HT"
    assert reply_subject("Delete my data", ref) == f"Re: Delete my data [{ref}]"
    assert reply_subject(f"RE: Re: Delete my data [{ref}]", ref) == f"Re: Delete my data [{ref}]"
    assert reply_subject("", ref) == ""
    long = reply_subject("Delete my data " * 40, ref)
    assert long.endswith(f"[{ref}]")
    assert header_text(long) == long
