"""Tests for snippets/trust/reporting/, the code of docs/trust/reporting.md."""

from ..conftest import run_snippet


def test_rp01_model_card_numbers():
    output, namespace = run_snippet("trust/reporting/rp01_model_card.py")
    lines = output.strip().splitlines()
    assert lines[:2] == ["| Section | Content |", "| --- | --- |"]
    assert len(lines) == 2 + len(namespace["card"])
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines)

    card = namespace["card"]
    for section in ["Intended use", "Out of scope", "Training data", "Positive class", "Caveats"]:
        assert section in card
    assert card["Positive class"] == "Label 0, malignant."
    assert "546 images, 147 malignant" in card["Training data"]
    report = namespace["report"]
    assert card["Sensitivity"].startswith(f"{report.sensitivity.estimate:.2f} (95% CI")
    assert f"{namespace['auroc'].estimate:.2f}" in card["Discrimination"]
