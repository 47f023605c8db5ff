"""Intensity normalisation whose statistics come from the training split only.

Statistics computed on all images, or refitted on the test split, let the
test data shape the model's input and overstate performance.
[`IntensityNormalizer`][medguide.preprocessing.IntensityNormalizer] records a fingerprint of the data it was fitted
on and raises [`LeakageError`][medguide.exceptions.LeakageError] when ``fit`` is
called again on different data, unless the caller asks for a refit.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._validation import check_choice, check_finite, format_values, to_numpy
from .exceptions import LeakageError

__all__ = ["IntensityNormalizer", "fingerprint_array"]

logger = logging.getLogger("medguide")

_METHODS = ("standard", "minmax")


def fingerprint_array(values: Any) -> str:
    """Compute a BLAKE2b digest of an array's shape, dtype and bytes.

    Two arrays get the same fingerprint exactly when they have the same
    shape, dtype and bytes (up to a 128-bit hash collision), so a copy of
    the training images matches and any other split does not.

    Parameters
    ----------
    values : array-like or torch.Tensor
        Data to fingerprint.

    Returns
    -------
    str
        32 hexadecimal characters.

    Raises
    ------
    TypeError
        If ``values`` is None, a string or an array of Python objects.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.zeros((2, 3), dtype=np.uint8)
    >>> fingerprint_array(images) == fingerprint_array(images.copy())
    True
    >>> fingerprint_array(images) == fingerprint_array(images.astype(np.float32))
    False
    >>> len(fingerprint_array([1, 2, 3]))
    32
    """
    array = np.ascontiguousarray(to_numpy(values, func="fingerprint_array", name="values"))
    if array.dtype.hasobject:
        raise TypeError(
            "fingerprint_array: `values` must have a fixed-size dtype such as uint8 or "
            "float32, got dtype object. Convert the data to a numeric array first."
        )

    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{array.shape}|{array.dtype.str}|".encode())
    digest.update(array.view(np.uint8).reshape(-1))
    return digest.hexdigest()


class IntensityNormalizer(TransformerMixin, BaseEstimator):
    """Scale image intensities with statistics fitted once, on the training split.

    A second ``fit`` on different data raises ``LeakageError`` unless it is
    called with ``refit=True``, because refitting on the validation or test
    split is a common and silent leak. A fit on the same data again is
    allowed. scikit-learn's ``clone`` returns an unfitted copy, so the
    normaliser works inside a ``Pipeline`` in ``cross_val_score``.

    With ``method="standard"`` the output is ``(X - mean_) / scale_`` where
    ``mean_`` and ``scale_`` are the mean and the population standard
    deviation of all training values. With ``method="minmax"`` ``mean_`` is
    replaced by the training minimum and ``scale_`` by the range, which maps
    the training data to [0, 1]; other splits may fall outside.

    Parameters
    ----------
    method : {"standard", "minmax"}, default="standard"
        Which statistics to fit.
    channel_axis : int or None, default=None
        Axis of ``X`` holding channels, for example -1 for (n, height, width,
        channels). None fits one offset and one scale over all values. The
        sample axis 0 cannot be the channel axis.
    dtype : numpy dtype, default=numpy.float32
        Floating-point type of the output.

    Attributes
    ----------
    offset_ : numpy.ndarray
        Value subtracted: the mean or the minimum, one per channel or a
        scalar array.
    scale_ : numpy.ndarray
        Divisor: the standard deviation or the range, in the same shape.
    fingerprint_ : str
        [`fingerprint_array`][medguide.preprocessing.fingerprint_array] of the data passed to ``fit``.
    n_samples_fit_ : int
        Number of samples (length of axis 0) passed to ``fit``.
    sample_shape_ : tuple of int
        Shape of one sample; ``transform`` requires the same shape.

    Raises
    ------
    LeakageError
        From ``fit``, when the normaliser is already fitted on other data and
        ``refit`` is False.
    TypeError, ValueError
        From ``fit`` and ``transform``, for invalid input; see those methods.

    See Also
    --------
    - `sklearn.preprocessing.StandardScaler`: Per-feature scaling, which can be refitted silently.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = rng.integers(0, 256, (10, 4, 4)).astype(np.uint8)
    >>> test = rng.integers(0, 256, (3, 4, 4)).astype(np.uint8)
    >>> normalizer = IntensityNormalizer().fit(train)
    >>> round(float(normalizer.transform(train).mean()), 6), normalizer.transform(test).shape
    (0.0, (3, 4, 4))
    >>> normalizer.fit(test)
    Traceback (most recent call last):
    ...
    medguide.exceptions.LeakageError: IntensityNormalizer.fit: this normaliser is already fitted ...
    """

    def __init__(
        self, method: str = "standard", *, channel_axis: int | None = None, dtype: Any = np.float32
    ) -> None:
        self.method = method
        self.channel_axis = channel_axis
        self.dtype = dtype

    def fit(self, X: Any, y: Any = None, *, refit: bool = False) -> IntensityNormalizer:
        """Fit the offset and scale on the training images.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Training images. Any numeric dtype; NaN and infinity are rejected.
        y : None
            Ignored; accepted for scikit-learn pipelines.
        refit : bool, default=False
            Allow replacing statistics fitted on other data.

        Returns
        -------
        IntensityNormalizer
            This normaliser, fitted.

        Raises
        ------
        LeakageError
            If already fitted on data with another fingerprint and ``refit`` is False.
        TypeError
            If ``X`` is None, a string or not numeric, or ``refit`` is not a bool.
        ValueError
            If ``method`` or ``channel_axis`` is invalid, ``X`` is empty or
            non-finite, or a channel of ``X`` has a single value.
        """
        func = "IntensityNormalizer.fit"
        if not isinstance(refit, bool):
            raise TypeError(f"{func}: `refit` must be True or False, got {refit!r}.")

        method = check_choice(self.method, func=func, name="method", choices=_METHODS)
        values = self._check_values(X, func=func)
        fingerprint = fingerprint_array(values)

        previous = getattr(self, "fingerprint_", None)
        if previous is not None and previous != fingerprint and not refit:
            raise LeakageError(
                f"{func}: this normaliser is already fitted on other data (fingerprint "
                f"{previous}, {self.n_samples_fit_} samples), and fitting it on these "
                f"{values.shape[0]} samples (fingerprint {fingerprint}) would replace the "
                "training statistics. Fit on the training split only and call transform on "
                "the other splits; pass refit=True or create a new normaliser to refit on purpose."
            )

        channels = self._channels_last(values, func=func)
        if method == "standard":
            offset, scale = channels.mean(axis=0), channels.std(axis=0)
        else:
            offset = channels.min(axis=0)
            scale = channels.max(axis=0) - offset

        if np.any(scale == 0):
            flat_channels = np.flatnonzero(np.atleast_1d(scale) == 0)
            raise ValueError(
                f"{func}: `X` has a single value in channel(s) {format_values(flat_channels)} "
                f"(value {format_values(np.atleast_1d(offset)[flat_channels])}), so the scale "
                "is zero. Check that the training images are not blank."
            )

        self.offset_ = np.asarray(offset, dtype=np.float64)
        self.scale_ = np.asarray(scale, dtype=np.float64)
        self.fingerprint_ = fingerprint
        self.n_samples_fit_ = int(values.shape[0])
        self.sample_shape_ = tuple(values.shape[1:])
        logger.debug("%s: fitted %s statistics on %d samples", func, method, values.shape[0])
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scale images with the fitted statistics.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...)
            Images of any split, with the sample shape seen in ``fit``.

        Returns
        -------
        numpy.ndarray of the same shape as ``X``
            Scaled values in ``dtype``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If ``fit`` has not been called.
        TypeError
            If ``X`` is None, a string or not numeric.
        ValueError
            If ``X`` is empty, non-finite or has another sample shape.
        """
        func = "IntensityNormalizer.transform"
        check_is_fitted(self, "fingerprint_")
        values = self._check_values(X, func=func)

        if tuple(values.shape[1:]) != self.sample_shape_:
            raise ValueError(
                f"{func}: each sample of `X` has shape {tuple(values.shape[1:])}, but the "
                f"normaliser was fitted on samples of shape {self.sample_shape_}. Pass images "
                "with the training layout."
            )

        channels = self._channels_last(values, func=func)
        scaled = (channels - self.offset_) / self.scale_
        return self._restore_layout(scaled.astype(self.dtype, copy=False), values.shape)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Map scaled values back to the original intensities.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Output of [`transform`][medguide.preprocessing.IntensityNormalizer.transform].

        Returns
        -------
        numpy.ndarray of the same shape as ``X``
            Values in the original intensity units, as float64.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If ``fit`` has not been called.
        """
        func = "IntensityNormalizer.inverse_transform"
        check_is_fitted(self, "fingerprint_")
        values = self._check_values(X, func=func)

        channels = self._channels_last(values, func=func)
        return self._restore_layout(channels * self.scale_ + self.offset_, values.shape)

    def _check_values(self, X: Any, *, func: str) -> np.ndarray:
        values = to_numpy(X, func=func, name="X")
        if values.dtype.kind not in "biuf":
            raise TypeError(f"{func}: `X` must be numeric, got dtype {values.dtype}.")

        if values.ndim < 1 or values.shape[0] == 0:
            raise ValueError(
                f"{func}: `X` must have shape (n_samples, ...) with at least one sample, "
                f"got shape {values.shape}."
            )

        if values.dtype.kind == "f":
            check_finite(values, func=func, name="X")

        return values

    def _channel_axis(self, ndim: int, *, func: str) -> int | None:
        axis = self.channel_axis
        if axis is None:
            return None

        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
            raise ValueError(
                f"{func}: `channel_axis` must be None or an axis of `X` (which has {ndim} "
                f"dimensions), got {axis!r}."
            )
        if axis % ndim == 0:
            raise ValueError(
                f"{func}: `channel_axis` must not be the sample axis 0, got {axis!r}. Pass "
                "the axis of the channels, for example -1 for (n, height, width, channels)."
            )

        return int(axis % ndim)

    def _channels_last(self, values: np.ndarray, *, func: str) -> np.ndarray:
        """Reshape to (n_values, n_channels), or to (n_values,) without channels."""
        axis = self._channel_axis(values.ndim, func=func)
        if axis is None:
            return values.reshape(-1).astype(np.float64)

        moved = np.moveaxis(values, axis, -1)
        return moved.reshape(-1, moved.shape[-1]).astype(np.float64)

    def _restore_layout(self, channels: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        axis = self._channel_axis(len(shape), func="IntensityNormalizer")
        if axis is None:
            return channels.reshape(shape)

        moved_shape = tuple(np.delete(shape, axis)) + (shape[axis],)
        return np.moveaxis(channels.reshape(moved_shape), -1, axis)
