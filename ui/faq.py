"""The draft FAQ: the top themes of what patients ask, as questions in plain English, each with
a draft answer assembled from the best answers found, quoted and attributed to a role and a
trust (never a person), or a note that no good answer has been found yet; with the dates, the
place and the counts it came from (suppressed at every level: counts per theme are a breakdown).

No patient's words: each question is the theme's label in plain English (a label people wrote
in the themes register, else "Questions about" the generated label, which is made only of
health, service and everyday words: warehouse/theme_text.py ``label_word``), never the text of a
question someone asked. Quoted answers have greetings and sign-offs dropped and identifiers
redacted (:func:`ui.themes.quotable`).

One document (:func:`build`), four renderings: Markdown (:func:`markdown`; every value escaped,
web addresses as ``<https://…>`` autolinks that never take in punctuation after them, no raw
HTML), plain text for the page's preview (:func:`plain`), HTML (:func:`html_page`;
every value HTML-escaped, no link), Word (:func:`docx_bytes`, python-docx; every value a plain
text run, no field or hyperlink, the draft note in every page's header too) and a CSV table
(:func:`table`, written by :func:`ui.tables.to_csv`, the one export path). All carry
:data:`DRAFT_NOTE`, and :data:`SYNTHETIC_NOTE` on demo data.

``python -m warehouse faq`` runs :func:`main` here as a child process (the warehouse package
never imports ``ui``, which it would need for redaction and suppression); the page's download
calls :func:`build` and :func:`render` directly.
"""
from __future__ import annotations

import argparse
import html
import io
import logging
import re
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from store import access, reader
from ui import formats, themes
from warehouse import queries, theme_queries

DRAFT_NOTE = ("Draft for review by the service — a starting point for patient information, "
              "not clinical advice.")
SYNTHETIC_NOTE = "Synthetic demo data — not real patients or staff."
NO_ANSWER = ("No good answer has been found yet in the data: the service may want to write one. "
             "Answers that carry a guideline flag are never quoted.")
TOP_THEMES = theme_queries.TOP  # the page reads this many themes' answers
ANSWERS_PER_THEME = themes.ANSWERS_PER_THEME
FORMATS = {"md": ("text/markdown", ".md"), "html": ("text/html", ".html"), "csv": ("text/csv", ".csv"),
           "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")}


@dataclass(frozen=True)
class Entry:
    question: str  # plain English: the register's label, else "Questions about <generated label>"
    theme: str  # the theme's label and id
    figures: str  # "Asked 120 times; 62% answered; median wait 5 h" (suppressed)
    answers: tuple[tuple[str, str], ...]  # (quoted text, "A professional at ... Trust")
    note: str | None  # NO_ANSWER when there is no good answer


@dataclass(frozen=True)
class Faq:
    title: str
    where: str
    period: str
    counts_note: str
    synthetic: bool
    entries: tuple[Entry, ...]


def build(summary: pd.DataFrame, answers: pd.DataFrame, *, where: str,
          start: date, end: date, synthetic: bool, shown_themes: tuple[str, ...], top: int = TOP_THEMES) -> Faq:
    """The FAQ of the ``top`` busiest themes of ``summary`` (theme_queries.theme_summary), with
    their best answers (theme_queries.best_answers; good ones only are quoted). Counts per theme
    are a breakdown, so they are suppressed whatever the place and dates (as on the page), and
    only ``shown_themes`` are listed (:func:`ui.themes.listable`)."""
    summary = themes.listed(summary, shown_themes).head(top).reset_index(drop=True)
    shown = themes.theme_table(summary, shown_themes=shown_themes) if not summary.empty else pd.DataFrame()
    quotes = themes.good_quotes(answers)  # the one criterion, as the page's table
    entries = []
    for i, row in summary.iterrows():
        quoted = quotes.get(row["theme_id"], ())
        entries.append(Entry(question=_question(row), theme=f"{row['label']} (theme {row['theme_id']})",
                             figures=_figures(shown.iloc[i]), answers=quoted, note=None if quoted else NO_ANSWER))
    counts_note = ("Counts per theme: 1–7 show as *, others are rounded to the nearest 5, and shares "
                   "and waits over hidden counts are not shown.")
    return Faq(title=f"What patients ask: {where}", where=where,
               period=f"{formats.day(start)} to {formats.day(end)}", counts_note=counts_note,
               synthetic=synthetic, entries=tuple(entries))


def where_text(region_codes, trust_codes, regions: pd.DataFrame, trusts: pd.DataFrame) -> str:
    """The place a selection covers in words, as the page's header names it: the region's name
    and each trust's as "Region · Trust name (CODE)" (``regions``, ``trusts``:
    warehouse.queries region_options and trust_options; a code with no name stays a code)."""
    region_names = dict(zip(regions["region_code"], regions["region_name"]))
    trust_rows = {code: (name, region) for code, name, region in
                  zip(trusts["trust_code"], trusts["trust_name"], trusts["region_name"])}
    parts = [f"{region_names.get(code, code)} ({code})" if region_names.get(code, code) != code else code
             for code in region_codes]
    for code in trust_codes:
        name, region = trust_rows.get(code, (code, None))
        name = formats.org_name(name)
        parts.append(" · ".join([p for p in (region if not region_codes else None,
                                               f"{name} ({code})" if name != code else code) if p]))
    return "; ".join(parts) if parts else "all regions and trusts"


def for_page(summary: pd.DataFrame, answers: pd.DataFrame, filters, *, synthetic: bool,
             shown_themes: tuple[str, ...], regions: pd.DataFrame, trusts: pd.DataFrame) -> Faq:
    """:func:`build` for a page's selection (``filters``: warehouse.queries.Filters; ``regions``,
    ``trusts``: the reference names, :func:`where_text`)."""
    return build(summary, answers, where=where_text(filters.regions, filters.trusts, regions, trusts), start=filters.start,
                 end=filters.end, synthetic=synthetic, shown_themes=shown_themes)


def _question(row) -> str:
    """The register's label if people wrote one, else "Questions about <generated label>":
    never a patient's own words (which may name them or their condition)."""
    if row["label_source"] == "register":
        return str(row["label"])
    return f"Questions about {row['label']}"


def _figures(shown: pd.Series) -> str:
    asked = shown["Questions"]
    parts = [f"Asked {asked} times" if asked != formats.SUPPRESSED else "Asked 1 to 7 times"]
    if shown["Answered"] not in ("—", formats.SUPPRESSED):
        parts.append(f"{shown['Answered']} answered")
    if shown["Median wait"] not in ("—", formats.SUPPRESSED):
        parts.append(f"median wait for an answer {shown['Median wait']}")
    return "; ".join(parts) + "."


# --- renderings ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~!])")  # (every line starts with our own text)
# A web address: with a scheme, from "www.", or a bare host in a common top-level domain
# ("nhs.uk/mri"). Punctuation that ends a sentence or closes a quote or bracket after it is not
# part of it (_url_end); an email address is redacted before it gets here.
_WEB = re.compile(r"(?<![\w@/.-])((?:https?://|www\.)[^\s<>]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*"
                  r"\.(?:uk|com|org|net|gov|nhs|info|io)\b(?:/[^\s<>]*)?)", re.IGNORECASE)
_TRAILING = ".,;:!?'\"“”‘’»)]}*_"
_PAIRS = {")": "(", "]": "[", "}": "{"}


def _url_end(url: str) -> int:
    """Where a matched address really ends: trailing punctuation dropped, but a closing bracket
    kept when the address opened one ("…/Mammography_(medicine)")."""
    end = len(url)
    while end and url[end - 1] in _TRAILING:
        close = url[end - 1]
        if close in _PAIRS and url[:end].count(_PAIRS[close]) >= url[:end].count(close):
            break
        end -= 1
    return end


def _autolink(url: str) -> str:
    """A web address as a CommonMark autolink ``<https://…>`` (a scheme added where it had none):
    one consistent, clickable form, which no renderer reads as raw HTML and whose text is
    taken literally (no escape or emphasis inside)."""
    return f"<{url if re.match(r'https?://', url, re.IGNORECASE) else 'https://' + url}>"


def _md_text(text: str) -> str:
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def _md(text: str) -> str:
    """Markdown that shows ``text`` as itself, on one line: punctuation escaped, ``< > &`` as
    entities, and every web address an autolink (:func:`_autolink`) that ends before any
    punctuation following it (a closing quotation mark, a full stop, a bracket)."""
    text = " ".join(str(text).split())
    out, at = [], 0
    for match in _WEB.finditer(text):
        end = match.start() + _url_end(match.group(0))
        if end <= match.start() or not re.search(r"[a-z0-9]\.[a-z]", text[match.start():end], re.IGNORECASE):
            continue
        out += [_md_text(text[at:match.start()]), _autolink(text[match.start():end])]
        at = end
    out.append(_md_text(text[at:]))
    return "".join(out)


def plain(faq: Faq) -> str:
    """The document as plain text, for the page's preview (``st.text``: never read as Markdown,
    so no escape, backtick or ``#`` shows): the same lines as every rendering."""
    out = []
    for kind, text in _lines(faq):
        if kind in ("title", "question") and out:
            out.append("")
        out.append(text)
        if kind == "title":
            out.append("=" * min(len(text), 80))
        elif kind == "question":
            out.append("-" * min(len(text), 80))
    return "\n".join(out) + "\n"


def _lines(faq: Faq) -> list[tuple[str, str]]:
    """The document as (kind, text) lines: every rendering writes these, in this order."""
    lines = [("title", faq.title), ("note", DRAFT_NOTE)]
    if faq.synthetic:
        lines.append(("note", SYNTHETIC_NOTE))
    lines += [("meta", f"Questions asked from {faq.period}, {faq.where}."), ("meta", faq.counts_note),
              ("meta", "Answers are quoted from replies by professional and organisation accounts, with names "
                       "and identifiers removed, and attributed to a role and a trust.")]
    if not faq.entries:
        lines.append(("para", "No theme of patient questions to list in these dates and places (a theme is "
                               "listed where it was asked 8 times or more over all places in the dates)."))
    for entry in faq.entries:
        lines += [("question", entry.question), ("meta", f"{entry.figures} Theme: {entry.theme}.")]
        for quote, who in entry.answers:
            lines += [("quote", f"“{quote}”"), ("who", f"— {who}")]
        if entry.note:
            lines.append(("para", entry.note))
    return lines


def markdown(faq: Faq) -> str:
    prefix = {"title": "# ", "question": "## ", "note": "**", "quote": "> ", "who": "> ", "meta": "", "para": ""}
    out = []
    for kind, text in _lines(faq):
        line = prefix[kind] + _md(text) + ("**" if kind == "note" else "")
        out += [line, ">" if kind == "quote" else ""]
    return "\n".join(out).rstrip() + "\n"


def html_page(faq: Faq) -> str:
    """A standalone HTML page: every value HTML-escaped (quotes too), no link, no script."""
    tags = {"title": "h1", "question": "h2", "note": 'p class="note"', "meta": 'p class="meta"',
            "quote": "blockquote", "who": 'p class="who"', "para": "p"}
    body = []
    for kind, text in _lines(faq):
        tag = tags[kind]
        body.append(f"<{tag}>{html.escape(text, quote=True)}</{tag.split(' ')[0]}>")
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(faq.title, quote=True)}</title><style>body{{font-family:sans-serif;"
            "max-width:48em;margin:2em auto}.note{font-weight:bold}.meta,.who{color:#555}"
            "blockquote{border-left:4px solid #005eb8;margin-left:0;padding-left:1em}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


# Characters XML 1.0 cannot hold (python-docx refuses them, after adding an empty paragraph).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", str(text))


def docx_bytes(faq: Faq) -> bytes:
    """A Word document of the same lines as every rendering (python-docx). Each value is written
    as a plain text run, so nothing in a quote becomes a field, a hyperlink or formatting; the
    draft note also heads every page, so a printed page alone still says it is a draft."""
    from docx import Document  # only this rendering needs it

    document = Document()
    props = document.core_properties
    props.title, props.author, props.last_modified_by = _xml(faq.title), "RadSoMe", "RadSoMe"
    props.comments = DRAFT_NOTE
    document.sections[0].header.paragraphs[0].text = DRAFT_NOTE
    for kind, text in _lines(faq):
        text = _xml(text)
        if kind in ("title", "question"):
            document.add_heading(text, level=0 if kind == "title" else 1)
        elif kind == "note":
            document.add_paragraph().add_run(text).bold = True
        else:
            document.add_paragraph(text, style="Quote" if kind == "quote" else None)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def table(faq: Faq) -> pd.DataFrame:
    """The FAQ as a table (one row per quoted answer, or one per theme without one), each row
    carrying the draft note, place, period and counts note, so a row taken alone still says
    what it is."""
    rows = []
    for entry in faq.entries:
        quotes = entry.answers or ((entry.note or "", ""),)
        for quote, who in quotes:
            rows.append({"Question": entry.question, "Theme": entry.theme, "Figures": entry.figures,
                         "Draft answer": quote, "From": who})
    frame = pd.DataFrame(rows, columns=["Question", "Theme", "Figures", "Draft answer", "From"])
    return frame.assign(Status=DRAFT_NOTE, Where=faq.where, Period=faq.period, Counts=faq.counts_note)


def render(faq: Faq, fmt: str) -> bytes:
    """The document in ``fmt`` (md, html, docx or csv) as bytes."""
    if fmt == "md":
        return markdown(faq).encode("utf-8")
    if fmt == "html":
        return html_page(faq).encode("utf-8")
    if fmt == "docx":
        return docx_bytes(faq)
    if fmt == "csv":
        from ui.tables import to_csv  # the one export path (it imports streamlit)
        return to_csv(table(faq), faq.synthetic)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")


# --- python -m warehouse faq ----------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m warehouse faq",
                                     description="write a draft FAQ of what patients ask")
    place = parser.add_mutually_exclusive_group()
    place.add_argument("--trust", metavar="CODE", help="one trust (ODS code)")
    place.add_argument("--region", metavar="CODE", help="one region (e.g. Y63)")
    parser.add_argument("--from", dest="start", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="first UK day (default: a year before --to)")
    parser.add_argument("--to", dest="end", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="last UK day (default: the last day with posts)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="md")
    parser.add_argument("--top", type=int, default=TOP_THEMES, metavar="N", help="themes to include")
    parser.add_argument("--out", type=Path, required=True, metavar="PATH")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # no "no runtime" warnings on a command line
    try:
        con = reader.connect_published()
    except FileNotFoundError as exc:
        print(f"error: {exc}; run python -m warehouse build first", file=sys.stderr)
        return 2
    try:
        def ask(function, filters=None, **options):
            cursor = reader.reader_cursor(con)
            try:
                return function(cursor, filters, **options)
            finally:
                cursor.close()

        bounds = ask(queries.date_bounds).iloc[0]
        if pd.isna(bounds["last_day"]):
            print("error: the warehouse has no posts", file=sys.stderr)
            return 2
        end = args.end or pd.Timestamp(bounds["last_day"]).date()
        start = args.start or end - timedelta(days=364)
        if end < start:
            print(f"error: --to {end} is before --from {start}", file=sys.stderr)
            return 2
        where, problem = _where(ask, args)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        filters = queries.Filters(start, end, regions=(args.region.upper(),) if args.region else (),
                                  trusts=(args.trust.upper(),) if args.trust else ())
        summary = ask(theme_queries.theme_summary, filters)
        shown_themes = themes.listable(ask(theme_queries.theme_counts, themes.everywhere(filters)))
        faq = build(summary, ask(theme_queries.best_answers, filters, top=theme_queries.EVERY_THEME, limit=10), where=where,
                    start=start, end=end, shown_themes=shown_themes,
                    synthetic=int(ask(queries.build_info)["n_demo_posts"].iloc[0]) > 0, top=args.top)
    finally:
        con.close()
    data = render(faq, args.format)
    args.out.write_bytes(data)
    access.audit(access.EVERYTHING, "export", f"draft FAQ ({len(faq.entries)} themes) as {args.format}"
                                              f" to {args.out}; {start} to {end}; {where}")
    print(f"draft FAQ: {len(faq.entries)} themes, {where}, {faq.period} -> {args.out}")
    return 0


def _where(ask, args) -> tuple[str, str | None]:
    """The place in words (:func:`where_text`), or a problem with --trust / --region."""
    regions, trusts = ask(queries.region_options), ask(queries.trust_options)
    if args.trust and trusts[trusts["trust_code"] == args.trust.upper()].empty:
        return "", f"--trust: no posts for trust {args.trust!r} (see python -m ingest reference)"
    if args.region and regions[regions["region_code"] == args.region.upper()].empty:
        return "", f"--region: no posts for region {args.region!r}"
    return where_text([args.region.upper()] if args.region else [], [args.trust.upper()] if args.trust else [],
                      regions, trusts), None


if __name__ == "__main__":
    sys.exit(main())
