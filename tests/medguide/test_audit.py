"""Tests of the split leakage audit in medguide.audit."""

import importlib.util
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import pearsonr

import medguide.audit as audit_module
from medguide.audit import AuditReport, DuplicateGroup, ImagePair, audit_splits

REPO = Path(__file__).resolve().parents[2]


def random_images(rng, n, shape=(28, 28)):
    return rng.integers(0, 256, (n, *shape), dtype=np.uint8)


def smooth_images(rng, n):
    """Random smooth images, which correlate with each other more than noise does."""
    coarse = rng.normal(128, 40, (n, 7, 7))
    return np.clip(np.kron(coarse, np.ones((4, 4))) + rng.normal(0, 3, (n, 28, 28)), 0, 255)


def planted_splits():
    """Small splits with one exact copy, one near copy and one duplicate within train."""
    rng = np.random.default_rng(0)
    train, val, test = random_images(rng, 30), random_images(rng, 10), random_images(rng, 10)
    train_labels, val_labels, test_labels = np.zeros(30, int), np.zeros(10, int), np.ones(10, int)

    test[2] = train[5]
    val[4] = np.clip(train[7] * 0.9 + 10 + rng.normal(0, 2, (28, 28)), 0, 255).astype(np.uint8)
    train[20] = train[3]
    return {
        "train": (train, train_labels),
        "val": (val, val_labels),
        "test": (test, test_labels),
    }


def brute_force_near_pairs(images, threshold):
    """Every cross-split pair with Pearson r >= threshold that is not byte-identical."""
    names = list(images)
    pairs = set()
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            a = images[first].reshape(len(images[first]), -1).astype(np.float64)
            b = images[second].reshape(len(images[second]), -1).astype(np.float64)
            correlation = np.corrcoef(a, b)[: len(a), len(a) :]
            for ia, ib in zip(*np.nonzero(correlation >= threshold)):
                if not np.array_equal(a[ia], b[ib]):
                    pairs.add((first, int(ia), second, int(ib)))
    return pairs


def test_audit_finds_planted_cases():
    report = audit_splits(planted_splits())

    assert report.split_sizes == {"train": 30, "val": 10, "test": 10}
    assert report.exact_duplicates_across == (
        DuplicateGroup(members=(("train", 5), ("test", 2)), labels=(0, 1)),
    )
    assert report.exact_duplicates_within == (
        DuplicateGroup(members=(("train", 3), ("train", 20)), labels=(0, 0)),
    )
    assert [(p.split_a, p.index_a, p.split_b, p.index_b) for p in report.near_duplicates] == [
        ("train", 7, "val", 4)
    ]
    assert report.conflicting_duplicates == report.exact_duplicates_across
    assert report.conflicting_near_duplicates == ()
    assert report.has_leakage
    assert report.shared_groups is None
    assert report.n_constant_images == 0


def test_audit_correlation_matches_scipy():
    splits = planted_splits()
    pair = audit_splits(splits).near_duplicates[0]

    expected = pearsonr(
        splits["train"][0][7].ravel().astype(float), splits["val"][0][4].ravel().astype(float)
    ).statistic
    assert pair.correlation == pytest.approx(expected, abs=1e-12)
    assert pair.correlation >= 0.99


@pytest.mark.parametrize("seed", range(6))
def test_near_pairs_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    base = smooth_images(rng, 120)
    # Noise levels spread the correlation of the copies around the threshold.
    noise = rng.uniform(0, 12, (60, 1, 1)) * rng.normal(0, 1, (60, 28, 28))
    copies = np.clip(base[:60] + noise, 0, 255)
    images = np.concatenate([base, copies]).astype(np.float32)[rng.permutation(180)]
    splits = {"train": images[:100], "val": images[100:140], "test": images[140:]}
    threshold = float(rng.choice([0.9, 0.95, 0.99]))

    report = audit_splits(splits, threshold=threshold)

    found = {(p.split_a, p.index_a, p.split_b, p.index_b) for p in report.near_duplicates}
    expected = brute_force_near_pairs(splits, threshold)
    assert found == expected
    assert expected, "the random set should contain near pairs"


def test_contrast_change_keeps_near_copy():
    rng = np.random.default_rng(3)
    train = smooth_images(rng, 20).astype(np.uint8)
    # Brightness and contrast change leave Pearson correlation at 1.
    test = (train[:1] * 0.5 + 40).round().astype(np.uint8)

    report = audit_splits({"train": (train, np.ones(20)), "test": (test, np.zeros(1))})

    assert len(report.near_duplicates) == 1
    assert report.near_duplicates[0].correlation > 0.999
    assert report.conflicting_near_duplicates == report.near_duplicates


def test_audit_shared_groups():
    splits = planted_splits()
    groups = {"train": np.arange(30), "val": np.arange(28, 38), "test": np.arange(100, 110)}

    report = audit_splits(splits, groups=groups)

    assert np.array_equal(report.shared_groups[("train", "val")], [28, 29])
    assert report.shared_groups[("train", "test")].size == 0
    assert report.shared_groups[("val", "test")].size == 0
    assert "train/val 2" in report.summary()


def test_audit_string_groups():
    splits = planted_splits()
    groups = {name: [f"p{i}" for i in range(len(x))] for name, (x, _) in splits.items()}

    report = audit_splits(splits, groups=groups)

    assert report.shared_groups[("val", "test")].size == 10


def test_audit_constant_images():
    rng = np.random.default_rng(0)
    train = random_images(rng, 5)
    test = random_images(rng, 5)
    train[0] = 7
    test[0] = 7
    test[1] = 9

    report = audit_splits({"train": train, "test": test})

    assert report.n_constant_images == 3
    assert report.exact_duplicates == (DuplicateGroup((("train", 0), ("test", 0)), (None, None)),)
    assert report.near_duplicates == ()
    assert "Constant images (no near-duplicate check): 3" in report.summary()


def test_audit_without_labels():
    splits = {name: images for name, (images, _) in planted_splits().items()}

    report = audit_splits(splits)

    assert report.exact_duplicates_across[0].labels == (None, None)
    assert report.near_duplicates[0].label_a is None
    assert report.conflicting_duplicates == ()


def test_audit_clean_splits():
    rng = np.random.default_rng(1)
    report = audit_splits({"train": random_images(rng, 50), "test": random_images(rng, 20)})

    assert not report.has_leakage
    assert report.exact_duplicates == ()
    assert report.near_duplicates == ()


def test_audit_rgb_and_float_images():
    rng = np.random.default_rng(2)
    train = rng.random((20, 8, 8, 3))
    test = np.concatenate([train[:1] + 1e-6, rng.random((3, 8, 8, 3))])

    report = audit_splits({"train": train, "test": test})

    assert report.exact_duplicates == ()
    assert len(report.near_duplicates) == 1
    assert report.near_duplicates[0].correlation == pytest.approx(1.0, abs=1e-9)


def test_exact_ids_survive_hash_collisions(monkeypatch):
    # Every row hashes alike, so only the byte comparison can tell images apart.
    monkeypatch.setattr(audit_module, "_row_hashes", lambda rows: np.zeros(len(rows), np.uint64))
    rows = np.array([[1, 2], [3, 4], [1, 2], [3, 4], [5, 6]], dtype=np.uint8)

    ids = audit_module._exact_duplicate_ids(rows)

    assert ids.tolist() == [0, 1, 0, 1, 4]


def test_exact_ids_odd_row_length():
    rows = np.array([[1, 2, 3], [1, 2, 3], [1, 2, 4]], dtype=np.uint8)

    assert audit_module._exact_duplicate_ids(rows).tolist() == [0, 0, 2]


def test_summary_lists_each_finding():
    text = str(audit_splits(planted_splits()))

    assert text.splitlines()[0] == "Leakage audit of 3 splits (train 30, val 10, test 10 images)"
    assert "Shared group IDs: not checked (no groups given)" in text
    assert "Exact duplicates: 1 group(s) across splits (2 images), 1 group(s) within one split (2 images)" in text
    assert "1 pair(s) (train/val 1)" in text
    assert "Label conflicts: 1 exact-duplicate group(s), 0 near-duplicate pair(s)" in text


def test_report_types():
    report = audit_splits(planted_splits())

    assert isinstance(report, AuditReport)
    assert isinstance(report.near_duplicates[0], ImagePair)
    with pytest.raises(AttributeError):
        report.threshold = 0.5


@pytest.mark.parametrize(
    ("splits", "error", "pattern"),
    [
        ([np.zeros((2, 4, 4))], TypeError, r"audit_splits: `splits` must be a non-empty mapping .* got list"),
        ({}, TypeError, r"audit_splits: `splits` must be a non-empty mapping"),
        ({"train": (np.zeros((2, 4)), [0, 1], None)}, ValueError, r"got a tuple of 3 items"),
        ({"train": np.zeros(4)}, ValueError, r"must be a numeric array of shape \(n_images, ...\), got shape \(4,\)"),
        ({"train": np.array([["a", "b"]])}, ValueError, r"got shape \(1, 2\) and dtype <U1"),
        ({"train": None}, TypeError, r"audit_splits: `images of 'train'` is None"),
        (
            {"train": np.zeros((2, 4, 4), np.uint8), "test": np.zeros((2, 5, 5), np.uint8)},
            ValueError,
            r"images of split 'test' have shape \(5, 5\) and dtype uint8, but the first split has shape \(4, 4\)",
        ),
        (
            {"train": np.zeros((2, 4, 4), np.uint8), "test": np.zeros((2, 4, 4), np.float32)},
            ValueError,
            r"dtype float32, but the first split .* dtype uint8",
        ),
        ({"train": np.full((2, 4, 4), np.nan)}, ValueError, r"`images of 'train'` contains 32 NaN or infinite value\(s\)"),
        ({"train": (np.zeros((3, 4, 4)), [0, 1])}, ValueError, r"split 'train' has 3 images but 2 labels"),
        ({"train": (np.zeros((2, 4, 4)), np.zeros((2, 2)))}, ValueError, r"must have shape \(n_samples,\) or \(n_samples, 1\)"),
        (
            {"train": (np.zeros((2, 4, 4)), [0, 1]), "test": np.zeros((2, 4, 4))},
            ValueError,
            r"labels were given for some splits but not others \({'train': True, 'test': False}\)",
        ),
    ],
)
def test_audit_invalid_splits(splits, error, pattern):
    with pytest.raises(error, match=pattern):
        audit_splits(splits)


@pytest.mark.parametrize(
    ("groups", "pattern"),
    [
        ({"train": np.arange(30)}, r"`groups` must map every split name \['train', 'val', 'test'\] .* got \['train'\]"),
        ([np.arange(30)], r"`groups` must map every split name .* got list"),
        ({"train": np.arange(30), "val": np.arange(9), "test": np.arange(10)}, r"`groups` of split 'val' has 9 entries but the split has 10"),
    ],
)
def test_audit_invalid_groups(groups, pattern):
    with pytest.raises(ValueError, match=pattern):
        audit_splits(planted_splits(), groups=groups)


def test_audit_mixed_group_types_raise():
    groups = {"train": np.arange(30), "val": np.arange(10).astype(str), "test": np.arange(10)}

    with pytest.raises(TypeError, match=r"audit_splits: `groups` mixes text and numeric group IDs across splits \({'train': 'number', 'val': 'text'"):
        audit_splits(planted_splits(), groups=groups)


@pytest.mark.parametrize(
    ("threshold", "error", "pattern"),
    [
        (0.8, ValueError, r"`threshold` must lie in \[0.9, 1\), got 0.8"),
        (1.0, ValueError, r"`threshold` must lie in \[0.9, 1\), got 1.0"),
        ("0.99", TypeError, r"`threshold` must be a number in \[0.9, 1\), got '0.99'"),
        (True, TypeError, r"`threshold` must be a number"),
    ],
)
def test_audit_invalid_threshold(threshold, error, pattern):
    with pytest.raises(error, match=pattern):
        audit_splits(planted_splits(), threshold=threshold)


def test_audit_breastmnist(breastmnist):
    report = audit_splits(breastmnist)

    assert report.exact_duplicates == (
        DuplicateGroup(members=(("train", 115), ("test", 76)), labels=(0, 1)),
    )
    assert len(report.near_duplicates) == 82
    pairs_per_split = {}
    for pair in report.near_duplicates:
        key = (pair.split_a, pair.split_b)
        pairs_per_split[key] = pairs_per_split.get(key, 0) + 1
    assert pairs_per_split == {("train", "val"): 27, ("train", "test"): 49, ("val", "test"): 6}
    conflicts = {(p.split_a, p.index_a, p.split_b, p.index_b) for p in report.conflicting_near_duplicates}
    assert conflicts == {("train", 18, "test", 7), ("train", 481, "test", 7), ("val", 24, "test", 84)}


def test_audit_pneumoniamnist(pneumoniamnist):
    report = audit_splits(pneumoniamnist)

    assert len(report.exact_duplicates_across) == 8
    assert sum(len(g.members) for g in report.exact_duplicates_across) == 18
    assert len(report.exact_duplicates_within) == 19
    assert sum(len(g.members) for g in report.exact_duplicates_within) == 38
    assert report.near_duplicates == ()
    assert report.conflicting_duplicates == ()
    # Every copy that crosses splits pairs the training split with validation.
    assert all({s for s, _ in g.members} == {"train", "val"} for g in report.exact_duplicates_across)


def load_benchmark():
    spec = importlib.util.spec_from_file_location("audit_speed", REPO / "benchmarks" / "audit_speed.py")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up by name while the file runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_audit_speed_100k_images():
    benchmark = load_benchmark()
    data_dir = Path(os.environ.get("MEDGUIDE_DATA_DIR", Path.home() / ".medmnist"))
    planted = benchmark.build_planted_set(benchmark.load_real_images(data_dir))

    # Wall-clock time, as a user waits for it. The best of two runs, so a
    # moment of load from another process does not decide the result.
    wall_seconds = []
    for _ in range(2):
        started = time.perf_counter()
        report = audit_splits(planted.splits)
        wall_seconds.append(time.perf_counter() - started)

    assert min(wall_seconds) <= 10
    for kind, (precision, recall) in benchmark.score_report(report, planted).items():
        assert precision == 1.0, kind
        assert recall == 1.0, kind
