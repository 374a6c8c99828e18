"""``python -m warehouse build|evaluate|compare-policies``: publish the warehouse from the raw
store, evaluate the question classifier and the guideline rules against labelled text, or
reproduce the Policy comparison page's answer."""
from __future__ import annotations

import argparse
import sys
from datetime import date

from store.config import SettingError
from store.db import WriterBusy
from store.errors import STORAGE_ERRORS, storage_error_message
from warehouse import evaluate, policy_queries, policy_report
from warehouse.build import BuildError, build


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build staging -> intermediate -> marts, check keys, swap in")
    evaluate = sub.add_parser("evaluate", help="precision and recall of the question classifier and of every "
                                                "guideline flag family, on every split")
    evaluate.add_argument("--explain", action="store_true",
                          help="also show where the classifiers and the labels disagree")
    only = evaluate.add_mutually_exclusive_group()
    only.add_argument("--rules", action="store_true", help="the guideline rules only (per family)")
    only.add_argument("--questions", action="store_true", help="the question classifier only")
    evaluate.add_argument("--skip-blind", action="store_true",
                          help="leave the blind held-out sets out (while changing a classifier)")
    policies = sub.add_parser("compare-policies", help="the Policy comparison page's answer, England-wide")
    policies.add_argument("--clause", required=True, choices=list(policy_queries.CLAUSES),
                          help="which clause of the local policy defines an enabling policy")
    policies.add_argument("--outcome", choices=list(policy_queries.OUTCOMES), help="one outcome (default: all)")
    policies.add_argument("--from", dest="start", type=date.fromisoformat, help="first UK day (default: as the page)")
    policies.add_argument("--to", dest="end", type=date.fromisoformat, help="last UK day (default: as the page)")
    policies.add_argument("--json", action="store_true", help="print JSON (NaN and infinity as null)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "build":
        try:
            result = build(progress=lambda f, m: print(f"  [{f:4.0%}] {m}", flush=True))
        except (BuildError, WriterBusy, SettingError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except STORAGE_ERRORS as exc:
            print(f"error: {storage_error_message(exc)}", file=sys.stderr)
            return 2
        print(result.summary())
    elif args.command == "compare-policies":
        try:
            print(policy_report.main(args.clause, args.outcome, args.start, args.end, args.json))
        except FileNotFoundError as exc:  # a read: nothing to write, so not a storage error
            print(f"error: {exc}; publish one first with python -m warehouse build", file=sys.stderr)
            return 2
        except (ValueError, SettingError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except STORAGE_ERRORS as exc:
            print(f"error: {storage_error_message(exc)}", file=sys.stderr)
            return 2
    elif args.command == "evaluate":
        flags = {"--explain": args.explain, "--rules": args.rules, "--questions": args.questions,
                 "--skip-blind": args.skip_blind}
        return evaluate.main([flag for flag, on in flags.items() if on])
    return 0


if __name__ == "__main__":
    sys.exit(main())
