"""Tests for snippets/data/preprocessing/, the code of docs/data/preprocessing.md."""

import re

import numpy as np

from ..conftest import run_snippet


def test_pp01_scaler_leak_is_small_here():
    output, namespace = run_snippet("data/preprocessing/pp01_fit_on_train.py")
    aurocs = dict(re.findall(r"^(train only|all splits)\s+([\d.]+) \(", output, re.M))
    assert set(aurocs) == {"train only", "all splits"}, output
    # The page states the two AUROCs are almost the same.
    assert abs(float(aurocs["train only"]) - float(aurocs["all splits"])) < 0.02
    scaler = namespace["right"][0]
    assert np.allclose(scaler.mean_, namespace["x"]["train"].mean(axis=0))
    assert len(namespace["y"]["test"]) == 156


def test_pp02_uint8_contrast_stretch_breaks_image():
    output, namespace = run_snippet("data/preprocessing/pp02_uint8_overflow.py")
    assert namespace["wrong"].dtype == np.uint8
    assert namespace["wrong"].max() <= 1
    assert namespace["right"].min() == 0
    assert namespace["right"].max() == 255
    share = float(re.search(r"off: ([\d.]+)%", output).group(1))
    assert share > 90
    # The page's example of wrap-around: 200 + 100 gives 44.
    assert (np.array([200], dtype=np.uint8) + 100)[0] == 44


def test_pp03_channels_are_copies():
    output, namespace = run_snippet("data/preprocessing/pp03_resize_channels.py")
    normalised = namespace["normalised"]
    assert tuple(normalised.shape) == (8, 3, 64, 64)
    assert bool((normalised[:, 0] == normalised[:, 1]).all())
    assert "values per image: 784 -> 12288" in output
    train = namespace["train"].images / 255
    assert abs(namespace["mean"] - train.mean()) < 1e-4
