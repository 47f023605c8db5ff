"""Tests for snippets/pitfalls/leakage/, the code of docs/pitfalls/leakage.md."""

import re

import numpy as np

from ..conftest import run_snippet


def test_lk01_oversampling_before_split_inflates_auroc():
    output, namespace = run_snippet("pitfalls/leakage/lk01_oversample_before_split.py")
    rows = {
        name: (int(seen), float(auc), float(low), float(high))
        for name, seen, auc, low, high in re.findall(
            r"^(oversample, then split|split, then oversample)\s+\d+\s+(\d+)\s+"
            r"([\d.]+) \(([\d.]+)-([\d.]+)\)$",
            output,
            re.M,
        )
    }
    wrong, right = rows["oversample, then split"], rows["split, then oversample"]
    assert right[0] == 0
    assert wrong[0] > 50, "many test images must be copies of training images"
    # Stated contrast: the wrong order inflates AUROC by at least 0.05.
    assert wrong[1] - right[1] >= 0.05
    y = namespace["y"]
    balanced = namespace["balanced"]
    assert (y[balanced] == 0).sum() == (y[balanced] == 1).sum()
    assert np.intersect1d(namespace["right_test"], namespace["right_train"]).size == 0


def test_lk02_leaky_selection_beats_chance():
    output, namespace = run_snippet("pitfalls/leakage/lk02_selection_before_cv.py")
    leaky, honest = namespace["leaky"], namespace["honest"]
    assert leaky.shape == honest.shape == (20,)
    # Stated contrast: leaky far above chance, the Pipeline at chance.
    assert leaky.mean() - honest.mean() >= 0.15
    assert leaky.mean() >= 0.62
    assert abs(honest.mean() - 0.5) < 0.06
    intervals = re.findall(r"([\d.]+) \(([\d.]+)-([\d.]+)\)$", output, re.M)
    (_, leaky_low, _), (_, honest_low, honest_high) = intervals
    assert float(leaky_low) > 0.5
    assert float(honest_low) < 0.5 < float(honest_high)
