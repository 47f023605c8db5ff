"""Tests for snippets/metrics/confidence_intervals/, the code of docs/metrics/confidence-intervals.md."""

import re

from ..conftest import run_snippet


def test_ci01_interval_width_on_small_test_set():
    output, namespace = run_snippet("metrics/confidence_intervals/ci01_auroc_interval.py")
    auroc, report = namespace["auroc"], namespace["report"]
    sensitivity = report.sensitivity

    assert auroc.high - auroc.low >= 0.1
    # The page states the sensitivity interval is the wider one and rests on 42 images.
    assert (sensitivity.high - sensitivity.low) - (auroc.high - auroc.low) >= 0.05
    assert report.tp + report.fn == 42
    assert "from 156 images" in output
    assert "from 42 malignant images" in output


def test_ci02_paired_test_differs_from_eyeballing():
    output, namespace = run_snippet("metrics/confidence_intervals/ci02_paired_comparison.py")
    rows = re.findall(r"C=([\d.]+)\s*: AUROC ([\d.]+) \(95% CI ([\d.]+) to ([\d.]+)\)", output)
    intervals = {float(c): (float(estimate), float(low), float(high)) for c, estimate, low, high in rows}
    comparisons = re.findall(r"DeLong p = ([\d.]+)", output)
    differences = re.findall(r"\(95% CI ([+-][\d.]+) to ([+-][\d.]+)\), DeLong", output)

    # The unpaired intervals of the first pair overlap, yet DeLong finds a difference.
    assert intervals[0.01][2] > intervals[0.1][1]
    assert float(comparisons[0]) < 0.05
    assert float(differences[0][0]) > 0
    # The model with the highest AUROC is not significantly better.
    assert intervals[1.0][0] == max(value[0] for value in intervals.values())
    assert float(comparisons[1]) > 0.2
    assert float(differences[1][0]) < 0 < float(differences[1][1])
