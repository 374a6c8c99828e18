"""The labelled corpus for the question classifier: real text read from ``../shared/realdata``
at run time, labels kept in the repo (``warehouse/enrich/labels/``) keyed by record id and text hash.

Nothing from the real data is copied into the repo: a label row names its record (file and
line, turn or platform id) and the first 16 hex digits of the sha256 of the record's
normalised text, so a changed source is noticed (:func:`join_labels` reports each stale row)
instead of silently training on a label written for other words. ``docs/labelling.md``
says how the labels were made.

Sources and splits (fixed before any training):

- Tweet-Act (``texts/tweet_act_TAC_TWEET_DATA.csv``): its own label QUE is "asks"; the
  README's split holds: 1-based lines divisible by 5 are TEST, the rest train.
- IBM customer care (``twitter/ibm_twitter_customer_care_conversations_test.json``): the
  client turns; split by conversation (the session id's hash), 30% test.
- The platform recordings (twarc, tweepy, Facebook, Mastodon, Bluesky, Reddit): every post
  text; split by the text's hash, 30% test.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
LABELS = Path(__file__).resolve().parent / "labels"
REALDATA_ENV = "RADSOME_REALDATA"
TWEET_ACT = "texts/tweet_act_TAC_TWEET_DATA.csv"
CUSTOMER_CARE = "twitter/ibm_twitter_customer_care_conversations_test.json"
# Decoded recordings (the .yaml/.yml cassettes and the raw praw cassette hold the same bodies).
RECORDINGS = (
    "twitter/twarc_csv_brexit.jsonl", "twitter/twarc_csv_geo_tweets.jsonl",
    "twitter/twarc_csv_mentions_tweet.jsonl", "twitter/twarc_csv_two_tweets.jsonl",
    "twitter/tweepy_test_client_get_tweets.decoded.json", "twitter/tweepy_test_client_get_users_mentions.decoded.json",
    "twitter/tweepy_test_client_hide_and_unhide_reply.decoded.json",
    "twitter/tweepy_test_client_search_recent_tweets.decoded.json",
    "facebook/pyfacebook_page_post_comments_p1.json", "facebook/pyfacebook_page_post_comments_p2.json",
    "facebook/pyfacebook_page_feed_default_fields_p1.json", "facebook/pyfacebook_group_feed_p1.json",
    "facebook/pyfacebook_model_comment_with_from.json",
    "mastodon/mastodonpy_test_hashtag_tl.decoded.json", "mastodon/mastodonpy_test_status_context.decoded.json",
    "mastodon/mastodonpy_test_status_reply.decoded.json",
    "bluesky/bskyr_vcr_searchPosts_redistricting.decoded.json", "bluesky/bskyr_vcr_getPostThread.decoded.json",
    "bluesky/marshalx_atproto_getPostThread_thread_view_post_with_embed_media.json",
    "bluesky/marshalx_atproto_getRecord_post_record.json",
    "reddit/reddit_thread_redditdev_2gmzqe.json",
)
TEST_SHARE = 30  # percent of conversations / texts in the test split of the non-Tweet-Act sources


class LabelError(ValueError):
    """A label file is malformed: the message names the file, line and field."""


def realdata_dir() -> Path | None:
    """$RADSOME_REALDATA, else <repo>/../shared/realdata, else /work/shared/realdata; None if none exists."""
    candidates = [Path(os.environ[REALDATA_ENV])] if os.environ.get(REALDATA_ENV) else []
    candidates += [REPO.parent / "shared" / "realdata", Path("/work/shared/realdata")]
    return next((path for path in candidates if path.is_dir()), None)


def normalise(text: str) -> str:
    """NFC, whitespace runs as one space, trimmed: what the text hash is taken of."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()


def text_sha(text: str) -> str:
    """First 16 hex digits of sha256(normalised text): enough to notice that a source changed."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:16]


def split_of(key: str) -> str:
    """'test' for a fixed ~30% of keys (by sha256), else 'train'. Fixed before any training."""
    return "test" if int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100 < TEST_SHARE else "train"


# --- readers ----------------------------------------------------------------------------------

def read_tweet_act(root: Path) -> pd.DataFrame:
    """record_id ``tweet_act:<line>``, text, asks (label QUE), tweet_act_label, split (line % 5 == 0: test)."""
    with open(root / TWEET_ACT, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    frame = pd.DataFrame(rows, columns=["text", "tweet_act_label"])
    frame.insert(0, "line", range(1, len(frame) + 1))
    frame.insert(0, "record_id", [f"tweet_act:{n}" for n in frame["line"]])
    frame["asks"] = frame["tweet_act_label"] == "QUE"
    frame["split"] = ["test" if n % 5 == 0 else "train" for n in frame["line"]]
    frame["source"] = "tweet_act"
    return frame


def read_customer_care(root: Path) -> pd.DataFrame:
    """The clients' turns: record_id ``ibm_care:<tweet id>``, conversation, company, text, split by conversation."""
    conversations = json.loads((root / CUSTOMER_CARE).read_text(encoding="utf-8"))
    rows = []
    for conversation in conversations:
        session = conversation["dialogHeader"]["sessionID"]
        company = conversation["dialogHeader"]["company"]
        for turn in conversation["dialogContent"]:
            speaker = next((k for k in ("client", "client1", "agent") if k in turn), None)
            if speaker in ("client", "client1"):
                rows.append({"record_id": f"ibm_care:{turn['tweet_ID']}", "conversation": session, "company": company,
                             "text": turn["message"], "split": split_of(session)})
    frame = pd.DataFrame(rows).drop_duplicates("record_id", keep="first").reset_index(drop=True)
    frame["source"] = "customer_care"
    return frame


def _html_text(markup: str) -> str:
    """Mastodon's HTML content as plain text (paragraphs and breaks as new lines)."""
    from html.parser import HTMLParser

    parts: list[str] = []

    class Text(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("br", "p") and parts:
                parts.append("\n")

        def handle_data(self, data):
            parts.append(data)

    parser = Text(convert_charrefs=True)
    parser.feed(markup or "")
    parser.close()
    return "".join(parts).strip()


@dataclass(frozen=True)
class _Found:
    platform: str
    native_id: str
    text: str


def _posts_in(node, platform: str, out: list[_Found]) -> None:
    """Every post-shaped object anywhere in a decoded API response (tweets, statuses, Bluesky
    posts and records, Facebook posts and comments, Reddit submissions and comments)."""
    if isinstance(node, list):
        for item in node:
            _posts_in(item, platform, out)
        return
    if not isinstance(node, dict):
        return
    if platform == "twitter" and isinstance(node.get("text"), str) and "id" in node:
        out.append(_Found(platform, str(node["id"]), node["text"]))
    elif platform == "mastodon" and isinstance(node.get("content"), str) and "account" in node and node["content"]:
        out.append(_Found(platform, str(node["id"]), _html_text(node["content"])))
    elif platform == "bluesky" and isinstance(node.get("record"), dict) and isinstance(node["record"].get("text"), str):
        out.append(_Found(platform, node["uri"], node["record"]["text"]))
    elif platform == "bluesky" and isinstance(node.get("value"), dict) and isinstance(node["value"].get("text"), str):
        out.append(_Found(platform, node["uri"], node["value"]["text"]))
    elif platform == "facebook" and isinstance(node.get("message"), str):
        native = node.get("id") or _facebook_id(node.get("permalink_url", ""))
        if native:
            out.append(_Found(platform, str(native), node["message"]))
    elif platform == "reddit" and node.get("kind") in ("t1", "t3") and isinstance(node.get("data"), dict):
        data = node["data"]
        text = data.get("body") if node["kind"] == "t1" else "\n".join(
            part for part in (data.get("title"), data.get("selftext")) if part)
        if text:
            out.append(_Found(platform, data["name"], text))
    for key, value in node.items():
        if key not in ("record", "value") or platform != "bluesky":
            _posts_in(value, platform, out)


def _facebook_id(permalink: str) -> str | None:
    found = re.search(r"reply_comment_id=(\d+)", permalink) or re.search(r"comment_id=(\d+)", permalink)
    return found.group(1) if found else None


def read_recordings(root: Path) -> pd.DataFrame:
    """Every post text in the platform recordings: record_id ``<file>:<platform id>``, split by text hash.

    A post seen in several recordings (or twice in one) keeps its first record id.
    """
    rows, seen = [], set()
    for name in RECORDINGS:
        path = root / name
        platform = name.split("/")[0]
        if path.suffix == ".jsonl":
            documents = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        else:
            documents = [json.loads(path.read_text(encoding="utf-8"))]
        found: list[_Found] = []
        for document in documents:
            _posts_in(document, platform, found)
        for item in found:
            key = (item.platform, item.native_id)
            if key in seen or not item.text.strip():
                continue
            seen.add(key)
            rows.append({"record_id": f"{name}:{item.native_id}", "platform": item.platform, "text": item.text,
                         "split": split_of(text_sha(item.text))})
    frame = pd.DataFrame(rows)
    frame["source"] = "recordings"
    return frame


# --- labels -------------------------------------------------------------------------------------

DOMAIN = REPO / "tests" / "data" / "radiography_questions.csv"
KINDS = REPO / "tests" / "data" / "question_kinds_dev.csv"
HELDOUT = REPO / "tests" / "data" / "heldout" / "patient_questions.csv"  # written blind by someone else
# Training text written blind by two other writers (warehouse/enrich/training/README.md).
WRITTEN = tuple(sorted((Path(__file__).resolve().parent / "training").glob("public_posts_w*.csv")))
WRITTEN_TEST_SHARE = 20  # percent of the written rows held back (by the id's hash) as "written test"
LABEL_FILES = {"tweet_act": "tweet_act.csv", "customer_care": "customer_care.csv", "recordings": "recordings.csv"}
COLUMNS = ["source", "record_id", "text", "split", "asks", "health", "patient_question", "topic", "kind"]


def _flag(value: str, path: Path, line: int, field: str, blank_ok: bool = False) -> float:
    if value == "" and blank_ok:
        return float("nan")
    if value not in ("0", "1"):
        raise LabelError(f"{path}, line {line}, field {field}: expected 0 or 1{' or blank' if blank_ok else ''}, "
                         f"got {value!r}")
    return float(value)


def read_labels(path: Path) -> pd.DataFrame:
    """A label file as strings, checked: record_id and text_sha present and record ids unique;
    0/1 flags (asks, health may be blank where it does not apply)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    seen = set()
    for line, row in enumerate(rows, start=2):
        for field in ("record_id", "text_sha"):
            if not row.get(field):
                raise LabelError(f"{path}, line {line}, field {field}: missing")
        if row["record_id"] in seen:
            raise LabelError(f"{path}, line {line}, field record_id: {row['record_id']!r} is labelled twice")
        seen.add(row["record_id"])
        for field in ("asks", "health", "patient_question"):
            if field in row:
                _flag(row[field], path, line, field, blank_ok=field == "health")
    return pd.DataFrame(rows, dtype=str)


def join_labels(records: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list[str]]:
    """``records`` with their labels from ``path``; problems: a record without a label, a label
    without a record, or a label whose text hash no longer matches (the source changed)."""
    labels = read_labels(path)
    joined = records.merge(labels, on="record_id", how="outer", indicator=True, suffixes=("", "_label"))
    problems = [f"{path.name}: {r} has no label" for r in joined.loc[joined["_merge"] == "left_only", "record_id"]]
    problems += [f"{path.name}: label for {r} matches no record in the real data"
                 for r in joined.loc[joined["_merge"] == "right_only", "record_id"]]
    both = joined[joined["_merge"] == "both"].drop(columns="_merge")
    stale = both["text_sha"] != both["text"].map(text_sha)
    problems += [f"{path.name}: {r}: the text changed since it was labelled (hash {s}), label not used"
                 for r, s in zip(both.loc[stale, "record_id"], both.loc[stale, "text_sha"])]
    return both[~stale].reset_index(drop=True), problems


def real_corpus(root: Path | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The real labelled text (:data:`COLUMNS`) and any label problems; an empty frame when the
    real data is absent."""
    root = root or realdata_dir()
    if root is None:
        return pd.DataFrame(columns=COLUMNS), [f"real data absent (set ${REALDATA_ENV})"]
    frames, problems = [], []
    for source, read in (("tweet_act", read_tweet_act), ("customer_care", read_customer_care),
                         ("recordings", read_recordings)):
        joined, found = join_labels(read(root), LABELS / LABEL_FILES[source])
        problems += found
        if source == "tweet_act":
            # Tweet-Act's own QUE label is "asks"; none of its asks is about health care
            # (docs/labelling.md: every tweet with a health word was read).
            joined["health"] = joined["asks"].map({True: "0", False: ""})
            joined["asks"] = joined["asks"].map({True: "1", False: "0"})
        joined["source"], joined["kind"] = source, ""
        frames.append(joined)
    frame = pd.concat(frames, ignore_index=True)
    frame["topic"] = frame["topic"].fillna("")
    return _typed(frame), problems


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=COLUMNS).copy()
    out["asks"] = out["asks"].astype(str).map({"1": True, "0": False, "1.0": True, "0.0": False})
    out["health"] = pd.to_numeric(out["health"].replace("", None), errors="coerce")
    out["patient_question"] = out["patient_question"].astype(str).map(
        {"1": True, "0": False, "1.0": True, "0.0": False})
    out["topic"] = out["topic"].fillna("").astype(str)
    out["kind"] = out["kind"].fillna("").astype(str)
    return out


def domain_sets() -> pd.DataFrame:
    """The domain texts written here: the radiography set (dev/test) and the kinds set (dev)."""
    radiography = pd.read_csv(DOMAIN, dtype=str, keep_default_na=False)
    radiography = radiography.rename(columns={"is_question": "patient_question"})
    radiography["source"], radiography["kind"] = "radiography", ""
    radiography["record_id"] = [f"radiography:{n}" for n in range(2, len(radiography) + 2)]
    kinds = pd.read_csv(KINDS, dtype=str, keep_default_na=False)
    kinds = kinds.rename(columns={"is_patient_question": "patient_question", "id": "record_id"})
    kinds["source"], kinds["split"] = "kinds", "dev"
    return _typed(pd.concat([radiography, kinds], ignore_index=True))


def written_split(record_id: str) -> str:
    """'test' for a fixed ~20% of the written rows (sha256 of the id), else 'train'."""
    return "test" if int(hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8], 16) % 100 < WRITTEN_TEST_SHARE \
        else "train"


def written_sets(paths: tuple[Path, ...] = WRITTEN) -> pd.DataFrame:
    """The public posts written by other writers (source ``written``; 20% test by id hash).

    A short reply whose ``kind`` names the post it answers (``..._reply_to_<post>``) sits under
    a service's post: ``reply_to_staff`` is True for it (see :mod:`warehouse.enrich.question_model`,
    thread context)."""
    frames = []
    for path in paths:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = {"id", "text", "asks", "health", "is_patient_question", "topic", "kind"} - set(frame.columns)
        if missing:
            raise LabelError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(frame.itertuples(), start=2):
            for field in ("asks", "health", "is_patient_question"):
                _flag(getattr(row, field), path, line, field)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True).rename(
        columns={"is_patient_question": "patient_question", "id": "record_id"})
    frame["source"] = "written"
    frame["split"] = frame["record_id"].map(written_split)
    return _typed(frame)


def heldout(path: Path | None = None) -> pd.DataFrame | None:
    """The blind held-out set (evaluation only, never training or tuning), or None when absent."""
    path = path or HELDOUT
    if not path.is_file():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"id", "text", "is_patient_question", "topic"} - set(frame.columns)
    if missing:
        raise LabelError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    for line, value in enumerate(frame["is_patient_question"], start=2):
        _flag(value, path, line, "is_patient_question")
    frame = frame.rename(columns={"is_patient_question": "patient_question", "id": "record_id"})
    frame["source"], frame["split"] = "heldout", "test"
    frame["asks"], frame["health"] = frame["patient_question"], ""
    return _typed(frame)


def training_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows training may read: train and dev splits, minus any text that is also in a test
    split (a retweet or copy of a test text would leak it)."""
    tested = set(frame.loc[frame["split"] == "test", "text"].map(normalise))
    train = frame[frame["split"].isin(("train", "dev"))]
    return train[~train["text"].map(normalise).isin(tested)].reset_index(drop=True)
