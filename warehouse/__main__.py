"""``python -m warehouse build|evaluate``: publish the warehouse from the raw store, or
evaluate the question classifier and the guideline rules against labelled text."""
from __future__ import annotations

import argparse
import sys

from store.config import SettingError
from store.db import WriterBusy
from store.errors import STORAGE_ERRORS, storage_error_message
from warehouse import evaluate
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
    elif args.command == "evaluate":
        flags = {"--explain": args.explain, "--rules": args.rules, "--questions": args.questions,
                 "--skip-blind": args.skip_blind}
        return evaluate.main([flag for flag, on in flags.items() if on])
    return 0


if __name__ == "__main__":
    sys.exit(main())
