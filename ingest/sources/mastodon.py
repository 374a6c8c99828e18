"""Mastodon API statuses (``/api/v1/timelines/tag/:tag``, ``/api/v1/accounts/:id/statuses``,
``/api/v1/statuses/:id/context``) -> file-format records.

Ids. A status ``id`` is only unique on the instance that served it: the same toot has a
different id on every instance that knows it, and ``in_reply_to_id`` is an id on the serving
instance too. So ``post_id`` is ``<instance host>:<id>`` (e.g. ``mastodon.social:1130...``),
where the host is the instance the connector asked (its API base URL): globally unique (two
instances never collide), stable (an instance never renumbers a status) and, crucially, the
parent is known without another request: ``parent_id`` is ``<same host>:<in_reply_to_id>``.
(The ActivityPub ``uri`` is globally unique too, but the parent's URI is not in the status,
so parents could not use the same scheme.) The ``uri`` stays in the kept payload.

Authors are ``acct`` qualified with the instance: a local account ``alice`` on
``nhs.social`` becomes ``alice@nhs.social``; a remote ``bob@mastodon.social`` stays as it is.

Boosts (reblogs): the timeline entry is a wrapper whose ``reblog`` is the boosted status;
the record is the boosted status itself (its author, text and time), so a toot boosted into
a followed account's timeline counts once, as its author's post; the payload kept is the
wrapper, untouched.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlparse

from ingest.sources import MALFORMED, SourceFormatError, iso_time, problem, report

_BLOCKS = {"p", "div", "blockquote", "pre", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}


class _Text(HTMLParser):
    """Mastodon's status HTML as plain text: paragraphs become blank lines, ``<br>`` a new
    line; links keep their visible text (Mastodon writes the whole URL into the link's text,
    partly in ``invisible`` spans, so the URL survives), and a link whose text is neither the
    URL nor a #hashtag or @mention gets its address after it in brackets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self._block()
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self._block()
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.parts[start:]).strip()
            if href and shown and href not in shown and shown not in href and shown[0] not in "#@":
                self.parts.append(f" ({href})")

    def handle_data(self, data):
        self.parts.append(data)

    def _block(self):
        if self.parts and not "".join(self.parts[-2:]).endswith("\n\n"):
            self.parts.append("\n\n")

    def text(self) -> str:
        text = "".join(self.parts)
        text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(value) -> str:
    """Plain text of a status's ``content`` or an account's ``note`` (HTML)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("HTML content is not text")
    parser = _Text()
    parser.feed(value)
    parser.close()
    return parser.text()


def instance_host(instance: str) -> str:
    """``https://Mastodon.Social/`` -> ``mastodon.social`` (the port is kept when given)."""
    host = urlparse(instance if "//" in instance else f"https://{instance}").netloc.lower()
    if not host:
        raise ValueError(f"not an instance URL: {instance!r}")
    return host


def status_id(host: str, local_id) -> str:
    return f"{host}:{plain_id(local_id, 'id')}"


def plain_id(value, name: str) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise ValueError(f"{name!r} is not an id")
    return str(value).strip()


def _time(value) -> str:
    return iso_time(value)


def author_id(host: str, account: dict) -> str:
    acct = account["acct"]
    if not isinstance(acct, str) or not acct.strip("@ "):
        raise ValueError("'account.acct' is not a handle")
    acct = acct.strip().lstrip("@")
    return (acct if "@" in acct else f"{acct}@{host}").lower()


def original(status: dict) -> dict:
    """The status a timeline entry stands for: the boosted one for a boost."""
    if not isinstance(status, dict):
        raise TypeError("a status is not an object")
    boosted = status.get("reblog")
    if boosted is not None:
        if not isinstance(boosted, dict):
            raise TypeError("'reblog' is not a status")
        return boosted
    return status


def transform_status(status: dict, host: str, thread_root: str | None = None) -> dict:
    """One status (or boost) as a record. ``host`` is the instance asked; ``thread_root`` the
    local id of the thread's first post when known (from ``/context``). Without it a reply's
    ``thread_id`` is left empty and the build follows ``parent_id`` to the root."""
    status = original(status)
    account = status["account"]
    if not isinstance(account, dict):
        raise TypeError("'account' is not an object")
    own = status_id(host, status["id"])
    parent = status.get("in_reply_to_id")
    parent_id = status_id(host, parent) if parent is not None else None
    if parent_id is None:
        thread_id = own
    else:
        thread_id = status_id(host, thread_root) if thread_root is not None else None
    text = html_to_text(status.get("content"))
    warning = status.get("spoiler_text") or ""
    if not isinstance(warning, str):
        raise TypeError("'spoiler_text' is not text")
    if warning.strip():
        text = f"{warning.strip()}\n\n{text}" if text else warning.strip()
    url = status.get("url") or status.get("uri")
    return {
        "platform": "mastodon",
        "post_id": own,
        "parent_id": parent_id,
        "thread_id": thread_id,
        "author_id": author_id(host, account),
        "author_name": (account.get("display_name") or "").strip() or None,
        "author_bio": html_to_text(account.get("note")) or None,
        "created_at": _time(status["created_at"]),
        "text": text,
        "url": url if isinstance(url, str) else None,
    }


def transform_statuses(statuses: list, host: str, problems: list[str] | None = None,
                       thread_root: str | None = None, where: str = "statuses") -> list[dict]:
    """Records for a list of statuses (a timeline page, or a context's ancestors and
    descendants). A status that cannot be read raises :class:`~ingest.sources.SourceFormatError`
    naming it; with a ``problems`` list it is skipped and the reason appended there instead."""
    if not isinstance(statuses, list):
        raise SourceFormatError(f"mastodon: {where}: expected a list of statuses")
    records = []
    for i, status in enumerate(statuses, 1):
        try:
            records.append(transform_status(status, host, thread_root))
        except MALFORMED as exc:
            report(problems, problem("mastodon", f"{where} status {i}{named(status)}", exc))
    return records


def named(status) -> str:
    if isinstance(status, dict) and isinstance(status.get("id"), (str, int)):
        return f" (id {status['id']})"
    return ""
