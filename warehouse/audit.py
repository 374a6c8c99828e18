"""Blind audit samples (issue #20): drawing them, estimating from them, and exporting the
service's judgements as labelled data.

Each week (``python -m warehouse audit``; run it weekly from cron or a scheduler) a simple
random sample is drawn within each stratum of the week's posts in the published warehouse:

- staff and organisation posts, strata ``flagged`` (any rule flagged it) and ``unflagged``;
- public posts (``patient_public`` authors), strata ``question`` (the classifier says patient
  question) and ``not_question``.

Sizes per stratum and the share read twice are settings (:class:`Design`). The sample goes to
the Review queue's audit tab (:mod:`store.audits`); the reader sees the post only, never the
stratum or what the rules said. :func:`estimates` turns the finished judgements into
prevalence, precision and recall per family (and for patient questions) with the
stratum-weighted intervals of :mod:`warehouse.audit_stats`, and Cohen's kappa on the
double-read items. :func:`labelled_data` exports every final judgement (audit) and review
decision as labels keyed by post id and text hash, never the text.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from store import audits
from warehouse import audit_stats
from warehouse.queries import uk_midnight

STAFF_STRATA = ("flagged", "unflagged")
PUBLIC_STRATA = ("question", "not_question")
PREDICTABLE = {"flagged": True, "unflagged": False, "question": True, "not_question": False}
PATIENT_QUESTION = "patient_question"


@dataclass(frozen=True)
class Design:
    """How many posts to draw per stratum each week, the share read independently by more than
    one person, and by how many."""

    staff_flagged: int = 20
    staff_unflagged: int = 40
    public_question: int = 20
    public_other: int = 40
    double_share: float = 0.2
    double_readers: int = 2  # independent readers of a double-read item (3+: Fleiss' kappa)

    def __post_init__(self):
        if not 0 <= self.double_share <= 1:
            raise ValueError("the share read twice (--double-share) must be between 0 and 1")
        if not 2 <= self.double_readers <= audits.MAX_READERS:
            raise ValueError(f"the readers of a double-read item (--double-readers) must be 2 to {audits.MAX_READERS}")

    def sizes(self, kind: str) -> dict[str, int]:
        if kind == "staff":
            return {"flagged": self.staff_flagged, "unflagged": self.staff_unflagged}
        return {"question": self.public_question, "not_question": self.public_other}


STAFF_POPULATION_SQL = """
SELECT p.platform, p.post_id, p.trust_code, p.region_code,
       coalesce(string_agg(DISTINCT f.family, ',' ORDER BY f.family), '') AS predicted
FROM posts p
LEFT JOIN flags f ON f.platform = p.platform AND f.post_id = p.post_id
WHERE p.created_at >= $start_ts AND p.created_at < $end_ts
  AND p.author_role IN ('professional', 'organisation')
GROUP BY ALL
ORDER BY p.platform, p.post_id
"""
PUBLIC_POPULATION_SQL = """
SELECT platform, post_id, trust_code, region_code, CASE WHEN is_question THEN '1' ELSE '0' END AS predicted
FROM posts
WHERE created_at >= $start_ts AND created_at < $end_ts AND author_role = 'patient_public'
ORDER BY platform, post_id
"""


def week_of(day: date) -> tuple[date, str]:
    """The Monday starting ``day``'s ISO week, and the sample id (``2026-W48``)."""
    monday = day - timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    return monday, f"{year}-W{week:02d}"


def population(cursor, kind: str, monday: date) -> pd.DataFrame:
    """The week's posts of ``kind`` with their stratum: platform, post_id, trust_code,
    region_code, predicted, stratum (UK weeks, Monday to Sunday)."""
    sql = STAFF_POPULATION_SQL if kind == "staff" else PUBLIC_POPULATION_SQL
    frame = cursor.execute(sql, {"start_ts": uk_midnight(monday),
                                 "end_ts": uk_midnight(monday + timedelta(days=7))}).df()
    if kind == "staff":
        return frame.assign(stratum=np.where(frame["predicted"] != "", "flagged", "unflagged"))
    return frame.assign(stratum=np.where(frame["predicted"] == "1", "question", "not_question"))


def draw(frame: pd.DataFrame, sizes: dict[str, int], rng: np.random.Generator, double_share: float = 0.0,
         double_readers: int = 2) -> pd.DataFrame:
    """A simple random sample without replacement of ``sizes[stratum]`` rows per stratum (all of
    a smaller stratum), with stratum_size, stratum_sampled and readers (``double_readers`` for
    a random ``double_share`` of the sample, else 1), shuffled so the order gives nothing away."""
    parts = []
    for stratum, wanted in sizes.items():
        rows = frame[frame["stratum"] == stratum]
        take = min(int(wanted), len(rows))
        picked = rows.iloc[np.sort(rng.choice(len(rows), size=take, replace=False))] if take else rows.iloc[:0]
        parts.append(picked.assign(stratum_size=len(rows), stratum_sampled=take))
    sample = pd.concat(parts, ignore_index=True)
    sample = sample.iloc[rng.permutation(len(sample))].reset_index(drop=True)
    return sample.assign(readers=np.where(rng.random(len(sample)) < double_share, double_readers, 1))


def sample_week(cursor, day: date, design: Design = Design(), seed: int | None = None) -> dict[str, int]:
    """Draw and store the audit samples of ``day``'s week (both kinds); items added per kind
    (0 for a kind already sampled that week: re-runs never duplicate). The seed defaults to
    one derived from the week, so a re-run draws the same posts."""
    from warehouse.enrich import questions

    monday, sample_id = week_of(day)
    seed = int(hashlib.sha256(sample_id.encode()).hexdigest()[:8], 16) if seed is None else seed
    rng = np.random.default_rng(seed)
    versions = {"staff": staff_version(), "public": questions.version()}
    added = {}
    for kind in audits.KINDS:
        sample = draw(population(cursor, kind, monday), design.sizes(kind), rng, design.double_share,
                      design.double_readers)
        added[kind] = audits.add_sample(sample.assign(sample_id=sample_id, kind=kind,
                                                      model_version=versions[kind]))
    return added


def staff_version() -> str:
    """The guideline rules' version with the learned detector's artefact (``rules-4+fm-…``):
    a retrained flag model is a new version, so its audit estimates are kept apart."""
    from warehouse.rules import flag_model, packs

    return f"{packs.ENGINE_VERSION}+{flag_model.load().version}"


def sampling_status(items: pd.DataFrame, newest: date | None, today: date) -> dict:
    """When the last sample was drawn and whether one is due: ``last_sample`` and ``drawn_at``
    (the newest stored item's sample and time, None when none), ``due_week`` (the ISO week
    before the week of ``newest``, the newest post's UK day, or of ``today`` if earlier),
    ``due_day`` (a day of it, for :func:`sample_week`) and ``due`` (not sampled yet)."""
    newest = None if newest is None or pd.isna(newest) else pd.Timestamp(newest).date()
    reference = min(today, newest) if newest is not None else today
    due_day = reference - timedelta(days=7)
    _, due_week = week_of(due_day)
    sampled = set(items["sample_id"]) if not items.empty else set()
    newest_item = items.sort_values(["created_at", "id"]).iloc[-1] if not items.empty else None
    return {"last_sample": None if newest_item is None else newest_item["sample_id"],
            "drawn_at": None if newest_item is None else newest_item["created_at"],
            "due_week": due_week, "due_day": due_day, "due": due_week not in sampled}


# --- estimates -------------------------------------------------------------------------------------

def finished() -> pd.DataFrame:
    """Every audit item with its opinions (labels, readers, in order) and its final label
    (None while it still needs an opinion)."""
    items, opinions = audits.items(), audits.opinions()
    grouped = opinions.groupby("item_id")
    labels = {int(k): list(g["label"]) for k, g in grouped}
    readers = {int(k): list(g["reviewer"]) for k, g in grouped}
    items = items.assign(labels=[labels.get(int(i), []) for i in items["id"]],
                         reviewers=[readers.get(int(i), []) for i in items["id"]])
    return items.assign(final=[audits.final_label(int(r), lab, s in audits.CONFIRM_STRATA)
                               for r, lab, s in zip(items["readers"], items["labels"], items["stratum"])])


def complete_samples(items: pd.DataFrame) -> pd.DataFrame:
    """The items of the samples (sample_id, kind) in which every stratum has at least one
    judged item: a sample whose unflagged stratum is not read yet would overstate recall, so
    it waits. Within a stratum the judged items are taken as a random subsample (the queue
    hands items out in the sample's shuffled order)."""
    if items.empty:
        return items
    judged = items.assign(done=items["final"].notna())
    per_stratum = judged.groupby(["sample_id", "kind", "stratum"])["done"].any().groupby(["sample_id", "kind"]).all()
    ready = set(per_stratum[per_stratum].index)
    return items[[(s, k) in ready for s, k in zip(items["sample_id"], items["kind"])]]


def in_view(items: pd.DataFrame, filters, scope=None) -> pd.DataFrame:
    """The audit items a page's filters (weeks overlapping its dates, regions, trusts,
    platforms) and the session's scope (its trusts and regions) select."""
    if items.empty:
        return items
    monday = pd.to_datetime([date.fromisocalendar(int(s[:4]), int(s[6:]), 1) for s in items["sample_id"]])
    keep = (monday.date <= filters.end) & ((monday + pd.Timedelta(days=6)).date >= filters.start)
    for column, wanted in (("region_code", filters.regions), ("trust_code", filters.trusts),
                           ("platform", filters.platforms)):
        if wanted:
            keep &= items[column].isin(list(wanted)).to_numpy()
    if scope is not None and not scope.everything:  # its trusts, or the trusts of its regions
        keep &= (items["trust_code"].isin(list(scope.trusts or ())) |
                 items["region_code"].isin(list(scope.regions or ()))).to_numpy()
    return items[keep]


def _has(label: str, family: str) -> bool:
    return family in str(label).split(",")


def _targets(items: pd.DataFrame) -> list[tuple[str, str]]:
    from warehouse.rules import packs

    families = sorted({r.family for r in packs.RULES})
    return ([("staff", f) for f in families] if (items["kind"] == "staff").any() else []) + (
        [("public", PATIENT_QUESTION)] if (items["kind"] == "public").any() else [])


def estimates(items: pd.DataFrame | None = None, by_version: bool = True, shown=None) -> pd.DataFrame:
    """One row per (model_version, family) — ``patient_question`` for public posts — over every
    finished audit item: n, n_judged, n_predicted, prevalence, precision and recall with their
    95% intervals (stratum-weighted, :func:`warehouse.audit_stats.estimate`; each sample's
    strata are pooled by summing their sizes, one stratum per (sample, stratum)), and the
    readers' :func:`agreement` (Cohen's and Fleiss' kappa). ``shown``: the display
    boundary's rounding (``ui.disclosure.rounded``), below national level: every estimate and
    interval is computed from the cell counts and stratum sizes as shown
    (:func:`warehouse.audit_stats.estimate`); the counts returned stay exact."""
    items = finished() if items is None else items
    rows = []
    items = complete_samples(items)
    done = items[items["final"].notna()]
    for kind, family in _targets(items):
        mine = items[items["kind"] == kind]
        for version, of_version in (mine.groupby("model_version") if by_version else [("all", mine)]):
            judged = done[done["id"].isin(of_version["id"])]
            strata = of_version.drop_duplicates(["sample_id", "stratum"]).assign(
                key=lambda f: f["sample_id"] + "/" + f["stratum"])
            frame = pd.DataFrame({
                "stratum": judged["sample_id"] + "/" + judged["stratum"],
                "predicted": [_has(p, family) if kind == "staff" else p == "1" for p in judged["predicted"]],
                "judged": [_has(v, family) if kind == "staff" else v == "1" for v in judged["final"]]})
            design = pd.DataFrame({"stratum": strata["key"], "size": strata["stratum_size"],
                                   "predictable": [PREDICTABLE[s] for s in strata["stratum"]]})
            est = audit_stats.estimate(frame, design[design["stratum"].isin(frame["stratum"]) | (design["size"] == 0)],
                                       shown=shown)
            rows.append({"kind": kind, "family": family, "model_version": version, **est,
                         **agreement(of_version, kind, family, shown)})
    return pd.DataFrame(rows)


def agreement(items: pd.DataFrame, kind: str, family: str, shown=None) -> dict:
    """Agreement on one family among the independent readings (never the adjudicator's: asked
    only because the others disagreed, so not independent): Cohen's kappa of the items read by
    two (n_double, kappa, kappa_low, kappa_high) and Fleiss' kappa of those read by three or
    more (n_multi, multi_readers, fleiss, fleiss_low, fleiss_high; every such item's first
    ``multi_readers`` readings, the fewest any of them was designed for)."""
    pick = (lambda v: _has(v, family)) if kind == "staff" else (lambda v: audits.verdict(v) == "1")
    double = items[(items["readers"] == 2) & (items["labels"].map(len) >= 2)]
    cohen = audit_stats.kappa([pick(lab[0]) for lab in double["labels"]], [pick(lab[1]) for lab in double["labels"]],
                              shown)
    many = items[items["readers"] >= 3]
    k = int(many["readers"].min()) if len(many) else 0
    many = many[many["labels"].map(len) >= k] if k else many
    multi = audit_stats.fleiss([[pick(v) for v in lab[:k]] for lab in many["labels"]], shown=shown) if k else \
        {"n": 0, "kappa": np.nan, "kappa_low": np.nan, "kappa_high": np.nan}
    return {"n_double": cohen["n"], **{key: cohen[key] for key in ("kappa", "kappa_low", "kappa_high")},
            "n_multi": multi["n"], "multi_readers": k,
            **{key.replace("kappa", "fleiss"): multi[key] for key in ("kappa", "kappa_low", "kappa_high")}}


# --- the loop: labelled data for the training scripts --------------------------------------------

def text_sha(text: str) -> str:
    """The first 16 hex digits of the sha256 of the normalised text (NFC, whitespace runs as
    one space, trimmed): the key of every label file (docs/labelling.md)."""
    norm = " ".join(unicodedata.normalize("NFC", text or "").split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


# What a public post's final judgement says of the question model's two heads (asks, about
# health care): "" where it says nothing (a plain "no" gives neither part).
QUESTION_PARTS = {"1": ("1", "1"), "0:off_topic": ("1", "0"), "0:not_asking": ("0", "")}
QUESTION_COLUMNS = ["record_id", "text_sha", "patient_question", "asks", "health", "source", "model_version"]

TEXTS_SQL = """
SELECT platform, post_id, text FROM posts
WHERE list_contains($keys::VARCHAR[], platform || ':' || post_id)
"""


def labelled_data(cursor, decisions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The service's own judgements as label files (no text): ``flags`` (record_id, text_sha,
    family, verdict, source, model_version; columns as ``warehouse/rules/labels``) from final
    audit judgements of staff posts (a verdict for every family) and from each flag's latest
    review decision (upheld 1, dismissed 0), and ``questions`` (record_id, text_sha,
    patient_question, asks, health, source, model_version; :data:`QUESTION_PARTS`) from the
    public audit items. ``decisions`` is :func:`store.reviews.latest_decisions`. Posts no longer in
    the warehouse (deleted, past retention) are left out."""
    from warehouse.rules import packs

    items = finished()
    items = items[items["final"].notna()]
    keys = sorted(set(items["platform"] + ":" + items["post_id"]) | set(decisions["platform"] + ":" + decisions["post_id"]))
    texts = cursor.execute(TEXTS_SQL, {"keys": keys}).df()
    sha = {f"{p}:{i}": text_sha(t) for p, i, t in zip(texts["platform"], texts["post_id"], texts["text"])}
    families = sorted({r.family for r in packs.RULES})
    flags, questions = [], []
    for row in items.itertuples(index=False):
        record = f"{row.platform}:{row.post_id}"
        if record not in sha:
            continue
        if row.kind == "staff":
            flags += [{"record_id": record, "text_sha": sha[record], "family": f, "verdict": int(_has(row.final, f)),
                       "source": f"audit {row.sample_id}", "model_version": row.model_version} for f in families]
        else:
            asks, health = QUESTION_PARTS.get(row.final, ("", ""))
            questions.append({"record_id": record, "text_sha": sha[record],
                              "patient_question": int(audits.verdict(row.final)), "asks": asks, "health": health,
                              "source": f"audit {row.sample_id}", "model_version": row.model_version})
    from warehouse.rules import local

    rule_family = {r.rule_id: r.family for r in packs.RULES + local.LOCAL_RULES}
    for row in decisions.itertuples(index=False):
        record = f"{row.platform}:{row.post_id}"
        if record in sha and row.rule_id in rule_family:
            flags.append({"record_id": record, "text_sha": sha[record], "family": rule_family[row.rule_id],
                          "verdict": int(row.decision in ("confirmed", "actioned")), "source": "review",
                          "model_version": staff_version()})
    return {"flags": pd.DataFrame(flags, columns=["record_id", "text_sha", "family", "verdict", "source", "model_version"]),
            "questions": pd.DataFrame(questions, columns=QUESTION_COLUMNS)}


def in_use_file(path, name: str) -> Path:
    """``path`` itself, or ``path/in_use_<name>.csv`` when it is the export's folder."""
    path = Path(path)
    return path / f"in_use_{name}.csv" if path.is_dir() else path


def training_source(path, kind: str) -> tuple[pd.DataFrame, dict]:
    """The training rows of an audit export for ``kind`` ("flags": :func:`training_rows`,
    "questions": :func:`question_training_rows`; texts from the published warehouse) and what
    a trained artefact records of them: the file's name and sha256, the rows used, the samples
    and the model versions that were audited (so that a retrained model is a new version)."""
    from store import reader  # the trainers' side only: the dashboard never trains

    path = in_use_file(path, kind)
    con = reader.connect_published()
    try:
        rows = (training_rows if kind == "flags" else question_training_rows)(path, con.cursor())
    finally:
        con.close()
    labels = pd.read_csv(path, dtype=str, keep_default_na=False)
    labels = labels[labels["source"].str.startswith("audit")]
    record = {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "rows": int(len(rows)),
              "samples": sorted({s.removeprefix("audit ") for s in labels["source"]}),
              "audited_versions": sorted(set(labels["model_version"]))}
    print(f"{path}: {len(rows):,} audited {'posts' if kind == 'flags' else 'public posts'} added to the training rows")
    return rows, record


def _read_labels(path: Path, required: set[str], label: str) -> pd.DataFrame:
    """An exported label file's audit rows (with their 1-based line numbers), checked: the
    columns are there and ``label`` is 0 or 1 (errors name the file, line and field)."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file (python -m warehouse audit --export DIR writes it)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = required - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    frame["line"] = range(2, len(frame) + 2)
    frame = frame[frame["source"].str.startswith("audit")]
    bad = frame[~frame[label].isin(["0", "1"])]
    if not bad.empty:
        raise ValueError(f"{path}, line {bad['line'].iloc[0]}: field {label} must be 0 or 1, not {bad[label].iloc[0]!r}")
    return frame


def _texts(path: Path, frame: pd.DataFrame, cursor) -> dict[str, str]:
    """The texts of the records still in the warehouse, each checked against its hash (a
    mismatch is an error naming the file and line: the post was changed since the export)."""
    texts = cursor.execute(TEXTS_SQL, {"keys": sorted(set(frame["record_id"]))}).df()
    text = {f"{p}:{i}": t for p, i, t in zip(texts["platform"], texts["post_id"], texts["text"])}
    known = frame[frame["record_id"].isin(list(text))]
    stale = known[[sha != text_sha(text[r]) for r, sha in zip(known["record_id"], known["text_sha"])]]
    if not stale.empty:
        raise ValueError(f"{path}, line {stale['line'].iloc[0]}: field text_sha does not match the text of "
                         f"{stale['record_id'].iloc[0]} in the warehouse (changed or replaced): export again")
    return text


def training_rows(path, cursor) -> pd.DataFrame:
    """The audit rows of an exported ``in_use_flags.csv`` (or the export's folder) as training
    rows for ``python -m warehouse.rules.train_flags --in-use PATH``: text (read from the
    published warehouse by record id), families (the families judged breached: an audit judges
    every family, so the label is complete) and source ``in_use``. Review rows are left out: a
    decision speaks for one family only. A record no longer in the warehouse is skipped; one
    whose text no longer matches its hash is an error naming the file and line."""
    path = in_use_file(path, "flags")
    frame = _read_labels(path, {"record_id", "text_sha", "family", "verdict", "source"}, "verdict")
    text = _texts(path, frame, cursor)
    rows = [{"text": text[record], "source": "in_use",
             "families": frozenset(group.loc[group["verdict"] == "1", "family"])}
            for record, group in frame.groupby("record_id", sort=True) if record in text]
    return pd.DataFrame(rows, columns=["text", "families", "source"])


def question_training_rows(path, cursor) -> pd.DataFrame:
    """The audit rows of an exported ``in_use_questions.csv`` (or the export's folder) as
    training rows for ``python -m warehouse.enrich.train_questions --in-use PATH``: text (from
    the published warehouse), ``asks`` (True/False, None when the judgement does not say) and
    ``health`` (1.0/0.0, NaN when it does not say), source ``in_use``, split ``train``. A
    patient question asks and is about health care; "asks, but not about health care" asks and
    is not; "asks for nothing" does not ask (and says nothing of health care); a plain "no"
    says neither and is left out. Skips and errors as :func:`training_rows`."""
    path = in_use_file(path, "questions")
    frame = _read_labels(path, {"record_id", "text_sha", "patient_question", "asks", "health", "source"},
                         "patient_question")
    for field in ("asks", "health"):
        bad = frame[~frame[field].isin(["0", "1", ""])]
        if not bad.empty:
            raise ValueError(f"{path}, line {bad['line'].iloc[0]}: field {field} must be 0, 1 or empty, "
                             f"not {bad[field].iloc[0]!r}")
    text = _texts(path, frame, cursor)
    frame = frame[frame["record_id"].isin(list(text)) & ((frame["asks"] != "") | (frame["health"] != ""))]
    frame = frame.drop_duplicates("record_id", keep="last")  # a post in two samples: its latest judgement
    return pd.DataFrame({
        "text": [text[r] for r in frame["record_id"]],
        "asks": pd.Series([None if a == "" else a == "1" for a in frame["asks"]], dtype=object),
        "health": [np.nan if h == "" else float(h) for h in frame["health"]],
        "source": "in_use", "split": "train"})
