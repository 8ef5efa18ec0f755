"""`privacydesk deadlines`: the legal clocks of one right, computed offline."""

import argparse
import json
import re
import sys
from datetime import date

EXIT_USAGE = 2  # the CLI's usage exit code (cli.EXIT_USAGE); not imported, so cli.py can import us
# date.fromisoformat also takes 20270131 and week dates; the contract is YYYY-MM-DD only.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def add_deadlines_command(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `deadlines --regime R --received YYYY-MM-DD --calendar CODE [--right RIGHT]`."""
    deadlines = sub.add_parser(
        "deadlines", help="print the legal clocks of one right as JSON (no AWS needed)"
    )
    deadlines.add_argument("--regime", required=True, help="gdpr, uk_gdpr, ccpa, can_spam, vcdpa or pipeda")
    deadlines.add_argument("--received", required=True, metavar="YYYY-MM-DD", help="local date of receipt")
    deadlines.add_argument(
        "--calendar", required=True, metavar="CODE", help="holiday calendar, e.g. DE, FR, GB-ENG, US, US-CA"
    )
    deadlines.add_argument("--right", default="access", help="the right asked for (default: access)")
    deadlines.set_defaults(command=_deadlines)


def _deadlines(args: argparse.Namespace) -> int:
    from privacydesk.logic.clocks import ClockError, compute_clocks  # noqa: PLC0415 - keeps the CLI light

    try:
        if not _ISO_DATE.fullmatch(args.received):
            raise ValueError(args.received)
        received = date.fromisoformat(args.received)
    except ValueError:
        print(f"privacydesk: --received must be a date as YYYY-MM-DD, got {args.received!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        clocks = compute_clocks(args.regime, args.right, received, args.calendar)
    except ClockError as exc:
        print(f"privacydesk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(clocks.as_json()))
    return 0
