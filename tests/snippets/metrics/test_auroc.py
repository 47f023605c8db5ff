"""Tests for snippets/metrics/auroc/, the code of docs/metrics/auroc.md."""

import re

from medguide import binary_auroc, clinical_report

from ..conftest import run_snippet


def test_au01_roc_curve_and_interval():
    output, namespace = run_snippet("metrics/auroc/au01_roc_curve.py")
    auroc = namespace["auroc"]
    assert "test images: 156, malignant: 42" in output
    assert 0.7 < auroc.estimate < 0.95
    assert auroc.low < auroc.estimate < auroc.high
    assert auroc.high - auroc.low > 0.08
    assert len(namespace["fig"].get_axes()) >= 1


def test_au02_hard_labels_understate_ranking():
    output, namespace = run_snippet("metrics/auroc/au02_hard_labels.py")
    from_labels, from_scores = namespace["from_labels"], namespace["from_scores"]
    assert from_scores.estimate - from_labels.estimate >= 0.1
    assert "medguide warned: bootstrap_auroc: `y_score` contains only 0 and 1" in output
    assert "distinct values: 2 hard labels" in output

    # The page states that AUROC of hard labels is the balanced accuracy at the default threshold.
    test = namespace["test"]
    report = clinical_report(test.labels, namespace["malignancy"], positive_label=0, threshold=0.5)
    balanced = (report.sensitivity.estimate + report.specificity.estimate) / 2
    assert abs(from_labels.estimate - balanced) < 1e-9
    assert abs(binary_auroc(test.labels, namespace["malignancy"], positive_label=0) - from_scores.estimate) < 1e-12
    assert re.search(r"AUROC from scores\s+: 0\.\d{3} \(95% CI", output)
