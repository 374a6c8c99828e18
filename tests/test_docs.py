"""The documentation stays true. Each fact is checked in the one file that holds it:

- README.md: the two quick-start commands (the ones CI runs), the fast-tier command, every CLI
  command in the commands table, and at most 200 lines;
- docs/pages.md: every dashboard page;
- docs/warehouse.md: every published table and column, and nothing that is not published;
- docs/methods.md: every guideline rule with its family, severity, title and clause families,
  and every clause family with its editions and whether each was verified;
- docs/security.md: every ``RADSOME_*`` environment variable;
- docs/connectors.md: every connector's credentials and target fields;
- docs/design.md: every requirement, with why it is there;
- docs/alerts.md: every alerts.yaml field and event with each option and its default, both
  commands in a cron line, and the example file loads;
- docs/README.md: every file in docs/;
- everywhere: every relative link resolves to a file, and its ``#anchor`` to a heading there;
  every place the code points a person at a section of the docs names one that exists.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from alerts import config as alerts_config
from alerts.__main__ import build_parser as alerts_parser
from ingest import connectors, jobs
from ingest.__main__ import build_parser as ingest_parser
from store import config
from tests.support import ROOT, post, write_jsonl
from warehouse.__main__ import build_parser as warehouse_parser
from warehouse.build import build
from warehouse.rules import clauses, local, packs

DOCS = ROOT / "docs"
CODE_DIRS = ["store", "ingest", "warehouse", "ui", "pages", "alerts", "bench"]
README_MAX_LINES = 200
# Scripts run by path or module rather than as a subcommand of ``python -m ingest|warehouse``:
# a new one fails test_every_script_is_listed until it is added here and to the commands table.
SCRIPTS = {
    "bench/run.py": "python bench/run.py",
    "bench/users.py": "python bench/users.py",
    "bench/browser.py": "python bench/browser.py",
    "bench/browser_users.py": "python bench/browser_users.py",
    "bench/pandas_baseline.py": "python bench/pandas_baseline.py",
    "bench/scorecard.py": "python bench/scorecard.py",
    "bench/policy_null.py": "python bench/policy_null.py",
    "bench/refresh_probe.py": "python bench/refresh_probe.py",
    "bench/chart_bytes.py": "python bench/chart_bytes.py",
    "ingest/sources/facebook_export.py": "python -m ingest.sources.facebook_export",
    "warehouse/evaluate.py": "python -m warehouse evaluate",
    "warehouse/enrich/train_questions.py": "python -m warehouse.enrich.train_questions",
    "warehouse/rules/train_flags.py": "python -m warehouse.rules.train_flags",
    "ui/faq.py": "python -m warehouse faq",  # run by that command as a child process
    "warehouse/theme_tune.py": "python -m warehouse.theme_tune",
    "ui/draw_icon.py": "python -m ui.draw_icon",
}
# The heading in docs/connectors.md that documents each connector.
CONNECTOR_SECTIONS = {
    "x": "X (Twitter)",
    "facebook": "Facebook pages",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "reddit": "Reddit",
}

_MD = MarkdownIt("commonmark").enable("table")


def _text(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` (a whole heading line, e.g. ``## Commands``) up to the next
    heading of the same or a higher level; fails when the heading is missing."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = text.splitlines()
    assert heading in lines, f"heading {heading!r} is missing"
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines))
                if re.match(rf"^#{{1,{level}}} ", lines[i])), len(lines))
    return "\n".join(lines[start:end])


def _table_rows(text: str) -> list[list[str]]:
    """Cells of every Markdown table row in ``text`` (header and separator rows included)."""
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("|")]


def _row(rows: list[list[str]], first_cell: str) -> list[str] | None:
    return next((row for row in rows if row and row[0] == first_cell), None)


def _slug(heading: str) -> str:
    """The anchor GitHub (and most renderers) give a heading: lower case, punctuation dropped,
    spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _headings_and_links(path: Path) -> tuple[set[str], list[str]]:
    """The anchors of ``path``'s headings (a repeated heading gets ``-1``, ``-2``, ...) and the
    target of every link in it, as a Markdown parser reads them (links in code are not links)."""
    tokens = _MD.parse(path.read_text(encoding="utf-8"))
    anchors: set[str] = set()
    links: list[str] = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[i + 1]
            words = "".join(child.content for child in inline.children
                            if child.type in ("text", "code_inline"))
            slug = base = _slug(words)
            n = 0
            while slug in anchors:
                n += 1
                slug = f"{base}-{n}"
            anchors.add(slug)
        if token.type == "inline":
            links += [child.attrGet("href") for child in token.children if child.type == "link_open"]
    return anchors, links


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _subcommands(parser) -> list[str]:
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(action.choices)


# --- README.md ----------------------------------------------------------------------------------

def test_readme_is_short():
    lines = _text("README.md").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move reference text to docs/"


def test_ci_runs_the_readme_test_command():
    quick_start = _section(_text("README.md"), "## Quick start")
    commands = re.findall(r"```sh\n(.+?)\n```", quick_start)
    assert len(commands) == 2
    dashboard, tests = commands
    assert dashboard.endswith("streamlit run dashboard.py")
    assert tests.endswith("python -m pytest")
    assert tests in _text(".ci/run")


def test_the_fast_tier_command_uses_the_registered_markers():
    ini = _text("pytest.ini")
    assert 'python -m pytest -m "not app and not slow"' in _section(_text("README.md"), "## Quick start")
    assert "--strict-markers" in ini  # a mistyped marker fails instead of silently not selecting
    assert re.search(r"^\s+app:", ini, re.M) and re.search(r"^\s+slow:", ini, re.M)


def test_every_cli_command_is_in_the_readme_commands_table():
    rows = _table_rows(_section(_text("README.md"), "## Commands"))
    listed = [span for row in rows for span in re.findall(r"`([^`]+)`", row[0])]

    def is_listed(command: str) -> bool:
        return any(span == command or span.startswith(command + " ") for span in listed)

    for module, parser in [("ingest", ingest_parser()), ("warehouse", warehouse_parser()), ("alerts", alerts_parser())]:
        for command in _subcommands(parser):
            assert is_listed(f"python -m {module} {command}"), f"python -m {module} {command}"
    for command in SCRIPTS.values():
        assert is_listed(command), command


def test_every_script_is_listed():
    """A module run on its own (``if __name__ == "__main__"``) is a command a person types."""
    found = {path.relative_to(ROOT).as_posix()
             for folder in CODE_DIRS for path in (ROOT / folder).rglob("*.py")
             if path.name != "__main__.py" and re.search(r"^if __name__ == .__main__.:", path.read_text(), re.M)}
    assert found == set(SCRIPTS), "add the new script to SCRIPTS and README's commands table"


# --- docs/pages.md ------------------------------------------------------------------------------

def test_every_page_is_in_docs_pages():
    rows = _table_rows(_text("docs/pages.md"))
    files = {row[1] for row in rows if len(row) > 2}
    pages = ["dashboard.py", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))]
    for page in pages:
        assert f"`{page}`" in files, page
    assert {f"`{page}`" for page in pages} >= files - {"file", "---"}, "a documented page no longer exists"


# --- docs/warehouse.md --------------------------------------------------------------------------

def test_every_published_table_and_column_is_in_docs_warehouse(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [post("1")]))
    build()
    doc = _text("docs/warehouse.md")
    con = duckdb.connect(str(config.warehouse_path()), read_only=True)
    try:
        tables = sorted(r[0] for r in con.execute("SHOW TABLES").fetchall())
        for table in tables:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main'"
                " AND table_name = $t ORDER BY ordinal_position", {"t": table}).fetchall()]
            documented = [row[0] for row in _table_rows(_section(doc, f"## `{table}`"))
                          if row[0].startswith("`")]
            for column in columns:
                assert f"`{column}`" in documented, f"{table}.{column} is not in docs/warehouse.md"
            for column in documented:
                assert column.strip("`") in columns, f"docs/warehouse.md lists {table}.{column}, not published"
    finally:
        con.close()
    documented_tables = sorted(re.findall(r"^## `(\w+)`$", doc, re.M))
    assert documented_tables == tables, "docs/warehouse.md's tables differ from the published ones"


# --- docs/methods.md ----------------------------------------------------------------------------

def test_every_guideline_rule_is_in_docs_methods_with_its_clauses():
    rows = _table_rows(_section(_text("docs/methods.md"), "## Guideline rules and trusts' policies"))
    for rule in packs.RULES + local.LOCAL_RULES:
        row = _row(rows, f"`{rule.rule_id}`")
        assert row, f"{rule.rule_id} is not in docs/methods.md"
        assert row[1] == rule.family and row[2] == rule.severity, rule.rule_id
        assert row[4] == rule.title, f"{rule.rule_id}: {row[4]!r} is not its title {rule.title!r}"
        assert row[5] == ", ".join(f"`{family}`" for family in rule.clauses), rule.rule_id


def test_every_clause_family_is_in_docs_methods_with_its_editions():
    rows = _table_rows(_section(_text("docs/methods.md"), "### Which clause a flag cites"))
    register = clauses.register()
    for family in sorted({c.family for c in register}):
        row = _row(rows, f"`{family}`")
        assert row, f"clause family {family} is not in docs/methods.md"
        editions = [c for c in register if c.family == family]
        for clause in editions:
            assert f"`{clause.clause_id}`" in row[1], f"{family}: edition {clause.clause_id}"
            verified = "yes" if clause.verified else "no"
            assert f"{clause.clause_id}: {verified}" in row[2], f"{clause.clause_id} verified: {verified}"
        assert row[1].count("`") == 2 * len(editions), f"{family}: an edition listed is not in the register"


@pytest.mark.slow
def test_docs_methods_states_each_flag_familys_precision_and_recall_as_measured():
    """#13: precision and recall per family in the docs, kept true: the rules-4 table's test and
    written-test rows are what ``python -m warehouse evaluate --rules`` measures now (rules-3
    beside it); the blind held-out table names every family (run once, not re-run here); the
    real-text table has every split; and the blind spots speak of every family."""
    from warehouse.rules import evaluate as rules_evaluate

    section = _section(_text("docs/methods.md"), "#### rules-4: learned rules beside the regex packs, and profanity")
    rows = _table_rows(section)
    frame = pd.concat([rules_evaluate.load_labelled(), rules_evaluate.load_written()], ignore_index=True)
    shown = lambda x: "—" if x != x else f"{x:.2f}"  # noqa: E731  (nan: no flag at all)
    for split in ("test", "written test"):
        part = frame[frame["split"] == split]
        before = rules_evaluate.family_scores(rules_evaluate.predict(part, rules_evaluate.PREVIOUS), list(packs.FAMILIES))
        after = rules_evaluate.family_scores(rules_evaluate.predict(part), list(packs.FAMILIES))
        for b, a in zip(before, after):
            row = next((r for r in rows if r[:2] == [split, a.family]), None)
            assert row, f"docs/methods.md has no {split} row for {a.family}"
            assert row[2:] == [str(a.tp + a.fn), shown(b.precision), shown(b.recall), shown(a.precision),
                               shown(a.recall), f"{a.tp} / {a.fp} / {a.fn}"], (split, a.family, row)
    blind = {r[0]: r for r in rows if r and r[0] in packs.FAMILIES}
    assert sorted(blind) == sorted(packs.FAMILIES)
    assert all(re.fullmatch(r"\d\.\d\d", cell) for row in blind.values() for cell in row[4:6])
    real = [r[0] for r in rows if r and r[0] in ("tweet-act train*", "tweet-act test", "real text train", "real text test")]
    assert real == ["tweet-act train*", "tweet-act test", "real text train", "real text test"]
    root = rules_evaluate.question_corpus.realdata_dir()
    if root is not None:  # the precision read by hand on real text, as evaluate prints it now
        real = rules_evaluate.load_real_text(root)
        printed = rules_evaluate.real_text_precision(real, rules_evaluate.real_text_flags(real),
                                                     rules_evaluate.load_verdicts())
        for line in printed[2:]:
            family, *cells = re.split(r"\s{2,}", line.strip())
            row = next((r for r in rows if r[0] == family and len(r) == 3), None)
            assert row, f"docs/methods.md has no real-text precision row for {family}"
            assert [c.replace("— (no flag)", "no flag") for c in cells] == row[1:], (family, row)
    spots = section[section.index("Blind spots of the learned rules"):].lower()
    spots += _section(_text("docs/methods.md"), "#### rules-2 → rules-3 (for the record)").lower()
    for family in packs.FAMILIES:
        assert family.replace("_", " ") in spots, f"no blind spot said for {family}"


# --- docs/security.md ---------------------------------------------------------------------------

def test_every_environment_variable_is_in_docs_security():
    names = set()
    for path in [ROOT / "dashboard.py", *(p for folder in CODE_DIRS for p in (ROOT / folder).rglob("*.py"))]:
        names |= set(re.findall(r"\bRADSOME_[A-Z_]+\b", path.read_text()))
    assert names, "expected the code to read RADSOME_DATA at least"
    rows = _table_rows(_section(_text("docs/security.md"), "## Environment variables"))
    for name in sorted(names):
        assert _row(rows, f"`{name}`"), f"{name} is not in docs/security.md's environment variables"


# --- docs/connectors.md -------------------------------------------------------------------------

def test_every_connector_credential_and_field_is_in_docs_connectors():
    doc = _text("docs/connectors.md")
    available = connectors.available()
    assert set(available) == set(CONNECTOR_SECTIONS), "a connector without a section in docs/connectors.md"
    for command, cls in available.items():
        section = _section(doc, f"## {CONNECTOR_SECTIONS[command]}")
        for name in cls.credential_names + cls.optional_credentials:
            assert re.search(rf"\b{name}\b", section), f"{command}: credential {name}"
        for field in cls.required + cls.optional:
            assert re.search(rf"`{field}\b|^\s*{field}:", section, re.M), f"{command}: target field {field}"


# --- docs/design.md -----------------------------------------------------------------------------

def test_every_requirement_is_in_docs_design_with_why():
    rows = _table_rows(_section(_text("docs/design.md"), "## Dependencies"))
    documented = {re.match(r"`([^`]+)`", row[0]).group(1).lower(): row for row in rows if row[0].startswith("`")}
    for file in ("requirements.txt", "requirements-dev.txt"):
        for line in _text(file).splitlines():
            name = re.match(r"^([A-Za-z0-9_.\-]+)", line)
            if not name or line.startswith("-r"):
                continue
            row = documented.get(name.group(1).lower())
            assert row, f"{file}: {name.group(1)} is not in docs/design.md's dependencies"
            assert row[1].strip(), f"{name.group(1)}: say why it is there"


# --- docs/alerts.md -----------------------------------------------------------------------------

def test_docs_alerts_has_every_field_event_and_option_and_schedules_both_commands(tmp_path):
    doc = _text("docs/alerts.md")
    fields = {row[0] for row in _table_rows(_section(doc, "## alerts.yaml"))}
    for name in alerts_config.FIELDS:
        assert f"`{name}`" in fields, f"alerts.yaml field {name} is not in docs/alerts.md"
    events = {row[0]: row for row in _table_rows(_section(doc, "# Alerts and digests"))}
    events_row = _row(_table_rows(_section(doc, "## alerts.yaml")), "`events`")[1]
    for event, options in alerts_config.EVENTS.items():
        assert f"`{event}`" in events, f"event {event} is not in docs/alerts.md's table of events"
        documented = re.search(rf"`{event}: \{{([^}}]*)\}}`", events_row)
        assert documented, f"{event}: its options are not in the `events` row"
        for option, (_, default) in options.items():
            assert option in documented.group(1), f"{event}: option {option}"
            if isinstance(default, int):  # a number default is written as the default
                assert f"{option}: {default}" in documented.group(1), f"{event}: {option}'s default {default}"
    # (the cron block's comments start with '#', so it is found in the whole file, after the heading)
    cron = "\n".join(re.findall(r"```cron\n(.+?)```", doc.split("\n## Scheduling\n", 1)[1], re.S))
    for command in ("python -m alerts run", "python -m alerts digest --weekly"):
        assert re.search(rf"^([\d*/,-]+\s+){{5}}\S.*{re.escape(command)}", cron, re.M), f"no cron line runs {command}"
    example = re.search(r"```yaml\n(.+?)```", _section(doc, "## alerts.yaml"), re.S).group(1)
    (tmp_path / "alerts.yaml").write_text(example)
    loaded = alerts_config.load(tmp_path / "alerts.yaml")
    assert [s.name for s in loaded] == ["leeds-manager", "north-east-teams", "operations"]


# --- links and the docs index -------------------------------------------------------------------

def test_the_docs_index_lists_every_docs_file():
    _, links = _headings_and_links(DOCS / "README.md")
    listed = {link.split("#")[0] for link in links}
    for path in DOCS.glob("*.md"):
        if path.name != "README.md":
            assert path.name in listed, f"docs/README.md does not link {path.name}"


def test_every_relative_link_resolves_to_a_file_and_anchor():
    anchors = {path.resolve(): _headings_and_links(path)[0] for path in _markdown_files()}
    broken = []
    for path in _markdown_files():
        for link in _headings_and_links(path)[1]:
            if re.match(r"^[a-z][a-z0-9+.-]*:", link):  # https:, mailto: ... not ours to check
                continue
            target, _, anchor = link.partition("#")
            resolved = (path.parent / target).resolve() if target else path.resolve()
            where = f"{path.relative_to(ROOT)}: {link}"
            if not resolved.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and resolved.suffix == ".md":
                known = anchors.get(resolved) or _headings_and_links(resolved)[0]
                if anchor not in known:
                    broken.append(f"{where} (no heading with that anchor)")
    assert not broken, "\n".join(broken)


def test_code_points_at_sections_that_exist():
    """Messages and docstrings send people to a doc's section by name (``docs/connectors.md,
    "Reddit"``): the file must exist and hold a heading of that name."""
    pattern = re.compile(r"\b(README\.md|README|docs/[\w-]+\.md)[,:]?\s+\\?[\"']([^\"'\\]+?)\\?[\"']")
    found = 0
    for path in [ROOT / "dashboard.py", *(p for folder in CODE_DIRS for p in (ROOT / folder).rglob("*.py"))]:
        for file, heading in pattern.findall(path.read_text()):
            found += 1
            doc = ROOT / ("README.md" if file.startswith("README") else file)
            assert doc.exists(), f"{path.relative_to(ROOT)} points at {file}, which does not exist"
            headings = {re.sub(r"^#+ ", "", line) for line in doc.read_text().splitlines() if line.startswith("#")}
            name = " ".join(heading.split())
            assert name in headings, f"{path.relative_to(ROOT)} points at {file} {name!r}: no such heading"
    assert found, "expected the connectors and pages to point at their docs"
