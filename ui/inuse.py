"""Quality measured in use (issue #20) on the pages: how often reviewers uphold flags, and
what the blind audit sample says about prevalence, precision, recall and agreement.

Every number here leaves through :func:`shown`, the one call of the disclosure step
(:func:`ui.disclosure.protect`: below national level counts 1-7 show "*", others are rounded
to 5, a share is recomputed from the rounded counts and hidden over a hidden one). A table by
family, rule, trust or month is a breakdown, so never national. The audit's estimates are
stratum-weighted, not shares of two shown counts: they are hidden over hidden counts
(``over``) and otherwise computed from each stratum's cell counts and size rounded as shown
(``audit.estimates(shown=disclosure.rounded)``), kappa from its rounded table (docs/methods.md). The pages call
:func:`flag_quality` and :func:`question_quality`.
"""
from __future__ import annotations

import pandas as pd

from ui import disclosure, formats
from warehouse import audit

PRECISION_UNITS = {"family": "Family", "rule": "Rule", "trust": "Trust", "month": "Month", "all": "All"}
UPHELD = disclosure.Share("n_upheld", "n_reviewed", "precision", "precision_low", "precision_high")
AUDIT_COUNTS = ["n", "n_judged", "n_double", "n_multi"]
AUDIT_OVER = {**{f"{m}{end}": ["n", "n_judged"] for m in ("prevalence", "precision", "recall")
                   for end in ("", "_low", "_high")},
                **{f"kappa{end}": ["n_double"] for end in ("", "_low", "_high")},
                **{f"fleiss{end}": ["n_multi"] for end in ("", "_low", "_high")}}


def shown(frame: pd.DataFrame, counts: list[str], national: bool, derived=(), over=None,
          groups: str | None = "all") -> pd.DataFrame:
    """The one place these figures pass disclosure control (see the module docstring)."""
    return disclosure.protect(frame, counts, derived, over, national=national, groups=groups)


def share_text(p, low=None, high=None) -> str:
    """'0.83 (0.70–0.91)', '*' when hidden, '—' when there is nothing to divide."""
    return formats.with_interval(p, low, high, ".2f")


def in_words(p) -> str:
    """'about 8 in 10 upheld'; '' when hidden or undefined."""
    if isinstance(p, str) or p is None or pd.isna(p):
        return ""
    return f"about {round(p * 10)} in 10 upheld"


NAMES = {"family": formats.family, "rule": formats.rule}  # never codes (issue #15)


def review_precision_table(frame: pd.DataFrame, by: str = "family") -> pd.DataFrame:
    """``inuse_queries.review_precision`` -> the table people read: flags, reviewed, upheld,
    dismissed, the share upheld with its Wilson 95% CI and in words (a breakdown: never
    national)."""
    out = shown(frame, ["n_flags", "n_reviewed", "n_upheld", "n_dismissed"], False, [UPHELD])
    return pd.DataFrame({
        PRECISION_UNITS[by]: out["group_code"].map(NAMES.get(by, str)),  # rules and families by name
        "Flags": out["n_flags"].map(formats.count),
        "Reviewed": out["n_reviewed"].map(formats.count),
        "Upheld": out["n_upheld"].map(formats.count),
        "Dismissed": out["n_dismissed"].map(formats.count),
        "Upheld share (95% CI)": [share_text(p, lo, hi) for p, lo, hi in
                                  zip(out["precision"], out["precision_low"], out["precision_high"])],
        "In words": out["precision"].map(in_words),
    })


def upheld_sentence(frame: pd.DataFrame, national: bool) -> str:
    """One sentence over ``review_precision(by="all")``: how often reviewed flags were upheld."""
    row = shown(frame, ["n_flags", "n_reviewed", "n_upheld"], national, [UPHELD]).iloc[0] if len(frame) else None
    if row is None or row["n_reviewed"] == 0:
        return "No flag in the selection has a review decision yet."
    words = in_words(row["precision"])
    what = (f"Of {formats.count(row['n_reviewed'])} reviewed flags, {words} "
            f"(share upheld {share_text(row['precision'], row['precision_low'], row['precision_high'])})"
            if words else f"Of {formats.count(row['n_reviewed'])} reviewed flags, too few to show the share upheld")
    return what + (". Reviewers choose which flags they read, so this is not a random sample: "
                   "the blind audit below gives the estimate to rely on.")


def audit_estimates(filters, scope, kind: str) -> pd.DataFrame:
    """The audit's estimates for the items the filters and scope select (``staff``: one row per
    model version and family; ``public``: patient questions)."""
    items = audit.in_view(audit.finished(), filters, scope)
    # a table by family is a breakdown: estimates from the counts as shown (docs/methods.md)
    return audit.estimates(items[items["kind"] == kind], shown=disclosure.rounded) if not items.empty \
        else pd.DataFrame()


def audit_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``audit_estimates`` -> the table people read (per family and version: a breakdown, never
    national; its rows do not add up to a shown total)."""
    if frame.empty:
        return frame
    out = shown(frame, AUDIT_COUNTS, False, over=AUDIT_OVER, groups=None)
    return pd.DataFrame({
        "Family": out["family"].map(lambda f: "patient question" if f == audit.PATIENT_QUESTION else formats.family(f)),
        "Model version": out["model_version"],
        "Posts judged": out["n"].map(formats.count),
        "Judged yes": out["n_judged"].map(formats.count),
        "Prevalence (95% CI)": [share_text(*v) for v in zip(out["prevalence"], out["prevalence_low"], out["prevalence_high"])],
        "Precision (95% CI)": [share_text(*v) for v in zip(out["precision"], out["precision_low"], out["precision_high"])],
        "Recall (95% CI)": [share_text(*v) for v in zip(out["recall"], out["recall_low"], out["recall_high"])],
        **agreement_columns(frame, out),
    })


def agreement_columns(frame: pd.DataFrame, out: pd.DataFrame) -> dict:
    """Cohen's kappa (items read by two) and, when any item was read by three or more,
    Fleiss' kappa; ``out`` is ``frame`` after :func:`shown`."""
    columns = {"Read twice": out["n_double"].map(formats.count),
               "Cohen's kappa (95% CI)": [share_text(*v) for v in zip(out["kappa"], out["kappa_low"], out["kappa_high"])]}
    if "n_multi" in frame and (frame["n_multi"] > 0).any():
        k = int(frame["multi_readers"].max())
        columns[f"Read by {k}"] = out["n_multi"].map(formats.count)
        columns["Fleiss' kappa (95% CI, bootstrap)"] = [share_text(*v) for v in
                                                        zip(out["fleiss"], out["fleiss_low"], out["fleiss_high"])]
    return columns


def agreement_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The readers' agreement per family (and version) for the Review queue: a breakdown,
    never national."""
    if frame.empty:
        return frame
    out = shown(frame, AUDIT_COUNTS, False, over=AUDIT_OVER, groups=None)
    return pd.DataFrame({
        "Family": out["family"].map(lambda f: "patient question" if f == audit.PATIENT_QUESTION else f),
        "Model version": out["model_version"], **agreement_columns(frame, out)})


AUDIT_CAPTION = (
    "From the blind audit: each week a random sample of posts, drawn separately from the flagged "
    "and the unflagged (or, for public posts, those the classifier counts as patient questions and "
    "the rest), is judged in the Review queue by reviewers who are not told which is which. "
    "Prevalence is the share of posts a reviewer judges a breach (or a patient question); precision "
    "the share of flagged posts upheld; recall the share of judged breaches the rules flagged. Each "
    "stratum is weighted by its size; 95% intervals from the sampling design (docs/methods.md). "
    "Kappa: agreement of reviewers reading the same posts independently (1 = perfect, 0 = "
    "chance): Cohen's for two readers, Fleiss' for three or more (its interval by bootstrap over "
    "posts); the reader who settles a disagreement is not counted. '—': nothing to divide yet.")


# --- what the pages show (one call each, so the pages stay thin and their edits small) ---------

def flag_quality(chosen, national: bool) -> None:
    """Guideline flags: how often reviewers uphold the flags (by family, rule, trust or month)
    and the blind audit's estimates per family."""
    import streamlit as st

    from ui import auth, data, tables
    from warehouse import inuse_queries

    st.header("How often flags are right")
    overall = data.query(inuse_queries.review_precision, chosen, by="all")
    st.markdown(upheld_sentence(overall, national))
    by = st.segmented_control("Upheld by", ["family", "rule", "trust", "month"], key="inuse_by", default="family",
                              format_func=PRECISION_UNITS.get) or "family"
    tables.show(data.table(inuse_queries.review_precision, review_precision_table, chosen, {"by": by}, by=by),
                f"flags upheld by {by}", chosen, hide_index=True, key="inuse_review_table")
    st.caption("Upheld: confirmed or actioned in the Review queue (decisions up to the last warehouse "
               "build); share upheld with its Wilson 95% interval. " + disclosure.RULE)
    st.markdown("**Blind audit: prevalence, precision and recall per family**")
    table = audit_table(audit_estimates(chosen, auth.current_scope(), "staff"))
    if table.empty:
        st.caption("No finished audit sample in the selection yet (docs/methods.md, \"Quality measured in use\").")
    else:
        tables.show(table, "blind audit estimates", chosen, hide_index=True, key="inuse_audit_table")
        st.caption(AUDIT_CAPTION)


def question_quality(chosen, national: bool) -> None:
    """Patient questions: the classifier's precision and recall on the public posts of the
    blind audit."""
    import streamlit as st

    from ui import auth, tables

    st.header("How well questions are found, in use")
    table = audit_table(audit_estimates(chosen, auth.current_scope(), "public"))
    if table.empty:
        st.caption("No finished audit sample of public posts in the selection yet "
                   "(docs/methods.md, \"Quality measured in use\").")
        return
    tables.show(table.rename(columns={"Family": "Measure"}), "question audit estimates", chosen, hide_index=True,
                key="inuse_question_table")
    st.caption(AUDIT_CAPTION)
