"""Shared fixtures: the real MedMNIST files named by MEDGUIDE_DATA_DIR."""

import os
from pathlib import Path

import numpy as np
import pytest

DATA_DIR = Path(os.environ.get("MEDGUIDE_DATA_DIR", Path.home() / ".medmnist"))


def _load(name):
    path = DATA_DIR / f"{name}.npz"
    if not path.is_file():
        pytest.fail(
            f"{path} is missing. Set MEDGUIDE_DATA_DIR to a folder holding {name}.npz "
            "(for example ../shared/data/medmnist) before running the tests."
        )
    with np.load(path) as npz:
        return {
            split: (npz[f"{split}_images"], npz[f"{split}_labels"].reshape(-1))
            for split in ("train", "val", "test")
        }


@pytest.fixture(scope="session")
def breastmnist():
    """BreastMNIST as ``{split: (images (N, 28, 28) uint8, labels (N,))}``; 0 = malignant."""
    return _load("breastmnist")


@pytest.fixture(scope="session")
def pneumoniamnist():
    """PneumoniaMNIST as ``{split: (images, labels (N,))}``; 1 = pneumonia."""
    return _load("pneumoniamnist")
