"""Saliency maps through captum, with checked target layers and a randomisation test.

Every function runs the model in evaluation mode with gradients enabled, so
BatchNorm uses its running statistics, and restores each submodule's
training flag afterwards, also when captum raises. Maps explain the logit of
the target class, not its softmax probability. A map that looks plausible is
no proof that it depends on what the model learned: [`randomisation_check`][medguide.explain.randomisation_check]
tests that, following Adebayo et al. (2018).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import numbers
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from captum.attr import IntegratedGradients, LayerAttribution, LayerGradCam, Occlusion
from numpy.typing import ArrayLike
from scipy.stats import spearmanr
from torch import nn

from ._validation import check_choice, check_int, to_numpy
from .exceptions import UndefinedMetricError
from .training import _check_model, _check_seed, _image_tensor, _model_device, evaluation_mode

__all__ = [
    "RandomisationResult",
    "RandomisationStep",
    "grad_cam",
    "integrated_gradients",
    "occlusion",
    "randomisation_check",
]

logger = logging.getLogger("medguide")

Method = Literal["grad_cam", "occlusion", "integrated_gradients"]
_METHODS = ("grad_cam", "occlusion", "integrated_gradients")


def grad_cam(
    model: nn.Module,
    images: ArrayLike | torch.Tensor,
    *,
    target: int | ArrayLike,
    layer: str | nn.Module,
    relu: bool = True,
    upsample: bool = True,
) -> np.ndarray:
    """Compute Grad-CAM maps with ``captum.attr.LayerGradCam``.

    Grad-CAM weights each channel of a convolutional layer's output by the
    mean gradient of the target logit, so its resolution is that of the
    layer (7 x 7 for ``SmallCNN.block3``) before upsampling. The layer must
    belong to `model` and output a 4-D tensor (batch, channels, height,
    width). A linear layer is therefore rejected here, before captum runs.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier that maps (batch, 1, H, W) images to (batch, n_classes)
        logits.
    images : array-like or torch.Tensor of shape (n_samples, H, W) or (n_samples, 1, H, W)
        ``uint8`` pixels, divided by 255, or floating-point pixels, used as
        they are.
    target : int or array-like of shape (n_samples,)
        Class whose logit is explained, for all images or per image.
    layer : str or torch.nn.Module
        Target layer, as a dotted name or as the module object itself. The
        output of the last convolutional block after its ReLU, ``"block3"``
        for [`SmallCNN`][medguide.training.SmallCNN], is the usual choice; the
        raw convolution output before BatchNorm (``"block3.conv"``) gives
        noisier maps.
    relu : bool, default=True
        Whether to keep only positive evidence, as in the original Grad-CAM.
    upsample : bool, default=True
        Whether to upsample the maps bilinearly to the image size with
        ``captum.attr.LayerAttribution.interpolate``.

    Returns
    -------
    numpy.ndarray of shape (n_samples, H, W)
        Float32 maps. Without `upsample`, their shape is that of the layer
        output, (n_samples, height, width).

    Raises
    ------
    TypeError
        If `model`, `layer` or `target` has the wrong type, or `images` an
        unsupported dtype.
    ValueError
        If `layer` is not a submodule of `model`, is not run by its forward
        pass or does not output a 4-D tensor, or `target` is out of range.

    See Also
    --------
    - [`occlusion`][medguide.explain.occlusion]: Model-agnostic maps at pixel resolution.
    - [`randomisation_check`][medguide.explain.randomisation_check]: Test whether the maps depend on the weights.

    References
    ----------
    R. R. Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks
    via Gradient-based Localization", ICCV 2017.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from medguide.explain import grad_cam
    >>> from medguide.training import SmallCNN
    >>> _ = torch.manual_seed(0)
    >>> model = SmallCNN(width=4)
    >>> images = np.random.default_rng(0).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    >>> grad_cam(model, images, target=1, layer="block3").shape
    (2, 28, 28)
    >>> grad_cam(model, images, target=1, layer="block3", upsample=False).shape
    (2, 7, 7)
    """
    _check_model("grad_cam", model)
    _check_flag("grad_cam", "relu", relu)
    _check_flag("grad_cam", "upsample", upsample)

    with _explaining(model):
        x = _image_tensor("grad_cam", "images", images).to(_model_device(model))
        _, module = _resolve_layer("grad_cam", model, layer, x)
        targets = _target_tensor("grad_cam", model, x, target)

        maps = LayerGradCam(model, module).attribute(
            x, target=targets, relu_attributions=relu
        )
        if upsample:
            maps = LayerAttribution.interpolate(
                maps, tuple(x.shape[2:]), interpolate_mode="bilinear"
            )
    return _to_maps(maps)


def occlusion(
    model: nn.Module,
    images: ArrayLike | torch.Tensor,
    *,
    target: int | ArrayLike,
    window: int = 4,
    stride: int = 2,
    baseline: float = 0.0,
) -> np.ndarray:
    """Compute occlusion maps with ``captum.attr.Occlusion``.

    A square patch of `baseline` pixels slides over each image, and every
    pixel gets the mean drop of the target logit over the patches that
    cover it. The method needs no gradients and no layer, but costs one
    forward pass per patch position, and a structure smaller than `window`
    shows up blurred over the window.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier that maps (batch, 1, H, W) images to (batch, n_classes)
        logits.
    images : array-like or torch.Tensor of shape (n_samples, H, W) or (n_samples, 1, H, W)
        ``uint8`` pixels, divided by 255, or floating-point pixels, used as
        they are.
    target : int or array-like of shape (n_samples,)
        Class whose logit is explained, for all images or per image.
    window : int, default=4
        Side of the square patch, in pixels.
    stride : int, default=2
        Step between patch positions, in pixels. A stride larger than
        `window` leaves pixels that no patch covers at 0.
    baseline : float, default=0.0
        Value of the occluded pixels, on the scale of the model input. uint8
        images are divided by 255 first, so 0.0 is black.

    Returns
    -------
    numpy.ndarray of shape (n_samples, H, W)
        Float32 maps; positive where occlusion lowers the target logit.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If `window` is larger than the image, `stride` is below 1,
        `baseline` is not finite, or `target` is out of range.

    See Also
    --------
    - [`grad_cam`][medguide.explain.grad_cam]: Gradient-based maps at the resolution of a layer.

    References
    ----------
    M. D. Zeiler and R. Fergus, "Visualizing and Understanding Convolutional
    Networks", ECCV 2014.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from medguide.explain import occlusion
    >>> from medguide.training import SmallCNN
    >>> _ = torch.manual_seed(0)
    >>> model = SmallCNN(width=4)
    >>> images = np.random.default_rng(0).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    >>> occlusion(model, images, target=0, window=7, stride=7).shape
    (2, 28, 28)
    """
    _check_model("occlusion", model)
    check_int(window, func="occlusion", name="window", minimum=1)
    check_int(stride, func="occlusion", name="stride", minimum=1)
    _check_finite_number("occlusion", "baseline", baseline)

    with _explaining(model):
        x = _image_tensor("occlusion", "images", images).to(_model_device(model))
        if window > min(x.shape[2:]):
            raise ValueError(
                f"occlusion: `window` is {window} pixels, larger than the images "
                f"({x.shape[2]} x {x.shape[3]}). Pass a window of at most "
                f"{min(x.shape[2:])} pixels."
            )
        targets = _target_tensor("occlusion", model, x, target)

        # Several patch positions per forward pass cut the Python overhead,
        # and about 1024 images per pass keeps memory small.
        per_pass = max(1, 1024 // x.shape[0])
        maps = Occlusion(model).attribute(
            x,
            sliding_window_shapes=(1, window, window),
            strides=(1, stride, stride),
            baselines=float(baseline),
            target=targets,
            perturbations_per_eval=per_pass,
        )
    return _to_maps(maps)


def integrated_gradients(
    model: nn.Module,
    images: ArrayLike | torch.Tensor,
    *,
    target: int | ArrayLike,
    baseline: float = 0.0,
    n_steps: int = 50,
) -> np.ndarray:
    """Compute integrated-gradients maps with ``captum.attr.IntegratedGradients``.

    The maps satisfy completeness: the pixels of a map sum to the target
    logit of the image minus that of the all-`baseline` image, up to the
    error of the `n_steps`-point Gauss-Legendre integral. The result depends
    on the baseline: black pixels of a black-baseline image get no
    attribution whatever their role.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier that maps (batch, 1, H, W) images to (batch, n_classes)
        logits.
    images : array-like or torch.Tensor of shape (n_samples, H, W) or (n_samples, 1, H, W)
        ``uint8`` pixels, divided by 255, or floating-point pixels, used as
        they are.
    target : int or array-like of shape (n_samples,)
        Class whose logit is explained, for all images or per image.
    baseline : float, default=0.0
        Pixel value of the reference image, on the scale of the model input.
    n_steps : int, default=50
        Points of the path integral. More points lower the completeness
        error and cost proportionally more time.

    Returns
    -------
    numpy.ndarray of shape (n_samples, H, W)
        Float32 maps, signed.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If `n_steps` is below 1, `baseline` is not finite, or `target` is
        out of range.

    See Also
    --------
    - [`grad_cam`][medguide.explain.grad_cam], [`occlusion`][medguide.explain.occlusion]: Other attribution methods.

    References
    ----------
    M. Sundararajan, A. Taly and Q. Yan, "Axiomatic Attribution for Deep
    Networks", ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from medguide.explain import integrated_gradients
    >>> from medguide.training import SmallCNN
    >>> _ = torch.manual_seed(0)
    >>> model = SmallCNN(width=4)
    >>> images = np.random.default_rng(0).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    >>> integrated_gradients(model, images, target=1, n_steps=8).shape
    (2, 28, 28)
    """
    _check_model("integrated_gradients", model)
    check_int(n_steps, func="integrated_gradients", name="n_steps", minimum=1)
    _check_finite_number("integrated_gradients", "baseline", baseline)

    with _explaining(model):
        x = _image_tensor("integrated_gradients", "images", images).to(_model_device(model))
        targets = _target_tensor("integrated_gradients", model, x, target)

        # Splitting the n_steps * n_samples interpolated images into passes of
        # about 1024 (at least one per image) keeps memory flat for large inputs.
        maps = IntegratedGradients(model).attribute(
            x,
            baselines=float(baseline),
            target=targets,
            n_steps=n_steps,
            internal_batch_size=max(x.shape[0], 1024),
        )
    return _to_maps(maps)


@dataclass(frozen=True)
class RandomisationStep:
    """How much the maps changed after one step of weight randomisation.

    Attributes
    ----------
    layer : str
        Dotted name of the layer re-initialised at this step.
    randomised : tuple of str
        Every layer with random weights at this step: in "cascade" mode this
        layer and all layers above it, in "independent" mode this layer only.
    rank_correlation : float
        Mean over images of the Spearman rank correlation between the
        original and the randomised map.
    abs_rank_correlation : float
        The same for the absolute values of the maps, which ignores a flip
        of sign.
    n_undefined : int
        Images left out of both means because one of their two maps was
        constant, so no rank correlation exists.
    maps : numpy.ndarray of shape (n_samples, H, W)
        Maps of the randomised model, kept for plots and left out of
        comparisons.
    """

    layer: str
    randomised: tuple[str, ...]
    rank_correlation: float
    abs_rank_correlation: float
    n_undefined: int
    maps: np.ndarray = field(repr=False, compare=False)


@dataclass(frozen=True)
class RandomisationResult:
    """Outcome of [`randomisation_check`][medguide.explain.randomisation_check], one step per randomised layer.

    Attributes
    ----------
    method : str
        Attribution method: "grad_cam", "occlusion" or "integrated_gradients".
    mode : str
        "cascade" or "independent".
    seed : int
        Seed of the random weights.
    steps : tuple of RandomisationStep
        One step per layer with weights, from the output layer down.
    original_maps : numpy.ndarray of shape (n_samples, H, W)
        Maps of the unchanged model, left out of comparisons.
    """

    method: str
    mode: str
    seed: int
    steps: tuple[RandomisationStep, ...]
    original_maps: np.ndarray = field(repr=False, compare=False)

    @property
    def rank_correlations(self) -> dict[str, float]:
        """Mean rank correlation of each step, keyed by the layer randomised."""
        return {step.layer: step.rank_correlation for step in self.steps}


def randomisation_check(
    model: nn.Module,
    images: ArrayLike | torch.Tensor,
    *,
    target: int | ArrayLike,
    method: Method = "grad_cam",
    layer: str | nn.Module | None = None,
    mode: Literal["cascade", "independent"] = "cascade",
    seed: int = 0,
) -> RandomisationResult:
    """Measure how much saliency maps change when the model's weights are randomised.

    A map that barely changes when the weights are replaced by random ones
    does not explain what the model learned, because it mostly shows the
    input or the architecture. Following Adebayo et al. (2018), a deep copy of
    `model` has the weights of its convolutional and linear layers
    re-initialised one layer at a time from the output layer down. In
    "cascade" mode the randomisation accumulates, and in "independent" mode
    each step randomises one layer of a fresh copy. BatchNorm layers keep
    their trained parameters and statistics. `model` itself is not changed.

    Parameters
    ----------
    model : torch.nn.Module
        Trained classifier that maps (batch, 1, H, W) images to
        (batch, n_classes) logits.
    images : array-like or torch.Tensor of shape (n_samples, H, W) or (n_samples, 1, H, W)
        ``uint8`` pixels, divided by 255, or floating-point pixels, used as
        they are.
    target : int or array-like of shape (n_samples,)
        Class whose logit is explained, for all images or per image.
    method : {"grad_cam", "occlusion", "integrated_gradients"}, default="grad_cam"
        Attribution method, run with its default settings.
    layer : str, torch.nn.Module or None, default=None
        Grad-CAM target layer; required for "grad_cam" and rejected for
        the other methods.
    mode : {"cascade", "independent"}, default="cascade"
        Whether randomised layers accumulate from the top down or are
        randomised one at a time.
    seed : int, default=0
        Seed of the random weights. Layer ``k`` gets the same weights in
        both modes.

    Returns
    -------
    RandomisationResult
        Rank correlations between original and randomised maps, per step.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If `method` or `mode` is unknown, `layer` is missing for Grad-CAM
        or given for another method, or `model` has no convolutional or
        linear layer.
    UndefinedMetricError
        If at some step every image has a constant original or randomised
        map, so that no rank correlation exists.

    See Also
    --------
    - [`grad_cam`][medguide.explain.grad_cam], [`occlusion`][medguide.explain.occlusion], [`integrated_gradients`][medguide.explain.integrated_gradients]: The attribution methods.

    Notes
    -----
    Grad-CAM maps are compared before the ReLU (``relu=False``), because a
    randomised model often gives maps that are negative everywhere, which
    the ReLU turns into constant maps. Re-initialisation uses each layer's
    ``reset_parameters``, PyTorch's default initialisation, where the paper
    used a truncated normal distribution. A high rank correlation after
    randomising the top layers is a warning sign; there is no universal
    threshold, so compare with a method known to pass on the same model.

    References
    ----------
    J. Adebayo, J. Gilmer, M. Muelly, I. Goodfellow, M. Hardt and B. Kim,
    "Sanity Checks for Saliency Maps", NeurIPS 2018,
    https://arxiv.org/abs/1810.03292.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from medguide.explain import randomisation_check
    >>> from medguide.training import SmallCNN
    >>> _ = torch.manual_seed(0)
    >>> model = SmallCNN(width=4)
    >>> images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    >>> result = randomisation_check(model, images, target=1, layer="block3", seed=0)
    >>> [step.layer for step in result.steps]
    ['fc', 'block3.conv', 'block2.conv', 'block1.conv']
    >>> all(-1.0 <= step.rank_correlation <= 1.0 for step in result.steps)
    True
    """
    _check_model("randomisation_check", model)
    check_choice(method, func="randomisation_check", name="method", choices=_METHODS)
    check_choice(mode, func="randomisation_check", name="mode", choices=("cascade", "independent"))
    _check_seed("randomisation_check", seed)
    layer_name = _check_method_layer(model, images, method, layer)

    def explain(candidate: nn.Module) -> np.ndarray:
        if method == "grad_cam":
            module = candidate.get_submodule(layer_name)
            return grad_cam(candidate, images, target=target, layer=module, relu=False)
        if method == "occlusion":
            return occlusion(candidate, images, target=target)
        return integrated_gradients(candidate, images, target=target)

    original_maps = explain(model)
    weight_layers = _weight_layers_top_down(model, images)

    steps = []
    randomised_copy = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for index, name in enumerate(weight_layers):
            if mode == "independent":
                randomised_copy = copy.deepcopy(model)
            randomised_copy.get_submodule(name).reset_parameters()

            maps = explain(randomised_copy)
            randomised = weight_layers[: index + 1] if mode == "cascade" else (name,)
            steps.append(_compare_maps(original_maps, maps, name, tuple(randomised)))
            logger.debug(
                "randomisation_check: %s after randomising %s: rank correlation %.3f",
                method,
                name,
                steps[-1].rank_correlation,
            )

    return RandomisationResult(method, mode, seed, tuple(steps), original_maps)


def _check_method_layer(
    model: nn.Module, images: object, method: str, layer: str | nn.Module | None
) -> str:
    if method != "grad_cam":
        if layer is not None:
            raise ValueError(
                f"randomisation_check: `layer` is used only by method='grad_cam', but "
                f"method={method!r} and layer={layer!r}. Drop the layer argument."
            )
        return ""
    if layer is None:
        raise ValueError(
            "randomisation_check: method='grad_cam' needs a target `layer`, such as "
            "'block3' for SmallCNN. Pass the layer as a dotted name or module."
        )

    # The copies have their own modules, so the layer is looked up by name.
    with _explaining(model):
        x = _image_tensor("randomisation_check", "images", images).to(_model_device(model))
        name, _ = _resolve_layer("randomisation_check", model, layer, x)
    return name


def _weight_layers_top_down(model: nn.Module, images: object) -> list[str]:
    names = {
        module: name
        for name, module in model.named_modules()
        if isinstance(module, (nn.modules.conv._ConvNd, nn.Linear))
    }
    if not names:
        raise ValueError(
            "randomisation_check: `model` has no convolutional or linear layer whose "
            "weights could be randomised. Pass a model built from torch.nn.Conv2d or "
            "torch.nn.Linear layers."
        )

    # Registration order need not be the order of the forward pass, so the
    # layers are recorded as a probe image passes through them.
    executed: list[str] = []
    hooks = [
        module.register_forward_hook(
            lambda module, inputs, output: executed.append(names[module])
        )
        for module in names
    ]
    try:
        with evaluation_mode(model), torch.inference_mode():
            x = _image_tensor("randomisation_check", "images", images)
            model(x[:1].to(_model_device(model)))
    finally:
        for hook in hooks:
            hook.remove()

    top_down = list(dict.fromkeys(reversed(executed)))
    return top_down


def _compare_maps(
    original: np.ndarray, randomised: np.ndarray, layer: str, randomised_layers: tuple[str, ...]
) -> RandomisationStep:
    signed, absolute = [], []
    for before, after in zip(original, randomised, strict=True):
        before, after = before.ravel(), after.ravel()
        # spearmanr of a constant map is NaN, and the correlation is undefined.
        if np.ptp(before) == 0 or np.ptp(after) == 0:
            continue
        signed.append(spearmanr(before, after).statistic)
        if np.ptp(np.abs(before)) > 0 and np.ptp(np.abs(after)) > 0:
            absolute.append(spearmanr(np.abs(before), np.abs(after)).statistic)

    if not signed or not absolute:
        raise UndefinedMetricError(
            f"randomisation_check: after randomising {layer!r}, every one of the "
            f"{len(original)} images has a constant original or randomised map, so no "
            "rank correlation exists. Pass images the model responds to, or check "
            "that the original maps are not constant."
        )

    return RandomisationStep(
        layer=layer,
        randomised=randomised_layers,
        rank_correlation=float(np.mean(signed)),
        abs_rank_correlation=float(np.mean(absolute)),
        n_undefined=len(original) - len(signed),
        maps=randomised,
    )


def _resolve_layer(
    function: str, model: nn.Module, layer: object, x: torch.Tensor
) -> tuple[str, nn.Module]:
    """Find `layer` in `model` and check that it outputs a 4-D tensor on `x`."""
    name, module = _find_layer(function, model, layer)

    outputs: list[object] = []
    hook = module.register_forward_hook(lambda module, inputs, output: outputs.append(output))
    try:
        with torch.no_grad():
            model(x[:1])
    finally:
        hook.remove()

    if not outputs:
        raise ValueError(
            f"{function}: layer {name!r} is part of the model but its forward pass never "
            "runs it. Pass a layer that the forward pass uses."
        )
    output = outputs[0]
    if not isinstance(output, torch.Tensor) or output.ndim != 4:
        shape = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        raise ValueError(
            f"{function}: layer {name!r} ({type(module).__name__}) outputs {shape}, but "
            "Grad-CAM needs a convolutional layer whose output has shape (batch, "
            "channels, height, width). Pass a convolutional layer or block, such as "
            "'block3' for SmallCNN."
        )
    return name, module


def _find_layer(function: str, model: nn.Module, layer: object) -> tuple[str, nn.Module]:
    if isinstance(layer, str):
        try:
            return layer, model.get_submodule(layer)
        except AttributeError:
            raise ValueError(
                f"{function}: `layer` {layer!r} is not a submodule of the model. "
                f"Convolutional layers: {_conv_names(model)}."
            ) from None

    if isinstance(layer, nn.Module):
        for name, module in model.named_modules():
            if module is layer:
                return name, module
        raise ValueError(
            f"{function}: `layer` ({type(layer).__name__}) is not a submodule of the "
            "model; it belongs to another model or to a copy of this one. Pass a layer "
            f"of this model, for example one of {_conv_names(model)} by name."
        )

    raise TypeError(
        f"{function}: `layer` must be a dotted layer name or a torch.nn.Module, got "
        f"{type(layer).__name__}."
    )


def _conv_names(model: nn.Module) -> list[str]:
    return [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.modules.conv._ConvNd)
    ]


def _target_tensor(
    function: str, model: nn.Module, x: torch.Tensor, target: object
) -> torch.Tensor:
    with torch.no_grad():
        n_classes = model(x[:1]).shape[-1]

    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        targets = np.full(x.shape[0], int(target))
    else:
        targets = to_numpy(target, func=function, name="target")
        if targets.ndim == 2 and targets.shape[1] == 1:
            targets = targets[:, 0]
        if targets.shape != (x.shape[0],) or not np.issubdtype(targets.dtype, np.integer):
            raise TypeError(
                f"{function}: `target` must be an integer class or one integer class per "
                f"image (shape ({x.shape[0]},)), got {targets.dtype} of shape "
                f"{targets.shape}."
            )

    outside = targets[(targets < 0) | (targets >= n_classes)]
    if outside.size:
        raise ValueError(
            f"{function}: `target` contains class {int(outside[0])}, but the model has "
            f"{n_classes} outputs (classes 0..{n_classes - 1}). Pass a class index of "
            "the model's output."
        )
    return torch.as_tensor(targets, dtype=torch.long, device=x.device)


@contextlib.contextmanager
def _explaining(model: nn.Module) -> Iterator[None]:
    # Attribution needs gradients even when the caller runs under
    # torch.inference_mode() or torch.no_grad().
    with evaluation_mode(model), torch.inference_mode(False), torch.enable_grad():
        yield


def _to_maps(maps: torch.Tensor) -> np.ndarray:
    return maps[:, 0].detach().cpu().float().numpy()


def _check_flag(function: str, argument: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{function}: `{argument}` must be True or False, got {value!r}.")


def _check_finite_number(function: str, argument: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{function}: `{argument}` must be a number, got {type(value).__name__}."
        )
    if not np.isfinite(value):
        raise ValueError(f"{function}: `{argument}` must be finite, got {value!r}.")
