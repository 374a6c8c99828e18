"""Explore: the posts behind the numbers, searchable, newest first, downloadable as CSV."""
from __future__ import annotations

import streamlit as st

from store import access
from ui import auth, data, labels, page
from warehouse import queries

# Rows shown (and downloaded). Every shown text is redacted first (ui.redact, ~0.05 ms a post),
# so the table is kept to what a person reads; narrower filters reach older posts.
LIMIT = 1_000

chosen = page.start("Explore posts", ":material/search:", search=True)

found = data.query(queries.explore_posts, chosen, limit=LIMIT + 1)  # one more says "there are more"
table = data.table(queries.explore_posts, labels.explore_table, chosen, {"limit": LIMIT + 1}).head(LIMIT)
if len(found) > LIMIT:
    st.info(f"Showing the newest {LIMIT:,} matching posts; there are more. Narrow the dates or "
            "filters, or refine the search, to see the rest.")
else:
    st.markdown(f"**{len(table):,}** matching post{'s' if len(table) != 1 else ''}, newest first.")

data.dataframe(
    table, hide_index=True, height=560,
    column_config={
        "Posted (UK time)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
        labels.EXPLORE_TEXT: st.column_config.TextColumn(
            width="large", help="Names, phone numbers, emails, @handles, NHS numbers, postcodes and "
                                "dates of birth are replaced by labels such as [phone]."),
        "Link": st.column_config.LinkColumn(display_text="open"),
    },
)
def _audit_export() -> None:
    access.audit(auth.current_scope(), "export",
                 f"{len(table):,} posts; {chosen.start} to {chosen.end}; regions {list(chosen.regions) or 'all'}; "
                 f"trusts {list(chosen.trusts) or 'all'}; platforms {list(chosen.platforms) or 'all'}; "
                 f"search {chosen.text!r}")


synthetic = data.is_synthetic()  # read now: the file is made later, outside this run
st.download_button(
    "Download these posts (CSV)", data=lambda: labels.to_csv(table, synthetic=synthetic),
    file_name=f"radsome-posts-{chosen.start}-to-{chosen.end}.csv", mime="text/csv",
    key="download_posts", on_click=_audit_export, disabled=table.empty,
    help="Exactly the rows and columns shown above, the text redacted as shown (demo data: a "
         "first column says it is synthetic). Cells that start like a spreadsheet formula (=, +, "
         "-, @) get a leading apostrophe. Every download is recorded in the audit log.",
)
