"""Tests for snippets/scenarios/small_datasets/, the code of docs/scenarios/small-datasets.md."""

import re

from ..conftest import run_snippet


def test_sd01_learning_curve_rises():
    output, namespace = run_snippet("scenarios/small_datasets/sd01_learning_curve.py")
    curve, sizes = namespace["curve"], namespace["sizes"]
    assert sizes[-1] == 546
    assert len(curve) == len(sizes)
    assert curve[-1].estimate - curve[0].estimate >= 0.05
    ranges = re.findall(r"^(\d+)\s+[\d.]+ \([\d.]+-[\d.]+\)\s+([\d.]+) - ([\d.]+)$", output, re.M)
    spread = {int(size): float(high) - float(low) for size, low, high in ranges}
    assert spread[30] > spread[240]
    assert len(namespace["fig"].axes) == 1


def test_sd02_single_split_spreads_more_than_repeated_cv():
    _, namespace = run_snippet("scenarios/small_datasets/sd02_single_split.py")
    single, repeat_means = namespace["single"], namespace["repeat_means"]
    assert single.size == 20
    assert repeat_means.size == 4
    # The page states that single splits differ widely while repeat means agree closely.
    assert single.max() - single.min() >= 0.1
    assert repeat_means.max() - repeat_means.min() <= 0.03
    assert abs(single.mean() - repeat_means.mean()) <= 0.05
