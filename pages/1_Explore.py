"""Explore: the posts behind the numbers, searchable, newest first; the newest 1,000 shown (a
page of 100 at a time) and downloadable, and every matching post exported (CSV, Excel; streamed, capped, audited)."""
from __future__ import annotations

import streamlit as st

from ui import data, exports, labels, page, tables
from warehouse import queries

# Rows shown (and downloaded). Every shown text is redacted first (ui.redact, ~0.05 ms a post),
# so the table is kept to what a person reads; narrower filters reach older posts.
LIMIT = 1_000

chosen = page.start("Explore posts", search=True, posts=True)
if not page.rows_visible("posts"):
    st.stop()

found = data.query(queries.explore_posts, chosen, limit=LIMIT + 1)  # one more says "there are more"
table = data.table(queries.explore_posts, labels.explore_table, chosen, {"limit": LIMIT + 1}).head(LIMIT)
if len(found) > LIMIT:
    st.info(f"Showing the newest {LIMIT:,} matching posts; there are more. Narrow the dates or "
            "filters, or refine the search, to see the rest here, or export every match below.")
else:
    st.markdown(f"**{len(table):,}** matching post{'s' if len(table) != 1 else ''}, newest first.")

# A page of 100 rows at a time goes to the browser (~40 KB, not ~390 KB per filter change:
# issue #16); the download under it holds all of them.
tables.show_paged(
    table, "posts", chosen, key="explore_posts", download_key="download_posts",
    file_stem=f"radsome-posts-{chosen.start}-to-{chosen.end}", hide_index=True, height=560,
    column_config={
        labels.EXPLORE_TEXT: st.column_config.TextColumn(
            width="large", help="Names, phone numbers, emails, @handles, NHS numbers, postcodes and "
                                "dates of birth are replaced by labels such as [phone]."),
        "Link": st.column_config.LinkColumn(display_text="open"),
    },
)
exports.posts(chosen)  # every matching post, not only the newest 1,000 (issue #15)
