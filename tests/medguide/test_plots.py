"""Tests of medguide.plots: drawn artists, values against scikit-learn, colours and errors."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from scipy.special import expit
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    roc_auc_score,
    roc_curve,
)

from medguide.exceptions import ScoreWarning, UndefinedMetricError
from medguide.metrics import bootstrap_auroc, stratified_resample_indices
from medguide.plots import (
    _ROC_BAND_GRID,
    OKABE_ITO,
    _bootstrap_roc,
    _sensitivity_at,
    _threshold_ends,
    _weighted_roc_points,
    describe_figure,
    plot_confusion_matrix,
    plot_image_grid,
    plot_precision_recall,
    plot_reliability,
    plot_roc,
    plot_saliency,
)

SAFE_COLOURS = {colour.lower() for colour in OKABE_ITO.values()}
BREAST_NAMES = {0: "malignant", 1: "normal or benign"}


@pytest.fixture(autouse=True)
def no_pyplot_use(monkeypatch):
    """Fail on plt.show and check that no pyplot figure is left open."""

    def fail_show(*args, **kwargs):
        raise AssertionError("a medguide plot function called pyplot.show")

    monkeypatch.setattr(plt, "show", fail_show)
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


def noisy_scores(is_positive, *, shift, seed):
    """Return probabilities in [0, 1] that are higher for positives by ``shift`` on average."""
    rng = np.random.default_rng(seed)
    return np.clip(shift * is_positive + rng.normal(0.3, 0.25, is_positive.size), 0.0, 1.0)


def curve_lines(ax):
    return [line for line in ax.get_lines() if line.get_gid() == "medguide-curve"]


# Bootstrap helpers


def test_weighted_roc_points_match_sklearn():
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(5, 60))
        y = rng.integers(0, 2, n).astype(bool)
        y[:2] = [True, False]
        scores = np.round(rng.random(n), 1)
        weights = rng.integers(0, 4, n).astype(float)
        weights[:2] = 1.0

        order = np.argsort(-scores, kind="stable")
        fpr, tpr = _weighted_roc_points(
            y[order], _threshold_ends(scores[order]), weights[order][None, :]
        )
        expected_fpr, expected_tpr, _ = roc_curve(
            y, scores, sample_weight=weights, drop_intermediate=False
        )

        assert np.trapezoid(tpr[0], fpr[0]) == pytest.approx(
            roc_auc_score(y, scores, sample_weight=weights)
        )
        np.testing.assert_allclose(
            _sensitivity_at(fpr[0], tpr[0], _ROC_BAND_GRID),
            _sensitivity_at(expected_fpr, expected_tpr, _ROC_BAND_GRID),
        )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=30, unique=True), st.data())
def test_sensitivity_at_matches_interp(rates, data):
    fpr = np.sort(np.array(rates))
    tpr = np.sort(
        np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=fpr.size, max_size=fpr.size)))
    )
    grid = np.linspace(fpr[0], fpr[-1], 37)
    np.testing.assert_allclose(
        _sensitivity_at(fpr, tpr, grid), np.interp(grid, fpr, tpr), atol=1e-12
    )


def test_sensitivity_at_vertical_step_top():
    fpr = np.array([0.0, 0.0, 0.5, 0.5, 1.0])
    tpr = np.array([0.0, 0.6, 0.8, 0.9, 1.0])
    result = _sensitivity_at(fpr, tpr, np.array([0.0, 0.25, 0.5, 0.75, 1.0]))
    np.testing.assert_allclose(result, [0.6, 0.7, 0.9, 0.95, 1.0])


def test_bootstrap_roc_matches_sklearn_per_resample(breastmnist):
    is_positive = breastmnist["test"][1] == 0
    # Rounding makes ties, including ties between the classes.
    scores = np.round(noisy_scores(is_positive, shift=0.4, seed=1), 2)
    resamples = stratified_resample_indices(
        is_positive, positive_label=True, n_resamples=450, seed=3
    )
    sensitivities, aucs = _bootstrap_roc(is_positive, scores, resamples)

    assert sensitivities.shape == (450, _ROC_BAND_GRID.size)
    for row in (0, 199, 200, 449):
        index = resamples[row]
        fpr, tpr, _ = roc_curve(is_positive[index], scores[index], drop_intermediate=False)
        assert aucs[row] == pytest.approx(roc_auc_score(is_positive[index], scores[index]))
        np.testing.assert_allclose(sensitivities[row], _sensitivity_at(fpr, tpr, _ROC_BAND_GRID))


def test_bootstrap_roc_matches_bootstrap_auroc(pneumoniamnist):
    labels = pneumoniamnist["test"][1]
    scores = noisy_scores(labels == 1, shift=0.3, seed=2)
    expected = bootstrap_auroc(labels, scores, positive_label=1, n_resamples=300, seed=7)
    resamples = stratified_resample_indices(labels, positive_label=1, n_resamples=300, seed=7)
    _, aucs = _bootstrap_roc(labels == 1, scores, resamples)

    np.testing.assert_allclose(aucs, expected.distribution, atol=1e-12)

    fig = plot_roc(labels, scores, positive_label=1, n_resamples=300, seed=7, name="m")
    text = f"AUROC {expected.estimate:.3f}, 95% CI {expected.low:.3f} to {expected.high:.3f}"
    assert text in describe_figure(fig)


def test_bootstrap_separable_scores_give_auc_one():
    is_positive = np.repeat([False, True], 20)
    resamples = stratified_resample_indices(is_positive, positive_label=True, n_resamples=100)
    _, aucs = _bootstrap_roc(is_positive, is_positive * 0.5 + 0.25, resamples)
    np.testing.assert_array_equal(aucs, 1.0)


# plot_roc


def test_plot_roc_artists_and_values(breastmnist):
    labels = breastmnist["test"][1]
    scores = noisy_scores(labels == 0, shift=0.4, seed=2)

    fig = plot_roc(labels, scores, positive_label=0, n_resamples=300, name="CNN")
    ax = fig.axes[0]

    assert isinstance(fig, Figure)
    assert len(ax.get_lines()) == 2
    assert len(curve_lines(ax)) == 1
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    expected_auc = roc_auc_score(labels == 0, scores)
    assert legend[0].startswith(f"CNN (AUROC {expected_auc:.3f}, 95% CI ")
    assert legend[1] == "Chance (AUROC 0.5)"
    assert ax.get_xlabel() == "1 - specificity (false positive rate)"


@pytest.mark.parametrize("dataset, positive_label", [("breastmnist", 0), ("pneumoniamnist", 1)])
def test_plot_roc_band_contains_estimate(request, dataset, positive_label):
    labels = request.getfixturevalue(dataset)["test"][1]
    is_positive = labels == positive_label
    scores = noisy_scores(is_positive, shift=0.4, seed=3)

    fig = plot_roc(labels, scores, positive_label=positive_label, n_resamples=1000)
    band = fig.axes[0].collections[-1].get_paths()[0].vertices

    fpr, tpr, _ = roc_curve(is_positive, scores, drop_intermediate=False)
    estimate = _sensitivity_at(fpr, tpr, _ROC_BAND_GRID)
    n = _ROC_BAND_GRID.size
    # fill_between's path runs forwards along its first curve (the lower edge) and
    # backwards along the second, each after one extra vertex.
    low = band[1 : n + 1, 1]
    high = band[n + 2 : 2 * n + 2, 1][::-1]
    np.testing.assert_allclose(band[1 : n + 1, 0], _ROC_BAND_GRID)
    assert np.all(low <= estimate + 1e-12)
    assert np.all(estimate <= high + 1e-12)
    assert np.mean(high - low) > 0.02


def test_plot_roc_auroc_ci_contains_estimate(breastmnist):
    labels = breastmnist["test"][1]
    scores = noisy_scores(labels == 0, shift=0.3, seed=4)
    fig = plot_roc(labels, scores, positive_label=0, confidence=0.9, n_resamples=500, name="m")

    text = describe_figure(fig)
    low, high = (float(value) for value in text.split("90% CI ")[1].split(" from")[0].split(" to "))
    assert low < roc_auc_score(labels == 0, scores) < high


def test_plot_roc_overlay_styles_distinct():
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 2, 200)
    fig = None
    for model in range(6):
        ax = None if fig is None else fig.axes[0]
        fig = plot_roc(
            y_true,
            noisy_scores(y_true, shift=0.1 * model, seed=model),
            positive_label=1,
            n_resamples=100,
            name=f"m{model}",
            ax=ax,
        )
    lines = curve_lines(fig.axes[0])

    assert len(lines) == 6
    assert len(fig.axes[0].get_lines()) == 7
    assert len({to_hex(line.get_color()) for line in lines}) == 6
    assert len({line.get_marker() for line in lines}) == 6
    assert len({(line.get_linestyle(), line.get_marker()) for line in lines}) == 6
    assert len(describe_figure(fig).split("ROC curve of ")) == 7


def test_plots_use_safe_palette(breastmnist):
    labels = breastmnist["test"][1]
    scores = noisy_scores(labels == 0, shift=0.4, seed=6)
    figures = [
        plot_roc(labels, scores, positive_label=0, n_resamples=100),
        plot_precision_recall(labels, scores, positive_label=0),
        plot_reliability(labels, scores, positive_label=0),
    ]
    for fig in figures:
        for ax in fig.axes:
            for line in ax.get_lines():
                assert to_hex(line.get_color()) in SAFE_COLOURS
            for collection in ax.collections:
                colours = [*collection.get_facecolor(), *collection.get_edgecolor()]
                assert colours
                for colour in colours:
                    assert to_hex(colour, keep_alpha=False) in SAFE_COLOURS


def test_plot_roc_flipped_scores_warn(breastmnist):
    labels = breastmnist["test"][1]
    # Scores of class 1 passed as if they were scores of class 0, the BreastMNIST trap.
    scores = noisy_scores(labels == 1, shift=0.4, seed=7)
    with pytest.warns(ScoreWarning, match=r"plot_roc: the 95% CI of the AUROC .* below chance"):
        plot_roc(labels, scores, positive_label=0, n_resamples=100)


def test_plot_roc_hard_labels_warn():
    with pytest.warns(ScoreWarning, match="looks like predicted labels"):
        plot_roc([0, 1, 0, 1], [0, 1, 1, 1], positive_label=1, n_resamples=100)


def test_plot_roc_logits_accepted():
    y_true = np.array([0, 0, 1, 1, 0, 1])
    logits = np.array([-2.0, 0.5, 1.0, 3.0, -1.0, -0.5])
    fig = plot_roc(y_true, logits, positive_label=1, n_resamples=100, from_logits=True)
    assert f"AUROC {roc_auc_score(y_true, logits):.3f}" in describe_figure(fig)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"y_true": [1, 1, 1]},
            UndefinedMetricError,
            r"plot_roc: `y_true` contains one class only \(all 3 samples are 1\)",
        ),
        (
            {"y_score": [0.1, 0.2]},
            ValueError,
            r"plot_roc: `y_score` has 2 values but `y_true` has 4",
        ),
        (
            {"y_score": [0.1, np.nan, 0.3, 0.4]},
            ValueError,
            r"plot_roc: `y_score` contains 1 NaN or infinite value",
        ),
        (
            {"y_true": [0, 1, 2, 1]},
            ValueError,
            r"plot_roc: `y_true` must contain at most two classes",
        ),
        (
            {"positive_label": 5},
            ValueError,
            r"plot_roc: `positive_label`=5 is not one of the classes",
        ),
        (
            {"y_score": [0.1, 1.5, 0.3, 0.4]},
            ValueError,
            r"plot_roc: `y_score` must be probabilities in \[0, 1\]",
        ),
        (
            {"confidence": 95},
            ValueError,
            r"plot_roc: `confidence` must lie strictly between 0 and 1, got 95",
        ),
        (
            {"n_resamples": 10},
            ValueError,
            r"plot_roc: `n_resamples` must be at least 100, got 10",
        ),
        ({"seed": -1}, ValueError, r"plot_roc: `seed` must be at least 0"),
        ({"name": ""}, TypeError, r"plot_roc: `name` must be a non-empty str or None"),
        ({"ax": "left"}, TypeError, r"plot_roc: `ax` must be a matplotlib Axes or None, got str"),
    ],
)
def test_plot_roc_rejects_bad_input(kwargs, error, message):
    arguments = {
        "y_true": [0, 1, 0, 1],
        "y_score": [0.1, 0.8, 0.3, 0.6],
        "positive_label": 1,
        "n_resamples": 100,
    }
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        plot_roc(**arguments)


# plot_precision_recall


def test_plot_precision_recall_values(pneumoniamnist):
    labels = pneumoniamnist["test"][1]
    scores = noisy_scores(labels == 1, shift=0.3, seed=8)
    fig = plot_precision_recall(labels, scores, positive_label=1, name="CNN")
    ax = fig.axes[0]

    lines = ax.get_lines()
    assert len(lines) == 2
    assert len(curve_lines(ax)) == 1
    chance = next(line for line in lines if line.get_gid() != "medguide-curve")
    np.testing.assert_allclose(chance.get_ydata(), np.mean(labels == 1))
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend[0] == f"CNN (AP {average_precision_score(labels == 1, scores):.3f})"
    assert ax.get_xlabel() == "Recall (sensitivity)"


def test_plot_precision_recall_positive_zero(breastmnist):
    labels = breastmnist["test"][1]
    scores = noisy_scores(labels == 0, shift=0.3, seed=9)
    fig = plot_precision_recall(labels, scores, positive_label=0)
    expected = f"chance level of {np.mean(labels == 0):.3f}, the prevalence of 0 among 156 samples"
    assert expected in describe_figure(fig)


def test_plot_precision_recall_overlay():
    y_true = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    fig = plot_precision_recall(y_true, [0.1, 0.9, 0.2, 0.7, 0.6, 0.4, 0.3, 0.8], positive_label=1)
    plot_precision_recall(
        y_true, [0.5, 0.4, 0.2, 0.7, 0.6, 0.4, 0.3, 0.8], positive_label=1, name="b", ax=fig.axes[0]
    )
    lines = curve_lines(fig.axes[0])

    assert len(fig.axes[0].get_lines()) == 3
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert lines[0].get_marker() != lines[1].get_marker()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"y_true": [0, 0, 0, 0]},
            UndefinedMetricError,
            r"plot_precision_recall: `y_true` contains one class only",
        ),
        (
            {"y_score": [[0.1], [0.2]]},
            ValueError,
            r"plot_precision_recall: `y_score` has 2 values but `y_true` has 4",
        ),
        (
            {"y_score": ["a", "b", "c", "d"]},
            TypeError,
            r"plot_precision_recall: `y_score` must be numeric",
        ),
        (
            {"positive_label": "1"},
            TypeError,
            r"plot_precision_recall: `positive_label`='1' and the labels",
        ),
    ],
)
def test_plot_precision_recall_rejects_bad_input(kwargs, error, message):
    arguments = {"y_true": [0, 1, 0, 1], "y_score": [0.1, 0.8, 0.3, 0.6], "positive_label": 1}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        plot_precision_recall(**arguments)


# plot_reliability


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_plot_reliability_matches_calibration_curve(pneumoniamnist, strategy):
    labels = pneumoniamnist["test"][1]
    probabilities = noisy_scores(labels == 1, shift=0.3, seed=10)
    fig = plot_reliability(labels, probabilities, positive_label=1, n_bins=8, strategy=strategy)
    curve_ax, count_ax = fig.axes

    expected_true, expected_pred = calibration_curve(
        labels == 1, probabilities, n_bins=8, strategy=strategy
    )
    line = curve_lines(curve_ax)[0]
    np.testing.assert_allclose(line.get_xdata(), expected_pred)
    np.testing.assert_allclose(line.get_ydata(), expected_true)

    count_markers = count_ax.get_lines()[0]
    np.testing.assert_allclose(count_markers.get_xdata(), expected_pred)
    assert count_markers.get_ydata().sum() == labels.size
    assert np.all(count_markers.get_ydata() > 0)


def test_plot_reliability_counts_by_hand():
    y_true = np.array([0, 0, 0, 0, 1, 1, 0, 1])
    y_prob = np.array([0.1, 0.2, 0.3, 0.4, 0.55, 0.7, 0.8, 0.9])
    fig = plot_reliability(y_true, y_prob, positive_label=1, n_bins=4, name="toy")
    segments = fig.axes[1].collections[0].get_segments()

    assert len(segments) == 4
    np.testing.assert_allclose(
        [segment[0] for segment in segments], [[0.15, 0], [0.35, 0], [0.625, 0], [0.85, 0]]
    )
    np.testing.assert_allclose(
        [segment[1] for segment in segments], [[0.15, 2], [0.35, 2], [0.625, 2], [0.85, 2]]
    )
    # Bin 0.5-0.75 contains 0.55 and 0.7, both positive, so its gap is 1 - 0.625. The other
    # bins have gaps of 0.15, 0.35 and 0.35.
    assert (
        "largest gap between mean predicted probability and observed frequency is 0.375, in the bin with mean predicted probability 0.62 and 2 samples"
        in describe_figure(fig)
    )


def test_plot_reliability_from_logits():
    y_true = np.array([0, 1, 0, 1, 1, 0])
    logits = np.array([-3.0, 2.0, -0.5, 0.2, 4.0, 1.0])
    fig = plot_reliability(y_true, logits, positive_label=1, n_bins=3, from_logits=True)
    _, expected_pred = calibration_curve(y_true, expit(logits), n_bins=3)
    np.testing.assert_allclose(curve_lines(fig.axes[0])[0].get_xdata(), expected_pred)


def test_plot_reliability_overlay_on_axes():
    y_true = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    fig = plot_reliability(
        y_true, [0.1, 0.9, 0.2, 0.7, 0.6, 0.4, 0.3, 0.8], positive_label=1, n_bins=2
    )
    plot_reliability(
        y_true,
        [0.5, 0.4, 0.2, 0.7, 0.6, 0.4, 0.3, 0.8],
        positive_label=1,
        n_bins=2,
        name="b",
        axes=fig.axes[:2],
    )

    assert len(curve_lines(fig.axes[0])) == 2
    count_lines = fig.axes[1].collections
    assert len(count_lines) == 2
    assert count_lines[0].get_linestyle() != count_lines[1].get_linestyle()
    assert fig.axes[1].get_lines()[0].get_marker() != fig.axes[1].get_lines()[1].get_marker()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"y_prob": [0.1, -0.2, 0.3, 0.4]},
            ValueError,
            r"plot_reliability: `y_prob` must be probabilities in \[0, 1\]",
        ),
        ({"n_bins": 1}, ValueError, r"plot_reliability: `n_bins` must be at least 2, got 1"),
        (
            {"strategy": "kmeans"},
            ValueError,
            r"plot_reliability: `strategy` must be one of 'uniform', 'quantile', got 'kmeans'",
        ),
        (
            {"axes": ("a", "b")},
            TypeError,
            r"plot_reliability: `axes` must be a pair of matplotlib Axes",
        ),
        (
            {"y_true": [np.nan, 1, 0, 1]},
            ValueError,
            r"plot_reliability: `y_true` contains 1 non-finite value",
        ),
    ],
)
def test_plot_reliability_rejects_bad_input(kwargs, error, message):
    arguments = {"y_true": [0, 1, 0, 1], "y_prob": [0.1, 0.8, 0.3, 0.6], "positive_label": 1}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        plot_reliability(**arguments)


# plot_confusion_matrix


def test_plot_confusion_matrix_counts(breastmnist):
    labels = breastmnist["test"][1]
    predicted = (noisy_scores(labels == 1, shift=0.4, seed=11) > 0.5).astype(int)
    fig = plot_confusion_matrix(labels, predicted, label_names=BREAST_NAMES)
    ax = fig.axes[0]

    matrix = confusion_matrix(labels, predicted, labels=[0, 1])
    texts = [text.get_text() for text in ax.texts]
    assert [int(text.split("\n")[0]) for text in texts] == matrix.ravel().tolist()
    assert texts[0].endswith(f"({matrix[0, 0] / matrix[0].sum():.0%})")
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["malignant", "normal or benign"]
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["malignant", "normal or benign"]
    assert len(fig.axes) == 2
    assert ax.images[0].get_cmap().name == "cividis"


def test_plot_confusion_matrix_order_follows_names():
    fig = plot_confusion_matrix([0, 0, 1], [0, 1, 1], label_names={1: "benign", 0: "malignant"})
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert texts == ["1\n(100%)", "0\n(0%)", "1\n(50%)", "1\n(50%)"]


def test_plot_confusion_matrix_missing_true_class():
    fig = plot_confusion_matrix([0, 0], [0, 1], label_names={0: "a", 1: "b"})
    assert [text.get_text() for text in fig.axes[0].texts][2:] == ["0\n(0%)", "0\n(0%)"]
    assert "b 0 of 0 correct (0%)" in describe_figure(fig)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"y_pred": [0, 1]},
            ValueError,
            r"plot_confusion_matrix: `y_pred` has 2 labels but `y_true` has 3",
        ),
        (
            {"y_pred": [0, 1, 2]},
            ValueError,
            r"plot_confusion_matrix: label\(s\) \[2\] occur in the data but are missing from `label_names`",
        ),
        (
            {"label_names": ["a", "b"]},
            TypeError,
            r"plot_confusion_matrix: `label_names` must be a mapping of label to name, got list",
        ),
        (
            {"label_names": {0: "a"}},
            ValueError,
            r"plot_confusion_matrix: `label_names` must name at least 2 class\(es\)",
        ),
        (
            {"label_names": {0: "a", 1: 1}},
            TypeError,
            r"plot_confusion_matrix: every value of `label_names` must be a str, got 1",
        ),
        (
            {"y_true": [0.5, 1, 0]},
            ValueError,
            r"plot_confusion_matrix: `y_true` must contain class labels, got non-integer",
        ),
    ],
)
def test_plot_confusion_matrix_rejects_bad_input(kwargs, error, message):
    arguments = {"y_true": [0, 1, 0], "y_pred": [0, 1, 1], "label_names": {0: "a", 1: "b"}}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        plot_confusion_matrix(**arguments)


# plot_image_grid


def test_plot_image_grid_counts(breastmnist):
    images, labels = breastmnist["train"]
    fig = plot_image_grid(images, labels, label_names=BREAST_NAMES, per_class=6, seed=1)
    drawn = [ax for ax in fig.axes if ax.images]

    assert len(fig.axes) == 12
    assert len(drawn) == 12
    assert fig.axes[0].get_ylabel() == f"malignant\n(n={np.sum(labels == 0)})"
    assert fig.axes[6].get_ylabel() == f"normal or benign\n(n={np.sum(labels == 1)})"
    indices = [int(ax.get_title().lstrip("#")) for ax in drawn]
    assert all(labels[i] == 0 for i in indices[:6])
    assert all(labels[i] == 1 for i in indices[6:])
    np.testing.assert_array_equal(drawn[0].images[0].get_array(), images[indices[0]])
    assert drawn[0].images[0].get_clim() == (0.0, 255.0)


def test_plot_image_grid_seeded():
    images = np.random.default_rng(0).integers(0, 256, (40, 28, 28), dtype=np.uint8)
    labels = np.arange(40) % 2
    titles = [
        [
            ax.get_title()
            for ax in plot_image_grid(
                images, labels, label_names={0: "a", 1: "b"}, per_class=3, seed=seed
            ).axes
        ]
        for seed in (4, 4, 5)
    ]
    assert titles[0] == titles[1]
    assert titles[0] != titles[2]


def test_plot_image_grid_small_class_and_floats():
    images = np.linspace(-1.0, 1.0, 4 * 8 * 8).reshape(4, 8, 8)
    fig = plot_image_grid(images, [0, 1, 1, 1], label_names={0: "rare", 1: "common"}, per_class=3)
    drawn = [ax for ax in fig.axes if ax.images]

    assert len(drawn) == 4
    assert drawn[0].images[0].get_clim() == (-1.0, 1.0)
    assert "rare (1 of 1 shown), common (3 of 3 shown)" in describe_figure(fig)


def test_plot_image_grid_rgb():
    images = np.random.default_rng(1).random((4, 28, 28, 3))
    fig = plot_image_grid(images, [0, 1, 0, 1], label_names={0: "a", 1: "b"}, per_class=2)
    assert fig.axes[0].images[0].get_array().shape == (28, 28, 3)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"images": np.zeros((4, 1, 8, 8))},
            ValueError,
            r"plot_image_grid: `images` must have shape \(n_samples, height, width\).*got shape \(4, 1, 8, 8\)",
        ),
        (
            {"labels": [0, 1, 0]},
            ValueError,
            r"plot_image_grid: `labels` has 3 values but `images` has 4 images",
        ),
        (
            {"label_names": {0: "a", 2: "c"}},
            ValueError,
            r"plot_image_grid: class 2 \(c\) in `label_names` has no images",
        ),
        ({"per_class": 0}, ValueError, r"plot_image_grid: `per_class` must be at least 1, got 0"),
        (
            {"images": np.full((4, 8, 8), np.inf)},
            ValueError,
            r"plot_image_grid: `images` contains 256 NaN or infinite value",
        ),
        (
            {"images": np.full((4, 8, 8, 3), 2.0)},
            ValueError,
            r"plot_image_grid: float RGB `images` must lie in \[0, 1\]",
        ),
        (
            {"label_names": {}},
            ValueError,
            r"plot_image_grid: `label_names` must name at least 1 class",
        ),
    ],
)
def test_plot_image_grid_rejects_bad_input(kwargs, error, message):
    arguments = {
        "images": np.zeros((4, 8, 8), dtype=np.uint8),
        "labels": [0, 1, 0, 1],
        "label_names": {0: "a", 1: "b"},
    }
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        plot_image_grid(**arguments)


# plot_saliency


def test_plot_saliency_magnitude(pneumoniamnist):
    image = pneumoniamnist["test"][0][0]
    attribution = np.random.default_rng(12).normal(size=(28, 28))
    fig = plot_saliency(image, attribution, alpha=0.5)
    ax = fig.axes[0]

    assert len(fig.axes) == 2
    assert len(ax.images) == 2
    assert ax.images[0].get_cmap().name == "gray"
    assert ax.images[1].get_cmap().name == "cividis"
    assert ax.images[1].get_alpha() == 0.5
    assert ax.images[1].get_clim() == pytest.approx((0.0, np.percentile(np.abs(attribution), 99)))
    np.testing.assert_allclose(ax.images[1].get_array(), np.abs(attribution))
    assert fig.axes[1].get_ylabel() == "Attribution magnitude"


def test_plot_saliency_signed_tensor():
    attribution = torch.zeros((1, 1, 28, 28), requires_grad=True) + torch.linspace(-2.0, 1.0, 28)
    fig = plot_saliency(torch.rand(1, 28, 28), attribution, signed=True, clip_percentile=100)
    overlay = fig.axes[0].images[1]

    assert overlay.get_cmap().name == "PuOr"
    assert overlay.get_clim() == pytest.approx((-2.0, 2.0))
    assert (
        "the signed attribution with the PuOr colour map, with the largest magnitude at row 0, column 0"
        in describe_figure(fig)
    )


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"attribution": np.zeros((28, 28))},
            ValueError,
            r"plot_saliency: `attribution` is zero everywhere",
        ),
        (
            {"attribution": np.ones((14, 14))},
            ValueError,
            r"plot_saliency: `attribution` has shape \(14, 14\) but `image` has shape \(28, 28\)",
        ),
        (
            {"image": np.zeros((2, 28, 28))},
            ValueError,
            r"plot_saliency: `image` must be one non-empty two-dimensional image",
        ),
        (
            {"alpha": 1.5},
            ValueError,
            r"plot_saliency: `alpha` must lie strictly between 0 and 1, got 1.5",
        ),
        (
            {"clip_percentile": 0},
            ValueError,
            r"plot_saliency: `clip_percentile` must lie in \(0, 100\], got 0",
        ),
        ({"signed": "yes"}, TypeError, r"plot_saliency: `signed` must be True or False"),
        (
            {"attribution": np.full((28, 28), np.nan)},
            ValueError,
            r"plot_saliency: `attribution` contains 784 NaN",
        ),
    ],
)
def test_plot_saliency_rejects_bad_input(kwargs, error, message):
    arguments = {"image": np.zeros((28, 28)), "attribution": np.ones((28, 28))}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        plot_saliency(**arguments)


# describe_figure and rendering


def test_describe_figure_rejects_foreign_figures():
    with pytest.raises(
        TypeError, match=r"describe_figure: `figure` must be a matplotlib Figure, got str"
    ):
        describe_figure("figure")
    with pytest.raises(ValueError, match=r"describe_figure: `figure` has no alt text"):
        describe_figure(Figure())


def test_plots_draw_into_subfigure():
    root = Figure()
    left, right = root.subfigures(1, 2)
    plot_confusion_matrix([0, 1], [0, 1], label_names={0: "a", 1: "b"}, ax=left.add_subplot())
    plot_saliency(np.zeros((4, 4)), np.eye(4), ax=right.add_subplot())
    assert len(describe_figure(root).split(". ")) == 2


def test_plots_render_to_png(tmp_path, breastmnist):
    images, labels = breastmnist["test"]
    scores = noisy_scores(labels == 0, shift=0.4, seed=13)
    figures = {
        "roc": plot_roc(labels, scores, positive_label=0, n_resamples=200, name="CNN"),
        "pr": plot_precision_recall(labels, scores, positive_label=0, name="CNN"),
        "reliability": plot_reliability(labels, scores, positive_label=0, name="CNN"),
        "confusion": plot_confusion_matrix(
            labels, (scores < 0.5).astype(int), label_names=BREAST_NAMES
        ),
        "grid": plot_image_grid(images, labels, label_names=BREAST_NAMES, per_class=5),
        "saliency": plot_saliency(images[0], np.random.default_rng(0).normal(size=(28, 28))),
    }
    for name, fig in figures.items():
        path = tmp_path / f"{name}.png"
        fig.savefig(path, dpi=80)
        assert path.stat().st_size > 5000
        assert describe_figure(fig).endswith(".")
