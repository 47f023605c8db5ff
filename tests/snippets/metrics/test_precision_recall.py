"""Tests for snippets/metrics/precision_recall/, the code of docs/metrics/precision-recall.md."""

import re

import numpy as np

from ..conftest import run_snippet


def test_pr01_ppv_falls_with_prevalence():
    output, namespace = run_snippet("metrics/precision_recall/pr01_ppv_prevalence.py")
    test_ppv = namespace["report"].ppv.estimate
    rows = re.findall(r"^\s+([\d.]+)\s+([\d.]+) \(([\d.]+) to ([\d.]+)\)\s+([\d.]+)$", output, re.M)
    assert len(rows) == 2
    values = [[float(value) for value in row] for row in rows]

    prevalences = [row[0] for row in values]
    assert prevalences == sorted(prevalences, reverse=True)
    assert abs(prevalences[-1] - 0.05) < 1e-9
    for prevalence, formula, low, high, measured in values:
        # The formula matches the subsets, and its range contains it.
        assert abs(formula - measured) <= 0.03
        assert low <= formula <= high
    # PPV at 5% prevalence is far below the test set's PPV.
    assert test_ppv - values[-1][1] >= 0.3
    # "About a quarter of the images are malignant" on the test set.
    assert 0.2 < np.mean(namespace["test"].labels == 0) < 0.3


def test_pr02_auprc_drops_auroc_stays():
    output, namespace = run_snippet("metrics/precision_recall/pr02_roc_vs_pr.py")
    full_auroc, full_auprc = namespace["full_auroc"], namespace["full_auprc"]
    rare_auroc, rare_auprc = np.mean(namespace["rare_auroc"]), np.mean(namespace["rare_auprc"])

    assert abs(rare_auroc - full_auroc.estimate) <= 0.03
    assert full_auprc.estimate - rare_auprc >= 0.2
    assert len(namespace["rare_auroc"]) == 200
    assert "percentiles over 200 random draws" in output
    assert re.search(r"^6 malignant \+ 114 benign\s+0\.050  0\.\d\d \(", output, re.M)
    assert len(namespace["fig"].get_axes()) >= 4
