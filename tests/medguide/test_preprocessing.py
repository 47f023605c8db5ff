"""Tests of the train-only intensity normaliser in medguide.preprocessing."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

from medguide.exceptions import LeakageError
from medguide.preprocessing import IntensityNormalizer, fingerprint_array


@pytest.mark.parametrize("seed", range(5))
def test_standard_matches_sklearn_scaler(seed):
    rng = np.random.default_rng(seed)
    train = rng.integers(0, 256, (20, 6, 6)).astype(np.uint8)
    test = rng.integers(0, 256, (7, 6, 6)).astype(np.uint8)
    # StandardScaler on one column of all values gives the per-dataset statistics.
    scaler = StandardScaler().fit(train.reshape(-1, 1))

    normalizer = IntensityNormalizer(dtype=np.float64).fit(train)

    expected = scaler.transform(test.reshape(-1, 1).astype(float)).reshape(test.shape)
    assert np.allclose(normalizer.transform(test), expected)
    assert normalizer.offset_ == pytest.approx(scaler.mean_[0])
    assert normalizer.scale_ == pytest.approx(scaler.scale_[0])


@pytest.mark.parametrize("seed", range(5))
def test_minmax_matches_sklearn_scaler(seed):
    rng = np.random.default_rng(seed)
    train = rng.normal(50, 10, (15, 5, 5))
    test = rng.normal(50, 10, (4, 5, 5))
    scaler = MinMaxScaler().fit(train.reshape(-1, 1))

    normalizer = IntensityNormalizer("minmax", dtype=np.float64).fit(train)

    expected = scaler.transform(test.reshape(-1, 1)).reshape(test.shape)
    assert np.allclose(normalizer.transform(test), expected)
    assert normalizer.transform(train).min() == pytest.approx(0.0)
    assert normalizer.transform(train).max() == pytest.approx(1.0)


def test_standard_toy_by_hand():
    train = np.array([[0.0, 2.0], [4.0, 6.0]])

    normalizer = IntensityNormalizer(dtype=np.float64).fit(train)

    # Mean 3, population standard deviation sqrt(5).
    assert normalizer.offset_ == pytest.approx(3.0)
    assert normalizer.scale_ == pytest.approx(np.sqrt(5))
    assert np.allclose(normalizer.transform([[3.0, 3.0 + np.sqrt(5)]]), [[0.0, 1.0]])


def test_per_channel_statistics():
    rng = np.random.default_rng(0)
    train = np.stack([rng.normal(10, 1, (8, 4, 4)), rng.normal(100, 5, (8, 4, 4))], axis=-1)

    normalizer = IntensityNormalizer(channel_axis=-1).fit(train)
    scaled = normalizer.transform(train)

    assert normalizer.offset_.shape == (2,)
    assert np.allclose(normalizer.offset_, train.reshape(-1, 2).mean(axis=0))
    assert np.allclose(normalizer.scale_, train.reshape(-1, 2).std(axis=0))
    assert np.allclose(scaled.reshape(-1, 2).mean(axis=0), 0, atol=1e-5)
    assert np.allclose(scaled.reshape(-1, 2).std(axis=0), 1, atol=1e-5)


def test_channel_axis_one():
    rng = np.random.default_rng(1)
    train = rng.normal(0, 1, (6, 3, 5, 5)) * np.array([1, 10, 100])[None, :, None, None]

    normalizer = IntensityNormalizer(channel_axis=1).fit(train)
    scaled = normalizer.transform(train)

    assert scaled.shape == train.shape
    assert np.allclose(scaled.std(axis=(0, 2, 3)), 1, atol=1e-5)
    assert np.allclose(normalizer.inverse_transform(scaled), train, atol=1e-3)


def test_inverse_round_trip():
    rng = np.random.default_rng(2)
    train = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)

    normalizer = IntensityNormalizer(dtype=np.float64).fit(train)

    assert np.allclose(normalizer.inverse_transform(normalizer.transform(train)), train)


def test_output_dtype_and_torch_input():
    train = torch.arange(32, dtype=torch.float32).reshape(2, 4, 4)

    scaled = IntensityNormalizer().fit(train).transform(train)

    assert scaled.dtype == np.float32
    assert scaled.shape == (2, 4, 4)


def test_refit_on_other_split_raises(breastmnist):
    train, _ = breastmnist["train"]
    test, _ = breastmnist["test"]
    normalizer = IntensityNormalizer().fit(train)

    with pytest.raises(LeakageError, match=r"IntensityNormalizer.fit: this normaliser is already fitted on other data .* 546 samples.* these 156 samples"):
        normalizer.fit(test)

    assert normalizer.fingerprint_ == fingerprint_array(train)


def test_refit_same_data_allowed(breastmnist):
    train, _ = breastmnist["train"]
    normalizer = IntensityNormalizer().fit(train)
    offset = normalizer.offset_.copy()

    normalizer.fit(train.copy())

    assert normalizer.offset_ == offset


def test_explicit_refit_replaces_statistics(breastmnist):
    train, _ = breastmnist["train"]
    test, _ = breastmnist["test"]
    normalizer = IntensityNormalizer().fit(train)

    normalizer.fit(test, refit=True)

    assert normalizer.fingerprint_ == fingerprint_array(test)
    assert normalizer.n_samples_fit_ == 156
    assert normalizer.offset_ == pytest.approx(test.mean())


def test_fit_transform_then_refit_raises():
    rng = np.random.default_rng(3)
    normalizer = IntensityNormalizer()
    normalizer.fit_transform(rng.random((4, 3, 3)))

    with pytest.raises(LeakageError, match=r"pass refit=True or create a new normaliser"):
        normalizer.fit_transform(rng.random((4, 3, 3)))


def test_clone_is_unfitted():
    rng = np.random.default_rng(4)
    fitted = IntensityNormalizer("minmax").fit(rng.random((4, 3, 3)))

    copy = clone(fitted)

    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "fingerprint_")
    copy.fit(rng.random((4, 3, 3)))


def test_pipeline_cross_validation(pneumoniamnist):
    images, labels = pneumoniamnist["val"]
    flatten = FunctionTransformer(lambda x: x.reshape(len(x), -1))
    pipeline = make_pipeline(IntensityNormalizer(), flatten, LogisticRegression(max_iter=300))

    scores = cross_val_score(pipeline, images, labels, cv=3, scoring="roc_auc")

    assert scores.shape == (3,)
    assert scores.min() > 0.8


def test_fingerprint_differs_by_split(pneumoniamnist):
    prints = {name: fingerprint_array(images) for name, (images, _) in pneumoniamnist.items()}

    assert len(set(prints.values())) == 3
    assert fingerprint_array(pneumoniamnist["train"][0].copy()) == prints["train"]


def test_fingerprint_sees_shape():
    values = np.arange(6, dtype=np.uint8)

    assert fingerprint_array(values) != fingerprint_array(values.reshape(2, 3))


def test_fingerprint_rejects_objects():
    with pytest.raises(TypeError, match=r"fingerprint_array: `values` must have a fixed-size dtype .* got dtype object"):
        fingerprint_array(np.array([{"a": 1}, None], dtype=object))


def test_transform_before_fit_raises():
    with pytest.raises(NotFittedError):
        IntensityNormalizer().transform(np.zeros((1, 2, 2)))


@pytest.mark.parametrize(
    ("normalizer", "X", "error", "pattern"),
    [
        (IntensityNormalizer("zscore"), np.ones((2, 2)), ValueError, r"IntensityNormalizer.fit: `method` must be one of 'standard', 'minmax', got 'zscore'"),
        (IntensityNormalizer(), np.full((3, 2, 2), 5.0), ValueError, r"`X` has a single value in channel\(s\) \[0\] \(value \[5.0\]\), so the scale is zero"),
        (IntensityNormalizer(channel_axis=-1), np.stack([np.ones((3, 2)), np.arange(6.0).reshape(3, 2)], -1), ValueError, r"single value in channel\(s\) \[0\]"),
        (IntensityNormalizer(), np.zeros((0, 2, 2)), ValueError, r"`X` must have shape \(n_samples, ...\) with at least one sample, got shape \(0, 2, 2\)"),
        (IntensityNormalizer(), np.float64(3.0), ValueError, r"with at least one sample, got shape \(\)"),
        (IntensityNormalizer(), np.array([[np.nan, 1.0]]), ValueError, r"`X` contains 1 NaN or infinite value\(s\)"),
        (IntensityNormalizer(), np.array([["a", "b"]]), TypeError, r"`X` must be numeric, got dtype <U1"),
        (IntensityNormalizer(), None, TypeError, r"IntensityNormalizer.fit: `X` is None"),
        (IntensityNormalizer(channel_axis=0), np.ones((2, 2)), ValueError, r"`channel_axis` must not be the sample axis 0"),
        (IntensityNormalizer(channel_axis=3), np.ones((2, 2)), ValueError, r"`channel_axis` must be None or an axis of `X` \(which has 2 dimensions\), got 3"),
        (IntensityNormalizer(channel_axis=1.0), np.ones((2, 2)), ValueError, r"`channel_axis` must be None or an axis"),
    ],
)
def test_fit_invalid_input(normalizer, X, error, pattern):
    with pytest.raises(error, match=pattern):
        normalizer.fit(X)


def test_fit_refit_must_be_bool():
    with pytest.raises(TypeError, match=r"`refit` must be True or False, got 1"):
        IntensityNormalizer().fit(np.arange(4.0).reshape(2, 2), refit=1)


def test_transform_shape_mismatch_raises():
    normalizer = IntensityNormalizer().fit(np.arange(8.0).reshape(2, 2, 2))

    with pytest.raises(ValueError, match=r"IntensityNormalizer.transform: each sample of `X` has shape \(4,\), but the normaliser was fitted on samples of shape \(2, 2\)"):
        normalizer.transform(np.zeros((3, 4)))
