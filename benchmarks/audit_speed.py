"""Time audit_splits on 100,000 images of 28 x 28 pixels with planted duplicates.

Each background image is a 2 x 2 mosaic of four real MedMNIST images
(BreastMNIST and PneumoniaMNIST, all splits), each shrunk to 14 x 14 by 2 x 2
averaging. The mosaics look like real images but are distinct, so every
duplicate the audit finds should be one that this script planted:

- exact copies of a training image placed in the validation or test split,
  half of them with the other label (a label conflict);
- exact copies inside the training split;
- near-duplicates: a training image with a brightness shift, a 5 % contrast
  change and Gaussian noise (standard deviation 2 grey levels), placed in the
  validation or test split.

Usage: MEDGUIDE_DATA_DIR=path/to/medmnist python benchmarks/audit_speed.py [--repeat N]
The script prints the wall-clock and CPU time of each run, the summary of the
last report, and the precision and recall of the findings against the planted
pairs.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medguide.audit import AuditReport, audit_splits

SPLIT_FRACTIONS = {"train": 0.8, "val": 0.1, "test": 0.1}


@dataclass(frozen=True)
class PlantedSet:
    """Splits for the benchmark and the duplicate pairs planted in them.

    Each pair is ``(split_a, index_a, split_b, index_b)`` with the training
    image first.
    """

    splits: dict[str, tuple[np.ndarray, np.ndarray]]
    exact_across: frozenset[tuple[str, int, str, int]]
    exact_within: frozenset[tuple[str, int, str, int]]
    near_across: frozenset[tuple[str, int, str, int]]
    conflicting_exact: frozenset[tuple[str, int, str, int]]


def load_real_images(data_dir: Path) -> np.ndarray:
    """Load every image of BreastMNIST and PneumoniaMNIST as one uint8 array."""
    images = []
    for name in ("breastmnist", "pneumoniamnist"):
        with np.load(data_dir / f"{name}.npz") as npz:
            images.extend(npz[f"{split}_images"] for split in ("train", "val", "test"))
    return np.concatenate(images)


def build_mosaics(real: np.ndarray, n_images: int, rng: np.random.Generator) -> np.ndarray:
    """Build 28 x 28 mosaics of four randomly drawn real images shrunk to 14 x 14."""
    halves = real.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)).round().astype(np.uint8)
    sources = rng.integers(0, len(halves), size=(n_images, 4))

    mosaics = np.empty((n_images, 28, 28), dtype=np.uint8)
    for quadrant, (row, column) in enumerate([(0, 0), (0, 14), (14, 0), (14, 14)]):
        mosaics[:, row : row + 14, column : column + 14] = halves[sources[:, quadrant]]
    return mosaics


def build_planted_set(
    real: np.ndarray,
    *,
    n_images: int = 100_000,
    n_exact_across: int = 300,
    n_exact_within: int = 100,
    n_near_across: int = 300,
    seed: int = 0,
) -> PlantedSet:
    """Build the benchmark splits and plant duplicates at known positions."""
    rng = np.random.default_rng(seed)
    images = build_mosaics(real, n_images, rng)
    labels = rng.integers(0, 2, n_images)

    bounds = np.cumsum([0] + [round(f * n_images) for f in SPLIT_FRACTIONS.values()])
    bounds[-1] = n_images
    start = dict(zip(SPLIT_FRACTIONS, bounds[:-1]))

    def locate(row: int) -> tuple[str, int]:
        split = list(SPLIT_FRACTIONS)[int(np.searchsorted(bounds, row, side="right")) - 1]
        return split, int(row - start[split])

    # Sources and targets are all distinct, so no two planted pairs overlap.
    n_sources = n_exact_across + n_exact_within + n_near_across
    train_rows = rng.choice(bounds[1], size=2 * n_sources, replace=False)
    sources, within_targets = train_rows[:n_sources], train_rows[n_sources:][:n_exact_within]
    held_out_rows = rng.choice(np.arange(bounds[1], n_images), n_exact_across + n_near_across, replace=False)

    exact_across, exact_within, near_across, conflicting = set(), set(), set(), set()
    for number, (source, target) in enumerate(zip(sources[:n_exact_across], held_out_rows)):
        images[target] = images[source]
        labels[target] = labels[source] if number % 2 else 1 - labels[source]
        pair = (*locate(source), *locate(target))
        exact_across.add(pair)
        if number % 2 == 0:
            conflicting.add(pair)

    for source, target in zip(sources[n_exact_across:][:n_exact_within], within_targets):
        images[target] = images[source]
        labels[target] = labels[source]
        first, second = sorted((source, target))
        exact_within.add((*locate(first), *locate(second)))

    for source, target in zip(sources[-n_near_across:], held_out_rows[n_exact_across:]):
        noisy = images[source] * 1.05 + 3 + rng.normal(0, 2, images[source].shape)
        images[target] = np.clip(noisy, 0, 255).round().astype(np.uint8)
        labels[target] = labels[source]
        near_across.add((*locate(source), *locate(target)))

    splits = {
        name: (images[bounds[i] : bounds[i + 1]], labels[bounds[i] : bounds[i + 1]])
        for i, name in enumerate(SPLIT_FRACTIONS)
    }
    return PlantedSet(
        splits,
        frozenset(exact_across),
        frozenset(exact_within),
        frozenset(near_across),
        frozenset(conflicting),
    )


def group_pairs(report: AuditReport, *, crossing: bool) -> set[tuple[str, int, str, int]]:
    """Return every pair of members of the exact-duplicate groups that cross splits or not."""
    pairs = set()
    for group in report.exact_duplicates:
        if group.crosses_splits != crossing:
            continue
        for i, first in enumerate(group.members):
            for second in group.members[i + 1 :]:
                pairs.add((*first, *second))
    return pairs


def precision_recall(found: set, planted: frozenset) -> tuple[float, float]:
    """Return (precision, recall) of found pairs against planted pairs; 1.0 for an empty set."""
    hits = len(found & planted)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(planted) if planted else 1.0
    return precision, recall


def score_report(report: AuditReport, planted: PlantedSet) -> dict[str, tuple[float, float]]:
    """Return precision and recall of each kind of finding against the planted pairs."""
    near = {(p.split_a, p.index_a, p.split_b, p.index_b) for p in report.near_duplicates}
    conflicts = {
        (*group.members[0], *group.members[1]) for group in report.conflicting_duplicates
    }
    return {
        "exact across splits": precision_recall(group_pairs(report, crossing=True), planted.exact_across),
        "exact within a split": precision_recall(group_pairs(report, crossing=False), planted.exact_within),
        "near-duplicates": precision_recall(near, planted.near_across),
        "label conflicts": precision_recall(conflicts, planted.conflicting_exact),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="number of timed runs (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the planted set (default 0)")
    args = parser.parse_args()

    data_dir = Path(os.environ.get("MEDGUIDE_DATA_DIR", Path.home() / ".medmnist"))
    planted = build_planted_set(load_real_images(data_dir), seed=args.seed)
    print(f"{sum(len(x) for x, _ in planted.splits.values()):,} images, "
          f"{os.cpu_count()} CPU cores, seed {args.seed}")

    # CPU time is printed too, because other processes may share the cores and
    # stretch the wall-clock time.
    for run in range(args.repeat):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        report = audit_splits(planted.splits)
        wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
        print(f"run {run + 1}: {wall:.2f} s wall-clock, {cpu:.2f} s CPU")

    print(report.summary())
    for kind, (precision, recall) in score_report(report, planted).items():
        print(f"{kind}: precision {precision:.3f}, recall {recall:.3f}")


if __name__ == "__main__":
    main()
