"""Calibration of predicted probabilities: measure it, fix it, and move it to another prevalence.

The reliability curve, expected calibration error (ECE) and Brier score
measure how well the probability of the positive class matches observed
frequencies. They handle binary tasks only. [`TemperatureScaler`][medguide.calibration.TemperatureScaler] fits
one temperature on validation logits, and [`adjust_for_prevalence`][medguide.calibration.adjust_for_prevalence]
corrects probabilities for a population whose prevalence differs from the
training data.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, special
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from ._validation import (
    binary_targets,
    check_binary_scores,
    check_choice,
    check_int,
    check_labels_1d,
    check_open_fraction,
    format_values,
    to_numpy,
    warn_caller,
)
from .exceptions import LeakageError, MedguideWarning

__all__ = [
    "ReliabilityCurve",
    "reliability_curve",
    "CalibrationError",
    "expected_calibration_error",
    "brier_score",
    "TemperatureScaler",
    "adjust_for_prevalence",
]

logger = logging.getLogger("medguide")

# Search range of log(T): T from about 0.01 to 100 covers any model seen in
# practice; an optimum on the edge raises a warning.
_LOG_TEMPERATURE_BOUNDS = (-4.6, 4.6)


@dataclass(frozen=True)
class ReliabilityCurve:
    """Observed frequency of the positive class against mean predicted probability, per bin.

    Empty bins are left out, as ``sklearn.calibration.calibration_curve``
    does, so the arrays can be shorter than ``n_bins``.

    Attributes
    ----------
    mean_predicted : numpy.ndarray of shape (n_nonempty_bins,)
        Mean predicted probability in each non-empty bin.
    fraction_positive : numpy.ndarray of shape (n_nonempty_bins,)
        Fraction of positives in each non-empty bin.
    bin_counts : numpy.ndarray of shape (n_nonempty_bins,)
        Samples in each non-empty bin.
    n_bins : int
        Bins requested, empty ones included.
    strategy : str
        ``"uniform"`` (equal-width bins on [0, 1]) or ``"quantile"``
        (bins holding about equal numbers of samples).

    Examples
    --------
    >>> curve = reliability_curve([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9], positive_label=1, n_bins=2)
    >>> curve.fraction_positive, curve.bin_counts
    (array([0., 1.]), array([2, 2]))
    """

    mean_predicted: np.ndarray
    fraction_positive: np.ndarray
    bin_counts: np.ndarray
    n_bins: int
    strategy: str


def _bin_edges(probabilities: np.ndarray, n_bins: int, strategy: str) -> np.ndarray:
    """Return the bin edges that ``sklearn.calibration.calibration_curve`` (1.9) uses."""
    if strategy == "quantile":
        return np.percentile(probabilities, np.linspace(0, 1, n_bins + 1) * 100)
    return np.linspace(0.0, 1.0, n_bins + 1)


def reliability_curve(
    y_true: Any,
    y_prob: Any,
    *,
    positive_label: Any,
    n_bins: int = 10,
    strategy: str = "uniform",
) -> ReliabilityCurve:
    """Compute the reliability curve of binary probabilities, with the sample count per bin.

    Wraps ``sklearn.calibration.calibration_curve`` and adds the count of
    each bin, which the curve alone hides: a bin of three samples can sit
    far from the diagonal by chance. A sample exactly on an inner edge falls
    in the lower bin, as in scikit-learn.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, 1)
        True labels, two classes at most.
    y_prob : array-like of shape (n_samples,)
        Predicted probability of the positive class, in [0, 1].
    positive_label : int, bool or str
        Label of the positive class.
    n_bins : int, default=10
        Number of bins, at least 2.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins on [0, 1], or bins at the quantiles of ``y_prob``.

    Returns
    -------
    ReliabilityCurve

    Raises
    ------
    ValueError
        If the inputs are invalid, for example probabilities outside [0, 1].
    TypeError
        If ``positive_label`` is missing or of another type than the labels.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=1000)
    >>> y = rng.uniform(size=1000) < p
    >>> curve = reliability_curve(y, p, positive_label=True, n_bins=5)
    >>> np.round(curve.fraction_positive, 2)
    array([0.11, 0.31, 0.55, 0.66, 0.92])
    """
    func = "reliability_curve"
    is_positive = binary_targets(y_true, positive_label=positive_label, func=func)
    probabilities = check_binary_scores(
        y_prob, n_samples=is_positive.size, func=func, name="y_prob"
    )
    n_bins = check_int(n_bins, func=func, name="n_bins", minimum=2)
    strategy = check_choice(strategy, func=func, name="strategy", choices=("uniform", "quantile"))

    fraction_positive, mean_predicted = calibration_curve(
        is_positive, probabilities, n_bins=n_bins, strategy=strategy
    )

    bin_ids = np.searchsorted(_bin_edges(probabilities, n_bins, strategy)[1:-1], probabilities)
    counts = np.bincount(bin_ids, minlength=n_bins)
    return ReliabilityCurve(
        mean_predicted=mean_predicted,
        fraction_positive=fraction_positive,
        bin_counts=counts[counts > 0],
        n_bins=n_bins,
        strategy=strategy,
    )


@dataclass(frozen=True)
class CalibrationError:
    """Expected calibration error with the binning that produced it.

    ECE depends on the number of bins and the binning strategy, so both are
    part of the result.

    Attributes
    ----------
    value : float
        Sum over bins of (bin count / n_samples) * |fraction positive - mean predicted|.
    n_bins : int
        Bins requested.
    strategy : str
        ``"uniform"`` or ``"quantile"``.
    n_nonempty_bins : int
        Bins that contain at least one sample.
    n_samples : int
        Samples evaluated.

    Examples
    --------
    >>> ece = expected_calibration_error([0, 1], [0.2, 0.6], positive_label=1, n_bins=2)
    >>> print(ece)
    ECE 0.300 (2 uniform bins, 2 non-empty, 2 samples)
    """

    value: float
    n_bins: int
    strategy: str
    n_nonempty_bins: int
    n_samples: int

    def __str__(self) -> str:
        return (
            f"ECE {self.value:.3f} ({self.n_bins} {self.strategy} bins, "
            f"{self.n_nonempty_bins} non-empty, {self.n_samples} samples)"
        )


def expected_calibration_error(
    y_true: Any,
    y_prob: Any,
    *,
    positive_label: Any,
    n_bins: int = 10,
    strategy: str = "uniform",
) -> CalibrationError:
    """Compute the expected calibration error of binary probabilities, naming its binning.

    This is the binary ECE on the probability of the positive class, not the
    top-label ECE often reported for multi-class models. It is computed from
    [`reliability_curve`][medguide.calibration.reliability_curve], written here because scikit-learn 1.9 has no
    ECE. ECE from few samples per bin is biased upwards.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, 1)
        True labels, two classes at most.
    y_prob : array-like of shape (n_samples,)
        Predicted probability of the positive class, in [0, 1].
    positive_label : int, bool or str
        Label of the positive class.
    n_bins : int, default=10
        Number of bins, at least 2.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins on [0, 1], or bins at the quantiles of ``y_prob``.

    Returns
    -------
    CalibrationError

    Raises
    ------
    ValueError
        If the inputs are invalid (see [`reliability_curve`][medguide.calibration.reliability_curve]).

    Examples
    --------
    >>> y = [0, 0, 1, 1]
    >>> p = [0.1, 0.3, 0.6, 0.9]
    >>> expected_calibration_error(y, p, positive_label=1, n_bins=2).value
    0.225
    """
    curve = reliability_curve(
        y_true, y_prob, positive_label=positive_label, n_bins=n_bins, strategy=strategy
    )
    n_samples = int(curve.bin_counts.sum())
    gaps = np.abs(curve.fraction_positive - curve.mean_predicted)
    return CalibrationError(
        value=float(np.sum(curve.bin_counts * gaps) / n_samples),
        n_bins=curve.n_bins,
        strategy=curve.strategy,
        n_nonempty_bins=int(curve.bin_counts.size),
        n_samples=n_samples,
    )


def brier_score(y_true: Any, y_prob: Any, *, positive_label: Any) -> float:
    """Compute the Brier score, the mean squared error of the positive-class probability.

    A thin check around ``sklearn.metrics.brier_score_loss``. Lower is
    better; always predicting the prevalence p scores p * (1 - p), so
    compare against that rather than against 0.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, 1)
        True labels, two classes at most.
    y_prob : array-like of shape (n_samples,)
        Predicted probability of the positive class, in [0, 1].
    positive_label : int, bool or str
        Label of the positive class.

    Returns
    -------
    float
        Brier score in [0, 1].

    Raises
    ------
    ValueError
        If the inputs are invalid (see [`reliability_curve`][medguide.calibration.reliability_curve]).

    Examples
    --------
    >>> brier_score([0, 1], [0.2, 0.6], positive_label=1)
    0.1
    """
    func = "brier_score"
    is_positive = binary_targets(y_true, positive_label=positive_label, func=func)
    probabilities = check_binary_scores(
        y_prob, n_samples=is_positive.size, func=func, name="y_prob"
    )
    return float(brier_score_loss(is_positive, probabilities))


class TemperatureScaler:
    """Rescale logits by one temperature T fitted on validation data.

    ``transform`` returns softmax(logits / T). T > 1 softens overconfident
    probabilities and T < 1 sharpens them; the predicted class never
    changes. A scaler is fitted once: a second ``fit`` raises
    [`LeakageError`][medguide.exceptions.LeakageError], because refitting it on
    another split (usually the test set) would tune the calibration on the
    data meant to evaluate it.

    Notes
    -----
    T minimises the mean negative log-likelihood on the validation data,
    searched over log(T) with ``scipy.optimize.minimize_scalar`` (bounded
    Brent method) for T from about 0.01 to 100. One logit per sample is
    treated as the logit of class 1 against class 0 (a sigmoid output).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> true_logits = rng.normal(0, 2, size=(2000, 3))
    >>> labels = np.array([rng.choice(3, p=p) for p in special.softmax(true_logits, axis=1)])
    >>> scaler = TemperatureScaler().fit(3 * true_logits, labels)
    >>> round(scaler.temperature, 1)
    3.0
    >>> scaler.transform(3 * true_logits[:1]).round(2)
    array([[0.23, 0.13, 0.64]])
    """

    def __init__(self) -> None:
        self._temperature: float | None = None
        self._n_fitted = 0

    @property
    def temperature(self) -> float:
        """The fitted temperature T."""
        if self._temperature is None:
            raise ValueError(
                "TemperatureScaler.temperature: the scaler is not fitted yet. Call "
                "fit(validation_logits, validation_labels) first."
            )
        return self._temperature

    @property
    def fitted(self) -> bool:
        """Whether [`fit`][medguide.calibration.TemperatureScaler.fit] has run."""
        return self._temperature is not None

    def fit(self, logits: Any, labels: Any) -> TemperatureScaler:
        """Fit the temperature on validation logits and labels.

        Parameters
        ----------
        logits : array-like or torch.Tensor of shape (n_samples, n_classes) or (n_samples,)
            Validation logits before softmax. A single column or a 1-D array
            is the logit of class 1 in a binary task.
        labels : array-like or torch.Tensor of shape (n_samples,) or (n_samples, 1)
            Integer class labels from 0 to n_classes - 1.

        Returns
        -------
        TemperatureScaler
            The fitted scaler itself.

        Raises
        ------
        LeakageError
            If the scaler is already fitted.
        ValueError
            If the logits contain NaN or inf, look like probabilities, or do
            not match the labels in shape, or a label lies outside 0 to
            n_classes - 1.
        """
        func = "TemperatureScaler.fit"
        if self._temperature is not None:
            raise LeakageError(
                f"{func}: this scaler is already fitted (T={self._temperature:.4g} on "
                f"{self._n_fitted} samples). Fitting it again, usually on test data, would tune "
                "the calibration on the data meant to evaluate it. Create a new TemperatureScaler "
                "to fit on other validation data."
            )

        matrix = _logit_matrix(logits, func)
        targets = check_labels_1d(labels, func=func, name="labels").astype(np.int64)
        _check_fit_inputs(matrix, targets, func)

        def negative_log_likelihood(log_temperature: float) -> float:
            log_probabilities = special.log_softmax(matrix / math.exp(log_temperature), axis=1)
            return -float(np.mean(log_probabilities[np.arange(targets.size), targets]))

        result = optimize.minimize_scalar(
            negative_log_likelihood, bounds=_LOG_TEMPERATURE_BOUNDS, method="bounded"
        )
        # With every sample classified right the loss falls all the way to T = 0, so the
        # optimum is the search bound or wherever the loss underflows to 0.
        all_correct = bool(np.all(matrix.argmax(axis=1) == targets))
        on_edge = min(abs(result.x - bound) for bound in _LOG_TEMPERATURE_BOUNDS) < 1e-3
        if all_correct or on_edge:
            warn_caller(
                f"{func}: the temperature is not identifiable from these data (fitted "
                f"T={math.exp(result.x):.4g}, search range about 0.01 to 100): "
                + (
                    "every validation sample is classified correctly, so the loss keeps falling "
                    "as T shrinks. "
                    if all_correct
                    else "the optimum lies on the edge of the range. "
                )
                + "Fit on a larger validation split that contains errors.",
                MedguideWarning,
            )

        self._temperature = float(math.exp(result.x))
        self._n_fitted = int(targets.size)
        logger.info(
            "%s: T=%.4g on %d samples (NLL %.4f)", func, self._temperature, targets.size, result.fun
        )
        return self

    def transform(self, logits: Any) -> np.ndarray:
        """Return calibrated probabilities softmax(logits / T).

        Parameters
        ----------
        logits : array-like or torch.Tensor of shape (n_samples, n_classes) or (n_samples,)
            Logits with the same number of classes as at fitting.

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_classes), or (n_samples,) for 1-D input
            Calibrated probabilities. For 1-D logits, the probability of class 1.

        Raises
        ------
        ValueError
            If the scaler is not fitted or the logits contain NaN or inf.
        """
        func = "TemperatureScaler.transform"
        temperature = self.temperature
        one_logit = to_numpy(logits, func=func, name="logits").ndim == 1
        matrix = _logit_matrix(logits, func)
        probabilities = special.softmax(matrix / temperature, axis=1)
        return probabilities[:, 1] if one_logit else probabilities


def _logit_matrix(logits: Any, func: str) -> np.ndarray:
    """Return logits as (n_samples, n_classes); a single logit z becomes the pair (0, z)."""
    values = to_numpy(logits, func=func, name="logits")
    if values.dtype.kind not in "iuf":
        raise TypeError(f"{func}: `logits` must be numeric, got dtype {values.dtype}.")
    values = values.astype(np.float64)

    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim == 1:
        values = np.stack([np.zeros_like(values), values], axis=1)
    if values.ndim != 2 or values.shape[0] == 0:
        raise ValueError(
            f"{func}: `logits` must have shape (n_samples, n_classes) or (n_samples,), got shape "
            f"{values.shape}."
        )

    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{func}: `logits` contains NaN or infinite values. Check the model output."
        )
    return values


def _check_fit_inputs(logits: np.ndarray, targets: np.ndarray, func: str) -> None:
    n_samples, n_classes = logits.shape
    if targets.size != n_samples:
        raise ValueError(
            f"{func}: `logits` has {n_samples} rows but `labels` has {targets.size} labels. "
            "Pass one label per row, from the same validation split."
        )

    outside = np.unique(targets[(targets < 0) | (targets >= n_classes)])
    if outside.size:
        raise ValueError(
            f"{func}: `labels` must lie in 0 to {n_classes - 1} for {n_classes} classes, got "
            f"{format_values(outside)}."
        )

    rows_sum_to_one = np.allclose(logits.sum(axis=1), 1, atol=1e-4)
    if n_classes > 2 and rows_sum_to_one and np.all((logits >= 0) & (logits <= 1)):
        raise ValueError(
            f"{func}: `logits` look like probabilities (every row lies in [0, 1] and sums to 1). "
            "Pass the logits from before the softmax."
        )


def adjust_for_prevalence(
    probabilities: Any, *, train_prevalence: float, target_prevalence: float
) -> np.ndarray:
    """Correct positive-class probabilities for a population with another prevalence.

    Bayes' rule on the odds: posterior odds are multiplied by the ratio of
    the target prior odds to the training prior odds. This assumes that only
    the prevalence changes (label shift) and that the probabilities were
    calibrated for the training prevalence. It cannot fix a model that is
    miscalibrated to start with.

    Parameters
    ----------
    probabilities : array-like of shape (n_samples,)
        Probability of the positive class under the training prevalence.
    train_prevalence : float
        Fraction of positives the model was trained (or calibrated) on, in (0, 1).
    target_prevalence : float
        Fraction of positives in the population of interest, in (0, 1).

    Returns
    -------
    numpy.ndarray of shape (n_samples,)
        Adjusted probabilities. 0 and 1 stay 0 and 1.

    Raises
    ------
    ValueError
        If a prevalence is not strictly between 0 and 1, or the
        probabilities are outside [0, 1], NaN or inf.

    Notes
    -----
    p' = p r1 / (p r1 + (1 - p) r0) with r1 = target / train and
    r0 = (1 - target) / (1 - train), the two-class case of the prior
    correction in Saerens et al. (2002).

    References
    ----------
    .. [1] Saerens M, Latinne P, Decaestecker C. Adjusting the outputs of a
       classifier to new a priori probabilities: a simple procedure. Neural
       Computation. 2002;14(1):21-41. doi:10.1162/089976602753284446

    Examples
    --------
    >>> adjust_for_prevalence([0.5, 0.9], train_prevalence=0.5, target_prevalence=0.1)
    array([0.1, 0.5])
    """
    func = "adjust_for_prevalence"
    train = check_open_fraction(train_prevalence, func=func, name="train_prevalence")
    target = check_open_fraction(target_prevalence, func=func, name="target_prevalence")
    values = to_numpy(probabilities, func=func, name="probabilities")
    p = check_binary_scores(values, n_samples=np.size(values), func=func, name="probabilities")

    positive_weight = target / train
    negative_weight = (1 - target) / (1 - train)
    return p * positive_weight / (p * positive_weight + (1 - p) * negative_weight)
