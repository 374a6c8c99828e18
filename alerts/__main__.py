"""``python -m alerts run|digest``: tell people what changed, after each build (docs/alerts.md).

``run`` sends each due event (a patient question unanswered past its target, a new
high-severity flag, an SPC special cause of concern, a connector failing run after run) once
to each subscription of ``alerts.yaml``; ``digest --weekly`` sends each e-mail subscription
its weekly digest. ``--dry-run`` says what would be sent and sends (and records) nothing.
Exit status: 0 when everything due went out, 1 when an event failed (it is tried again next
run) or a subscription was refused, 2 when the alerts file or a setting cannot be used.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alerts import run as engine
from alerts.config import AlertsConfigError
from store.config import SettingError
from store.errors import STORAGE_ERRORS, storage_error_message
from store.sent_events import AlertsBusy


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m alerts", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("run", "send every due alert once (cron: after each build)"),
                            ("digest", "send the weekly digest e-mails (cron: weekly)")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", type=Path, metavar="PATH", help="alerts file (default: DATA/alerts.yaml)")
        p.add_argument("--dry-run", action="store_true", help="say what would be sent; send and record nothing")
        if name == "digest":
            p.add_argument("--weekly", action="store_true", required=True,
                           help="the weekly digest (one per subscription and ISO week)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        summary = engine.run(args.config, dry_run=args.dry_run, weekly_digest=args.command == "digest")
    except (AlertsConfigError, SettingError, AlertsBusy, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except STORAGE_ERRORS as exc:
        print(f"error: {storage_error_message(exc)}", file=sys.stderr)
        return 2
    print(("digest: " if args.command == "digest" else "alerts: ") + summary.line())
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
