"""Time the vectorised bootstrap AUROC against a loop of roc_auc_score on the same resamples.

Run from the repository root with ``python benchmarks/bootstrap_speed.py``.
Both methods score the same stratified resamples of the same synthetic data
(rounded scores, so ties occur) in one run, and the script prints both
times, their ratio and the largest absolute difference between the AUROCs.
The ratio depends on the machine and its load, so report the hardware with it.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from medguide.metrics import bootstrap_auroc, stratified_resample_indices


def make_data(n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw balanced-ish labels and scores rounded to 3 decimals, so ties occur."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n_samples)
    scores = np.clip(0.2 * labels + rng.normal(0.4, 0.2, n_samples), 0, 1)
    return labels, np.round(scores, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n-samples", type=int, default=10_000, help="cases per data set (default 10000)"
    )
    parser.add_argument(
        "--n-resamples", type=int, default=2000, help="bootstrap resamples (default 2000)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the data and the resamples (default 0)"
    )
    arguments = parser.parse_args()

    labels, scores = make_data(arguments.n_samples, arguments.seed)
    is_positive = labels == 1

    start = time.perf_counter()
    result = bootstrap_auroc(
        labels, scores, positive_label=1, n_resamples=arguments.n_resamples, seed=arguments.seed
    )
    vectorised_seconds = time.perf_counter() - start

    # The loop gets its resamples for free: drawing them is not part of its time.
    indices = stratified_resample_indices(
        labels, positive_label=1, n_resamples=arguments.n_resamples, seed=arguments.seed
    )
    start = time.perf_counter()
    looped = np.array([roc_auc_score(is_positive[row], scores[row]) for row in indices])
    loop_seconds = time.perf_counter() - start

    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(
        f"cases: {arguments.n_samples}, resamples: {arguments.n_resamples}, seed: {arguments.seed}"
    )
    print(f"vectorised bootstrap_auroc:  {vectorised_seconds:8.3f} s")
    print(f"loop of roc_auc_score:       {loop_seconds:8.3f} s")
    print(f"ratio (loop / vectorised):   {loop_seconds / vectorised_seconds:8.1f}")
    print(f"max abs difference in AUROC: {np.max(np.abs(result.distribution - looped)):.3g}")


if __name__ == "__main__":
    main()
