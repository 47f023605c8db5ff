"""Tests for snippets/about/licence/, the code of docs/about/licence.md."""

import re

from medmnist import INFO

from ..conftest import run_snippet


def test_dataset_sources_table_covers_every_2d_dataset():
    output, _ = run_snippet("about/licence/dataset_sources.py")
    flags = re.findall(r"^\| \w+ \(`(\w+)`\) \|", output, re.M)
    assert flags == [flag for flag in INFO if not flag.endswith("3d")]
    breast = re.search(r"^\| BreastMNIST \(`breastmnist`\) \| binary-class \| 780 \|", output, re.M)
    assert breast is not None
    # Licences come from medmnist.INFO, so a non-commercial set shows as such.
    assert re.search(r"DermaMNIST .*\| CC BY-NC 4\.0 \|", output)
