"""Input checks shared by the medguide modules.

Every check raises ``ValueError`` or ``TypeError`` (or
[`UndefinedMetricError`][medguide.exceptions.UndefinedMetricError]) whose message names the
calling function, the argument, the rule it breaks, the value received and
what to do. Pass the public function's name as ``func`` so the message points
at the call the user wrote.

``squeeze_labels`` is public and re-exported by [`medguide.metrics`][medguide.metrics]. The
other helpers are private to the package.
"""

from __future__ import annotations

import sys
import warnings
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from .exceptions import ScoreWarning, UndefinedMetricError

__all__ = ["squeeze_labels"]

_PACKAGE_DIR = str(Path(__file__).resolve().parent)

# Tolerance for "each row of probabilities sums to 1". Float32 rounding puts
# softmax row sums off by about 1e-7 per class, so 1e-4 accepts them but rejects logits.
ROW_SUM_TOLERANCE = 1e-4


def warn_caller(message: str, category: type[Warning] = ScoreWarning) -> None:
    """Emit a warning attributed to the first stack frame outside medguide.

    A fixed ``stacklevel`` would point at medguide itself whenever one public
    function calls another, so the level is counted from the call stack.
    """
    frame = sys._getframe(1)
    level = 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1

    warnings.warn(message, category, stacklevel=level)


def format_values(values: Any, limit: int = 5) -> str:
    """Format up to ``limit`` values for an error message, noting how many were left out."""
    flat = list(np.asarray(values).ravel()[:limit])
    text = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in flat)
    extra = np.asarray(values).size - len(flat)
    return f"[{text}, ... {extra} more]" if extra > 0 else f"[{text}]"


def is_tensor(values: Any) -> bool:
    """Return True for a torch tensor, without importing torch."""
    return type(values).__module__.startswith("torch") and hasattr(values, "detach")


def to_numpy(values: Any, *, func: str, name: str) -> np.ndarray:
    """Convert a list, NumPy array or torch tensor to a NumPy array."""
    if values is None:
        raise TypeError(f"{func}: `{name}` is None. Pass an array-like of values.")

    if is_tensor(values):
        return values.detach().cpu().numpy()

    if isinstance(values, (str, bytes)):
        raise TypeError(
            f"{func}: `{name}` must be array-like, got the string {values!r}. "
            "Pass a list, NumPy array or torch tensor."
        )

    return np.asarray(values)


def squeeze_labels(labels: Any, *, func: str = "squeeze_labels", name: str = "labels") -> Any:
    """Reshape class labels of shape (n_samples, 1) to (n_samples,) and reject other shapes.

    MedMNIST stores labels with shape (n_samples, 1). Comparing such a column
    with predictions of shape (n_samples,) broadcasts to (n_samples,
    n_samples) and silently gives a wrong accuracy, so labels go through this
    function before any loss or metric. Only the shapes (n_samples,) and
    (n_samples, 1) are accepted; a one-hot matrix or a score matrix is
    rejected rather than guessed at.

    Parameters
    ----------
    labels : array-like or torch.Tensor of shape (n_samples,) or (n_samples, 1)
        Class labels.
    func : str, default="squeeze_labels"
        Name of the public function to name in error messages.
    name : str, default="labels"
        Name of the argument to name in error messages.

    Returns
    -------
    numpy.ndarray or torch.Tensor of shape (n_samples,)
        The labels as one dimension. A torch tensor stays a tensor on the
        same device; anything else becomes a NumPy array.

    Raises
    ------
    TypeError
        If ``labels`` is None or a string.
    ValueError
        If ``labels`` is a scalar, empty, or has any shape other than
        (n_samples,) or (n_samples, 1).

    Examples
    --------
    >>> import numpy as np
    >>> squeeze_labels(np.array([[0], [1], [1]]))
    array([0, 1, 1])
    >>> squeeze_labels([1, 0]).shape
    (2,)
    """
    array_like = labels if is_tensor(labels) else to_numpy(labels, func=func, name=name)
    shape = tuple(array_like.shape)

    if len(shape) == 0:
        raise ValueError(
            f"{func}: `{name}` must have shape (n_samples,) or (n_samples, 1), "
            f"got a scalar ({format_values(to_numpy(labels, func=func, name=name))}). "
            "Pass one label per sample."
        )

    if len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
        raise ValueError(
            f"{func}: `{name}` must have shape (n_samples,) or (n_samples, 1), got shape "
            f"{shape}. For one-hot labels take the argmax over the class axis; for "
            "multi-label targets use the multi-label functions."
        )

    if shape[0] == 0:
        raise ValueError(f"{func}: `{name}` is empty. Pass at least one sample.")

    return array_like.reshape(-1)


def check_labels_1d(y_true: Any, *, func: str, name: str = "y_true") -> np.ndarray:
    """Squeeze labels to a NumPy array of shape (n_samples,) and reject NaN, inf and fractions."""
    labels = to_numpy(squeeze_labels(y_true, func=func, name=name), func=func, name=name)

    if labels.dtype.kind == "f":
        bad = labels[~np.isfinite(labels)]
        if bad.size:
            raise ValueError(
                f"{func}: `{name}` contains {bad.size} non-finite value(s) "
                f"{format_values(bad)}. Remove or impute those samples first."
            )
        fractional = labels[labels != np.round(labels)]
        if fractional.size:
            raise ValueError(
                f"{func}: `{name}` must contain class labels, got non-integer value(s) "
                f"{format_values(fractional)}. Pass labels, not scores or probabilities."
            )
    elif labels.dtype.kind not in "biuUSO":
        raise TypeError(
            f"{func}: `{name}` must contain integer, boolean or string class labels, "
            f"got dtype {labels.dtype}."
        )

    return labels


def binary_targets(
    y_true: Any, *, positive_label: Any, func: str, name: str = "y_true"
) -> np.ndarray:
    """Return a boolean array that is True where ``y_true`` equals ``positive_label``.

    ``y_true`` may contain at most two distinct labels. When it contains two,
    one of them must be ``positive_label``. One distinct label is allowed here
    and rejected by `require_both_classes` where a metric needs both.
    """
    labels = check_labels_1d(y_true, func=func, name=name)
    present = np.unique(labels)

    if (
        positive_label is None
        or isinstance(positive_label, float)
        and not np.isfinite(positive_label)
    ):
        raise TypeError(
            f"{func}: `positive_label` must name the positive class, got {positive_label!r}. "
            "Pass the label of the clinically positive class, e.g. positive_label=0 for "
            "malignant in BreastMNIST."
        )

    label_is_text = labels.dtype.kind in "US"
    if label_is_text != isinstance(positive_label, str):
        raise TypeError(
            f"{func}: `positive_label`={positive_label!r} and the labels in `{name}` "
            f"{format_values(present)} are of different types (text against number). "
            "Pass a positive_label of the same type as the labels."
        )

    if present.size > 2:
        raise ValueError(
            f"{func}: `{name}` must contain at most two classes for a binary metric, got "
            f"{present.size}: {format_values(present, limit=10)}. Use the multi-class "
            "functions, or map the labels to two classes first."
        )

    if present.size == 2 and not np.any(present == positive_label):
        raise ValueError(
            f"{func}: `positive_label`={positive_label!r} is not one of the classes in "
            f"`{name}` {format_values(present)}. Pass one of those labels."
        )

    return labels == positive_label


def require_both_classes(
    y_true: Any, is_positive: np.ndarray, *, func: str, name: str = "y_true", metric: str
) -> None:
    """Raise UndefinedMetricError if ``is_positive`` is all True or all False."""
    n_positive = int(is_positive.sum())
    if 0 < n_positive < is_positive.size:
        return

    labels = to_numpy(squeeze_labels(y_true, func=func, name=name), func=func, name=name)
    present = labels[0].item() if hasattr(labels[0], "item") else labels[0]
    raise UndefinedMetricError(
        f"{func}: `{name}` contains one class only (all {is_positive.size} samples are "
        f"{present!r}). {metric} is undefined without both classes; evaluate the whole "
        "split, stratify the split, or keep both classes when resampling."
    )


def check_binary_scores(
    y_score: Any, *, n_samples: int, func: str, name: str = "y_score", from_logits: bool = False
) -> np.ndarray:
    """Return scores as float64 of shape (n_samples,) after checking range and shape.

    Without ``from_logits`` the scores must lie in [0, 1]. With it they may be
    any finite real number, and the caller applies the sigmoid where it needs
    probabilities. Scores made only of 0 and 1 raise a ScoreWarning, because
    they look like predicted labels rather than scores.
    """
    if not isinstance(from_logits, bool):
        raise TypeError(f"{func}: `from_logits` must be True or False, got {from_logits!r}.")

    raw = to_numpy(y_score, func=func, name=name)
    if raw.ndim == 2 and raw.shape[1] == 2:
        raise ValueError(
            f"{func}: `{name}` has shape {raw.shape}, a score per class. Pass the column "
            "of the positive class only, e.g. y_score[:, positive_label]."
        )

    scores = squeeze_labels(raw, func=func, name=name)
    if scores.dtype.kind not in "biuf":
        raise TypeError(f"{func}: `{name}` must be numeric, got dtype {scores.dtype}.")
    scores = scores.astype(np.float64)

    if scores.size != n_samples:
        raise ValueError(
            f"{func}: `{name}` has {scores.size} values but `y_true` has {n_samples}. "
            "Pass one score per sample, in the same order as the labels."
        )

    check_finite(scores, func=func, name=name)

    outside = scores[(scores < 0) | (scores > 1)]
    if outside.size and not from_logits:
        raise ValueError(
            f"{func}: `{name}` must be probabilities in [0, 1], got {outside.size} value(s) "
            f"outside that range {format_values(outside)}. If these are logits, pass "
            "from_logits=True."
        )

    if not outside.size and from_logits and scores.size > 1:
        warn_caller(
            f"{func}: from_logits=True but every value of `{name}` lies in [0, 1], which "
            "looks like probabilities. Pass from_logits=False if they are probabilities.",
        )

    if scores.size > 1 and np.all((scores == 0) | (scores == 1)):
        warn_caller(
            f"{func}: `{name}` contains only 0 and 1, which looks like predicted labels. "
            "Pass the continuous score of the positive class; ranking metrics of hard "
            "labels reduce to a single threshold.",
        )

    return scores


def check_finite(values: np.ndarray, *, func: str, name: str) -> None:
    """Raise ValueError naming the NaN or infinite entries of a float array."""
    bad = ~np.isfinite(values)
    if bad.any():
        positions = np.flatnonzero(bad.ravel())
        raise ValueError(
            f"{func}: `{name}` contains {positions.size} NaN or infinite value(s) "
            f"{format_values(values.ravel()[positions])} at flat position(s) "
            f"{format_values(positions)}. Remove or fix those samples first."
        )


def check_score_matrix(
    y_score: Any,
    *,
    n_samples: int,
    func: str,
    name: str = "y_score",
    rows_sum_to_one: bool,
) -> np.ndarray:
    """Return a float64 score matrix of shape (n_samples, n_classes) with values in [0, 1].

    With ``rows_sum_to_one`` (multi-class probabilities) every row must sum to
    1 within `ROW_SUM_TOLERANCE`. Convert logits before calling this.
    """
    scores = to_numpy(y_score, func=func, name=name)
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(
            f"{func}: `{name}` must have shape (n_samples, n_classes) with at least two "
            f"classes, got shape {scores.shape}."
        )
    if scores.dtype.kind not in "biuf":
        raise TypeError(f"{func}: `{name}` must be numeric, got dtype {scores.dtype}.")
    scores = scores.astype(np.float64)

    if scores.shape[0] != n_samples:
        raise ValueError(
            f"{func}: `{name}` has {scores.shape[0]} rows but `y_true` has {n_samples} "
            "samples. Pass one row of scores per sample."
        )

    check_finite(scores, func=func, name=name)

    outside = scores[(scores < 0) | (scores > 1)]
    if outside.size:
        raise ValueError(
            f"{func}: `{name}` must be probabilities in [0, 1], got {outside.size} value(s) "
            f"outside that range {format_values(outside)}. If these are logits, pass "
            "from_logits=True."
        )

    if rows_sum_to_one:
        row_sums = scores.sum(axis=1)
        off = np.flatnonzero(np.abs(row_sums - 1) > ROW_SUM_TOLERANCE)
        if off.size:
            raise ValueError(
                f"{func}: each row of `{name}` must sum to 1 for multi-class probabilities, "
                f"but {off.size} row(s) do not (row sums {format_values(row_sums[off])} at "
                f"rows {format_values(off)}). Pass softmax outputs, pass from_logits=True for "
                "logits, or use the multi-label functions for independent per-class scores."
            )

    return scores


def check_confidence(confidence: Any, *, func: str) -> float:
    """Return ``confidence`` as a float strictly between 0 and 1."""
    return check_open_fraction(confidence, func=func, name="confidence")


def check_open_fraction(value: Any, *, func: str, name: str) -> float:
    """Return ``value`` as a float strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{func}: `{name}` must be a number in (0, 1), got {value!r}.")
    if not 0 < value < 1:
        raise ValueError(
            f"{func}: `{name}` must lie strictly between 0 and 1, got {value!r}. "
            "For example pass 0.95 rather than 95."
        )
    return float(value)


def check_int(value: Any, *, func: str, name: str, minimum: int) -> int:
    """Return ``value`` as an int of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{func}: `{name}` must be an integer, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{func}: `{name}` must be at least {minimum}, got {value!r}.")
    return int(value)


def check_choice(value: Any, *, func: str, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{func}: `{name}` must be one of {options}, got {value!r}.")
    return value
