"""`privacydesk cases ...` and `privacydesk audit verify`: the privacy team's admin API from the terminal."""

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from privacydesk.config import REGIMES
from privacydesk.models.rights import DenialReason, ItemState, Right
from privacydesk_local.api_client import api_url, call, case_path, with_query

EXIT_BROKEN = 1
RIGHTS = [r.value for r in Right]
CASE_STATES = [*(s.value for s in ItemState), "closed"]
DENIAL_REASONS = [r.value for r in DenialReason]
_LIST_COLUMNS = ("ref", "state", "due", "regime", "language", "rights", "assignee", "requester")

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
BodyOf: TypeAlias = Callable[[argparse.Namespace], dict[str, Any]]


def add_cases_command(sub: SubParsers) -> None:
    """Register `cases [list|show|assign|note|ask|extend|complete|deny|withdraw]`."""
    cases = sub.add_parser(
        "cases",
        help="list, show and act on cases (the admin API)",
        description="Without an action: list cases, as `cases list` does.",
    )
    _filters(cases)
    _common(cases)
    cases.set_defaults(command=_list)
    actions = cases.add_subparsers(metavar="ACTION")

    listing = actions.add_parser("list", help="list cases, most recent first (the default)")
    _filters(listing, suppress=True)
    _common(listing, suppress=True)
    listing.set_defaults(command=_list)

    show = actions.add_parser("show", help="one case: its clocks, how they were computed, and its timeline")
    show.add_argument("ref")
    _common(show, suppress=True)
    show.set_defaults(command=_show)

    _action(actions, "assign", "assign the case", lambda a: {"assignee": a.name}, positional=("name",))
    _action(actions, "note", "add an internal note", lambda a: {"text": a.text}, positional=("text",))
    _action(
        actions,
        "ask",
        "ask the requester for information (emails them)",
        lambda a: _with_rights(a, message=a.message),
        positional=("message",),
        rights=True,
    )
    extend = _action(
        actions,
        "extend",
        "extend the deadline (sends the extension notice)",
        lambda a: _with_rights(a, reason=a.reason),
        rights=True,
    )
    extend.add_argument("--reason", required=True, help="why more time is needed (the requester reads it)")
    complete = _action(
        actions,
        "complete",
        "complete the request (sends the answer)",
        lambda a: _with_rights(a, message=a.message),
        rights=True,
    )
    complete.add_argument("--message", required=True, help="the answer sent to the requester")
    deny = _action(
        actions,
        "deny",
        "deny for a legal reason (sends the notice)",
        lambda a: _with_rights(a, reason=a.reason, message=a.message),
        rights=True,
    )
    deny.add_argument(
        "--reason", required=True, choices=DENIAL_REASONS, metavar="REASON", help=_one_of(DENIAL_REASONS)
    )
    deny.add_argument("--message", help="extra words added to the notice")
    withdraw = _action(
        actions,
        "withdraw",
        "record that the requester withdrew the request",
        lambda a: _with_rights(a, reason=a.reason),
        rights=True,
    )
    withdraw.add_argument("--reason", help="how and why it was withdrawn (internal)")


def add_audit_command(sub: SubParsers) -> None:
    """Register `audit verify REF`."""
    audit = sub.add_parser("audit", help="check the tamper-evident audit trail of a case")
    verbs = audit.add_subparsers(required=True, metavar="ACTION")
    verify = verbs.add_parser(
        "verify",
        help="recompute a case's hash chain and check it against the WORM anchors (exit 1 if broken)",
    )
    verify.add_argument("ref")
    _common(verify)
    verify.set_defaults(command=_audit_verify)


def _common(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    # A subcommand's options default to SUPPRESS, so they never overwrite what `cases --json ...` set.
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS if suppress else False, help="print JSON"
    )
    parser.add_argument("--api", default=default, help="API base URL (default: from .privacydesk/stack.json)")


def _filters(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--state", choices=CASE_STATES, default=default, metavar="STATE", help=_one_of(CASE_STATES)
    )
    parser.add_argument("--right", choices=RIGHTS, default=default, metavar="RIGHT", help=_one_of(RIGHTS))
    parser.add_argument("--regime", choices=REGIMES, default=default, metavar="REGIME", help=_one_of(REGIMES))
    parser.add_argument("--due-before", metavar="YYYY-MM-DD", default=default, help="due on or before")
    parser.add_argument("--limit", type=int, default=default, help="at most this many (1-200)")


def _one_of(values: Sequence[str]) -> str:
    return "one of: " + ", ".join(values)


def _action(
    actions: SubParsers,
    name: str,
    helptext: str,
    body: BodyOf,
    *,
    positional: Sequence[str] = (),
    rights: bool = False,
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=helptext)
    parser.add_argument("ref")
    for argument in positional:
        parser.add_argument(argument)
    if rights:
        parser.add_argument(
            "--right",
            dest="rights",
            action="extend",
            nargs="+",
            choices=RIGHTS,
            metavar="RIGHT",
            help="only these rights of the case (default: every one the action applies to); "
            + _one_of(RIGHTS),
        )
    _common(parser, suppress=True)
    # The API names the note route in the plural.
    parser.set_defaults(command=_act, route="notes" if name == "note" else name, body=body)
    return parser


def _with_rights(args: argparse.Namespace, **fields: Any) -> dict[str, Any]:
    body = {k: v for k, v in fields.items() if v is not None}
    if getattr(args, "rights", None):
        body["rights"] = list(dict.fromkeys(args.rights))
    return body


def _list(args: argparse.Namespace) -> int:
    path = with_query(
        "/v1/cases",
        {
            "state": args.state,
            "right": args.right,
            "regime": args.regime,
            "due_before": args.due_before,
            "limit": args.limit,
        },
    )
    rows: list[dict[str, Any]] = call(api_url(args.api), "GET", path)["cases"]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("(no cases)")
        return 0
    _table([c.upper() for c in _LIST_COLUMNS], [[_cell(row.get(c)) for c in _LIST_COLUMNS] for row in rows])
    return 0


def _show(args: argparse.Namespace) -> int:
    case: dict[str, Any] = call(api_url(args.api), "GET", case_path(args.ref))
    if args.json:
        print(json.dumps(case, ensure_ascii=False, indent=2))
        return 0
    _print_case(case)
    return 0


def _act(args: argparse.Namespace) -> int:
    body: dict[str, Any] = args.body(args)
    case: dict[str, Any] = call(api_url(args.api), "POST", case_path(args.ref, args.route), body)
    if args.json:
        print(json.dumps(case, ensure_ascii=False, indent=2))
        return 0
    print(f"{case['ref']}: {case['state']}, due {_cell(case.get('due'))}")
    for item in case.get("items", []):
        print(f"  {item['right']:<18} {item['state']:<22} due {item['due']}")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    report: dict[str, Any] = call(api_url(args.api), "GET", case_path(args.ref, "audit"))
    code = 0 if report["ok"] else EXIT_BROKEN
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return code
    ref = report["ref"]
    if report["ok"]:
        counts = f"{report['events']} events, {report['anchors_checked']} anchors checked"
        print(f"{ref}: audit chain intact ({counts})")
    elif report.get("first_broken_seq") is not None:
        print(f"{ref}: audit chain BROKEN at event {report['first_broken_seq']}: {report['reason']}")
    else:
        print(f"{ref}: audit chain BROKEN: {report['reason']}")
    return code


def _print_case(case: dict[str, Any]) -> None:
    print(f"{case['ref']}  {case['state']}  due {_cell(case.get('due'))}")
    agent = case.get("agent")
    paused = f"stopped ({case.get('paused_days', 0)} days paused)" if case.get("paused") else "running"
    if case.get("closed_at"):
        paused = "closed"
    facts = [
        ("requester", case.get("requester")),
        ("for", case.get("on_behalf_of")),
        ("name", case.get("name") or None),
        (
            "agent",
            f"{agent['name']} <{agent['email']}>, permission {agent['permission_ref']}" if agent else None,
        ),
        ("regime", f"{case.get('regime')} ({case.get('regime_reason')})"),
        ("calendar", case.get("calendar")),
        ("received", f"{case.get('received_at')} by {case.get('source')}, language {case.get('language')}"),
        ("assignee", case.get("assignee")),
        ("verified", case.get("verified_at")),
        ("clock", paused),
        ("closed", case.get("closed_at")),
        ("flags", case.get("flags") or None),
    ]
    for label, value in facts:
        if value is not None or label in {"assignee", "verified", "closed"}:
            print(f"  {label:<10} {_cell(value)}")
    print()
    print("Clocks")
    rows = []
    for item in case.get("items", []):
        clocks = item.get("clocks") or {}
        extended = _cell(clocks.get("extended_respond_by")) + (" (granted)" if item.get("extended") else "")
        rows.append(
            [
                item["right"],
                item["state"],
                item["due"],
                _cell(clocks.get("respond_by")),
                extended,
                _cell(clocks.get("extension_notice_by")),
                _rule(clocks),
            ]
        )
    _table(["RIGHT", "STATE", "DUE", "RESPOND_BY", "EXTENDED", "NOTICE_BY", "RULE"], rows)
    events = case.get("events", [])
    print()
    print(f"Timeline ({len(events)} events)")
    _table(
        ["SEQ", "AT", "ACTOR", "TYPE"],
        [[str(e.get("seq")), e.get("at", ""), e.get("actor", ""), e.get("type", "")] for e in events],
    )


def _rule(clocks: dict[str, Any]) -> str:
    """The rule with the inputs it was applied to, so the dates can be recomputed by hand."""
    inputs = f"received {clocks.get('received')}, calendar {clocks.get('calendar')}"
    if clocks.get("paused_days"):
        inputs += f", {clocks['paused_days']} days paused"
    return f"{clocks.get('rule', '-')} [{inputs}]"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    for line in [list(headers), *rows]:
        # The last column is not padded: it holds free text (a rule, an address).
        cells = [cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=False)]
        print("  ".join([*cells, line[-1]]).rstrip())


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    return "-" if value is None or value == "" else str(value)
