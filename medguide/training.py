"""Seeded training, class weighting and prediction for small image classifiers.

The loop trains on the CPU and is bitwise reproducible there only with the
same seed, torch version and thread count (``torch.get_num_threads()``),
because the split of a reduction across threads changes the rounding.
Images are MedMNIST-style greyscale arrays: ``uint8`` pixels are divided by
255, floating-point pixels are used as they are, and a missing channel axis is
added. Labels of shape (n_samples, 1), as MedMNIST stores them, are squeezed
explicitly and every shape is checked before the loss is computed.
"""

from __future__ import annotations

import contextlib
import logging
import numbers
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
import torch
import torch.utils.deterministic
from sklearn.utils.class_weight import compute_class_weight
from torch import nn
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    TensorDataset,
    WeightedRandomSampler,
)

from ._validation import check_choice, check_int, squeeze_labels, to_numpy

__all__ = [
    "SmallCNN",
    "TrainingHistory",
    "class_weights",
    "evaluation_mode",
    "fit",
    "predict",
    "set_seed",
    "weighted_sampler",
]

logger = logging.getLogger("medguide")


class SmallCNN(nn.Module):
    """Classify single-channel images with three Conv-BatchNorm-ReLU blocks.

    The network is meant for 28 x 28 MedMNIST images and trains in seconds on
    a CPU, so it is far from state of the art. Each block is a
    ``Sequential`` of modules named ``conv``, ``bn`` and ``relu``, so a
    Grad-CAM target layer can be named, usually ``"block3"``, the output
    of the last block after its ReLU.
    Blocks 1 and 2 halve the resolution with 2 x 2 max pooling, so block 3
    works at a quarter of the input size (7 x 7 for 28 x 28 images). Global
    average pooling makes the network accept any image of at least 4 x 4
    pixels.

    Parameters
    ----------
    n_classes : int, default=2
        Number of output logits. Must be at least 2, because [`fit`][medguide.training.fit]
        trains with the cross-entropy loss over one logit per class.
    width : int, default=8
        Channels of block 1. Blocks 2 and 3 have ``2 * width`` and
        ``4 * width`` channels. Training time grows roughly with the square
        of the width.
    dropout : float, default=0.2
        Dropout probability before the final linear layer, in [0, 1).

    Raises
    ------
    ValueError
        If `n_classes` is below 2, `width` is below 1 or `dropout` is
        outside [0, 1).

    See Also
    --------
    - [`fit`][medguide.training.fit]: Train the network with early stopping.
    - [`predict`][medguide.training.predict]: Class probabilities in evaluation mode.

    Examples
    --------
    >>> import torch
    >>> from medguide.training import SmallCNN
    >>> model = SmallCNN(n_classes=2, width=8)
    >>> model(torch.zeros(5, 1, 28, 28)).shape
    torch.Size([5, 2])
    >>> [name for name, _ in model.block3.named_children()]
    ['conv', 'bn', 'relu']
    """

    def __init__(self, n_classes: int = 2, width: int = 8, dropout: float = 0.2) -> None:
        check_int(n_classes, func="SmallCNN", name="n_classes", minimum=2)
        check_int(width, func="SmallCNN", name="width", minimum=1)
        if not isinstance(dropout, numbers.Real) or not 0.0 <= dropout < 1.0:
            raise ValueError(
                f"SmallCNN: `dropout` must be a probability in [0, 1), got {dropout!r}. "
                "Pass 0.0 to switch dropout off."
            )
        super().__init__()

        self.block1 = _conv_block(1, width)
        self.pool1 = nn.MaxPool2d(2)
        self.block2 = _conv_block(width, 2 * width)
        self.pool2 = nn.MaxPool2d(2)
        self.block3 = _conv_block(2 * width, 4 * width)
        self.pool3 = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(float(dropout))
        self.fc = nn.Linear(4 * width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits of shape (batch, n_classes) for images of shape (batch, 1, H, W)."""
        x = self.pool1(self.block1(x))
        x = self.pool2(self.block2(x))
        x = self.pool3(self.block3(x)).flatten(1)
        return self.fc(self.dropout(x))


def _conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    # An in-place ReLU would overwrite the BatchNorm output after a forward hook
    # has captured it, so an attribution to "blockN.bn" would see the ReLU output.
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
            bn=nn.BatchNorm2d(out_channels),
            relu=nn.ReLU(),
        )
    )


@dataclass(frozen=True)
class TrainingHistory:
    """Per-epoch losses of a [`fit`][medguide.training.fit] run and the epoch whose weights were kept.

    Epochs are counted from 0, so ``val_loss[best_epoch]`` is the lowest
    validation loss. Two runs compare equal when their losses, best epoch,
    stopping flag and seed are equal. The wall time is left out of the
    comparison.

    Attributes
    ----------
    train_loss : tuple of float
        Mean training loss of each epoch, weighted like the training loss.
    val_loss : tuple of float
        Validation loss after each epoch, in evaluation mode.
    best_epoch : int
        Epoch with the lowest validation loss, whose weights the model has
        after [`fit`][medguide.training.fit].
    stopped_early : bool
        Whether early stopping ended the run before `epochs` epochs.
    seed : int
        Seed of the run.
    seconds : float
        Wall time of the run in seconds.

    Examples
    --------
    >>> from medguide.training import TrainingHistory
    >>> history = TrainingHistory((0.7, 0.5, 0.4), (0.6, 0.5, 0.55), 1, False, 0)
    >>> history.epochs_run, history.best_val_loss
    (3, 0.5)
    """

    train_loss: tuple[float, ...]
    val_loss: tuple[float, ...]
    best_epoch: int
    stopped_early: bool
    seed: int
    seconds: float = field(default=0.0, compare=False)

    @property
    def epochs_run(self) -> int:
        """Number of epochs trained."""
        return len(self.train_loss)

    @property
    def best_val_loss(self) -> float:
        """Lowest validation loss, reached at `best_epoch`."""
        return self.val_loss[self.best_epoch]


def set_seed(seed: int) -> None:
    """Seed torch, NumPy's legacy global generator and switch on deterministic algorithms.

    This changes global state for the whole process: it calls
    ``torch.manual_seed``, ``numpy.random.seed`` and
    ``torch.use_deterministic_algorithms(True)``. Call it before building a
    model so that the initial weights are reproducible. [`fit`][medguide.training.fit] does not
    need it, because it seeds its own run. Results are bitwise reproducible
    on the CPU only with the same torch version and thread count.

    Parameters
    ----------
    seed : int
        Non-negative seed, below 2**32 because NumPy accepts no larger seed.

    Raises
    ------
    TypeError
        If `seed` is not an integer.
    ValueError
        If `seed` is negative or not below 2**32.

    Examples
    --------
    >>> import torch
    >>> from medguide.training import set_seed
    >>> set_seed(0)
    >>> first = torch.rand(2)
    >>> set_seed(0)
    >>> torch.equal(first, torch.rand(2))
    True
    """
    _check_seed("set_seed", seed)

    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True)


def class_weights(y: ArrayLike, *, n_classes: int | None = None) -> np.ndarray:
    """Compute "balanced" class weights, ``n_samples / (n_classes * count)``.

    The weights come from ``sklearn.utils.class_weight.compute_class_weight``
    with ``class_weight="balanced"``. Unlike that function, every class in
    ``0 .. n_classes - 1`` must occur in `y`, because a missing class would
    get no weight at all, and labels of shape (n_samples, 1) are accepted.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, 1)
        Integer class labels in ``0 .. n_classes - 1``.
    n_classes : int or None, default=None
        Number of classes. By default ``max(y) + 1``.

    Returns
    -------
    numpy.ndarray of shape (n_classes,)
        Weight of each class, in float64. The weights of all samples sum to
        `n_samples`.

    Raises
    ------
    TypeError
        If `y` is not an integer array.
    ValueError
        If `y` is empty, has another shape, contains a label outside
        ``0 .. n_classes - 1``, or lacks a class.

    See Also
    --------
    - [`weighted_sampler`][medguide.training.weighted_sampler]: Resample images in place of weighting the loss.

    Examples
    --------
    >>> import numpy as np
    >>> from medguide.training import class_weights
    >>> class_weights(np.array([[0], [1], [1], [1]]))
    array([2.        , 0.66666667])
    """
    labels = _squeeze_labels("class_weights", "y", y)
    if n_classes is None:
        n_classes = int(labels.max()) + 1
    check_int(n_classes, func="class_weights", name="n_classes", minimum=1)
    _check_label_range("class_weights", "y", labels, n_classes)

    counts = np.bincount(labels, minlength=n_classes)
    missing = np.flatnonzero(counts == 0)
    if missing.size:
        raise ValueError(
            f"class_weights: `y` contains no sample of class {missing.tolist()} "
            f"(class counts {counts.tolist()}). A balanced weight is undefined for "
            "an absent class; pass the labels of the whole training split or lower "
            "`n_classes`."
        )

    classes = np.arange(n_classes)
    return compute_class_weight("balanced", classes=classes, y=labels)


def weighted_sampler(
    sample_weights: ArrayLike,
    *,
    num_samples: int | None = None,
    replacement: bool = True,
    seed: int = 0,
) -> WeightedRandomSampler:
    """Build a seeded ``torch.utils.data.WeightedRandomSampler`` from per-sample weights.

    Image ``i`` is drawn with probability proportional to
    ``sample_weights[i]``. The sampler owns a ``torch.Generator`` seeded
    with `seed`, so its draws do not depend on the global torch seed, but
    the generator advances with every epoch: build a new sampler for every
    [`fit`][medguide.training.fit] run that has to be reproducible. Balanced per-sample
    weights come from ``sklearn.utils.class_weight.compute_sample_weight``.

    Parameters
    ----------
    sample_weights : array-like of shape (n_samples,)
        Non-negative, finite weights with a positive sum.
    num_samples : int or None, default=None
        Draws per epoch. By default the number of weights.
    replacement : bool, default=True
        Whether an image may be drawn more than once per epoch. Without
        replacement, `num_samples` may not exceed the number of positive
        weights.
    seed : int, default=0
        Seed of the sampler's generator.

    Returns
    -------
    torch.utils.data.WeightedRandomSampler
        Sampler to pass as ``fit(..., sampler=...)``.

    Raises
    ------
    TypeError
        If `sample_weights` is not numeric or `seed` is not an integer.
    ValueError
        If the weights are not a non-empty 1-D array of finite, non-negative
        values with a positive sum, or `num_samples` is invalid.

    See Also
    --------
    - [`class_weights`][medguide.training.class_weights]: Weight the loss in place of resampling.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils.class_weight import compute_sample_weight
    >>> from medguide.training import weighted_sampler
    >>> y = np.array([0] * 90 + [1] * 10)
    >>> sampler = weighted_sampler(compute_sample_weight("balanced", y), seed=0)
    >>> drawn = y[list(sampler)]
    >>> len(drawn), bool(35 < drawn.sum() < 65)
    (100, True)
    """
    weights = _sample_weights("weighted_sampler", sample_weights)
    _check_seed("weighted_sampler", seed)
    if num_samples is None:
        num_samples = weights.size
    check_int(num_samples, func="weighted_sampler", name="num_samples", minimum=1)

    n_positive = int(np.count_nonzero(weights))
    if not replacement and num_samples > n_positive:
        raise ValueError(
            f"weighted_sampler: `num_samples` is {num_samples}, but only {n_positive} "
            "weights are positive, so that many draws without replacement are "
            "impossible. Lower `num_samples` or pass replacement=True."
        )

    generator = torch.Generator().manual_seed(seed)
    return WeightedRandomSampler(
        torch.as_tensor(weights, dtype=torch.float64),
        num_samples=num_samples,
        replacement=replacement,
        generator=generator,
    )


@contextlib.contextmanager
def evaluation_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put `model` in evaluation mode and restore each submodule's mode on exit.

    The training flag of every submodule is restored, also when the block
    raises, so a model whose BatchNorm layers were frozen in evaluation mode
    on purpose comes back the same way. Gradients stay enabled; wrap the
    block in ``torch.inference_mode()`` when none are needed.

    Parameters
    ----------
    model : torch.nn.Module
        Model to switch.

    Returns
    -------
    context manager
        Yields `model` in evaluation mode.

    Raises
    ------
    TypeError
        If `model` is not a ``torch.nn.Module``.

    See Also
    --------
    - [`predict`][medguide.training.predict]: Uses this context manager together with inference mode.

    Examples
    --------
    >>> from medguide.training import SmallCNN, evaluation_mode
    >>> model = SmallCNN().train()
    >>> with evaluation_mode(model):
    ...     model.training, model.block1.bn.training
    (False, False)
    >>> model.training, model.block1.bn.training
    (True, True)
    """
    _check_model("evaluation_mode", model)
    with _restored_modes(model):
        model.eval()
        yield model


def predict(
    model: nn.Module,
    images: ArrayLike | torch.Tensor,
    *,
    batch_size: int = 512,
    output: Literal["probabilities", "logits"] = "probabilities",
) -> np.ndarray:
    """Predict class probabilities or logits in evaluation and inference mode.

    In training mode, BatchNorm normalises each image with the statistics of
    its batch, so an image's output depends on the other images, and the
    running statistics change even under ``torch.no_grad()``. This function
    avoids both: it runs the model in evaluation mode under
    ``torch.inference_mode()`` and restores each submodule's previous mode
    afterwards, also when the model raises.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier that maps (batch, 1, H, W) images to (batch, n_classes)
        logits.
    images : array-like or torch.Tensor of shape (n_samples, H, W) or (n_samples, 1, H, W)
        ``uint8`` pixels, divided by 255, or floating-point pixels, used as
        they are.
    batch_size : int, default=512
        Images per forward pass. The result does not depend on it beyond
        floating-point rounding.
    output : {"probabilities", "logits"}, default="probabilities"
        Softmax probabilities or raw logits.

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_classes)
        Float32 probabilities or logits. Column ``k`` belongs to label ``k``;
        for BreastMNIST the malignant class is label 0, so its score is
        column 0.

    Raises
    ------
    TypeError
        If `model` is not a module or `images` has an unsupported dtype.
    ValueError
        If `images` has an unsupported shape or non-finite values, or the
        model does not return a (batch, n_classes) tensor.

    See Also
    --------
    - [`evaluation_mode`][medguide.training.evaluation_mode]: The mode switch alone, with gradients enabled.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from medguide.training import SmallCNN, predict
    >>> _ = torch.manual_seed(0)
    >>> model = SmallCNN(width=4)
    >>> images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    >>> probabilities = predict(model, images)
    >>> probabilities.shape, bool(np.allclose(probabilities.sum(axis=1), 1.0))
    ((3, 2), True)
    >>> model.training
    True
    """
    _check_model("predict", model)
    x = _image_tensor("predict", "images", images)
    check_int(batch_size, func="predict", name="batch_size", minimum=1)
    check_choice(output, func="predict", name="output", choices=("probabilities", "logits"))

    device = _model_device(model)
    chunks = []
    with evaluation_mode(model), torch.inference_mode():
        for start in range(0, x.shape[0], batch_size):
            batch = x[start : start + batch_size].to(device)
            logits = model(batch)
            _check_logits("predict", logits, batch.shape[0])
            chunks.append(logits.float().cpu())

    logits = torch.cat(chunks)
    if output == "probabilities":
        return torch.softmax(logits, dim=1).numpy()
    return logits.numpy()


def fit(
    model: nn.Module,
    train_data: tuple[ArrayLike, ArrayLike],
    val_data: tuple[ArrayLike, ArrayLike],
    *,
    epochs: int = 40,
    batch_size: int = 64,
    lr: float = 3e-3,
    weight_decay: float = 0.0,
    class_weight: None | Literal["balanced"] | ArrayLike = None,
    sampler: Sampler[int] | None = None,
    patience: int | None = 10,
    seed: int = 0,
) -> TrainingHistory:
    """Train `model` with Adam and cross-entropy, stopping early on validation loss.

    After every epoch the validation loss is computed in evaluation mode.
    Training stops once it has not improved for `patience` epochs, and the
    model gets back the weights of the epoch with the lowest validation
    loss. The run is seeded inside ``torch.random.fork_rng``, so it neither
    depends on nor changes the global torch seed, and it runs with
    deterministic algorithms switched on. Weight initialisation happens
    when the model is built, so seed that with [`set_seed`][medguide.training.set_seed]. A run is
    bitwise reproducible on the CPU only with the same torch version and
    thread count.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier that maps (batch, 1, H, W) images to (batch, n_classes)
        logits with n_classes >= 2, such as [`SmallCNN`][medguide.training.SmallCNN]. Its weights
        are updated in place.
    train_data, val_data : tuple of (images, labels)
        Images as accepted by [`predict`][medguide.training.predict], and integer labels of shape
        (n_samples,) or (n_samples, 1) in ``0 .. n_classes - 1``.
    epochs : int, default=40
        Maximum number of epochs.
    batch_size : int, default=64
        Training images per step. The last batch of an epoch may be smaller.
    lr : float, default=3e-3
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam L2 penalty.
    class_weight : None, "balanced" or array-like of shape (n_classes,), default=None
        Per-class weights of the cross-entropy loss, for training and
        validation alike. "balanced" computes them with
        [`class_weights`][medguide.training.class_weights] from the training labels.
    sampler : torch.utils.data.Sampler or None, default=None
        Sampler of training indices, such as [`weighted_sampler`][medguide.training.weighted_sampler]. By
        default every epoch visits each training image once in a shuffled
        order. A sampler changes only which training images are drawn, not
        the validation loss.
    patience : int or None, default=10
        Epochs without a lower validation loss before training stops. None
        trains all `epochs` epochs, but still restores the best epoch. On
        small sets such as BreastMNIST the validation loss often rises in the
        first epochs before it falls, so a patience below about 5 can stop
        at epoch 0.
    seed : int, default=0
        Seed of the shuffling and dropout.

    Returns
    -------
    TrainingHistory
        Losses per epoch and the epoch whose weights were restored.

    Raises
    ------
    TypeError
        If an argument has the wrong type, for example float labels.
    ValueError
        If images and labels disagree in length, labels are outside
        ``0 .. n_classes - 1``, the model does not return
        (batch, n_classes) logits, or a number is out of range.

    See Also
    --------
    - [`predict`][medguide.training.predict]: Use the trained model.
    - [`class_weights`][medguide.training.class_weights], [`weighted_sampler`][medguide.training.weighted_sampler]: Two ways to handle class imbalance.

    Notes
    -----
    Class weights and a balanced sampler both correct for imbalance, so
    using both at once over-corrects towards the rare class. The model
    leaves [`fit`][medguide.training.fit] in the training mode it had before the call.

    Measured with the defaults, ``SmallCNN()`` and one torch thread on a
    2-core x86 CPU (torch 2.13): a BreastMNIST fit used 5 to 8 s of CPU
    time (26 to 37 epochs, seeds 0 to 4). A PneumoniaMNIST fit used 47 s
    (28 epochs, seed 0). Wall time is about the same on an idle machine and longer when
    other processes share the cores.

    Examples
    --------
    >>> import numpy as np
    >>> from medguide.training import SmallCNN, fit, set_seed
    >>> rng = np.random.default_rng(0)
    >>> images = rng.integers(0, 100, (64, 28, 28), dtype=np.uint8)
    >>> labels = np.arange(64) % 2
    >>> images[labels == 1, :4, :4] = 255
    >>> set_seed(0)
    >>> model = SmallCNN(width=4)
    >>> history = fit(model, (images[:48], labels[:48]), (images[48:], labels[48:]),
    ...               epochs=3, batch_size=16, seed=0)
    >>> history.epochs_run, history.val_loss[history.best_epoch] == min(history.val_loss)
    (3, True)
    """
    _check_model("fit", model)
    check_int(epochs, func="fit", name="epochs", minimum=1)
    check_int(batch_size, func="fit", name="batch_size", minimum=1)
    _check_positive_float("fit", "lr", lr)
    _check_positive_float("fit", "weight_decay", weight_decay, allow_zero=True)
    if patience is not None:
        check_int(patience, func="fit", name="patience", minimum=1)
    _check_seed("fit", seed)
    if sampler is not None and not isinstance(sampler, Sampler):
        raise TypeError(
            f"fit: `sampler` must be a torch.utils.data.Sampler or None, got "
            f"{type(sampler).__name__}. Build one with medguide.weighted_sampler."
        )

    x_train, y_train = _split_pair("fit", "train_data", train_data)
    x_val, y_val = _split_pair("fit", "val_data", val_data)
    _check_sampler_size(sampler, x_train.shape[0])
    n_classes = _count_outputs("fit", model, x_train)
    _check_label_range("fit", "train_data labels", y_train.numpy(), n_classes)
    _check_label_range("fit", "val_data labels", y_val.numpy(), n_classes)
    weight = _loss_weight(class_weight, y_train.numpy(), n_classes)
    criterion = nn.CrossEntropyLoss(weight=weight)

    started = time.perf_counter()
    with _seeded_run(seed), _restored_modes(model):
        history = _train(
            model,
            (x_train, y_train),
            (x_val, y_val),
            criterion,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            weight_decay=weight_decay,
            sampler=sampler,
            patience=patience,
            seed=seed,
        )
    seconds = time.perf_counter() - started

    logger.info(
        "fit: trained %d epochs in %.1f s, restored epoch %d (validation loss %.4f)",
        history.epochs_run,
        seconds,
        history.best_epoch,
        history.best_val_loss,
    )
    return TrainingHistory(
        history.train_loss,
        history.val_loss,
        history.best_epoch,
        history.stopped_early,
        seed,
        seconds,
    )


def _train(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    criterion: nn.Module,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    sampler: Sampler[int] | None,
    patience: int | None,
    seed: int,
) -> TrainingHistory:
    device = _model_device(model)
    criterion = criterion.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loader = _batch_loader(train, batch_size, sampler, seed)

    train_losses: list[float] = []
    val_losses: list[float] = []
    best_epoch, best_loss, best_state = 0, float("inf"), _copy_state(model)
    stopped_early = False

    for epoch in range(epochs):
        train_losses.append(_train_epoch(model, loader, criterion, optimizer, device))
        val_losses.append(_validation_loss(model, val, criterion, batch_size, device))
        logger.debug(
            "fit: epoch %d train loss %.4f, validation loss %.4f",
            epoch,
            train_losses[-1],
            val_losses[-1],
        )

        if val_losses[-1] < best_loss:
            best_epoch, best_loss, best_state = epoch, val_losses[-1], _copy_state(model)
        if patience is not None and epoch - best_epoch >= patience:
            stopped_early = epoch < epochs - 1
            break

    # Gradients of the last step would otherwise stay attached to the
    # parameters and keep memory, although they belong to no restored epoch.
    optimizer.zero_grad(set_to_none=True)
    model.load_state_dict(best_state)
    return TrainingHistory(tuple(train_losses), tuple(val_losses), best_epoch, stopped_early, seed)


def _batch_loader(
    train: tuple[torch.Tensor, torch.Tensor],
    batch_size: int,
    sampler: Sampler[int] | None,
    seed: int,
) -> DataLoader:
    dataset = TensorDataset(*train)
    if sampler is None:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))

    # Indexing the tensors once per batch, not once per image, keeps the
    # loader cheap: batch_size=None hands each list of indices to the dataset.
    batches = BatchSampler(sampler, batch_size=batch_size, drop_last=False)
    return DataLoader(dataset, sampler=batches, batch_size=None)


def _train_epoch(
    model: nn.Module,
    loader: DataLoader,
    criterion: nn.Module,
    optimizer: torch.optim.Optimizer,
    device: torch.device,
) -> float:
    model.train()
    total, count = 0.0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad(set_to_none=True)
        loss = _checked_loss("fit", criterion, model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * labels.shape[0]
        count += labels.shape[0]
    return total / count


def _validation_loss(
    model: nn.Module,
    val: tuple[torch.Tensor, torch.Tensor],
    criterion: nn.Module,
    batch_size: int,
    device: torch.device,
) -> float:
    images, labels = val
    weight = criterion.weight
    # Evaluation mode needs no gradients, so larger batches only cost memory.
    step = max(batch_size, 256)

    # Summing per batch and dividing once gives the mean over the whole
    # split, which with class weights is not the mean of batch means.
    summed = nn.CrossEntropyLoss(weight=weight, reduction="sum")
    total, weight_sum = 0.0, 0.0
    with evaluation_mode(model), torch.inference_mode():
        for start in range(0, images.shape[0], step):
            batch = images[start : start + step].to(device)
            targets = labels[start : start + step].to(device)
            total += _checked_loss("fit", summed, model(batch), targets).item()
            weight_sum += float(weight[targets].sum()) if weight is not None else len(targets)
    return total / weight_sum


def _checked_loss(
    function: str, criterion: nn.Module, logits: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    # Arithmetic between a (batch, 1) target and (batch,) scores broadcasts to
    # (batch, batch) without an error, so both shapes are checked here.
    _check_logits(function, logits, targets.shape[0])
    if targets.shape != (logits.shape[0],):
        raise ValueError(
            f"{function}: the targets have shape {tuple(targets.shape)}, but the logits "
            f"have shape {tuple(logits.shape)}; cross-entropy needs targets of shape "
            f"({logits.shape[0]},). Squeeze (n_samples, 1) labels before the loss."
        )
    return criterion(logits, targets)


def _check_logits(function: str, logits: object, n_images: int) -> None:
    if not isinstance(logits, torch.Tensor):
        raise TypeError(
            f"{function}: the model returned {type(logits).__name__}, not a tensor of "
            "logits. Return a tensor of shape (batch, n_classes) from forward()."
        )
    if logits.ndim != 2 or logits.shape[0] != n_images or logits.shape[1] < 2:
        raise ValueError(
            f"{function}: the model returned shape {tuple(logits.shape)} for {n_images} "
            f"images, but medguide needs logits of shape ({n_images}, n_classes) with "
            "n_classes >= 2. A binary model with one output logit must be rebuilt "
            "with two outputs, for example SmallCNN(n_classes=2)."
        )


def _check_sampler_size(sampler: Sampler[int] | None, n_train: int) -> None:
    # A sampler built from the weights of the whole data set, not of the
    # training split, would draw indices past the end of the split.
    weights = getattr(sampler, "weights", None)
    if isinstance(weights, torch.Tensor) and weights.shape[0] != n_train:
        raise ValueError(
            f"fit: `sampler` has {weights.shape[0]} sample weights, but `train_data` "
            f"has {n_train} images. Build the sampler from one weight per training "
            "image, for example from the training labels only."
        )


def _count_outputs(function: str, model: nn.Module, images: torch.Tensor) -> int:
    with evaluation_mode(model), torch.inference_mode():
        logits = model(images[:1].to(_model_device(model)))
    _check_logits(function, logits, 1)
    return int(logits.shape[1])


def _loss_weight(
    class_weight: None | str | ArrayLike, labels: np.ndarray, n_classes: int
) -> torch.Tensor | None:
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"fit: `class_weight` must be None, 'balanced' or one weight per "
                f"class, got {class_weight!r}."
            )
        return torch.as_tensor(class_weights(labels, n_classes=n_classes), dtype=torch.float32)

    weights = np.asarray(class_weight, dtype=np.float64)
    if weights.shape != (n_classes,) or not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(
            f"fit: `class_weight` must contain {n_classes} finite, non-negative weights "
            f"(one per model output), got {class_weight!r}. Pass 'balanced' to compute "
            "them from the training labels."
        )
    if not np.any(weights > 0):
        raise ValueError(
            "fit: `class_weight` is all zeros, so the loss would be undefined. "
            "Give at least one class a positive weight."
        )
    return torch.as_tensor(weights, dtype=torch.float32)


@contextlib.contextmanager
def _seeded_run(seed: int) -> Iterator[None]:
    # fork_rng restores the global torch generator afterwards, so a fit call
    # does not change what later, unrelated code draws.
    # Deterministic mode fills every new, uninitialised tensor with NaN, which
    # only helps to find code that reads memory before writing it. That fill
    # took about a third of each CPU step of SmallCNN at batch size 64.
    deterministic = torch.are_deterministic_algorithms_enabled()
    fill = torch.utils.deterministic.fill_uninitialized_memory
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        # The first use_deterministic_algorithms call of a process imports
        # torch._inductor (8 s on a busy 2-core CPU, torch 2.13), so it is
        # made only if the flag is off.
        if not deterministic:
            torch.use_deterministic_algorithms(True)
        torch.utils.deterministic.fill_uninitialized_memory = False
        try:
            yield
        finally:
            if not deterministic:
                torch.use_deterministic_algorithms(False)
            torch.utils.deterministic.fill_uninitialized_memory = fill


@contextlib.contextmanager
def _restored_modes(model: nn.Module) -> Iterator[None]:
    modes = [(module, module.training) for module in model.modules()]
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _copy_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def _model_device(model: nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def _split_pair(
    function: str, argument: str, data: object
) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(data, Sequence) or len(data) != 2:
        raise TypeError(
            f"{function}: `{argument}` must be a pair (images, labels), got "
            f"{type(data).__name__}. Pass for example (train_images, train_labels)."
        )
    images = _image_tensor(function, f"{argument} images", data[0])
    labels = _squeeze_labels(function, f"{argument} labels", data[1])
    if labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"{function}: `{argument}` has {images.shape[0]} images but "
            f"{labels.shape[0]} labels. Pass the images and labels of the same split."
        )
    return images, torch.as_tensor(labels, dtype=torch.long)


def _image_tensor(function: str, argument: str, images: object) -> torch.Tensor:
    """Convert images to a float32 tensor of shape (n, 1, H, W), scaling uint8 by 1/255."""
    if isinstance(images, torch.Tensor):
        array = images.detach().cpu().numpy()
    else:
        array = np.asarray(images)

    if array.dtype != np.uint8 and not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{function}: `{argument}` must contain uint8 pixels (0-255, divided by 255 "
            f"here) or floating-point pixels (used as they are), got dtype {array.dtype}. "
            "Cast with .astype(np.uint8) or scale to floats yourself."
        )
    if array.ndim == 3:
        array = array[:, np.newaxis]
    if array.ndim != 4 or array.shape[1] != 1:
        raise ValueError(
            f"{function}: `{argument}` must have shape (n_samples, H, W) or "
            f"(n_samples, 1, H, W) for single-channel images, got {array.shape}. "
            "Convert colour or channel-last images to one leading channel first."
        )
    if array.shape[0] == 0 or min(array.shape[2:]) < 4:
        raise ValueError(
            f"{function}: `{argument}` has shape {array.shape}; it needs at least one "
            "image of at least 4 x 4 pixels."
        )

    if array.dtype == np.uint8:
        return torch.from_numpy(array.astype(np.float32) / 255.0)
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{function}: `{argument}` contains {int(np.sum(~np.isfinite(array)))} "
            "NaN or infinite pixels. Remove or repair those images first."
        )
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


def _squeeze_labels(function: str, argument: str, labels: object) -> np.ndarray:
    """Return labels as a 1-D int64 array, squeezing an explicit (n, 1) shape only."""
    squeezed = squeeze_labels(labels, func=function, name=argument)
    array = to_numpy(squeezed, func=function, name=argument)
    if not np.issubdtype(array.dtype, np.integer):
        raise TypeError(
            f"{function}: `{argument}` must contain integer class labels, got dtype "
            f"{array.dtype}. Cast with .astype(int) after checking the values are whole "
            "numbers."
        )
    return array.astype(np.int64)


def _check_label_range(function: str, argument: str, labels: np.ndarray, n_classes: int) -> None:
    outside = (labels < 0) | (labels >= n_classes)
    if np.any(outside):
        raise ValueError(
            f"{function}: `{argument}` contains labels outside 0..{n_classes - 1} "
            f"(for example {labels[outside][0]}), but there are {n_classes} classes. "
            "Map the labels to 0..n_classes-1 or use a model with more outputs."
        )


def _sample_weights(function: str, sample_weights: object) -> np.ndarray:
    array = np.asarray(sample_weights)
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise TypeError(
            f"{function}: `sample_weights` must be numeric, got dtype {array.dtype}."
        )
    array = array.astype(np.float64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(
            f"{function}: `sample_weights` must be a non-empty 1-D array with one weight "
            f"per image, got shape {array.shape}."
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0) or not array.sum() > 0:
        raise ValueError(
            f"{function}: `sample_weights` must be finite and non-negative with a positive "
            f"sum, got min {array.min():g}, max {array.max():g}, sum {array.sum():g}. "
            "Check how the weights were computed."
        )
    return array


def _check_model(function: str, model: object) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"{function}: `model` must be a torch.nn.Module, got {type(model).__name__}."
        )


def _check_seed(function: str, seed: object) -> None:
    check_int(seed, func=function, name="seed", minimum=0)
    if seed >= 2**32:
        raise ValueError(f"{function}: `seed` must be below 2**32, got {seed}.")


def _check_positive_float(
    function: str, argument: str, value: object, *, allow_zero: bool = False
) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{function}: `{argument}` must be a number, got {type(value).__name__}."
        )
    valid = np.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not valid:
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{function}: `{argument}` must be a finite, {bound} number, got {value!r}.")
