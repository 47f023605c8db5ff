"""Run snippet files the way a reader runs them: as the main script."""

import contextlib
import io
import os
import runpy
import warnings
from pathlib import Path

import pytest

from medguide.exceptions import ChecksumWarning

SNIPPETS = Path(__file__).resolve().parents[2] / "snippets"


def run_snippet(relative: str) -> tuple[str, dict]:
    """Run ``snippets/<relative>`` as ``__main__``; return its printed output and globals."""
    path = SNIPPETS / relative
    output = io.StringIO()
    with contextlib.redirect_stdout(output), warnings.catch_warnings():
        # The offline data copies differ from the official MD5 sums on purpose.
        warnings.simplefilter("ignore", ChecksumWarning)
        namespace = runpy.run_path(str(path), run_name="__main__")
    return output.getvalue(), namespace


@pytest.fixture(autouse=True)
def _offscreen_plots(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")

