"""Triage of one inbound email, as a privacy officer sees the verdict."""

from email.message import EmailMessage

import pytest

from privacydesk.logic.triage import triage_message
from privacydesk.models.rights import MailKind, Right
from privacydesk.schemas import validate
from tests.conftest import corpus_dir

SES_ID = "0102018f1c2d3e4f-1a2b3c4d-1234-4321-abcd-0123456789ab-000000@eu-west-1.amazonses.com"


def _mail(
    body: str, subject: str = "Request", sender: str = "Jane Doe <jane@example.org>", **headers: str
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "privacy@example.com"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def _rights(body: str, subject: str = "Request") -> set[str]:
    return {right.value for right in triage_message(_mail(body, subject)).rights}


def test_every_corpus_file_triages_to_a_valid_result() -> None:
    # GIVEN every file of the shared corpus, mail or not
    files = sorted(path for path in corpus_dir().rglob("*") if path.is_file())
    assert files, f"no corpus at {corpus_dir()}"
    for path in files:
        # WHEN triaged THEN nothing raises and the JSON matches the CLI contract
        validate(triage_message(path.read_bytes()).as_json(), "triage_result")


def test_a_plain_request_names_requester_rights_language_and_evidence() -> None:
    result = triage_message(
        _mail("Please delete my account and all my data.", sender="Jane <Jane@Example.ORG>")
    )
    assert result.kind is MailKind.REQUEST
    assert result.rights == (Right.ERASURE,)
    assert result.requester == "jane@example.org"
    assert result.language == "en"
    assert result.evidence["erasure"]
    assert all(len(phrase) <= 80 for phrases in result.evidence.values() for phrase in phrases)


def test_rfc2047_subject_alone_can_carry_the_request() -> None:
    raw = b"From: jane@example.org\nSubject: =?utf-8?q?L=C3=B6schung_meiner_Daten?=\n\n\n"
    assert triage_message(raw).rights == (Right.ERASURE,)


def test_html_only_request_is_read() -> None:
    message = EmailMessage()
    message["From"] = "jean@example.fr"
    message["Subject"] = "Demande"
    message.set_content("<p>Bonjour,</p><p>Merci de supprimer mon compte.</p>", subtype="html")
    result = triage_message(message.as_bytes())
    assert result.rights == (Right.ERASURE,)
    assert result.language == "fr"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Please do NOT delete anything, I want a copy of my data.", {"access"}),
        (
            "Bitte NICHT mein Konto löschen, ich will nur wissen, welche Daten Sie über mich speichern.",
            {"access"},
        ),
        ("Ne supprimez pas mon compte, envoyez-moi une copie de mes données.", {"access"}),
        ("No borréis nada, solo quiero una copia de mis datos.", {"access"}),
        ("Non cancellate niente, vorrei sapere quali dati avete su di me.", {"access"}),
        ("Verwijder niets, ik wil inzage in mijn gegevens.", {"access"}),
        ("Não apaguem nada, quero uma cópia dos meus dados.", {"access"}),
        ("Please don't unsubscribe me, just update my address to 1 Main St.", {"rectification"}),
    ],
)
def test_negation_cancels_a_right(body: str, expected: set[str]) -> None:
    assert _rights(body) == expected


def test_do_not_sell_is_a_sharing_opt_out_not_a_negated_right() -> None:
    assert _rights("I am a California resident. Do not sell or share my personal information.") == {
        "sharing_opt_out"
    }


def test_confidentiality_footer_does_not_make_an_erasure_request() -> None:
    body = (
        "Who is your data protection officer?\n\n--\nThis e-mail is confidential. If you have received this "
        "message in error, please delete it and notify the sender."
    )
    assert _rights(body) == {"question"}


def test_legal_articles_decide_rights() -> None:
    assert _rights("Ich mache mein Recht nach Art. 15 und Art. 20 DSGVO geltend.") == {
        "access",
        "portability",
    }
    assert _rights("I object under Article 21(2) GDPR to direct marketing.") == {"marketing_opt_out"}


@pytest.mark.parametrize(
    "body",
    [
        "My access request of 2 May is overdue: I have not received an answer.",
        "Erinnerung: meine Anfrage auf Löschung vom 3. März ist bis heute unbeantwortet, keine Antwort.",
        "I hereby lodge a complaint with you against Acme Ltd, which ignored my erasure request.",
    ],
)
def test_reminders_and_complaints_to_a_regulator_are_questions(body: str) -> None:
    assert _rights(body) == {"question"}


def test_reply_by_case_reference_in_the_subject() -> None:
    result = triage_message(_mail("Here is my ID.", subject="Re: Your request PD-7KQ4-M9XW-C2HT"))
    assert result.kind is MailKind.REPLY
    assert result.case_ref == "PD-7KQ4-M9XW-C2HT"


def test_reply_by_ses_in_reply_to() -> None:
    raw = f"From: jane@example.org\nSubject: Re: your mail\nIn-Reply-To: <{SES_ID}>\n\nConfirmed.\n".encode()
    result = triage_message(raw)
    assert result.kind is MailKind.REPLY
    assert result.in_reply_to == (f"<{SES_ID}>",)


def _dsn(action: str, status: str, recipient: str = "Gone@Example.NET") -> bytes:
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: privacy@example.com\n"
        b"Subject: Undelivered Mail Returned to Sender\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nThis is the mail system.\n"
        b"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
        + f"Final-Recipient: rfc822; {recipient}\nAction: {action}\nStatus: {status}\n".encode()
        + b"\n--b\nContent-Type: message/rfc822\n\n"
        + b"From: privacy@example.com\nSubject: Your case\n\nHi\n--b--\n"
    )


def test_bounce_with_a_delivery_status_report() -> None:
    result = triage_message(_dsn("failed", "5.1.1"))
    assert result.kind is MailKind.BOUNCE
    assert result.bounced == ("gone@example.net",)
    assert result.rights == ()


def test_delay_notice_is_a_bounce_without_bounced_addresses() -> None:
    result = triage_message(_dsn("delayed", "4.4.7"))
    assert result.kind is MailKind.BOUNCE
    assert result.bounced == ()


def test_bounce_without_a_report_part() -> None:
    body = (
        "Hi. This is the qmail-send program at mx.example.net.\nI'm afraid I wasn't able to deliver your "
        "message to the following addresses.\nThis is a permanent error; I've given up.\n\n"
        "<Nobody@Example.net>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
        "--- Below this line is a copy of the message.\n\nReturn-Path: <privacy@example.com>\n"
    )
    result = triage_message(_mail(body, subject="failure notice", sender="MAILER-DAEMON@mx.example.net"))
    assert result.kind is MailKind.BOUNCE
    assert result.bounced == ("nobody@example.net",)


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: Your request",
        "Abwesenheitsnotiz: Ihre Anfrage",
        "Réponse automatique : Votre demande",
        "Respuesta automática: Su solicitud",
        "Risposta automatica: La sua richiesta",
        "Automatisch antwoord: Uw verzoek",
        "Resposta automática: O seu pedido",
        "Out of Office: Your request",
    ],
)
def test_out_of_office_replies(subject: str) -> None:
    result = triage_message(_mail("I am away until Monday. Please delete nothing.", subject=subject))
    assert result.kind is MailKind.AUTO_REPLY
    assert result.rights == ()


def test_auto_submitted_header_marks_an_auto_reply() -> None:
    result = triage_message(_mail("Thanks for your mail.", Auto_Submitted="auto-replied"))
    assert result.kind is MailKind.AUTO_REPLY
    assert result.evidence == {"kind": ["Auto-Submitted: auto-replied"]}


def test_odd_client_headers_do_not_turn_a_request_into_an_auto_reply() -> None:
    raw = _mail("Please delete my data.", Auto_Submitted="no", X_Auto_Response_Suppress="All")
    result = triage_message(raw)
    assert result.kind is MailKind.REQUEST
    assert result.rights == (Right.ERASURE,)


def test_feedback_report_is_an_auto_reply() -> None:
    raw = (
        b"From: fbl@isp.example\nSubject: FW: Your case\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nThis is an abuse report.\n--b\n"
        b"Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n--b--\n"
    )
    assert triage_message(raw).kind is MailKind.AUTO_REPLY


@pytest.mark.parametrize("header", [{"List_Id": "<news.example.org>"}, {"Precedence": "bulk"}])
def test_bulk_mail(header: dict[str, str]) -> None:
    result = triage_message(_mail("Our newsletter: delete old files today!", **header))
    assert result.kind is MailKind.BULK
    assert result.rights == ()


@pytest.mark.parametrize(
    "body",
    [
        "I am an authorized agent writing on behalf of Mary.Major@Example.com. Please delete her data.",
        "Ich schreibe im Auftrag von mary.major@example.com und bitte um Löschung ihrer Daten.",
        "Je vous écris au nom de mary.major@example.com : supprimez ses données.",
    ],
)
def test_on_behalf_of_names_the_data_subject(body: str) -> None:
    assert triage_message(_mail(body, sender="agent@agency.example")).on_behalf_of == "mary.major@example.com"


def test_on_behalf_of_without_an_address_stays_empty() -> None:
    assert triage_message(_mail("On behalf of my mother, please delete her account.")).on_behalf_of is None


@pytest.mark.parametrize(
    ("body", "regime"),
    [
        ("As a California resident, under the CCPA, delete my data.", "ccpa"),
        ("Under the UK GDPR and the Data Protection Act 2018 I want a copy of my data.", "uk_gdpr"),
        ("Gemäß Art. 15 DSGVO bitte ich um Auskunft.", "gdpr"),
        ("Conforme o RGPD, quero uma cópia dos meus dados.", "gdpr"),
        ("As a Virginia consumer under the VCDPA, delete my data.", "vcdpa"),
        ("Under PIPEDA I request access to my personal information.", "pipeda"),
        ("Please delete my account.", None),
    ],
)
def test_regime_hints(body: str, regime: str | None) -> None:
    assert triage_message(_mail(body)).regime_hint == regime


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("Bitte löschen Sie alle meine personenbezogenen Daten und bestätigen Sie mir die Löschung.", "de"),
        ("Solicito la supresión de todos mis datos personales de vuestras bases de datos.", "es"),
        ("Verwijder alstublieft al mijn persoonsgegevens en mijn account.", "nl"),
    ],
)
def test_language_of_the_requesters_text(body: str, language: str) -> None:
    assert triage_message(_mail(body)).language == language


def test_empty_input_is_a_question_in_english() -> None:
    result = triage_message(b"")
    assert result.kind is MailKind.REQUEST
    assert result.rights == (Right.QUESTION,)
    assert result.language == "en"
    assert result.requester is None


def test_sample_mail_of_the_repo_triages(sample_mail: dict[str, bytes]) -> None:
    for name, raw in sample_mail.items():
        validate(triage_message(raw).as_json(), "triage_result"), name
