"""The requester's own new words: quotes, forwards, signatures and confidentiality footers are removed."""

import pytest

from privacydesk.logic.parse_mail import parse_mail
from privacydesk.logic.reply_text import requester_text
from privacydesk.logic.triage import triage_message
from tests.conftest import corpus_dir

_SIGNATURE_STARTS = ("Sent from", "Sent with", "--")
_MAX_REQUESTER_CHARS = 12_000


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    "history",
    [
        "On Mon, 3 Jun 2024 at 10:00, Privacy Team <privacy@example.com> wrote:\n> Please confirm.",
        "Am 03.06.2024 um 10:00 schrieb Privacy Team <privacy@example.com>:\n> Bitte bestätigen Sie.",
        "Le lun. 3 juin 2024 à 10:00, Privacy Team <privacy@example.com> a écrit :\n> Merci.",
        "-----Original Message-----\nFrom: Privacy Team\nSent: Monday\nSubject: Your request",
        "Von: Privacy Team <privacy@example.com>\nGesendet: Montag, 3. Juni 2024\nAn: jane@example.org\n"
        "Betreff: Ihre Anfrage\n\nBitte bestätigen Sie.",
        "> Please confirm your identity.\n> Thanks",
    ],
)
def test_quoted_history_is_removed(history: str) -> None:
    # GIVEN a reply whose new text sits above the quoted earlier mail
    body = f"Yes, please delete my account.\n\n{history}\n"
    # WHEN the requester's text is extracted
    text = requester_text(body)
    # THEN only the new words remain
    assert _words(text) == "Yes, please delete my account."


def test_bottom_posted_reply_keeps_the_words_below_the_quote() -> None:
    body = "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\n\nDelete my data please.\n"
    assert _words(requester_text(body)) == "Delete my data please."


def test_phone_signatures_are_removed() -> None:
    body = "Unsubscribe me please.\n\nSent from my iPhone\n"
    assert _words(requester_text(body)) == "Unsubscribe me please."


@pytest.mark.parametrize(
    "footer",
    [
        "CONFIDENTIALITY NOTICE: This e-mail is confidential. If you have received this message in error, "
        "please delete it and notify the sender.",
        "Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind, "
        "löschen Sie diese Nachricht bitte.",
        "Ce message est confidentiel. Si vous avez reçu ce message par erreur, merci de le supprimer.",
        "Este mensaje es confidencial. Si usted ha recibido este mensaje por error, por favor elimínelo.",
        "Questo messaggio è riservato. Se avete ricevuto questo messaggio per errore, cancellatelo.",
        "Dit bericht is vertrouwelijk. Indien u dit bericht ten onrechte heeft ontvangen, verwijder het.",
        "Esta mensagem é confidencial. Se você recebeu esta mensagem por engano, apague-a.",
    ],
)
def test_confidentiality_footers_are_removed(footer: str) -> None:
    # GIVEN a short question followed by a footer that says "delete this message"
    text = requester_text(f"Who is your DPO?\n\n{footer}\n")
    # THEN the footer (and its "delete") is gone
    assert _words(text) == "Who is your DPO?"


def test_a_bare_forward_keeps_the_forwarded_message() -> None:
    # GIVEN a forward with nothing written above it
    body = (
        "---------- Forwarded message ---------\nFrom: Jane <jane@example.org>\nDate: Mon\n"
        "Subject: data\nTo: <agent@example.net>\n\nPlease delete my data.\n"
    )
    # THEN the forwarded words are what counts
    assert _words(requester_text(body)) == "Please delete my data."


def test_discourse_trimmer_expectations_mostly_hold() -> None:
    # GIVEN the reply bodies in many languages with their expected trimmed text
    folder = corpus_dir() / "replies-discourse-email-reply-trimmer"
    cases = sorted((folder / "emails").glob("*.txt"))
    assert cases, f"no corpus at {folder}"
    kept = 0
    for case in cases:
        expected = _words((folder / "trimmed" / case.name).read_text(encoding="utf-8"))
        got = _words(requester_text(case.read_text(encoding="utf-8")))
        # The new text is kept and the quoted part is gone; exact whitespace does not matter.
        kept += got == expected or (
            bool(expected) and got.startswith(expected[:40]) and len(got) < 1.3 * len(expected) + 20
        )
    # THEN the great majority match (the rest keep a little extra or drop an inline-quoted line)
    assert kept / len(cases) >= 0.8, f"{kept}/{len(cases)} trimmed as expected"


def test_talon_standard_replies_keep_only_the_reply() -> None:
    folder = corpus_dir() / "replies-talon" / "standard_replies"
    cases = sorted(folder.glob("*.eml"))
    assert cases, f"no corpus at {folder}"
    wrong: list[str] = []
    for case in cases:
        expected_file = folder / f"{case.stem}_reply_text"
        expected = _words(expected_file.read_text(encoding="utf-8")) if expected_file.exists() else "Hello"
        got = _words(requester_text(parse_mail(case.read_bytes()).text))
        # Talon keeps signatures such as "Sent from my iPhone"; we drop them, and only them.
        dropped = expected[len(got) :].strip()
        exact = got == expected
        only_signature = (
            bool(got) and expected.startswith(f"{got} ") and dropped.startswith(_SIGNATURE_STARTS)
        )
        if not (exact or only_signature):
            wrong.append(f"{case.name}: got {got!r}, expected {expected!r}")
    assert not wrong, "\n".join(wrong)


def test_zapier_replies_lose_their_quotes() -> None:
    folder = corpus_dir() / "replies-zapier-email-reply-parser" / "emails"
    cases = sorted(folder.glob("*.txt"))
    assert cases, f"no corpus at {folder}"
    wrong: list[str] = []
    for case in cases:
        got = requester_text(case.read_text(encoding="utf-8", errors="replace"))
        if any(line.lstrip().startswith(">") for line in got.splitlines()) or "wrote:" in got:
            wrong.append(case.name)
    assert not wrong, f"quotes left in: {wrong}"


def test_long_lines_are_kept_whole_around_the_reply_library() -> None:
    # GIVEN a one-paragraph reply far longer than a line the reply library is shown, above a quote
    paragraph = "Please delete my account and every record you keep about me. " * 20
    body = f"{paragraph}\n\nOn Mon, 3 Jun 2024, Privacy Team <privacy@example.com> wrote:\n> Hello\n"
    # THEN the paragraph comes back word for word and the quote is gone
    assert _words(requester_text(body)) == _words(paragraph)


@pytest.mark.parametrize(
    "body",
    [
        "Op " * 4_000,
        "On " * 4_000,
        ("On " * 66 + "\n") * 200,
        "a" * 200_000,
        ">" * 100_000 + " delete",
        "\n".join("> " * level + "x" for level in range(400)),
        "Hello " * 100_000,
        "Dear Sir, " * 20_000,
        "wrote:\n" * 10_000,
        "From: x\nTo: y\n" * 5_000,
        "{{" * 100_000,
    ],
)
def test_hostile_bodies_complete_with_bounded_text(body: str) -> None:
    # GIVEN a body built to make regexes or the reply library backtrack
    # WHEN its requester text is read and the whole mail triaged THEN both complete within their caps
    assert len(requester_text(body)) <= _MAX_REQUESTER_CHARS
    assert (
        len(triage_message(f"From: a@example.org\nSubject: x\n\n{body}".encode()).text)
        <= _MAX_REQUESTER_CHARS
    )
