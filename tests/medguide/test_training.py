"""Tests of medguide.training: determinism, early stopping, class weighting, predict."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax as scipy_softmax
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from torch import nn

from medguide.training import (
    SmallCNN,
    TrainingHistory,
    class_weights,
    evaluation_mode,
    fit,
    predict,
    set_seed,
    weighted_sampler,
)
from medguide.training import _checked_loss


@pytest.fixture(autouse=True)
def one_thread_and_restored_flags():
    # One thread keeps runs comparable when other processes share the CPU,
    # and set_seed switches on deterministic algorithms for the process.
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)


def marker_images(n, seed):
    """Noise images whose label is 1 exactly when a bright 4 x 4 top-left marker is present."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 128, size=(n, 28, 28), dtype=np.uint8)
    labels = np.arange(n) % 2
    images[labels == 1, :4, :4] = 255
    return images, labels


def softmax(logits):
    return scipy_softmax(logits.astype(np.float64), axis=1)


def new_model(seed=0, width=4, **kwargs):
    set_seed(seed)
    return SmallCNN(width=width, **kwargs)


def states_equal(first, second):
    a, b = first.state_dict(), second.state_dict()
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# SmallCNN and set_seed


def test_small_cnn_shapes_and_layer_names():
    model = SmallCNN(n_classes=3, width=4)
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 3)
    assert model(torch.zeros(2, 1, 64, 64)).shape == (2, 3)
    assert isinstance(model.get_submodule("block3.conv"), nn.Conv2d)
    assert isinstance(model.get_submodule("block1.bn"), nn.BatchNorm2d)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_classes": 1}, ValueError, r"SmallCNN: `n_classes` must be at least 2, got 1"),
        ({"width": 0}, ValueError, r"SmallCNN: `width` must be at least 1"),
        ({"width": 2.5}, TypeError, r"SmallCNN: `width` must be an integer"),
        ({"dropout": 1.0}, ValueError, r"SmallCNN: `dropout` must be a probability in \[0, 1\)"),
    ],
)
def test_small_cnn_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        SmallCNN(**kwargs)


def test_set_seed_repeats_weights():
    assert states_equal(new_model(3), new_model(3))
    assert not states_equal(new_model(3), new_model(4))


@pytest.mark.parametrize(
    ("seed", "error", "match"),
    [
        (-1, ValueError, r"set_seed: `seed` must be at least 0, got -1"),
        (2**32, ValueError, r"set_seed: `seed` must be below 2\*\*32"),
        (1.0, TypeError, r"set_seed: `seed` must be an integer"),
        (True, TypeError, r"set_seed: `seed` must be an integer"),
    ],
)
def test_set_seed_rejects_bad_seed(seed, error, match):
    with pytest.raises(error, match=match):
        set_seed(seed)


# fit: determinism and early stopping


def test_fit_same_seed_is_bitwise_identical():
    train, val = marker_images(96, 0), marker_images(32, 1)

    first, second, other = new_model(), new_model(), new_model()
    history_first = fit(first, train, val, epochs=3, batch_size=16, seed=7)
    history_second = fit(second, train, val, epochs=3, batch_size=16, seed=7)
    history_other = fit(other, train, val, epochs=3, batch_size=16, seed=8)

    assert history_first == history_second
    assert states_equal(first, second)
    assert history_first.train_loss != history_other.train_loss
    assert not states_equal(first, other)


def test_fit_leaves_global_generator_alone():
    train, val = marker_images(32, 0), marker_images(16, 1)
    model = new_model()

    torch.manual_seed(123)
    fit(model, train, val, epochs=1, batch_size=16, seed=0)
    after_fit = torch.rand(3)
    torch.manual_seed(123)
    untouched = torch.rand(3)

    assert torch.equal(after_fit, untouched)


def test_fit_restores_mode_flags_and_gradients():
    train, val = marker_images(32, 0), marker_images(16, 1)
    model = new_model()
    torch.use_deterministic_algorithms(False)

    model.eval()
    fit(model, train, val, epochs=1, batch_size=16)
    assert not model.training
    assert not model.block1.bn.training
    assert not torch.are_deterministic_algorithms_enabled()
    assert all(parameter.grad is None for parameter in model.parameters())


def test_fit_early_stopping_restores_best_epoch():
    # Validation labels are the opposite of the training rule, so the better
    # the model learns the marker, the higher its validation loss climbs.
    train = marker_images(128, 0)
    val_images, val_labels = marker_images(64, 1)
    val = (val_images, 1 - val_labels)
    model = new_model()

    history = fit(model, train, val, epochs=30, batch_size=16, lr=1e-2, patience=2, seed=0)

    assert history.stopped_early
    assert history.epochs_run == history.best_epoch + 3
    assert history.best_epoch == int(np.argmin(history.val_loss))
    assert history.val_loss[-1] > history.best_val_loss
    restored_loss = log_loss(val[1], softmax(predict(model, val_images, output="logits")))
    assert restored_loss == pytest.approx(history.best_val_loss, rel=1e-4)


def test_fit_without_patience_runs_all_epochs():
    train, val = marker_images(32, 0), marker_images(16, 1)
    history = fit(new_model(), train, val, epochs=4, batch_size=16, patience=None)
    assert history.epochs_run == 4
    assert not history.stopped_early
    assert history.best_epoch == int(np.argmin(history.val_loss))


def test_training_history_compares_without_time():
    first = TrainingHistory((1.0,), (0.5,), 0, False, 0, seconds=1.0)
    second = TrainingHistory((1.0,), (0.5,), 0, False, 0, seconds=9.0)
    assert first == second
    assert first.epochs_run == 1
    assert first.best_val_loss == 0.5


# fit: labels, class weights and the (B,) / (B, 1) pitfall


def test_column_labels_broadcast_without_error():
    # The pitfall fit guards against: a (B, 1) column minus a (B,) vector
    # silently becomes a (B, B) matrix instead of raising.
    scores = torch.rand(5, 1)
    labels = torch.randint(0, 2, (5,))
    assert (scores - labels).shape == (5, 5)
    with pytest.raises(ValueError, match="Target size"):
        nn.functional.binary_cross_entropy_with_logits(scores, labels.float())


def test_loss_guard_rejects_column_targets():
    logits = torch.zeros(4, 2)
    targets = torch.zeros(4, 1, dtype=torch.long)
    with pytest.raises(ValueError, match=r"fit: the targets have shape \(4, 1\), but the logits"):
        _checked_loss("fit", nn.CrossEntropyLoss(), logits, targets)


def test_fit_squeezes_column_labels_explicitly():
    (x, y), (x_val, y_val) = marker_images(32, 0), marker_images(16, 1)
    flat = fit(new_model(), (x, y), (x_val, y_val), epochs=2, batch_size=16)
    column = fit(new_model(), (x, y[:, None]), (x_val, y_val[:, None]), epochs=2, batch_size=16)
    assert flat == column


def test_fit_rejects_one_logit_model():
    train, val = marker_images(16, 0), marker_images(8, 1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 1))
    with pytest.raises(ValueError, match=r"fit: the model returned shape \(1, 1\) for 1 images"):
        fit(model, train, val, epochs=1)


def test_fit_rejects_model_returning_non_tensor():
    class ReturnsTuple(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(28 * 28, 2)

        def forward(self, x):
            return (self.fc(x.flatten(1)),)

    train, val = marker_images(16, 0), marker_images(8, 1)
    with pytest.raises(TypeError, match=r"fit: the model returned tuple, not a tensor"):
        fit(ReturnsTuple(), train, val, epochs=1)


@pytest.mark.parametrize(
    ("labels", "error", "match"),
    [
        (np.zeros((16, 2), dtype=int), ValueError, r"fit: `train_data labels` must have shape"),
        (np.zeros(16, dtype=float), TypeError, r"fit: `train_data labels` must contain integer"),
        (np.full(16, 2), ValueError, r"labels outside 0..1 \(for example 2\)"),
        (np.zeros(15, dtype=int), ValueError, r"fit: `train_data` has 16 images but 15 labels"),
    ],
)
def test_fit_rejects_bad_labels(labels, error, match):
    images, _ = marker_images(16, 0)
    with pytest.raises(error, match=match):
        fit(new_model(), (images, labels), marker_images(8, 1), epochs=1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, r"fit: `epochs` must be at least 1, got 0"),
        ({"batch_size": 0}, ValueError, r"fit: `batch_size` must be at least 1"),
        ({"lr": 0.0}, ValueError, r"fit: `lr` must be a finite, positive number, got 0.0"),
        ({"lr": "0.1"}, TypeError, r"fit: `lr` must be a number, got str"),
        ({"weight_decay": -1.0}, ValueError, r"fit: `weight_decay` must be a finite, non-negative"),
        ({"patience": 0}, ValueError, r"fit: `patience` must be at least 1"),
        ({"seed": -3}, ValueError, r"fit: `seed` must be at least 0"),
        ({"sampler": [0, 1]}, TypeError, r"fit: `sampler` must be a torch.utils.data.Sampler"),
        ({"class_weight": "auto"}, ValueError, r"fit: `class_weight` must be None, 'balanced'"),
        ({"class_weight": [1.0]}, ValueError, r"fit: `class_weight` must contain 2 finite"),
        ({"class_weight": [1.0, -1.0]}, ValueError, r"fit: `class_weight` must contain 2 finite"),
        ({"class_weight": [0.0, 0.0]}, ValueError, r"fit: `class_weight` is all zeros"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, error, match):
    train, val = marker_images(16, 0), marker_images(8, 1)
    with pytest.raises(error, match=match):
        fit(new_model(), train, val, **kwargs)


def test_fit_rejects_non_pair_data():
    images, labels = marker_images(16, 0)
    with pytest.raises(TypeError, match=r"fit: `val_data` must be a pair \(images, labels\)"):
        fit(new_model(), (images, labels), images, epochs=1)
    with pytest.raises(TypeError, match=r"fit: `model` must be a torch.nn.Module, got str"):
        fit("model", (images, labels), (images, labels), epochs=1)


def test_fit_balanced_equals_explicit_weights():
    train, val = marker_images(48, 0), marker_images(16, 1)
    train = (train[0], np.where(np.arange(48) < 36, 0, train[1]))
    weights = class_weights(train[1])

    balanced = fit(new_model(), train, val, epochs=2, batch_size=16, class_weight="balanced")
    explicit = fit(new_model(), train, val, epochs=2, batch_size=16, class_weight=weights)
    unweighted = fit(new_model(), train, val, epochs=2, batch_size=16)

    assert balanced == explicit
    assert balanced.train_loss != unweighted.train_loss


def test_fit_validation_loss_is_weighted_mean_over_split():
    train = marker_images(48, 0)
    val_images, val_labels = marker_images(40, 1)
    val_labels[:30] = 0
    weights = np.array([0.3, 2.0])
    model = new_model()

    history = fit(model, train, (val_images, val_labels), epochs=2, batch_size=16,
                  class_weight=weights)

    probabilities = softmax(predict(model, val_images, output="logits"))
    expected = log_loss(val_labels, probabilities, sample_weight=weights[val_labels])
    assert history.best_val_loss == pytest.approx(expected, rel=1e-4)


# class_weights


def test_class_weights_by_hand():
    weights = class_weights(np.array([0, 0, 0, 1]))
    np.testing.assert_allclose(weights, [4 / 6, 4 / 2])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=200))
def test_class_weights_match_sklearn(labels):
    y = np.array(labels)
    classes = np.unique(y)
    if classes.size != y.max() + 1:
        with pytest.raises(ValueError, match=r"class_weights: `y` contains no sample of class"):
            class_weights(y)
        return
    np.testing.assert_allclose(
        class_weights(y), compute_class_weight("balanced", classes=classes, y=y)
    )
    np.testing.assert_allclose(class_weights(y[:, None]), class_weights(y))


@pytest.mark.parametrize(
    ("y", "kwargs", "error", "match"),
    [
        (np.array([0, 1, 1]), {"n_classes": 3}, ValueError, r"contains no sample of class \[2\]"),
        (np.array([0, 1, 2]), {"n_classes": 2}, ValueError, r"labels outside 0..1"),
        (np.array([0.0, 1.0]), {}, TypeError, r"class_weights: `y` must contain integer"),
        (np.zeros((3, 2), dtype=int), {}, ValueError, r"class_weights: `y` must have shape"),
        (np.array([], dtype=int), {}, ValueError, r"class_weights: `y` is empty"),
        (np.array([-1, 0]), {"n_classes": 2}, ValueError, r"labels outside 0..1"),
    ],
)
def test_class_weights_reject_bad_input(y, kwargs, error, match):
    with pytest.raises(error, match=match):
        class_weights(y, **kwargs)


# weighted_sampler


def test_weighted_sampler_balances_classes():
    y = np.array([0] * 900 + [1] * 100)
    sampler = weighted_sampler(compute_sample_weight("balanced", y), num_samples=20_000, seed=0)
    drawn = y[np.fromiter(sampler, dtype=int)]
    assert drawn.size == 20_000
    assert drawn.mean() == pytest.approx(0.5, abs=0.02)


def test_weighted_sampler_follows_weight_ratio():
    weights = np.array([1.0, 3.0, 0.0])
    drawn = np.fromiter(weighted_sampler(weights, num_samples=40_000, seed=1), dtype=int)
    counts = np.bincount(drawn, minlength=3) / drawn.size
    np.testing.assert_allclose(counts, [0.25, 0.75, 0.0], atol=0.01)


def test_weighted_sampler_is_seeded():
    weights = np.ones(50)
    first = list(weighted_sampler(weights, seed=5))
    second = list(weighted_sampler(weights, seed=5))
    other = list(weighted_sampler(weights, seed=6))
    assert first == second
    assert first != other


def test_weighted_sampler_without_replacement_draws_each_once():
    drawn = list(weighted_sampler(np.arange(1, 11), replacement=False, seed=0))
    assert sorted(drawn) == list(range(10))


@pytest.mark.parametrize(
    ("weights", "kwargs", "error", "match"),
    [
        (np.array([1.0, -1.0]), {}, ValueError, r"must be finite and non-negative"),
        (np.array([1.0, np.nan]), {}, ValueError, r"must be finite and non-negative"),
        (np.zeros(3), {}, ValueError, r"with a positive sum, got min 0, max 0, sum 0"),
        (np.ones((2, 2)), {}, ValueError, r"non-empty 1-D array .* got shape \(2, 2\)"),
        (np.array(["a", "b"]), {}, TypeError, r"`sample_weights` must be numeric"),
        (np.array([1.0, 0.0]), {"num_samples": 2, "replacement": False}, ValueError,
         r"only 1 weights are positive"),
        (np.ones(3), {"num_samples": 0}, ValueError, r"`num_samples` must be at least 1"),
        (np.ones(3), {"seed": -1}, ValueError, r"weighted_sampler: `seed` must be at least 0"),
    ],
)
def test_weighted_sampler_rejects_bad_input(weights, kwargs, error, match):
    with pytest.raises(error, match=match):
        weighted_sampler(weights, **kwargs)


def test_fit_rejects_sampler_of_other_size():
    train, val = marker_images(16, 0), marker_images(8, 1)
    sampler = weighted_sampler(np.ones(20), seed=0)
    with pytest.raises(ValueError, match=r"fit: `sampler` has 20 sample weights, but .* 16 images"):
        fit(new_model(), train, val, epochs=1, sampler=sampler)


def test_fit_with_fresh_samplers_is_reproducible():
    train, val = marker_images(48, 0), marker_images(16, 1)
    weights = compute_sample_weight("balanced", train[1])

    runs = [
        fit(new_model(), train, val, epochs=2, batch_size=16,
            sampler=weighted_sampler(weights, seed=3))
        for _ in range(2)
    ]
    shuffled = fit(new_model(), train, val, epochs=2, batch_size=16)

    assert runs[0] == runs[1]
    assert runs[0].train_loss != shuffled.train_loss


# predict and evaluation_mode


def test_predict_keeps_mode_and_running_stats():
    model = new_model(width=4).train()
    images, _ = marker_images(32, 0)
    running_mean = model.block1.bn.running_mean.clone()
    batches_tracked = model.block1.bn.num_batches_tracked.clone()

    predict(model, images)

    assert model.training
    assert model.block2.bn.training
    assert torch.equal(model.block1.bn.running_mean, running_mean)
    assert torch.equal(model.block1.bn.num_batches_tracked, batches_tracked)


def test_predict_outputs_do_not_depend_on_batch():
    model = new_model(width=4).train()
    images, _ = marker_images(32, 0)
    one_by_one = predict(model, images, batch_size=1)
    together = predict(model, images, batch_size=32)
    first_four = predict(model, images[:4])
    np.testing.assert_allclose(one_by_one, together, atol=1e-6)
    np.testing.assert_allclose(first_four, together[:4], atol=1e-6)


def test_train_mode_call_mixes_batch():
    # The contrast to predict: a plain call in training mode, even under
    # no_grad, updates BatchNorm statistics and mixes images of one batch.
    model = new_model(width=4).train()
    images, _ = marker_images(32, 0)
    x = torch.from_numpy(images[:, None] / 255.0).float()
    running_mean = model.block1.bn.running_mean.clone()

    with torch.no_grad():
        alone = model(x[:4])
        with_others = model(x)[:4]

    assert not torch.equal(model.block1.bn.running_mean, running_mean)
    assert not torch.allclose(alone, with_others, atol=1e-4)


def test_predict_restores_mode_when_model_raises():
    class FailsOnSecondBatch(SmallCNN):
        calls = 0

        def forward(self, x):
            self.calls += 1
            if self.calls == 2:
                raise RuntimeError("second batch failed")
            return super().forward(x)

    model = FailsOnSecondBatch(width=4).train()
    with pytest.raises(RuntimeError, match="second batch failed"):
        predict(model, marker_images(8, 0)[0], batch_size=4)
    assert model.training
    assert model.block3.bn.training


def test_evaluation_mode_restores_mixed_modes():
    model = new_model().train()
    model.block1.bn.eval()
    with evaluation_mode(model):
        assert not any(module.training for module in model.modules())
    assert model.training
    assert not model.block1.bn.training
    assert model.block2.bn.training
    with pytest.raises(TypeError, match=r"evaluation_mode: `model` must be a torch.nn.Module"):
        with evaluation_mode(None):
            pass


def test_predict_scales_uint8_and_adds_channel():
    model = new_model()
    images, _ = marker_images(8, 0)
    from_uint8 = predict(model, images)
    from_float = predict(model, images[:, None].astype(np.float32) / 255.0)
    from_tensor = predict(model, torch.from_numpy(images))
    np.testing.assert_allclose(from_uint8, from_float, atol=1e-6)
    np.testing.assert_array_equal(from_uint8, from_tensor)


def test_predict_logits_match_probabilities():
    model = new_model()
    images, _ = marker_images(8, 0)
    logits = predict(model, images, output="logits")
    probabilities = predict(model, images)
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(
        torch.softmax(torch.from_numpy(logits), dim=1).numpy(), probabilities, atol=1e-6
    )


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "match"),
    [
        (np.zeros((2, 28, 28), dtype=np.int64), {}, TypeError,
         r"predict: `images` must contain uint8 pixels .* got dtype int64"),
        (np.zeros((2, 28, 28, 3), dtype=np.uint8), {}, ValueError,
         r"predict: `images` must have shape \(n_samples, H, W\) .* got \(2, 28, 28, 3\)"),
        (np.zeros((2, 3, 28, 28), dtype=np.float32), {}, ValueError,
         r"single-channel images, got \(2, 3, 28, 28\)"),
        (np.zeros((0, 28, 28), dtype=np.uint8), {}, ValueError, r"needs at least one image"),
        (np.full((1, 28, 28), np.nan, dtype=np.float32), {}, ValueError,
         r"contains 784 NaN or infinite pixels"),
        (np.zeros((1, 28, 28), dtype=np.uint8), {"batch_size": 0}, ValueError,
         r"predict: `batch_size` must be at least 1"),
        (np.zeros((1, 28, 28), dtype=np.uint8), {"output": "labels"}, ValueError,
         r"predict: `output` must be one of 'probabilities', 'logits', got 'labels'"),
    ],
)
def test_predict_rejects_bad_input(images, kwargs, error, match):
    with pytest.raises(error, match=match):
        predict(new_model(), images, **kwargs)


# real data


@pytest.mark.slow
def test_breastmnist_fit_beats_chance(breastmnist):
    model = new_model(0, width=8)
    history = fit(model, breastmnist["train"], breastmnist["val"], seed=0)

    test_images, test_labels = breastmnist["test"]
    malignant_probability = predict(model, test_images)[:, 0]
    auroc = roc_auc_score(test_labels == 0, malignant_probability)

    assert history.best_epoch > 0
    assert auroc > 0.8
