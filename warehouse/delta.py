"""``python -m warehouse refresh``: publish what changed since the last full build as a small
delta beside it (``warehouse.delta.duckdb``) instead of rebuilding every model, or run a full
build and say why a delta could not be exact.

The delta holds, per published table it changes (``delta.tables``):

- ``posts`` (posts, flags, flag_reviews, flagged_post_texts, patient_questions): the rows of
  every post in the delta's scope, replacing all the base's rows of those posts
  (``delta.keys_posts``);
- ``days`` (the daily_* marts): every row of the days a post of the scope falls on (UK days,
  ``delta.keys_days``), recomputed from base and delta together;
- ``whole`` (small marts, spc_points, build_info): the table, recomputed from base and delta.

Readers (:mod:`store.reader`) fold it into their views, and only with the base it names
(``delta.info.base_id``, :mod:`warehouse.snapshot`). It is cumulative: it holds everything
since its base, so a second refresh replaces the first (one file, os.replace, as the base).
A full build removes it.

Exact by construction: the scope is the changed posts' threads closed under authors (every post
of an author in it, and their threads, to a fixed point), so every per-thread and per-author
judgement of a post in it (roles from self-description, automatic-reply templates, policy
disclaimers, thread attribution, episodes) sees exactly the posts a full build's does; the
models run unchanged on the raw store restricted to it. What depends on every post is checked,
and a full build runs when it would differ: the data's end (censoring of unanswered questions
outside the scope), author numbering (by first appearance: new authors take the next numbers
unless one first posted before an author of the base, or an author's first post moved), themes
(refitted by a full build when a patient question changes), plus no base made by a refresh-aware
build, changed code or reference data, deletions, a retention purge, or a scope over
``MAX_SHARE`` of the posts.
"""
from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from store import config, db, rewrite
from store.reference import ensure_reference
from store.retention import purge
from store.runs import fault_point
from warehouse import build as full
from warehouse import snapshot, templates, themes

MAX_SHARE = 0.10
POST_MARTS = {"posts": "created_at", "flags": "created_at", "flag_reviews": "created_at",
              "flagged_post_texts": "created_at", "patient_questions": "asked_at"}  # -> its day column
DAY_MARTS = ("daily_flag_counts", "daily_post_counts", "daily_question_counts", "daily_staff_post_counts")
# what the themes read of a question (warehouse/themes.py QUESTIONS_SQL, ANSWERS_SQL): when these
# are the base's for every question, every question keeps its theme and its answer's rank
THEME_INPUTS = ("platform, post_id, topic, author_key, trust_code, region_code, asked_at, is_answered,"
                " answered_by_post_id, answered_by_role, response_seconds, answer_signposting IS NOT NULL,"
                " answer_compassion IS NOT NULL")
BASE, RAWSTORE, WORK, COMB = full.PREVIOUS, "rawstore", "work", "comb"
UK_DAY = "(({col}) AT TIME ZONE 'Europe/London')::DATE"


class FullBuildNeeded(Exception):
    """A delta cannot be made exactly; the message says why."""


class Unchanged(Exception):
    """No ingest run since the base: nothing to publish."""


@dataclass
class RefreshResult:
    kind: str  # "delta", "full" (with the reason) or "unchanged"
    seconds: float
    reason: str = ""
    scope_posts: int = 0
    changed_posts: int = 0
    step_seconds: dict[str, float] = field(default_factory=dict)
    full_build: full.BuildResult | None = None

    def summary(self) -> str:
        if self.kind == "delta":
            return (f"published a delta of {self.scope_posts:,} posts ({self.changed_posts:,} new or changed)"
                    f" in {self.seconds:.2f} s")
        if self.kind == "unchanged":
            return f"no ingest run since the last build: nothing to refresh ({self.seconds:.2f} s)"
        return f"full build ({self.reason}): {self.full_build.summary() if self.full_build else ''}"


def refresh(progress=None, max_share: float = MAX_SHARE) -> RefreshResult:
    """Publish a delta for what changed since the published base, or a full build when a delta
    cannot be exact (the result says which, and why)."""
    say = progress or (lambda fraction, message: None)
    start = time.perf_counter()
    with db.writer_lock():
        raw = db.connect_raw()
        try:
            ensure_reference(raw)
            purge(raw, config.retention_days(), self_role_columns=templates.self_role_columns(),
                           role_text_gate=templates.role_text_gate())
        finally:
            raw.close()
        rewrite.rewrite_if_pending()
        try:
            return _Delta(say, max_share).run(start)
        except Unchanged:
            return RefreshResult("unchanged", time.perf_counter() - start)
        except FullBuildNeeded as exc:
            reason = str(exc)
    say(0.0, f"a delta cannot be exact: {reason}; building in full")
    result = full.build(progress)  # takes the writer lock itself; removes any delta
    return RefreshResult("full", time.perf_counter() - start, reason=reason, full_build=result)


class _Delta:
    """One delta build: a new file beside the base, swapped in when complete."""

    def __init__(self, say, max_share: float):
        self.say, self.max_share = say, max_share
        self.models = full.load_models()
        self.key = config.pseudonym_key()
        self.params = {"pseudonym_key": self.key}
        self.base, self.target = config.warehouse_path(), config.delta_path()
        self.steps: dict[str, float] = {}
        self.whole: set[str] = set()  # post marts the delta holds whole
        self._clock = time.perf_counter()

    def _q(self, sql: str, params: dict | None = None):
        return self.con.execute(sql, params or {}).fetchall()

    def _step(self, name: str) -> None:
        now = time.perf_counter()
        self.steps[name] = now - self._clock
        self._clock = now

    def run(self, start: float) -> RefreshResult:
        if not self.base.is_file():
            raise FullBuildNeeded("there is no published warehouse to build on")
        for stale in self.target.parent.glob(self.target.name + full.BUILDING_SUFFIX + "*"):
            stale.unlink(missing_ok=True)
        building = self.target.with_name(f"{self.target.name}{full.BUILDING_SUFFIX}-{os.getpid()}")
        self.con = db.connect_build(building)
        try:
            changed = self._attach_and_compare()
            scope = self._close_scope()
            self._run_models()
            self._check_globals()
            self._reopen()
            self._days_and_whole()
            self._describe(scope, changed)
            self._finish(building)
        except BaseException:
            self.con.close()
            building.unlink(missing_ok=True)
            Path(str(building) + ".wal").unlink(missing_ok=True)
            raise
        return RefreshResult("delta", time.perf_counter() - start, scope_posts=scope, changed_posts=changed,
                             step_seconds=self.steps)

    # --- what changed since the base ------------------------------------------------------------

    def _attach_and_compare(self) -> int:
        con = self.con
        self.say(0.0, "comparing with the published warehouse")
        self.db = self._q("SELECT current_database()")[0][0]
        db.attach_readonly(con, self.base, BASE)
        try:
            self.base_id, self.base_fp, _ = self._q(
                f"SELECT build_id, fingerprint, n_deletions FROM {BASE}.{snapshot.SCHEMA}.info")[0]
        except Exception as exc:  # noqa: BLE001 - a base built before refreshes existed
            raise FullBuildNeeded("the published warehouse was built before refreshes existed") from exc
        db.attach_readonly(con, config.raw_path(), RAWSTORE)
        con.execute(f"ATTACH ':memory:' AS {WORK}")
        con.execute(f"CREATE TABLE {WORK}.scope_raw (platform VARCHAR, post_id VARCHAR)")
        con.execute("ATTACH ':memory:' AS raw")  # the raw store; its posts restricted to the scope below
        for (name,) in self._q("SELECT table_name FROM duckdb_tables() WHERE database_name = $c"
                               " UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = $c",
                               {"c": RAWSTORE}):
            con.execute(f"CREATE VIEW raw.main.{name} AS SELECT * FROM {RAWSTORE}.main.{name}")
        for schema in ("staging", "intermediate", full.MEMO_SCHEMA, "delta"):
            con.execute(f"CREATE SCHEMA {schema}")
        for make in templates.PYTHON_TABLES:  # (the service calendar spans every stored post, as a build's)
            make(con)
        con.execute(f"CREATE TABLE {WORK}.new_runs AS SELECT run_id FROM {RAWSTORE}.main.ingest_runs"
                    f" ANTI JOIN {BASE}.{snapshot.SCHEMA}.runs USING (run_id)")
        # posts the base published that a build would not now: deleted, or purged (retention)
        con.execute(f"""CREATE TABLE {WORK}.removed AS SELECT platform, post_id, thread_id, author_key
            FROM {BASE}.main.posts ANTI JOIN (
                SELECT platform, radsome_hide_did(platform, post_id, $key) AS post_id FROM (
                    SELECT DISTINCT platform, post_id FROM {RAWSTORE}.main.raw_posts
                    EXCEPT SELECT platform, post_id FROM {RAWSTORE}.main.deletions)) USING (platform, post_id)""",
                    {"key": self.key})
        removed = self._q(f"SELECT count(*) FROM {WORK}.removed")[0][0]
        if not removed and not self._q(f"SELECT count(*) FROM {WORK}.new_runs")[0][0]:
            raise Unchanged()
        con.execute(f"""CREATE TABLE {WORK}.changed AS SELECT DISTINCT platform,
            radsome_hide_did(platform, post_id, $key) AS post_id,
            radsome_hide_did(platform, parent_id, $key) AS parent_id,
            radsome_hide_did(platform, thread_id, $key) AS thread_id,
            platform || ':' || author_id AS registry_key,
            'p_' || left(sha256($key || chr(31) || platform || chr(31) || author_id), 20) AS public_key
            FROM {RAWSTORE}.main.raw_posts SEMI JOIN {WORK}.new_runs USING (run_id)""", {"key": self.key})
        self._step("compare")
        return removed + self._q(f"SELECT count(DISTINCT (platform, post_id)) FROM {WORK}.changed")[0][0]

    def _close_scope(self) -> int:
        """work.scope := the changed posts' threads, closed under authors (all posts of every
        author in it) and threads, to a fixed point; work.scope_raw: its stored posts."""
        con, posts = self.con, f"{BASE}.main.posts"
        self.say(0.05, "finding the threads and authors the changes touch")
        total = self._q(f"SELECT count(*) FROM {posts}")[0][0]
        c = f"{WORK}.changed"
        con.execute(f"""CREATE TABLE {WORK}.threads AS SELECT DISTINCT platform, thread_id FROM (
            SELECT platform, thread_id FROM {c} WHERE thread_id IS NOT NULL
            UNION ALL SELECT platform, post_id FROM {c}
            UNION ALL SELECT b.platform, b.thread_id FROM {posts} b SEMI JOIN {c} USING (platform, post_id)
            UNION ALL SELECT b.platform, b.thread_id FROM {posts} b JOIN {c} ON b.platform = {c}.platform
                 AND b.post_id = {c}.parent_id
            UNION ALL SELECT platform, thread_id FROM {WORK}.removed)""")
        con.execute(f"""CREATE TABLE {WORK}.authors AS SELECT DISTINCT platform, author_key FROM (
            SELECT platform, registry_key AS author_key FROM {c}
            UNION ALL SELECT platform, public_key FROM {c}
            UNION ALL SELECT platform, author_key FROM {WORK}.removed)""")
        size = -1
        while True:
            # (created_at and author_n: the base's first appearance and number of its authors)
            con.execute(f"""CREATE OR REPLACE TABLE {WORK}.scope AS
                SELECT platform, post_id, thread_id, author_key, created_at, author_n FROM {posts}
                SEMI JOIN {WORK}.threads USING (platform, thread_id)
                UNION SELECT platform, post_id, thread_id, author_key, created_at, author_n FROM {posts}
                SEMI JOIN {WORK}.authors USING (platform, author_key)""")
            now = self._q(f"SELECT count(*) FROM {WORK}.scope")[0][0]
            if now > self.max_share * total:
                raise FullBuildNeeded(f"the changes reach {now:,} of {total:,} posts (their threads and authors),"
                                      f" over {self.max_share:.0%}")
            if now == size:
                break
            size = now
            con.execute(f"INSERT INTO {WORK}.threads SELECT DISTINCT platform, thread_id FROM {WORK}.scope"
                        f" EXCEPT SELECT * FROM {WORK}.threads")
            con.execute(f"INSERT INTO {WORK}.authors SELECT DISTINCT platform, author_key FROM {WORK}.scope"
                        f" EXCEPT SELECT * FROM {WORK}.authors")
        con.execute(f"CREATE TABLE {WORK}.keys AS SELECT platform, post_id FROM {WORK}.scope"
                    f" UNION SELECT platform, post_id FROM {c}")
        con.execute(f"""INSERT INTO {WORK}.scope_raw SELECT DISTINCT r.platform, r.post_id
            FROM {RAWSTORE}.main.raw_posts r
            SEMI JOIN {WORK}.keys k ON k.platform = r.platform
                 AND k.post_id = radsome_hide_did(r.platform, r.post_id, $key)""", {"key": self.key})
        self._step("scope")
        return self._q(f"SELECT count(*) FROM {WORK}.keys")[0][0]

    # --- the models, on the scope ---------------------------------------------------------------

    def _run_models(self) -> None:
        con = self.con
        self.say(0.15, "building the scope's rows")
        con.execute(f"CREATE OR REPLACE VIEW raw.main.raw_posts AS SELECT r.* FROM {RAWSTORE}.main.raw_posts r"
                    f" SEMI JOIN {WORK}.scope_raw USING (platform, post_id)")
        versions = dict(self._q(f"SELECT model, version FROM {BASE}.{full.MEMO_SCHEMA}.versions"))
        by_table = {m.table: m for m in self.models}
        checked = False
        for model in self.models:
            if model.layer != "staging" and not checked:  # the reference data is all staged
                checked = True
                if snapshot.fingerprint(con, self.key) != self.base_fp:
                    raise FullBuildNeeded("the code, the models or the reference data changed since the base was built")
            started = time.perf_counter()
            sql = full.render(model)
            params = full._params_for(sql, self.params)
            if model.view:
                con.execute(f"CREATE VIEW {model.table} AS\n{sql}", params)
            elif model.name == "stg_data_end":  # the newest of every post, not only the scope's
                con.execute(f"CREATE TABLE {model.table} AS SELECT greatest(max(created_at), (SELECT max(created_at)"
                            f" FROM {BASE}.main.posts ANTI JOIN {WORK}.keys USING (platform, post_id))) AS data_end_at"
                            " FROM staging.stg_posts")
            elif model.memo_input:
                version = full._memo_version(model, sql, by_table)
                full._run_memoised(con, model, sql, params, versions.get(model.name) == version)
            elif model.layer != "marts" or model.name in POST_MARTS:
                con.execute(f"CREATE TABLE {model.table} AS\n{sql}", params)
            self.steps[f"{model.layer}/{model.name}"] = time.perf_counter() - started
        self._clock = time.perf_counter()

    def _check_globals(self) -> None:
        """What depends on every post: a full build runs when the delta's rows would differ."""
        con, keys = self.con, f"{WORK}.keys"
        # every thread of the delta's posts is whole in the scope
        outside = self._q(f"""SELECT count(*) FROM {BASE}.main.posts b ANTI JOIN {keys} USING (platform, post_id)
            SEMI JOIN main.posts d ON d.platform = b.platform AND d.thread_id = b.thread_id""")[0][0]
        if outside:
            raise FullBuildNeeded(f"new posts joined threads the scope missed ({outside:,} posts)")
        self._number_authors()
        # themes: the full build refits them when their inputs change
        for table, cols in (("patient_questions", THEME_INPUTS), ("flag_reviews", "platform, post_id, rule_id, status"),
                            ("posts", "platform, post_id, text")):
            base = f"SELECT {cols} FROM {BASE}.main.{table} SEMI JOIN {keys} USING (platform, post_id)"
            mine = f"SELECT {cols} FROM main.{table}"
            if table == "posts":  # the texts themes read: questions' and answers'
                asked = (f"(SELECT platform, post_id FROM main.patient_questions UNION SELECT platform,"
                         f" answered_by_post_id FROM main.patient_questions UNION SELECT platform, post_id FROM"
                         f" {BASE}.main.patient_questions SEMI JOIN {keys} USING (platform, post_id))")
                base, mine = f"{base} SEMI JOIN {asked} USING (platform, post_id)", f"{mine} SEMI JOIN {asked} USING (platform, post_id)"
            differ = self._q(f"SELECT count(*) FROM (({base} EXCEPT ALL {mine}) UNION ALL ({mine} EXCEPT ALL {base}))")[0][0]
            if differ:
                raise FullBuildNeeded(f"patient questions or their answers changed ({table}): themes are refitted"
                                      " by a full build")
        self._step("checks")

    def _number_authors(self) -> None:
        """posts.author_n as a full build numbers it: authors by first appearance (their first
        post's created_at, then author_key). The base's authors in the scope keep their numbers
        and new authors take the next ones, in that order; a full build runs when its numbering
        could differ: an author of the base lost every post or their first post moved (deleted,
        or an earlier one backfilled), or a new author's first post does not come after the
        first post of the base's last-numbered author (backfill)."""
        con, w = self.con, WORK
        # every post of an author of the scope is in it (closed under authors), so these are
        # each author's first posts in the base and in a full build of today's raw store
        con.execute(f"""CREATE TABLE {w}.base_authors AS SELECT author_key, min(created_at) AS first_at,
            min(author_n) AS author_n FROM {w}.scope GROUP BY author_key""")
        con.execute(f"""CREATE TABLE {w}.delta_authors AS SELECT author_key, min(created_at) AS first_at
            FROM main.posts GROUP BY author_key""")
        con.execute(f"""CREATE TABLE {w}.new_authors AS SELECT author_key, first_at FROM {w}.delta_authors
            ANTI JOIN {w}.base_authors USING (author_key)""")
        outside = self._q(f"SELECT count(*) FROM (SELECT DISTINCT author_key FROM {BASE}.main.posts"
                          f" SEMI JOIN {w}.new_authors USING (author_key))")[0][0]
        if outside:
            raise FullBuildNeeded(f"new posts by {outside:,} author(s) whose other posts the scope missed")
        gone = self._q(f"SELECT count(*) FROM {w}.base_authors ANTI JOIN {w}.delta_authors USING (author_key)")[0][0]
        if gone:
            raise FullBuildNeeded(f"authors renumbered (posts.author_n): {gone:,} author(s) of the base have"
                                  " no posts left")
        moved = self._q(f"SELECT count(*) FROM {w}.base_authors b JOIN {w}.delta_authors d USING (author_key)"
                        " WHERE d.first_at IS DISTINCT FROM b.first_at")[0][0]
        if moved:
            raise FullBuildNeeded(f"authors renumbered (posts.author_n): the first post of {moved:,} author(s)"
                                  " of the base moved (deleted, or an earlier one added)")
        highest = self._q(f"SELECT coalesce(max(max_author_n), 0) FROM {BASE}.main.build_info")[0][0]
        if self._q(f"SELECT count(*) FROM {w}.new_authors")[0][0]:
            # the base's last author: new authors must come after them in a full build's order
            last = self._q(f"""SELECT author_key, min(created_at) FROM {BASE}.main.posts
                WHERE author_n = $n GROUP BY author_key""", {"n": highest})
            if last:
                key, first_at = last[0]
                early = self._q(f"""SELECT count(*) FROM {w}.new_authors
                    WHERE first_at < $at OR (first_at = $at AND author_key <= $key)""",
                                {"at": first_at, "key": key})[0][0]
                if early:
                    raise FullBuildNeeded(f"authors renumbered (posts.author_n): {early:,} new author(s) first"
                                          " posted before an author of the base first did")
        con.execute(f"""UPDATE main.posts SET author_n = n.author_n FROM (
            SELECT author_key, author_n FROM {w}.base_authors
            UNION ALL SELECT author_key, ($highest + row_number() OVER (ORDER BY first_at, author_key))::INTEGER
            FROM {w}.new_authors) n WHERE main.posts.author_key = n.author_key""", {"highest": highest})

    def _reopen(self) -> None:
        """When the data's end moved, the base's unanswered questions outside the scope are
        censored later: their patient_questions rows are made again by the same models
        (int_episode_service_times, patient_questions) from the base's rows and the new end;
        the answered ones change only their ``censored_at``."""
        con = self.con
        for table in POST_MARTS:
            con.execute(f"CREATE TABLE delta.keys__{table} AS SELECT * FROM {WORK}.keys")
        end = self._q("SELECT data_end_at FROM staging.stg_data_end")[0][0]
        base_end = self._q(f"SELECT max(created_at) FROM {BASE}.main.posts")[0][0]
        con.execute(f"CREATE TABLE {WORK}.reopened_days (day DATE)")
        if end == base_end:
            return
        self.say(0.7, "censoring the base's unanswered questions at the new end")
        catalog = self._catalog("reopen")
        con.execute(f"""CREATE VIEW {catalog}.intermediate.int_episodes AS
            SELECT platform, post_id, thread_id, author_key, trust_code, region_code, topic, asked_at, answered_at,
                   answered_by_post_id, answered_by_role, answer_stamped_early, acknowledged_at,
                   acknowledgement_reason, acknowledged_by_post_id, n_questions, n_followups,
                   first_unknown_reply_at, (SELECT data_end_at FROM "{self.db}".staging.stg_data_end) AS data_end_at
            FROM {BASE}.main.patient_questions ANTI JOIN {WORK}.keys USING (platform, post_id)
            WHERE NOT is_answered""")
        con.execute(f'CREATE VIEW {catalog}.intermediate.int_answer_practice AS'
                    f' SELECT * FROM "{self.db}".intermediate.int_answer_practice WHERE false')
        by_name = {m.name: m for m in self.models}
        self._in_catalog(catalog, by_name["int_episode_service_times"], f"{catalog}.intermediate.int_episode_service_times")
        self._in_catalog(catalog, by_name["patient_questions"], f"{WORK}.reopened")
        con.execute(f"INSERT INTO main.patient_questions BY NAME SELECT * FROM {WORK}.reopened")
        # an answered question's row depends on the end only by censored_at: every row moved,
        # so the delta holds the table whole
        con.execute(f"""INSERT INTO main.patient_questions BY NAME
            SELECT * REPLACE ((SELECT data_end_at FROM staging.stg_data_end) AS censored_at)
            FROM {BASE}.main.patient_questions ANTI JOIN {WORK}.keys USING (platform, post_id) WHERE is_answered""")
        con.execute(f"INSERT INTO delta.keys__patient_questions SELECT platform, post_id FROM {BASE}.main.patient_questions"
                    f" ANTI JOIN {WORK}.keys USING (platform, post_id)")
        self.whole.add("patient_questions")
        # a day mart counts within_target: the days where it moved are recomputed
        con.execute(f"""INSERT INTO {WORK}.reopened_days SELECT DISTINCT {UK_DAY.format(col='r.asked_at')}
            FROM {WORK}.reopened r JOIN {BASE}.main.patient_questions b USING (platform, post_id)
            WHERE r.within_target IS DISTINCT FROM b.within_target""")
        self._step("reopen")

    def _catalog(self, name: str) -> str:
        """An in-memory catalog whose staging schema is the delta's (views), for running models
        on other inputs."""
        con = self.con
        con.execute(f"ATTACH ':memory:' AS {name}")
        for schema in ("staging", "intermediate"):
            con.execute(f"CREATE SCHEMA {name}.{schema}")
        for (table,) in self._q("SELECT table_name FROM duckdb_tables() WHERE database_name = $c"
                                " AND schema_name = 'staging'", {"c": self.db}):
            con.execute(f'CREATE VIEW {name}.staging.{table} AS SELECT * FROM "{self.db}".staging.{table}')
        return name

    def _in_catalog(self, catalog: str, model, target: str) -> None:
        """CREATE TABLE ``target`` AS the model's SQL, run with ``catalog`` as the default."""
        sql = full.render(model)
        self.con.execute(f"USE {catalog}")
        try:
            self.con.execute(f"CREATE TABLE {target} AS {sql}", full._params_for(sql, self.params))
        finally:
            self.con.execute(f'USE "{self.db}"')

    # --- days and whole tables, from base and delta together -------------------------------------

    def _combined(self, table: str) -> str:
        return (f'SELECT * FROM {BASE}.main.{table} ANTI JOIN "{self.db}".delta.keys__{table} USING (platform, post_id)'
                f' UNION ALL BY NAME SELECT * FROM "{self.db}".main.{table}')

    def _days_and_whole(self) -> None:
        con = self.con
        self.say(0.8, "recomputing the days and small tables the changes touch")
        day = UK_DAY.format(col="created_at")
        con.execute(f"""CREATE TABLE {WORK}.days AS SELECT DISTINCT {day} AS day FROM (
            SELECT created_at FROM {BASE}.main.posts SEMI JOIN {WORK}.keys USING (platform, post_id)
            UNION ALL SELECT created_at FROM main.posts) UNION SELECT day FROM {WORK}.reopened_days""")
        for table in DAY_MARTS:
            con.execute(f"CREATE TABLE delta.keys__{table} AS SELECT day FROM {WORK}.days")
        self._catalog(COMB)
        days = f"SELECT day FROM {WORK}.days"
        for table, column in POST_MARTS.items():  # restricted to the delta's days, for the day marts
            con.execute(f"CREATE VIEW {COMB}.main.{table} AS SELECT * FROM ({self._combined(table)})"
                        f" WHERE {UK_DAY.format(col=column)} IN ({days})")
        con.execute(f"CREATE VIEW {COMB}.intermediate.int_posts AS SELECT * FROM {COMB}.main.posts")
        marts = [m for m in self.models if m.layer == "marts"]
        for model in marts:
            if model.name in DAY_MARTS:
                self._in_comb(model)
        for table in POST_MARTS:  # every row, for the whole marts
            con.execute(f"CREATE OR REPLACE VIEW {COMB}.main.{table} AS {self._combined(table)}")
        for name in DAY_MARTS:
            con.execute(f'CREATE VIEW {COMB}.main.{name} AS SELECT * FROM {BASE}.main.{name}'
                        f' ANTI JOIN {WORK}.days USING (day) UNION ALL BY NAME SELECT * FROM "{self.db}".main.{name}')
        for model in marts:
            if model.name not in DAY_MARTS and model.name not in POST_MARTS:
                self._in_comb(model)
                con.execute(f'CREATE VIEW {COMB}.main.{model.name} AS SELECT * FROM "{self.db}".main.{model.name}')
        for table in ("question_theme_members", "theme_answers"):  # kept: checked in _check_globals
            con.execute(f"CREATE VIEW {COMB}.main.{table} AS SELECT * FROM {BASE}.main.{table}")
        con.execute(f"USE {COMB}")
        try:
            themes.refresh_summary(con, BASE)
            con.execute(themes.DAILY_SQL)
            con.execute(f'CREATE TABLE "{self.db}".main.question_themes AS SELECT * FROM {COMB}.main.question_themes')
            con.execute(f'CREATE TABLE "{self.db}".main.daily_theme_counts AS SELECT * FROM {COMB}.main.daily_theme_counts'
                        f' WHERE day IN (SELECT day FROM {WORK}.days)')
            con.execute(f'CREATE TABLE "{self.db}".delta.keys__daily_theme_counts AS SELECT day FROM {WORK}.days')
            for mart in templates.PYTHON_MARTS:
                mart.make(con)
                con.execute(f'CREATE TABLE "{self.db}".main.{mart.name} AS SELECT * FROM {COMB}.main.{mart.name}')
        finally:
            con.execute(f'USE "{self.db}"')
        self._step("days and whole marts")

    def _in_comb(self, model) -> None:
        self._in_catalog(COMB, model, f'"{self.db}".main.{model.name}')

    def _describe(self, scope: int, changed: int) -> None:
        con = self.con
        modes = [(t, "whole" if t in self.whole else "posts") for t in POST_MARTS] + [(t, "days") for t in DAY_MARTS]
        modes += [(m.name, "whole") for m in self.models if m.layer == "marts"
                  and m.name not in POST_MARTS and m.name not in DAY_MARTS]
        modes += [(m.name, "whole") for m in templates.PYTHON_MARTS] + [("build_info", "whole")]
        modes += [("question_themes", "whole"), ("daily_theme_counts", "days")]
        con.execute(f"USE {COMB}")
        try:
            full._write_build_info(con, self.models + full._python_marts())
            con.execute(f'CREATE TABLE "{self.db}".main.build_info AS SELECT * FROM {COMB}.main.build_info')
        finally:
            con.execute(f'USE "{self.db}"')
        con.execute("CREATE TABLE delta.tables (table_name VARCHAR, mode VARCHAR)")
        con.executemany("INSERT INTO delta.tables VALUES (?, ?)", modes)
        con.execute("CREATE TABLE delta.info AS SELECT $base AS base_id, $id AS delta_id, now() AS built_at,"
                    " $scope AS scope_posts, $changed AS changed_posts",
                    {"base": self.base_id, "id": uuid.uuid4().hex, "scope": scope, "changed": changed})

    def _finish(self, building: Path) -> None:
        con = self.con
        for schema in ("staging", "intermediate", full.MEMO_SCHEMA):
            con.execute(f"DROP SCHEMA {schema} CASCADE")
        for catalog in (COMB, "reopen", WORK, "raw", RAWSTORE, BASE):
            con.execute(f"DETACH DATABASE IF EXISTS {catalog}")
        con.execute("CHECKPOINT")
        con.close()
        self.say(0.95, "publishing the delta")
        fault_point("refresh_before_publish")
        db.publish(building, self.target)
        fault_point("refresh_after_publish")
        self._step("publish")
