"""Tests for snippets/pitfalls/validation/, the code of docs/pitfalls/validation.md."""

import re

import numpy as np

from ..conftest import run_snippet


def test_va01_toy_threshold_numbers():
    output, namespace = run_snippet("pitfalls/validation/va01_threshold_toy.py")
    # The page states these four numbers.
    assert namespace["frozen"].threshold == 0.70
    assert namespace["retuned"].threshold == 0.65
    assert "fitted on validation  threshold 0.70: test sensitivity 0.25, specificity 1.00, Youden J 0.25" in output
    assert "re-tuned on test      threshold 0.65: test sensitivity 0.50, specificity 1.00, Youden J 0.50" in output


def test_va02_retuned_threshold_is_optimistic():
    output, _ = run_snippet("pitfalls/validation/va02_threshold_real.py")
    youden = dict(re.findall(r"^(re-tuned on test|fitted on validation) .*Youden J ([\d.]+)", output, re.M))
    assert float(youden["re-tuned on test"]) - float(youden["fitted on validation"]) >= 0.1
    assert output.count("Wilson score") == 4


def test_va03_selection_on_test_is_optimistic():
    output, namespace = run_snippet("pitfalls/validation/va03_model_selection.py")
    test_auroc = namespace["test_auroc"]
    picked_on_test, picked_on_val = namespace["picked_on_test"], namespace["picked_on_val"]

    assert len(test_auroc) == 40
    assert test_auroc[picked_on_test] - np.mean(test_auroc) >= 0.04
    assert test_auroc[picked_on_test] - test_auroc[picked_on_val] >= 0.01
    assert "40 configurations, each a logistic regression on 10 random pixels" in output
