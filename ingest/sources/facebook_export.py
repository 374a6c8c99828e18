"""Facebook "Download your information" group files -> file-format records.

Facebook groups have no third-party API any more, so group posts come from the platform's own
export: in the JSON download, ``your_activity_across_facebook/groups/group_posts_and_comments.json``
(older downloads: ``groups/your_posts_and_comments_in_groups.json``), shaped like::

    {"group_posts_v2": [{"timestamp": 1617200000, "title": "Jane Doe posted in Group.",
                         "data": [{"post": "text"}, {"update_timestamp": 1617200100}]}],
     "group_comments_v2": [{"timestamp": 1617300000, "title": "Jane Doe commented on ...",
                            "data": [{"comment": {"timestamp": 1617300000, "comment": "text",
                                                  "author": "Jane Doe", "group": "Group"}}]}]}

(a list of such entries at the top level is read too). The download holds the exporting
account's own posts and comments only, with no ids and no threading: each record gets a
stable id made from its content (``fbexport:<hash>``, so a second import of the same file
adds nothing), ``author_id`` ``name:<author>``, and no parent. Facebook writes non-ASCII text
as UTF-8 bytes escaped one by one (``\\u00e2\\u0080\\u0099`` for ’); it is decoded back.

``python -m ingest.sources.facebook_export EXPORT.json OUT.jsonl`` writes the JSONL that
``python -m ingest file OUT.jsonl --trust CODE`` imports.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from ingest.sources import MALFORMED, SourceFormatError, problem, report

_POSTED_IN = re.compile(r"^(?P<author>.+?) (?:posted|shared .+?|wrote) in (?P<group>.+?)\.?$")
_ACTOR = re.compile(r"^(?P<author>.+?) (?:commented|replied|posted|shared|wrote)\b")


def fix_text(value) -> str:
    """Undo Facebook's export encoding (UTF-8 bytes written as \\u00XX escapes)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("the text is not text")
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _time(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("'timestamp' is not a number")
    return datetime.fromtimestamp(value, tz=timezone.utc).isoformat()


def _record(kind: str, timestamp, author: str, text: str) -> dict:
    if not author.strip():
        raise ValueError("no author in the entry")
    created = _time(timestamp)
    digest = hashlib.sha256("\x1f".join([kind, created, author, text]).encode()).hexdigest()[:24]
    return {"platform": "facebook", "post_id": f"fbexport:{digest}", "parent_id": None,
            "thread_id": None, "author_id": f"name:{author}", "author_name": author,
            "created_at": created, "text": text, "url": None}


def transform_entry(entry: dict, kind: str) -> dict:
    title = fix_text(entry.get("title"))
    if kind == "post":
        texts = [fix_text(d["post"]) for d in entry.get("data", []) if isinstance(d, dict) and "post" in d]
        match = _POSTED_IN.match(title) or _ACTOR.match(title)
        return _record("post", entry["timestamp"], match.group("author") if match else "", "\n".join(texts))
    comments = [d["comment"] for d in entry.get("data", []) if isinstance(d, dict) and "comment" in d]
    if not comments or not isinstance(comments[0], dict):
        raise KeyError("comment")
    comment = comments[0]
    match = _ACTOR.match(title)
    author = fix_text(comment.get("author")) or (match.group("author") if match else "")
    return _record("comment", comment.get("timestamp", entry.get("timestamp")), author,
                   fix_text(comment.get("comment")))


def transform_export(export, problems: list[str] | None = None) -> list[dict]:
    """Records for the posts and comments of a group export; an entry that cannot be read
    raises :class:`~ingest.sources.SourceFormatError`, or with ``problems`` is skipped and
    named there."""
    if isinstance(export, list):
        sections = [("post", export)]
    elif isinstance(export, dict):
        sections = [(kind, export.get(key, [])) for key, kind in (
            ("group_posts_v2", "post"), ("group_posts", "post"),
            ("group_comments_v2", "comment"), ("group_comments", "comment"))]
    else:
        raise SourceFormatError("facebook-export: expected the JSON of a group posts/comments download")
    records = []
    for kind, entries in sections:
        if not isinstance(entries, list):
            raise SourceFormatError(f"facebook-export: the {kind}s are not a list")
        for i, entry in enumerate(entries, 1):
            try:
                if not isinstance(entry, dict):
                    raise TypeError(f"{kind} entry is not an object")
                records.append(transform_entry(entry, kind))
            except MALFORMED as exc:
                report(problems, problem("facebook-export", f"{kind} {i}", exc))
    return records


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m ingest.sources.facebook_export EXPORT.json OUT.jsonl", file=sys.stderr)
        return 2
    try:
        export = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"{args[0]}: cannot read ({exc})", file=sys.stderr)
        return 2
    problems: list[str] = []
    try:
        records = transform_export(export, problems)
    except SourceFormatError as exc:
        print(f"{args[0]}: {exc}", file=sys.stderr)
        return 2
    with open(args[1], "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    for line in problems:
        print(f"{args[0]}: skipped: {line}", file=sys.stderr)
    print(f"{args[1]}: {len(records)} records ({len(problems)} entries skipped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
