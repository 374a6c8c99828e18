"""``python -m warehouse build|evaluate|audit|faq|compare-policies``: publish the warehouse from
the raw store, evaluate the question classifier, the guideline rules and the themes (against
labelled text, or in use), draw the week's blind audit sample, write a draft FAQ of what patients
ask (``faq`` runs ``ui/faq.py`` as a child process: redaction and suppression live in ``ui``,
which the warehouse package never imports), or reproduce the Policy comparison page's answer."""
from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from store import config
from store.config import SettingError
from store.db import WriterBusy
from store.errors import STORAGE_ERRORS, storage_error_message
from warehouse import demo_reviews, evaluate, policy_queries, policy_report
from warehouse.build import BuildError, build


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build staging -> intermediate -> marts, check keys, swap in")
    fresh = sub.add_parser("refresh", help="publish what changed since the last build as a delta beside it (or"
                                           " build in full when a delta cannot be exact, saying why)")
    fresh.add_argument("--max-share", type=float, default=None, metavar="FRACTION",
                       help="build in full when the changes reach more than this share of the posts"
                            " (default 0.10)")
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
    only.add_argument("--in-use", action="store_true",
                      help="quality in use: precision from reviews and the blind audit's estimates (docs/methods.md)")
    evaluate.add_argument("--skip-blind", action="store_true",
                          help="leave the blind held-out sets out (while changing a classifier)")
    sub.add_parser("faq", add_help=False,
                   help="write a draft FAQ of what patients ask: [--trust CODE | --region CODE]"
                        " [--from D --to D] [--format md|html|docx|csv] --out PATH (see faq --help)")
    sample = sub.add_parser("audit", help="draw a week's blind audit sample into the Review queue, or export "
                                          "the service's judgements as labelled data")
    sample.add_argument("--week", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="any day of the week to sample (default: last week)")
    design = audit_design()
    for name in ("staff_flagged", "staff_unflagged", "public_question", "public_other"):
        sample.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(design, name),
                            help=f"posts drawn from that stratum (default {getattr(design, name)})")
    sample.add_argument("--double-share", type=float, default=design.double_share,
                        help=f"share of the sample read independently by more than one reviewer "
                             f"(default {design.double_share})")
    sample.add_argument("--double-readers", type=int, default=design.double_readers,
                        help=f"independent readers of each such post (default {design.double_readers}: Cohen's "
                             "kappa; 3 or more: Fleiss' kappa); a disagreement goes to one more reader, who decides")
    sample.add_argument("--export", type=Path, metavar="DIR",
                        help="write in_use_flags.csv and in_use_questions.csv (ids, text hashes, labels) to DIR")
    seeded = sub.add_parser("demo-reviews", help="demo data only: write a simulated review history (review "
                                                 "decisions and blind audit samples judged against what the demo planted)")
    seeded.add_argument("--accuracy", type=float, default=demo_reviews.ACCURACY,
                        help=f"how often a simulated reviewer is right (default {demo_reviews.ACCURACY})")
    seeded.add_argument("--weeks", type=int, default=demo_reviews.WEEKS,
                        help=f"weeks of blind audit samples (default {demo_reviews.WEEKS})")
    policies = sub.add_parser("compare-policies", help="the Policy comparison page's answer, England-wide")
    policies.add_argument("--clause", required=True, choices=list(policy_queries.CLAUSES),
                          help="which clause of the local policy defines an enabling policy")
    policies.add_argument("--outcome", choices=list(policy_queries.OUTCOMES), help="one outcome (default: all)")
    policies.add_argument("--from", dest="start", type=date.fromisoformat, help="first UK day (default: as the page)")
    policies.add_argument("--to", dest="end", type=date.fromisoformat, help="last UK day (default: as the page)")
    policies.add_argument("--json", action="store_true", help="print JSON (NaN and infinity as null)")
    return parser


def audit_design():
    from warehouse.audit import Design

    return Design()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["faq"]:  # its options are ui/faq.py's own
        sys.stdout.flush()
        return subprocess.run([sys.executable, "-m", "ui.faq", *argv[1:]], env=config.child_env()).returncode
    args = build_parser().parse_args(argv)
    if args.command in ("build", "refresh"):
        from warehouse import delta  # only for this command

        run = build
        if args.command == "refresh":
            share = delta.MAX_SHARE if args.max_share is None else args.max_share
            run = lambda progress: delta.refresh(progress, max_share=share)  # noqa: E731
        try:
            result = run(progress=lambda f, m: print(f"  [{f:4.0%}] {m}", flush=True))
        except (BuildError, WriterBusy, SettingError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except STORAGE_ERRORS as exc:
            print(f"error: {storage_error_message(exc)}", file=sys.stderr)
            return 2
        print(result.summary())
    elif args.command == "evaluate" and args.in_use:
        from warehouse import inuse_report

        return inuse_report.in_use()
    elif args.command == "audit":
        from warehouse import audit, inuse_report

        try:
            design = audit.Design(args.staff_flagged, args.staff_unflagged, args.public_question, args.public_other,
                                  args.double_share, args.double_readers)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return inuse_report.run_audit(args.week or date.today() - timedelta(days=7), design, args.export)
    elif args.command == "demo-reviews":
        return _demo_reviews(args)
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



def _demo_reviews(args) -> int:
    """``python -m warehouse demo-reviews``: the demo's simulated review history (never on real data)."""
    from store import reader

    try:
        con = reader.connect_published()
        try:
            seeded = demo_reviews.seed(con.cursor(), accuracy=args.accuracy, weeks=args.weeks)
        finally:
            con.close()
        print(seeded.summary())
        if seeded.decisions:  # review precision is read from the published flag_reviews: publish them
            print(build(progress=lambda f, m: print(f"  [{f:4.0%}] {m}", flush=True)).summary())
    except (BuildError, WriterBusy, SettingError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except STORAGE_ERRORS as exc:
        print(f"error: {storage_error_message(exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
