"""The learned part of the question classifier: a linear model over words, word pairs, the
transparent cues and two word lists, stored as a reviewable JSON artefact and run in DuckDB SQL.

Two decisions, each a logistic regression trained by :mod:`warehouse.enrich.train_questions`:

- **asks**: does the post ask for information, help or reassurance (implicit asks and worried
  stories that seek reassurance included; rhetorical, quoted, exclaimed and campaigning "?" not);
- **about health care**: is what it asks about health care or an imaging service (asks about
  devices, apps, accounts, shopping or politics are not patient questions at all).

A post's score for each is the model's intercept plus the weights of its features, summed.
Features come from the text as :func:`feature_sql` cuts it: ``w:<word>`` (a word), ``b:<a> <b>``
(two words in a row; ``^`` and ``$`` mark the start and end), ``c:<cue>`` (a cue of
:mod:`warehouse.enrich.question_cues` that matched). A word of ``HEALTH_WORDS`` or
``OFF_TOPIC_WORDS`` also carries that list's weight, folded into its ``w:`` weight when the
artefact is written, so scoring is one join of a post's features with the weight table.

The artefact (``question_model.json``) holds every weight in plain numbers: nothing runs on
load. Its version is the sha256 of its bytes; the weights are written into the SQL the build
renders, so a new artefact is a new memo version and every post is classified again.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from warehouse.enrich import sql_number, sql_string
from warehouse.enrich.question_cues import CUE_WORDS

ARTEFACT = Path(__file__).with_name("question_model.json")
FORMAT = 1
# Words (letters and digits, inner apostrophes and hyphens kept: "can't", "x-ray") and the
# punctuation that asks or exclaims. Mentions become one token, links already read " URL ".
TOKEN_PATTERN = r"[\p{L}\p{N}]+(?:['\-][\p{L}\p{N}]+)*|[?!]"
MENTION_PATTERN = r"@\w+"
MENTION_TOKEN = " atmention "
HEADS = ("ask", "health")
# Words too common to explain anything: a feature made only of these is never given as a
# reason (it still counts in the score).
QUIET_WORDS = frozenset("""
    a about after again all also am an and any are as at atmention be been before being but by can can't could
    did didn't do does doesn't don't for from get got had has have having he her here hey hi his how i i'd i'll
    i'm i've if im in is isn't it it's its just me more my new no not now of on one or our out please rt she so
    some still than that the their them then there these they this those to today tomorrow too up url us very
    was we well were what when where which who why will with won't would x you your
""".split())


def shown(feature: str) -> bool:
    """Whether a feature may be given as a reason (cues and any word that is not quiet)."""
    if feature.startswith("c:"):
        return True
    words = [w for w in feature[2:].split(" ") if w not in ("^", "$")]
    return any(w not in QUIET_WORDS for w in words)


class ModelError(ValueError):
    """The artefact is missing or malformed: the message names the file and the field."""


@dataclass(frozen=True)
class Model:
    version: str  # "qm-" + the first 12 hex digits of sha256(artefact bytes)
    intercepts: dict[str, float]
    thresholds: dict[str, float]
    weights: dict[str, tuple[float, float]]  # feature -> (ask weight, health weight)


def version_of(data: bytes) -> str:
    return "qm-" + hashlib.sha256(data).hexdigest()[:12]


@lru_cache(maxsize=4)
def _load_cached(path: str, stamp: tuple[int, int]) -> Model:
    data = Path(path).read_bytes()
    try:
        raw = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path}: not JSON ({exc})") from exc
    if raw.get("format") != FORMAT:
        raise ModelError(f"{path}: field 'format' is {raw.get('format')!r}, expected {FORMAT}")
    try:
        intercepts = {h: float(raw["heads"][h]["intercept"]) for h in HEADS}
        thresholds = {h: float(raw["heads"][h]["threshold"]) for h in HEADS}
        weights = {}
        for n, row in enumerate(raw["weights"]):
            feature, ask, health = row
            if not isinstance(feature, str) or feature in weights:
                raise ModelError(f"{path}: weights[{n}]: feature must be a unique string, got {feature!r}")
            weights[feature] = (float(ask), float(health))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise ModelError(f"{path}: malformed field ({exc!r})") from exc
    return Model(version_of(data), intercepts, thresholds, weights)


def load(path: Path | None = None) -> Model:
    """The model in ``path`` (default: :data:`ARTEFACT`; cached while the file is unchanged)."""
    path = path or ARTEFACT
    if not path.is_file():
        raise ModelError(f"{path}: the question model artefact is missing (run python -m warehouse.enrich.train_questions)")
    stat = path.stat()
    return _load_cached(str(path), (stat.st_mtime_ns, stat.st_size))


def _tokens(text: str) -> str:
    return (f"regexp_extract_all(lower(regexp_replace(replace({text}, '’', ''''), {sql_string(MENTION_PATTERN)}, "
            f"{sql_string(MENTION_TOKEN)}, 'g')), {sql_string(TOKEN_PATTERN)})")


def feature_sql(source: str, row: str, text: str, cues: str, keys: bool = False) -> str:
    """A SELECT of (``row``, ``f``): one row per feature occurrence of each post in ``source``.

    ``text`` is the cleaned text column (links as " URL "), ``cues`` the matched cue names
    (VARCHAR[]). With ``keys`` the feature is its 64-bit hash (``k``, what the build joins on:
    no feature string is built per post), else its name (training reads these). Identifiers
    come from code.
    """
    if keys:
        unigram, bigram, cue, name = "hash(x)", "hash(__m_t[i], __m_t[i + 1])", "hash('c:' || c)", "k"
    else:
        unigram, bigram, cue, name = "'w:' || x", "'b:' || __m_t[i] || ' ' || __m_t[i + 1]", "'c:' || c", "f"
    return f"""SELECT {row}, unnest(list_concat(
            list_transform(__m_t[2:-2], lambda x: {unigram}),
            list_transform(range(1, len(__m_t)), lambda i: {bigram}),
            list_transform(coalesce({cues}, []::VARCHAR[]), lambda c: {cue}))) AS {name}
        FROM (SELECT {row}, {cues}, ['^'] || {_tokens(text)} || ['$'] AS __m_t FROM {source})"""


def _reason_sql() -> str:
    """SQL for a feature's reason in words a manager reads: a cue's meaning, a word or pair
    in quotes ('starts "can"', 'ends "?"')."""
    cue_map = "MAP {" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in sorted(CUE_WORDS.items())) + "}"
    return f"""CASE
            WHEN f[1:2] = 'c:' THEN coalesce({cue_map}[f[3:]], f[3:])
            WHEN f[1:4] = 'b:^ ' THEN 'starts "' || f[5:] || '"'
            WHEN f[-2:] = ' $' THEN 'ends "' || f[3:-3] || '"'
            ELSE '"' || f[3:] || '"' END"""


def weights_sql(model: Model) -> str:
    """The weight table as a SELECT of constant lists (code constants from the artefact): the
    feature, its hash key (as :func:`feature_sql` computes it), both weights, its reason in
    words and whether the reason is worth showing."""
    features = sorted(model.weights)
    names = ", ".join(sql_string(f) for f in features)
    ask = ", ".join(repr(model.weights[f][0]) for f in features)
    health = ", ".join(repr(model.weights[f][1]) for f in features)
    flags = ", ".join("1" if shown(f) else "0" for f in features)
    return f"""SELECT f, CASE
            WHEN f[1:2] = 'w:' THEN hash(f[3:])
            WHEN f[1:2] = 'b:' THEN hash(split_part(f[3:], ' ', 1), split_part(f[3:], ' ', 2))
            ELSE hash(f) END AS k, wa, wh, {_reason_sql()} AS reason, shown
        FROM (SELECT unnest([{names}]::VARCHAR[]) AS f, unnest([{ask}]::DOUBLE[]) AS wa,
                     unnest([{health}]::DOUBLE[]) AS wh, unnest([{flags}]::BOOLEAN[]) AS shown)"""


REASON_MIN_WEIGHT = 0.2  # a feature weighing less than this is never given as a reason


def score_sql(features: str, row: str, model: Model) -> str:
    """A SELECT of (``row``, the two sums, and each head's strongest reasons: the two for and
    the one against) from the keyed feature rows in ``features``. Rows without a weighted
    feature are absent (the caller adds the intercepts). Scalars and pairs from max_by rather
    than sorted lists per post: measured on 1 M posts, per-post list sorting cost seconds."""
    shown = f"w.shown AND abs({{w}}) >= {REASON_MIN_WEIGHT}"
    return f"""SELECT {row}, sum(w.wa) AS __m_ask, sum(w.wh) AS __m_health,
            max_by(w.reason, w.wa, 2) FILTER (WHERE w.wa > 0 AND {shown.format(w='w.wa')}) AS __m_ask_for,
            min_by(w.reason, w.wa) FILTER (WHERE w.wa < 0 AND {shown.format(w='w.wa')}) AS __m_ask_against,
            max_by(w.reason, w.wh, 2) FILTER (WHERE w.wh > 0 AND {shown.format(w='w.wh')}) AS __m_health_for,
            min_by(w.reason, w.wh) FILTER (WHERE w.wh < 0 AND {shown.format(w='w.wh')}) AS __m_health_against
        FROM {features} x JOIN ({weights_sql(model)}) w USING (k)
        GROUP BY {row}"""


def reasons_sql(prefix: str, strongest: str, against: str | None = None) -> str:
    """SQL: ``prefix`` + each reason of a max_by pair (``strongest``, once if both are the same
    feature seen twice), or of the single reason ``against``."""
    if against is not None:
        return f"CASE WHEN {against} IS NULL THEN []::VARCHAR[] ELSE [{sql_string(prefix)} || {against}] END"
    pair = f"coalesce({strongest}, []::VARCHAR[])"
    return (f"list_transform(CASE WHEN len({pair}) = 2 AND {pair}[1] = {pair}[2] THEN {pair}[1:1] ELSE {pair} END, "
            f"lambda x: {sql_string(prefix)} || x)")


def decision_sql(model: Model, head: str, score: str) -> str:
    return f"({score} > {sql_number(model.thresholds[head])})"


def intercept_sql(model: Model, head: str) -> str:
    return sql_number(model.intercepts[head])
