"""Tests for snippets/trust/shortcut_learning/, the code of docs/trust/shortcut-learning.md."""

import numpy as np
import pytest

from ..conftest import run_snippet


@pytest.fixture(scope="module")
def sl01():
    """Output and globals of sl01_marker.py, run once for the module."""
    return run_snippet("trust/shortcut_learning/sl01_marker.py")


def test_sl01_marker_shortcut_found_by_tests_and_maps(sl01):
    output, namespace = sl01
    aurocs = {name: result.estimate for name, result in namespace["aurocs"].items()}
    marked, clean, swapped = aurocs.values()

    # Perfect with the marker, clearly worse without, inverted when swapped.
    assert marked >= 0.97
    assert marked - clean >= 0.1
    assert swapped <= 0.2

    # The corner block is 49 of 784 pixels; the maps put far more weight there.
    share = namespace["share"]
    assert np.median(share) >= 3 * 49 / 784
    assert "of the map (median) lies in the corner" in output
    assert len(namespace["fig"].axes) >= 3


def test_sl01_stamp_changes_only_marked_class(sl01):
    _, namespace = sl01
    stamp, test = namespace["stamp"], namespace["test"]
    marked = stamp(test.images, test.labels, 0)
    changed = np.any(marked != test.images, axis=(1, 2))
    assert not changed[test.labels == 1].any()
    assert np.all(marked[test.labels == 0, 1:4, 1:4] == 255)
