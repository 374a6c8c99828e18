"""``python -m ingest COMMAND``: load data into RadSoMe's raw store.

Commands: ``file``, ``accounts``, ``policies``, ``themes``, ``reference``, ``deletions``, ``users``, ``demo``, and the
live connectors ``x``, ``facebook``, ``mastodon``, ``bluesky``, ``reddit`` and ``all``. Run ``python -m warehouse build``
afterwards to publish what was loaded (``demo`` does it for you unless ``--no-build``).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from ingest import jobs
from ingest.connectors import CONNECTORS
from store import access, config
from store.access import UsersFileError
from store.config import SettingError
from store.demo_effects import DEFAULT, POLICY_EFFECTS
from store.db import WriterBusy
from store.errors import STORAGE_ERRORS, InputError, storage_error_message


def _date(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("file", help="import a JSONL or CSV file of posts (one post per row)")
    p.add_argument("path", type=Path)
    p.add_argument("--source", help="source name for rows without a 'source' value")
    p.add_argument("--trust", metavar="ODS_CODE", help="trust for rows without a 'trust_code' value")

    p = sub.add_parser("accounts", help="load the account registry (CSV) as a new version")
    p.add_argument("path", type=Path)

    p = sub.add_parser("policies", help="load trusts' local social-media policies (YAML or CSV)")
    p.add_argument("path", type=Path)

    p = sub.add_parser("themes", help="load the themes register (YAML: rename, merge or split the"
                                      " generated themes of patient questions) as a new version")
    p.add_argument("path", type=Path)

    p = sub.add_parser("reference", help="refresh NHS trusts from NHS ODS's etr.csv")
    p.add_argument("--etr", type=Path, required=True, metavar="PATH")

    p = sub.add_parser("deletions", help="record posts deleted on their platform (CSV or JSONL of"
                                         " platform, post_id[, deleted_at]) and remove them")
    p.add_argument("path", type=Path)

    p = sub.add_parser("users", help="load the dashboard's users register (CSV or YAML: email, role,"
                                     " trust_code, region_code, name); replaces the register")
    p.add_argument("path", type=Path)


    for name in CONNECTORS:
        p = sub.add_parser(name, help=f"fetch the {name} targets of the sources file (live API)")
        p.add_argument("--config", type=Path, metavar="PATH", help="sources file (default: DATA/sources.yaml)")
        p.add_argument("--target", metavar="NAME", help="only the target with this name")
    p = sub.add_parser("all", help="fetch every configured source, then build")
    p.add_argument("--config", type=Path, metavar="PATH", help="sources file (default: DATA/sources.yaml)")
    p.add_argument("--no-build", action="store_true", help="fetch and land but do not build")

    p = sub.add_parser("demo", help="generate seeded synthetic demo data, then build")
    p.add_argument("--posts", type=int, default=150_000, metavar="N")
    p.add_argument("--seed", type=int, default=7, metavar="S")
    p.add_argument("--end", type=_date, metavar="YYYY-MM-DD",
                   help="last day of the history (default: today)")
    p.add_argument("--policy-effect", choices=sorted(POLICY_EFFECTS), default=DEFAULT,
                   help="what the fictional trusts' local policies are made to do (default: %(default)s:"
                        " encouraged patient engagement +15 points answered, permitted personal use"
                        " twice the breaches; none: nothing, so any difference is chance)")
    p.add_argument("--no-build", action="store_true", help="land the data but do not build")
    p.add_argument("--no-reviews", action="store_true",
                   help="after the build, do not write the demo's simulated review history"
                        " (python -m warehouse demo-reviews: reviewers 95%% accurate)")
    return parser


def _print_counts(counts, seconds: float) -> None:
    for problem in counts.problems:
        print(f"  quarantined: {problem}")
    if counts.quarantined > len(counts.problems):
        print("  ... and more; see the quarantine table")
    rate = counts.read / seconds if seconds else 0
    print(f"{counts.summary()} in {seconds:.2f} s ({rate:,.0f} rows/s)")
    warning = counts.retention_warning()
    if warning:
        print(warning)


def _build() -> int:
    """``python -m warehouse build`` as a child process (ingest never imports the warehouse):
    its progress, summary and errors go straight to this terminal; its exit code is ours."""
    sys.stdout.flush()
    return subprocess.run([sys.executable, "-m", "warehouse", "build"], env=config.child_env()).returncode


def _demo_reviews() -> int:
    """``python -m warehouse demo-reviews`` as a child process, after a demo's build: the
    demo's simulated review history (the warehouse refuses it on anything but demo data)."""
    sys.stdout.flush()
    return subprocess.run([sys.executable, "-m", "warehouse", "demo-reviews"], env=config.child_env()).returncode


def _connectors(args) -> int:
    """Run one connector or all; print a line per source; exit 0 when nothing failed, 1 when
    some source failed (others still ran), 2 when nothing could be fetched for a reason of
    input or set-up."""
    def progress(message: str) -> None:
        print(f"  {message}", flush=True)

    if args.command == "all":
        results, skipped = jobs.run_all(args.config, progress=progress)
    else:
        results, skipped = jobs.run_connector(args.command, args.config, args.target, progress=progress)
    for reason in skipped:
        print(reason)
    for result in results:
        print(result.summary())
    failed = [r for r in results if r.error]
    if args.command == "all" and not getattr(args, "no_build", False) and any(not r.error for r in results):
        built = _build()
        if built:
            return built
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    start = time.perf_counter()
    try:
        if args.command == "file":
            counts = jobs.import_file(args.path, source=args.source, trust=args.trust)
            _print_counts(counts, time.perf_counter() - start)
        elif args.command == "accounts":
            version, n = jobs.load_accounts(args.path)
            print(f"account registry version {version}: {n:,} accounts")
        elif args.command == "policies":
            version, n, trusts = jobs.load_policies(args.path)
            print(f"trust policies load {version}: {n:,} policy versions for {trusts:,} trusts")
        elif args.command == "themes":
            version, n, unknown = jobs.load_themes(args.path)
            print(f"themes register version {version}: {n:,} entries (run python -m warehouse build to apply)")
            if unknown:
                print(f"note: the published warehouse has no theme {', '.join(unknown)}; the build skips"
                      " the entries naming them until it does")
        elif args.command == "reference":
            n = jobs.load_reference(args.etr)
            print(f"reference: {n:,} trusts loaded from {args.etr}")
        elif args.command == "deletions":
            counts, removed = jobs.load_deletions(args.path)
            print(f"deletions: read {counts.read:,}, new {counts.new:,}, already recorded"
                  f" {counts.duplicate:,}; removed {removed:,} stored post versions"
                  f" (run python -m warehouse build to publish)")
        elif args.command in CONNECTORS or args.command == "all":
            return _connectors(args)
        elif args.command == "users":
            n = access.load_users(args.path)
            print(f"users register: {n:,} users loaded from {args.path} (takes effect at the next page load)")
        elif args.command == "demo":
            def progress(fraction, message):
                print(f"  [{fraction:4.0%}] {message}", flush=True)

            counts = jobs.run_demo(args.posts, args.seed, args.end, progress=progress,
                                   policy_effect=args.policy_effect)
            _print_counts(counts, time.perf_counter() - start)
            if not args.no_build:
                return _build() or (0 if args.no_reviews else _demo_reviews())
    except (InputError, WriterBusy, SettingError, UsersFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except STORAGE_ERRORS as exc:
        print(f"error: {storage_error_message(exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
