"""The team's daily digest: which cases land in which section, and how it reads in every language."""

import re
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from privacydesk.logic.clocks import compute_clocks
from privacydesk.logic.digest import LABELS, SECTIONS, Digest, DigestRow, build_digest, render_digest
from privacydesk.logic.render import LANGUAGES
from privacydesk.models.case import Agent, Case, RightItem
from privacydesk.models.clocks import Clocks
from privacydesk.models.rights import RIGHTS_NEEDING_VERIFICATION, ItemState, Right

# Monday 9 November 2026, 08:00 UTC.
NOW = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
TODAY = date(2026, 11, 9)
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
DAY_IN_WORDS = {
    "en": "9 November 2026",
    "de": "9. November 2026",
    "fr": "9 novembre 2026",
    "es": "9 de noviembre de 2026",
    "it": "9 novembre 2026",
    "nl": "9 november 2026",
    "pt": "9 de novembro de 2026",
}


def _clocks(right: Right, due: date) -> Clocks:
    real = compute_clocks("gdpr", right.value, date(2026, 10, 1), "GB-ENG")
    return replace(real, respond_by=due)


def _case(
    ref: str,
    *,
    due: date,
    received_at: datetime = NOW - timedelta(days=10),
    state: ItemState = ItemState.IN_PROGRESS,
    rights: tuple[Right, ...] = (Right.ACCESS,),
    flags: tuple[str, ...] = (),
) -> Case:
    items = tuple(
        RightItem(
            right=right,
            state=state,
            needs_verification=right in RIGHTS_NEEDING_VERIFICATION,
            clocks=_clocks(right, due),
        )
        for right in rights
    )
    return Case(
        ref=ref,
        requester=f"{ref.lower()}@requester.example",
        language="de",
        received_at=received_at,
        items=items,
        regime="gdpr",
        regime_reason="default",
        source_message_id=f"<{ref}@mail.example>",
        raw_key=f"inbound/{ref}",
        subject="Auskunft nach Art. 15 DSGVO, Grace Hopper",
        name="Grace Hopper",
        on_behalf_of=f"subject-{ref.lower()}@requester.example",
        agent=Agent(name="Agency", email="agent@agency.example", permission_ref="P-1"),
        flags=flags,
    )


CASES = [
    _case("PD-OVER", due=TODAY - timedelta(days=1)),
    _case("PD-TODAY", due=TODAY),
    _case("PD-WEEK", due=TODAY + timedelta(days=7), rights=(Right.ERASURE, Right.MARKETING_OPT_OUT)),
    _case("PD-LATER", due=TODAY + timedelta(days=8)),
    _case(
        "PD-NEW",
        due=TODAY + timedelta(days=30),
        received_at=NOW - timedelta(hours=23, minutes=59),
        state=ItemState.AWAITING_VERIFICATION,
    ),
    _case("PD-OLD", due=TODAY + timedelta(days=30), received_at=NOW - timedelta(hours=24)),
    _case("PD-BOUNCE", due=TODAY + timedelta(days=20), flags=("undeliverable",)),
    _case("PD-DONE", due=TODAY - timedelta(days=5), state=ItemState.COMPLETED, flags=("undeliverable",)),
    _case(
        "PD-DONE-NEW",
        due=TODAY + timedelta(days=30),
        received_at=NOW - timedelta(hours=1),
        state=ItemState.COMPLETED,
        rights=(Right.MARKETING_OPT_OUT,),
    ),
]


def _refs(rows: tuple[DigestRow, ...]) -> list[str]:
    return [row.ref for row in rows]


def test_each_case_lands_in_the_sections_it_belongs_to() -> None:
    # GIVEN open and closed cases around today's boundaries, and a bounce reported for a closed case
    digest = build_digest(CASES, ["PD-DONE", "PD-GONE"], NOW, "UTC")
    # THEN
    assert digest.day == TODAY
    assert digest.open_cases == 7
    assert _refs(digest.overdue) == ["PD-OVER"]
    # Due today counts as due this week, not overdue; seven days ahead is the last day in.
    assert _refs(digest.due_this_week) == ["PD-TODAY", "PD-WEEK"]
    # New means received in the last 24 hours, whatever became of it since.
    assert _refs(digest.new_cases) == ["PD-NEW", "PD-DONE-NEW"]
    assert _refs(digest.awaiting_verification) == ["PD-NEW"]
    # Open cases flagged undeliverable, plus every reported ref (a closed case, an unknown one).
    assert _refs(digest.bounced_notices) == ["PD-BOUNCE", "PD-DONE", "PD-GONE"]
    assert digest.bounced_notices[-1] == DigestRow("PD-GONE", (), "", None)
    assert digest.counts == {
        "open_cases": 7,
        "overdue": 1,
        "due_this_week": 2,
        "new_cases": 2,
        "awaiting_verification": 1,
        "bounced_notices": 3,
    }


def test_a_row_holds_what_the_console_shows_and_nothing_personal() -> None:
    digest = build_digest(CASES, [], NOW, "UTC")
    assert [f.name for f in fields(DigestRow)] == ["ref", "rights", "state", "due"]
    [week] = [row for row in digest.due_this_week if row.ref == "PD-WEEK"]
    assert week == DigestRow(
        "PD-WEEK", ("erasure", "marketing_opt_out"), "in_progress", TODAY + timedelta(days=7)
    )


def test_today_is_the_team_time_zone_day() -> None:
    # GIVEN 23:30 UTC on 9 November: already 10 November in Berlin
    late = datetime(2026, 11, 9, 23, 30, tzinfo=UTC)
    case = _case("PD-DUE9", due=TODAY)
    assert _refs(build_digest([case], [], late, "UTC").due_this_week) == ["PD-DUE9"]
    berlin = build_digest([case], [], late, "Europe/Berlin")
    assert (berlin.day, _refs(berlin.overdue), berlin.due_this_week) == (date(2026, 11, 10), ["PD-DUE9"], ())


def test_an_empty_desk_has_empty_sections() -> None:
    digest = build_digest([], [], NOW, "UTC")
    assert digest.counts == dict.fromkeys(("open_cases", *SECTIONS), 0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_digest_renders_in_every_language_without_personal_data(language: str) -> None:
    digest = build_digest(CASES, ["PD-GONE"], NOW, "UTC")
    subject, text, html = render_digest(digest, language, "Example Ltd")
    labels = LABELS[language]
    assert DAY_IN_WORDS[language] in subject
    assert "\n" not in subject
    for name, rows in digest.sections:
        title = labels["sections"][name]
        assert f"{title} ({len(rows)})" in text
        assert f"{_escape(title)} ({len(rows)})" in html
    for ref in ("PD-OVER", "PD-WEEK", "PD-NEW", "PD-BOUNCE", "PD-GONE"):
        assert ref in text
        assert ref in html
    assert "PD-LATER" not in text
    # No address, name or subject line of any requester, data subject or agent.
    for body in (subject, text, html):
        assert ADDRESS.search(body) is None
        assert "Grace Hopper" not in body
        assert "Agency" not in body
    assert f'<html lang="{language}">' in html


def test_an_empty_section_says_so() -> None:
    _, text, html = render_digest(build_digest([], [], NOW, "UTC"), "en", "Example Ltd")
    assert "Overdue (0)\n  None." in text
    assert html.count(">None.</p>") == len(SECTIONS)


def test_text_rows_give_rights_state_and_the_due_date_in_words() -> None:
    _, text, _ = render_digest(build_digest(CASES, [], NOW, "UTC"), "de", "Beispiel GmbH")
    assert "  PD-WEEK  erasure, marketing_opt_out  in_progress  Frist: 16. November 2026\n" in text


def test_html_escapes_everything_it_is_given() -> None:
    # GIVEN an organisation name and a reported ref carrying markup
    digest = build_digest([], ["<script>alert(1)</script>"], NOW, "UTC")
    _, text, html = render_digest(digest, "en", 'Smith & "Sons" <Ltd>')
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Smith &amp; &#34;Sons&#34; &lt;Ltd&gt;" in html
    # Plain text has nothing to escape and is left as written.
    assert 'Smith & "Sons" <Ltd>' in text


def test_an_unknown_language_falls_back_to_english() -> None:
    subject, _, html = render_digest(build_digest([], [], NOW, "UTC"), "fi", "Example Ltd")
    assert subject == "Privacy desk digest, 9 November 2026"
    assert '<html lang="en">' in html


def test_every_language_labels_every_section() -> None:
    assert set(LABELS) == set(LANGUAGES)
    for labels in LABELS.values():
        assert set(labels["sections"]) == set(SECTIONS)
        assert set(labels["columns"]) == {"ref", "rights", "state", "due"}


def test_digest_sections_keep_their_display_order() -> None:
    digest = Digest(TODAY, 0, (), (), (), (), ())
    assert [name for name, _ in digest.sections] == list(SECTIONS)
    assert SECTIONS[0] == "overdue"


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
