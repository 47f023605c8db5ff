"""Tests of medguide.calibration against scikit-learn, scipy and hand-worked cases."""

import math

import numpy as np
import pytest
import torch
from scipy import special
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss

from medguide.calibration import (
    TemperatureScaler,
    adjust_for_prevalence,
    brier_score,
    expected_calibration_error,
    reliability_curve,
)
from medguide.exceptions import LeakageError, MedguideWarning


def _probability_case(seed, n=400):
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=n)
    y = (rng.uniform(size=n) < p**1.5).astype(int)
    return y, np.round(p, 2)


# --- reliability curve and ECE ---------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_curve_matches_sklearn(seed, strategy):
    y, p = _probability_case(seed)
    expected_fraction, expected_mean = calibration_curve(y, p, n_bins=7, strategy=strategy)

    curve = reliability_curve(y, p, positive_label=1, n_bins=7, strategy=strategy)

    assert np.allclose(curve.fraction_positive, expected_fraction, rtol=0, atol=1e-15)
    assert np.allclose(curve.mean_predicted, expected_mean, rtol=0, atol=1e-15)
    assert curve.bin_counts.sum() == y.size
    assert curve.bin_counts.size == curve.fraction_positive.size


def test_reliability_curve_counts_by_hand():
    # Bins [0, 0.5] and (0.5, 1]: 0.5 sits on the inner edge and falls in the lower bin.
    curve = reliability_curve([0, 1, 1, 1], [0.1, 0.5, 0.7, 0.9], positive_label=1, n_bins=2)

    assert curve.bin_counts.tolist() == [2, 2]
    assert curve.fraction_positive.tolist() == [0.5, 1.0]
    assert curve.mean_predicted.tolist() == pytest.approx([0.3, 0.8])


def test_reliability_curve_drops_empty_bins():
    curve = reliability_curve([0, 1], [0.05, 0.95], positive_label=1, n_bins=10)

    assert curve.bin_counts.tolist() == [1, 1]
    assert curve.n_bins == 10


def test_ece_hand_case():
    # Bin [0, 0.5]: mean 0.2, positives 0 -> gap 0.2. Bin (0.5, 1]: mean 0.75, positives 1 -> gap 0.25.
    # ECE = 2/4 * 0.2 + 2/4 * 0.25 = 0.225.
    ece = expected_calibration_error([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9], positive_label=1, n_bins=2)

    assert ece.value == pytest.approx(0.225)
    assert (ece.n_bins, ece.strategy, ece.n_nonempty_bins, ece.n_samples) == (2, "uniform", 2, 4)


@pytest.mark.parametrize("seed", range(4))
def test_ece_matches_direct_binning(seed):
    y, p = _probability_case(seed)
    bins = np.minimum((np.ceil(p * 10) - 1).clip(0), 9).astype(int)
    expected = sum(
        np.sum(bins == b) / y.size * abs(y[bins == b].mean() - p[bins == b].mean())
        for b in range(10)
        if np.any(bins == b)
    )

    ece = expected_calibration_error(y, p, positive_label=1, n_bins=10)

    assert ece.value == pytest.approx(expected, abs=1e-12)


def test_ece_positive_label_zero():
    # Renaming class 1 to 0 and passing positive_label=0 must not change the ECE.
    y, p = _probability_case(1)

    renamed = expected_calibration_error(1 - y, p, positive_label=0, n_bins=5, strategy="quantile")
    direct = expected_calibration_error(y, p, positive_label=1, n_bins=5, strategy="quantile")

    assert renamed.value == direct.value
    assert renamed.value > 0.05
    assert str(direct).startswith("ECE ")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_bins": 1}, ValueError, r"`n_bins` must be at least 2, got 1"),
        (
            {"strategy": "equal"},
            ValueError,
            r"`strategy` must be one of 'uniform', 'quantile', got 'equal'",
        ),
        ({"y_prob": [0.2, 1.2]}, ValueError, r"`y_prob` must be probabilities in \[0, 1\]"),
        ({"y_prob": [0.2, np.nan]}, ValueError, r"`y_prob` contains 1 NaN or infinite"),
        ({"y_true": [0, 1, 2]}, ValueError, r"at most two classes"),
    ],
)
def test_reliability_curve_rejects(kwargs, error, message):
    arguments = {"y_true": [0, 1], "y_prob": [0.2, 0.7], **kwargs}
    with pytest.raises(error, match=r"^reliability_curve: .*" + message):
        reliability_curve(positive_label=1, **arguments)


# --- Brier score ---------------------------------------------------------------


def test_brier_hand_case():
    # ((0.2 - 0)^2 + (0.6 - 1)^2) / 2 = (0.04 + 0.16) / 2 = 0.1.
    assert brier_score([0, 1], [0.2, 0.6], positive_label=1) == pytest.approx(0.1)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("positive_label", [0, 1])
def test_brier_matches_sklearn(seed, positive_label):
    y, p = _probability_case(seed)

    value = brier_score(y, p, positive_label=positive_label)

    assert value == pytest.approx(brier_score_loss(y == positive_label, p), abs=1e-15)


def test_brier_rejects_length_mismatch():
    with pytest.raises(ValueError, match=r"^brier_score: `y_prob` has 3 values but `y_true` has 2"):
        brier_score([0, 1], [0.2, 0.6, 0.1], positive_label=1)


# --- temperature scaling --------------------------------------------------------


def _overconfident_logits(seed, n=1500, n_classes=3, scale=2.5):
    rng = np.random.default_rng(seed)
    true_logits = rng.normal(0, 1.5, size=(n, n_classes))
    cumulative = np.cumsum(special.softmax(true_logits, axis=1), axis=1)
    labels = (rng.uniform(size=(n, 1)) > cumulative).sum(axis=1)
    return scale * true_logits, labels


def test_temperature_recovers_scale():
    logits, labels = _overconfident_logits(0)

    scaler = TemperatureScaler().fit(logits, labels)

    assert scaler.temperature == pytest.approx(2.5, rel=0.1)


@pytest.mark.parametrize("seed", range(3))
def test_temperature_minimises_nll_on_grid(seed):
    logits, labels = _overconfident_logits(seed, scale=1.7)
    scaler = TemperatureScaler().fit(logits, labels)
    fitted_loss = log_loss(labels, scaler.transform(logits), labels=[0, 1, 2])

    for temperature in np.geomspace(0.3, 6, 40):
        grid_loss = log_loss(
            labels, special.softmax(logits / temperature, axis=1), labels=[0, 1, 2]
        )
        assert fitted_loss <= grid_loss + 1e-9


def test_temperature_keeps_predicted_class():
    logits, labels = _overconfident_logits(1)

    calibrated = TemperatureScaler().fit(logits, labels).transform(logits)

    assert np.array_equal(calibrated.argmax(axis=1), logits.argmax(axis=1))
    assert np.allclose(calibrated.sum(axis=1), 1)


def test_temperature_single_logit_is_sigmoid():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 2, 800)
    labels = (rng.uniform(size=z.size) < special.expit(z)).astype(int)

    scaler = TemperatureScaler().fit(
        torch.tensor(3 * z).reshape(-1, 1), torch.tensor(labels).reshape(-1, 1)
    )
    probabilities = scaler.transform(3 * z)

    assert probabilities.shape == (800,)
    assert np.allclose(probabilities, special.expit(3 * z / scaler.temperature))
    assert scaler.temperature == pytest.approx(3, rel=0.2)


def test_temperature_refit_raises():
    logits, labels = _overconfident_logits(0, n=200)
    scaler = TemperatureScaler().fit(logits, labels)

    with pytest.raises(
        LeakageError,
        match=r"^TemperatureScaler.fit: this scaler is already fitted \(T=.* on 200 samples\)",
    ):
        scaler.fit(logits, labels)


def test_temperature_before_fit_raises():
    with pytest.raises(
        ValueError, match=r"^TemperatureScaler.temperature: the scaler is not fitted yet"
    ):
        TemperatureScaler().transform([[0.1, 0.2]])


def test_temperature_all_correct_warns():
    # Every sample right: the loss keeps falling as T shrinks, so no interior optimum exists.
    logits = np.array([[1.0, -1.0], [-1.0, 1.0]] * 10)
    labels = np.array([0, 1] * 10)

    with pytest.warns(
        MedguideWarning, match=r"not identifiable.*every validation sample is classified correctly"
    ):
        TemperatureScaler().fit(logits, labels)


def test_temperature_edge_of_range_warns():
    # Always wrong: log(1 + exp(10 / T)) falls as T grows, so the optimum is the upper bound.
    logits = np.array([[5.0, -5.0], [-5.0, 5.0]] * 10)
    labels = np.array([1, 0] * 10)

    with pytest.warns(
        MedguideWarning, match=r"not identifiable.*optimum lies on the edge of the range"
    ):
        TemperatureScaler().fit(logits, labels)


@pytest.mark.parametrize(
    ("logits", "labels", "message"),
    [
        (np.zeros((3, 2)), [0, 1], r"`logits` has 3 rows but `labels` has 2 labels"),
        (np.zeros((2, 2)), [0, 2], r"`labels` must lie in 0 to 1 for 2 classes, got \[2\]"),
        (np.full((2, 3), 1 / 3), [0, 1], r"`logits` look like probabilities"),
        (
            np.array([[np.nan, 0.0], [0.0, 1.0]]),
            [0, 1],
            r"`logits` contains NaN or infinite values",
        ),
        (np.zeros((2, 2, 2)), [0, 1], r"got shape \(2, 2, 2\)"),
        (np.zeros((2, 2)), [[0, 1], [1, 0]], r"`labels` must have shape"),
    ],
)
def test_temperature_fit_rejects(logits, labels, message):
    with pytest.raises(ValueError, match=r"^TemperatureScaler.fit: .*" + message):
        TemperatureScaler().fit(logits, labels)


# --- prevalence adjustment -----------------------------------------------------


def test_adjust_for_prevalence_hand_case():
    # p = 0.9 at prevalence 0.5 has odds 9; target odds ratio (0.1 / 0.9) / (0.5 / 0.5) = 1/9 -> odds 1 -> 0.5.
    adjusted = adjust_for_prevalence(
        [0.5, 0.9, 0.0, 1.0], train_prevalence=0.5, target_prevalence=0.1
    )

    assert adjusted.tolist() == pytest.approx([0.1, 0.5, 0.0, 1.0])


@pytest.mark.parametrize("seed", range(4))
def test_adjust_for_prevalence_matches_odds(seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.01, 0.99, 50)
    train, target = rng.uniform(0.05, 0.95, 2)
    odds = p / (1 - p) * (target / (1 - target)) / (train / (1 - train))

    adjusted = adjust_for_prevalence(p, train_prevalence=train, target_prevalence=target)

    assert np.allclose(adjusted, odds / (1 + odds), rtol=1e-12, atol=0)


def test_adjust_for_prevalence_recovers_calibration():
    # Bayes-optimal probabilities at prevalence 0.5 become Bayes-optimal at prevalence 0.2.
    x = np.linspace(-3, 3, 61)
    likelihood_positive, likelihood_negative = (
        np.exp(-((x - 1) ** 2) / 2),
        np.exp(-((x + 1) ** 2) / 2),
    )
    at_half = likelihood_positive / (likelihood_positive + likelihood_negative)
    at_fifth = 0.2 * likelihood_positive / (0.2 * likelihood_positive + 0.8 * likelihood_negative)

    adjusted = adjust_for_prevalence(at_half, train_prevalence=0.5, target_prevalence=0.2)

    assert np.allclose(adjusted, at_fifth, rtol=1e-12)


def test_adjust_for_prevalence_same_prevalence_is_identity():
    p = np.array([0.1, 0.4, 0.8])

    assert np.allclose(adjust_for_prevalence(p, train_prevalence=0.3, target_prevalence=0.3), p)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"train_prevalence": 0.0},
            ValueError,
            r"`train_prevalence` must lie strictly between 0 and 1, got 0.0",
        ),
        (
            {"target_prevalence": 1.0},
            ValueError,
            r"`target_prevalence` must lie strictly between 0 and 1, got 1.0",
        ),
        ({"target_prevalence": 20}, ValueError, r"`target_prevalence` .* got 20"),
        ({"train_prevalence": "0.3"}, TypeError, r"`train_prevalence` must be a number"),
        (
            {"probabilities": [0.2, 1.5]},
            ValueError,
            r"`probabilities` must be probabilities in \[0, 1\]",
        ),
        (
            {"probabilities": [0.2, math.inf]},
            ValueError,
            r"`probabilities` contains 1 NaN or infinite",
        ),
    ],
)
def test_adjust_for_prevalence_rejects(kwargs, error, message):
    arguments = {
        "probabilities": [0.2, 0.6],
        "train_prevalence": 0.3,
        "target_prevalence": 0.1,
        **kwargs,
    }
    with pytest.raises(error, match=r"^adjust_for_prevalence: " + message):
        adjust_for_prevalence(**arguments)
