"""The requester's own new words: quoted replies, forwards, signatures and confidentiality footers removed."""

import re
from typing import Any

from mailparser_reply.parser import EmailMessage

_MAX_CHARS = 12_000
# mailparser-reply's attribution patterns cost time quadratic in the length of a line ("On On On ..."):
# longer lines are hidden from it behind a placeholder and put back afterwards.
_MAX_LIBRARY_LINE_CHARS = 200
_LONG_LINE_RE = re.compile(rf"^[^\n]{{{_MAX_LIBRARY_LINE_CHARS},}}", re.M)
_PLACEHOLDER_RE = re.compile(r"PRIVACYDESKLINE(\d{1,6})X")
# Languages whose reply headers mailparser-reply knows and whose header words cannot be mistaken for
# the words of a letter (its Polish rule splits at a single "Od:"/"Do:" line, so it is left out).
_PARSER_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "sv", "da", "cs")

_WROTE_VERBS = (
    r"wrote|writes|schrieb|schreibt|a\s+écrit|escribió|ha\s+scritto|schreef|escreveu|skrev|napisał\(a\)"
    r"|napisał|napsal\(a\)|napsal|пишет|пише|написал\(а\)|написал|написав|kirjoitti|írta|έγραψε|a\s+scris"
)
_WROTE_LINE_RE = re.compile(
    rf"^(?![ \t]*>)[^\n]{{0,300}}?\b(?:{_WROTE_VERBS})[^\n]{{0,80}}(?:\n[^\n]{{0,60}})?:[ \t]*$", re.M | re.I
)
# Gmail in some locales: "2016-03-03 17:21 GMT+01:00 Name <addr>:" with no verb at all.
_DATED_ATTRIBUTION_RE = re.compile(
    r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}[ ,][^\n]{0,200}(?:\n[^\n]{0,100})?[<>:][ \t]*$", re.M
)
_ATTRIBUTION_DETAIL_RE = re.compile(r"@|\d")
_WROTE_INTRO_RE = re.compile(r"^(?:on|am|le|el|il|op|em|den|dne|w dniu|в|у|the)\b", re.I)
_SEPARATOR_RE = re.compile(
    r"^[ \t>*]*(?:"
    r"-{2,}[ \t]*(?:original message|ursprüngliche nachricht|originalnachricht|message d'origine"
    r"|mensaje original|messaggio originale|oorspronkelijk bericht|mensagem original|původní zpráva"
    r"|oprindelig meddelelse|ursprungligt meddelande|wiadomość oryginalna|исходное сообщение"
    r"|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato"
    r"|doorgestuurd bericht|mensagem encaminhada|přeposlaná zpráva|vidarebefordrat meddelande"
    r"|пересылаемое сообщение|wiadomość przekazana dalej)[ \t]*-{2,}"
    r"|begin forwarded message:|anfang der weitergeleiteten nachricht:|début du message réexpédié\s?:"
    r"|inicio del mensaje reenviado:|inizio messaggio inoltrato:|begin doorgestuurd bericht:"
    r"|início da mensagem reencaminhada:|_{20,}|-{20,}"
    r")[ \t*]*$",
    re.M | re.I,
)
_HEADER_FIELD = (
    r"from|sent|date|to|subject|cc|von|gesendet|datum|an|betreff|de|envoyé|date|à|objet|enviado"
    r"|fecha|para|asunto|da|inviato|data|a|oggetto|van|verzonden|aan|onderwerp|em|assunto|od|komu"
    r"|předmět|odesláno|från|skickat|till|ämne|fra|sendt|til|emne|wysłano|do|temat|от|отправлено|кому|тема"
)
# An Outlook-style header block: "From:" followed within two lines by another header field.
_HEADER_BLOCK_RE = re.compile(
    r"^[ \t>*]*(?:from|von|de|da|van|od|från|fra|от)[ \t*]*:[^\n]*\n"
    rf"(?:[^\n]*\n)?[ \t>*]*(?:{_HEADER_FIELD})[ \t*]*:",
    re.M | re.I,
)
_QUOTED_LINE_RE = re.compile(r"^[ \t]*>.*$\n?", re.M)
_SIGNATURE_DASHES_RE = re.compile(r"^-- ?$", re.M)
_SENT_FROM_RE = re.compile(
    r"^[ \t(<]*(?:sent from (?:my|mail|windows|yahoo|mailbox|outlook)|sent (?:via|with) |get outlook for"
    r"|von meinem [^\n]{0,40}gesendet|gesendet von meinem|diese nachricht wurde von meinem|envoyé de mon"
    r"|envoyé depuis|enviado desde mi|enviado de mi|inviato da(?:l mio)? |verzonden (?:met|vanaf) mijn"
    r"|verzonden met |enviado do meu|enviado a partir do|skickat från min|wysłano z mojego|odesláno z)",
    re.M | re.I,
)
_FOOTER_RE = re.compile(
    r"(?:"
    # en
    r"confidentiality (?:notice|note|statement|disclaimer)"
    r"|this (?:e-?mail|message|communication|transmission)"
    r"[^.\n]{0,60}(?:is|are|may be|may contain|contains?)[^.]{0,40}(?:confidential|privileged)"
    r"|if you (?:have )?received this(?: (?:e-?mail|message|communication|transmission))?[^.]{0,20} in error"
    r"|(?:is|are) intended (?:solely|only|exclusively) for the (?:use of the )?(?:named )?"
    r"(?:addressee|recipient|individual|person)"
    r"|if you are not the (?:intended |named )?(?:recipient|addressee)"
    r"|(?:please )?notify the sender[^.]{0,40}\b(?:delete|destroy)"
    # de
    r"|diese (?:e-?mail|nachricht)[^.]{0,60}(?:enthält|kann|ist)[^.]{0,40}vertraulich"
    r"|(?:wenn|falls|sollten) sie (?:nicht der (?:richtige|vorgesehene|beabsichtigte|bestimmungsgemäße) "
    r"(?:adressat|empfänger)|diese (?:e-?mail|nachricht) (?:irrtümlich|versehentlich|fälschlicherweise))"
    r"|(?:ist|sind) ausschließlich für (?:den|die) [^.]{0,30}(?:adressat|empfänger)[^.]{0,10}bestimmt"
    r"|vertraulichkeitshinweis"
    # fr
    r"|ce (?:message|courriel|e-?mail)[^.]{0,60}(?:est|sont|peut contenir|contient)[^.]{0,40}confidenti"
    r"|si vous (?:avez reçu|recevez) ce (?:message|courriel|e-?mail) par erreur|avis de confidentialité"
    r"|(?:est|sont) (?:destinée?s? )?(?:exclusivement|uniquement) (?:destinée?s? )?(?:à|au|aux) "
    r"(?:son |ses |leurs? )?destinataire"
    r"|si vous n'êtes pas (?:le |la )?(?:destinataire|personne visée)"
    # es
    r"|este (?:mensaje|correo)[^.]{0,60}(?:es|son|puede contener|contiene)[^.]{0,40}confidencial"
    r"|si (?:usted )?(?:ha recibido|recibió) este (?:mensaje"
    r"|correo)[^.]{0,30}por error|aviso de confidencialidad"
    r"|(?:dirigido|destinado) (?:exclusiva|única)mente a (?:su |el |los )?destinatario"
    r"|si (?:usted )?no es (?:el )?destinatario"
    # it
    r"|quest[oa] (?:messaggio|e-?mail|comunicazione)[^.]{0,60}(?:è"
    r"|sono|può contenere|contiene)[^.]{0,40}riservat"
    r"|se (?:avete|ha) ricevuto quest[oa] (?:messaggio|e-?mail|comunicazione) per errore"
    r"|destinat[oaie] (?:esclusivamente|unicamente|solo) (?:al|ai|alla|alle) (?:destinatari|persona)"
    r"|se (?:non siete|non è|non sei|voi non siete|lei non è) (?:il|i) destinatari"
    # nl
    r"|dit (?:e-?mail)?bericht[^.]{0,60}(?:is|kan|bevat)[^.]{0,40}vertrouwelijk"
    r"|indien u dit (?:e-?mail)?bericht[^.]{0,30}(?:onterecht"
    r"|ten onrechte|per abuis|abusievelijk|per vergissing)"
    r"|(?:is|zijn) uitsluitend bestemd voor de (?:geadresseerde|ontvanger)"
    r"|(?:indien|als) u niet de (?:beoogde )?(?:geadresseerde|ontvanger) bent"
    r"|bent u niet de (?:beoogde )?(?:geadresseerde|ontvanger)"
    # pt
    r"|esta mensagem[^.]{0,60}(?:é|são|pode conter|contém)[^.]{0,40}confidencia"
    r"|se (?:você )?(?:recebeu|receber) esta mensagem (?:por engano"
    r"|por erro|indevidamente)|aviso de confidencialidade"
    r"|destina(?:-se|da|do) (?:exclusiva|única)mente (?:ao|aos|à) (?:seu |seus )?destinatário"
    r"|se (?:você )?não (?:for|é) o destinatário"
    r")",
    re.I,
)


def requester_text(body: str) -> str:
    """The new text at the top of a body, without quotes, forwards, signatures or footers."""
    text = body[:_MAX_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    text = _cut_at_history(text)
    text = _QUOTED_LINE_RE.sub("", text)
    text = _library_reply(text)
    text = _cut_signature(text)
    text = _cut_footer(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _cut_at_history(text: str) -> str:
    """Cut at the first reply attribution, forward marker or header block."""
    found = _first_history_start(text)
    if found is None:
        return text
    cut, is_attribution = found
    if text[:cut].strip():
        return text[:cut]
    if is_attribution:
        # Bottom-posting: the new text follows the attribution and its quote.
        rest = text[text.find("\n", cut) + 1 :] if "\n" in text[cut:] else ""
        rest = _QUOTED_LINE_RE.sub("", rest)
        return _cut_at_history(rest) if rest.strip() else ""
    # Nothing was written above a forward marker: the forwarded message is what the sender means.
    return _forwarded_body(text[cut:])


def _first_history_start(text: str) -> tuple[int, bool] | None:
    """Where the history starts, and whether it starts with a reply attribution."""
    starts: list[tuple[int, bool]] = []
    for pattern in (_WROTE_LINE_RE, _DATED_ATTRIBUTION_RE):
        for match in pattern.finditer(text):
            if _is_attribution(text, match.start(), match.end()):
                starts.append((_attribution_start(text, match.start()), True))
                break
    for pattern in (_SEPARATOR_RE, _HEADER_BLOCK_RE):
        marker = pattern.search(text)
        if marker:
            starts.append((marker.start(), False))
    return min(starts) if starts else None


def _is_attribution(text: str, start: int, end: int) -> bool:
    """A real attribution names an address or is followed by a quote; 'I wrote to you:' is neither."""
    if "@" in text[max(0, start - 200) : end]:
        return True
    following = text[end : end + 400].lstrip("\n \t")
    return following.startswith(">")


def _attribution_start(text: str, line_start: int) -> int:
    """Attributions wrap over up to three lines: 'Le 4 janv. 2016, "Jane"' / '<jane@x.org>' / 'a écrit :'."""
    start = line_start
    for _ in range(2):
        line = text[start : start + _line_len(text, start)].strip()
        if start == 0 or _WROTE_INTRO_RE.match(line) or line[:1].isdigit():
            return start
        previous_start = text.rfind("\n", 0, start - 1) + 1
        if not text[previous_start : start - 1].strip():
            return start
        start = previous_start
    line = text[start : start + _line_len(text, start)].strip()
    return start if _WROTE_INTRO_RE.match(line) or line[:1].isdigit() else line_start


def _line_len(text: str, start: int) -> int:
    end = text.find("\n", start)
    return (end if end >= 0 else len(text)) - start


def _forwarded_body(history: str) -> str:
    """The body of a forwarded message: what follows its first blank line after the header block."""
    lines = history.split("\n")
    for index, line in enumerate(lines[1:], start=1):
        if not line.strip():
            rest = "\n".join(lines[index + 1 :])
            return _cut_at_history(rest)
    return ""


def _library_reply(text: str) -> str:
    """mailparser-reply's view of the latest reply: its per-language headers, signatures and disclaimers."""
    if not text.strip():
        return ""
    long_lines: list[str] = []

    def hide(line: re.Match[str]) -> str:
        long_lines.append(line.group(0))
        return f"PRIVACYDESKLINE{len(long_lines) - 1}X"

    def restore(placeholder: re.Match[str]) -> str:
        index = int(placeholder.group(1))
        return long_lines[index] if index < len(long_lines) else placeholder.group(0)

    shown = _LONG_LINE_RE.sub(hide, text)
    message: Any = EmailMessage(text=shown, languages=list(_PARSER_LANGUAGES), keep_hyphen_lists=True)
    replies = message.read().replies
    body = _PLACEHOLDER_RE.sub(restore, str(replies[0].body)) if replies else ""
    return body if body.strip() else text


def _cut_signature(text: str) -> str:
    """Cut at '-- ' or a 'Sent from my phone' line, when something is written above it."""
    for pattern in (_SIGNATURE_DASHES_RE, _SENT_FROM_RE):
        match = pattern.search(text)
        if match and text[: match.start()].strip():
            text = text[: match.start()]
    return text


def _cut_footer(text: str) -> str:
    """Cut a confidentiality footer: from the start of its paragraph, if the requester wrote above it."""
    match = _FOOTER_RE.search(text)
    if not match:
        return text
    paragraph_start = text.rfind("\n\n", 0, match.start())
    start = paragraph_start + 2 if paragraph_start >= 0 else 0
    if not text[:start].strip():
        start = text.rfind("\n", 0, match.start()) + 1
    return text[:start]
