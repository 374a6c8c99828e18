"""``python -m warehouse build|evaluate|faq|compare-policies``: publish the warehouse from the
raw store, evaluate the question classifier, the guideline rules and the themes against
labelled text, write a draft FAQ of what patients ask (``faq`` runs ``ui/faq.py`` as a child
process: redaction and suppression live in ``ui``, which the warehouse package never imports),
or reproduce the Policy comparison page's answer."""
from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import date

from store import config
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
    only.add_argument("--themes", action="store_true",
                      help="the themes of patient questions only: purity, adjusted Rand index, stability"
                           " and the best-answer score against labelled themes and a hand ranking")
    evaluate.add_argument("--skip-blind", action="store_true",
                          help="leave the blind held-out sets out (while changing a classifier)")
    sub.add_parser("faq", add_help=False,
                   help="write a draft FAQ of what patients ask: [--trust CODE | --region CODE]"
                        " [--from D --to D] [--format md|html|csv] --out PATH (see faq --help)")
    policies = sub.add_parser("compare-policies", help="the Policy comparison page's answer, England-wide")
    policies.add_argument("--clause", required=True, choices=list(policy_queries.CLAUSES),
                          help="which clause of the local policy defines an enabling policy")
    policies.add_argument("--outcome", choices=list(policy_queries.OUTCOMES), help="one outcome (default: all)")
    policies.add_argument("--from", dest="start", type=date.fromisoformat, help="first UK day (default: as the page)")
    policies.add_argument("--to", dest="end", type=date.fromisoformat, help="last UK day (default: as the page)")
    policies.add_argument("--json", action="store_true", help="print JSON (NaN and infinity as null)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["faq"]:  # its options are ui/faq.py's own
        sys.stdout.flush()
        return subprocess.run([sys.executable, "-m", "ui.faq", *argv[1:]], env=config.child_env()).returncode
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
    elif args.command == "evaluate" and args.themes:
        from warehouse import theme_eval  # only for this command
        return theme_eval.main()
    elif args.command == "evaluate":
        flags = {"--explain": args.explain, "--rules": args.rules, "--questions": args.questions,
                 "--skip-blind": args.skip_blind}
        return evaluate.main([flag for flag, on in flags.items() if on])
    return 0


if __name__ == "__main__":
    sys.exit(main())
