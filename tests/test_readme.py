"""The README stays true: every command, environment variable, page and published
table/column is documented there, and the two set-up commands are the ones CI runs."""
from __future__ import annotations

import re

import duckdb

from ingest import jobs
from ingest.__main__ import build_parser as ingest_parser
from store import config
from tests.support import ROOT, post, write_jsonl
from warehouse.__main__ import build_parser as warehouse_parser
from warehouse.build import build
from warehouse.rules import local, packs

README = (ROOT / "README.md").read_text()
CODE_DIRS = ["store", "ingest", "warehouse", "ui", "pages", "bench"]


def _subcommands(parser):
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(action.choices)


def test_every_cli_command_is_documented():
    for module, parser in [("ingest", ingest_parser()), ("warehouse", warehouse_parser())]:
        for command in _subcommands(parser):
            assert f"python -m {module} {command}" in README, f"python -m {module} {command}"
    assert "python bench/run.py --posts N" in README


def test_every_environment_variable_is_documented():
    names = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r"\bRADSOME_[A-Z_]+\b", path.read_text()))
    names |= set(re.findall(r"\bRADSOME_[A-Z_]+\b", (ROOT / "dashboard.py").read_text()))
    assert names, "expected the code to read RADSOME_DATA at least"
    for name in sorted(names):
        assert f"`{name}`" in README, name


def test_every_page_is_documented():
    pages = ["dashboard.py", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))]
    for page in pages:
        assert f"`{page}`" in README, page


def test_every_published_table_and_column_is_documented(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [post("1")]))
    build()
    con = duckdb.connect(str(config.warehouse_path()), read_only=True)
    tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
    for table in tables:
        heading = f"### `{table}`"
        assert heading in README, heading
        section = README.split(heading, 1)[1].split("\n### ", 1)[0]
        for (column,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $t", {"t": table}
        ).fetchall():
            assert f"| `{column}` |" in section, f"{table}.{column}"
    con.close()


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```sh\n(.+?)\n```", README)
    assert len(commands) == 2
    dashboard, tests = commands
    assert dashboard.endswith("streamlit run dashboard.py")
    assert tests.endswith("python -m pytest")
    assert tests in (ROOT / ".ci" / "run").read_text()


def test_every_guideline_rule_is_listed_with_its_clause():
    for rule in packs.RULES + local.LOCAL_RULES:
        line = next((l for l in README.splitlines() if l.startswith(f"| `{rule.rule_id}` |")), None)
        assert line, rule.rule_id
        assert all(f"`{family}`" in line for family in rule.clauses), rule.rule_id


def test_the_fast_tier_command_uses_the_registered_markers():
    ini = (ROOT / "pytest.ini").read_text()
    assert 'python -m pytest -m "not app and not slow"' in README
    assert "--strict-markers" in ini  # a mistyped marker fails instead of silently not selecting
    assert re.search(r"^\s+app:", ini, re.M) and re.search(r"^\s+slow:", ini, re.M)
