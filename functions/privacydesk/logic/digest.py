"""The privacy team's daily digest: what is new, due, overdue, waiting or bounced, as text and HTML.

The digest names cases by reference, rights, state and dates only: what the team sees in the console,
never a requester's address or name.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from privacydesk.logic.clocks import local_date
from privacydesk.logic.render import FALLBACK_LANGUAGE, LANGUAGES, render_message, render_page
from privacydesk.models.case import Case
from privacydesk.models.rights import ItemState

# The case flag intake sets when a requester's address bounced.
UNDELIVERABLE = "undeliverable"
NEW_WINDOW = timedelta(hours=24)
DUE_SOON_DAYS = 7
# Display order: what needs action soonest first.
SECTIONS = ("overdue", "due_this_week", "new_cases", "awaiting_verification", "bounced_notices")


@dataclass(frozen=True)
class DigestRow:
    """One case in a digest section: no personal data, only what the console shows for it."""

    ref: str
    rights: tuple[str, ...]
    state: str
    due: date | None


@dataclass(frozen=True)
class Digest:
    """The desk on one day, section by section."""

    day: date
    open_cases: int
    new_cases: tuple[DigestRow, ...]
    due_this_week: tuple[DigestRow, ...]
    overdue: tuple[DigestRow, ...]
    awaiting_verification: tuple[DigestRow, ...]
    bounced_notices: tuple[DigestRow, ...]

    @property
    def sections(self) -> tuple[tuple[str, tuple[DigestRow, ...]], ...]:
        """(name, rows) for every section, in display order."""
        return tuple((name, getattr(self, name)) for name in SECTIONS)

    @property
    def counts(self) -> dict[str, int]:
        """How many cases each section holds, and how many are open."""
        return {"open_cases": self.open_cases, **{name: len(rows) for name, rows in self.sections}}


# Headings shared by the text and the HTML digest, in the team's language. Rights and states stay the
# codes the console and the CLI show, so the team can search for them.
LABELS: Mapping[str, Mapping[str, Any]] = {
    "en": {
        "title": "Privacy desk digest",
        "open_cases": "Open cases",
        "empty": "None.",
        "sections": {
            "overdue": "Overdue",
            "due_this_week": "Due within 7 days",
            "new_cases": "New in the last 24 hours",
            "awaiting_verification": "Awaiting identity verification",
            "bounced_notices": "Mail to the requester bounced",
        },
        "columns": {"ref": "Case", "rights": "Rights", "state": "State", "due": "Due"},
    },
    "de": {
        "title": "Datenschutz-Übersicht",
        "open_cases": "Offene Fälle",
        "empty": "Keine.",
        "sections": {
            "overdue": "Überfällig",
            "due_this_week": "Fällig in den nächsten 7 Tagen",
            "new_cases": "Neu in den letzten 24 Stunden",
            "awaiting_verification": "Warten auf Identitätsbestätigung",
            "bounced_notices": "E-Mail an die anfragende Person unzustellbar",
        },
        "columns": {"ref": "Fall", "rights": "Rechte", "state": "Status", "due": "Frist"},
    },
    "fr": {
        "title": "Synthèse des demandes de données personnelles",
        "open_cases": "Dossiers ouverts",
        "empty": "Aucun.",
        "sections": {
            "overdue": "En retard",
            "due_this_week": "Échéance dans les 7 jours",
            "new_cases": "Nouveaux depuis 24 heures",
            "awaiting_verification": "En attente de vérification d'identité",
            "bounced_notices": "Message au demandeur non distribué",
        },
        "columns": {"ref": "Dossier", "rights": "Droits", "state": "État", "due": "Échéance"},
    },
    "es": {
        "title": "Resumen de solicitudes de privacidad",
        "open_cases": "Casos abiertos",
        "empty": "Ninguno.",
        "sections": {
            "overdue": "Vencidos",
            "due_this_week": "Vencen en los próximos 7 días",
            "new_cases": "Nuevos en las últimas 24 horas",
            "awaiting_verification": "Pendientes de verificación de identidad",
            "bounced_notices": "Correo al solicitante no entregado",
        },
        "columns": {"ref": "Caso", "rights": "Derechos", "state": "Estado", "due": "Vence"},
    },
    "it": {
        "title": "Riepilogo delle richieste privacy",
        "open_cases": "Casi aperti",
        "empty": "Nessuno.",
        "sections": {
            "overdue": "Scaduti",
            "due_this_week": "In scadenza nei prossimi 7 giorni",
            "new_cases": "Nuovi nelle ultime 24 ore",
            "awaiting_verification": "In attesa di verifica dell'identità",
            "bounced_notices": "Email al richiedente non recapitata",
        },
        "columns": {"ref": "Caso", "rights": "Diritti", "state": "Stato", "due": "Scadenza"},
    },
    "nl": {
        "title": "Overzicht privacyverzoeken",
        "open_cases": "Open zaken",
        "empty": "Geen.",
        "sections": {
            "overdue": "Termijn verstreken",
            "due_this_week": "Termijn binnen 7 dagen",
            "new_cases": "Nieuw in de afgelopen 24 uur",
            "awaiting_verification": "Wacht op identiteitsbevestiging",
            "bounced_notices": "E-mail aan de verzoeker onbestelbaar",
        },
        "columns": {"ref": "Zaak", "rights": "Rechten", "state": "Status", "due": "Termijn"},
    },
    "pt": {
        "title": "Resumo dos pedidos de privacidade",
        "open_cases": "Casos abertos",
        "empty": "Nenhum.",
        "sections": {
            "overdue": "Em atraso",
            "due_this_week": "Prazo nos próximos 7 dias",
            "new_cases": "Novos nas últimas 24 horas",
            "awaiting_verification": "A aguardar verificação de identidade",
            "bounced_notices": "Email ao requerente não entregue",
        },
        "columns": {"ref": "Caso", "rights": "Direitos", "state": "Estado", "due": "Prazo"},
    },
}


def build_digest(
    cases: Sequence[Case], undeliverable_refs: Sequence[str], now: datetime, timezone: str
) -> Digest:
    """The digest as of `now`: overdue and due by open cases' earliest deadline, in the team's time zone."""
    today = local_date(now, timezone)
    open_cases = [c for c in cases if c.is_open]
    by_due = sorted((c for c in open_cases if c.due is not None), key=lambda c: (c.due, c.ref))
    new = sorted((c for c in cases if now - NEW_WINDOW < c.received_at <= now), key=lambda c: c.received_at)
    waiting = (c for c in open_cases if c.state == ItemState.AWAITING_VERIFICATION.value)
    known = {c.ref: c for c in cases}
    bounced = {c.ref for c in open_cases if UNDELIVERABLE in c.flags} | set(undeliverable_refs)
    return Digest(
        day=today,
        open_cases=len(open_cases),
        new_cases=tuple(_row(c) for c in new),
        due_this_week=tuple(
            _row(c) for c in by_due if c.due and today <= c.due <= today + timedelta(days=DUE_SOON_DAYS)
        ),
        overdue=tuple(_row(c) for c in by_due if c.due and c.due < today),
        awaiting_verification=tuple(_row(c) for c in sorted(waiting, key=lambda c: c.received_at)),
        # A bounce reported for a case not in `cases` is still listed, by reference only.
        bounced_notices=tuple(
            _row(known[ref]) if ref in known else DigestRow(ref, (), "", None) for ref in sorted(bounced)
        ),
    )


def render_digest(digest: Digest, language: str, organisation: str) -> tuple[str, str, str]:
    """(subject, text, html) of the digest in the team's language (English when it has none)."""
    lang = language if language in LANGUAGES else FALLBACK_LANGUAGE
    context = {
        "day": digest.day,
        "open_cases": digest.open_cases,
        "sections": digest.sections,
        "labels": LABELS[lang],
        "organisation": organisation,
    }
    text = render_message("digest", lang, **context)
    html = render_page("digest.html", lang=lang, subject=text.subject, **context)
    return text.subject, text.text, html


def _row(case: Case) -> DigestRow:
    return DigestRow(ref=case.ref, rights=tuple(r.value for r in case.rights), state=case.state, due=case.due)
