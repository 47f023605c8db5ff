"""Tests for snippets/metrics/sensitivity_specificity/, the code of docs/metrics/sensitivity-specificity.md."""

import re

from ..conftest import run_snippet

INTERVAL = r"([\d.]+) \(([\d.]+)-([\d.]+)\)"


def test_ss01_majority_class_accuracy_paradox():
    output, _ = run_snippet("metrics/sensitivity_specificity/ss01_accuracy_paradox.py")
    rows = {
        name: [float(value) for value in values]
        for name, *values in re.findall(rf"^(\w+)\s+{INTERVAL}\s+{INTERVAL}\s+{INTERVAL}", output, re.M)
    }
    breast, pneumonia = rows["breastmnist"], rows["pneumoniamnist"]

    # Accuracy looks usable while one class is never found.
    assert breast[0] > 0.7
    assert pneumonia[0] > 0.6
    assert breast[3] == 0.0, "no malignant tumour is found"
    assert breast[6] == 1.0
    assert pneumonia[3] == 1.0
    assert pneumonia[6] == 0.0, "no healthy child is cleared"
    # The intervals are printed, and accuracy exceeds the missed class's sensitivity by a wide margin.
    assert breast[1] <= breast[0] <= breast[2]
    assert breast[0] - breast[3] >= 0.6
    assert "predicts 'normal, benign' for all 156 test images" in output
    assert "predicts 'pneumonia' for all 624 test images" in output


def test_ss02_positive_class_swaps_metrics():
    output, _ = run_snippet("metrics/sensitivity_specificity/ss02_positive_class.py")
    rows = {
        name: [float(value) for value in values]
        for name, *values in re.findall(rf"^(\w+)\s+{INTERVAL}\s+{INTERVAL}", output, re.M)
    }
    benign_sensitivity, malignant_sensitivity = rows["sensitivity"][0], rows["sensitivity"][3]

    assert benign_sensitivity - malignant_sensitivity >= 0.4
    assert malignant_sensitivity < 0.5, "the page says most cancers are missed"
    assert rows["sensitivity"][:3] == rows["specificity"][3:], "the columns hold the same numbers swapped"
    missed = re.search(r"malignant tumours missed: (\d+) of (\d+)", output)
    assert missed and int(missed.group(2)) == 42
    assert int(missed.group(1)) > 21
