"""Themes of patient questions within a topic: assignment, clustering and stable ids.

Pure functions over plain data (no database): :mod:`warehouse.themes` feeds them one build's
questions and the previous build's theme definitions and assignments, and stores what they
return. The method, with every parameter fixed here (docs/methods.md "What patients ask"):

1. **Keep.** A question the previous build put in a theme keeps it while its text is unchanged
   and the theme still exists: themes never shuffle under a reader.
2. **Assign.** Every other question joins the theme whose centroid is nearest (cosine
   similarity of TF-IDF vectors, :mod:`warehouse.theme_text`) when the similarity is at least
   :data:`ASSIGN_SIMILARITY`; ties go to the smaller theme id.
3. **Cluster.** The questions left over are clustered by average-linkage agglomerative
   clustering (scipy) of their distinct texts, cut where the average cosine similarity between
   two groups falls below :data:`CLUSTER_SIMILARITY`. At most :data:`SAMPLE_CAP` distinct
   texts per topic are clustered (the first in text-hash order: a fixed pseudo-random sample);
   the rest then join the nearest new cluster as in step 2.
4. **New themes.** A cluster becomes a theme only with at least :data:`MIN_THEME_SIZE`
   questions from :data:`MIN_THEME_ASKERS` different askers; smaller ones stay unthemed and
   are clustered again by the next build, with whatever has been asked since.
5. **Ids.** A new theme's id is its topic's prefix and the first hex digits of a hash of its
   medoid (the member question nearest the centroid, ties by text hash): the same data give
   the same id, in any row order, on a first build or a rebuild from nothing. An id already
   known (live or retired) is never given again: the hash is lengthened instead.
6. **Until nothing changes.** Steps 2 to 4 (and 6) repeat, with the centroids just made,
   until a pass assigns no question and makes no theme (at most :data:`MAX_PASSES`): the
   result is a fixed point, so rebuilding the same data changes nothing.
7. **Centroids** (the mean of the members' vectors, its :data:`CENTROID_TERMS` heaviest terms
   kept, rounded) and generated labels (the :data:`LABEL_TERMS` heaviest terms that
   :func:`warehouse.theme_text.label_word` allows) are recomputed from the members each build
   and stored for the next.

Everything is ordered by text hash before it is computed, so the input's row order changes
nothing.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from warehouse.theme_text import GENERIC_TERMS, Vectoriser, label_word, shown_term, terms, text_key, unit_rows

ASSIGN_SIMILARITY = 0.30
CLUSTER_SIMILARITY = 0.10  # tuned on the dev sets (warehouse/theme_tune.py); the first slice had 0.20
MIN_THEME_SIZE = 5
MIN_THEME_ASKERS = 3
SAMPLE_CAP = 2_000
CENTROID_TERMS = 40
LABEL_TERMS = 3
MIN_DF = 2
MAX_PASSES = 20
TOPIC_PREFIX = {
    "pain_discomfort": "pain", "preparation": "prep", "appointments_access": "appt",
    "waiting_results": "results", "recall_further_tests": "recall", "radiation_pregnancy": "radiation",
    "mri_safety": "mri", "contrast": "contrast", "screening_eligibility": "eligible", "other": "other",
}


@dataclass
class Params:
    """The method's parameters (the defaults are the build's; the evaluation varies them)."""

    assign: float = ASSIGN_SIMILARITY
    cluster: float = CLUSTER_SIMILARITY
    min_size: int = MIN_THEME_SIZE
    min_askers: int = MIN_THEME_ASKERS
    sample_cap: int = SAMPLE_CAP
    min_df: int = MIN_DF
    pairs: bool = True  # adjacent-word pairs as terms
    linkage: str = "average"


@dataclass
class Theme:
    """One theme's definition, as stored between builds."""

    theme_id: str
    topic: str
    centroid: dict[str, float]
    label: str
    created_at: object  # when it first appeared (the data's end time of that build)
    status: str = "active"  # or "retired" (its id is never given again)
    medoid_key: str = ""


@dataclass
class Question:
    """One question as the model sees it. ``key`` identifies it (platform, post id)."""

    key: tuple
    text: str
    asker: str
    text_key: str = ""
    terms: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.text_key = self.text_key or text_key(self.text)
        self.terms = self.terms or terms(self.text)


@dataclass
class TopicResult:
    themes: list[Theme]  # every theme of the topic (new ones included), centroids updated
    theme_of: dict[tuple, str | None]  # question key -> theme id (None: not themed yet)
    similarity: dict[tuple, float]  # question key -> cosine to its theme's centroid
    vectoriser: Vectoriser
    vectors: dict[tuple, int]  # question key -> its row in ``matrix``
    matrix: sparse.csr_matrix


def theme_topic(topic: str, questions: list[Question], previous: list[Theme],
                kept: dict[tuple, tuple[str, str]], known_ids: set[str], now,
                params: Params | None = None) -> TopicResult:
    """Theme one topic's questions. ``previous``: the topic's stored themes; ``kept``: question
    key -> (text key, theme id) from the previous build; ``known_ids``: every id ever given (all
    topics; new ids are added to it); ``now``: the created_at of new themes."""
    p = params or Params()
    questions = sorted(questions, key=lambda q: (q.text_key, q.key))
    lists = [q.terms if p.pairs else [t for t in q.terms if " " not in t] for q in questions]
    vectoriser = Vectoriser(lists, min_df=p.min_df)
    matrix = vectoriser.transform(lists)
    row = {q.key: i for i, q in enumerate(questions)}
    themes = [t for t in previous if t.topic == topic]
    live_ids = {t.theme_id for t in themes if t.status == "active"}
    theme_of: dict[tuple, str | None] = {}
    for q in questions:
        old = kept.get(q.key)
        if old is not None and old[0] == q.text_key and old[1] in live_ids:
            theme_of[q.key] = old[1]
    # Assign, cluster and refresh until a pass changes nothing (at most MAX_PASSES): the result
    # is then a fixed point, so a rebuild of the same data with these themes changes nothing
    # and a rebuild from nothing gives what the incremental builds gave.
    has_terms = np.diff(matrix.indptr) > 0
    for _ in range(MAX_PASSES):
        todo = [q for q in questions if theme_of.get(q.key) is None]
        live = [t for t in themes if t.status == "active"]
        _assign(todo, live, vectoriser, matrix, row, p.assign, theme_of)
        pool = [q for q in todo if theme_of.get(q.key) is None and has_terms[row[q.key]]]
        made = _new_themes(topic, pool, vectoriser, matrix, row, known_ids, now, p, theme_of)
        themes += made
        similarity = _refresh(themes, questions, vectoriser, matrix, row, theme_of)
        if not made and all(theme_of.get(q.key) is None for q in todo):
            break
    for q in questions:
        theme_of.setdefault(q.key, None)
    return TopicResult(themes, theme_of, similarity, vectoriser, row, matrix)


def _assign(todo, live, vectoriser, matrix, row, threshold, theme_of) -> None:
    """Each question in ``todo`` joins its nearest live theme at or above ``threshold``."""
    if not todo or not live:
        return
    ordered = sorted(live, key=lambda t: t.theme_id)
    centroids = sparse.vstack([vectoriser.vector(t.centroid) for t in ordered])
    sims = (matrix[[row[q.key] for q in todo]] @ centroids.T).toarray()
    best = sims.argmax(axis=1)  # the first maximum: the smallest id among ties
    for q, b, s in zip(todo, best, sims[np.arange(len(todo)), best]):
        if s >= threshold - 1e-12:
            theme_of[q.key] = ordered[b].theme_id


def _new_themes(topic, pool, vectoriser, matrix, row, known_ids, now, p, theme_of) -> list[Theme]:
    if not pool:
        return []
    distinct: dict[str, list] = {}
    for q in pool:  # pool is in text-hash order
        distinct.setdefault(q.text_key, []).append(q)
    sample = list(distinct)[:p.sample_cap]
    labels = cluster_rows(matrix[[row[distinct[k][0].key] for k in sample]], p.cluster, p.linkage)
    groups: dict[int, list] = {}
    for k, label in zip(sample, labels):
        groups.setdefault(int(label), []).extend(distinct[k])
    clusters = [members for _, members in sorted(groups.items())]
    every = _centroids(matrix, [[row[q.key] for q in members] for members in clusters])
    centroids = [every[i] for i in range(len(clusters))]
    rest = [q for k in list(distinct)[p.sample_cap:] for q in distinct[k]]
    if rest and clusters:
        sims = (matrix[[row[q.key] for q in rest]] @ sparse.vstack(centroids).T).toarray()
        best = sims.argmax(axis=1)
        for q, b, s in zip(rest, best, sims[np.arange(len(rest)), best]):
            if s >= p.assign - 1e-12:
                clusters[b].append(q)
    made = []
    for members, centroid in zip(clusters, centroids):
        if len(members) < p.min_size or len({q.asker for q in members}) < p.min_askers:
            continue
        medoid = _medoid(members, matrix, row, centroid)
        theme = Theme(new_id(topic, medoid.text_key, known_ids), topic, {}, "", now, medoid_key=medoid.text_key)
        known_ids.add(theme.theme_id)
        for q in members:
            theme_of[q.key] = theme.theme_id
        made.append(theme)
    return made


def cluster_rows(vectors: sparse.csr_matrix, similarity: float, method: str = "average") -> np.ndarray:
    """Average-linkage clusters of unit row vectors, cut at average cosine ``similarity``:
    one label (1, 2, ...) per row. A single row is its own cluster."""
    n = vectors.shape[0]
    if n == 1:
        return np.ones(1, dtype=int)
    dense = (vectors @ vectors.T).toarray()
    distance = np.clip(1.0 - dense, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method=method)
    return fcluster(tree, t=1.0 - similarity, criterion="distance")


def _centroid(matrix, rows: list[int]) -> sparse.csr_matrix:
    return _centroids(matrix, [rows])[0]


def _centroids(matrix, groups: list[list[int]]) -> sparse.csr_matrix:
    """The unit-length mean of each group of rows, one row per group, in one sparse product
    (a loop of per-group slices costs a millisecond each)."""
    counts = np.array([len(g) for g in groups], dtype=float)
    which = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    rows = np.concatenate([np.asarray(g, dtype=np.int64) for g in groups]) if groups else np.zeros(0, np.int64)
    pick = sparse.csr_matrix((1.0 / counts[which], (which, rows)), shape=(len(groups), matrix.shape[0]))
    return unit_rows(sparse.csr_matrix(pick @ matrix))


def _medoid(members, matrix, row, centroid):
    sims = (matrix[[row[q.key] for q in members]] @ centroid.T).toarray().ravel()
    order = sorted(range(len(members)), key=lambda i: (-round(float(sims[i]), 12), members[i].text_key))
    return members[order[0]]


def new_id(topic: str, medoid_key: str, known_ids: set[str]) -> str:
    """'prep-3fa9c1': the topic's prefix and a hash of the medoid's text key, lengthened until
    it is an id never given before."""
    digest = hashlib.sha256(f"{topic}\x00{medoid_key}".encode()).hexdigest()
    prefix = TOPIC_PREFIX.get(topic, topic[:8])
    for length in range(6, len(digest) + 1, 2):
        candidate = f"{prefix}-{digest[:length]}"
        if candidate not in known_ids:
            return candidate
    raise ValueError(f"no free theme id for {topic} {medoid_key}")


def _refresh(themes, questions, vectoriser, matrix, row, theme_of) -> dict[tuple, float]:
    """Recompute each live theme's centroid and label from its members (a theme with no member
    in this build keeps its stored centroid); return each themed question's similarity."""
    members: dict[str, list[int]] = {}
    for q in questions:
        tid = theme_of.get(q.key)
        if tid is not None:
            members.setdefault(tid, []).append(row[q.key])
    similarity = {}
    by_row = {row[q.key]: q.key for q in questions}
    with_members = [t.theme_id for t in themes if t.status == "active" and members.get(t.theme_id)]
    every = _centroids(matrix, [members[t] for t in with_members])
    centroid_of = {t: every[i] for i, t in enumerate(with_members)}
    for theme in themes:
        if theme.status != "active":
            continue
        rows = members.get(theme.theme_id)
        if rows:
            centroid = centroid_of[theme.theme_id]
            theme.centroid = top_terms(centroid, vectoriser.terms, CENTROID_TERMS)
        else:
            centroid = vectoriser.vector(theme.centroid)
        theme.label = make_label(theme.centroid, theme.topic)
        if rows:
            sims = (matrix[rows] @ centroid.T).toarray().ravel()
            for r, s in zip(rows, sims):
                similarity[by_row[r]] = round(float(s), 4)
    return similarity


def top_terms(vector: sparse.csr_matrix, vocabulary: list[str], n: int) -> dict[str, float]:
    """The ``n`` heaviest terms of a row vector with their weights (4 decimals; ties by term)."""
    vector = sparse.csr_matrix(vector)
    pairs = [(vocabulary[c], round(float(w), 4)) for c, w in zip(vector.indices, vector.data) if w > 0]
    pairs.sort(key=lambda p: (-p[1], p[0]))
    return dict(pairs[:n])


def make_label(centroid: dict[str, float], topic: str) -> str:
    """The heaviest label-worthy terms ('deodorant · wear deodorant · talc'), skipping a term
    whose words are all in terms already chosen, and after the first a term that names the
    examination ('deodorant mammogram'); the topic's name when none qualifies."""
    chosen: list[str] = []
    covered: set[str] = set()
    for term, _ in sorted(centroid.items(), key=lambda p: (-p[1], p[0])):
        words = set(term.split(" "))
        if not label_word(term) or words <= covered or (chosen and words & GENERIC_TERMS):
            continue
        chosen.append(term)
        covered |= words
        if len(chosen) == LABEL_TERMS:
            break
    return " · ".join(shown_term(t) for t in chosen) or topic.replace("_", " ")
