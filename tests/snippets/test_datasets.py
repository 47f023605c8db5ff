"""Tests for snippets/datasets/, the code of docs/datasets.md."""

import re

from medmnist import INFO

from .conftest import run_snippet


def test_ds01_table_lists_every_2d_dataset():
    output, _ = run_snippet("datasets/ds01_medmnist_2d.py")
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \| (\d+) \| ([\d,]+) \|", output, re.M)
    flags = [flag for flag in INFO if not flag.endswith("3d")]
    assert [row[0] for row in rows] == flags
    breast = next(row for row in rows if row[0] == "breastmnist")
    assert breast[1:] == ("binary-class", "2", "546")
    assert "| CC BY-NC 4.0 |" in output, "the page warns that some licences are non-commercial"


def test_ds02_pneumonia_share():
    output, _ = run_snippet("datasets/ds02_pneumonia_prevalence.py")
    shares = dict(re.findall(r"^(\w+)\s+\d+ images, pneumonia in ([\d.]+)%", output, re.M))
    assert set(shares) == {"train", "val", "test"}
    # The page states that most images show pneumonia, more in training than in test.
    for share in shares.values():
        assert float(share) > 50
    assert float(shares["train"]) > float(shares["test"])
