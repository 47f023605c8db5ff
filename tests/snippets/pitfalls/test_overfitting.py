"""Tests for snippets/pitfalls/overfitting/, the code of docs/pitfalls/overfitting.md."""

import re

from ..conftest import run_snippet


def test_of01_training_auroc_overstates():
    output, namespace = run_snippet("pitfalls/overfitting/of01_capacity.py")
    fitted, held_out = namespace["fitted_auroc"], namespace["held_out_auroc"]
    train_line = re.search(r"training set: AUROC ([\d.]+)", output)
    test_line = re.search(r"test set: AUROC ([\d.]+) \(95% CI ([\d.]+) to ([\d.]+)\)", output)

    # The gap between training and held-out folds widens as capacity grows.
    assert (fitted[-1] - held_out[-1]) - (fitted[0] - held_out[0]) >= 0.15
    assert fitted[-1] > 0.98
    assert float(train_line.group(1)) - float(test_line.group(1)) >= 0.2
    assert float(train_line.group(1)) > float(test_line.group(3)), "training AUROC lies above the test interval"


def test_of02_validation_loss_turns_up():
    output, namespace = run_snippet("pitfalls/overfitting/of02_learning_curves.py")
    history = namespace["history"]

    assert history.epochs_run == 30
    assert history.train_loss[-1] <= 0.25 * history.train_loss[0]
    assert max(history.val_loss[history.best_epoch:]) >= 1.5 * history.best_val_loss
    assert history.best_epoch < history.epochs_run - 1
    assert re.search(r"test AUROC [\d.]+ \(95% CI [\d.]+ to [\d.]+\)", output)
