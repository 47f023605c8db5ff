"""Tests of the patient-level splits and the groups guard in medguide.splits."""

import inspect

import numpy as np
import pytest
import sklearn.model_selection as model_selection
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, train_test_split

from medguide.exceptions import LeakageError
from medguide.splits import (
    SplitIndices,
    patient_split,
    splitter_uses_groups,
    stratified_group_kfold,
    strict_split,
)

# Twelve images from six patients, two images each; three patients per class.
TOY_Y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
TOY_PATIENTS = np.repeat(np.arange(6), 2)

GROUP_SPLITTERS = {
    "GroupKFold",
    "GroupShuffleSplit",
    "LeaveOneGroupOut",
    "LeavePGroupsOut",
    "StratifiedGroupKFold",
}


def make_splitter(name):
    """Build every public scikit-learn splitter with arguments that suit 12 samples."""
    arguments = {
        "LeavePOut": {"p": 2},
        "LeavePGroupsOut": {"n_groups": 2},
        "PredefinedSplit": {"test_fold": np.repeat([0, 1, 2], 4)},
    }
    cls = getattr(model_selection, name)
    return cls(**arguments.get(name, {}))


def public_splitter_names():
    names = []
    for name, cls in vars(model_selection).items():
        if inspect.isclass(cls) and hasattr(cls, "split") and not inspect.isabstract(cls):
            names.append(name)
    return sorted(names)


def test_train_test_split_leaks_every_test_patient():
    train, test = train_test_split(np.arange(12), test_size=0.33, stratify=TOY_Y, random_state=0)

    test_patients = np.unique(TOY_PATIENTS[test])
    assert test_patients.size == 4
    assert np.isin(test_patients, TOY_PATIENTS[train]).all()


def test_patient_split_leaks_no_patient():
    split = patient_split(TOY_Y, TOY_PATIENTS, val_size=0, test_size=0.33, random_state=0)

    assert np.intersect1d(TOY_PATIENTS[split.train], TOY_PATIENTS[split.test]).size == 0
    assert split.sizes == {"train": 8, "val": 0, "test": 4}
    assert set(TOY_Y[split.test]) == {0, 1}
    assert np.array_equal(np.sort(np.concatenate([split.train, split.test])), np.arange(12))


@pytest.mark.parametrize("seed", range(10))
def test_patient_split_three_way_random(seed):
    rng = np.random.default_rng(seed)
    patients = rng.integers(0, 80, 600)
    patient_label = rng.integers(0, 2, 80)
    y = patient_label[patients]

    split = patient_split(y, patients, val_size=0.2, test_size=0.2, random_state=seed)
    parts = split.as_dict()

    joined = np.concatenate(list(parts.values()))
    assert np.array_equal(np.sort(joined), np.arange(600))
    for first, second in [("train", "val"), ("train", "test"), ("val", "test")]:
        assert np.intersect1d(patients[parts[first]], patients[parts[second]]).size == 0
    for name, indices in parts.items():
        assert set(y[indices]) == {0, 1}, name
    assert 0.1 < split.sizes["test"] / 600 < 0.3
    assert 0.1 < split.sizes["val"] / 600 < 0.3


def test_patient_split_is_reproducible():
    first = patient_split(TOY_Y, TOY_PATIENTS, val_size=0, test_size=0.33, random_state=3)
    second = patient_split(TOY_Y, TOY_PATIENTS, val_size=0, test_size=0.33, random_state=3)

    assert np.array_equal(first.test, second.test)


def test_patient_split_accepts_column_labels():
    split = patient_split(TOY_Y[:, None], TOY_PATIENTS, val_size=0, test_size=0.5, random_state=0)

    assert split.sizes["test"] == 6


def test_patient_split_missing_class_raises():
    # Class 1 occurs in two patients, and with this seed neither lands in the test fold.
    y = np.array([0] * 8 + [1] * 4)

    with pytest.raises(ValueError, match=r"patient_split: the test split contains no samples of class\(es\) \[1\]"):
        patient_split(y, TOY_PATIENTS, val_size=0, test_size=0.33, random_state=1)


def test_patient_split_too_few_groups_raises():
    y = np.array([0] * 10 + [1] * 2)

    with pytest.raises(ValueError, match=r"patient_split: class 1 occurs in 1 group\(s\), but each of the 2 parts"):
        patient_split(y, TOY_PATIENTS, val_size=0, test_size=0.33, random_state=0)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"test_size": 0.6}, ValueError, r"`test_size` must lie in \[0.0, 0.5\], got 0.6"),
        ({"test_size": 0}, ValueError, r"`test_size` must be greater than 0"),
        ({"val_size": -0.1}, ValueError, r"`val_size` must lie in \[0.0, 0.5\]"),
        ({"test_size": "0.2"}, TypeError, r"`test_size` must be a number, got '0.2'"),
        ({"test_size": True}, TypeError, r"`test_size` must be a number"),
        ({"test_size": 0.05}, ValueError, r"need 20 folds of groups, but `groups` contains only 6"),
    ],
)
def test_patient_split_invalid_arguments(kwargs, error, pattern):
    arguments = {"val_size": 0, "test_size": 0.33, "random_state": 0, **kwargs}

    with pytest.raises(error, match=pattern):
        patient_split(TOY_Y, TOY_PATIENTS, **arguments)


def test_patient_split_length_mismatch_raises():
    with pytest.raises(ValueError, match=r"patient_split: `groups` has 11 entries but `y` has 12"):
        patient_split(TOY_Y, TOY_PATIENTS[:11], random_state=0)


def test_patient_split_one_class_raises():
    with pytest.raises(ValueError, match=r"patient_split: `y` contains one class only"):
        patient_split(np.zeros(12), TOY_PATIENTS, random_state=0)


def test_patient_split_none_groups_raises():
    with pytest.raises(TypeError, match=r"patient_split: `groups` is None"):
        patient_split(TOY_Y, None, random_state=0)


def test_split_indices_sizes():
    split = SplitIndices(np.arange(3), np.arange(3, 4), np.arange(4, 6))

    assert split.sizes == {"train": 3, "val": 1, "test": 2}


def test_kfold_matches_sklearn():
    rng = np.random.default_rng(1)
    patients = rng.integers(0, 40, 300)
    y = rng.integers(0, 2, 40)[patients]

    folds = stratified_group_kfold(y, patients, n_splits=4, random_state=7)
    expected = StratifiedGroupKFold(4, shuffle=True, random_state=7).split(np.zeros(300), y, patients)

    for (train, test), (expected_train, expected_test) in zip(folds, expected):
        assert np.array_equal(train, expected_train)
        assert np.array_equal(test, expected_test)
        assert np.intersect1d(patients[train], patients[test]).size == 0


def test_kfold_too_few_groups_raises():
    y = np.array([0] * 10 + [1] * 2)

    with pytest.raises(ValueError, match=r"stratified_group_kfold: class 1 occurs in 1 group\(s\), but each of the 3"):
        stratified_group_kfold(y, TOY_PATIENTS, n_splits=3, random_state=0)


def test_kfold_too_many_splits_raises():
    with pytest.raises(ValueError, match=r"`n_splits`=7 is more than the 6 distinct group"):
        stratified_group_kfold(TOY_Y, TOY_PATIENTS, n_splits=7, random_state=0)


@pytest.mark.parametrize(("n_splits", "error"), [(1, ValueError), (2.0, TypeError)])
def test_kfold_invalid_n_splits_raises(n_splits, error):
    with pytest.raises(error, match=r"stratified_group_kfold: `n_splits` must be"):
        stratified_group_kfold(TOY_Y, TOY_PATIENTS, n_splits=n_splits, random_state=0)


@pytest.mark.parametrize("name", public_splitter_names())
def test_uses_groups_every_sklearn_splitter(name):
    assert splitter_uses_groups(make_splitter(name)) == (name in GROUP_SPLITTERS)


def test_splitter_list_is_complete():
    # A new scikit-learn splitter would otherwise go untested.
    assert GROUP_SPLITTERS <= set(public_splitter_names())
    assert len(public_splitter_names()) >= 14


@pytest.mark.parametrize("name", sorted(set(public_splitter_names()) - GROUP_SPLITTERS))
def test_strict_split_rejects_groups(name):
    with pytest.raises(LeakageError, match=rf"strict_split: `groups` was passed to {name}, which ignores it"):
        strict_split(make_splitter(name), np.zeros((12, 1)), TOY_Y, TOY_PATIENTS)


@pytest.mark.parametrize("name", sorted(GROUP_SPLITTERS))
def test_strict_split_group_splitters(name):
    folds = strict_split(make_splitter(name), np.zeros((12, 1)), TOY_Y, TOY_PATIENTS)

    assert folds
    for train, test in folds:
        assert np.intersect1d(TOY_PATIENTS[train], TOY_PATIENTS[test]).size == 0


def test_strict_split_needs_groups():
    with pytest.raises(ValueError, match=r"strict_split: GroupKFold splits by group but `groups` is None"):
        strict_split(GroupKFold(3), np.zeros((12, 1)))


def test_strict_split_without_groups_matches_sklearn():
    folds = strict_split(KFold(3), np.zeros((12, 1)))

    for (train, test), (expected_train, expected_test) in zip(folds, KFold(3).split(np.zeros(12))):
        assert np.array_equal(train, expected_train)
        assert np.array_equal(test, expected_test)


def test_strict_split_groups_length_raises():
    with pytest.raises(ValueError, match=r"`groups` has 11 entries but `X` has 12 samples"):
        strict_split(GroupKFold(3), np.zeros((12, 1)), groups=TOY_PATIENTS[:11])


class LeakySplitter:
    """Custom splitter that accepts groups but splits by sample."""

    def split(self, X, y=None, groups=None):
        yield np.arange(0, 12, 2), np.arange(1, 12, 2)


class PlainSplitter:
    """Custom splitter whose split method takes no groups."""

    def split(self, X, y=None):
        yield np.arange(6), np.arange(6, 12)


def test_strict_split_catches_custom_leak():
    with pytest.raises(LeakageError, match=r"strict_split: 6 group\(s\) occur in both the fold 0 train"):
        strict_split(LeakySplitter(), np.zeros((12, 1)), groups=TOY_PATIENTS)


def test_strict_split_plain_custom_splitter():
    assert not splitter_uses_groups(PlainSplitter())

    folds = strict_split(PlainSplitter(), np.zeros((12, 1)))
    assert np.array_equal(folds[0][1], np.arange(6, 12))

    with pytest.raises(LeakageError, match=r"passed to PlainSplitter"):
        strict_split(PlainSplitter(), np.zeros((12, 1)), groups=TOY_PATIENTS)


def test_uses_groups_no_split_method():
    with pytest.raises(TypeError, match=r"splitter_uses_groups: `splitter` must have a split method, got list"):
        splitter_uses_groups([(np.arange(3), np.arange(3, 6))])


def test_patient_split_on_breastmnist_labels(breastmnist):
    # MedMNIST has no patient IDs, so each image is its own group here.
    _, labels = breastmnist["train"]

    split = patient_split(labels, np.arange(labels.size), val_size=0.15, test_size=0.2, random_state=0)

    for name, indices in split.as_dict().items():
        assert set(labels[indices]) == {0, 1}, name
    malignant_share = {name: np.mean(labels[i] == 0) for name, i in split.as_dict().items()}
    assert max(malignant_share.values()) - min(malignant_share.values()) < 0.05
