"""Tests of the shared input checks in medguide._validation."""

import warnings

import numpy as np
import pytest
import torch

from medguide import _validation as v
from medguide.exceptions import ScoreWarning, UndefinedMetricError

# --- squeeze_labels ---------------------------------------------------------


def test_squeeze_labels_column_to_1d():
    labels = np.array([[0], [1], [1]])

    squeezed = v.squeeze_labels(labels)

    assert squeezed.shape == (3,)
    assert squeezed.tolist() == [0, 1, 1]


def test_squeeze_labels_keeps_tensor():
    labels = torch.tensor([[1], [0]])

    squeezed = v.squeeze_labels(labels)

    assert isinstance(squeezed, torch.Tensor)
    assert squeezed.shape == (2,)


def test_squeeze_labels_single_sample():
    assert v.squeeze_labels(np.array([[1]])).tolist() == [1]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.zeros((3, 2)), r"got shape \(3, 2\).*argmax"),
        (np.zeros((3, 1, 1)), r"got shape \(3, 1, 1\)"),
        (np.zeros((1, 3)), r"got shape \(1, 3\)"),
        (np.array(1), r"got a scalar \(\[1\]\)"),
        (np.array([]), "is empty"),
        (torch.zeros(4, 3), r"got shape \(4, 3\)"),
    ],
)
def test_squeeze_labels_rejects_shape(labels, message):
    with pytest.raises(ValueError, match=r"^squeeze_labels: `labels` .*" + message):
        v.squeeze_labels(labels)


@pytest.mark.parametrize("labels", [None, "0101"])
def test_squeeze_labels_rejects_non_array(labels):
    with pytest.raises(TypeError, match="squeeze_labels: `labels`"):
        v.squeeze_labels(labels)


def test_squeeze_labels_names_caller():
    with pytest.raises(ValueError, match=r"^train_one_epoch: `targets` must have shape"):
        v.squeeze_labels(np.zeros((2, 2)), func="train_one_epoch", name="targets")


def test_broadcast_pitfall_without_squeeze():
    # The bug squeeze_labels prevents: (4,) == (4, 1) broadcasts to (4, 4).
    predictions = torch.tensor([0, 1, 1, 0])
    targets = torch.tensor([[0], [1], [1], [0]])

    wrong = (predictions == targets).float().mean().item()
    right = (predictions == v.squeeze_labels(targets)).float().mean().item()

    assert (predictions == targets).shape == (4, 4)
    assert wrong == 0.5
    assert right == 1.0


# --- labels -------------------------------------------------------------


def test_binary_targets_marks_positive_label():
    is_positive = v.binary_targets([[0], [1], [1]], positive_label=0, func="f")

    assert is_positive.tolist() == [True, False, False]


def test_binary_targets_accepts_strings_and_floats():
    assert v.binary_targets(
        ["benign", "malignant"], positive_label="malignant", func="f"
    ).tolist() == [False, True]
    assert v.binary_targets([0.0, 1.0], positive_label=1, func="f").tolist() == [False, True]


@pytest.mark.parametrize(
    ("y_true", "positive_label", "error", "message"),
    [
        ([0, 1, 2], 1, ValueError, r"at most two classes.*got 3: \[0, 1, 2\]"),
        (
            [0, 1],
            2,
            ValueError,
            r"`positive_label`=2 is not one of the classes in `y_true` \[0, 1\]",
        ),
        (["a", "b"], 0, TypeError, r"different types"),
        ([0, 1], "1", TypeError, r"different types"),
        ([0.5, 1.0], 1, ValueError, r"non-integer value\(s\) \[0.5\]"),
        ([np.nan, 1.0], 1, ValueError, r"1 non-finite value\(s\) \[nan\]"),
        ([np.inf, 1.0], 1, ValueError, r"non-finite value\(s\) \[inf\]"),
        ([0, 1], None, TypeError, r"`positive_label` must name the positive class, got None"),
        ([1 + 2j, 1], 1, TypeError, r"dtype complex128"),
    ],
)
def test_binary_targets_rejects(y_true, positive_label, error, message):
    with pytest.raises(error, match=r"^f: .*" + message):
        v.binary_targets(y_true, positive_label=positive_label, func="f")


def test_require_both_classes_one_class_message():
    y_true = np.array([1, 1, 1, 1])

    with pytest.raises(UndefinedMetricError) as caught:
        v.require_both_classes(y_true, y_true == 1, func="binary_auroc", metric="AUROC")

    message = str(caught.value)
    assert message.startswith(
        "binary_auroc: `y_true` contains one class only (all 4 samples are 1)"
    )
    assert "AUROC is undefined without both classes" in message
    assert "stratify the split" in message


def test_require_both_classes_passes_two_classes():
    y_true = np.array([0, 1])

    assert v.require_both_classes(y_true, y_true == 1, func="f", metric="AUROC") is None


# --- binary scores ------------------------------------------------------------


def test_binary_scores_returns_float64():
    scores = v.check_binary_scores([[0.2], [0.7]], n_samples=2, func="f")

    assert scores.dtype == np.float64
    assert scores.tolist() == [0.2, 0.7]


def test_binary_scores_accepts_logits():
    scores = v.check_binary_scores([-3.0, 2.5], n_samples=2, func="f", from_logits=True)

    assert scores.tolist() == [-3.0, 2.5]


@pytest.mark.parametrize(
    ("y_score", "kwargs", "error", "message"),
    [
        ([0.2, 1.3], {}, ValueError, r"1 value\(s\) outside that range \[1.3\].*from_logits=True"),
        ([-0.1, 0.5], {}, ValueError, r"outside that range \[-0.1\]"),
        (
            [0.2, np.nan],
            {},
            ValueError,
            r"1 NaN or infinite value\(s\) \[nan\] at flat position\(s\) \[1\]",
        ),
        ([np.inf, 0.3], {"from_logits": True}, ValueError, r"NaN or infinite value\(s\) \[inf\]"),
        ([0.2, 0.3, 0.4], {}, ValueError, r"has 3 values but `y_true` has 2"),
        (
            [[0.3, 0.7], [0.4, 0.6]],
            {},
            ValueError,
            r"a score per class.*y_score\[:, positive_label\]",
        ),
        (["a", "b"], {}, TypeError, r"must be numeric, got dtype <U1"),
        ([0.2, 0.3], {"from_logits": 1}, TypeError, r"`from_logits` must be True or False, got 1"),
    ],
)
def test_binary_scores_rejects(y_score, kwargs, error, message):
    with pytest.raises(error, match=r"^f: .*" + message):
        v.check_binary_scores(y_score, n_samples=2, func="f", **kwargs)


def test_binary_scores_warns_hard_labels():
    with pytest.warns(
        ScoreWarning, match=r"contains only 0 and 1, which looks like predicted labels"
    ):
        v.check_binary_scores([0, 1, 1], n_samples=3, func="f")


def test_binary_scores_warns_probabilities_as_logits():
    with pytest.warns(ScoreWarning, match=r"from_logits=True but every value .* lies in \[0, 1\]"):
        v.check_binary_scores([0.2, 0.8], n_samples=2, func="f", from_logits=True)


def test_warning_points_at_caller():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        v.check_binary_scores([0, 1], n_samples=2, func="f")

    assert len(caught) == 1
    assert caught[0].filename == __file__


# --- score matrices -----------------------------------------------------------


def test_score_matrix_accepts_probabilities():
    scores = v.check_score_matrix(
        [[0.2, 0.8], [0.5, 0.5]], n_samples=2, func="f", rows_sum_to_one=True
    )

    assert scores.shape == (2, 2)


@pytest.mark.parametrize(
    ("y_score", "rows_sum_to_one", "message"),
    [
        ([[0.25, 0.5], [0.5, 0.5]], True, r"1 row\(s\) do not \(row sums \[0.75\] at rows \[0\]\)"),
        ([[0.2, 1.7], [0.5, 0.5]], False, r"outside that range \[1.7\]"),
        ([0.2, 0.8], False, r"shape \(n_samples, n_classes\).*got shape \(2,\)"),
        ([[0.2, 0.8]], False, r"has 1 rows but `y_true` has 2 samples"),
        ([[0.2, np.nan], [0.5, 0.5]], False, r"NaN or infinite"),
    ],
)
def test_score_matrix_rejects(y_score, rows_sum_to_one, message):
    with pytest.raises(ValueError, match=r"^f: .*" + message):
        v.check_score_matrix(y_score, n_samples=2, func="f", rows_sum_to_one=rows_sum_to_one)


# --- scalar arguments ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (95, ValueError, r"strictly between 0 and 1, got 95.*0.95 rather than 95"),
        (0.0, ValueError, r"got 0.0"),
        (1, ValueError, r"got 1"),
        ("0.95", TypeError, r"must be a number in \(0, 1\), got '0.95'"),
        (True, TypeError, r"got True"),
    ],
)
def test_confidence_rejects(value, error, message):
    with pytest.raises(error, match=r"^f: `confidence` .*" + message):
        v.check_confidence(value, func="f")


def test_check_int_rejects():
    with pytest.raises(ValueError, match=r"^f: `n_bins` must be at least 2, got 1"):
        v.check_int(1, func="f", name="n_bins", minimum=2)
    with pytest.raises(TypeError, match=r"^f: `n_bins` must be an integer, got 2.5"):
        v.check_int(2.5, func="f", name="n_bins", minimum=2)


def test_check_choice_rejects():
    with pytest.raises(ValueError, match=r"^f: `method` must be one of 'a', 'b', got 'c'"):
        v.check_choice("c", func="f", name="method", choices=("a", "b"))


def test_format_values_truncates():
    assert v.format_values(np.arange(8)) == "[0, 1, 2, 3, 4, ... 3 more]"
    assert v.format_values([0.5]) == "[0.5]"
