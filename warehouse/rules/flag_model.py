"""The learned guideline detector (``rules-4``): one linear model per flag family over a staff
post's words, word pairs and the regex rules that hit it, stored as a reviewable JSON artefact
and run in DuckDB SQL beside the regex rules.

Why: the regex packs (``rules-3``) find the wording they were written for and little else;
on posts written by other people most breaches were missed. A linear model over words
generalises to wording nobody wrote a pattern for and stays as transparent: a post's score
for a family is the family's intercept plus the weights of its features, and the evidence a
reviewer reads is the words that weighed most.

Features (cut by :func:`warehouse.enrich.question_model.feature_sql`, the same tokeniser as
the question model): ``w:<word>``, ``b:<a> <b>`` (two words in a row, ``^``/``$`` mark the
start and end) and ``c:<RULE-ID>`` (a regex rule of the packs hit the post). Trained by
``python -m warehouse.rules.train_flags`` (:mod:`warehouse.rules.train_flags`).

Each family is a rule of :mod:`warehouse.rules.pack_learned` (``CONF-LEARNED``…) with detector
kind ``learned``; it flags a staff post whose score passes the family's threshold **unless a
regex rule of the same family already flagged it** (that flag keeps the regex rule's span as
evidence). Its version is ``fm-`` + the first 12 hex digits of the sha256 of the artefact; the
engine embeds the weights in the SQL it renders, so the build's memo version follows them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from warehouse.enrich import sql_number, sql_string
from warehouse.enrich.question_model import QUIET_WORDS, feature_sql

ARTEFACT = Path(__file__).with_name("flag_model.json")
FORMAT = 1
URL_PATTERN = r"(?i)(?:https?://|www\.)\S+"
EVIDENCE_WORDS = 3  # the evidence lists this many of the post's heaviest features
EVIDENCE_MIN_WEIGHT = 0.1


class FlagModelError(ValueError):
    """The artefact is missing or malformed: the message names the file and the field."""


@dataclass(frozen=True)
class FlagModel:
    version: str  # "fm-" + the first 12 hex digits of sha256(artefact bytes)
    families: tuple[str, ...]
    intercepts: dict[str, float]
    thresholds: dict[str, float]
    weights: dict[str, tuple[float, ...]]  # feature -> one weight per family, in `families` order


def version_of(data: bytes) -> str:
    return "fm-" + hashlib.sha256(data).hexdigest()[:12]


@lru_cache(maxsize=4)
def _load_cached(path: str, stamp: tuple[int, int]) -> FlagModel:
    data = Path(path).read_bytes()
    try:
        raw = json.loads(data)
    except json.JSONDecodeError as exc:
        raise FlagModelError(f"{path}: not JSON ({exc})") from exc
    if raw.get("format") != FORMAT:
        raise FlagModelError(f"{path}: field 'format' is {raw.get('format')!r}, expected {FORMAT}")
    try:
        families = tuple(raw["families"])
        intercepts = {f: float(raw["heads"][f]["intercept"]) for f in families}
        thresholds = {f: float(raw["heads"][f]["threshold"]) for f in families}
        weights: dict[str, tuple[float, ...]] = {}
        for n, row in enumerate(raw["weights"]):
            feature, values = row[0], row[1:]
            if not isinstance(feature, str) or feature in weights or len(values) != len(families):
                raise FlagModelError(f"{path}: weights[{n}]: expected a unique feature and {len(families)} weights, "
                                     f"got {row!r}")
            weights[feature] = tuple(float(v) for v in values)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, FlagModelError):
            raise
        raise FlagModelError(f"{path}: malformed field ({exc!r})") from exc
    return FlagModel(version_of(data), families, intercepts, thresholds, weights)


def load(path: Path | None = None) -> FlagModel:
    """The model in ``path`` (default: :data:`ARTEFACT`; cached while the file is unchanged)."""
    path = path or ARTEFACT
    if not path.is_file():
        raise FlagModelError(f"{path}: the flag model artefact is missing (run python -m warehouse.rules.train_flags)")
    stat = path.stat()
    return _load_cached(str(path), (stat.st_mtime_ns, stat.st_size))


def clean_sql(text: str) -> str:
    """SQL: the text as the model reads it (links as `` URL ``)."""
    return f"regexp_replace(coalesce({text}, ''), {sql_string(URL_PATTERN)}, ' URL ', 'g')"


def shown(feature: str) -> bool:
    """Whether a feature may be given as evidence: a word or pair with a word that is not
    common, never a rule cue (the regex rule's own flag says that) or punctuation alone."""
    if feature.startswith("c:"):
        return False
    words = [w for w in feature[2:].split(" ") if w not in ("^", "$", "?", "!", "atmention", "url")]
    return any(w not in QUIET_WORDS for w in words)


def weights_sql(model: FlagModel) -> str:
    """The weight table, one row per feature: its hash key (as feature_sql computes it), one
    weight column per family (``w0``…, in ``model.families`` order), the words a reviewer reads
    and whether they may be shown. Constants from the artefact. Wide, not one row per (feature,
    family): a post's features join once and its seven sums are one GROUP BY (measured 3x
    faster than the long table)."""
    features = sorted(model.weights)
    names = ", ".join(sql_string(f) for f in features)
    columns = ", ".join(
        f"unnest([{', '.join(repr(model.weights[f][i]) for f in features)}]::DOUBLE[]) AS w{i}"
        for i in range(len(model.families)))
    flags = ", ".join("1" if shown(f) else "0" for f in features)
    return f"""SELECT CASE
            WHEN f[1:2] = 'w:' THEN hash(f[3:])
            WHEN f[1:2] = 'b:' THEN hash(split_part(f[3:], ' ', 1), split_part(f[3:], ' ', 2))
            ELSE hash(f) END AS k, * EXCLUDE (f),
            '"' || replace(replace(replace(f[3:], '^ ', ''), ' $', ''), '"', '') || '"' AS reason
        FROM (SELECT unnest([{names}]::VARCHAR[]) AS f, {columns}, unnest([{flags}]::BOOLEAN[]) AS shown)"""


def scores_sql(source: str, row: str, text: str, rules: str, model: FlagModel, families: tuple[str, ...]) -> str:
    """A SELECT of (``row``, family, score, evidence) for every post of ``source`` and family
    in ``families`` whose score passes the family's threshold; ``rules`` is the post's regex
    rule ids (VARCHAR[]). Two steps: the sums of every post (one join, one GROUP BY), then the
    evidence only for the (post, family) pairs that pass. Identifiers come from code."""
    index = {f: i for i, f in enumerate(model.families)}
    sums = ", ".join(f"sum(w.w{i}) AS s{i}" for i in range(len(model.families)))
    passing = " UNION ALL ".join(
        f"SELECT {row}, {sql_string(f)} AS family, {index[f]} AS i, "
        f"round({sql_number(model.intercepts[f])} + s{index[f]}, 6) AS score FROM __fm_sums "
        f"WHERE {sql_number(model.intercepts[f])} + s{index[f]} > {sql_number(model.thresholds[f])}"
        for f in families)
    weight = "CASE p.i " + " ".join(f"WHEN {i} THEN w.w{i}" for i in range(len(model.families))) + " END"
    return f"""WITH __fm_x AS MATERIALIZED ({feature_sql(source, row, text, rules, keys=True)}),
        __fm_w AS MATERIALIZED ({weights_sql(model)}),
        __fm_sums AS (SELECT x.{row}, {sums} FROM __fm_x x JOIN __fm_w w USING (k) GROUP BY x.{row}),
        __fm_pass AS MATERIALIZED ({passing})
        SELECT {row}, family, score, coalesce('words: ' || array_to_string(
                list_filter(ws, lambda x, n: list_position(ws, x) = n)[1:{EVIDENCE_WORDS}], ', '),
                'no single word stands out') AS evidence
        FROM (SELECT p.{row}, p.family, any_value(p.score) AS score,
                     max_by(w.reason, {weight}, {EVIDENCE_WORDS} + 2)
                         FILTER (WHERE w.shown AND {weight} >= {EVIDENCE_MIN_WEIGHT}) AS ws
              FROM __fm_pass p JOIN __fm_x x USING ({row}) JOIN __fm_w w USING (k)
              GROUP BY p.{row}, p.family)"""
