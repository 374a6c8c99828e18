"""warehouse/quantiles.py gives exactly what scipy.stats gives, so the funnel plots draw the same
limits without the dashboard importing scipy.stats (issue #16 item 4). The tests import
scipy.stats to compare; the dashboard never does (tests/test_dashboard_memory.py)."""
import numpy as np
import pytest
from scipy import stats

from warehouse import quantiles

RNG = np.random.default_rng(20261204)
# the funnels' tails exactly as warehouse/funnel.py computes them, and others anywhere in (0, 1)
TAILS = [(1 - 0.95) / 2, 1 - (1 - 0.95) / 2, (1 - 0.998) / 2, 1 - (1 - 0.998) / 2]
QS = TAILS + [1e-9, 0.4999, 1 - 1e-9] + list(RNG.uniform(0, 1, 6))
SIZES = np.concatenate([np.arange(0, 2001), np.geomspace(2_001, 10_000_000, 60).round(), [123_457, 999_999]])
PS = [0.0, 1.0, 1e-9, 1e-4, 0.01, 0.05, 1 / 3, 0.5, 0.69, 0.95, 0.999999] + list(RNG.uniform(0, 1, 6))
MUS = np.concatenate([[0.0, 1e-12, 1e-6], np.linspace(0, 60, 2_401), np.geomspace(1e-4, 1e7, 1_500)])


def same(a, b) -> np.ndarray:
    return (a == b) | (np.isnan(a) & np.isnan(b))


@pytest.mark.parametrize("q", QS)
def test_binomial_quantile_is_scipys(q):
    for p in PS:
        ours, theirs = quantiles.binom_ppf(q, SIZES, p), stats.binom.ppf(q, SIZES.astype(int), p)
        bad = ~same(ours, theirs)
        assert not bad.any(), (q, p, SIZES[bad][:5], ours[bad][:5], theirs[bad][:5])


@pytest.mark.parametrize("q", QS)
def test_poisson_quantile_is_scipys(q):
    ours, theirs = quantiles.poisson_ppf(q, MUS), stats.poisson.ppf(q, MUS)
    bad = ~same(ours, theirs)
    assert not bad.any(), (q, MUS[bad][:5], ours[bad][:5], theirs[bad][:5])


def test_an_exact_tie_takes_the_smallest_k():
    """q equal to a cdf value exactly (n = 35, p = 1/2: cdf(17) = 1/2 by symmetry) gives that k,
    the definition's answer. Boost's search (scipy.stats.binom since 1.7) rounds such a tie up
    to 18; a funnel's tails (0.001, 0.025, 0.975, 0.999) never equal a binomial cdf exactly."""
    assert quantiles.binom_ppf(0.5, np.array([35.0]), 0.5)[0] == 17


def test_invalid_parameters_are_nan_as_in_scipy():
    n = np.array([-1.0, 2.5, 10.0])
    assert same(quantiles.binom_ppf(0.5, n, 0.3), stats.binom.ppf(0.5, n, 0.3)).all()
    assert np.isnan(quantiles.binom_ppf(0.5, np.array([10.0]), 1.5)).all()
    assert same(quantiles.poisson_ppf(0.5, np.array([-1.0, 3.0])), stats.poisson.ppf(0.5, [-1.0, 3.0])).all()
    with pytest.raises(ValueError):
        quantiles.binom_ppf(1.0, np.array([10.0]), 0.5)


def test_a_wrong_start_is_corrected_by_the_cdf(monkeypatch):
    """The inverse only starts the binomial search: a start off by several steps still ends on
    scipy's k."""
    n = np.arange(1, 400, dtype=float)
    monkeypatch.setattr(quantiles.special, "bdtrik", lambda q, n, p: n * p + 7)
    assert np.array_equal(quantiles.binom_ppf(0.025, n, 0.3), stats.binom.ppf(0.025, n.astype(int), 0.3))


def test_chi_squared_quantile_is_scipys():
    df = np.arange(1, 5_000)
    for p in (0.95, 0.5, 0.001, 0.999):
        assert np.array_equal(quantiles.chi2_ppf(p, df), stats.chi2.ppf(p, df))


def scipy_labellings(n_a: int, n_b: int, seed: int) -> np.ndarray:
    """The relabellings as warehouse/compare.py made them with scipy.stats.permutation_test."""
    from warehouse.compare import EXACT_LIMIT, MONTE_CARLO, relabellings

    def members(first, second, axis=-1):
        out = np.zeros(first.shape[:-1] + (n_a + n_b,))
        np.put_along_axis(out, first.astype(int), 1.0, axis=-1)
        return out

    count = relabellings(n_a, n_b)
    result = stats.permutation_test(
        (np.arange(n_a), np.arange(n_a, n_a + n_b)), members, permutation_type="independent",
        vectorized=True, n_resamples=count if count <= EXACT_LIMIT else MONTE_CARLO, batch=5_000, rng=seed)
    return np.asarray(result.null_distribution) > 0.5


@pytest.mark.parametrize("n_a, n_b", [(2, 2), (2, 5), (3, 3), (4, 5), (2, 8), (8, 8), (6, 14), (10, 10), (12, 16)])
def test_relabellings_are_scipys(n_a, n_b):
    """Enumerated (up to 20,000) and sampled (9,999 with the seed) relabellings are scipy's, row
    for row, so every p-value and interval on the Policy comparison is unchanged."""
    from warehouse.compare import SEED, _labellings

    for seed in (SEED, 7):
        ours = _labellings(n_a, n_b, seed)
        assert ours.dtype == bool and np.array_equal(ours, scipy_labellings(n_a, n_b, seed))


def test_a_group_of_one_trust_is_relabelled_too():
    """scipy.stats.permutation_test refuses a sample of one (so 1 trust against 39 or more, which
    can reach p ≤ 0.05, raised an error before); each trust alone is one relabelling."""
    from warehouse.compare import SEED, _labellings

    labels = _labellings(1, 40, SEED)
    assert labels.shape == (41, 41) and np.array_equal(labels, np.eye(41, dtype=bool))
