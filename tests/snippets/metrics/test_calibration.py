"""Tests for snippets/metrics/calibration/, the code of docs/metrics/calibration.md."""

import numpy as np

from medguide import binary_auroc

from ..conftest import run_snippet


def test_ca01_temperature_scaling_reduces_ece():
    output, namespace = run_snippet("metrics/calibration/ca01_temperature_scaling.py")
    ece, y_test = namespace["ece"], namespace["y_test"]
    before, after = namespace["before"], namespace["after"]

    assert namespace["scaler"].temperature > 1.5, "the page says T > 1 (overconfident model)"
    assert ece(y_test, before) - ece(y_test, after) >= 0.05
    assert namespace["low"] > 0, "the paired bootstrap interval of the reduction excludes 0"
    # Scaling by one temperature keeps the ranking.
    auroc_before = binary_auroc(y_test, before, positive_label=1)
    assert abs(auroc_before - binary_auroc(y_test, after, positive_label=1)) < 1e-12
    assert "temperature fitted on 78 validation images" in output


def test_ca02_prevalence_adjustment():
    output, namespace = run_snippet("metrics/calibration/ca02_prevalence_shift.py")
    raw, adjusted = np.mean(namespace["mean_raw"]), np.mean(namespace["mean_adjusted"])

    # "Several times more cancers than there are" before, close to 5% after.
    assert raw >= 3 * 0.05
    assert abs(adjusted - 0.05) <= 0.015
    assert 0.2 < namespace["train_prevalence"] < 0.3, "the page says about a quarter"
    assert "6 malignant + 114 benign" in output
    benign = namespace["benign"]
    assert np.sum(namespace["risk"][benign] >= 0.3) - np.sum(namespace["adjusted"][benign] >= 0.3) >= 10
