"""Phrases that ask for each privacy right, in en, de, fr, es, it, nl, pt (and core verbs of a few more).

Patterns are matched case-insensitively against the requester's own text. `ASKS` patterns can be
negated by the words just before them ("do NOT delete"); `REFUSES` patterns already contain the
negation that makes them a request ("do not sell"), so negation does not cancel them.
"""

# Phrase tables read best one phrase per line, however long the phrase.
# ruff: noqa: E501

from privacydesk.models.rights import Right

# A gap inside one sentence, short enough to keep the words related (shared with lexicon_context).
GAP = r"[^.!?;\n]{0,40}?"
GAP60 = r"[^.!?;\n]{0,60}?"
_G = GAP
_G60 = GAP60
# Consent sentences carry abbreviations ("Art. 6 Abs. 1 lit. a"), so their gap may cross periods.
_GC = r"[^\n]{0,120}?"

# What people ask to stop: marketing channels and formats, per language.
_MARKETING_EN = (
    r"(?:newsletters?|promo\w*|marketing|ads|adverts?|advertis\w*|offers|deals|spam|mailings?|e-?mails|texts"
    r"|sms|calls|catalog(?:ue)?s?|junk mail|flyers|leaflets|brochures|notifications)\b"
)
_MARKETING_DE = r"(?:Werbung|Werbe\w*|Newsletter\w*|Marketing\w*|Kataloge?|Prospekte|Angebote|SMS|Anrufe|E-?Mails|Mails)\b"
_MARKETING_FR = (
    r"(?:newsletters?|lettres? d'information|pub\w*|promo\w*|offres|sms|appels|mails|e-?mails|courriels|envois"
    r"|prospection|démarchage|marketing|catalogues?)\b"
)
_MARKETING_ES = (
    r"(?:newsletters?|boletín|boletines|publicidad|publicitari\w*|promocion\w*|ofertas|sms|llamadas|correos"
    r"|e-?mails|mensajes|comunicaciones comerciales|marketing|catálogos?)\b"
)
_MARKETING_IT = (
    r"(?:newsletter|pubblicit\w*|promozion\w*|offerte|sms|chiamate|telefonate|e-?mail|messaggi|comunicazioni"
    r" commerciali|marketing|cataloghi|volantini)\b"
)
_MARKETING_NL = (
    r"(?:nieuwsbrie\w*|reclame\w*|aanbieding\w*|promoties?|sms\w*|telefoontjes|e-?mails?|mails?|berichten"
    r"|marketing\w*|folders?)\b"
)
_MARKETING_PT = (
    r"(?:newsletters?|publicidade|publicitári\w*|promoç\w*|promocion\w*|ofertas|sms|chamadas|ligações|e-?mails"
    r"|mensagens|marketing|catálogos?)\b"
)
# Details of a person that change or are recorded wrongly, per language.
_DETAIL_DE = (
    r"(?:Adresse|Anschrift|(?:Nach|Vor|Familien)?name|E-?Mail(?:-?Adresse)?|Mailadresse|Telefonnummer"
    r"|Handynummer|Mobilnummer|Nummer|Bankverbindung|IBAN|Geburtsdatum)"
)
_DETAIL_EN = (
    r"(?:(?:e-?mail|postal|home|billing|delivery|shipping) address|address|e-?mail|(?:sur|last |first |family "
    r"|maiden )?name|(?:phone|mobile|telephone|cell|contact) number|phone|mobile|number|date of birth|birthday"
    r"|details)\b(?! (?:preferences|settings|subscriptions?|notifications|list))"
)
_DETAIL_FR = (
    r"(?:adresse(?: postale| e-?mail)?|nom(?: de famille)?|e-?mail|numéro(?: de téléphone)?|téléphone)"
)
_DETAIL_ES = r"(?:dirección|nombre|apellidos?|correo(?: electrónico)?|e-?mail|teléfono|número|móvil)"
_DETAIL_IT = r"(?:indirizzo(?: e-?mail)?|nome|cognome|e-?mail|numero(?: di telefono)?|telefono|cellulare)"
_DETAIL_NL = (
    r"(?:adres|naam|achternaam|voornaam|e-?mail(?:adres)?|telefoonnummer|mobiele nummer|nummer|geboortedatum)"
)
_DETAIL_PT = r"(?:endereço|morada|nome|apelido|sobrenome|e-?mail|telefone|número|telemóvel|celular)"
# Personal data as an object of removal, in English.
_MY_DATA_EN = (
    r"(?:my|all(?: of)? my|all|any|every) (?:personal |private )?(?:data|info|information|details|account|profile"
    r"|records?|stuff|everything|email address|phone number)"
)

# What a request noun must point to within its sentence to be about the requester's data ("the deletion
# of my account", "la cancellazione del mio profilo"); never to "an account" that may exist ("the objection
# will lead to the deletion of an account I may have with you").
_MY_THINGS = (
    r"(?!\s+(?:of |de |di |van |da |do |von |d')?(?:an?|un[ao]?|een|ein\w*|um|uma|any|une?)\b)"
    r"(?=[^.!?;\n]{0,40}?\b(?:my|mine|all|me|meine[mnrs]?|mich|mir|alle[rs]?|sämtliche\w*|mes|mon|ma|moi|toutes"
    r"|tous|l'ensemble|mis|mi|mí|todos|todas|toda|miei|mio|mia|mie|me|tutti|tutte|mijn|mij|al|alle|meus|meu"
    r"|minha|minhas|mim|tod[oa]s?|tudo|data|daten|données|datos|dati|gegevens|dados|informa\w*|infos?"
    r"|account|konto|compte|cuenta|profil\w*|conta|cadastro|registo)\b)"
)
# A transfer of data (for withdrawn consent to it, which is a sharing opt-out, not marketing).
_TRANSFER = (
    r"(?:transfer\w*|shar\w*|disclos\w*|pass\w* on|Weitergabe|Übermittlung|weiterzugeben|weitergeben"
    r"|cession|céder|transmission|transmettre|partage\w*|communication à|cesi[óo]n|ceder|cedan|cedáis"
    r"|compart\w*|comunicaci[óo]n a|transferencia|cessione|cedere|condivi\w*|comunicazione a|trasferiment\w*"
    r"|doorgifte|doorgeven|delen|verstrekking|verstrekken|cessão|partilha\w*|compartilhament\w*|repass\w*)"
)
# Ends a consent phrase: the withdrawn consent is not to a transfer of data.
_NOT_TO_A_TRANSFER = rf"(?![^.!?;\n]{{0,25}}?\b{_TRANSFER})"

# Verbs that make "to whom did you pass my data" a question the requester wants answered.
_KNOW = (
    r"\b(?:tell|know|inform|show|let me|mit|wissen|erfahren|savoir|dites|indiquez|saber|indicar|sapere|dite"
    r"|indicate|weten|vertel|laat|informe|diga)\w*"
)


def _asked(phrase: str) -> str:
    """A phrase that only asks for information when a knowing verb precedes it or a '?' ends it."""
    return rf"(?:{_KNOW}[^.!?;\n]{{0,40}}?{phrase}|{phrase}[^.!?\n]{{0,60}}\?)"


THIRD_PARTIES = (
    r"(?:third[- ]part\w*|partners?|sponsors?|advertisers?|other (?:companies|firms|businesses)|affiliates|anyone"
    r"|(?:other )?(?:group|sister) companies|Konzern\w*|sociétés du groupe|empresas del grupo|società del gruppo"
    r"|groepsmaatschappijen|empresas do grupo"
    r"|Dritte\w*|andere (?:Firmen|Unternehmen)|Partner\w*|Werbe\w*|tiers|partenaires|terceros|otras empresas"
    r"|colaborador\w*|terzi|partner|derden|andere bedrijven|adverteerders|terceiros|parceiros|outras empresas)"
)

ASKS: dict[Right, tuple[str, ...]] = {
    Right.ACCESS: (
        # en
        r"\b(?:subject|data|personal data)[- ]access request",
        r"\bright (?:of|to) access\b",
        r"\bright to know\b",
        r"\baccess request\b",
        r"\brequest(?:ing)? access\b",
        r"\baccess to (?:all )?(?:of )?(?:my|the) (?:personal )?(?:data|information)",
        r"\b(?:a|an|full|complete|free) cop(?:y|ies) of\b",
        # a copy, as a noun in every language: "une copie de l'ensemble de mes données", "een kopie van alle gegevens"
        r"\b(?:une|una|uma|eine|een) (?:copie|copia|c[óo]pia|kopie)\b(?=[^.!?;\n]{0,40}?\b(?:données|datos|dati|dados|daten"
        r"|gegevens|informa\w*|infos?|tout|todo|tutto|alles|tudo)\b)",
        r"\bcop(?:y|ies) of (?:all|my|everything|any)\b",
        r"\b(?:send|give|provide|email|mail)(?: me| us)? (?:with )?(?:a |an )?(?:full |complete )?cop(?:y|ies)\b",
        rf"\bwhat (?:personal |private )?(?:data|info(?:rmation)?|details)\b{_G}\b(?:you|u)\b",
        rf"\bwhat\b(?: \w+){{0,3}}? (?:you|u|ya) (?:have|hold|store|keep|know|process|collect|retain|got)\w*\b{_G}"
        r"\b(?:on file|about me|on me|of me|on record|regarding me|concerning me)\b",
        _asked(
            rf"\b(?:which|what|whom|who)\b{_G}\b(?:third[- ]part\w*|recipients|companies|partners)\b{_G}"
            r"\b(?:shared|disclosed|sold|passed|given|transferred|sent)\b"
        ),
        _asked(r"\b(?:an welche|welche) (?:Empfänger|Dritte\w*|Firmen|Unternehmen|Stellen)\b"),
        _asked(rf"\bà qui\b{_G}\b(?:transmis|communiqué|partagé|vendu|donné|cédé)\b"),
        _asked(rf"\ba quién\w*\b{_G}\b(?:cedido|comunicado|compartido|vendido|pasado|transferido)\b"),
        _asked(rf"\ba chi\b{_G}\b(?:comunicat|cedut|condivis|vendut|passat|trasferit)\w*"),
        _asked(rf"\baan wie\b{_G}\b(?:doorgegeven|gedeeld|verkocht|verstrekt)\b"),
        _asked(rf"\b(?:com|a) quem\b{_G}\b(?:compartilh|partilh|repass|vend|cedid|transferi)\w*"),
        # de
        r"\b\w*auskunft\w*",
        rf"\bwelche (?:personenbezogenen |persönlichen |gespeicherten )?(?:Daten|Informationen|Infos)\b{_G60}"
        r"\b(?:über mich|von mir|zu meiner Person|mich betreffend)",
        rf"\bwas\b{_G}\büber mich\b{_G}\b(?:gespeichert|habt|haben|speichert|speichern|wisst|wissen)",
        rf"\bwas (?:habt|haben|speichert|speichern|wisst|wissen|verarbeitet|verarbeiten)\b{_G}\büber mich\b",
        rf"\b(?:schick|send|zusend|übermitt|bekomm|erhalt|stellen Sie mir|möchte|hätte)\w*\b{_G}\bKopie\b",
        r"\bKopie (?:aller |meiner |der |sämtlicher )?(?:personenbezogenen |persönlichen |gespeicherten )?Daten",
        # fr
        r"\bdroit d'accès\b",
        r"\bdemande d'accès\b",
        r"\baccès à (?:mes|toutes mes|l'ensemble de mes) (?:données|informations)",
        r"\bcopie (?:de |des )?(?:toutes )?(?:mes|les) (?:données|informations|infos)",
        rf"\b(?:savoir|connaître|avez|détenez|possédez|conservez|traitez)\b{_G}\b(?:données|infos|informations)\b"
        rf"{_G}(?:sur moi|me concernant|à mon sujet)",
        rf"\b(?:données|infos|informations)\b{_G}\bque vous (?:avez|détenez|possédez|conservez|traitez)\b",
        rf"\bquel(?:le)?s (?:données|informations|infos)\b{_G}(?:sur moi|me concernant|à mon sujet"
        r"|vous (?:avez|détenez|possédez|conservez|traitez|stockez|gardez))",
        rf"\bce que vous (?:avez|savez|détenez|possédez|conservez|stockez|gardez)\b{_G}(?:sur moi|me concernant|à mon sujet)",
        # es
        r"\bderecho (?:de|a) acceso\b",
        r"\bacceso a (?:todos )?(?:mis|los) datos",
        r"\bcopia de (?:todos )?(?:mis|los) datos",
        rf"\b(?:qu[ée]|q|k|cu[áa]les) (?:datos|información|informacion|info)\b{_G}\b(?:tenéis|teneis|tienen|tienes|tenés|guardáis"
        r"|guardan|tratáis|tratan|de m[íi]|m[íi]os|sobre m[íi])",
        rf"\blo que (?:tenéis|teneis|tienen|sabéis|saben|guardáis|guardan)\b{_G}\b(?:de mí|sobre mí)",
        # it
        r"\bdiritto di accesso\b",
        r"\baccesso ai (?:miei )?dati",
        r"\brichiesta di accesso\b",
        r"\bcopia (?:dei|di tutti i) (?:miei )?dati",
        rf"\b(?:ricever|aver|invia|otten|chied|chiedo)\w*\b{_G}\bcopia\b",
        rf"\b(?:quali|che|ke) (?:dati|informazioni|info)\b{_G}\b(?:su di me|di me|avete|trattate|conservate|possedete"
        r"|mi riguardano)",
        rf"\bcosa (?:avete|sapete|conservate|trattate)\b{_G}\bsu di me\b",
        # nl
        r"\binzage\w*",
        r"\bkopie van (?:al )?(?:mijn|de) (?:persoons)?gegevens",
        rf"\bwelke (?:persoons)?(?:gegevens|informatie)\b{_G}\b(?:van mij|over mij|hebben|verwerkt|bewaren|heeft)",
        rf"\bwat\b{_G}\b(?:over|van) mij\b{_G}\b(?:hebben|heeft|weten|weet|bewaren|bewaart|verwerken|verwerkt|opgeslagen|vastgelegd)\b",
        rf"\bwat\b{_G}\b(?:hebben|heeft|weten|weet|bewaren|bewaart|verwerken|verwerkt)\b{_G}\b(?:over|van) mij\b",
        # pt
        r"\bdireito de acesso\b",
        r"\bacesso (?:aos|a todos os) (?:meus )?dados",
        r"\bpedido de acesso\b",
        r"\bc[óo]pia d(?:os|e todos os) (?:meus )?dados",
        rf"\b(?:quais|que|q) (?:dados|informações|informacoes|info)\b{_G}\b(?:sobre mim|têm|tem|possuem|guardam|de mim)",
        rf"\bo que (?:vocês |vcs )?(?:têm|tem|sabem|guardam|possuem)\b{_G}\bsobre mim\b",
        # cs, hr, el, sv, ro, pl, bg, zh, ja: the core nouns
        r"\bpřístup k osobním",
        rf"\bpristup\b{_G}\bpodac\w*",
        r"πρόσβαση",
        r"\bregisterutdrag\b",
        rf"\baccesul\b{_G}\bdate\w*|\bcopie a (?:tuturor )?datelor\b",
        r"\bdostęp(?:u)? do (?:moich )?danych",
        rf"\b(?:копие|достъп)\b{_G}\b(?:ми данни|моите (?:лични )?данни)",
        r"数据的副本|信息的副本|开示|開示を請求|個人情報の写し",
    ),
    Right.PORTABILITY: (
        r"\bportab\w*",
        r"\bportabil\w*",
        r"\b(?:daten)?übertragbarkeit\b",
        r"přenositelnost|prenosivost|φορητότητα|dataportabilitet|przenoszenia danych",
        r"\bmachine[- ]readable\b",
        r"\bmaschinenlesbar\w*",
        r"\blisible par (?:une )?machine\b",
        r"\blegible por (?:una )?máquina\b",
        r"\bleggibile da (?:un )?(?:dispositivo automatico|macchina)\b",
        r"\bmachineleesbaar\w*",
        r"\bleg[íi]vel por máquina\b|\bleitura automática\b|\bleitura por máquina\b",
        r"\bstrojově čitelném|strojno čitljiv|μηχανικά αναγνώσιμο|maskinläsbar\w*|citit automat",
        r"\bstructured,? commonly[- ]used\b",
        r"\b(?:csv|json|xml)\b",
        r"\bexport\w*|\besporta\w*",
        r"\b(?:data|information) (?:that |which )?I (?:have )?provided\b",
        r"\bvon mir bereitgestellten\b|\bque je vous ai fournies\b|\bche vi ho fornito\b|\bdie ik u heb verstrekt\b",
        rf"\b(?:transmit|transfer|send|move|port|upload)\w*\b{_G60}\bto (?:my |the |a )?(?:new|another|different|other)\b"
        r"(?! (?:e-?mail |postal |home )?address)",
        r"\b(?:switch|mov)\w* to (?:a |an )?(?:new |another |different |diff |other )\w*\b",
        rf"\b(?:übermitt|übertrag|schick|send|import)\w*\b{_G60}\b(?:an|zu|bei) (?:meinen|meine|einen|einem) "
        r"(?:neue[nmr]?|andere[nmr]?)\b",
        rf"\b(?:switche|wechsle|wechsel)\w*\b{_G}\b(?:anderen|neuen)\b",
        rf"\btrasmess\w*\b{_G}\b(?:al|a un) (?:mio )?(?:nuovo|altro)\b",
        r"\boverzetten\b|\boverstap\w*|\bstap\w* over\b",
        rf"\b(?:pasad|pasar|enviad|enviar|transferir|transmitir|llevar)\w*\b{_G60}\ba (?:mi |la |una |otra )?(?:nueva|otra)\b",
        rf"\b(?:levar|transferir|passar|portar)\b{_G}\b(?:pra|para) (?:outr[oa]|o novo|a nova|um novo|uma nova)\b",
    ),
    Right.RECTIFICATION: (
        # en
        r"\brectif\w*",
        r"\bcorrect (?:it|this|them|my|the|that|these|those)\b",
        r"\bfix (?:it|this|my|the|that)\b",
        r"\bupdate (?:my|it|the|your records)\b",
        r"\b(?:is|are|was|were|it's) (?:wrong|incorrect|inaccurate|outdated|out of date|misspel\w*|out-of-date)\b",
        r"\b(?:spelt|spelled|written) (?:wrong|incorrectly)\b|\bmisspel\w*",
        r"\bI(?:'ve| have)? moved\b",
        r"\bnew (?:address|surname|last name|phone number)\b",
        r"\bmy (?:email|e-mail|address|name|surname|phone number|number|details)(?: address)? (?:has |have |just )*changed\b",
        r"\bchanged my (?:name|surname|address|email)\b",
        rf"\bmy {_DETAIL_EN}{_G}\b(?:updated|corrected|changed|fixed|amended|adjusted)\b",
        r"\b(?:have|has|got|spelled|spelt) (?:my|the) (?:\w+ ){0,2}?(?:wrong|incorrect)\b",
        r"\b(?:update|correction|amendment|change) (?:of|to) my (?:\w+ )?(?:address|name|surname|email|e-mail|number|details|data)\b",
        r"\b(?:adjust|amend) (?:it|this|that|my|the record)\b",
        # de
        r"\bberichtig\w*",
        r"\bkorrigier\w*",
        r"\b(?:ist|sind) (?:falsch|fehlerhaft|unrichtig|veraltet|nicht korrekt|nicht richtig)\b",
        r"\bfalsch (?:gespeichert|geschrieben|hinterlegt)\b",
        r"\bumgezogen\b",
        r"\bneue (?:Anschrift|Adresse|E-Mail-Adresse|E-Mail|Telefonnummer|Nummer)\b",
        rf"\b(?:aktualisier|änder|update|korrigier)\w*\b{_G}\b(?:Name\w*|Nachname\w*|Adresse|Anschrift|E-Mail\w*|Telefonnummer)",
        rf"\b(?:meine?|unsere?) {_DETAIL_DE}\b{_G}\b(?:hat sich geändert|geändert|ist neu|stimmt nicht|lautet jetzt)",
        r"\b(?:ändern|aktualisieren|korrigieren|berichtigen) Sie (?:sie|es|das|ihn|diese|dies)\b",
        rf"\bAktualisierung\b{_MY_THINGS}",
        rf"\b(?:meine?|unsere?) {_DETAIL_DE}\b{_G}\b(?:aktualisier|korrigier|änder)\w*",
        # fr (with nl and pt: corriger, corrigeren, corrigir)
        r"\bcorrig\w*",
        r"\b(?:est|sont) (?:erroné|inexact|incorrect|faux|fausse)\w*",
        r"\binexacte?s?\b|\berronée?s?\b",
        r"\bj'?ai déménagé\b",
        r"\bmett(?:re|ez)(?:-(?:la|le|les))? (?:à|a) jour\b",
        r"\bmodifier mon (?:adresse|nom|e-?mail|numéro)\b|\bnouvelle adresse\b",
        rf"\b(?:mon|ma) {_DETAIL_FR}\b{_G}\b(?:a changé|change|n'est plus (?:la|le) (?:même|bon|bonne)|(?:soit |être )?mise? à jour"
        r"|(?:soit |être )?corrigée?|mal (?:orthographié|écrit|saisi|enregistré)e?)",
        rf"\bmise à jour\b{_MY_THINGS}",
        r"\b(?:pouvez|pourriez)[- ]vous (?:le|la|les|l') ?(?:modifier|changer)\b",
        # es
        r"\brectific\w*",
        r"\bcorregi\w*|\bcorrij\w*|\bcorrecci[óo]n\b",
        r"\b(?:está|están|es) (?:mal|incorrect\w*|equivocad\w*|erróne\w*)\b",
        r"\bme he mudado\b",
        rf"\bactualiz\w*\b{_G}\b(?:mi|mis)\b",
        r"\b(?:actualiz|actualíc|cambi|cámbi)\w*l[oa]s?\b",
        r"\bnueva dirección\b",
        rf"\bmis? {_DETAIL_ES}\b{_G}\b(?:ha cambiado|han cambiado|ya no es|actualizad[oa]s?|corregid[oa]s?|mal escrit[oa]s?)",
        rf"\bactualizaci[óo]n\b{_MY_THINGS}",
        # it
        r"\brettific\w*",
        r"\bcorregg\w*|\bcorrezion\w*",
        r"\b(?:è|sono) (?:sbagliat\w*|errat\w*|inesatt\w*|scritt\w* male)\b|\bscritt[oa] male\b",
        r"\bho cambiato (?:casa|indirizzo|numero)\b",
        rf"\baggiorna\w*\b{_G}\b(?:il mio|i miei|la mia|le mie)\b",
        r"\b(?:aggiornat|aggiornar|modificat|modificar|cambiat|cambiar)\w*l[oaie]\b",
        rf"\b(?:il mio|la mia|i miei|le mie) {_DETAIL_IT}\b{_G}\b(?:è cambiat\w*|è variat\w*|sono cambiat\w*|non è più"
        r"|aggiornat\w*|corrett\w*)",
        rf"\baggiornamento\b{_MY_THINGS}",
        r"\bsistem(?:ar|at)e?l[oaie]\b",
        # nl
        r"\b(?:is|zijn) (?:verkeerd|onjuist|fout|niet juist)\w*",
        r"\bverkeerd gespeld\b|\bklopt niet\b",
        r"\bverhuisd\b",
        rf"\bwijzig\w*\b{_G}\b(?:adres|naam|e-?mail\w*|telefoonnummer)",
        rf"\b(?:adres|naam|achternaam|e-?mail\w*|telefoonnummer|gegevens)\b{_G}\b(?:wijzigen|aanpassen|corrigeren|bijwerken)\b",
        rf"\bpas (?:het|dit|dat|deze|die)\b{_G}\baan\b|\b(?:wijzig|verbeter) (?:het|dit|dat|deze|die)\b",
        rf"\bmijn {_DETAIL_NL}\b{_G}\b(?:is|zijn) (?:gewijzigd|veranderd|anders|niet meer)",
        rf"\bmijn {_DETAIL_NL}\b{_G}\b(?:staat|staan) (?:\w+ )?(?:verkeerd|fout|onjuist)",
        r"\b(?:dat|dit|het|deze|die) (?:even )?(?:aanpassen|wijzigen|corrigeren|verbeteren|bijwerken|rechtzetten)\b",
        rf"\b(?:bijwerken|aanpassen|wijzigen|wijziging|aanpassing|corrigeren) van mijn (?:{_DETAIL_NL}|gegevens)\b",
        # pt
        r"\bretific\w*",
        r"\bcorreção\b",
        r"\b(?:está|estão) (?:errad\w*|incorret\w*|desatualizad\w*)\b|\b(?:cadastrad|registad|gravad)[oa]s? errad[oa]s?\b",
        rf"\batualiz\w*\b{_G}\b(?:meu|minha|meus|minhas|pro novo|para o novo)\b",
        r"\bmudei de (?:casa|endereço|morada)\b",
        r"\batualiz\w*-(?:n?[oa]s?|lo|la|los|las)\b",
        rf"\b(?:o meu|a minha|meu|minha|meus|minhas) {_DETAIL_PT}\b{_G}\b(?:mudou|mudaram|foi alterad\w*|está errad\w*|já não é"
        r"|escrit[oa] errad[oa]|atualizad[oa]|corrigid[oa])",
        rf"\batualização\b{_MY_THINGS}",
        rf"\b(?:alter|mud)\w*\b{_G}\b(?:o meu|a minha|meu|minha) {_DETAIL_PT}\b",
        # cs, hr, el, sv, ro, pl
        r"\bopravu\b|\bispravljanje\b|διορθώσ\w*|\brättelse\b|\bsprostowani\w*",
    ),
    Right.ERASURE: (
        # en
        r"\b(?:delete|deleten|erase|wipe|purge)\b",
        rf"\b(?:remove|get rid of|destroy|clear) {_MY_DATA_EN}\b",
        r"\b(?:close|terminate|deactivate|cancel) (?:my|the) (?:\w+ )?account\b",
        r"\bright to (?:erasure|be forgotten|deletion)\b",
        r"\b(?:erasure|deletion) request\b",
        r"\brequest(?:ing)? (?:the )?(?:immediate |permanent |complete )?(?:erasure|deletion)\b",
        r"\bforget me\b",
        rf"\b(?:deletion|erasure|removal)\b{_MY_THINGS}(?! (?:from|of) (?:your |the |my )?(?:mailing |e-?mail |contact )?list)",
        # de
        r"\blösch(?:en|e|t|te|st)\b",
        r"\bLöschung\b(?=[^.!?;\n]{0,30}\b(?:meine\w*|mich|aller|sämtliche\w*|personenbezogene\w*|Daten|Kontos?|Accounts?))",
        r"\b(?:Daten|Konto|Account|Profil)\b[^.!?;\n]{0,20}\bentfernen\b",
        r"\bRecht auf Vergessen\w*",
        rf"\b(?:schließ|kündig|auflös|deaktivier)\w*\b{_G}\b(?:mein|meinen|das|mein \w+)? ?(?:\w*konto|account|profil)\b",
        rf"\b(?:\w*konto|account|profil)\b{_G}\b(?:schließen|kündigen|auflösen|deaktivieren)\b",
        # fr
        r"\bsupprim(?:er|ez|iez|e|ions)\b",
        r"\beffac(?:er|ez|iez|e)\b",
        r"\b(?:suppression|effacement)\b(?=\s*(?:de|des|du|d')\s*(?:mes|mon|ma|toutes|tous|l'ensemble|compte|données|informations))",
        r"\bdroit (?:à|a) l'oubli\b",
        r"\b(?:ferm|clôtur|clotur|résili|désactiv)\w* (?:de )?(?:mon|le) compte\b",
        # es
        r"\bborr(?:ar|en|ad|éis|eis|e|es)\b",
        r"\bsuprim(?:ir|an|id|a|áis)\b",
        r"\belimin(?:ar|en|ad|e|éis|es)\b",
        rf"\b(?:supresi[óo]n|eliminaci[óo]n|borrado)\b{_MY_THINGS}|\bcancelaci[óo]n de (?:mi|la) cuenta\b",
        r"\b(?:cerr|cierr|cancel|d[ae]r? de baja)\w* (?:mi|la) cuenta\b",
        r"\bborrando (?:todo|mis)\b",
        r"\bderecho al olvido\b",
        # it
        r"\bcancell(?:are|ate|atemi|ami|armi|ali|arli|arla|arlo|atela|atelo|atele|ateli|i|ino)\b",
        r"\belimin(?:are|ate|atemi|arli|arla|atelo|atela)\b",
        rf"\b(?:cancellazione|eliminazione|rimozione)\b{_MY_THINGS}",
        r"\bcancell(?:ando|atel[oaie]|andol[oaie])\b",
        r"\b(?:chiud|disattiv)\w* (?:il mio |l'|l’)?(?:account|profilo|conto)\b",
        r"\brimuov(?:ere|ete)\b",
        r"\bdiritto all'oblio\b",
        # nl
        r"\bverwijder(?:en|t)?\b",
        rf"\bverwijdering\b{_MY_THINGS}",
        r"\b(?:sluit|opheffen|ophef|beëindig)\w* (?:\w+ )?(?:mijn|het) (?:\w+)?account\b|\baccount (?:\w+ )?(?:opheffen|sluiten)\b",
        r"\bvergeten te worden\b",
        # pt
        r"\bapag(?:ar|uem|ue|em|ado)\b",
        r"\bexclu(?:ir|am|a)\b",
        r"\belimin(?:ar|em|e)\b",
        rf"\b(?:eliminação|exclusão|apagamento|remoção)\b{_MY_THINGS}",
        r"\b(?:encerr|fech|cancel|desativ)\w* (?:a |a minha |minha |o meu |meu )(?:conta|cadastro|registo)\b",
        r"\bapagando (?:tudo|os meus|meus)\b",
        # cs, hr, el, sv, ro, pl, bg, zh, ja
        r"\bvymaz\w*|\bvýmaz\w*|\bbrisanj\w*|\bizbri\w*|διαγραφ\w*|διαγράψ\w*|\brader(?:a|ing)\w*",
        r"\bșterg\w*|\bştergere\w*|\busunię\w*|\busun\w*|\bизтрива\w*|\bизтри\w*|删除|削除",
    ),
    Right.MARKETING_OPT_OUT: (
        # en
        r"\bunsubscrib\w*",
        r"\bopt(?:[- ])?out of (?:all |any |your |the )?(?:marketing|newsletter|promotional|advertising|e-?mails|mailings|mailing)",
        r"\b(?:remove|take) me (?:off|from)\b",
        r"\bstop (?:sending|emailing|e-mailing|texting|calling|mailing|contacting|spamming)\b",
        rf"\b(?:stop|end|cancel|quit|halt|no more)\b(?: (?:the|your|ur|all|these|those|any|of|my|with|receiving|getting))* (?:\w+ )?{_MARKETING_EN}",
        r"\bopt (?:me|us) out\b",
        r"\b(?:e-?mails?|mails?|messages|texts|newsletters?|offers|deals|promos?|marketing|calls|ads)\b.{0,12}\bto stop\b",
        rf"\b(?:I|we) (?:hereby )?(?:object|am objecting)\b{_G60}\b(?:processing|use|marketing|advertising|profiling)\b",
        rf"\bobjection\b{_G}\b(?:direct marketing|marketing|advertising)\b",
        rf"\bwithdraw\w*\b{_GC}\bconsent\b{_NOT_TO_A_TRANSFER}",
        rf"\b(?:revok|withdraw)\w* (?:my |said |that |any |all )?consent\b{_NOT_TO_A_TRANSFER}",
        rf"\bcancel\w* (?:my |the |your )?subscription\b{_G}\b(?:newsletter|mailing|e-?mails|marketing|list|offers)",
        # de
        r"\babbestell\w*",
        r"\babmeld\w*",
        r"\btragen Sie mich\b[^.!?;\n]{0,40}\baus\b|\baustragen\b",
        rf"\b(?:nehm|streich|entfern)\w* (?:Sie |ihr )?mich\b{_G}\b(?:aus|von)\b{_G}\b(?:Verteiler\w*|Liste\w*|Newsletter\w*|Mailing\w*|Werbe\w*)",
        rf"\b(?:stopp|beend|einstell)\w*\b{_G}\b{_MARKETING_DE}|\b{_MARKETING_DE}{_G}\b(?:stoppen|einstellen|beenden)\b",
        rf"\bWiderspruch\b{_GC}\b(?:Werb\w*|Direktwerbung|Marketing|Verarbeitung|Profiling)",
        rf"\bwiderspreche\w*\b{_G60}\b(?:Werb\w*|Direktwerbung|Marketing|Verarbeitung|Nutzung|Profiling)",
        rf"\bwiderrufe\w*\b{_G60}\bEinwilligung\b{_NOT_TO_A_TRANSFER}",
        rf"\bEinwilligung\b{_NOT_TO_A_TRANSFER}{_GC}\bwiderrufe\w*",
        rf"\bWiderruf\w* (?:meiner|der) Einwilligung\b{_NOT_TO_A_TRANSFER}",
        # fr
        r"\bd[ée]sinscri\w*|\bd[ée]sabonn\w*",
        r"\bretirez[- ]moi de\b|\bme retirer de\b",
        rf"\bje m'oppose\b{_G60}\b(?:prospection|marketing|publicit\w*|traitement|profilage)",
        rf"\bopposition\b{_G}\b(?:prospection|marketing|publicit\w*)",
        rf"\b(?:retir|révoqu)\w*\b{_G}\bconsentement\b{_NOT_TO_A_TRANSFER}",
        rf"\b(?:arr[êe]t\w*|stoppez)\b{_G}\b{_MARKETING_FR}",
        r"\barr[êe]t\w* de (?:m'|me |nous )?(?:envoyer|contacter|appeler|solliciter|démarcher|écrire)\b",
        rf"\b(?:annul|résili)\w* (?:mon |l'|mon )?abonnement\b{_G}\b(?:newsletter|lettre|mails|e-?mails|pub\w*|offres)",
        # es
        rf"\bdar(?:me|nos)? de baja\b{_G}\b(?:lista|newsletter|boletín|correos?|publicidad|comunicaciones|envíos|promociones|mailing|todo)",
        r"\bdadme de baja\b|\bdéme de baja\b|\bdenme de baja\b",
        rf"\bme opongo\b{_G60}\b(?:publicidad|mercadotecnia|marketing|tratamiento|comunicaciones comerciales)",
        rf"\b(?:retir|revoc)\w*\b{_G}\bconsentimiento\b{_NOT_TO_A_TRANSFER}",
        rf"\bcancel\w* (?:mi |la )?(?:suscripci[óo]n|subscripci[óo]n)\b{_G}\b(?:newsletter|boletín|lista|correos|publicidad|ofertas)",
        r"\bdej(?:en|ad|e|éis|ar) de (?:llamar|enviar|mandar|escribir|recibir)\w*",
        r"\b(?:quit|quít|sac|sác|borr|bórr|elimin|elimín|excl|exclú|retir|retír|dad|den|d)\w*(?:me|nos) de (?:la |las |los |vuestras? |sus? |tus? |esta |esa )?(?:lista|listas|newsletter|boletín|mailing|envíos)\b",
        rf"\b(?:parad|paren|detened|detengan)\b{_G}\b{_MARKETING_ES}",
        # it
        r"\bcancellarmi dall[ae]\b|\brimuovermi dall[ae]\b|\bdisiscri\w*|\bdisabbon\w*",
        rf"\b(?:revoc|ritir)\w*\b{_G}\bconsenso\b{_NOT_TO_A_TRANSFER}",
        rf"\bannull\w* (?:la mia |l')iscrizione\b{_G}\b(?:newsletter|lista|mailing|e-?mail|comunicazioni)",
        rf"\bmi oppongo\b{_G60}\b(?:marketing|pubblicit\w*|trattamento|profilazione)",
        rf"\b(?:smett|cessat|interromp|sospend|blocc|ferm)\w*\b[^.!?;\n]{{0,25}}?\b(?:{_MARKETING_IT}|(?:ricever|inviar|mandar|chiamar|contattar)\w*)",
        r"\b(?:togli|levat|rimuov|cancell|elimin|escl|depenn)\w*temi dall[ae]? (?:vostr[ae] )?(?:lista|liste|newsletter|mailing\w*)\b",
        rf"\bbasta (?:con )?(?:le |i |gli |la |il )?{_MARKETING_IT}",
        # nl
        r"\bafmeld\w*|\buitschrijv\w*|\bschrijf me uit\b",
        rf"\bstop\w* (?:met |de |het |jullie |uw |je |alle |al die |die )*(?:{_MARKETING_NL}|(?:sturen|versturen|mailen|bellen)\b)",
        rf"\bhaal (?:me|mij)\b{_G}\b(?:uit|van)\b{_G}\b(?:lijst|mailinglijst|verzendlijst|bestand|nieuwsbrief)\b",
        rf"\bbezwaar\b{_G}\b(?:direct marketing|marketing|reclame|verwerking|profilering)",
        rf"\b(?:trek|intrek)\w*\b{_G}\btoestemming\b{_NOT_TO_A_TRANSFER}|\btoestemming\b{_NOT_TO_A_TRANSFER}{_G}\bin(?:trekken|getrokken)?\b",
        # pt
        r"\bdescadastr\w*",
        r"\bcancel\w* (?:a )?(?:minha )?(?:inscrição|subscrição|inscricao)\b",
        r"\b(?:remov|retir|tir|exclu)\w*(?:-me|-nos)? d[ao]s? (?:sua |vossa )?(?:lista|listas|newsletter|mailing)\b",
        rf"\b(?:revog|retir)\w*\b{_G}\bconsentimento\b{_NOT_TO_A_TRANSFER}",
        r"\b(?:parem|pare|parar|deixem|deixe|deixar) de (?:me |nos )?(?:mandar|enviar|ligar|contactar|contatar|receber)\b",
        rf"\bme oponho\b{_G60}\b(?:marketing|publicidade|tratamento)",
        # cs, hr, el, sv, ro, pl, bg, zh, ja: withdrawing consent, objecting
        r"\bodvolávám\b|\bvznáším námitku\b|\bpovlačim\b|\bprotivim\b|ανακαλώ|αντιτίθεμαι|εναντιώνομαι",
        r"\båterkallar\b|\binvänder\b|\bretrag\b|\bmă opun\b|\bwycofuj\w*|\bsprzeciw\w*",
        r"\bоттеглям\b|\bвъзразявам\b|撤回|同意を撤回|異議",
    ),
    Right.SHARING_OPT_OUT: (),
}

REFUSES: dict[Right, tuple[str, ...]] = {
    Right.MARKETING_OPT_OUT: (
        r"\b(?:no|any) (?:more|further) (?:e-?mails?|newsletters?|marketing|ads|advertising|offers|promotions?|mail|calls|texts|sms|catalog\w*)",
        r"\b(?:don'?t|do not|never) (?:send|email|e-mail|text|call|contact|spam) me\b",
        rf"\b(?:don'?t|do not) want (?:your|any|the|to receive)\b{_G}\b(?:e-?mail\b|{_MARKETING_EN})",
        rf"\bkeine\b{_G}\b{_MARKETING_DE}{_G}\bmehr\b",
        rf"\bnicht mehr\b{_G}\b(?:anschreiben|kontaktieren|anrufen|zuschicken|zusenden|schicken|senden|bewerben|belästigen)\b",
        r"\bne (?:m'envoyez|me contactez|m'appelez|me sollicitez) plus\b|\bplus de (?:newsletter|pub|publicité|mails|sms|promo)",
        r"\bne (?:plus|jamais) (?:me |m'|nous )?(?:envoyer|adresser|contacter|appeler|solliciter|démarcher|écrire|recevoir)\b",
        rf"\bne (?:veux|souhaite|désire) plus\b{_G}\b(?:recevoir|être (?:contacté|sollicité|démarché)\w*|{_MARKETING_FR})",
        rf"\bno (?:me |nos )?(?:mandéis|mandes|manden|envíen|enviéis|envíes|llaméis|llamen)\b{_G}\bm[áa]s\b",
        rf"\bno (?:quiero|deseo) (?:recibir|que me (?:enviéis|envíen|mandéis|manden|llaméis|llamen))\b{_G}\b(?:m[áa]s|{_MARKETING_ES})",
        rf"\bno (?:quiero|deseo) (?:m[áa]s|recibir m[áa]s)\b{_G}\b{_MARKETING_ES}",
        rf"\bnon (?:mi |voglio )?(?:inviate|mandate|ricevere)\b{_G}\bpiù\b",
        r"\bnon (?:voglio|desidero) più (?:ricevere|essere contattat\w*)\b",
        rf"\b(?:non|nn) (?:voglio|vogliamo|desidero) (?:più|piu)\b{_G}\b(?:ricever\w*|{_MARKETING_IT})",
        rf"\b(?:non|nn) (?:mi )?(?:inviate|mandate|scrivete)\b{_G}\b(?:più|piu)\b",
        rf"\b(?:stuur|mail|bel|sms)\w* me\b{_G}\bgeen\b{_G}\bmeer\b",
        rf"\bgeen {_MARKETING_NL}{_G}\bmeer\b",
        rf"\bniet (?:meer|langer)\b{_G}\b(?:ontvangen|mailen|bellen|benaderen|sturen|toesturen|lastigvallen)\b",
        rf"\bnão (?:me )?(?:mandem|enviem|liguem)\b{_G}\bmais\b|\bnão (?:quero|desejo) (?:mais )?receber\b",
        rf"\bn(?:ão|ao) (?:quero|desejo) mais\b{_G}\b{_MARKETING_PT}",
    ),
    Right.SHARING_OPT_OUT: (
        # en
        r"\b(?:do not|don'?t|never|not to|stop|quit|cease|no longer)\b[^.!?;\n]{0,15}\b(?:sell|selling|share|sharing)\b",
        rf"\b(?:do not|don'?t|never|not to|stop|quit|cease|no longer)\b[^.!?;\n]{{0,30}}\b(?:pass\w*|giv\w*|disclos\w*|rent\w*"
        rf"|transfer\w*|provid\w*|trad\w*|hand\w*)\b{_G60}\b{THIRD_PARTIES}",
        rf"\b(?:don'?t|do not|never) want\b{_G}\b(?:shared|sold|passed on|handed (?:on|over)|disclosed|transferred)\b",
        # withdrawn consent to a transfer, in every language ("retiro mi consentimiento ... para que cedan mis datos")
        rf"\b(?:withdraw|revok|widerruf|retir|révoqu|revoc|ritir|intrek|trek|revog)\w*\b{_GC}\b(?:consent|Einwilligung"
        rf"|consentement|consentimiento|consenso|toestemming|consentimento)\b{_GC}\b{_TRANSFER}",
        r"\bopt(?:ing)?[- ]?out of (?:the )?(?:sale|selling|sharing)\b",
        r"\blimit the use (?:and disclosure )?of my sensitive\b",
        rf"\bobject\w*\b{_G}\b(?:sale|sharing|disclosure|transfer|passing)\b{_G}\b{THIRD_PARTIES}",
        # de
        r"\b(?:nicht|keine?|nie)\b[^.!?;\n]{0,40}\b(?:verkauf\w*|weitergeb\w*|weitergegeben|weiterzugeben|vermiet\w*"
        r"|übermitteln|übermittelt)\b",
        rf"\b(?:verkauf|vermiet|geb|leit)\w*\b{_G60}\bnicht\b{_G}\b(?:an |mit )?{THIRD_PARTIES}",
        rf"\bnicht (?:mehr )?(?:an|mit) {THIRD_PARTIES}",
        rf"\b(?:geb|leit|reich)\w*\b{_G60}\bnicht (?:mehr )?weiter\b",
        rf"\b(?:Widerspruch|widersprech\w*|widerspreche)\b{_G}\b(?:Weitergabe|Übermittlung|Verkauf)\b",
        # fr
        r"\bne (?:les |la |le |me |lui )?(?:vendez|partagez|transmettez|cédez|communiquez|donnez|refilez|passez|fournissez"
        r"|louez|divulguez)\b",
        rf"\b(?:refuse|m'oppose|interdis|opposition)\b{_G60}\b(?:transmis\w*|vend\w*|céd\w*|cession|partag\w*"
        r"|communiqu\w*|transmission)",
        # es
        r"\bno (?:\w+\s+){0,3}?(?:vend\w*|compart\w*|cedáis|cedan|cedas|pas(?:éis|eis|en|es)|transfier\w*)\b",
        rf"\b(?:me opongo|prohíbo|prohibo|no autorizo)\b{_G}\b(?:cesi[óo]n|vend\w*|compart\w*|transferencia|comunicaci[óo]n)",
        rf"\btampoco quiero que\b{_G}\b(?:pas|vend|compart|ced)\w*",
        # it
        r"\bnon (?:\w+\s+){0,3}?(?:vend\w*|condivid\w*|cedet\w*|passat\w*|trasferit\w*)\b",
        rf"\bnon autorizzo\b{_G}\b(?:comunicazione|cessione|condivisione|vendita|trasferimento)",
        rf"\b(?:revoco|mi oppongo)\b{_G60}\b(?:cessione|comunicazione|vendita|condivisione)\b",
        # nl
        rf"\b(?:deel|verkoop|geef|verstrek)\b{_G}\bniet\b",
        r"\bniet\b[^.!?;\n]{0,30}\b(?:delen|verkopen|doorgeven|doorgegeven|verstrekken|verkocht|gedeeld)\b",
        rf"\bwil niet dat\b{_G60}\b(?:verkopen|delen|doorgeven|doorgegeven|verstrekt|gedeeld|verkocht)\b",
        rf"\bbezwaar\b{_G}\b(?:delen|verkoop|doorgifte|verstrekking)\b",
        # pt
        r"\bnão (?:\w+\s+){0,3}?(?:vend\w*|compartilh\w*|partilh\w*|repass\w*|transfir\w*)\b",
        rf"\bnão autorizo\b{_G}\b(?:compartilhamento|cessão|venda|repasse|transferência)",
        # cs, pl, bg, zh, ja
        r"\bneprodáv\w*|\bnesdílej\w*|\bnie sprzedaw\w*|\bне продавайте\b|不要出售|不要将[^。]{0,20}出售|販売を?しない|売却を?しない",
        r"\bnot to sell\b|\bне продава\w*",
    ),
}

# Negations that cancel an ASKS phrase when they govern it: a few words before it, in the same clause.
NEGATION = (
    r"\b(?:not|never|no need|without|don'?t|dont|doesn'?t|isn'?t|won'?t|can'?t|nothing|neither|nor"
    r"|kein\w*|nicht|nichts|nie|niemals|ohne"
    r"|ne|n'|pas|jamais|sans|rien"
    r"|no|nunca|nada|tampoco|ni"
    r"|non|niente|nessun\w*"
    r"|niet|geen|nooit|niks|zonder"
    r"|não|nao|nem|nenhum\w*)\b"
)
# How many words may stand between a negation and the phrase it cancels ("not asking you to delete").
NEGATION_REACH = 4
# Negative words that do not negate the request: "don't hesitate to", "without undue delay", "not only".
NOT_A_NEGATION = (
    r"\b(?:(?:don'?t|do not|never|please don'?t) hesitate|(?:without|with no) (?:undue |any |further |unnecessary )?delay"
    r"|not only|not just"
    r"|(?:zögern|zögert) (?:Sie |ihr )?nicht|ohne (?:schuldhaftes |weiteres |unnötiges )?(?:Zögern|Verzögerung)|nicht nur"
    r"|n'hésite\w* pas|ne pas hésiter|sans (?:plus )?(?:tarder|délai|attendre)|non seulement"
    r"|no (?:dude\w*|duda\w*|vacile\w*)|sin (?:más )?(?:demora|dilación|tardanza|retraso)|no (?:solo|sólo)"
    r"|non (?:esit\w*|solo|soltanto)|senza (?:ulteriore |ulteriori )?(?:ritard\w*|indugi\w*)"
    r"|aarzel\w* (?:dan )?niet|niet alleen|zonder (?:verdere |onnodige )?(?:vertraging|uitstel)"
    r"|não (?:hesite\w*|só|apenas)|sem (?:mais )?(?:demora|atraso))\b"
)
# Verb-second languages put the negation after the verb ("Verwijder niets", "Löschen Sie nichts").
NEGATION_AFTER = r"(?:[ \t]+[^\W\d_]+){0,3}?[ \t]+(?:nichts|niets|niks|nothing|rien|niente|nada|nicht|niet)\b"
# Conditions make a right hypothetical ("if the objection leads to the deletion of my account").
CONDITION = r"\b(?:if|whether|in case|falls|wenn|ob|sofern|si|indien|caso)\b"
# ... unless the condition is a polite request ("I would be grateful if you could delete"), or the Italian
# impersonal "si prega di".
POLITE_CONDITION = (
    r"\b(?:could|would|can|grateful|appreciate\w*|könnt\w*|würd\w*|dankbar|pouv\w*|pourr\w*|voul\w*"
    r"|reconnaissante?|agradec\w*|pud\w*|podr\w*|grat[oa]|prega|chiede|dankbaar)\b"
)
# Where one clause ends and the next begins: sentence punctuation, commas (not before "that"), dashes,
# coordinating conjunctions and the words that start a new request ("please", "only").
CLAUSE_BREAK = (
    r"[.!?;:\n()\u2013\u2014]|,(?!\s*(?:that|dass|daß|que|qu'|che|dat)\b)|\s-\s"
    r"|\b(?:and|so|but|und|aber|sondern|et|mais|y|pero|sino|ma|en|maar|mas|e)\b(?!['-])"
    r"|\b(?:just|only|nur|solo|sólo|alleen|please|pls|plz|kindly|bitte|veuillez|merci de|por favor|per favore"
    r"|graag|gelieve|alstublieft)\b"
)
# What may stand at the start of a clause before a right for the mail to ask for it now, even in a reminder:
# politeness, adverbs, and first-person request verbs ("please", "so now", "I hereby ask you to").
DIRECT_LEAD = (
    r"(?:[\s,\"'(]|\b(?:please|pls|kindly|now|also|then|just|so|and|but|first|again|once more|finally|hereby"
    r"|immediately|i|we|you|to|that|ask|request|demand|want|need|would like|insist|require|instruct"
    r"|bitte|nun|jetzt|auch|dann|und|aber|zuerst|erneut|nochmals|endlich|sofort|umgehend|unverzüglich|hiermit"
    r"|ich|wir|Sie|fordere|verlange|beantrage|möchte|will|um"
    r"|merci de|veuillez|svp|s'il vous plaît|donc|et|mais|maintenant|aussi|enfin|immédiatement|je|vous"
    r"|demande|prie|exige|veux|souhaite|voudrais|de|d'"
    r"|por favor|ahora|también|y|pero|ya|inmediatamente|le|les|os|pido|solicito|exijo|quiero|que"
    r"|per favore|ora|anche|e|ma|subito|immediatamente|vi|chiedo|richiedo|voglio|vorrei|di"
    r"|graag|alstublieft|aub|nu|ook|en|maar|direct|meteen|gelieve|ik|u|verzoek|vraag|eis|wil|om"
    r"|agora|também|mas|imediatamente|peço|exijo|quero|gostaria)\b)*"
)
# After an erasure or opt-out verb: the object is a mailing list, so it is a marketing opt-out.
LIST_OBJECT = (
    r"\s*(?:\S+\s+){0,2}?(?:from|aus|de|dalla|dalle|della|van|da|uit)\b[^.!?;\n]{0,25}"
    r"\b(?:list|lists|mailing\w*|newsletter\w*|verteiler\w*|liste|lista|listas|nieuwsbrie\w*|diffusion|e-?mails?"
    r"|correos|mailings?)\b"
)
# After an erasure verb: the object is the mail itself ("delete this message"), as footers ask of a wrong recipient.
MESSAGE_OBJECT = (
    r"\s+(?:(?:Sie|vous|u)\s+)?(?:this|the|diese[nrs]?|die|ce|cet|le|este|el|questo|il|dit|het|esta|a)\s+"
    r"(?:e-?mail|message|mail|nachricht|courriel|mensaje|correo|messaggio|bericht|mensagem|communication|transmission)"
    r"\b(?![\s-]*(?:address|adresse|adres))"
)

# Legal articles that name a right (GDPR numbering; the UK GDPR keeps it).
ARTICLE = (
    r"\b(?:art(?:icle|ikel|ículo|icolo|igo|iculo|ikla|icolul|\.)?|artt?\.|článk[ua]|čl\.|člank[au]|članak|άρθρ[οα]|Άρθρ[οα])"
    r"\s*(\d{1,3})(?![\d.,]\d)"
)
ARTICLE_RIGHTS: dict[int, Right] = {
    15: Right.ACCESS,
    16: Right.RECTIFICATION,
    17: Right.ERASURE,
    20: Right.PORTABILITY,
    21: Right.MARKETING_OPT_OUT,
}
