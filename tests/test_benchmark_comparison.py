"""warehouse.stats.compare_with_benchmark: the Fingertips comparison of a unit with England.

The cases are those of Fingertips' own tests of its default method, "single overlapping CIs"
(ukhsa-collaboration/fingertips-open, PholioVisualisation AnalysisTest
SingleOverlappingCIsComparatorTest: polarity 1 = high is good, 0 = low is good), plus the
measures with no good direction (higher / lower) and the elementwise form the scorecard uses.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from warehouse.measures import HIGHER, LOWER, NEITHER
from warehouse.stats import COMPARISONS, compare_with_benchmark

POLARITY = {1: HIGHER, 0: LOWER}


@pytest.mark.parametrize("polarity", [0, 1])
def test_same_exactly_and_benchmark_on_a_ci_end_is_similar(polarity):
    # TestSameExactly: parent 11, data 11 (10-12)
    assert compare_with_benchmark(11, 10, 12, 11, POLARITY[polarity]) == "similar"
    # the comparison includes the CI's ends (val <= UpperCI && val >= LowerCI)
    assert compare_with_benchmark(11.5, 11, 12, 11, POLARITY[polarity]) == "similar"
    assert compare_with_benchmark(10.5, 10, 11, 11, POLARITY[polarity]) == "similar"


def test_same():
    # TestSame: parent 3.0, data 3.05 (2.7-3.1)
    assert compare_with_benchmark(3.05, 2.7, 3.1, 3.0, LOWER) == "similar"


def test_higher_is_worse_when_low_is_good_and_better_when_high_is_good():
    # TestHigher: parent 3.0, data 3.3 (3.2-3.5): polarity 0 Worse, polarity 1 Better
    assert compare_with_benchmark(3.3, 3.2, 3.5, 3.0, LOWER) == "worse"
    assert compare_with_benchmark(3.3, 3.2, 3.5, 3.0, HIGHER) == "better"


def test_lower():
    # TestLower: parent 3.0, data 2.5 (2.2-2.8): polarity 0 Better, polarity 1 Worse
    assert compare_with_benchmark(2.5, 2.2, 2.8, 3.0, LOWER) == "better"
    assert compare_with_benchmark(2.5, 2.2, 2.8, 3.0, HIGHER) == "worse"


@pytest.mark.parametrize("value, low, high, benchmark", [
    (math.nan, math.nan, math.nan, 3.0),  # TestMinusOneData
    (2.5, 2.2, 2.8, math.nan),  # TestMinusOneParent
    (math.nan, math.nan, math.nan, math.nan),  # TestMinusOneBoth
    (4.0, None, 4.1, 3.0), (4.0, 4.0, None, 3.0), (4.0, None, None, 3.0),  # no CIs on the data
])
def test_nothing_is_compared_without_a_value_both_cis_and_a_benchmark(value, low, high, benchmark):
    for better in (HIGHER, LOWER, NEITHER):
        assert compare_with_benchmark(value, low, high, benchmark, better) == "not_compared"


def test_a_volume_is_higher_or_lower_never_better_or_worse():
    assert compare_with_benchmark(3.3, 3.2, 3.5, 3.0, NEITHER) == "higher"
    assert compare_with_benchmark(2.5, 2.2, 2.8, 3.0, NEITHER) == "lower"
    assert compare_with_benchmark(3.0, 2.2, 3.5, 3.0, NEITHER) == "similar"


def test_elementwise_for_a_scorecard():
    out = compare_with_benchmark([3.3, 2.5, 3.05, np.nan], [3.2, 2.2, 2.7, np.nan], [3.5, 2.8, 3.1, np.nan],
                                 [3.0, 3.0, 3.0, 3.0], HIGHER)
    assert list(out) == ["better", "worse", "similar", "not_compared"]
    assert set(out) <= set(COMPARISONS)


def test_an_unknown_direction_is_an_error():
    with pytest.raises(ValueError, match="better"):
        compare_with_benchmark(1, 0, 2, 1, "up")
