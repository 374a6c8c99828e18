"""Funnel plots (issue #12 section 3): exact binomial and Poisson limits, where each unit falls
against them, and the over-dispersion allowance (Spiegelhalter 2005), checked against scipy's
distributions and a hand calculation; and the chart's legend saying which limits it drew."""
from __future__ import annotations

from tests.support import drawn_figures

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from tests.test_app import open_page
from ui import charts, funnels, labels
from warehouse import funnel


def test_thirty_of_thirty_against_97_percent_is_not_an_outlier():
    # 0.97^30 = 40%: answering all 30 questions is what a 97% unit does two times in five
    at = funnel.Funnel("proportion", 0.97)
    assert at.positions([30], [30])[0] == "within"
    assert at.limits([30])["upper_99_8"].iloc[0] == 1.0  # no count can be above it
    # only when P(all answered) < 0.1% is it unusual: 0.97^n < 0.001 from n = 227
    assert at.positions([226, 227], [226, 227]).tolist() == ["within", "above"]
    assert 0.97 ** 226 >= 0.001 > 0.97 ** 227
    # the same through the page's function: 30 of 30 among trusts at 97% overall
    frame = pd.DataFrame({"group_code": ["A", "B"], "group_name": ["A", "B"], "n_questions": [30, 970],
                          "n_answered": [30, 940]})
    points, p0 = funnels.funnel_points(frame, "answered")
    assert p0 == pytest.approx(0.97) and points.set_index("group_code").loc["A", "position"] == "within"


@pytest.mark.parametrize("kind", ["proportion", "rate"])
def test_a_unit_is_beyond_a_limit_exactly_when_its_tail_probability_is_below_it(kind):
    n = np.array([10, 40, 200, 1000, 5000])
    at = funnel.Funnel(kind, 0.3 if kind == "proportion" else 12.0, 1.0 if kind == "proportion" else 1000.0)
    dist = (sps.binom(n, 0.3) if kind == "proportion" else sps.poisson(12.0 * n / 1000))
    for k_of in (lambda m: dist.ppf(0.0005), lambda m: dist.ppf(0.9995), lambda m: dist.ppf(0.5)):
        k = np.asarray(k_of(n))
        for kk in (k - 1, k, k + 1):
            kk = np.clip(kk, 0, n if kind == "proportion" else None)
            got = at.positions(kk, n)
            upper_tail, lower_tail = dist.sf(kk - 1), dist.cdf(kk)  # P(K >= k), P(K <= k)
            clear = (np.abs(upper_tail - 0.001) > 1e-9) & (np.abs(lower_tail - 0.001) > 1e-9)
            assert ((got == "above") == (upper_tail <= 0.001))[clear].all()
            assert ((got == "below") == (lower_tail < 0.001))[clear].all()


def _hand_dispersion(k, n, p0):
    """Spiegelhalter's (2005) additive allowance worked out step by step."""
    y, t0, s = np.arcsin(np.sqrt(k / n)), math.asin(math.sqrt(p0)), 1 / (2 * np.sqrt(n))
    z = np.sort((y - t0) / s)
    lo, hi = np.quantile(z, 0.1), np.quantile(z, 0.9)
    phi = np.mean(np.minimum(np.maximum(z, lo), hi) ** 2)
    w = 1 / s ** 2
    tau2 = max(0.0, (len(z) * phi - (len(z) - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    assert len(z) * phi > sps.chi2.ppf(0.95, len(z) - 1)  # the over-dispersion test rejects
    return phi, tau2


def test_overdispersion_widens_the_limits_when_units_differ_more_than_chance():
    rng = np.random.default_rng(3)
    n = rng.integers(80, 600, 40)
    k = rng.binomial(n, np.clip(rng.normal(0.65, 0.09, 40), 0.05, 0.95))  # the demo's spread
    p0 = k.sum() / n.sum()
    exact = funnel.Funnel("proportion", p0)
    wide = funnel.overdispersed("proportion", k, n, p0)
    phi, tau2 = _hand_dispersion(k, n, p0)
    assert wide.phi == pytest.approx(phi) and wide.tau2 == pytest.approx(tau2) and wide.adjusted
    assert phi > 3  # trusts differ far more than binomial noise
    beyond_exact = (exact.positions(k, n) != "within").sum()
    beyond_wide = (wide.positions(k, n) != "within").sum()
    assert beyond_exact >= 10 and beyond_wide <= 3  # winsorising errs towards showing a few
    lim = wide.limits([100, 1000, 100_000])
    assert (lim["upper_99_8"] > exact.limits([100, 1000, 100_000])["upper_99_8"]).all()
    # with huge units the limits stay apart by the spread between units, not by chance
    assert lim["upper_99_8"].iloc[-1] - lim["lower_99_8"].iloc[-1] > 0.3
    assert "φ = " in wide.limits_words() and "τ = " in wide.limits_words()


def test_no_overdispersion_found_keeps_the_exact_limits_and_says_so():
    rng = np.random.default_rng(4)
    n = rng.integers(100, 400, 30)
    k = rng.binomial(n, 0.6)  # pure binomial noise
    model = funnel.overdispersed("proportion", k, n, k.sum() / n.sum())
    # phi 1.21 > 29/30 would give a tau2 > 0 by DerSimonian-Laird alone; Q = 30 phi = 36 is below
    # chi2(29) at 95% (42.6): no over-dispersion is found, the exact limits stay
    assert not model.adjusted and model.tau2 == 0 and model.phi == pytest.approx(1.2115, abs=1e-4)
    assert 30 * model.phi < sps.chi2.ppf(0.95, 29)
    assert model.limits_words().startswith("exact: no over-dispersion found")
    pd.testing.assert_frame_equal(model.limits([50, 500]), funnel.Funnel("proportion", model.centre).limits([50, 500]))


def test_rates_overdispersion_uses_the_square_root_scale():
    rng = np.random.default_rng(5)
    posts = rng.integers(100, 3000, 30)
    flags = rng.poisson(posts * 0.0125 * np.exp(rng.normal(0, 0.5, 30)))
    rate0 = 1000 * flags.sum() / posts.sum()
    model = funnel.overdispersed("rate", flags, posts, rate0, 1000)
    expected = rate0 * posts / 1000
    z = (np.sqrt(flags / expected) - 1) * 2 * np.sqrt(expected)
    lo, hi = np.quantile(z, [0.1, 0.9])
    assert model.phi == pytest.approx(np.mean(np.clip(z, lo, hi) ** 2))
    assert model.adjusted
    top = model.limits([1000])["upper_99_8"].iloc[0]
    assert top == pytest.approx(rate0 * (1 + 3.090232 * math.sqrt(1 / (4 * rate0)+ model.tau2)) ** 2, rel=1e-5)


def test_the_chart_says_which_limits_it_drew():
    frame = pd.DataFrame({"group_code": list("ABCDEFGHIJ"), "group_name": list("ABCDEFGHIJ"),
                          "n_questions": [200] * 10, "n_answered": [60, 80, 100, 120, 140, 150, 160, 170, 180, 90]})
    plain = charts.funnel(frame, "answered")
    assert plain.data[0].name == "99.8% limits"
    wide = charts.funnel(frame, "answered", overdispersion=True)
    assert wide.data[0].name.startswith("99.8% limits, widened for differences between units (over-dispersion φ = ")
    shown, _ = funnels.funnel_points(frame, "answered")
    widened, _ = funnels.funnel_points(frame, "answered", True)
    assert (shown["position"] != "within").sum() > (widened["position"] != "within").sum()


# --- the same value for the same measure: the centre line beside the page's headline ---------------

def test_the_centre_note_explains_the_unattributed_questions():
    units = pd.DataFrame({"group_code": ["A", "B", "unattributed"], "group_name": ["A", "B", "Unattributed"],
                          "n_questions": [300, 500, 120], "n_answered": [210, 350, 0]})
    got = funnel.centre_beside_all(units, "n_answered", "n_questions", "unattributed")
    assert got["centre"] == pytest.approx(560 / 800) and got["overall"] == pytest.approx(560 / 920)
    assert funnels.funnel_model(units).centre == got["centre"]  # the line drawn is this centre
    note = labels.funnel_centre_note(units, "answered", national=True)
    assert note == ("The centre line, 70% answered at all, is over the 800 questions attributed to a trust; the "
                    "figures at the top of the page also count the 120 attributed to none (0 answered at all), "
                    "which makes 61%.")
    small = labels.funnel_centre_note(units.assign(n_questions=[300, 500, 5]), "answered", national=False)
    assert "the 5 attributed" not in small and "the * attributed" in small and small.endswith("which makes *.")


@pytest.mark.app
def test_the_response_page_says_why_its_centre_line_and_headline_differ(demo_data, use_data, read_published):
    """On the demo, questions no trust's channel received are never answered: the headline's
    share answered (all questions) is below the funnel's centre line (attributed questions).
    The page's note gives both, and they equal the headline and the line drawn."""
    use_data(demo_data)
    at = open_page("pages/3_Response_times.py")
    assert not at.exception, at.exception
    at.segmented_control(key="funnel_measure").set_value("answered").run()
    assert not at.exception, at.exception
    headline = next(m.value for m in at.markdown if "answered at all so far" in m.value)
    shown = re.search(r"answered at all so far: \*\*(\d+)%", headline).group(1)
    note = next(c.value for c in at.caption if c.value.startswith("The centre line"))
    centre, overall = re.search(r"The centre line, (\d+)% answered at all, .* which makes (\d+)%\.", note).groups()
    assert overall == shown  # the note's all-questions share is the headline's
    chart = drawn_figures(at)
    line = next(t for fig in chart for t in fig["data"] if str(t.get("name", "")).startswith("Overall "))
    assert f"{line['y'][0]:.0%}" == f"{centre}%"  # the note's centre is the line drawn
    # and both from an independent count of the published questions in the page's dates
    end = read_published(demo_data, "SELECT max(created_at)::DATE FROM posts")[0][0]
    counts = read_published(demo_data, "SELECT trust_code IS NULL, count(*), count(*) FILTER (WHERE is_answered) "
                                       "FROM patient_questions WHERE timezone('Europe/London', asked_at)::DATE "
                                       "BETWEEN $end - 364 AND $end GROUP BY ALL", {"end": end})
    by = {unattributed: (n, k) for unattributed, n, k in counts}
    assert f"{by[False][1] / by[False][0]:.0%}" == f"{centre}%"
    assert int(overall) != int(centre) or by.get(True, (0, 0))[0] == 0


@pytest.mark.app
@pytest.mark.parametrize("page,toggle", [("pages/6_Policy_comparison.py", "policy_overdispersion"),
                                         ("pages/5_Guideline_flags.py", "flag_overdispersion"),
                                         ("pages/3_Response_times.py", "funnel_overdispersion")])
def test_the_page_says_when_the_limits_allow_for_overdispersion(demo_data, use_data, page, toggle):
    use_data(demo_data)
    at = open_page(page)
    assert not at.exception, at.exception

    def outer_limits():
        charts_ = drawn_figures(at)
        return [t["name"] for fig in charts_ for t in fig["data"] if str(t.get("name", "")).startswith("99.8% limits")]

    assert outer_limits() and all(name == "99.8% limits" for name in outer_limits())
    assert funnel.OVERDISPERSION_NOTE not in [c.value for c in at.caption]
    at.toggle(key=toggle).set_value(True).run()
    assert not at.exception, at.exception
    assert funnel.OVERDISPERSION_NOTE in [c.value for c in at.caption]
    names = outer_limits()
    assert names and all(re.match(r"99\.8% limits, (widened for differences between units \(over-dispersion φ = "
                                  r"[\d.]+, τ = [\d.]+\)|exact: no over-dispersion found \(φ = [\d.]+\))$", n)
                         for n in names), names
