"""Tests of medguide.explain: layer checks, restored modes, marker localisation, randomisation."""

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from torch import nn

from medguide.exceptions import UndefinedMetricError
from medguide.explain import (
    RandomisationResult,
    grad_cam,
    integrated_gradients,
    occlusion,
    randomisation_check,
)
from medguide.training import SmallCNN, fit, predict, set_seed

# Fraction of the image covered by the top-left 8 x 8 region that contains
# the 4 x 4 marker with a margin for blurring: 64 / 784.
MARKER_REGION_AREA = 64 / 784


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def marker_images(n, seed):
    """Noise images whose label is 1 exactly when a bright 4 x 4 top-left marker is present."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 128, size=(n, 28, 28), dtype=np.uint8)
    labels = np.arange(n) % 2
    images[labels == 1, :4, :4] = 255
    return images, labels


@pytest.fixture(scope="module")
def marker_model():
    """SmallCNN that has learned the marker task, in training mode as fit leaves it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    set_seed(0)
    model = SmallCNN(width=8)
    fit(model, marker_images(256, 0), marker_images(64, 1), epochs=8, batch_size=32, lr=3e-3)
    torch.set_num_threads(threads)
    return model


@pytest.fixture(scope="module")
def marked_images():
    images, labels = marker_images(32, 2)
    return images[labels == 1]


def marker_mass(maps):
    """Share of each map's positive mass inside the top-left 8 x 8 region."""
    positive = np.clip(maps, 0, None)
    return positive[:, :8, :8].sum(axis=(1, 2)) / positive.sum(axis=(1, 2))


def state_copy(model):
    return {name: value.clone() for name, value in model.state_dict().items()}


def assert_state_equal(model, state):
    current = model.state_dict()
    assert current.keys() == state.keys()
    for name, value in state.items():
        assert torch.equal(current[name], value), name


def test_marker_model_learned_the_task(marker_model):
    images, labels = marker_images(64, 3)
    accuracy = np.mean(predict(marker_model, images).argmax(axis=1) == labels)
    assert accuracy > 0.95


# attribution maps concentrate on the marker


def test_grad_cam_mass_on_marker(marker_model, marked_images):
    maps = grad_cam(marker_model, marked_images, target=1, layer="block3")
    assert maps.shape == (16, 28, 28)
    assert marker_mass(maps).min() > 4 * MARKER_REGION_AREA


def test_occlusion_mass_on_marker(marker_model, marked_images):
    maps = occlusion(marker_model, marked_images, target=1, window=4, stride=2)
    assert maps.shape == (16, 28, 28)
    assert marker_mass(maps).min() > 0.5


def test_integrated_gradients_mass_on_marker(marker_model, marked_images):
    maps = integrated_gradients(marker_model, marked_images, target=1, n_steps=32)
    assert marker_mass(maps).min() > 4 * MARKER_REGION_AREA


def test_integrated_gradients_completeness(marker_model, marked_images):
    # The pixels of each map sum to logit(image) - logit(black image).
    maps = integrated_gradients(marker_model, marked_images, target=1, n_steps=64)
    logits = predict(marker_model, marked_images, output="logits")[:, 1]
    black = predict(marker_model, np.zeros((1, 28, 28), dtype=np.uint8), output="logits")[0, 1]
    np.testing.assert_allclose(maps.sum(axis=(1, 2)), logits - black, rtol=0.02, atol=0.02)


def test_grad_cam_without_upsampling_matches_layer_grid(marker_model, marked_images):
    maps = grad_cam(marker_model, marked_images, target=1, layer="block3", upsample=False)
    assert maps.shape == (16, 7, 7)
    assert np.all(maps >= 0)
    # Each cell of the 7 x 7 grid covers 4 x 4 pixels, and the receptive
    # fields overlap, so the peak may sit one cell from the marker's cell.
    row, column = np.unravel_index(maps.mean(axis=0).argmax(), (7, 7))
    assert row <= 1
    assert column <= 1


def test_grad_cam_by_hand():
    # Grad-CAM of a linear head over a mean-pooled 4 x 4 conv map: the channel
    # weights are the head weights divided by the 16 pooled positions, so the
    # map is sum_k w_k / 16 * A_k before the ReLU.
    class TinyCam(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, kernel_size=1, bias=False)
            self.fc = nn.Linear(2, 2, bias=False)

        def forward(self, x):
            return self.fc(self.conv(x).mean(dim=(2, 3)))

    model = TinyCam()
    with torch.no_grad():
        model.conv.weight.copy_(torch.tensor([1.0, -2.0]).view(2, 1, 1, 1))
        model.fc.weight.copy_(torch.tensor([[3.0, 1.0], [0.0, 0.0]]))
    image = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4) - 5.0

    raw = grad_cam(model, image, target=0, layer="conv", upsample=False, relu=False)
    positive = grad_cam(model, image, target=0, layer="conv", upsample=False)

    expected = (3.0 / 16) * image[0, 0] + (1.0 / 16) * (-2.0 * image[0, 0])
    np.testing.assert_allclose(raw[0], expected, rtol=1e-6)
    np.testing.assert_allclose(positive[0], np.maximum(expected, 0.0), rtol=1e-6)


def test_per_image_targets_match_single_targets(marker_model, marked_images):
    targets = np.array([0, 1] * 8)
    together = grad_cam(marker_model, marked_images, target=targets, layer="block3")
    ones = grad_cam(marker_model, marked_images, target=1, layer="block3")
    zeros = grad_cam(marker_model, marked_images, target=0, layer="block3")
    np.testing.assert_allclose(together[1::2], ones[1::2], atol=1e-6)
    np.testing.assert_allclose(together[::2], zeros[::2], atol=1e-6)


# target layer checks


def test_layer_by_module_equals_layer_by_name(marker_model, marked_images):
    by_name = grad_cam(marker_model, marked_images[:2], target=1, layer="block3")
    by_module = grad_cam(marker_model, marked_images[:2], target=1, layer=marker_model.block3)
    np.testing.assert_array_equal(by_name, by_module)


def test_linear_layer_is_rejected(marker_model, marked_images):
    with pytest.raises(
        ValueError,
        match=r"grad_cam: layer 'fc' \(Linear\) outputs \(1, 2\), but Grad-CAM needs",
    ):
        grad_cam(marker_model, marked_images[:2], target=1, layer="fc")


def test_layer_of_other_model_is_rejected(marker_model, marked_images):
    other = SmallCNN(width=8)
    with pytest.raises(ValueError, match=r"grad_cam: `layer` \(Conv2d\) is not a submodule"):
        grad_cam(marker_model, marked_images[:2], target=1, layer=other.block3.conv)


def test_unknown_layer_name_lists_conv_layers(marker_model, marked_images):
    with pytest.raises(
        ValueError,
        match=r"`layer` 'block4' is not a submodule .* \['block1.conv', 'block2.conv', "
        r"'block3.conv'\]",
    ):
        grad_cam(marker_model, marked_images[:2], target=1, layer="block4")


def test_unused_layer_is_rejected(marked_images):
    model = SmallCNN(width=4)
    model.spare = nn.Conv2d(1, 1, 3)
    with pytest.raises(ValueError, match=r"layer 'spare' is part of the model but its forward"):
        grad_cam(model, marked_images[:2], target=1, layer="spare")


def test_layer_of_wrong_type_is_rejected(marker_model, marked_images):
    with pytest.raises(TypeError, match=r"grad_cam: `layer` must be a dotted layer name"):
        grad_cam(marker_model, marked_images[:2], target=1, layer=3)


# argument checks


@pytest.mark.parametrize(
    ("target", "error", "match"),
    [
        (2, ValueError, r"grad_cam: `target` contains class 2, but the model has 2 outputs"),
        (-1, ValueError, r"`target` contains class -1"),
        (np.array([0, 1, 0]), TypeError, r"one integer class per image \(shape \(2,\)\)"),
        (np.array([0.0, 1.0]), TypeError, r"got float64 of shape \(2,\)"),
    ],
)
def test_bad_target_is_rejected(marker_model, marked_images, target, error, match):
    with pytest.raises(error, match=match):
        grad_cam(marker_model, marked_images[:2], target=target, layer="block3")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m, x: occlusion(m, x, target=1, window=29), ValueError,
         r"occlusion: `window` is 29 pixels, larger than the images \(28 x 28\)"),
        (lambda m, x: occlusion(m, x, target=1, stride=0), ValueError,
         r"occlusion: `stride` must be at least 1"),
        (lambda m, x: occlusion(m, x, target=1, baseline=np.nan), ValueError,
         r"occlusion: `baseline` must be finite"),
        (lambda m, x: integrated_gradients(m, x, target=1, n_steps=0), ValueError,
         r"integrated_gradients: `n_steps` must be at least 1"),
        (lambda m, x: integrated_gradients(m, x, target=1, baseline="black"), TypeError,
         r"integrated_gradients: `baseline` must be a number, got str"),
        (lambda m, x: grad_cam(m, x, target=1, layer="block3", relu=1), TypeError,
         r"grad_cam: `relu` must be True or False, got 1"),
        (lambda m, x: grad_cam(m, x.astype(np.int32), target=1, layer="block3"), TypeError,
         r"grad_cam: `images` must contain uint8 pixels"),
        (lambda m, x: grad_cam("model", x, target=1, layer="block3"), TypeError,
         r"grad_cam: `model` must be a torch.nn.Module, got str"),
    ],
)
def test_bad_arguments_are_rejected(marker_model, marked_images, call, error, match):
    with pytest.raises(error, match=match):
        call(marker_model, marked_images[:2])


# model state


@pytest.mark.parametrize(
    "explain",
    [
        lambda m, x: grad_cam(m, x, target=1, layer="block3"),
        lambda m, x: occlusion(m, x, target=1, window=7, stride=7),
        lambda m, x: integrated_gradients(m, x, target=1, n_steps=4),
    ],
)
def test_explanations_restore_mode_and_weights(marker_model, marked_images, explain):
    marker_model.train()
    marker_model.block2.bn.eval()
    state = state_copy(marker_model)

    explain(marker_model, marked_images[:4])

    assert marker_model.training
    assert marker_model.block1.bn.training
    assert not marker_model.block2.bn.training
    assert_state_equal(marker_model, state)
    assert all(parameter.grad is None for parameter in marker_model.parameters())
    marker_model.block2.bn.train()


def test_mode_restored_when_layer_check_fails(marker_model, marked_images):
    marker_model.train()
    with pytest.raises(ValueError, match="Grad-CAM needs"):
        grad_cam(marker_model, marked_images[:2], target=1, layer="fc")
    assert marker_model.training
    assert marker_model.block3.bn.training


def test_explanations_work_under_inference_mode(marker_model, marked_images):
    expected = grad_cam(marker_model, marked_images[:2], target=1, layer="block3")
    with torch.inference_mode():
        inside = grad_cam(marker_model, marked_images[:2], target=1, layer="block3")
    np.testing.assert_array_equal(inside, expected)


# randomisation check


def test_randomisation_leaves_model_unchanged(marker_model, marked_images):
    marker_model.train()
    state = state_copy(marker_model)
    before = grad_cam(marker_model, marked_images, target=1, layer="block3")

    randomisation_check(marker_model, marked_images, target=1, layer="block3", seed=0)

    assert marker_model.training
    assert_state_equal(marker_model, state)
    after = grad_cam(marker_model, marked_images, target=1, layer="block3")
    np.testing.assert_array_equal(before, after)


def test_randomisation_cascade_decorrelates_grad_cam(marker_model, marked_images):
    result = randomisation_check(
        marker_model, marked_images, target=1, method="grad_cam", layer="block3", seed=0
    )

    # An unrandomised repeat gives the same maps, so its correlation is the
    # reference that randomised weights must fall well below.
    repeat = grad_cam(marker_model, marked_images, target=1, layer="block3", relu=False)
    repeat_correlation = np.mean(
        [spearmanr(a.ravel(), b.ravel()).statistic for a, b in zip(result.original_maps, repeat)]
    )

    assert isinstance(result, RandomisationResult)
    assert [step.layer for step in result.steps] == [
        "fc", "block3.conv", "block2.conv", "block1.conv"
    ]
    assert result.steps[-1].randomised == ("fc", "block3.conv", "block2.conv", "block1.conv")
    assert repeat_correlation == pytest.approx(1.0)
    assert result.steps[-1].rank_correlation < repeat_correlation - 0.5
    assert abs(result.steps[-1].rank_correlation) < 0.4
    assert result.steps[1].rank_correlation < result.steps[0].rank_correlation


def test_randomisation_occlusion_decorrelates(marker_model, marked_images):
    result = randomisation_check(
        marker_model, marked_images[:6], target=1, method="occlusion", seed=0
    )
    assert result.steps[-1].rank_correlation < 0.4
    assert result.steps[-1].maps.shape == (6, 28, 28)


def test_randomisation_modes_share_first_step_and_weights(marker_model, marked_images):
    cascade = randomisation_check(
        marker_model, marked_images[:4], target=1, layer="block3", mode="cascade", seed=3
    )
    independent = randomisation_check(
        marker_model, marked_images[:4], target=1, layer="block3", mode="independent", seed=3
    )
    again = randomisation_check(
        marker_model, marked_images[:4], target=1, layer="block3", mode="independent", seed=3
    )

    assert cascade.steps[0] == independent.steps[0]
    assert independent == again
    assert independent.steps[2].randomised == ("block2.conv",)
    assert cascade.steps[2].randomised == ("fc", "block3.conv", "block2.conv")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "saliency"}, ValueError, r"randomisation_check: `method` must be one of"),
        ({"mode": "top_down", "layer": "block3"}, ValueError, r"`mode` must be one of"),
        ({}, ValueError, r"method='grad_cam' needs a target `layer`"),
        ({"method": "occlusion", "layer": "block3"}, ValueError,
         r"`layer` is used only by method='grad_cam'"),
        ({"layer": "fc"}, ValueError, r"randomisation_check: layer 'fc' \(Linear\) outputs"),
        ({"layer": "block3", "seed": -1}, ValueError, r"randomisation_check: `seed` must be"),
    ],
)
def test_randomisation_rejects_bad_arguments(marker_model, marked_images, kwargs, error, match):
    with pytest.raises(error, match=match):
        randomisation_check(marker_model, marked_images[:2], target=1, **kwargs)


def test_randomisation_rejects_model_without_weight_layers(marked_images):
    model = nn.Sequential(nn.Flatten(), nn.Softmax(dim=1))
    with pytest.raises(ValueError, match=r"`model` has no convolutional or linear layer"):
        randomisation_check(model, marked_images[:2], target=0, method="occlusion")


def test_randomisation_constant_maps_raise(marked_images):
    # All-zero weights give the same logits for every occlusion, so every
    # original map is constant and no rank correlation exists.
    model = SmallCNN(width=4)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
    with pytest.raises(UndefinedMetricError, match=r"every one of the 2 images has a constant"):
        randomisation_check(model, marked_images[:2], target=1, method="occlusion")
