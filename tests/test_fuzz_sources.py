"""Property-based tests of the connectors' parsers (the source transforms of recorded API
payloads, ``ingest.sources``): any payload, however malformed, gives records the importer
accepts or quarantines, or one clear SourceFormatError naming the item — never a crash."""
from __future__ import annotations

import copy
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ingest import jobs
from ingest.sources import SourceFormatError, facebook, reddit
from tests.support import REALDATA, raw_query, write_jsonl

pytestmark = pytest.mark.slow  # fuzzing

SETTINGS = settings(max_examples=60, deadline=None, derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
KEYS = ["data", "children", "kind", "name", "created_utc", "author", "body", "title", "selftext",
        "permalink", "parent_id", "replies", "id", "from", "message", "created_time", "permalink_url",
        "paging", "t1", "t3"]
SCALARS = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=40) | st.sampled_from(["t1", "t3_abc", "2021-08-10T19:38:44+0000",
                                                     "https://www.facebook.com/1/posts/2?comment_id=3",
                                                     "'); DROP TABLE raw_posts; --", "<script>x</script>"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=6),
                    max_leaves=30)
REQUIRED = ("platform", "post_id", "author_id", "created_at", "text")


def _check(records: list[dict]) -> None:
    for record in records:
        for field in REQUIRED:
            assert isinstance(record[field], str), (field, record)
        assert record["post_id"].strip() and record["author_id"].strip()


def _run(transform, payload):
    """The transform strictly (records or one SourceFormatError) and leniently (records plus
    problems, or SourceFormatError only for the payload's outer shape)."""
    try:
        strict = transform(copy.deepcopy(payload))
        _check(strict)
    except SourceFormatError as exc:
        assert str(exc).startswith(("facebook:", "reddit:")), exc
        strict = None
    problems: list[str] = []
    try:
        lenient = transform(copy.deepcopy(payload), problems)
    except SourceFormatError:
        return strict, None, problems
    _check(lenient)
    assert all(p.startswith(("facebook:", "reddit:")) for p in problems)
    if strict is not None:
        assert lenient == strict and not problems
    return strict, lenient, problems


@SETTINGS
@given(payload=JSON)
def test_any_payload_gives_records_or_a_clear_error(payload):
    _run(facebook.transform_comments, payload if isinstance(payload, list) else [payload])
    _run(reddit.transform_thread, payload)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, prefix + (i,))


def _mutated(payload, path, replacement, delete: bool):
    out = copy.deepcopy(payload)
    if not path:
        return replacement
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return out


def _recorded(name: str):
    path = REALDATA / name
    if not path.exists():
        pytest.skip(f"real data {name} is absent (../shared/realdata is not beside this clone)")
    return json.loads(path.read_text())


@pytest.mark.parametrize("source", ["facebook", "reddit"])
def test_mutated_real_payloads_import_or_quarantine(source, data_dir, tmp_path):
    if source == "facebook":
        payload = [_recorded(f"facebook/pyfacebook_page_post_comments_{p}.json") for p in ("p1", "p2")]
        transform = facebook.transform_comments
    else:
        payload = _recorded("reddit/reddit_thread_redditdev_2gmzqe.json")
        transform = reddit.transform_thread
    paths = list(_paths(payload))
    seen = {"records": 0, "problems": 0, "refused": 0, "files": 0}

    @SETTINGS
    @given(index=st.integers(0, len(paths) - 1), replacement=JSON, delete=st.booleans())
    def check(index, replacement, delete):
        mutated = _mutated(payload, paths[index], replacement, delete)
        _, lenient, problems = _run(transform, mutated)
        seen["problems"] += len(problems)
        if lenient is None:
            seen["refused"] += 1
            return
        seen["records"] += len(lenient)
        if not lenient:
            return
        seen["files"] += 1
        path = write_jsonl(tmp_path / f"{source}-{seen['files']}.jsonl", lenient)
        counts = jobs.import_file(path)
        assert counts.read == len(lenient)
        assert counts.read == (counts.new + counts.changed + counts.duplicate + counts.quarantined
                               + counts.deleted)

    check()
    assert seen["files"] > 0 and raw_query("SELECT count(*) FROM raw_posts")[0][0] > 0
    print(f"\n{source}: {seen}")
