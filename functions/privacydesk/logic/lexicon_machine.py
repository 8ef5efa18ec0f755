"""Words that mark mail written by machines: bounces, delay notices, out-of-office replies."""

# Phrase tables read best one phrase per line, however long the phrase.
# ruff: noqa: E501

# Senders that only ever send delivery reports.
DAEMON_SENDER = (
    r"^(?:mailer[-_]?daemon|postmaster|mail[-_]?daemon|maildelivery|mail[-_]?delivery|bounces?|dsn)@"
    r"|^(?:mailer[-_]?daemon|postmaster)$"
)
DAEMON_NAME = (
    r"\b(?:mail delivery (?:system|subsystem|service)|mailer[-_ ]daemon|postmaster|mail administrator"
    r"|internet mail delivery|mail (?:transport|delivery) agent|delivery status notification)\b"
)

# Subjects of delivery reports, at the start of the subject (a forwarded one starts with "Fwd:").
BOUNCE_SUBJECT = (
    r"^\s*(?:\[[^\]]{0,40}\]\s*)?(?:"
    r"undeliver(?:ed|able)|undelivered mail|non[- ]?deliver(?:y|able)|delivery (?:status )?notification"
    r"|delivery (?:failure|failed|has failed|problem|report|delayed|status)|mail delivery (?:failed|failure|problem)"
    r"|failure notice|failed delivery|returned mail|return(?:ed)? to sender|mail (?:system )?error|mail failure"
    r"|message (?:not delivered|delivery (?:has )?failed|could not be delivered|undeliverable|rejected|delayed)"
    r"|delayed mail|warning: (?:could not send|message .{0,40}delayed|delayed)|could not send message"
    r"|(?:your )?message (?:couldn't|could not|was not|wasn't) (?:be )?delivered|mail could not be delivered"
    r"|unable to deliver|delivery (?:unsuccessful|error)|nondeliverable|notice of delivery failure"
    r"|automatic bounce notification|email bounce notification|bounce"
    r"|unzustellbar|nicht zustellbar|(?:nachricht )?konnte nicht zugestellt|zustellung fehlgeschlagen"
    r"|benachrichtigung zum übermittlungsstatus|unzustellbare"
    r"|non remis|non distribu|échec de (?:la )?(?:remise|livraison)|impossible de remettre|rapport de non-remise"
    r"|no se (?:puede|pudo) entregar|imposible entregar|notificación de estado de entrega|no entregado"
    r"|non recapitabile|impossibile recapitare|mancato recapito|rapporto di mancato recapito"
    r"|onbestelbaar|kan niet worden bezorgd|niet afgeleverd"
    r"|não (?:é possível|foi possível) entregar|mensagem não entregue|retorno de mensagem|falha na entrega"
    r"|nedoručiteln|nedostavljiv|nedoručen|olevererbar|kan inte levereras"
    r")",
)

# Phrases in the text of a delivery report.
FAILURE_TEXT = (
    r"could ?n[o']t be delivered|couldn'?t be delivered|was not delivered|wasn'?t delivered|has not been delivered"
    r"|hasn'?t been delivered|undeliverable|permanent(?:ly)? (?:error|failure|fatal|failed)|failed permanently"
    r"|delivery (?:to the following recipients? )?(?:has )?failed|delivery failed|unable to deliver"
    r"|user unknown|unknown user|no such user|no such (?:mailbox|recipient|address)|mailbox (?:unavailable|full|not found|is full|quota)"
    r"|does not exist|address rejected|recipient (?:address )?rejected|not able to deliver|wasn'?t able to deliver"
    r"|following (?:address(?:es)?|recipients?) (?:had|failed)|message could not be delivered|i'm sorry to have to inform you"
    r"|returned to (?:the )?sender|delivery (?:has been )?delayed|will (?:retry|be retried|keep trying)|still (?:trying|being retried)"
    r"|not yet been delivered|delivery temporarily suspended|delivery is delayed|could not be sent|giving up"
    r"|this is the mail system at|this is an automatically generated delivery status|smtp error|\b5\.\d\.\d{1,3}\b"
    r"|\b55[0-4][ -]|\bdsn\b|non[- ]?delivery|delivery status notification|error while delivering"
    r"|nicht zugestellt|unzustellbar|konnte nicht (?:zugestellt|ausgeliefert)|n'a pas pu être (?:remis|distribué|délivré)"
    r"|no (?:se )?(?:pudo|puede) (?:ser )?entregad|non è stato possibile recapitare|kon niet worden afgeleverd"
    r"|não foi possível entregar"
)
TRANSIENT_TEXT = (
    r"\b(?:delayed|delay|will (?:retry|be retried|keep trying|continue)|still (?:trying|being retried)"
    r"|temporar(?:y|ily)|not yet been delivered|deferred|warning: message)\b"
)

# Out-of-office and other auto-reply subjects, at the start of the subject: enough on their own.
AUTO_REPLY_SUBJECT = (
    r"^\s*(?:"
    r"auto(?:matic|matische|matisch)?[- ]?(?:reply|response|respons|antwort|antwoord|risposta|respuesta|resposta)"
    r"|autoreply|autorespon\w*|out of (?:the )?office|vacation reply|abwesenheitsnotiz|automatische antwort"
    r"|réponse automatique|message d'absence|respuesta automática|risposta automatica|automatisch antwoord"
    r"|resposta automática|automatick[áa] odpověď|automatski odgovor|automatiskt svar|odpowiedź automatyczna"
    r"|răspuns automat|αυτόματη απάντηση|automatisk svar|automaattinen vastaus"
    # Feedback-loop reports that are not in ARF format name the sending IP address.
    r"|(?:complaint about message|abuse report|spam report|feedback report) (?:from|for) (?:ip )?\d+"
    r")(?!\w)",
)
# Subjects that a person may write too ("Absence of reply", "Away from my desk, but..."): they mark an
# auto-reply only together with auto-reply wording in the text.
ABSENCE_SUBJECT = (
    r"^\s*(?:away|on vacation|on holiday|on leave|absen(?:ce|t|te)|abwesen\w*|nicht im büro|ausencia|ausente"
    r"|fuera de (?:la )?oficina|assen(?:za|te)|fuori (?:sede|ufficio)|afwezig|niet aanwezig|fora do escritório"
    r"|frånvaro|urlaub|congés|vacances|vacaciones|ferie|vakantie|férias)(?!\w)"
)
AUTO_REPLY_TEXT = (
    r"\b(?:I am|I'm|I will be) (?:currently )?(?:out of (?:the )?office|away from (?:the )?office|on (?:annual )?leave"
    r"|on vacation|on holiday|travell?ing|away)\b[^.!?\n]{0,60}\b(?:until|till|return|back)\b"
    r"|\bich bin (?:derzeit|zurzeit|momentan|bis)\b[^.!?\n]{0,40}\b(?:nicht im büro|abwesend|im urlaub|nicht erreichbar)"
    r"|\bje suis (?:actuellement )?absente?\b|\bestoy (?:fuera de la oficina|de vacaciones|ausente)"
    r"|\bsono (?:fuori ufficio|in ferie|assente)\b|\bik ben (?:afwezig|met vakantie|niet op kantoor)"
    r"|\bestou (?:ausente|de férias|fora do escritório)"
)
