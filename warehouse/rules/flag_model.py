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
    """The weight table, one row per (feature, family) with a non-zero weight: the feature's
    hash key (as feature_sql computes it), family, weight, the words a reviewer reads and
    whether they may be shown. Constants from the artefact."""
    rows = [(f, family, w[i]) for f, w in sorted(model.weights.items())
            for i, family in enumerate(model.families) if w[i] != 0.0]
    names = ", ".join(sql_string(f) for f, _, _ in rows)
    families = ", ".join(sql_string(family) for _, family, _ in rows)
    values = ", ".join(repr(w) for _, _, w in rows)
    flags = ", ".join("1" if shown(f) else "0" for f, _, _ in rows)
    return f"""SELECT CASE
            WHEN f[1:2] = 'w:' THEN hash(f[3:])
            WHEN f[1:2] = 'b:' THEN hash(split_part(f[3:], ' ', 1), split_part(f[3:], ' ', 2))
            ELSE hash(f) END AS k, family, w,
            '"' || replace(replace(replace(f[3:], '^ ', ''), ' $', ''), '"', '') || '"' AS reason, shown
        FROM (SELECT unnest([{names}]::VARCHAR[]) AS f, unnest([{families}]::VARCHAR[]) AS family,
                     unnest([{values}]::DOUBLE[]) AS w, unnest([{flags}]::BOOLEAN[]) AS shown)"""


def heads_sql(model: FlagModel, families: tuple[str, ...]) -> str:
    """(family, intercept, threshold) of the families that have a learned rule switched on."""
    rows = " UNION ALL ".join(
        f"SELECT {sql_string(f)} AS family, {sql_number(model.intercepts[f])} AS intercept, "
        f"{sql_number(model.thresholds[f])} AS threshold" for f in families)
    return rows or "SELECT NULL::VARCHAR AS family, NULL::DOUBLE AS intercept, NULL::DOUBLE AS threshold LIMIT 0"


def scores_sql(source: str, row: str, text: str, rules: str, model: FlagModel, families: tuple[str, ...]) -> str:
    """A SELECT of (``row``, family, score, evidence) for every post of ``source`` and family
    whose score passes the threshold; ``rules`` is the post's regex rule ids (VARCHAR[]).
    Identifiers come from code."""
    features = feature_sql(source, row, text, rules, keys=True)
    return f"""SELECT s.{row}, s.family, round(h.intercept + s.total, 6) AS score,
            coalesce('words: ' || array_to_string(s.words, ', '), 'no single word stands out') AS evidence
        FROM (SELECT x.{row}, w.family, sum(w.w * x.n) AS total,
                     max_by(w.reason, w.w * x.n, {EVIDENCE_WORDS})
                         FILTER (WHERE w.shown AND w.w >= {EVIDENCE_MIN_WEIGHT}) AS words
              FROM (SELECT {row}, k, count(*) AS n FROM ({features}) GROUP BY {row}, k) x
              JOIN ({weights_sql(model)}) w USING (k)
              GROUP BY x.{row}, w.family) s
        JOIN ({heads_sql(model, families)}) h USING (family)
        WHERE h.intercept + s.total > h.threshold"""
