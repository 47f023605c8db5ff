"""Tests for snippets/data/splitting/, the code of docs/data/splitting.md."""

import re

import numpy as np

from ..conftest import run_snippet


def test_sp01_audit_finds_copies():
    output, namespace = run_snippet("data/splitting/sp01_audit_splits.py")
    breast = namespace["reports"]["breastmnist"]
    pneumonia = namespace["reports"]["pneumoniamnist"]
    # The page states: one exact train/test copy with two labels in
    # BreastMNIST, near-copies in every pair of splits, and PneumoniaMNIST
    # copies between training and validation only.
    assert [g.members for g in breast.exact_duplicates_across] == [(("train", 115), ("test", 76))]
    assert breast.exact_duplicates_across[0].labels == (0, 1)
    pairs = {(p.split_a, p.split_b) for p in breast.near_duplicates}
    assert pairs == {("train", "val"), ("train", "test"), ("val", "test")}
    assert len(breast.conflicting_near_duplicates) == 3
    assert len(pneumonia.exact_duplicates_across) > 0
    for group in pneumonia.exact_duplicates_across:
        assert {split for split, _ in group.members} == {"train", "val"}
    assert pneumonia.near_duplicates == ()
    assert "BreastMNIST exact copy: (('train', 115), ('test', 76)) labels (0, 1)" in output


def test_sp02_figure_shows_train_test_pairs():
    _, namespace = run_snippet("data/splitting/sp02_duplicate_pairs.py")
    shown_pairs, fig = namespace["shown_pairs"], namespace["fig"]
    assert len(fig.get_axes()) == 2 * len(shown_pairs)
    correlations = [pair.correlation for pair in shown_pairs]
    assert correlations == sorted(correlations, reverse=True)
    assert all(pair.correlation >= 0.99 for pair in shown_pairs)
    assert all((pair.split_a, pair.split_b) == ("train", "test") for pair in shown_pairs)


def _row(output, name):
    match = re.search(
        rf"^{name}\s+(\d+)\s+(\S+)(?: \(([\d.]+)-([\d.]+)\))?\s+([\d.]+) \(([\d.]+)-([\d.]+)\)$",
        output,
        re.M,
    )
    assert match, output
    return match


def test_sp03_copies_inflate_the_metric():
    output, namespace = run_snippet("data/splitting/sp03_metric_without_copies.py")
    assert "test images with a copy in training: 39 of 156" in output
    everything = _row(output, "all")
    unseen = _row(output, "without copies")
    copies = _row(output, "copies only")
    assert int(unseen.group(1)) + int(copies.group(1)) == 156
    # The page states the copies lift the AUROC of the whole test set and that
    # the model scores almost perfectly on them.
    assert float(everything.group(2)) - float(unseen.group(2)) >= 0.02
    assert float(copies.group(5)) >= 0.9
    assert float(copies.group(5)) - float(unseen.group(5)) >= 0.1
    # ... and that the intervals of "all" and "without copies" overlap.
    assert float(unseen.group(4)) > float(everything.group(3))
    # ... and that most copies are benign.
    malignant = int(re.search(r"malignant among the copies: (\d+)", output).group(1))
    assert malignant < 39 / 2
    assert namespace["copied"].size == 39


def test_sp04_image_level_split_inflates_auroc():
    output, namespace = run_snippet("data/splitting/sp04_patient_split.py")
    assert "780 patients, 2340 images" in output
    rows = dict(
        (name, (int(shared), float(auc), float(low), float(high)))
        for name, shared, auc, low, high in re.findall(
            r"^(image-level|patient-level)\s+\d+\s+(\d+)\s+([\d.]+) \(([\d.]+)-([\d.]+)\)$",
            output,
            re.M,
        )
    )
    assert set(rows) == {"image-level", "patient-level"}, output
    assert rows["patient-level"][0] == 0
    # Views of most test patients are in training (585 test images, 195 patients).
    assert rows["image-level"][0] > 195 / 2
    # The page claims a large gap whose intervals do not overlap.
    assert rows["image-level"][1] - rows["patient-level"][1] >= 0.10
    assert rows["image-level"][2] > rows["patient-level"][3]
    views = namespace["x"]
    assert views.shape == (2340, 784)
    assert views.min() >= 0
    assert views.max() <= 1
    assert not np.array_equal(views[0], views[1]), "views of one patient must differ"
