"""Tests for snippets/metrics/choosing/, the code of docs/metrics/choosing.md."""

import re

from ..conftest import run_snippet


def test_ch01_operating_points_fit_the_task():
    output, namespace = run_snippet("metrics/choosing/ch01_operating_points.py")
    missed = {name: (int(fn), int(positives)) for name, fn, positives in
              re.findall(r"^(\w+)[^:]*: missed cancers (\d+)/(\d+)", output, re.M)}
    alarms = {name: int(fp) for name, fp in re.findall(r"^(\w+)[^:]*:.*false alarms (\d+)/", output, re.M)}

    # The default threshold misses most cancers; the screening threshold finds nearly all.
    assert missed["default"][0] > missed["default"][1] / 2
    assert missed["screening"][0] <= 0.15 * missed["screening"][1]
    assert missed["default"][0] - missed["screening"][0] >= 10
    # The confirmation threshold keeps false alarms rare.
    assert alarms["confirmation"] <= 0.1 * 114
    assert alarms["screening"] - alarms["confirmation"] >= 30
    # The page states the validation set has 21 malignant images.
    assert int((namespace["val"].labels == 0).sum()) == 21
