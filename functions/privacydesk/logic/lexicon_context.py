"""Phrases about a request rather than in it: follow-ups, complaints to a regulator, agents, and the law invoked."""

# Phrase tables read best one phrase per line, however long the phrase.
# ruff: noqa: E501

from privacydesk.logic.lexicon import GAP as _G
from privacydesk.logic.lexicon import GAP60 as _G60

# A reminder about an earlier request, or a complaint lodged with a supervisory authority: a question, not
# a new request, even though it names the right it is about.
FOLLOW_UP = (
    # en
    r"\breminder\b",
    r"\bfollow(?:ing)?[- ]up on my\b",
    rf"\b(?:have not|haven'?t|did not|didn'?t|never|not yet)\b(?: yet)? (?:received|got|gotten|heard)\b{_G}"
    r"\b(?:answer|reply|response|back|anything)\b",
    r"\b(?:got|received|had|heard) no (?:answer|reply|response)\b",
    r"\bno (?:answer|reply|response) (?:yet|so far|to date)\b",
    r"\bnever heard back\b",
    r"\b(?:is|are|now) overdue\b",
    r"\bdeadline has (?:passed|expired)\b",
    rf"\bI (?:have )?sent (?:you )?(?:a|my|the|an)\b{_G60}\brequest\b",
    r"\bremind you\b",
    r"\bwhat'?s the status\b|\bwhat is the status\b",
    r"\bescalat\w* (?:the|this) matter\b",
    r"\b(?:I|we) (?:am |are )?(?:hereby )?(?:lodg|fil|submitt?|mak)\w* (?:a |this |my )?(?:formal )?complaint\b",
    r"\b(?:would like|wish|want) to (?:submit|lodge|file|make) a (?:formal )?complaint\b",
    r"\bI wish to complain\b|\bcomplaint against\b",
    # de
    r"\bErinnerung\b|\bMahnung\b|\bNachfrage zu meine\w*",
    rf"\bbis heute\b{_G}\b(?:nichts|keine)\b",
    r"\b(?:keine|noch keine|bisher keine) (?:Antwort|Rückmeldung|Reaktion)\b",
    r"\bnichts (?:von Ihnen |von euch )?gehört\b",
    rf"\bFrist\b{_G60}\b(?:überschritten|abgelaufen|verstrichen)\b",
    rf"\b(?:hatte|habe) ich (?:bei )?(?:Ihnen|euch)\b{_G}\b(?:Anfrage|Antrag|Ersuchen)\b",
    rf"\b(?:hatte|habe) (?:Ihnen|euch)\b{_G}\b(?:Anfrage|Antrag)\b{_G}\b(?:geschickt|gesendet|gestellt)\b",
    r"\bwende mich\b[^.!?;\n]{0,20}\berneut\b",
    rf"\b(?:reiche|lege)\b{_G}\bBeschwerde\b|\bBeschwerde gegen\b",
    # fr
    r"\brelance\w*|\bje vous relance\b",
    r"\bsans réponse\b|\bpas (?:encore )?(?:reçu|eu) de réponse\b",
    rf"\b(?:je vous ai|j'ai) (?:envoyé|adressé|transmis)\b{_G}\bdemande\b",
    rf"\bje (?:dépose|porte|introduis|formule)\b{_G}\b(?:plainte|réclamation)\b|\bplainte contre\b",
    # es
    r"\brecordatorio\b|\bsin respuesta\b",
    r"\bno (?:he|hemos) recibido (?:ninguna |una )?respuesta\b",
    rf"\b(?:les|os|le) (?:envié|mandé)\b{_G}\bsolicitud\b",
    rf"\bpresento\b{_G}\b(?:reclamación|queja|denuncia)\b|\breclamación contra\b",
    # it
    r"\bsollecit\w*|\bnessun(?:a)? (?:riscontro|risposta)\b",
    r"\bnon ho (?:ancora )?ricevuto (?:alcuna |nessuna )?risposta\b",
    rf"\bvi ho (?:inviato|mandato)\b{_G}\brichiesta\b",
    rf"\b(?:presento|propongo|sporgo)\b{_G}\b(?:reclamo|denuncia)\b|\breclamo (?:contro|nei confronti)\b",
    # nl
    r"\bherinnering\b|\baanmaning\b",
    r"\bnog (?:steeds )?(?:niks|niets|geen (?:antwoord|reactie))\b",
    r"\bgeen (?:antwoord|reactie) (?:ontvangen|gekregen)\b",
    rf"\bverzoek\b{_G}\bgestuurd\b",
    r"\bklacht in tegen\b|\bdien\b[^.!?;\n]{0,20}\bklacht\b",
    # pt
    r"\blembrete\b|\baté agora nada\b|\bsem resposta\b|\bcadê a resposta\b",
    r"\bnão (?:recebi|obtive) (?:nenhuma |qualquer |uma )?resposta\b",
    rf"\b(?:mandei|enviei)\b{_G}\b(?:pedido|solicitação|requerimento)\b",
    rf"\bapresento\b{_G}\b(?:queixa|reclamação)\b|\breclamação contra\b",
    # cs, hr, el, sv, ro, pl: "I sent (you) a request", "no answer", "I lodge a complaint"
    rf"\bzaslal\w*\b{_G}\bžádost\w*|\bneobdržel\w* odpověď|\bpodávám stížnost\b",
    rf"\bposla(?:o|la)\b{_G}\bzahtjev\w*|\bnisam primi\w* odgovor|\bpodnosim žalbu\b",
    rf"\bέστειλα\b{_G}\bαίτημα|\bδεν έλαβα απάντηση\b",
    rf"\bskickade\b{_G}\b(?:förfrågan|begäran)\b|\binget svar\b|\b(?:lämnar|inger)\b{_G}\bklagomål\b",
    r"\bv-am trimis\b|\bdepun o plângere\b|\bnie otrzymał\w* odpowiedzi\b|\bskładam skargę\b",
)
# Article 77 GDPR is the right to lodge a complaint with a supervisory authority.
COMPLAINT_ARTICLE = 77

AGENT = (
    r"\bon behalf of\b",
    r"\bauthori[sz]ed (?:agent|representative)\b(?: (?:for|of))?",
    r"\bacting for\b",
    r"\bim (?:Auftrag|Namen) von\b|\bin Vertretung von\b|\bbevollmächtigt\w*",
    r"\bau nom de\b|\bpour le compte de\b",
    r"\ben nombre de\b|\ben representación de\b",
    r"\bper conto di\b|\ba nome di\b|\bin rappresentanza di\b",
    r"\bnamens\b|\bin opdracht van\b",
    r"\bem nome de\b|\bem representação de\b",
)

# Most specific first: the UK GDPR names the GDPR too.
REGIMES: tuple[tuple[str, str], ...] = (
    (
        "uk_gdpr",
        r"\bUK[- ]GDPR\b|\bData Protection Act 2018\b|\bDPA 2018\b|\bICO\b|\bInformation Commissioner",
    ),
    (
        "ccpa",
        r"\bCalifornia (?:resident|consumer)\b|\bCCPA\b|\bCPRA\b|\bCalifornia Consumer Privacy Act\b"
        r"|\bCalifornia Privacy Rights Act\b|\b1798\.1\d\d\b",
    ),
    ("vcdpa", r"\bVCDPA\b|\bVirginia Consumer Data Protection Act\b|\bVirginia (?:resident|consumer)\b"),
    (
        "pipeda",
        r"\bPIPEDA\b|\bPersonal Information Protection and Electronic Documents Act\b|\bCanad(?:a|ian) (?:resident|privacy law)",
    ),
    (
        "gdpr",
        r"\bGDPR\b|\bDS-?GVO\b|\bRGPD\b|\bAVG\b|\bRODO\b|\bOUZP\b|ΓΚΠΔ|\b2016/679\b"
        r"|\bGeneral Data Protection Regulation\b|\bDatenschutz-?Grundverordnung\b"
        r"|\bRèglement général sur la protection des données\b|\bReglamento General de Protección de Datos\b"
        r"|\bRegolamento generale sulla protezione dei dati\b|\bAlgemene [Vv]erordening [Gg]egevensbescherming\b"
        r"|\bRegulamento Geral (?:sobre a|de) Proteção de Dados\b|\bdataskyddsförordningen\b"
        r"|\bObecného nařízení o ochraně osobních údajů\b|\bOpće uredbe o zaštiti podataka\b",
    ),
)
