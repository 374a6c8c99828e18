"""Blind audit samples and their judgements (issue #20): operational data, beside the review
decisions in ``RADSOME_DATA/reviews.sqlite``.

Two APPEND-ONLY, hash-chained tables (:mod:`store.ledger`, as ``review_decisions``):

- ``audit_items``: one row per sampled post: the sample (``sample_id``, e.g. ``2026-W48``),
  its ``kind`` (``staff``: judged against the guidance; ``public``: patient question or not),
  the post, its trust and region, the stratum it was drawn from with the stratum's size and how many were
  drawn from it (the design the estimates need), what the classifier said (``predicted``:
  the families flagged, comma-separated, or ``1``/``0`` for a patient question; never shown to
  the reviewer), the model version that said it, and ``readers`` (1, or the independent readers of a double-read item).
- ``audit_opinions``: one row per reader's judgement of an item: ``label`` (the families the
  post breaches, comma-separated, ``none`` for none; or, for a public post, ``1`` a patient
  question, ``0:off_topic`` it asks but not about health care, ``0:not_asking`` it asks for
  nothing, ``0`` not a patient question, no reason given). The reason after ``0:`` is what the
  question model's two heads (asks, about health care) need to learn from the verdict
  (``python -m warehouse.enrich.train_questions --in-use``); agreement and the estimates use
  the verdict before the colon only (:func:`verdict`).

An item needs ``readers`` independent opinions from different people (1, or the sample's
number of readers for a double-read item: 2 by default, 3 or more for Fleiss' kappa; and a
second whenever the first finds a breach or a patient question among posts nothing flagged,
:data:`CONFIRM_STRATA`); when they disagree it needs one more reader, an adjudicator, whose
opinion decides. Every opinion is kept. The adjudicator is not an independent reader (asked
only because the others disagreed), so agreement is measured on the independent readings
only (:mod:`warehouse.audit`). The schema is created on open (``CREATE TABLE IF
NOT EXISTS``), like ``review_decisions``: the SQLite stores have no numbered migrations.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from store import access, db, ledger, reader, reviews

KINDS = ("staff", "public")
NONE = "none"
# A public post's judgements: the verdict (1 patient question, 0 not), and for 0 why not when
# the reader says (what the question model's "asks" and "about health care" heads learn from).
PUBLIC_LABELS = ("1", "0:off_topic", "0:not_asking", "0")
ITEM_COLUMNS = ["id", "sample_id", "kind", "platform", "post_id", "trust_code", "region_code", "stratum", "stratum_size",
                "stratum_sampled", "predicted", "model_version", "readers", "created_at"]
OPINION_COLUMNS = ["id", "item_id", "reviewer", "label", "note", "decided_at"]
MAX_READERS = 9
ITEMS_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    id INTEGER PRIMARY KEY,
    sample_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'public')),
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL,
    trust_code TEXT,
    region_code TEXT,
    stratum TEXT NOT NULL,
    stratum_size INTEGER NOT NULL CHECK (stratum_size >= stratum_sampled),
    stratum_sampled INTEGER NOT NULL CHECK (stratum_sampled >= 0),
    predicted TEXT NOT NULL,
    model_version TEXT NOT NULL,
    readers INTEGER NOT NULL CHECK (readers BETWEEN 1 AND 9),
    created_at TEXT NOT NULL,
    prev_hash TEXT,
    row_hash TEXT
)"""
ITEMS_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS audit_items_post ON audit_items (sample_id, kind, platform, post_id)"
SCHEMA = ITEMS_TABLE.format(name="audit_items") + ";\n" + ITEMS_INDEX + """;
CREATE TABLE IF NOT EXISTS audit_opinions (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES audit_items (id),
    reviewer TEXT NOT NULL,
    label TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    prev_hash TEXT,
    row_hash TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS audit_opinions_reader ON audit_opinions (item_id, reviewer);
"""
ITEMS_LOG = ledger.Log("audit_items", tuple(ITEM_COLUMNS[1:]))
OPINIONS_LOG = ledger.Log("audit_opinions", tuple(OPINION_COLUMNS[1:]))


# The first slice's audit_items allowed 1 or 2 readers an item; a store made then is widened once.
OLD_READERS_CHECK = "CHECK (readers IN (1, 2))"


def _widen_readers(con) -> bool:
    """Rebuild a first-slice ``audit_items`` whose CHECK allows only 1 or 2 readers (SQLite
    cannot alter a CHECK): the rows are copied as they are, ids and hashes too (the chain
    covers the values, not the schema, so it still verifies), in one transaction. The
    append-only triggers fire on UPDATE, DELETE and INSERT, not on DROP; they are made again
    by :func:`store.ledger.ensure_chain`. True when it rebuilt."""
    found = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit_items'").fetchall()
    if not found or OLD_READERS_CHECK not in found[0][0]:
        return False
    columns = ", ".join(ITEM_COLUMNS + list(ledger.CHAIN_COLUMNS))
    with ledger.immediate(con):
        con.execute(ITEMS_TABLE.format(name="audit_items_widened"))
        con.execute(f"INSERT INTO audit_items_widened ({columns}) SELECT {columns} FROM audit_items ORDER BY id")
        con.execute("DROP TABLE audit_items")
        con.execute("ALTER TABLE audit_items_widened RENAME TO audit_items")
        con.execute(ITEMS_INDEX)
    return True


def _connect():
    con = db.connect_reviews(reviews.reviews_path())
    con.executescript(SCHEMA)
    _widen_readers(con)
    for log in (ITEMS_LOG, OPINIONS_LOG):
        ledger.ensure_chain(con, log)
    return con


def _text(value) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def add_sample(items: pd.DataFrame) -> int:
    """Append a drawn sample (columns ``ITEM_COLUMNS[1:-1]``; created_at is now) in one
    transaction. A sample already stored (same sample_id and kind) is left as it is and 0
    returned: re-running a week's sampling never duplicates it. Returns the rows added."""
    if items.empty:
        return 0
    con = _connect()
    try:
        with ledger.immediate(con):
            keys = set(zip(items["sample_id"], items["kind"]))
            for sample_id, kind in keys:
                if con.execute("SELECT 1 FROM audit_items WHERE sample_id = ? AND kind = ? LIMIT 1",
                               (sample_id, kind)).fetchall():
                    return 0
            created = _now()
            for row in items.itertuples(index=False):
                ledger.append(con, ITEMS_LOG, (
                    str(row.sample_id), str(row.kind), str(row.platform), str(row.post_id),
                    _text(row.trust_code), _text(row.region_code), str(row.stratum),
                    int(row.stratum_size), int(row.stratum_sampled), str(row.predicted),
                    str(row.model_version), int(row.readers), created))
    finally:
        con.close()
    return len(items)


def _read(sql: str, columns: list[str], params: tuple = ()) -> pd.DataFrame:
    path = reviews.reviews_path()
    if not path.exists():
        return pd.DataFrame(columns=columns)
    con = db.connect_reviews(path, read_only=True)
    try:
        return pd.DataFrame([tuple(r) for r in con.execute(sql, params).fetchall()], columns=columns)
    except Exception as exc:  # a store made before audits: none yet
        if "no such table" in str(exc):
            return pd.DataFrame(columns=columns)
        raise
    finally:
        con.close()


def items() -> pd.DataFrame:
    return _read(f"SELECT {', '.join(ITEM_COLUMNS)} FROM audit_items ORDER BY id", ITEM_COLUMNS)


def opinions() -> pd.DataFrame:
    return _read(f"SELECT {', '.join(OPINION_COLUMNS)} FROM audit_opinions ORDER BY id", OPINION_COLUMNS)


# Strata whose posts nothing flagged: a breach (or patient question) found there is rare and
# weighs heavily on recall, so one reader's "yes" is always checked by a second (blind) reader.
CONFIRM_STRATA = ("unflagged", "not_question")


def verdict(label: str) -> str:
    """The judgement without its reason: ``0:off_topic`` -> ``0``; a staff label as it is."""
    return str(label).split(":", 1)[0]


def _positive(label: str) -> bool:
    return verdict(label) not in (NONE, "0")


def independent(readers: int, labels: list[str], confirm: bool = False) -> int:
    """How many independent readings an item gets: ``readers``, or 2 when ``confirm`` (a
    :data:`CONFIRM_STRATA` item) and the first reader said yes."""
    return max(readers, 2) if confirm and labels and _positive(labels[0]) else readers


def needed(readers: int, labels: list[str], confirm: bool = False) -> int:
    """How many opinions an item needs: its :func:`independent` readings, plus one
    adjudicator when those do not all give the same verdict."""
    wanted = independent(readers, labels, confirm)
    if wanted >= 2 and len(labels) >= wanted and len({verdict(v) for v in labels[:wanted]}) > 1:
        return wanted + 1
    return wanted


def final_label(readers: int, labels: list[str], confirm: bool = False) -> str | None:
    """The item's verdict: the single reading, the independent readers' shared label (the
    shared verdict alone when they agree on it but give different reasons), or the
    adjudicator's where they disagreed; None while opinions are still needed. The adjudicator
    decides alone (no majority vote: with three readers, two against one is a disagreement)."""
    wanted, k = needed(readers, labels, confirm), independent(readers, labels, confirm)
    if len(labels) < wanted:
        return None
    if wanted > k:
        return labels[k]
    return labels[0] if len(set(labels[:k])) == 1 else verdict(labels[0])


def normalise_label(kind: str, label) -> str:
    """The stored form of a judgement: sorted families (``none`` for none), or 1/0."""
    if kind == "public":
        value = str(label).strip()
        if value not in PUBLIC_LABELS:
            raise ValueError(f"a patient-question judgement is one of {', '.join(PUBLIC_LABELS)}, not {value!r}")
        return value
    families = sorted({f.strip() for f in (label if isinstance(label, (list, tuple, set)) else str(label).split(","))
                       if f.strip() and f.strip() != NONE})
    return ",".join(families) or NONE


def record_opinion(item_id: int, label, reviewer: str = "", note: str = "", scope=None) -> int:
    """Append one reader's judgement of an audit item; its id. The reader must not have judged
    it already, and it must still need an opinion. With ``scope`` (the dashboard always passes
    the session's) the reader must be allowed to review and to see the post; a signed-in
    reader is recorded under their login, and the opinion is audited."""
    if scope is not None:
        if not scope.review:
            raise PermissionError(f"{access.ROLE_LABELS.get(scope.role, scope.role)} may not judge audit items")
        if scope.signed_in:
            reviewer = scope.user
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise ValueError("a reviewer name is required")
    con = _connect()
    try:
        found = con.execute("SELECT kind, readers, platform, post_id, stratum FROM audit_items WHERE id = ?",
                            (int(item_id),)).fetchall()
        if not found:
            raise ValueError(f"no audit item {item_id}")
        kind, readers, platform, post_id, stratum = found[0]
        if scope is not None:
            _check_visible(scope, platform, post_id)
        label = normalise_label(kind, label)
        with ledger.immediate(con):
            earlier = con.execute("SELECT reviewer, label FROM audit_opinions WHERE item_id = ? ORDER BY id",
                                  (int(item_id),)).fetchall()
            if any(r == reviewer for r, _ in earlier):
                raise ValueError("you have judged this item already: a second opinion must come from someone else")
            if len(earlier) >= needed(readers, [lab for _, lab in earlier], stratum in CONFIRM_STRATA):
                raise ValueError("this item needs no more opinions")
            opinion_id, _ = ledger.append(con, OPINIONS_LOG, (int(item_id), reviewer, label, note or "", _now()))
    finally:
        con.close()
    if scope is not None:
        access.audit(scope, "review", f"blind audit item {item_id} judged (opinion {opinion_id})")
    return opinion_id


def _check_visible(scope, platform: str, post_id: str) -> None:
    con = reader.connect_published(scope=scope)
    try:
        seen = con.execute("SELECT count(*) FROM posts WHERE platform = $p AND post_id = $i",
                           {"p": platform, "i": post_id}).fetchall()[0][0]
    finally:
        con.close()
    if not seen:
        raise PermissionError("that post is not in your scope (or no longer exists)")


def verify() -> list[ledger.ChainCheck]:
    """Both audit logs' hash chains checked; an absent store or table is intact."""
    path = reviews.reviews_path()
    if not path.exists():
        return [ledger.ChainCheck(reviews.REVIEWS_FILE, log.table, True, 0) for log in (ITEMS_LOG, OPINIONS_LOG)]
    con = db.connect_reviews(path, read_only=True)
    try:
        return [ledger.verify(con, log, reviews.REVIEWS_FILE) for log in (ITEMS_LOG, OPINIONS_LOG)]
    finally:
        con.close()
