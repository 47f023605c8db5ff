"""Tests for snippets/trust/clinical_interpretability/, the code of docs/trust/clinical-interpretability.md."""

import re

import pytest

from ..conftest import run_snippet


@pytest.fixture(scope="module")
def cl01():
    """Output and globals of cl01_operating_point.py, run once for the module."""
    return run_snippet("trust/clinical_interpretability/cl01_operating_point.py")


def test_cl01_operating_point_tells_what_auroc_hides(cl01):
    output, namespace = cl01
    report, auroc = namespace["report"], namespace["auroc"]
    assert auroc.estimate >= 0.75

    # The page states: nearly all cancers found, most benign scans flagged,
    # LR+ close to 1, LR- small with a wide interval.
    assert report.sensitivity.estimate >= 0.85
    assert report.fp > report.tn
    assert report.lr_positive.estimate < 2
    assert report.lr_negative.estimate < 0.3
    assert report.lr_negative.high / report.lr_negative.low > 5

    counts = re.search(r"Of the (\d+) malignant tumours the model flags (\d+) and misses (\d+)", output)
    assert counts is not None
    assert int(counts[1]) == 42
    assert int(counts[2]) + int(counts[3]) == 42


def test_cl01_positive_result_means_less_in_screening(cl01):
    output, _ = cl01
    posts = [float(value) for value in re.findall(r"raises it to ([\d.]+)%", output)]
    assert len(posts) == 2
    assert 27 < posts[0] < 60
    assert 1 < posts[1] < 3
