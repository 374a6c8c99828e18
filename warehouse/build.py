"""``python -m warehouse build``: raw store -> staging -> intermediate -> marts, checked,
then swapped in atomically.

Models are SQL files in ``warehouse/models/<layer>/<name>.sql``, one model each, run in
layer order (staging, intermediate, marts) and by name within a layer. Each file starts with
comment lines that the build reads:

    -- grain: one row per ...          (required)
    -- key: col_a, col_b               (required: checked unique, and not null ...)
    -- nullable: col_b                 (... except for the key columns listed here)
    -- materialized: view              (optional: a view, not a table; its key is not checked,
                                        the memoised model that reads it is)
    -- memo: intermediate.input_view   (optional: a memoised model, below)

Staging and intermediate models live in schemas of those names while the build runs and are
dropped before publishing; marts are the published tables. Values a model needs (the
pseudonym key) are bound as ``$name`` parameters, never formatted into the SQL.

Memoised models (incremental enrichment). The text classifiers (question cues, guideline
rules) are the build's costliest per-post work and a post's result depends only on the post
(and, for staff-only rules, its author's role). A memoised model names an input view whose
rows carry ``platform, post_id, memo_key`` (the stored version's payload hash, plus whatever
else the result depends on) and reads its posts from ``memo_todo``. The build keeps each memoised
model's rows and inputs in the published warehouse's ``memo`` schema (never shown to readers)
with a version: a hash of the model's and its input's rendered SQL, so a changed rule or cue
is a new version. The next build evaluates only the input rows whose (post, memo_key) the
previous build did not, and copies the previous rows of the rest; with no usable previous
build (first build, another version, an unreadable file) every row is evaluated.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from store import config, db, rewrite
from store.reference import ensure_reference
from store.retention import PurgeCounts, purge
from store.runs import fault_point
from warehouse import snapshot, templates, themes

MODELS = Path(__file__).parent / "models"
LAYERS = ("staging", "intermediate", "marts")
MODEL_SCHEMA = {"staging": "staging", "intermediate": "intermediate", "marts": "main"}
BUILDING_SUFFIX = ".building"
_HEADER = re.compile(r"^--\s*(grain|key|nullable|materialized|memo):\s*(.+?)\s*$", re.MULTILINE)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_REFERENCE = re.compile(r"\b(staging|intermediate|main)\.([a-z_][a-z0-9_]*)\b")
_TEMPLATE = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_MEMO_INPUT = re.compile(r"^intermediate\.[a-z_][a-z0-9_]*$")
MEMO_SCHEMA = "memo"
PREVIOUS = "prev"  # catalog name of the previous published warehouse while a build runs


class BuildError(RuntimeError):
    """The build failed; the published warehouse was left as it was."""


@dataclass
class Model:
    layer: str
    name: str
    path: Path
    sql: str
    grain: str
    key: list[str]
    nullable: list[str] = field(default_factory=list)
    view: bool = False  # "-- materialized: view"
    memo_input: str | None = None  # "-- memo: intermediate.<input view>"

    @property
    def table(self) -> str:
        return f"{MODEL_SCHEMA[self.layer]}.{self.name}"


@dataclass
class BuildResult:
    posts: int
    seconds: float
    tables: dict[str, int]
    model_seconds: dict[str, float] = field(default_factory=dict)  # "layer/name" -> seconds
    purged: PurgeCounts | None = None  # what the build's purge removed
    memo_reused: dict[str, int] = field(default_factory=dict)  # memoised model -> input rows reused

    def summary(self) -> str:
        rate = self.posts / self.seconds if self.seconds else 0
        text = (f"built {len(self.tables)} tables, {self.posts:,} posts in {self.seconds:.2f} s"
                f" ({rate:,.0f} posts/s)")
        if any(self.memo_reused.values()):
            text += "; reused the previous build's " + ", ".join(
                f"{name} for {n:,} posts" for name, n in self.memo_reused.items())
        if self.purged is not None and self.purged.total:
            text += f"; {self.purged.summary()}"
        return text


def load_models(models_dir: Path = MODELS) -> list[Model]:
    """Every model, ordered so that each runs after the models it reads (references of the
    form ``staging.name``, ``intermediate.name`` or ``main.name``); layers run in order."""
    models = []
    for layer in LAYERS:
        for path in sorted((models_dir / layer).glob("*.sql")):
            sql = path.read_text()
            header = {k: v for k, v in _HEADER.findall(sql)}
            name = path.stem
            if not _IDENT.match(name):
                raise BuildError(f"{path}: model names are lower_snake_case")
            for required in ("grain", "key"):
                if required not in header:
                    raise BuildError(f"{path}: missing '-- {required}:' header line")
            split = lambda text: [c.strip() for c in text.split(",") if c.strip()]  # noqa: E731
            key, nullable = split(header["key"]), split(header.get("nullable", ""))
            for column in key + nullable:
                if not _IDENT.match(column):
                    raise BuildError(f"{path}: bad column name {column!r} in the header")
            view = header.get("materialized", "table") == "view"
            if header.get("materialized", "table") not in ("table", "view"):
                raise BuildError(f"{path}: '-- materialized:' is 'table' or 'view'")
            memo_input = header.get("memo")
            if memo_input is not None and not _MEMO_INPUT.match(memo_input):
                raise BuildError(f"{path}: '-- memo:' names an intermediate view, e.g. intermediate.int_rule_input")
            models.append(Model(layer, name, path, sql, header["grain"], key, nullable, view, memo_input))
    return _in_dependency_order(models)


def _in_dependency_order(models: list[Model]) -> list[Model]:
    by_table = {m.table: m for m in models}
    ordered, done, visiting = [], set(), set()

    def visit(model: Model) -> None:
        if model.table in done:
            return
        if model.table in visiting:
            raise BuildError(f"{model.path}: models depend on each other in a cycle")
        visiting.add(model.table)
        for schema, name in _REFERENCE.findall(model.sql):
            other = by_table.get(f"{schema}.{name}")
            if other is not None and other is not model:
                visit(other)
        visiting.discard(model.table)
        done.add(model.table)
        ordered.append(model)

    for model in sorted(models, key=lambda m: LAYERS.index(m.layer)):
        visit(model)
    return ordered


def render(model: Model) -> str:
    """The model's SQL with ``{{ name }}`` replaced by SQL that code generates (the rule-based
    enrichments: their patterns are code constants, never user values)."""
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in templates.TEMPLATES:
            raise BuildError(f"{model.path}: unknown template {{{{ {name} }}}}")
        return templates.TEMPLATES[name]()

    return _TEMPLATE.sub(fill, model.sql)


def _params_for(sql: str, values: dict[str, object]) -> dict[str, object]:
    wanted = set(_PARAM.findall(sql))
    unknown = wanted - values.keys()
    if unknown:
        raise BuildError(f"model uses unknown parameter(s) {', '.join(sorted(unknown))}")
    return {name: values[name] for name in wanted}


def check_key(con, model: Model) -> list[str]:
    """Problems with the model's key: duplicates, and nulls in non-nullable key columns."""
    problems = []
    cols = ", ".join(model.key)
    dupes = con.execute(
        f"SELECT count(*) FROM (SELECT {cols} FROM {model.table} GROUP BY ALL HAVING count(*) > 1)"
    ).fetchall()[0][0]
    if dupes:
        example = con.execute(
            f"SELECT {cols}, count(*) AS n FROM {model.table} GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
        ).fetchall()[0]
        problems.append(f"{model.name}: {dupes} duplicated key(s) ({cols}), e.g. {example}")
    for column in model.key:
        if column in model.nullable:
            continue
        nulls = con.execute(f"SELECT count(*) FROM {model.table} WHERE {column} IS NULL").fetchall()[0][0]
        if nulls:
            problems.append(f"{model.name}: {nulls} row(s) with {column} null")
    return problems


def _remove_stale(target: Path) -> None:
    """Remove half-built files left by builds that died (we hold the writer lock)."""
    for stale in target.parent.glob(target.name + BUILDING_SUFFIX + "*"):
        stale.unlink(missing_ok=True)


def build(progress=None, models_dir: Path = MODELS) -> BuildResult:
    """Build the published warehouse from the raw store and swap it in atomically."""
    say = progress or (lambda fraction, message: None)
    start = time.perf_counter()
    models = load_models(models_dir)
    params = {"pseudonym_key": config.pseudonym_key()}
    retention_days = config.retention_days()
    target = config.warehouse_path()
    with db.writer_lock():
        # Make sure the raw store exists and is migrated (a build on an empty folder is valid),
        # then purge what retention and deletions say must go, in its own transaction.
        raw = db.connect_raw()
        try:
            ensure_reference(raw)
            say(0.0, "purging deleted posts and data past the retention period")
            purged = purge(raw, retention_days, self_role_columns=templates.self_role_columns(),
                           role_text_gate=templates.role_text_gate())
        finally:
            raw.close()
        rewrite.rewrite_if_pending()  # what the purge removed leaves the disk (store.rewrite)
        fault_point("build_after_purge")
        _remove_stale(target)
        building = target.with_name(f"{target.name}{BUILDING_SUFFIX}-{os.getpid()}")
        con = db.connect_build(building)
        try:
            db.attach_raw_readonly(con)
            con.execute("CREATE SCHEMA staging")
            con.execute("CREATE SCHEMA intermediate")
            for make in templates.PYTHON_TABLES:  # tables code makes (e.g. service calendars)
                make(con)
            previous = _memo_versions(con, target)
            con.execute(f"CREATE SCHEMA {MEMO_SCHEMA}")
            by_table = {m.table: m for m in models}
            tables, model_seconds, versions, reused = {}, {}, {}, {}
            for i, model in enumerate(models):
                say(i / (len(models) + 2), f"building {model.layer}/{model.name}")
                started = time.perf_counter()
                try:
                    sql = render(model)
                    if model.view:
                        con.execute(f"CREATE VIEW {model.table} AS\n{sql}", _params_for(sql, params))
                    elif model.memo_input:
                        versions[model.name] = _memo_version(model, sql, by_table)
                        reused[model.name] = _run_memoised(con, model, sql, _params_for(sql, params),
                                                           previous.get(model.name) == versions[model.name])
                    else:
                        con.execute(f"CREATE TABLE {model.table} AS\n{sql}", _params_for(sql, params))
                except BuildError:
                    raise
                except Exception as exc:
                    raise BuildError(f"{model.path}: {exc}") from exc
                model_seconds[f"{model.layer}/{model.name}"] = time.perf_counter() - started
                if not model.view:
                    tables[model.name] = con.execute(f"SELECT count(*) FROM {model.table}").fetchall()[0][0]
            say(len(models) / (len(models) + 2), "theming patient questions")
            started = time.perf_counter()
            tables |= themes.make_theme_tables(con, PREVIOUS if previous else None)
            model_seconds["python/themes"] = time.perf_counter() - started
            python_marts = _python_marts()
            for j, mart in enumerate(templates.PYTHON_MARTS):  # tables code makes from the marts (SPC)
                say((len(models) + j) / (len(models) + len(python_marts) + 2), f"building marts/{mart.name}")
                started = time.perf_counter()
                try:
                    mart.make(con)
                except Exception as exc:
                    raise BuildError(f"{python_marts[j].path}: {mart.name}: {exc}") from exc
                model_seconds[f"marts/{mart.name}"] = time.perf_counter() - started
                tables[mart.name] = con.execute(f"SELECT count(*) FROM main.{mart.name}").fetchall()[0][0]
            models = models + python_marts
            con.execute(f"CREATE TABLE {MEMO_SCHEMA}.versions AS SELECT unnest($models) AS model,"
                        " unnest($versions) AS version",
                        {"models": list(versions), "versions": list(versions.values())})
            fault_point("build_after_models")
            say(len(models) / (len(models) + 2), "checking keys")
            problems = [p for model in models if not model.view for p in check_key(con, model)]
            problems += themes.check_keys(con)
            if problems:
                raise BuildError("key checks failed: " + "; ".join(problems))
            _write_build_info(con, models)
            snapshot.write(con, params["pseudonym_key"])  # what a refresh builds on (warehouse.delta)
            con.execute("DROP SCHEMA staging CASCADE")
            con.execute("DROP SCHEMA intermediate CASCADE")
            con.execute("DETACH raw")
            if previous:
                con.execute(f"DETACH {PREVIOUS}")
            con.execute("CHECKPOINT")
            con.close()
            say((len(models) + 1) / (len(models) + 2), "publishing")
            fault_point("build_before_publish")
            db.publish(building, target)
            # the delta named the base just replaced: readers already ignore it (store.reader)
            config.delta_path().unlink(missing_ok=True)
            fault_point("build_after_publish")
        except BaseException:
            con.close()
            building.unlink(missing_ok=True)
            Path(str(building) + ".wal").unlink(missing_ok=True)
            raise
    say(1.0, "done")
    marts = {m.name: tables[m.name] for m in models if m.layer == "marts"} | {t: tables[t] for t in themes.TABLES}
    return BuildResult(posts=tables.get("posts", 0), seconds=time.perf_counter() - start,
                       tables=marts, model_seconds=model_seconds, purged=purged, memo_reused=reused)


def _python_marts() -> list[Model]:
    """templates.PYTHON_MARTS as models (their grain and key checked, listed in build_info);
    ``path`` is the module that makes each."""
    return [Model("marts", m.name, Path(inspect.getfile(m.make)), "", m.grain, list(m.key))
            for m in templates.PYTHON_MARTS]


def _memo_versions(con, target: Path) -> dict[str, str]:
    """Attach the published warehouse this build replaces (read-only, as ``prev``) and return
    its memoised models' versions; {} (nothing attached) when there is none, it predates
    memoisation or cannot be read: then every row is evaluated."""
    if not target.is_file():
        return {}
    escaped = str(target).replace("'", "''")  # our own file name; ATTACH takes no parameter
    try:
        con.execute(f"ATTACH '{escaped}' AS {PREVIOUS} (READ_ONLY)")
    except duckdb.Error:
        return {}
    try:
        versions = dict(con.execute(f"SELECT model, version FROM {PREVIOUS}.{MEMO_SCHEMA}.versions").fetchall())
    except duckdb.Error:
        versions = {}
    if not versions:
        con.execute(f"DETACH {PREVIOUS}")
    return versions


def _memo_version(model: Model, sql: str, by_table: dict[str, Model]) -> str:
    """What a memoised model's rows depend on besides the posts: its SQL and its input view's
    (rules, cues and memo_key all live there), and the engine that runs them."""
    source = by_table.get(model.memo_input)
    if source is None or not source.view:
        raise BuildError(f"{model.path}: '-- memo: {model.memo_input}' is not a view model")
    text = "\x00".join([sql, render(source), duckdb.__version__])
    return hashlib.sha256(text.encode()).hexdigest()


def _run_memoised(con, model: Model, sql: str, params: dict, warm: bool) -> int:
    """Build a memoised model into ``memo.<name>`` (a view ``intermediate.<name>`` reads it):
    evaluate the input rows the previous build did not, copy its rows for the rest. Returns
    how many input rows were reused."""
    source, name = model.memo_input, model.name
    old = f"{PREVIOUS}.{MEMO_SCHEMA}"
    if warm:
        con.execute(f"CREATE OR REPLACE TEMP VIEW memo_todo AS SELECT i.* FROM {source} i"
                    f" ANTI JOIN {old}.{name}_inputs m USING (platform, post_id, memo_key)")
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW memo_todo AS SELECT * FROM {source}")
    con.execute(f"CREATE TABLE {MEMO_SCHEMA}.{name} AS\n{sql}", params)
    con.execute(f"CREATE TABLE {MEMO_SCHEMA}.{name}_inputs AS SELECT platform, post_id, memo_key FROM {source}")
    reused = 0
    if warm:
        con.execute(f"CREATE TEMP TABLE memo_same AS SELECT platform, post_id FROM {MEMO_SCHEMA}.{name}_inputs"
                    f" SEMI JOIN {old}.{name}_inputs USING (platform, post_id, memo_key)")
        reused = con.execute("SELECT count(*) FROM memo_same").fetchall()[0][0]
        con.execute(f"INSERT INTO {MEMO_SCHEMA}.{name} BY NAME SELECT r.* FROM {old}.{name} r"
                    " SEMI JOIN memo_same USING (platform, post_id)")
        con.execute("DROP TABLE memo_same")
    con.execute("DROP VIEW memo_todo")
    con.execute(f"CREATE VIEW {model.table} AS SELECT * FROM {MEMO_SCHEMA}.{name}")
    return reused


def _write_build_info(con, models: list[Model]) -> None:
    con.execute(
        """
        CREATE TABLE build_info AS
        SELECT
            now() AS built_at,
            (SELECT count(*) FROM posts) AS n_posts,
            (SELECT min(created_at) FROM posts) AS first_post_at,
            (SELECT max(created_at) FROM posts) AS last_post_at,
            (SELECT count(*) FROM posts WHERE is_demo) AS n_demo_posts,
            (SELECT coalesce(max(author_n), 0) FROM posts) AS max_author_n,
            $models AS models
        """,
        {"models": [f"{m.layer}/{m.name}: {m.grain}" for m in models]},
    )
