"""Tests for snippets/getting_started/, the code of docs/getting-started.md."""

import re

import numpy as np

from .conftest import run_snippet


def test_gs01_split_sizes_and_balance():
    output, _ = run_snippet("getting_started/gs01_load_breastmnist.py")
    assert "Label coding: {0: 'malignant', 1: 'normal, benign'}" in output
    rows = re.findall(r"^(train|val|test)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)%$", output, re.M)
    assert [(name, int(n), int(malignant), int(benign)) for name, n, malignant, benign, _ in rows] == [
        ("train", 546, 147, 399),
        ("val", 78, 21, 57),
        ("test", 156, 42, 114),
    ]
    # The page states that about one image in four is malignant in every split.
    for *_, share in rows:
        assert 25 < float(share) < 29


def test_gs02_montage_shows_both_classes():
    output, namespace = run_snippet("getting_started/gs02_montage.py")
    fig, train = namespace["fig"], namespace["train"]
    image_axes = [ax for ax in fig.get_axes() if ax.get_images()]
    assert len(image_axes) == 12
    shown_indices = [int(re.search(r"\d+", ax.get_title()).group()) for ax in image_axes]
    assert np.array_equal(np.sort(train.labels[shown_indices]), np.repeat([0, 1], 6))
    assert len(set(shown_indices)) == 12
    assert "malignant (6 of 147 shown)" in output


def test_gs03_wrong_positive_class_hides_misses():
    output, namespace = run_snippet("getting_started/gs03_positive_class.py")
    default, malignant = namespace["default"], namespace["malignant"]
    assert default.positive_label == 1
    assert malignant.positive_label == 0
    assert default.tp + default.fn == 114
    assert malignant.tp + malignant.fn == 42
    # The page claims the default label looks excellent while more than half
    # of the cancers are missed, and the intervals do not overlap.
    assert default.sensitivity.estimate > 0.85
    assert malignant.sensitivity.estimate < 0.5
    assert malignant.sensitivity.high < default.sensitivity.low
    assert f"missed cancers: {malignant.fn} of 42" in output
    assert malignant.fn > 21
