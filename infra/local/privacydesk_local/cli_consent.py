"""`privacydesk consent ...`: the consent ledger from the terminal (addresses travel in request bodies)."""

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any, TypeAlias

from privacydesk_local.api_client import api_url, call, with_query

EXIT_BROKEN = 1
EXIT_USAGE = 2
# Addresses per may-contact call (the API takes at most 200).
_BATCH = 200

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_consent_command(sub: SubParsers) -> None:
    """Register `consent show|record|may-contact|export`."""
    consent = sub.add_parser("consent", help="the consent ledger: show, record, filter a list, export")
    actions = consent.add_subparsers(required=True, metavar="ACTION")

    show = actions.add_parser("show", help="what one person agreed to (now, or as of a date), chain checked")
    show.add_argument("email")
    show.add_argument(
        "--as-of", help="a date (its end, in the organisation's zone) or an ISO timestamp with its offset"
    )
    show.add_argument("--json", action="store_true", help="the API's answer as JSON")
    show.add_argument("--api", help="API base URL (default: from .privacydesk/stack.json)")
    show.set_defaults(command=_show)

    record = actions.add_parser("record", help="record that a person granted or withdrew a purpose")
    record.add_argument("email")
    record.add_argument("--purpose", required=True)
    decision = record.add_mutually_exclusive_group(required=True)
    decision.add_argument("--grant", dest="granted", action="store_true")
    decision.add_argument("--withdraw", dest="granted", action="store_false")
    record.add_argument("--source", choices=("admin", "api", "import"), default="admin")
    record.add_argument("--policy-version")
    record.add_argument("--api")
    record.set_defaults(command=_record)

    may = actions.add_parser(
        "may-contact",
        help="print the addresses of FILE (one per line; - for stdin) that may be contacted now",
    )
    may.add_argument("file")
    may.add_argument("--purpose", required=True)
    may.add_argument("--api")
    may.set_defaults(command=_may_contact)

    export = actions.add_parser(
        "export", help="every consent event as JSON lines, each subject's chain checked (exit 1 if broken)"
    )
    export.add_argument("--output", type=Path, help="write the lines here instead of stdout")
    export.add_argument("--api")
    export.set_defaults(command=_export)


def _show(args: argparse.Namespace) -> int:
    body = {"email": args.email, **({"as_of": args.as_of} if args.as_of else {})}
    answer = call(api_url(args.api), "POST", "/v1/consents/lookup", body)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        _print_ledger(answer)
    return 0 if answer["chain"]["ok"] else EXIT_BROKEN


def _print_ledger(answer: dict[str, Any]) -> None:
    print(f"consent of {answer['email']} as of {answer['as_of']} (model {answer['consent_model']})")
    for purpose in answer["purposes"]:
        state = purpose["state"].replace("_", " ")
        since = (
            f"since {purpose['since']} ({purpose['source']}, event {purpose['event']})"
            if purpose["since"]
            else ""
        )
        contact = "may contact" if purpose["may_contact"] else "do not contact"
        print(f"  {purpose['purpose']:<22} {state:<10} {contact:<15} {since}".rstrip())
    print("events:")
    for event in answer["events"]:
        decision = "granted" if event["granted"] else "withdrawn"
        evidence = " ".join(f"{k}={v}" for k, v in sorted(event["evidence"].items()))
        print(
            f"  {event['seq']:>3}  {event['at']}  {event['purpose']:<22} {decision:<9} "
            f"{event['source']:<9} policy {event['policy_version']}  {evidence}".rstrip()
        )
    if not answer["events"]:
        print("  (none)")
    chain = answer["chain"]
    verdict = "intact" if chain["ok"] else f"BROKEN at event {chain['first_broken_seq']}: {chain['reason']}"
    print(f"chain: {verdict} ({chain['events']} events in all)")


def _record(args: argparse.Namespace) -> int:
    body = {"email": args.email, "purpose": args.purpose, "granted": args.granted, "source": args.source}
    if args.policy_version:
        body["policy_version"] = args.policy_version
    _print_ledger(call(api_url(args.api), "POST", "/v1/consents", body))
    return 0


def _may_contact(args: argparse.Namespace) -> int:
    base = api_url(args.api)
    try:
        stream: IO[str] = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        print(f"privacydesk: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    with stream:
        for batch in _batches(stream):
            answer = call(
                base, "POST", "/v1/consents/may-contact", {"purpose": args.purpose, "emails": batch}
            )
            for address in answer["emails"]:
                print(address)
    return 0


def _batches(lines: IO[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        address = line.strip()
        if address:
            batch.append(address)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _export(args: argparse.Namespace) -> int:
    base = api_url(args.api)
    subjects = events = 0
    broken: list[str] = []
    after: str | None = None
    with ExitStack() as files:
        out: IO[str] = (
            files.enter_context(args.output.open("w", encoding="utf-8")) if args.output else sys.stdout
        )
        while True:
            page = call(base, "GET", with_query("/v1/consents/export", {"after": after}))
            for subject in page["subjects"]:
                subjects += 1
                for event in subject["events"]:
                    events += 1
                    row = {"subject": subject["subject"], "email": subject["email"], **event}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                chain = subject["chain"]
                if not chain["ok"]:
                    where = f"BROKEN at event {chain['first_broken_seq']}: {chain['reason']}"
                    broken.append(f"subject {subject['subject']}: {where}")
            after = page["next"]
            if after is None:
                break
        out.flush()
    for problem in broken:
        print(f"privacydesk: {problem}", file=sys.stderr)
    verdict = "every chain intact" if not broken else f"{len(broken)} chain(s) BROKEN"
    print(f"{subjects} subjects, {events} events: {verdict}", file=sys.stderr)
    return EXIT_BROKEN if broken else 0
