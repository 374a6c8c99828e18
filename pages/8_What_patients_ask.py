"""What patients ask (issue #19): the themes of patient questions by volume and trend, how well
each is answered, the gaps (themes answered rarely, slowly or never well), a theme's example
questions and best answers with why they rank where they do, and a draft FAQ to download."""
from __future__ import annotations

import streamlit as st

from ui import auth, data, faq, page, tables, themes
from warehouse import queries, theme_queries

ANSWERS_SHOWN = 5

chosen = page.start("What patients ask")
# Counts per theme are a breakdown, which is a narrowing (docs/methods.md "Disclosure control"):
# below national level at every level of the filters, so counts of 1-7 are hidden and the rest
# rounded even over all trusts and all days (else the all-trusts count minus each region's
# would pin a region's hidden count).
national = page.national(chosen, narrowed=True)

st.markdown(
    "Patient questions grouped into **themes** within each topic: questions that use the same "
    "words and ideas (\"deodorant before a mammogram\", \"bringing someone with me\"). Theme "
    "labels are generated from the words the questions share; a service renames, merges or "
    "splits themes in the themes register (`python -m ingest themes`).")

# A theme is listed only where it was asked 8+ times over every place in these dates (ui.themes.listable)
shown_themes = themes.listable(data.query(theme_queries.theme_counts, themes.everywhere(chosen)))
summary = themes.listed(data.query(theme_queries.theme_summary, chosen), shown_themes, national)
if summary.empty:
    st.info("No theme of patient questions to list in the chosen dates and filters. A theme needs at "
            "least 5 similar questions from 3 people, and is listed where it was asked 8 times or more "
            "over all places in the dates; widen the dates or clear a filter.")
    st.stop()

# Every listed theme's best answers (signed in): whether a good answer exists, in the table, the
# gaps and the draft FAQ alike, is ui.themes.good_quotes of these (None: the reader sees no answers).
answers = (data.query(theme_queries.best_answers, chosen, top=theme_queries.EVERY_THEME, limit=10)
           if auth.current_scope().rows else None)
good_answers = None if answers is None else tuple(sorted(themes.good_quotes(answers)))

# --- themes by volume --------------------------------------------------------------------------
st.header("Themes by volume")
by_volume = data.table(theme_queries.theme_summary, themes.theme_table, chosen, national=national,
                       shown_themes=shown_themes, good_answers=good_answers)
tables.show(by_volume, "themes", chosen, hide_index=True)
st.caption(
    "Change: questions in these dates against the same number of days before (— when the data "
    "do not reach back that far). Answered: the share of the theme's questions with an answer "
    "from a professional or the service, unanswered ones included. Median wait: Kaplan–Meier, "
    "unanswered questions counted as still waiting, over the questions you may see. Good answer "
    "found: an unflagged answer that speaks to the theme, to a question in these dates and places "
    "that you may see, which the draft FAQ quotes (sign in to see).")

st.header("Gaps: frequent themes answered rarely, slowly or never well")
gaps = data.table(theme_queries.theme_summary, themes.gaps_table, chosen, national=national,
                  shown_themes=shown_themes, good_answers=good_answers)
if gaps.empty and themes.too_few_to_tell(by_volume):
    st.info(themes.GAPS_TOO_FEW)  # neutral: hidden or small counts are not judged, so no all-clear
elif gaps.empty:
    st.success(themes.GAPS_CLEAR)
else:
    tables.show(gaps, "gaps", chosen, hide_index=True)
    st.caption(f"Listed: themes asked at least {themes.GAP_MIN_QUESTIONS} times (as shown) that are "
               "answered under half the time, wait over three days at the median (or fewer than half "
               "answered so far), or have no good answer found yet. A hidden figure is never a reason.")


# --- one theme, and the draft FAQ (both read the busiest themes' questions and answers) -------
def one_theme(asked, answers) -> None:
    top = summary.head(theme_queries.TOP)
    labels = dict(zip(top["theme_id"], top["label"]))
    choice = st.selectbox(f"Theme (the {len(labels)} busiest)", list(labels),
                          format_func=lambda t: f"{labels[t]} ({t})", key="theme_choice")
    st.markdown("**Example questions** (the most typical ones; identifiers removed)")
    mine = asked[asked["theme_id"] == choice]
    for text in themes.examples(mine):
        st.text(text)  # text as text, never Markdown
    if mine.empty:
        st.caption("None of this theme's questions is within your access.")
    st.markdown("**Best answers found**, best first")
    shown = themes.answers_table(answers[answers["theme_id"] == choice].head(ANSWERS_SHOWN))
    if shown.empty:
        st.caption("No answer to this theme's questions is within your access yet.")
        return
    tables.show(shown, "best answers", None, hide_index=True,
                column_config={"Answer (identifiers removed)": st.column_config.TextColumn(width="large")})
    st.caption(themes.SCORE_NOTE)


st.header("A theme: what patients ask and the best answers found")
if page.rows_visible("example questions and answers"):
    one_theme(data.query(theme_queries.theme_examples, chosen, top=theme_queries.EVERY_THEME), answers)

st.header("Draft FAQ")
st.markdown(f"The {faq.TOP_THEMES} busiest themes as questions, each with up to "
            f"{faq.ANSWERS_PER_THEME} of the best answers found, quoted with names and identifiers "
            "removed and attributed to a role and a trust. " + faq.DRAFT_NOTE)
if answers is not None:
    document = faq.for_page(summary, answers, chosen, synthetic=data.is_synthetic(), shown_themes=shown_themes,
                            regions=data.query(queries.region_options), trusts=data.query(queries.trust_options))
    # The files are written when a button is clicked, not on every filter change (issue #16).
    tables.download_document(lambda: faq.render(document, "md"), "draft FAQ", chosen, key="faq_md",
                             file_name="draft-faq.md", mime=faq.FORMATS["md"][0], label="FAQ (Markdown)")
    tables.download_document(lambda: faq.render(document, "docx"), "draft FAQ", chosen, key="faq_docx",
                             file_name="draft-faq.docx", mime=faq.FORMATS["docx"][0], label="FAQ (Word)")
    tables.download(faq.table(document), "draft FAQ entries", chosen, key="faq_csv", file_stem="draft-faq",
                    labels=("FAQ (CSV)", "FAQ (Excel)"))  # short: "Download these draft FAQ …" was cut
    with st.expander("Preview the draft FAQ"):
        st.text(faq.plain(document))  # plain text, never rendered as Markdown or HTML
else:
    st.info("Sign in to make the draft FAQ (it quotes answers). Without login only counts and rates "
            "are shown.", icon="🔒")

st.caption(
    "Small numbers: counts per theme are a breakdown, so even over all trusts and all days counts of "
    "1–7 show as * and others are rounded to the nearest 5, shares and waits over hidden counts are "
    "hidden, and a theme asked fewer than 8 times over all places in the dates is not listed "
    "(NHS Digital's disclosure control).")
