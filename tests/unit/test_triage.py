"""Triage of one inbound email, as a privacy officer sees the verdict."""

from email.message import EmailMessage

import pytest

from privacydesk.logic.triage import triage_message
from privacydesk.models.rights import MailKind, Right
from privacydesk.schemas import EdgeValidationError, validate
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
    failures: list[str] = []
    for path in files:
        # WHEN triaged THEN nothing raises and the JSON matches the CLI contract (all failures reported)
        try:
            validate(triage_message(path.read_bytes()).as_json(), "triage_result")
        except Exception as error:  # noqa: BLE001 - every failing file is listed, not just the first
            failures.append(f"{path.relative_to(corpus_dir())}: {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures)


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
        ("I'm not asking you to delete my account, just stop the newsletters.", {"marketing_opt_out"}),
        ("I do not want you to delete my account. What data do you hold about me?", {"access"}),
        ("Ich möchte nicht, dass Sie mein Konto löschen. Welche Daten haben Sie über mich?", {"access"}),
        ("No quiero que borréis mi cuenta, solo dejad de enviarme publicidad.", {"marketing_opt_out"}),
        (
            "Non cancellate il mio account! Voglio solo smettere di ricevere SMS promozionali.",
            {"marketing_opt_out"},
        ),
        (
            "Ik wil niet dat jullie mijn account verwijderen, stuur me alleen geen reclame meer.",
            {"marketing_opt_out"},
        ),
        ("If you delete my account, will I lose my loyalty points?", {"question"}),
    ],
)
def test_negation_cancels_a_right(body: str, expected: set[str]) -> None:
    assert _rights(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        # a negation in an earlier clause, ended by a coordinator
        "I no longer wish to be a customer and ask you to erase my data.",
        "Ich bin kein Kunde mehr und bitte um Löschung meiner Daten.",
        "Je ne suis plus client et je vous demande de supprimer mon compte.",
        "Ya no soy cliente y os pido que borréis mis datos.",
        "Non sono più cliente e vi chiedo di cancellare i miei dati.",
        "Ik ben geen klant meer en wil dat u mijn gegevens verwijdert.",
        "Não sou mais cliente e peço que apaguem os meus dados.",
        "I don't use the app anymore so please delete my account.",
        # negative words that do not negate the request
        "Please don't hesitate to delete my data.",
        "N'hésitez pas à supprimer toutes mes données.",
        "Please delete my data without undue delay.",
        "I request that you without undue delay delete my data.",
        # a condition in another clause, or a polite one
        "Please confirm whether you hold my data and delete it all.",
        "I would be grateful if you could delete my account.",
        "Si prega di cancellare i miei dati.",
    ],
)
def test_a_negation_or_condition_outside_the_clause_does_not_cancel_a_right(body: str) -> None:
    # GIVEN an erasure request with a negative or conditional word that does not govern the verb
    # WHEN triaged THEN the erasure stands
    assert _rights(body) == {"erasure"}


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


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Please tell me what data you hold about me.\n\nThis e-mail and any attachments are "
            "intended only for the named addressee. If you are not the intended recipient, please "
            "notify the sender immediately and delete it from your system.",
            ["access"],
        ),
        (
            "Please tell me what data you hold about me.\n\nIf you received this in error, please "
            "notify the sender and delete it.",
            ["access"],
        ),
        (
            "Welche Daten haben Sie über mich gespeichert?\n\nDiese Nachricht ist ausschließlich für "
            "den bezeichneten Adressaten bestimmt. Sollten Sie nicht der vorgesehene Empfänger sein, "
            "informieren Sie bitte den Absender und löschen Sie diese Mail.",
            ["access"],
        ),
        (
            "Quelles données avez-vous sur moi ?\n\nCe message est destiné exclusivement à son "
            "destinataire. Si vous n'êtes pas le destinataire, merci de le détruire et d'en avertir "
            "l'expéditeur.",
            ["access"],
        ),
        (
            "¿Qué datos tenéis sobre mí?\n\nEste mensaje va dirigido exclusivamente a su destinatario. "
            "Si usted no es el destinatario, le rogamos que lo comunique al remitente y bórrelo.",
            ["access"],
        ),
        (
            "Quali dati avete su di me?\n\nLe informazioni contenute in questo messaggio sono destinate "
            "esclusivamente al destinatario. Se non siete il destinatario, vi preghiamo di cancellarlo "
            "e di avvisare il mittente.",
            ["access"],
        ),
        (
            "Que dados têm sobre mim?\n\nEsta mensagem destina-se exclusivamente ao destinatário. Se "
            "não for o destinatário, por favor apague-a e informe o remetente.",
            ["access"],
        ),
        (
            "Welke gegevens hebben jullie over mij?\n\nDe informatie in dit e-mailbericht is "
            "uitsluitend bestemd voor de geadresseerde. Bent u niet de geadresseerde, verwijder dit "
            "bericht dan en stel de afzender op de hoogte.",
            ["access"],
        ),
        (
            "Please delete my account.\n\nThis message is confidential. If you are not the intended "
            "recipient, delete it.",
            ["erasure"],
        ),
    ],
)
def test_confidentiality_footers_in_every_language_do_not_count(body: str, expected: list[str]) -> None:
    # GIVEN a request followed by a footer asking a wrong recipient to delete the mail
    # WHEN triaged THEN the footer's "delete" is not an erasure request
    assert _rights(body) == set(expected)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("I am writing to request the deletion of my account and my personal data.", ["erasure"]),
        ("I'd like the removal of all my details from your systems.", ["erasure"]),
        ("Hiermit beantrage ich die Löschung meines Kundenkontos.", ["erasure"]),
        ("Je demande l'effacement de mon compte client.", ["erasure"]),
        ("Je sollicite la suppression de l'ensemble de mes informations.", ["erasure"]),
        ("Solicito la supresión de mi cuenta y de mis datos.", ["erasure"]),
        ("Pido la eliminación de toda mi información personal.", ["erasure"]),
        ("Chiedo la cancellazione del mio account e dei miei dati.", ["erasure"]),
        ("Graag de verwijdering van mijn account en gegevens.", ["erasure"]),
        ("Peço a eliminação da minha conta.", ["erasure"]),
        ("Venho pedir a exclusão do meu cadastro e dos meus dados.", ["erasure"]),
        ("Solicito la actualización de mi dirección postal.", ["rectification"]),
        ("Chiedo l'aggiornamento del mio indirizzo.", ["rectification"]),
        ("Peço a atualização do meu número de telefone.", ["rectification"]),
        ("Ich bitte um Aktualisierung meiner Anschrift.", ["rectification"]),
        ("Je demande la mise à jour de mon adresse.", ["rectification"]),
        ("Graag het bijwerken van mijn adres.", ["rectification"]),
        ("Quisiera una copia de toda la información que tienen.", ["access"]),
        ("Gostaria de uma cópia de todas as informações que têm.", ["access"]),
        ("Ich hätte gerne eine Kopie aller Informationen.", ["access"]),
        ("Je voudrais une copie de l'ensemble de mes données.", ["access"]),
        ("Ik wil graag een kopie van alle gegevens die jullie hebben.", ["access"]),
        ("Vorrei una copia di tutte le informazioni che avete.", ["access"]),
        ("Solicito a portabilidade dos meus dados.", ["portability"]),
        ("Chiedo la portabilità dei miei dati.", ["portability"]),
        ("Ich verlange Datenübertragbarkeit.", ["portability"]),
        ("Il ricorso porterà alla cancellazione di un account che potrei avere con voi.", ["question"]),
    ],
)
def test_rights_asked_for_as_nouns(body: str, expected: list[str]) -> None:
    # GIVEN "I request the deletion / an update / a copy of my data" THEN the noun names the right,
    # unless it points at "an account" that may exist
    assert _rights(body) == set(expected)


@pytest.mark.parametrize(
    "body",
    [
        "I'd like my email address updated please.",
        "Not asking for deletion - just want my surname corrected to Smith.",
        "You have my name wrong, it's Brown not Braun. Can you fix that?",
        "meine telefonnummer hat sich geändert bitte aktualisieren",
        "meine handynummer ist neu: 0170 1234567, bitte aktualisiern.",
        "Mijn adres staat fout in jullie administratie. Kunnen jullie dit aanpassen?",
        "Mon nom est mal orthographié dans votre fichier, pouvez-vous le modifier ?",
        "Mi apellido está mal escrito, ¿lo podéis cambiar?",
        "Il mio cognome è scritto male, potete sistemarlo?",
        "O meu apelido está escrito errado, podem alterar?",
        "Je ne veux pas fermer mon compte, je veux juste que mon numéro soit mis à jour.",
    ],
)
def test_a_wrong_or_changed_detail_to_update_is_rectification(body: str) -> None:
    assert _rights(body) == {"rectification"}


@pytest.mark.parametrize(
    "body",
    [
        "q info tienen sobre mi",
        "wat weten jullie van mij?",
        "che dati avete di me?",
        "quelles infos vous avez sur moi",
        "what info have u got on me",
        "q dados vcs tem de mim?",
        "was habt ihr über mich gespeichert?",
    ],
)
def test_informal_and_abbreviated_access_questions(body: str) -> None:
    assert _rights(body) == {"access"}


@pytest.mark.parametrize(
    "body",
    [
        "nn voglio piu email promozionali",
        "arretez les pubs svp",
        "arretez de m'envoyer des mails",
        "cancelem a minha inscrição da lista",
        "desinscrivez moi de la newsletter",
        "no quiero mas publicidad",
        "não quero mais sms",
        "cancel my subscription to the newsletter",
    ],
)
def test_informal_marketing_opt_outs(body: str) -> None:
    assert _rights(body) == {"marketing_opt_out"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("I don't want my data handed over to other companies.", ["sharing_opt_out"]),
        ("Please don't give my email address to your partners.", ["sharing_opt_out"]),
        ("ne passez pas mes coordonnées à des tiers", ["sharing_opt_out"]),
        ("Revoco il consenso alla cessione dei miei dati alle società del gruppo.", ["sharing_opt_out"]),
        ("Widerrufe meine Einwilligung zur Weitergabe an Konzernunternehmen.", ["sharing_opt_out"]),
        ("Geben Sie meine Adresse bitte nicht weiter.", ["sharing_opt_out"]),
        ("geef mijn e-mailadres niet door aan derden", ["sharing_opt_out"]),
        ("non passate il mio numero a nessuno", ["sharing_opt_out"]),
        ("não partilhem o meu email com parceiros", ["sharing_opt_out"]),
        ("no paséis mis datos a terceros", ["sharing_opt_out"]),
        (
            "Retiro el consentimiento para recibir publicidad y para que compartan mis datos con "
            "empresas del grupo.",
            ["marketing_opt_out", "sharing_opt_out"],
        ),
    ],
)
def test_not_passing_data_on_is_a_sharing_opt_out(body: str, expected: list[str]) -> None:
    # GIVEN "don't pass my data on": the negation IS the request, and withdrawn consent to a transfer
    # is a sharing opt-out (marketing only when marketing is named too)
    assert _rights(body) == set(expected)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Export my data as JSON and then close the account, deleting everything.",
            ["erasure", "portability"],
        ),
        ("Exportez mes données en CSV puis fermez mon compte.", ["erasure", "portability"]),
        ("Exportad mis datos en CSV y después cerrad mi cuenta.", ["erasure", "portability"]),
        ("Exportiert meine Daten als CSV und schließt dann mein Konto.", ["erasure", "portability"]),
        ("Exporteer mijn gegevens als CSV en sluit daarna mijn account.", ["erasure", "portability"]),
        ("Exportem os meus dados em CSV e depois encerrem a minha conta.", ["erasure", "portability"]),
        ("esportate i dati in CSV e chiudete il mio profilo", ["erasure", "portability"]),
        ("Don't sell my data to anyone, and no more promo texts.", ["marketing_opt_out", "sharing_opt_out"]),
    ],
)
def test_a_second_right_in_the_sentence_is_kept(body: str, expected: list[str]) -> None:
    assert _rights(body) == set(expected)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("What data do you hold about me? I don't know who you shared it with.", ["access"]),
        ("If my data was shared with partners, I'd like to know.", ["question"]),
        ("If this reached you by mistake, please delete this message.", ["question"]),
        ("Please delete the email address I registered with.", ["erasure"]),
        ("Löschen Sie bitte meine E-Mail-Adresse.", ["erasure"]),
    ],
)
def test_mentions_of_sharing_or_of_this_message_are_not_requests(body: str, expected: list[str]) -> None:
    assert _rights(body) == set(expected)


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


@pytest.mark.parametrize(
    "body",
    [
        "Please delete my data. I have not received any answer to my previous questions.",
        "I sent you a request by post last month; here it is again: please delete my data.",
        "Under article 77 I could complain, but first: delete my data.",
        "Ich hatte Ihnen am 3. März eine Anfrage geschickt. Bitte löschen Sie jetzt meine Daten.",
    ],
)
def test_a_reminder_that_asks_again_directly_keeps_the_right(body: str) -> None:
    # GIVEN a mail that chases an earlier request but also asks, in so many words, for erasure now
    # THEN the erasure is read, not discarded as a reminder
    assert _rights(body) == {"erasure"}


def test_a_reminder_that_only_describes_the_earlier_request_is_a_question() -> None:
    body = "I asked you to delete my account on 2 May and never heard back. What's the status?"
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
    raw = _mail("Please delete my data.", Auto_Submitted="no", X_Auto_Response_Suppress="All", X_Autoreply="")
    result = triage_message(raw)
    assert result.kind is MailKind.REQUEST
    assert result.rights == (Right.ERASURE,)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Absence of reply", "You never answered me. Please delete my data."),
        ("Absent-minded question", "Please delete my data."),
        ("Re: your newsletter", "I'm away from the office until June, but please delete my account now."),
    ],
)
def test_a_person_mentioning_absence_is_not_an_auto_reply(subject: str, body: str) -> None:
    # GIVEN a person's mail whose subject or text speaks of absence, without auto-reply headers
    result = triage_message(_mail(body, subject=subject))
    # THEN it is read as a request
    assert result.kind is MailKind.REQUEST
    assert result.rights == (Right.ERASURE,)


def test_an_absence_subject_with_out_of_office_text_is_an_auto_reply() -> None:
    raw = _mail("I am out of the office until Monday 3 June.", subject="Absent: Your request")
    assert triage_message(raw).kind is MailKind.AUTO_REPLY


def test_a_forged_failed_recipients_header_does_not_bounce_anyone() -> None:
    # GIVEN a person's mail carrying X-Failed-Recipients, as anyone can write
    raw = _mail("Please delete my data.", X_Failed_Recipients="victim@example.net")
    result = triage_message(raw)
    # THEN nobody's address is marked undeliverable
    assert result.kind is MailKind.REQUEST
    assert result.bounced == ()


def test_pasted_ses_bounce_json_from_a_person_does_not_bounce_anyone() -> None:
    body = (
        '{"notificationType":"Bounce","bounce":{"bounceType":"Permanent",'
        '"bouncedRecipients":[{"emailAddress":"victim@example.net"}]}}'
    )
    result = triage_message(_mail(body))
    assert result.kind is MailKind.REQUEST
    assert result.bounced == ()


def test_failed_recipients_from_a_mail_system_are_bounced() -> None:
    raw = _mail(
        "This message was created automatically by mail delivery software.\n\nA message that you sent "
        "could not be delivered to one or more of its recipients. This is a permanent error.",
        subject="Mail delivery failed: returning message to sender",
        sender="Mail Delivery System <Mailer-Daemon@mx.example.net>",
        X_Failed_Recipients="Gone@Example.net",
    )
    result = triage_message(raw)
    assert result.kind is MailKind.BOUNCE
    assert result.bounced == ("gone@example.net",)


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
    result = triage_message(_mail("Our newsletter: tidy up old files today!", **header))
    assert result.kind is MailKind.BULK
    assert result.rights == ()
    assert result.latent_rights == ()


def test_latent_rights_of_machine_mail_name_what_a_person_asked_for() -> None:
    # GIVEN an auto-reply and a list post whose text asks for rights
    auto_reply = triage_message(
        _mail("I am away until Monday. Please delete my account.", subject="Automatic reply: Hello")
    )
    bulk = triage_message(_mail("Unsubscribe me and delete my account.", List_Id="<list.example.org>"))
    # THEN the kind stays machine mail, rights stay empty, and the rights are kept aside as latent
    assert (auto_reply.kind, auto_reply.rights, auto_reply.latent_rights) == (
        MailKind.AUTO_REPLY,
        (),
        (Right.ERASURE,),
    )
    assert (bulk.kind, bulk.rights) == (MailKind.BULK, ())
    assert bulk.latent_rights == (Right.ERASURE, Right.MARKETING_OPT_OUT)


def test_latent_rights_stay_empty_for_requests_and_bounces() -> None:
    assert triage_message(_mail("Please delete my data.")).latent_rights == ()
    assert triage_message(_dsn("failed", "5.1.1")).latent_rights == ()


def test_latent_rights_are_not_part_of_the_cli_contract() -> None:
    result = triage_message(_mail("Please delete my account.", subject="Automatic reply: Hello"))
    assert "latent_rights" not in result.as_json()
    validate(result.as_json(), "triage_result")


def test_repr_of_a_result_holds_no_personal_data() -> None:
    # GIVEN a request naming a person, an address and an agent
    result = triage_message(
        _mail(
            "On behalf of mary.major@example.com: please delete her data. Jane Doe, 1 Main St.",
            subject="Jane Doe's data",
            sender="Jane Doe <jane@example.org>",
        )
    )
    # WHEN it is logged or shown in a traceback THEN none of it appears
    shown = repr(result)
    for secret in ("jane@example.org", "mary.major", "Jane Doe", "Main St", "delete her data"):
        assert secret not in shown
    assert "erasure" in shown


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
    assert sample_mail
    failures: list[str] = []
    for name, raw in sample_mail.items():
        try:
            validate(triage_message(raw).as_json(), "triage_result")
        except EdgeValidationError as error:
            failures.append(f"{name}: {error}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "raw",
    [
        _mail("<p>" + "word <b>x</b> " * 40_000 + "</p>", subject="html"),
        (
            b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nSubject: Undelivered\n"
            b"X-Failed-Recipients: " + b"a" * 80_000 + b"\n\nuser unknown\n"
        ),
        b"From: jane@example.org\nSubject: x\nX-Failed-Recipients: " + b"a" * 80_000 + b"\n\nhi\n",
        _mail("Op " * 4_000),
        _mail("Subject: " + "Re: " * 20_000),
        b"From: jane@example.org\nSubject: " + b"Re: " * 20_000 + b"\n\nhi\n",
        b"From: " + b"a" * 80_000 + b"\nSubject: x\n\nhi\n",
    ],
    ids=[
        "html-480k",
        "failed-recipients-80k",
        "forged-failed-recipients-80k",
        "op-op",
        "re-body",
        "re-subject",
        "from-80k",
    ],
)
def test_hostile_mail_triages_within_bounded_sizes(raw: bytes) -> None:
    # GIVEN mail built to make parsing or matching take quadratic time
    # WHEN triaged THEN it completes (every input is capped before any regex), and the outputs stay small
    result = triage_message(raw)
    validate(result.as_json(), "triage_result")
    assert len(result.text) <= 12_000
    assert all(len(phrase) <= 80 for phrases in result.evidence.values() for phrase in phrases)
