"""Tests for snippets/data/labeling/, the code of docs/data/labeling.md."""

import re

import numpy as np

from ..conftest import run_snippet


def test_lb01_label_noise_lowers_auroc():
    output, namespace = run_snippet("data/labeling/lb01_label_noise.py")
    results = namespace["results"]
    assert sorted(results) == [0.0, 0.1, 0.2, 0.3]
    means = [np.mean([d.estimate for d in results[rate]]) for rate in sorted(results)]
    # The page states AUROC falls as the share of flipped labels grows.
    assert all(a > b for a, b in zip(means, means[1:])), means
    assert means[0] - means[-1] >= 0.05
    # ... and that a 10% step is smaller than the width of the interval.
    first = results[0.0][0]
    assert means[0] - means[1] < first.high - first.low
    assert [len(results[rate]) for rate in sorted(results)] == [1, 5, 5, 5]
    counts = [int(n) for n in re.findall(r"^\s+\d+%\s+(\d+)", output, re.M)]
    assert counts == [0, 55, 109, 164]


def test_lb01_flip_labels_flips_exact_share():
    _, namespace = run_snippet("data/labeling/lb01_label_noise.py")
    labels = namespace["train"].labels
    noisy = namespace["flip_labels"](labels, 0.2, seed=3)
    assert int((noisy != labels).sum()) == round(0.2 * labels.size)
    assert set(np.unique(noisy)) <= {0, 1}


def test_lb02_identical_image_two_labels():
    output, namespace = run_snippet("data/labeling/lb02_one_image_two_labels.py")
    assert "train #115 and test #76 are identical pixel for pixel: True" in output
    assert "train #115 label 0 (malignant)" in output
    assert " test #76  label 1 (normal, benign)" in output
    assert "train #481 label 1" in output
    assert " test #7   label 0" in output
    assert len(namespace["fig"].get_axes()) == 4
