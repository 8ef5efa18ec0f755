"""Parsing raw inbound mail: headers decoded, bodies turned into text, broken mail degraded, never a crash."""

from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacydesk.logic.html_text import MAX_HTML_CHARS, MAX_TEXT_CHARS, html_to_text
from privacydesk.logic.parse_mail import MAX_HEADER_CHARS, find_addresses, parse_mail


def _mail(body: str = "Hello", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = headers.pop("from_", "Jane Doe <Jane.Doe@Example.org>")
    message["To"] = "privacy@example.com"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def test_rfc2047_subject_and_sender_are_decoded() -> None:
    # GIVEN a subject and display name in RFC 2047 encoded words
    raw = (
        b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <J.Mueller@Example.DE>\r\n"
        b"Subject: =?iso-8859-1?q?L=F6schung_meiner_Daten?=\r\n\r\nBitte l\xc3\xb6schen.\r\n"
    )
    # WHEN the mail is parsed
    mail = parse_mail(raw)
    # THEN the subject reads as written and the sender is the lower-cased addr-spec
    assert mail.subject == "Löschung meiner Daten"
    assert mail.from_address == "j.mueller@example.de"


def test_malformed_encoded_words_fall_back_to_the_raw_text() -> None:
    # GIVEN an encoded word with an unknown charset and broken base64
    raw = b"From: a@example.org\nSubject: =?x-unknown?B?!!!?= delete me\n\nbody\n"
    # WHEN parsed THEN nothing raises and the readable part of the subject survives
    assert "delete me" in parse_mail(raw).subject


def test_html_only_body_becomes_text_without_scripts_and_with_line_breaks() -> None:
    # GIVEN an HTML-only mail with a style, a script and two paragraphs
    message = EmailMessage()
    message["From"] = "a@example.org"
    message.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>Please delete</p>"
        "<script>alert(1)</script><div>my account</div></body></html>",
        subtype="html",
    )
    # WHEN parsed
    text = parse_mail(message.as_bytes()).text
    # THEN the text keeps the words on separate lines and drops the code
    assert "Please delete" in text
    assert "my account" in text
    assert text.index("Please delete") < text.index("my account")
    assert "\n" in text[text.index("Please delete") : text.index("my account")]
    assert "alert" not in text
    assert "color" not in text


def test_html_blockquotes_are_marked_as_quotes() -> None:
    # GIVEN an HTML reply that quotes earlier mail in a blockquote
    text = html_to_text("<p>New words</p><blockquote><p>Old words</p></blockquote>")
    # THEN the quoted lines start with '>' like a plain-text quote
    assert "New words" in text
    assert "> Old words" in text


def test_unknown_charset_and_8bit_bytes_fall_back_sensibly() -> None:
    # GIVEN a body declared in a charset Python does not know, holding Latin-1 bytes
    raw = b"From: a@example.org\nContent-Type: text/plain; charset=x-martian\n\nsupprimez mes donn\xe9es\n"
    # WHEN parsed THEN the text is readable
    assert "supprimez mes donn" in parse_mail(raw).text


@pytest.mark.parametrize(
    ("charset", "subject", "body"),
    [
        ("iso-8859-1", "Löschung meiner Daten", "Bitte löschen Sie alle Daten über Jürgen Größe."),
        ("windows-1252", "Données – suppression", "Merci d’effacer mes données – “maintenant”, 5 €."),
    ],
)
def test_8bit_bodies_and_subjects_in_a_legacy_charset_are_decoded_once(
    charset: str, subject: str, body: str
) -> None:
    # GIVEN a mail sent as raw 8-bit bytes in a legacy charset, subject included (no RFC 2047)
    raw = (
        b"From: a@example.org\r\nSubject: " + subject.encode("cp1252") + b"\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=" + charset.encode() + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body.encode("cp1252") + b"\r\n"
    )
    # WHEN parsed
    mail = parse_mail(raw)
    # THEN both read as written: no mojibake ("lÃ¶schen") and no replacement characters
    assert mail.subject == subject
    assert mail.text.strip() == body


@pytest.mark.parametrize("content_type", ["", "Content-Type: text/plain; charset=us-ascii\n"])
def test_8bit_utf8_without_a_charset_or_mislabelled_ascii_is_read_as_utf8(content_type: str) -> None:
    raw = f"From: a@example.org\nSubject: Löschung\n{content_type}\nBitte löschen.\n".encode()
    mail = parse_mail(raw)
    assert (mail.subject, mail.text.strip()) == ("Löschung", "Bitte löschen.")


def test_repr_of_a_parsed_mail_holds_no_personal_data() -> None:
    mail = parse_mail(_mail("Jane's secret text", Subject="Jane's subject"))
    shown = repr(mail)
    assert "Jane" not in shown
    assert "jane.doe@example.org" not in shown


def test_crlf_and_cr_only_line_endings_parse_alike() -> None:
    # GIVEN the same mail with LF, CRLF and CR-only line endings
    lf = b"From: a@example.org\nSubject: Hello\n\nline one\nline two\n"
    parsed = [parse_mail(lf.replace(b"\n", ending)) for ending in (b"\n", b"\r\n", b"\r")]
    # THEN subject, sender and text lines agree
    assert {p.subject for p in parsed} == {"Hello"}
    assert {p.from_address for p in parsed} == {"a@example.org"}
    assert all(p.text.split("\n")[:2] == ["line one", "line two"] for p in parsed)


def test_empty_and_tiny_inputs_yield_an_empty_mail() -> None:
    # GIVEN no bytes, one byte, and a lone header line
    for raw in (b"", b"\n", b"x", b"Subject: only"):
        mail = parse_mail(raw)
        # THEN there is no sender and nothing raises
        assert mail.from_address is None


def test_missing_from_gives_no_requester() -> None:
    assert parse_mail(b"Subject: hi\n\nbody\n").from_address is None


def test_attachments_are_kept_apart_from_the_text() -> None:
    # GIVEN a request with an ID scan attached
    message = EmailMessage()
    message["From"] = "a@example.org"
    message.set_content("Please find my ID attached.")
    message.add_attachment(b"%PDF-1.4 secret", maintype="application", subtype="pdf", filename="id.pdf")
    # WHEN parsed
    mail = parse_mail(message.as_bytes())
    # THEN the attachment is there, byte for byte, and its content is not in the text
    assert [(a.filename, a.content_type, a.payload) for a in mail.attachments] == [
        ("id.pdf", "application/pdf", b"%PDF-1.4 secret")
    ]
    assert "PDF" not in mail.text


def test_delivery_status_parts_of_a_report_are_collected() -> None:
    # GIVEN a multipart/report DSN
    raw = (
        b"From: MAILER-DAEMON@mx.example.net\nContent-Type: multipart/report; report-type=delivery-status;"
        b' boundary="b"\n\n--b\nContent-Type: text/plain\n\nFailed.\n'
        b"--b\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; Gone@Example.net\nAction: failed\n"
        b"Status: 5.1.1\n--b--\n"
    )
    mail = parse_mail(raw)
    # THEN the report type and the per-recipient fields are available
    assert mail.report_type == "delivery-status"
    assert "Action: failed" in mail.delivery_status[0]
    assert mail.text.strip() == "Failed."


def test_html_conversion_is_bounded_in_input_and_output() -> None:
    # GIVEN HTML far longer than any mail, with text past the input cap
    html = "<p>" + "word <b>x</b> " * 40_000 + "</p><p>TAIL</p>" + "y" * MAX_HTML_CHARS
    # WHEN converted THEN it completes, the output is capped and nothing past the input cap is read
    text = html_to_text(html)
    assert 0 < len(text) <= MAX_TEXT_CHARS
    assert "TAIL" not in html_to_text("x" * MAX_HTML_CHARS + "<p>TAIL</p>")


@pytest.mark.parametrize(
    "html",
    [
        "<" * 300_000,
        "<!--" * 100_000,
        "<a " + 'x="' * 100_000,
        "<script>" * 50_000,
        "<blockquote>" * 50_000 + "<p>quoted</p>" * 1_000,
        "&#" * 100_000,
        "<b>x</b>" * 50_000,
    ],
)
def test_hostile_html_completes_with_bounded_output(html: str) -> None:
    # GIVEN HTML that makes the stdlib HTMLParser quadratic or nests without end
    # WHEN converted THEN it completes (a linear scan) and the output stays within the cap
    text = html_to_text(html)
    assert len(text) <= MAX_TEXT_CHARS
    # Quote markers are capped too: a line never carries thousands of '> '.
    assert all(line.count(">") <= 10 for line in text.splitlines() if "quoted" in line)


def test_html_comments_scripts_and_entities() -> None:
    text = html_to_text("<p>a &amp; b</p><!-- hidden --><script>x()</script><p>c&nbsp;d</p><br/>e")
    assert text == "a & b\n\nc d\n\ne"


def test_addresses_are_found_in_linear_time_and_headers_are_capped() -> None:
    # GIVEN an 80 KB header value without any '@', and one with a real address after junk
    junk = "a" * 80_000
    raw = f"From: a@example.org\nX-Failed-Recipients: {junk}\nSubject: x\n\nhi\n".encode()
    # WHEN read THEN the header a regex sees is capped, and address search completes
    assert len(parse_mail(raw).header("x-failed-recipients")) == MAX_HEADER_CHARS
    assert find_addresses(junk) == ()
    assert find_addresses(f"{junk} <Gone@Example.NET>.") == ("gone@example.net",)
    assert find_addresses("x@" * 40_000) == ()


def test_endless_nesting_is_bounded() -> None:
    # GIVEN a message nested in itself a thousand times
    raw = b"From: a@example.org\nContent-Type: message/rfc822\n\n" * 1000 + b"Subject: deep\n\nbottom\n"
    # WHEN parsed THEN it returns (the bound stops the walk) without raising
    assert parse_mail(raw).from_address == "a@example.org"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_parse_without_raising(raw: bytes) -> None:
    parse_mail(raw)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_header_text_parses_without_raising(value: str) -> None:
    raw = (
        b"From: "
        + value.encode("utf-8", "replace")
        + b"\nSubject: "
        + value.encode("utf-8", "replace")
        + b"\n\nx"
    )
    parse_mail(raw)
