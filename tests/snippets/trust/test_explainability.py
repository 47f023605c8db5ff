"""Tests for snippets/trust/explainability/, the code of docs/trust/explainability.md."""

import re

import numpy as np
from scipy.stats import spearmanr

from ..conftest import run_snippet


def test_ex01_methods_disagree_on_same_images():
    _, namespace = run_snippet("trust/explainability/ex01_maps.py")
    maps, images = namespace["maps"], namespace["images"]
    assert list(maps) == ["Grad-CAM", "occlusion"]
    assert all(method_maps.shape == images.shape for method_maps in maps.values())
    assert len(namespace["fig"].axes) >= 9
    # The page states that the two methods disagree on the same images.
    agreement = [
        spearmanr(a.ravel(), b.ravel()).statistic
        for a, b in zip(maps["Grad-CAM"], maps["occlusion"])
    ]
    assert np.mean(agreement) < 0.8


def test_ex02_grad_cam_passes_occlusion_fails_in_part():
    output, _ = run_snippet("trust/explainability/ex02_randomisation.py")
    rows = re.findall(
        r"^(\S+)\s+(-?[\d.]+) \((-?[\d.]+) to (-?[\d.]+)\)\s+(-?[\d.]+) \((-?[\d.]+) to (-?[\d.]+)\)$",
        output,
        re.M,
    )
    layers = [row[0] for row in rows]
    assert layers == ["fc", "block3.conv", "block2.conv", "block1.conv"], output
    grad_cam = {row[0]: float(row[1]) for row in rows}
    occlusion = {row[0]: float(row[4]) for row in rows}
    occlusion_low = {row[0]: float(row[5]) for row in rows}

    # Grad-CAM maps change completely once the last conv layer is random.
    assert grad_cam["block3.conv"] <= 0.3
    assert grad_cam["block1.conv"] <= 0.3
    # Occlusion maps of the fully random network stay clearly correlated.
    assert occlusion_low["block1.conv"] >= 0.4
    assert occlusion["block1.conv"] - grad_cam["block1.conv"] >= 0.3
