"""Values from data or the URL shown as text, never as Markdown or HTML (issue #18, item 9).

Streamlit renders the body of ``st.markdown``, ``st.caption``, ``st.error``/``warning``/
``info``/``success`` and a metric's label and value as GitHub-flavoured Markdown. Escaping
the Markdown characters is not enough: GFM turns any ``www.…``, ``https://…`` or
``name@host`` left in a text node into a live link after escapes are decoded (checked in
Chromium: ``www\\.evil\\.example`` still becomes a link). Two forms are never linked:

* :func:`literal`: an inline code span, for a short value inside a sentence (a search text,
  a post id, a source name, an error message). Code spans are not parsed further.
* :func:`html_block`: one ``<div>`` holding HTML-escaped text on a single line (line breaks
  as ``<br>``), for long text such as a post, shown with ``unsafe_allow_html=True``.
  CommonMark passes an HTML block through unparsed up to the next blank line, and the block
  has none, so nothing inside becomes a link; every ``<``, ``>`` and ``&`` of the text is
  escaped, so nothing inside becomes a tag either.

:func:`strip_paths` removes the server's folders from error text shown on a page.
"""
from __future__ import annotations

import html
import re

_BACKTICKS = re.compile(r"`+")
_SPACE = re.compile(r"\s+")
# A POSIX or home-relative path with at least one folder, not part of a URL (``https://h/a``)
# or a relative path (``a/b``); or a Windows path (``C:\a\b``). The last part is kept.
_PATH = re.compile(r"(?<![\w:/.~\-])(?:~|\.{1,2})?/(?:[^\s/'\"(),;:<>|]+/)+"
                   r"|(?<![\w])[A-Za-z]:\\(?:[^\s\\'\"(),;:<>|]+\\)+")


def literal(value) -> str:
    """Markdown source that shows ``value`` as itself, in a code span: no link, image, HTML,
    emphasis, LaTeX or Streamlit directive can come of it. White space runs become one space
    (a code span is one line); an empty value gives an empty string."""
    text = _SPACE.sub(" ", "" if value is None else str(value)).strip()
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html_text(value) -> str:
    """``value`` HTML-escaped, each line break as ``<br>``: a fragment for :func:`html_block`."""
    text = "" if value is None else str(value)
    return re.sub(r"\r\n|\r|\n", "<br>", html.escape(text, quote=True))


def html_block(fragment: str) -> str:
    """One HTML block around ``fragment`` (made of :func:`html_text` pieces and our own tags),
    for ``st.markdown(..., unsafe_allow_html=True)``: on one line, so Markdown never parses
    inside it (see the module docstring)."""
    return "<div>" + fragment.replace("\r", "").replace("\n", "") + "</div>"


def strip_paths(text) -> str:
    """Error text without the server's folders: ``/srv/radsome/data/in/posts.csv: line 3`` ->
    ``…/posts.csv: line 3``. URLs and relative paths are left alone."""
    if text is None or (isinstance(text, float) and text != text):  # None or NaN: no text
        return ""
    return _PATH.sub("…/", str(text))
