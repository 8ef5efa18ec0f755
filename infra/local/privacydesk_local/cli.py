"""The `privacydesk` command line."""

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from privacydesk_local.api_client import ApiError, StackUnreachableError, api_url, call
from privacydesk_local.cli_cases import add_audit_command, add_cases_command
from privacydesk_local.cli_consent import add_consent_command
from privacydesk_local.cli_deadlines import add_deadlines_command
from privacydesk_local.cli_notices import add_notices_command

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run one command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except (StackUnreachableError, ApiError) as exc:
        print(f"privacydesk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader (head, less) went away: not an error of ours.
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="privacydesk", description="Privacy-request desk: local stack and tools."
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    triage = sub.add_parser("triage", help="print what the desk understands of one .eml file (no AWS needed)")
    triage.add_argument("file", type=Path)
    triage.set_defaults(command=_triage)

    run = sub.add_parser("run", help="start the local stack in the foreground")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--smtp-port", type=int, default=2525)
    run.add_argument("--http-port", type=int, default=8080)
    run.add_argument("--no-samples", action="store_true", help="do not deliver the sample mails at start")
    run.add_argument(
        "--send-rate", type=float, default=14.0, help="messages per second the local SES accepts"
    )
    run.add_argument(
        "--tick-every",
        type=float,
        default=300.0,
        help="seconds between runs of the scheduled jobs (reminders, escalations, sweep); 0: never",
    )
    run.set_defaults(command=_run)

    add_cases_command(sub)
    add_audit_command(sub)
    add_deadlines_command(sub)
    add_consent_command(sub)
    add_notices_command(sub)

    for name, helptext, handler in (
        ("outbox", "list outgoing mail and its send status", _outbox),
        ("inbound", "list inbound mail and what was done with it", _inbound),
    ):
        listing = sub.add_parser(name, help=helptext)
        listing.add_argument("--json", action="store_true", help="one JSON array")
        listing.add_argument("--api", help="API base URL (default: from .privacydesk/stack.json)")
        listing.set_defaults(command=handler)

    reprocess = sub.add_parser("reprocess", help="replay an inbound email from the on-failure queue")
    reprocess.add_argument("message_id")
    reprocess.add_argument("--api")
    reprocess.set_defaults(command=_reprocess)

    tick = sub.add_parser("tick", help="run the scheduled jobs once on the running stack, as of a given time")
    tick.add_argument(
        "--now", help="a date or ISO timestamp (UTC unless it has a zone); default: the real time"
    )
    tick.add_argument(
        "--json", action="store_true", help="print the jobs' counts and the mail queued as JSON"
    )
    tick.add_argument("--api")
    tick.set_defaults(command=_tick)
    return parser


def _triage(args: argparse.Namespace) -> int:
    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"privacydesk: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    from privacydesk.logic.triage import triage_message  # noqa: PLC0415 - keeps the other commands light

    print(json.dumps(triage_message(raw).as_json(), ensure_ascii=False))
    return 0


def _run(args: argparse.Namespace) -> int:
    from privacydesk_local.stack import LocalStack, StackConfig  # noqa: PLC0415 - moto is heavy

    defaults = StackConfig()
    config = StackConfig(
        host=args.host,
        smtp_port=args.smtp_port,
        http_port=args.http_port,
        samples=None if args.no_samples else defaults.samples,
        send_rate=args.send_rate,
        tick_every=args.tick_every,
    )
    stack = LocalStack(config)
    try:
        info = stack.start()
    except OSError as exc:
        stack.stop()
        print(f"privacydesk: cannot start the local stack: {exc}", file=sys.stderr)
        return EXIT_USAGE
    stopped = threading.Event()
    # Explicit handlers: a shell that starts us in the background may have told us to ignore SIGINT.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        print("privacydesk local stack is running")
        print(f"  desk page and API  {info.api}/")
        print(f"  SMTP (SES inbound) {info.smtp_host}:{info.smtp_port}  -> send to {info.privacy_address}")
        print(f"  moto (AWS)         {info.aws_endpoint}")
        print(f"  handler logs       {info.log_file}")
        print(f"  mail sent          {Path(info.log_file).parent / 'sent'}/*.eml")
        print("  admin token        .privacydesk/stack.json (Authorization: Bearer; browser: any user)")
        delivered = stack.deliver_samples()
        if delivered:
            stack.wait_idle(timeout=60)
            cases = call(info.api, "GET", "/v1/cases")["cases"]
            sent = [o for o in call(info.api, "GET", "/v1/outbox")["outbox"] if o["status"] == "sent"]
            acks = sum(o["template"] == "acknowledgement" for o in sent)
            checks = sum(o["template"] == "verification_request" for o in sent)
            print(
                f"  delivered {delivered} sample mails: {len(cases)} cases, {acks} acknowledgements"
                f" and {checks} identity checks sent"
            )
        print("Press Ctrl-C to stop.", flush=True)
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
        print("stopped.")
    return 0


def _listing(
    args: argparse.Namespace,
    path: str,
    key: str,
    columns: Sequence[str],
    shape: Callable[[dict[str, Any]], dict[str, Any]],
) -> int:
    rows = [shape(row) for row in call(api_url(args.api), "GET", path)[key]]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print("  ".join(_cell(row.get(c)) for c in columns))
    if not rows:
        print(f"(no {key})")
    return 0


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    return "-" if value is None else str(value)


def _outbox(args: argparse.Namespace) -> int:
    def shape(o: dict[str, Any]) -> dict[str, Any]:
        return {
            k: o.get(k)
            for k in (
                "id",
                "to",
                "subject",
                "template",
                "case",
                "language",
                "status",
                "created_at",
                "sent_at",
                "ses_message_id",
            )
        }

    return _listing(
        args,
        "/v1/outbox",
        "outbox",
        ("status", "sent_at", "template", "case", "language", "to", "subject"),
        shape,
    )


def _inbound(args: argparse.Namespace) -> int:
    return _listing(
        args,
        "/v1/inbound",
        "inbound",
        ("received_at", "outcome", "case", "message_id", "reason"),
        lambda i: i,
    )


def _tick(args: argparse.Namespace) -> int:
    base = api_url(args.api)
    before = {o["id"] for o in call(base, "GET", "/v1/outbox")["outbox"]}
    result = call(base, "POST", "/_local/tick", {"now": args.now} if args.now else {}, timeout=120)
    # Mail the jobs queued carries the tick's instant; an earlier tick at the same instant queued the rest.
    queued = [
        o
        for o in call(base, "GET", "/v1/outbox")["outbox"]
        if o["created_at"] == result["now"] and o["id"] not in before
    ]
    if args.json:
        print(json.dumps({**result, "queued": queued}, ensure_ascii=False, indent=2))
        return 0
    counts = ", ".join(f"{job} {count}" for job, count in result["counts"].items())
    print(f"tick as of {result['now']}: {counts}")
    for mail in queued:
        print(f"  queued {mail['template']:<22} {mail['case'] or '-':<18} to {mail['to']}")
    if not queued:
        print("  no mail queued")
    return 0


def _reprocess(args: argparse.Namespace) -> int:
    result = call(api_url(args.api), "POST", "/v1/reprocess", {"message_id": args.message_id})
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
