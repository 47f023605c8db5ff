"""Tests for snippets/scenarios/rare_diseases/, the code of docs/scenarios/rare-diseases.md."""

import re

import pytest

from ..conftest import run_snippet


@pytest.fixture(scope="module")
def rd01():
    """Output and globals of rd01_prevalence.py, run once for the module."""
    return run_snippet("scenarios/rare_diseases/rd01_prevalence.py")

ROW = re.compile(
    r"^([\d.]+)%\s+(\d+)"
    + r"\s+([\d.]+) \(([\d.]+)-([\d.]+)\)" * 3
    + r"$",
    re.M,
)


def _rows(output):
    rows = {}
    for match in ROW.finditer(output):
        values = [float(value) for value in match.groups()]
        rows[values[0]] = {
            "positives": int(values[1]),
            "auroc": values[2:5],
            "auprc": values[5:8],
            "ppv": values[8:11],
        }
    return rows


def test_rd01_auroc_stays_while_auprc_and_ppv_collapse(rd01):
    output, _ = rd01
    rows = _rows(output)
    assert sorted(rows) == [0.5, 2.0, 10.0, 73.0], output
    assert [rows[p]["positives"] for p in (10.0, 2.0, 0.5)] == [176, 32, 8]

    full, rare = rows[73.0], rows[0.5]
    assert abs(full["auroc"][0] - rare["auroc"][0]) <= 0.03
    assert full["auprc"][0] - rare["auprc"][0] >= 0.5
    assert full["ppv"][0] - rare["ppv"][0] >= 0.5
    for earlier, later in [(73.0, 10.0), (10.0, 2.0), (2.0, 0.5)]:
        assert rows[later]["auprc"][0] < rows[earlier]["auprc"][0]
        assert rows[later]["ppv"][0] < rows[earlier]["ppv"][0]


def test_rd01_few_positives_widen_auprc_interval(rd01):
    output, _ = rd01
    rows = _rows(output)
    width = {p: row["auprc"][2] - row["auprc"][1] for p, row in rows.items()}
    assert width[0.5] > 3 * width[10.0]


def test_rd02_spread_grows_as_positives_shrink():
    output, _ = run_snippet("scenarios/rare_diseases/rd02_repeated_draws.py")
    rows = re.findall(
        r"^([\d.]+)%\s+(\d+)\s+([\d.]+) - ([\d.]+)\s+([\d.]+) - ([\d.]+)$", output, re.M
    )
    spread = {float(p): float(high) - float(low) for p, _, _, _, low, high in rows}
    assert sorted(spread) == [0.5, 2.0, 10.0], output
    assert spread[0.5] > spread[2.0] > spread[10.0]
    assert spread[0.5] >= 0.15
