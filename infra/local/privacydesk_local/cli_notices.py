"""`privacydesk notices ...`: planned disclosures to third parties, and how far their advance notices went."""

import argparse
import json
import time
from typing import Any, TypeAlias

from privacydesk_local.api_client import api_url, call

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
_BAR = 30


def add_notices_command(sub: SubParsers) -> None:
    """Register `notices declare|status|list`."""
    notices = sub.add_parser("notices", help="advance notice before sharing: declare, follow, list")
    actions = notices.add_subparsers(required=True, metavar="ACTION")

    declare = actions.add_parser("declare", help="declare a planned disclosure; its notices go out at once")
    declare.add_argument("--recipient", required=True, help="the organisation the data will be shared with")
    declare.add_argument("--purpose", required=True, help="why, in words the people told will read")
    declare.add_argument(
        "--categories", required=True, help="data categories, comma-separated (contact,behavioural,...)"
    )
    declare.add_argument("--effective", required=True, help="the first day of sharing (YYYY-MM-DD)")
    audience = declare.add_mutually_exclusive_group()
    audience.add_argument(
        "--audience-purpose",
        default="third_party_sharing",
        help="tell everyone the ledger lets be contacted for this purpose (default third_party_sharing)",
    )
    audience.add_argument("--list-key", help="tell the addresses of this list in the disclosure bucket")
    declare.add_argument("--json", action="store_true", help="the API's answer as JSON")
    declare.add_argument("--api")
    declare.set_defaults(command=_declare)

    status = actions.add_parser("status", help="progress of one disclosure, with its audit trail")
    status.add_argument("disclosure_id")
    status.add_argument("--watch", action="store_true", help="redraw every second until every notice is sent")
    status.add_argument("--json", action="store_true", help="the API's answer as JSON")
    status.add_argument("--api")
    status.set_defaults(command=_status)

    listing = actions.add_parser("list", help="every disclosure, most recent first")
    listing.add_argument("--api")
    listing.set_defaults(command=_list)


def _declare(args: argparse.Namespace) -> int:
    audience = {"list_key": args.list_key} if args.list_key else {"purpose": args.audience_purpose}
    body = {
        "recipient": args.recipient,
        "purpose": args.purpose,
        "categories": [c.strip() for c in args.categories.split(",") if c.strip()],
        "audience": audience,
        "effective_date": args.effective,
    }
    answer = call(api_url(args.api), "POST", "/v1/disclosures", body)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        print(f"declared {answer['disclosure_id']}: notices are being planned and sent")
        print(f"follow it with: privacydesk notices status {answer['disclosure_id']} --watch")
    return 0


def _status(args: argparse.Namespace) -> int:
    base = api_url(args.api)
    path = f"/v1/disclosures/{args.disclosure_id}"
    answer = call(base, "GET", path)
    while args.watch and not args.json and not _settled(answer):
        print(progress_line(answer), end="\r", flush=True)
        time.sleep(1.0)
        answer = call(base, "GET", path)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        return 0
    print_status(answer)
    return 0


def _settled(answer: dict[str, Any]) -> bool:
    counts = answer["counts"]
    done = int(counts["sent"]) + int(counts["failed"])
    return answer["status"] == "closed" or (answer["status"] != "planning" and done >= int(counts["planned"]))


def progress_line(answer: dict[str, Any]) -> str:
    """One line: a bar of notices sent out of those planned, and the counts that matter."""
    counts = answer["counts"]
    planned, sent = counts["planned"], counts["sent"]
    filled = _BAR * sent // planned if planned else 0
    bar = "#" * filled + "-" * (_BAR - filled)
    share = f"{100 * sent // planned:3d}%" if planned else "  -%"
    more = "+" if answer["status"] == "planning" else ""
    return (
        f"[{bar}] {share} {sent}/{planned}{more} sent, {counts['failed']} failed, {counts['bounced']} bounced"
    )


def print_status(answer: dict[str, Any]) -> None:
    """The disclosure, its progress bar, its close and its audit trail."""
    counts = answer["counts"]
    print(f"{answer['disclosure_id']}  to {answer['recipient']}  effective {answer['effective_date']}")
    print(f"  purpose: {answer['purpose']}")
    print(f"  data: {', '.join(answer['categories'])}")
    audience = ", ".join(f"{k}={v}" for k, v in answer["audience"].items())
    print(f"  audience: {audience}   status: {answer['status']}")
    print(f"  {progress_line(answer)}")
    if answer["status"] == "closed":
        print(
            f"  closed {answer['closed_at']}: {counts['shareable']} may be shared, {counts['not_shared']} "
            f"may not ({counts['objected']} objected), {counts['late_objections']} late objection(s)"
        )
        print(f"  manifest {answer['manifest']['key']} sha256 {answer['manifest']['sha256']}")
    elif counts["late_objections"]:
        print(f"  {counts['late_objections']} late objection(s)")
    print("events:")
    for event in answer.get("events", []):
        print(f"  {event['seq']:>3}  {event['at']}  {event['type']:<20} {event['actor']}")


def _list(args: argparse.Namespace) -> int:
    answer = call(api_url(args.api), "GET", "/v1/disclosures")
    for disclosure in answer["disclosures"]:
        print(
            f"{disclosure['disclosure_id']}  {disclosure['status']:<9} {disclosure['effective_date']}  "
            f"{disclosure['recipient']}  {progress_line(disclosure)}"
        )
    if not answer["disclosures"]:
        print("no disclosures declared")
    return 0
