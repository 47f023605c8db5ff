"""Patient-level (group-level) splits that keep every patient in one split.

Images of one patient are correlated, so a split that puts one image of a
patient in training and another in testing overstates test performance. The
functions here build on scikit-learn's ``StratifiedGroupKFold`` and add the
checks that scikit-learn leaves out. No group may cross splits, and every split
must contain every class. Passing ``groups`` to a splitter that ignores it
raises, whereas scikit-learn accepts ``KFold(3).split(X, y, groups=g)`` and
splits by image, which leaks patients.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.model_selection._split import GroupsConsumerMixin

from ._validation import check_int, check_labels_1d, format_values, to_numpy
from .exceptions import LeakageError

__all__ = [
    "SplitIndices",
    "patient_split",
    "stratified_group_kfold",
    "splitter_uses_groups",
    "strict_split",
]

Fold = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class SplitIndices:
    """Positional indices of a train/validation/test split.

    Attributes
    ----------
    train, val, test : numpy.ndarray of shape (n_split_samples,)
        Sorted int64 indices into the arrays that were split. ``val`` is
        empty when the split was made with ``val_size=0``.

    Examples
    --------
    >>> import numpy as np
    >>> split = SplitIndices(np.array([0, 1]), np.array([], dtype=np.int64), np.array([2]))
    >>> split.sizes
    {'train': 2, 'val': 0, 'test': 1}
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    @property
    def sizes(self) -> dict[str, int]:
        """Number of samples in each split, keyed by split name."""
        return {name: int(indices.size) for name, indices in self.as_dict().items()}

    def as_dict(self) -> dict[str, np.ndarray]:
        """Return the indices as ``{"train": ..., "val": ..., "test": ...}``."""
        return {"train": self.train, "val": self.val, "test": self.test}


def _check_labels_and_groups(y: Any, groups: Any, *, func: str) -> tuple[np.ndarray, np.ndarray]:
    labels = check_labels_1d(y, func=func, name="y")
    group_ids = to_numpy(groups, func=func, name="groups").reshape(-1)

    if group_ids.size != labels.size:
        raise ValueError(
            f"{func}: `groups` has {group_ids.size} entries but `y` has {labels.size}. "
            "Pass one group ID (for example the patient ID) per sample."
        )

    n_classes = np.unique(labels).size
    if n_classes < 2:
        raise ValueError(
            f"{func}: `y` contains one class only ({format_values(labels[:1])} for all "
            f"{labels.size} samples). A stratified split needs at least two classes; "
            "pass the labels of the whole dataset."
        )

    return labels, group_ids


def _check_fraction(value: Any, *, func: str, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise TypeError(f"{func}: `{name}` must be a number, got {value!r}.")

    if not low <= value <= high:
        raise ValueError(
            f"{func}: `{name}` must lie in [{low}, {high}], got {value!r}. Pass a fraction "
            "of the samples, for example 0.2 rather than 20."
        )

    return float(value)


def _class_counts(labels: np.ndarray) -> dict[Any, int]:
    classes, counts = np.unique(labels, return_counts=True)
    return {c.item(): int(n) for c, n in zip(classes, counts)}


def _check_split_classes(
    labels: np.ndarray, parts: dict[str, np.ndarray], *, func: str, hint: str
) -> None:
    """Raise ValueError naming the class counts when a non-empty part lacks a class."""
    classes = np.unique(labels)
    for name, indices in parts.items():
        if indices.size == 0:
            continue

        missing = np.setdiff1d(classes, labels[indices])
        if missing.size:
            counts = "; ".join(f"{n}: {_class_counts(labels[i])}" for n, i in parts.items())
            raise ValueError(
                f"{func}: the {name} split contains no samples of class(es) "
                f"{format_values(missing)} (class counts per split: {counts}). {hint}"
            )


def _check_disjoint_groups(group_ids: np.ndarray, parts: dict[str, np.ndarray], *, func: str) -> None:
    """Raise LeakageError when a group ID occurs in more than one part."""
    names = list(parts)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            shared = np.intersect1d(group_ids[parts[first]], group_ids[parts[second]])
            if shared.size:
                raise LeakageError(
                    f"{func}: {shared.size} group(s) occur in both the {first} and the "
                    f"{second} split, for example {format_values(shared)}. Every image of "
                    "a patient must stay in one split; use a group-aware splitter such as "
                    "StratifiedGroupKFold."
                )


def _first_group_fold(
    labels: np.ndarray, group_ids: np.ndarray, n_splits: int, random_state: Any, *, func: str
) -> Fold:
    n_groups = np.unique(group_ids).size
    if n_groups < n_splits:
        raise ValueError(
            f"{func}: the requested sizes need {n_splits} folds of groups, but `groups` "
            f"contains only {n_groups} distinct group(s). Pass a larger size or collect "
            "more patients."
        )

    return next(_group_folds(labels, group_ids, n_splits, random_state))


def _group_folds(
    labels: np.ndarray, group_ids: np.ndarray, n_splits: int, random_state: Any
) -> Iterator[Fold]:
    """Yield StratifiedGroupKFold folds without its warning about rare classes.

    scikit-learn warns when a class has fewer samples than folds. The warning
    is redundant, because the callers check the classes of every fold they use
    and raise with the counts.
    """
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        folds = list(splitter.split(np.zeros(labels.size), labels, group_ids))
    yield from folds


def _check_groups_per_class(
    labels: np.ndarray, group_ids: np.ndarray, needed: int, *, func: str, hint: str
) -> None:
    """Raise ValueError when a class occurs in fewer than ``needed`` groups."""
    for value in np.unique(labels):
        n_groups = np.unique(group_ids[labels == value]).size
        if n_groups < needed:
            raise ValueError(
                f"{func}: class {value.item()!r} occurs in {n_groups} group(s), but each of "
                f"the {needed} parts of the split needs a group of every class. {hint}"
            )


def patient_split(
    y: Any,
    groups: Any,
    *,
    val_size: float = 0.15,
    test_size: float = 0.15,
    random_state: int | None,
) -> SplitIndices:
    """Split samples into train, validation and test sets with every group in one set.

    Sizes are approximate, because whole groups move together and the split
    takes one fold of ``StratifiedGroupKFold``: the test set is about
    ``1 / round(1 / test_size)`` of the samples and the validation set is
    carved out of the rest in the same way. Read the real sizes from
    [`SplitIndices.sizes`][medguide.splits.SplitIndices.sizes].

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, 1)
        Class labels, used to stratify.
    groups : array-like of shape (n_samples,)
        Group ID of each sample, for example the patient ID.
    val_size : float, default=0.15
        Approximate fraction of all samples in the validation set, in [0, 0.5].
        0 gives an empty validation set.
    test_size : float, default=0.15
        Approximate fraction of all samples in the test set, in (0, 0.5].
    random_state : int or None
        Seed for shuffling the groups. It has no default, so that every split
        in the guide states its seed; pass None for a fresh random split.

    Returns
    -------
    SplitIndices
        Sorted positional indices of the train, validation and test samples.

    Raises
    ------
    TypeError
        If ``y`` or ``groups`` is None or a string, or a size is not a number.
    ValueError
        If the lengths differ, ``y`` contains one class only, a size is out of
        range, there are fewer groups than folds, or a non-empty split lacks a
        class. The message gives the class counts per split.

    See Also
    --------
    - [`stratified_group_kfold`][medguide.splits.stratified_group_kfold]: Cross-validation folds with the same checks.

    Examples
    --------
    Twelve images from six patients, two images each:

    >>> import numpy as np
    >>> y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> patients = np.repeat(np.arange(6), 2)
    >>> split = patient_split(y, patients, val_size=0, test_size=0.33, random_state=0)
    >>> split.sizes
    {'train': 8, 'val': 0, 'test': 4}
    >>> np.intersect1d(patients[split.train], patients[split.test]).size
    0
    """
    func = "patient_split"
    labels, group_ids = _check_labels_and_groups(y, groups, func=func)
    test_fraction = _check_fraction(test_size, func=func, name="test_size", low=0.0, high=0.5)
    val_fraction = _check_fraction(val_size, func=func, name="val_size", low=0.0, high=0.5)
    if test_fraction == 0:
        raise ValueError(
            f"{func}: `test_size` must be greater than 0, got {test_size!r}. Pass the "
            "fraction of samples to hold out for testing, for example 0.2."
        )

    n_parts = 3 if val_fraction > 0 else 2
    _check_groups_per_class(
        labels, group_ids, n_parts, func=func, hint="Collect more patients of that class."
    )

    n_test_folds = max(2, round(1 / test_fraction))
    rest, test = _first_group_fold(labels, group_ids, n_test_folds, random_state, func=func)

    val = np.array([], dtype=np.int64)
    train = rest
    if val_fraction > 0:
        # The validation fraction is of all samples, but the fold is taken of the rest.
        n_val_folds = max(2, round((1 - 1 / n_test_folds) / val_fraction))
        rest_train, rest_val = _first_group_fold(
            labels[rest], group_ids[rest], n_val_folds, random_state, func=func
        )
        train, val = rest[rest_train], rest[rest_val]

    parts = {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}
    _check_disjoint_groups(group_ids, parts, func=func)
    _check_split_classes(
        labels,
        parts,
        func=func,
        hint="Too few groups contain that class for these sizes; pass a larger test_size "
        "or val_size, or collect more patients of that class.",
    )

    return SplitIndices(parts["train"], parts["val"], parts["test"])


def stratified_group_kfold(
    y: Any, groups: Any, *, n_splits: int = 5, random_state: int | None
) -> list[Fold]:
    """Build stratified group k-fold indices and check each fold for leaks and missing classes.

    The folds come from scikit-learn's ``StratifiedGroupKFold`` with shuffling.
    This function adds the checks that no group crosses a fold boundary and
    that every training and test fold contains every class, so that a metric
    such as AUROC is defined on every fold.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, 1)
        Class labels, used to stratify.
    groups : array-like of shape (n_samples,)
        Group ID of each sample, for example the patient ID.
    n_splits : int, default=5
        Number of folds, at least 2.
    random_state : int or None
        Seed for shuffling the groups; pass None for fresh random folds.

    Returns
    -------
    list of tuple of numpy.ndarray
        ``(train_indices, test_indices)`` for each fold. The list can be
        passed as ``cv=`` to scikit-learn's ``cross_val_score``.

    Raises
    ------
    TypeError
        If ``y`` or ``groups`` is None or a string, or ``n_splits`` is not an int.
    ValueError
        If the lengths differ, ``y`` contains one class only, ``n_splits`` is
        less than 2 or more than the number of groups, or a fold lacks a class.

    See Also
    --------
    - [`patient_split`][medguide.splits.patient_split]: One train/validation/test split with the same checks.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> patients = np.repeat(np.arange(6), 2)
    >>> folds = stratified_group_kfold(y, patients, n_splits=3, random_state=0)
    >>> [test.size for _, test in folds]
    [4, 4, 4]
    """
    func = "stratified_group_kfold"
    labels, group_ids = _check_labels_and_groups(y, groups, func=func)
    n_folds = check_int(n_splits, func=func, name="n_splits", minimum=2)

    n_groups = np.unique(group_ids).size
    if n_groups < n_folds:
        raise ValueError(
            f"{func}: `n_splits`={n_folds} is more than the {n_groups} distinct group(s) "
            "in `groups`. Pass a smaller n_splits or collect more patients."
        )

    _check_groups_per_class(
        labels,
        group_ids,
        n_folds,
        func=func,
        hint="Pass a smaller n_splits or collect more patients of that class.",
    )
    folds = list(_group_folds(labels, group_ids, n_folds, random_state))

    for number, (train, test) in enumerate(folds):
        parts = {f"fold {number} train": train, f"fold {number} test": test}
        _check_disjoint_groups(group_ids, parts, func=func)
        _check_split_classes(
            labels,
            parts,
            func=func,
            hint="Too few groups contain that class for this many folds; pass a smaller "
            "n_splits or collect more patients of that class.",
        )

    return folds


def splitter_uses_groups(splitter: Any) -> bool:
    """Tell whether a cross-validation splitter uses the ``groups`` passed to ``split``.

    scikit-learn's group-aware splitters (``GroupKFold``,
    ``StratifiedGroupKFold``, ``GroupShuffleSplit``, ``LeaveOneGroupOut``,
    ``LeavePGroupsOut``) subclass ``GroupsConsumerMixin``, which requests
    ``groups`` through metadata routing. Every other scikit-learn splitter
    marks ``groups`` as unused but still accepts it. For a splitter that is not
    a scikit-learn object, a ``groups`` parameter in the signature of ``split``
    counts as use, since the signature is the only information available.

    Parameters
    ----------
    splitter : object
        An object with a ``split`` method, for example ``KFold(5)``.

    Returns
    -------
    bool
        True if ``split`` uses ``groups``.

    Raises
    ------
    TypeError
        If ``splitter`` has no ``split`` method.

    Examples
    --------
    >>> from sklearn.model_selection import GroupKFold, KFold
    >>> splitter_uses_groups(GroupKFold(3)), splitter_uses_groups(KFold(3))
    (True, False)
    """
    split_method = getattr(splitter, "split", None)
    if not callable(split_method):
        raise TypeError(
            f"splitter_uses_groups: `splitter` must have a split method, got "
            f"{type(splitter).__name__}. Pass a cross-validation splitter such as "
            "StratifiedGroupKFold(5)."
        )

    if isinstance(splitter, GroupsConsumerMixin):
        return True

    get_request = getattr(splitter, "_get_metadata_request", None)
    if callable(get_request):
        return get_request().split.requests.get("groups") is True

    # NOTE: a custom splitter that accepts `groups` but ignores it is reported as using it.
    return "groups" in inspect.signature(split_method).parameters


def strict_split(splitter: Any, X: Any, y: Any = None, groups: Any = None) -> list[Fold]:
    """Run ``splitter.split`` after checking that ``groups`` and the splitter agree.

    scikit-learn lets ``groups`` reach a splitter that ignores it and splits
    by sample, which puts images of one patient on both sides. This function
    raises instead, and after splitting it checks that no group occurs in both
    the training and the test indices of any fold.

    Parameters
    ----------
    splitter : object
        A cross-validation splitter, for example ``GroupKFold(5)``.
    X : array-like of shape (n_samples, ...)
        Samples; only their number is used by most splitters.
    y : array-like of shape (n_samples,), optional
        Labels, needed by stratified splitters.
    groups : array-like of shape (n_samples,), optional
        Group ID of each sample. Required by a group-aware splitter and
        rejected by any other.

    Returns
    -------
    list of tuple of numpy.ndarray
        ``(train_indices, test_indices)`` for each fold.

    Raises
    ------
    TypeError
        If ``splitter`` has no ``split`` method.
    LeakageError
        If ``groups`` is passed to a splitter that ignores it, or a group
        occurs in both the training and the test indices of a fold.
    ValueError
        If a group-aware splitter gets no ``groups``, or ``groups`` and ``X``
        differ in length.

    See Also
    --------
    - [`splitter_uses_groups`][medguide.splits.splitter_uses_groups]: The test that decides whether groups are used.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GroupKFold, KFold
    >>> X, patients = np.zeros((6, 1)), np.array([0, 0, 1, 1, 2, 2])
    >>> len(strict_split(GroupKFold(3), X, groups=patients))
    3
    >>> strict_split(KFold(3), X, groups=patients)
    Traceback (most recent call last):
    ...
    medguide.exceptions.LeakageError: strict_split: `groups` was passed to KFold, ...
    """
    func = "strict_split"
    uses_groups = splitter_uses_groups(splitter)
    name = type(splitter).__name__

    if groups is not None and not uses_groups:
        raise LeakageError(
            f"{func}: `groups` was passed to {name}, which ignores it and splits by sample, "
            "so images of one patient can land in both training and test folds. Use a "
            "group-aware splitter such as GroupKFold or StratifiedGroupKFold."
        )

    if groups is None and uses_groups:
        raise ValueError(
            f"{func}: {name} splits by group but `groups` is None. Pass one group ID "
            "(for example the patient ID) per sample."
        )

    n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
    group_ids = None if groups is None else to_numpy(groups, func=func, name="groups").reshape(-1)
    if group_ids is not None and group_ids.size != n_samples:
        raise ValueError(
            f"{func}: `groups` has {group_ids.size} entries but `X` has {n_samples} samples. "
            "Pass one group ID per sample."
        )

    # A custom splitter without a groups parameter must not receive one.
    raw_folds = splitter.split(X, y, group_ids) if uses_groups else splitter.split(X, y)
    folds = [(np.asarray(train), np.asarray(test)) for train, test in raw_folds]
    if group_ids is not None:
        for number, (train, test) in enumerate(folds):
            parts = {f"fold {number} train": train, f"fold {number} test": test}
            _check_disjoint_groups(group_ids, parts, func=func)

    return folds
