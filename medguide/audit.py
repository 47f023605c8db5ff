"""Leakage audit of a set of data splits: shared patients, duplicates, near-duplicates.

[`audit_splits`][medguide.audit.audit_splits] reports, for splits such as train/val/test, the group
IDs that occur in more than one split, exact duplicate images within and
across splits, near-duplicate images across splits and the label conflicts
among them. The search is fast enough for about 100,000 images of 28 x 28
pixels in a few seconds (see ``benchmarks/audit_speed.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy.linalg import eigh
from scipy.spatial import cKDTree
from threadpoolctl import threadpool_limits

from ._validation import check_finite, squeeze_labels, to_numpy

__all__ = ["ImagePair", "DuplicateGroup", "AuditReport", "audit_splits"]

logger = logging.getLogger("medguide")

NEAR_DUPLICATE_MEASURE = "Pearson correlation of raw pixel values"

# Images used to fit the projection; more only slows the fit, because the
# projection affects the speed of the search and never its result.
_PROJECTION_FIT_SIZE = 4096
_PROJECTION_DIMS = 32
_TREE_DIMS = 8
# Slack on the search radius for float32 rounding of unit-length vectors.
_RADIUS_SLACK = 1e-3
_CHUNK_SIZE = 8192


class ImagePair(NamedTuple):
    """Two images in different splits whose pixel values correlate above the threshold.

    ``index_a`` and ``index_b`` are positions within their split.
    ``correlation`` is the Pearson correlation of the raw pixel values.
    ``label_a`` and ``label_b`` are None when no labels were given.
    """

    split_a: str
    index_a: int
    split_b: str
    index_b: int
    correlation: float
    label_a: Any
    label_b: Any

    @property
    def has_label_conflict(self) -> bool:
        """True when both labels are known and differ."""
        return self.label_a is not None and self.label_a != self.label_b


class DuplicateGroup(NamedTuple):
    """Images whose bytes are identical, as ``(split, index within split)`` members.

    ``labels`` contains the label of each member in the same order, or None for
    each member when no labels were given.
    """

    members: tuple[tuple[str, int], ...]
    labels: tuple[Any, ...]

    @property
    def crosses_splits(self) -> bool:
        """True when the members come from more than one split."""
        return len({split for split, _ in self.members}) > 1

    @property
    def has_label_conflict(self) -> bool:
        """True when the members carry more than one distinct known label."""
        return len({label for label in self.labels if label is not None}) > 1


@dataclass(frozen=True)
class AuditReport:
    """Findings of [`audit_splits`][medguide.audit.audit_splits].

    Attributes
    ----------
    split_sizes : dict of str to int
        Number of images in each split, in the order the splits were given.
    shared_groups : dict of (str, str) to numpy.ndarray, or None
        Group IDs found in both splits of each pair of splits. None when no
        groups were given.
    exact_duplicates : tuple of DuplicateGroup
        Groups of byte-identical images, within or across splits.
    near_duplicates : tuple of ImagePair
        Pairs of images in different splits with a correlation of at least
        ``threshold`` that are not byte-identical.
    threshold : float
        Minimum Pearson correlation for a near-duplicate.
    measure : str
        Description of the near-duplicate similarity measure.
    n_constant_images : int
        Images with one value in every pixel. Their correlation is undefined,
        so only the exact-duplicate check covers them.
    """

    split_sizes: dict[str, int]
    shared_groups: dict[tuple[str, str], np.ndarray] | None
    exact_duplicates: tuple[DuplicateGroup, ...]
    near_duplicates: tuple[ImagePair, ...]
    threshold: float
    measure: str
    n_constant_images: int

    @property
    def exact_duplicates_across(self) -> tuple[DuplicateGroup, ...]:
        """Exact-duplicate groups with members in more than one split."""
        return tuple(group for group in self.exact_duplicates if group.crosses_splits)

    @property
    def exact_duplicates_within(self) -> tuple[DuplicateGroup, ...]:
        """Exact-duplicate groups whose members are all in one split."""
        return tuple(group for group in self.exact_duplicates if not group.crosses_splits)

    @property
    def conflicting_duplicates(self) -> tuple[DuplicateGroup, ...]:
        """Exact-duplicate groups whose members carry different labels."""
        return tuple(group for group in self.exact_duplicates if group.has_label_conflict)

    @property
    def conflicting_near_duplicates(self) -> tuple[ImagePair, ...]:
        """Near-duplicate pairs whose two images carry different labels."""
        return tuple(pair for pair in self.near_duplicates if pair.has_label_conflict)

    @property
    def has_leakage(self) -> bool:
        """True when a group or an exact or near-duplicate image occurs in two splits."""
        shared = self.shared_groups or {}
        return (
            any(ids.size for ids in shared.values())
            or bool(self.exact_duplicates_across)
            or bool(self.near_duplicates)
        )

    def summary(self) -> str:
        """Return a plain-text summary with one line per finding."""
        sizes = ", ".join(f"{name} {size}" for name, size in self.split_sizes.items())
        lines = [f"Leakage audit of {len(self.split_sizes)} splits ({sizes} images)"]

        if self.shared_groups is None:
            lines.append("Shared group IDs: not checked (no groups given)")
        else:
            counts = ", ".join(f"{a}/{b} {ids.size}" for (a, b), ids in self.shared_groups.items())
            lines.append(f"Shared group IDs: {counts}")

        across, within = self.exact_duplicates_across, self.exact_duplicates_within
        lines.append(
            f"Exact duplicates: {len(across)} group(s) across splits "
            f"({sum(len(g.members) for g in across)} images), {len(within)} group(s) "
            f"within one split ({sum(len(g.members) for g in within)} images)"
        )

        per_pair: dict[str, int] = {}
        for pair in self.near_duplicates:
            key = f"{pair.split_a}/{pair.split_b}"
            per_pair[key] = per_pair.get(key, 0) + 1
        breakdown = ", ".join(f"{key} {n}" for key, n in per_pair.items()) or "none"
        lines.append(
            f"Near-duplicates across splits ({self.measure} >= {self.threshold}, exact "
            f"duplicates excluded): {len(self.near_duplicates)} pair(s) ({breakdown})"
        )

        lines.append(
            f"Label conflicts: {len(self.conflicting_duplicates)} exact-duplicate group(s), "
            f"{len(self.conflicting_near_duplicates)} near-duplicate pair(s)"
        )
        if self.n_constant_images:
            lines.append(
                f"Constant images (no near-duplicate check): {self.n_constant_images}"
            )

        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class _Pool:
    """All images of all splits as rows, with the split and position of each row."""

    names: tuple[str, ...]
    flat: np.ndarray
    split_of: np.ndarray
    index_of: np.ndarray
    labels: list[Any] | None


def _split_parts(value: Any, name: str, *, func: str) -> tuple[Any, Any]:
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(
                f"{func}: split {name!r} must be `images` or `(images, labels)`, got a "
                f"tuple of {len(value)} items. Pass (images, labels) or images alone."
            )
        return value

    return value, None


def _check_labels(labels: Any, n_images: int, name: str, *, func: str) -> np.ndarray:
    labels_1d = np.asarray(squeeze_labels(labels, func=func, name=f"labels of {name!r}"))
    if labels_1d.size != n_images:
        raise ValueError(
            f"{func}: split {name!r} has {n_images} images but {labels_1d.size} labels. "
            "Pass one label per image."
        )

    return labels_1d


def _collect_pool(splits: Any, *, func: str) -> _Pool:
    """Check the splits and stack their images as rows of one array."""
    if not isinstance(splits, Mapping) or not splits:
        raise TypeError(
            f"{func}: `splits` must be a non-empty mapping of split name to images or "
            f"(images, labels), got {type(splits).__name__}. Pass for example "
            "{'train': (x_train, y_train), 'test': (x_test, y_test)}."
        )

    names, flats, label_arrays = [], [], []
    reference: tuple[tuple[int, ...], np.dtype] | None = None
    for name, value in splits.items():
        images, labels = _split_parts(value, name, func=func)
        images = to_numpy(images, func=func, name=f"images of {name!r}")
        if images.ndim < 2 or images.dtype.kind not in "biuf":
            raise ValueError(
                f"{func}: images of split {name!r} must be a numeric array of shape "
                f"(n_images, ...), got shape {images.shape} and dtype {images.dtype}."
            )

        if images.dtype.kind == "f":
            check_finite(images, func=func, name=f"images of {name!r}")

        layout = (images.shape[1:], images.dtype)
        if reference is not None and layout != reference:
            raise ValueError(
                f"{func}: images of split {name!r} have shape {layout[0]} and dtype "
                f"{layout[1]}, but the first split has shape {reference[0]} and dtype "
                f"{reference[1]}. Convert all splits to one image shape and dtype, because "
                "exact duplicates are found by comparing bytes."
            )
        reference = layout

        names.append(str(name))
        flats.append(np.ascontiguousarray(images.reshape(images.shape[0], -1)))
        label_arrays.append(None if labels is None else _check_labels(labels, len(images), name, func=func))

    has_labels = [labels is not None for labels in label_arrays]
    if any(has_labels) and not all(has_labels):
        raise ValueError(
            f"{func}: labels were given for some splits but not others "
            f"({dict(zip(names, has_labels))}). Pass labels for every split or for none."
        )

    sizes = [flat.shape[0] for flat in flats]
    all_labels = None
    if all(has_labels):
        all_labels = [label for array in label_arrays for label in array.tolist()]

    return _Pool(
        names=tuple(names),
        flat=np.concatenate(flats),
        split_of=np.repeat(np.arange(len(names)), sizes),
        index_of=np.concatenate([np.arange(size) for size in sizes]),
        labels=all_labels,
    )


def _shared_groups(
    groups: Any, names: tuple[str, ...], sizes: dict[str, int], *, func: str
) -> dict[tuple[str, str], np.ndarray] | None:
    if groups is None:
        return None

    if not isinstance(groups, Mapping) or set(groups) != set(sizes):
        got = sorted(map(str, groups)) if isinstance(groups, Mapping) else type(groups).__name__
        raise ValueError(
            f"{func}: `groups` must map every split name {list(names)} to its group IDs, "
            f"got {got}. Pass one array of group IDs (for example patient IDs) per split."
        )

    ids = {}
    for name in names:
        ids[name] = to_numpy(groups[name], func=func, name=f"groups of {name!r}").reshape(-1)
        if ids[name].size != sizes[name]:
            raise ValueError(
                f"{func}: `groups` of split {name!r} has {ids[name].size} entries but the "
                f"split has {sizes[name]} images. Pass one group ID per image."
            )

    # np.intersect1d finds nothing shared between 7 and "7", so mixed kinds would hide leaks.
    kinds = {name: "text" if ids[name].dtype.kind in "USO" else "number" for name in names}
    if len(set(kinds.values())) > 1:
        raise TypeError(
            f"{func}: `groups` mixes text and numeric group IDs across splits ({kinds}). "
            "Convert every split's group IDs to one type, for example with astype(str)."
        )

    return {
        (first, second): np.intersect1d(ids[first], ids[second])
        for i, first in enumerate(names)
        for second in names[i + 1 :]
    }


def _row_hashes(row_bytes: np.ndarray) -> np.ndarray:
    """Hash each row of bytes to a uint64, equal for equal rows."""
    padding = (-row_bytes.shape[1]) % 8
    if padding:
        row_bytes = np.pad(row_bytes, ((0, 0), (0, padding)))
    words = np.ascontiguousarray(row_bytes).view(np.uint64)

    multipliers = np.random.default_rng(0).integers(1, 2**63, words.shape[1], dtype=np.uint64) | 1
    hashes = np.zeros(words.shape[0], dtype=np.uint64)
    for column in range(words.shape[1]):
        hashes += words[:, column] * multipliers[column]

    return hashes


def _exact_duplicate_ids(flat: np.ndarray) -> np.ndarray:
    """Return an ID per row that is equal for two rows exactly when their bytes are equal.

    A sum of the 8-byte words times random odd multipliers (wrapping modulo
    2**64) buckets the rows in one vectorised pass. Rows that share a bucket
    are then compared byte by byte, so a hash collision never merges images.
    """
    row_bytes = flat.view(np.uint8).reshape(flat.shape[0], -1)
    _, first_rows, bucket, counts = np.unique(
        _row_hashes(row_bytes), return_index=True, return_inverse=True, return_counts=True
    )
    ids = np.arange(flat.shape[0])
    rows = np.flatnonzero(counts[bucket] > 1)
    heads = first_rows[bucket[rows]]
    equal = np.all(row_bytes[rows] == row_bytes[heads], axis=1)
    ids[rows[equal]] = heads[equal]

    # A bucket that mixes different images is a hash collision, which is rare
    # enough for a slow exact grouping.
    for collided in np.unique(bucket[rows[~equal]]):
        members = np.flatnonzero(bucket == collided)
        _, first, inverse = np.unique(
            row_bytes[members], axis=0, return_index=True, return_inverse=True
        )
        ids[members] = members[first[inverse.reshape(-1)]]

    return ids


def _exact_duplicate_groups(pool: _Pool, duplicate_ids: np.ndarray) -> tuple[DuplicateGroup, ...]:
    rows_by_id: dict[int, list[int]] = {}
    for row in np.flatnonzero(duplicate_ids != np.arange(duplicate_ids.size)):
        rows_by_id.setdefault(int(duplicate_ids[row]), [int(duplicate_ids[row])]).append(int(row))

    groups = []
    for rows in rows_by_id.values():
        members = tuple((pool.names[pool.split_of[row]], int(pool.index_of[row])) for row in rows)
        labels = tuple(None if pool.labels is None else pool.labels[row] for row in rows)
        groups.append(DuplicateGroup(members, labels))

    return tuple(groups)


def _unit_projection(flat: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Project the centred, unit-length rows onto the leading principal axes of a sample.

    After centring and scaling each image to unit length, Pearson correlation
    r and Euclidean distance d satisfy d**2 = 2 * (1 - r). An orthonormal
    projection never lengthens a distance, so every pair with r >= threshold
    is still within sqrt(2 * (1 - threshold)) after projection. Principal axes
    keep most of the distance in few dimensions, which keeps the candidate
    list short.
    """
    rows = np.flatnonzero(usable)
    sample = rows
    if rows.size > _PROJECTION_FIT_SIZE:
        sample = np.sort(np.random.default_rng(0).choice(rows, _PROJECTION_FIT_SIZE, replace=False))

    # Uncentred second moments: the axes need not pass through the mean, because
    # only differences between projected images matter.
    standardised = _standardise(flat[sample])
    moments = (standardised.T @ standardised).astype(np.float64)
    n_components = min(_PROJECTION_DIMS, flat.shape[1])
    n_features = flat.shape[1]
    _, eigenvectors = eigh(
        moments, subset_by_index=[n_features - n_components, n_features - 1], driver="evx"
    )
    axes = eigenvectors[:, ::-1].T.astype(np.float32)

    projected = np.zeros((flat.shape[0], n_components), dtype=np.float32)
    for start in range(0, rows.size, _CHUNK_SIZE):
        chunk = rows[start : start + _CHUNK_SIZE]
        projected[chunk] = _standardise(flat[chunk]) @ axes.T

    return projected


def _standardise(rows: np.ndarray) -> np.ndarray:
    """Centre each row and scale it to unit length, in float32."""
    values = rows.astype(np.float32)
    values -= values.mean(axis=1, keepdims=True)
    values /= np.linalg.norm(values, axis=1, keepdims=True)
    return values


def _pearson(flat: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Return the Pearson correlation of row pairs, computed in float64."""
    result = np.empty(first.size)
    for start in range(0, first.size, _CHUNK_SIZE):
        a = flat[first[start : start + _CHUNK_SIZE]].astype(np.float64)
        b = flat[second[start : start + _CHUNK_SIZE]].astype(np.float64)
        a -= a.mean(axis=1, keepdims=True)
        b -= b.mean(axis=1, keepdims=True)
        result[start : start + a.shape[0]] = np.einsum("ij,ij->i", a, b) / (
            np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        )

    return result


def _near_duplicate_pairs(
    pool: _Pool, duplicate_ids: np.ndarray, usable: np.ndarray, threshold: float
) -> tuple[ImagePair, ...]:
    """Find image pairs across splits with a correlation of at least ``threshold``.

    A k-d tree on the first few principal coordinates lists candidate pairs
    within the search radius. The candidates are filtered on all projected
    coordinates and then checked with the exact correlation, so the result
    does not depend on the projection.
    """
    if usable.sum() < 2:
        return ()

    # The matrices are small. On a busy 2-core machine, two OpenBLAS threads made
    # the eigendecomposition take 20 s instead of 0.2 s with one thread.
    with threadpool_limits(limits=1, user_api="blas"):
        projected = _unit_projection(pool.flat, usable)
    radius = float(np.sqrt(2 * (1 - threshold))) + _RADIUS_SLACK
    tree_dims = min(_TREE_DIMS, projected.shape[1])

    rows_of = [np.flatnonzero(usable & (pool.split_of == s)) for s in range(len(pool.names))]
    trees = [cKDTree(projected[rows, :tree_dims]) if rows.size else None for rows in rows_of]

    first_parts, second_parts = [], []
    for a in range(len(pool.names)):
        for b in range(a + 1, len(pool.names)):
            if trees[a] is None or trees[b] is None:
                continue
            near = trees[a].sparse_distance_matrix(trees[b], radius, output_type="ndarray")
            first_parts.append(rows_of[a][near["i"]])
            second_parts.append(rows_of[b][near["j"]])

    if not first_parts:
        return ()
    first, second = np.concatenate(first_parts), np.concatenate(second_parts)

    close = np.sum((projected[first] - projected[second]) ** 2, axis=1) <= radius**2
    distinct = duplicate_ids[first] != duplicate_ids[second]
    first, second = first[close & distinct], second[close & distinct]
    logger.debug("audit_splits: %d candidate pairs left after the projected filter", first.size)

    correlation = _pearson(pool.flat, first, second)
    keep = correlation >= threshold
    return tuple(
        ImagePair(
            split_a=pool.names[pool.split_of[i]],
            index_a=int(pool.index_of[i]),
            split_b=pool.names[pool.split_of[j]],
            index_b=int(pool.index_of[j]),
            correlation=float(r),
            label_a=None if pool.labels is None else pool.labels[i],
            label_b=None if pool.labels is None else pool.labels[j],
        )
        for i, j, r in zip(first[keep], second[keep], correlation[keep])
    )


def audit_splits(
    splits: Mapping[str, Any], *, groups: Mapping[str, Any] | None = None, threshold: float = 0.99
) -> AuditReport:
    """Audit data splits for shared patients, duplicate images and label conflicts.

    Only images in different splits are compared for near-duplicates, because
    a near-duplicate inside one split does not leak. Pairs found and stored
    grow with the square of the number of similar images, so an audit of a set
    with thousands of almost identical images needs a lot of memory.

    The near-duplicate measure is the Pearson correlation of the raw pixel
    values. It ignores a change of brightness or contrast, so a re-windowed
    copy of an image still counts. The default threshold of 0.99 lies in the
    gap seen in PneumoniaMNIST: no two images there correlate between 0.98
    and 0.999, while copies correlate above 0.999. In BreastMNIST the values
    run on without a gap, so inspect the pairs just above the threshold.

    The search is hand-written because scikit-learn and scipy offer no
    all-pairs correlation search at this scale. It projects the centred,
    unit-length images onto 32 principal axes of a sample of them. A k-d tree
    on the first 8 axes lists candidate pairs, and each candidate is confirmed
    with the exact correlation in float64. A projection never lengthens a
    distance, so no pair above the threshold is missed.

    Parameters
    ----------
    splits : mapping of str to array-like or tuple
        Each split name maps to ``(images, labels)`` or to ``images`` alone.
        ``images`` has shape (n_images, ...) with the same image shape and
        dtype in every split; ``labels`` has shape (n_images,) or
        (n_images, 1). Give labels for every split or for none.
    groups : mapping of str to array-like, optional
        Group ID (for example patient ID) of each image, one array of shape
        (n_images,) per split, with the same keys as ``splits``.
    threshold : float, default=0.99
        Minimum Pearson correlation for a near-duplicate, in [0.9, 1).

    Returns
    -------
    AuditReport
        Counts and positions of every finding; ``str(report)`` gives a summary.

    Raises
    ------
    TypeError
        If ``splits`` is not a non-empty mapping, an array is None or a
        string, ``groups`` mixes text and numeric IDs, or ``threshold`` is not
        a number.
    ValueError
        If the splits differ in image shape or dtype, images contain NaN or
        infinity, the labels or groups do not match the images in number, labels are given for only some
        splits, or ``threshold`` is outside [0.9, 1).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    >>> test = np.concatenate([train[:1], rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)])
    >>> report = audit_splits({"train": (train, np.zeros(20)), "test": (test, np.ones(5))})
    >>> report.exact_duplicates[0].members
    (('train', 0), ('test', 0))
    >>> len(report.conflicting_duplicates), len(report.near_duplicates)
    (1, 0)
    """
    func = "audit_splits"
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)):
        raise TypeError(f"{func}: `threshold` must be a number in [0.9, 1), got {threshold!r}.")
    if not 0.9 <= threshold < 1:
        raise ValueError(
            f"{func}: `threshold` must lie in [0.9, 1), got {threshold!r}. Below 0.9 distinct "
            "images of one body part correlate that well; for identical images only, read "
            "the exact duplicates."
        )

    pool = _collect_pool(splits, func=func)
    sizes = {name: int(np.sum(pool.split_of == s)) for s, name in enumerate(pool.names)}
    shared = _shared_groups(groups, pool.names, sizes, func=func)

    duplicate_ids = _exact_duplicate_ids(pool.flat)
    usable = np.ptp(pool.flat, axis=1) > 0
    report = AuditReport(
        split_sizes=sizes,
        shared_groups=shared,
        exact_duplicates=_exact_duplicate_groups(pool, duplicate_ids),
        near_duplicates=_near_duplicate_pairs(pool, duplicate_ids, usable, float(threshold)),
        threshold=float(threshold),
        measure=NEAR_DUPLICATE_MEASURE,
        n_constant_images=int(np.sum(~usable)),
    )

    logger.info("audit_splits: %s", report.summary().replace("\n", "; "))
    return report
