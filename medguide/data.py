"""Load MedMNIST 2D datasets as numpy arrays, with their metadata.

The files and their metadata come from the ``medmnist`` package. This module
adds what a guide needs on top: a data folder chosen by an environment
variable, errors that name the missing file and where it was looked for,
and a download that shows progress, checks the MD5 sum and never leaves half a
file behind. ``medmnist``'s own download goes through ``torchvision``, which
some machines cannot import, so the download here is written with the
standard library.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import tempfile
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import medmnist
import numpy as np
from medmnist.info import DEFAULT_ROOT, INFO

from .exceptions import ChecksumWarning, DatasetNotFoundError

__all__ = [
    "DATA_DIR_ENV",
    "DatasetInfo",
    "MedMNISTSplit",
    "data_dir",
    "dataset_info",
    "download_medmnist",
    "load_split",
    "load_splits",
]

logger = logging.getLogger("medguide")

DATA_DIR_ENV = "MEDGUIDE_DATA_DIR"
"""Environment variable naming the folder that contains the MedMNIST ``.npz`` files."""

SPLITS = ("train", "val", "test")

# MD5 sums of rebuilt copies of official files that are known to contain the same
# images and class counts (the PneumoniaMNIST copy has its training images in a
# different order). They load with a warning that explains this.
_KNOWN_REBUILT_MD5 = {
    "2be00386268026342fcfc3b8f53e96ed": "breastmnist",
    "e5dd2a2667372c85797b9aade461da17": "pneumoniamnist",
}

_CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class DatasetInfo:
    """Metadata of one MedMNIST dataset, taken from ``medmnist.INFO``.

    Attributes
    ----------
    name : str
        The dataset flag, for example ``"breastmnist"``.
    python_class : str
        The ``medmnist`` class that loads it, for example ``"BreastMNIST"``.
    task : str
        ``"binary-class"``, ``"multi-class"``, ``"multi-label, binary-class"``
        or ``"ordinal-regression"``.
    label_names : dict of int to str
        What each label value means, for example ``{0: "malignant", 1: "normal, benign"}``.
    n_channels : int
        1 for grey-scale images, 3 for colour.
    n_samples : dict of str to int
        Official number of images in each split.
    licence : str
        Licence of the dataset, for example ``"CC BY 4.0"``.
    description : str
        The dataset description written by the MedMNIST authors.
    """

    name: str
    python_class: str
    task: str
    label_names: dict[int, str]
    n_channels: int
    n_samples: dict[str, int]
    licence: str
    description: str = field(repr=False)
    _urls: dict[int, str] = field(repr=False)
    _md5: dict[int, str] = field(repr=False)

    def url(self, size: int = 28) -> str:
        """Return the official download URL of the file with images of ``size`` pixels."""
        return self._urls[_check_size(self, size)]

    def md5(self, size: int = 28) -> str:
        """Return the official MD5 sum of the file with images of ``size`` pixels."""
        return self._md5[_check_size(self, size)]

    def filename(self, size: int = 28) -> str:
        """Return the file name, ``breastmnist.npz`` or ``breastmnist_64.npz`` for example."""
        suffix = "" if _check_size(self, size) == 28 else f"_{size}"
        return f"{self.name}{suffix}.npz"


@dataclass(frozen=True)
class MedMNISTSplit:
    """One split of a MedMNIST dataset as numpy arrays.

    Attributes
    ----------
    images : ndarray of shape (n_samples, height, width) or (n_samples, height, width, 3)
        uint8 pixel values from 0 to 255, as stored in the file.
    labels : ndarray of shape (n_samples,) or (n_samples, n_labels)
        int64 labels. MedMNIST stores single-label targets as a column of
        shape (n_samples, 1); the loader squeezes them to (n_samples,) after
        checking that shape. Multi-label targets keep one column per label.
    info : DatasetInfo
        The dataset's metadata.
    split : str
        ``"train"``, ``"val"`` or ``"test"``.
    path : Path
        The file the arrays were read from.
    """

    images: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    info: DatasetInfo = field(repr=False)
    split: str
    path: Path

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> dict[str, int]:
        """Count the images of each class, keyed by the class name.

        Raises
        ------
        ValueError
            If the dataset is multi-label, where one image can carry several labels.
        """
        if self.labels.ndim != 1:
            raise ValueError(
                f"class_counts: {self.info.name} is a {self.info.task} dataset, so an "
                "image can carry several labels; count each column of `labels` instead."
            )
        counts = np.bincount(self.labels, minlength=len(self.info.label_names))
        return {self.info.label_names[value]: int(counts[value]) for value in self.info.label_names}


def dataset_info(name: str) -> DatasetInfo:
    """Return the metadata of a MedMNIST dataset.

    Parameters
    ----------
    name : str
        A MedMNIST flag such as ``"breastmnist"`` or ``"pneumoniamnist"``,
        case-insensitive. 3D datasets are accepted here, but this guide only
        loads 2D ones.

    Returns
    -------
    DatasetInfo

    Raises
    ------
    ValueError
        If ``name`` is not a MedMNIST dataset.

    Examples
    --------
    >>> info = dataset_info("breastmnist")
    >>> info.label_names
    {0: 'malignant', 1: 'normal, benign'}
    >>> info.n_samples
    {'train': 546, 'val': 78, 'test': 156}
    """
    if not isinstance(name, str) or name.lower() not in INFO:
        known = ", ".join(sorted(INFO))
        raise ValueError(f"dataset_info: unknown MedMNIST dataset {name!r}. Known names: {known}.")
    flag = name.lower()
    raw = INFO[flag]
    sizes = [28, 64, 128, 224]
    return DatasetInfo(
        name=flag,
        python_class=raw["python_class"],
        task=raw["task"],
        label_names={int(key): value for key, value in raw["label"].items()},
        n_channels=int(raw["n_channels"]),
        n_samples=dict(raw["n_samples"]),
        licence=raw["license"],
        description=raw["description"],
        _urls={size: raw[_size_key("url", size)] for size in sizes if _size_key("url", size) in raw},
        _md5={size: raw[_size_key("MD5", size)] for size in sizes if _size_key("MD5", size) in raw},
    )


def data_dir(root: str | os.PathLike | None = None) -> Path:
    """Return the folder that contains the MedMNIST files.

    The folder is, in order: ``root`` if given, the environment variable
    ``MEDGUIDE_DATA_DIR`` if set and not empty, else ``medmnist``'s default
    (``~/.medmnist``).

    Examples
    --------
    >>> data_dir("/data/medmnist")
    PosixPath('/data/medmnist')
    """
    if root is not None:
        return Path(root).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return Path(DEFAULT_ROOT)


def load_split(
    name: str,
    split: str,
    *,
    root: str | os.PathLike | None = None,
    size: int = 28,
    download: bool = True,
) -> MedMNISTSplit:
    """Load one split of a MedMNIST 2D dataset.

    The file is read through ``medmnist``'s dataset class. Its MD5 sum is
    compared with the official one: a different sum gives a
    [`ChecksumWarning`][medguide.exceptions.ChecksumWarning], not an error, because
    rebuilt copies of the official files exist and are used offline.

    Parameters
    ----------
    name : str
        A MedMNIST 2D flag such as ``"breastmnist"``.
    split : {"train", "val", "test"}
        Which official split to load.
    root : str or path-like, optional
        Folder holding the ``.npz`` files. Defaults to [`data_dir`][medguide.data.data_dir].
    size : {28, 64, 128, 224}, default=28
        Image size in pixels.
    download : bool, default=True
        Download the official file when it is missing.

    Returns
    -------
    MedMNISTSplit

    Raises
    ------
    ValueError
        If ``name``, ``split`` or ``size`` is not valid.
    DatasetNotFoundError
        If the file is missing and could not be downloaded. The message names
        the file, the folder, the environment variable and the URL, and states
        what went wrong.

    See Also
    --------
    - [`load_splits`][medguide.data.load_splits]: all three splits at once.

    Examples
    --------
    >>> test = load_split("breastmnist", "test")
    >>> test.images.shape, test.labels.shape
    ((156, 28, 28), (156,))
    """
    info = dataset_info(name)
    if split not in SPLITS:
        raise ValueError(f"load_split: `split` must be one of {SPLITS}, got {split!r}.")
    path = _ensure_file(info, size=size, root=root, download=download)
    _warn_if_not_official(path, info, size, stacklevel=3)
    return _read_split(info, split, path, size)


def load_splits(
    name: str,
    *,
    root: str | os.PathLike | None = None,
    size: int = 28,
    download: bool = True,
) -> dict[str, MedMNISTSplit]:
    """Load the official train, validation and test splits of a MedMNIST 2D dataset.

    Parameters are those of [`load_split`][medguide.data.load_split].

    Returns
    -------
    dict of str to MedMNISTSplit
        Keys ``"train"``, ``"val"`` and ``"test"``, in that order.
    """
    info = dataset_info(name)
    path = _ensure_file(info, size=size, root=root, download=download)
    _warn_if_not_official(path, info, size, stacklevel=3)
    return {split: _read_split(info, split, path, size) for split in SPLITS}


def download_medmnist(
    name: str,
    *,
    root: str | os.PathLike | None = None,
    size: int = 28,
    url: str | None = None,
    md5: str | None = None,
    progress: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Download a MedMNIST file, check its MD5 sum and move it into place atomically.

    The file is written to a temporary file in the target folder and renamed
    only after its MD5 sum matched, so an interrupted or corrupt download never
    leaves a file with the final name. ``medmnist`` has its own download, but
    it needs ``torchvision``; this one uses the standard library and ``tqdm``.

    Parameters
    ----------
    name : str
        A MedMNIST flag such as ``"breastmnist"``.
    root : str or path-like, optional
        Target folder, created if missing. Defaults to [`data_dir`][medguide.data.data_dir].
    size : {28, 64, 128, 224}, default=28
        Image size in pixels.
    url, md5 : str, optional
        Download address and expected MD5 sum. Default to the official ones
        from ``medmnist.INFO``; give both to use a mirror.
    progress : bool, default=True
        Show a progress bar on standard error.
    timeout : float, default=60.0
        Seconds to wait for the server before giving up.

    Returns
    -------
    Path
        The downloaded file.

    Raises
    ------
    DatasetNotFoundError
        If the folder cannot be created or written, the server cannot be
        reached, the server returns an error, the connection breaks, or
        the MD5 sum differs. The message states which of these happened.
    """
    from tqdm.auto import tqdm

    info = dataset_info(name)
    folder = data_dir(root)
    target = folder / info.filename(size)
    url = url or info.url(size)
    expected_md5 = md5 or info.md5(size)

    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=folder, prefix=f".{target.name}.", suffix=".part", delete=False)
    except OSError as error:
        raise DatasetNotFoundError(
            _missing_message(target, url)
            + f" The folder could not be created or written ({type(error).__name__}: {error}); "
            f"choose a writable folder with {DATA_DIR_ENV} or the `root` argument."
        ) from error

    partial = Path(handle.name)
    digest = hashlib.md5()
    try:
        with handle, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=target.name, disable=not progress) as bar:
                while chunk := response.read(_CHUNK_BYTES):
                    handle.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
            if total is not None and handle.tell() != total:
                raise DatasetNotFoundError(
                    _missing_message(target, url)
                    + f" The download stopped after {handle.tell()} of {total} bytes; try again."
                )
        if digest.hexdigest() != expected_md5:
            raise DatasetNotFoundError(
                _missing_message(target, url)
                + f" The downloaded file has MD5 {digest.hexdigest()}, expected {expected_md5}; "
                "it was deleted. Try again, or check that `url` and `md5` belong together."
            )
        os.replace(partial, target)
    except DatasetNotFoundError:
        partial.unlink(missing_ok=True)
        raise
    except (urllib.error.URLError, OSError, ValueError) as error:
        partial.unlink(missing_ok=True)
        if isinstance(error, urllib.error.HTTPError):
            error.close()  # an HTTPError keeps the response open
        raise DatasetNotFoundError(_missing_message(target, url) + " " + _describe_failure(error)) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise

    logger.info("downloaded %s to %s", url, target)
    return target


def _size_key(prefix: str, size: int) -> str:
    return prefix if size == 28 else f"{prefix}_{size}"


def _check_size(info: DatasetInfo, size: int) -> int:
    if size not in info._urls:
        raise ValueError(
            f"{info.name}: `size` must be one of {sorted(info._urls)} pixels, got {size!r}."
        )
    return size


def _ensure_file(info: DatasetInfo, *, size: int, root, download: bool) -> Path:
    folder = data_dir(root)
    target = folder / info.filename(size)
    if target.is_file():
        return target
    if not download:
        raise DatasetNotFoundError(
            _missing_message(target, info.url(size))
            + " Pass download=True to fetch it, or put the file in that folder."
        )
    return download_medmnist(info.name, root=folder, size=size)


def _missing_message(target: Path, url: str) -> str:
    return (
        f"MedMNIST file {target.name} is missing from {target.parent} "
        f"(the folder comes from the `root` argument, else ${DATA_DIR_ENV}, else ~/.medmnist). "
        f"Official download URL: {url}."
    )


def _describe_failure(error: BaseException) -> str:
    # Tell a network failure apart from an HTTP error status and from a local
    # problem, so that the message does not blame the network for a full disk.
    if isinstance(error, urllib.error.HTTPError):
        return f"The server answered HTTP {error.code} ({error.reason}); try again later or use a mirror."
    if isinstance(error, urllib.error.URLError):
        reason = error.reason
        if isinstance(reason, socket.gaierror):
            return (
                f"The host name could not be resolved ({reason}): this machine looks offline. "
                f"Download the file elsewhere and set {DATA_DIR_ENV} to its folder."
            )
        return (
            f"The server could not be reached ({reason}). If this machine is offline, download "
            f"the file elsewhere and set {DATA_DIR_ENV} to its folder."
        )
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "The server did not respond in time; try again or raise `timeout`."
    if isinstance(error, ConnectionError):
        return f"The connection broke during the download ({error}); try again."
    if isinstance(error, ValueError):
        return f"The URL is not valid ({error})."
    return f"Writing the file failed ({type(error).__name__}: {error}); check the folder and free disk space."


def _file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _warn_if_not_official(path: Path, info: DatasetInfo, size: int, *, stacklevel: int) -> None:
    found = _file_md5(path)
    official = info.md5(size)
    if found == official:
        return
    if _KNOWN_REBUILT_MD5.get(found) == info.name:
        detail = (
            "It is a known rebuilt copy with the official images and class counts; "
            "numbers that depend on the order of training images can differ slightly."
        )
    else:
        detail = "It may be a rebuilt copy, a partial download or a modified file; delete it to download the official file."
    warnings.warn(
        f"{path} has MD5 {found}, not the official {official}. {detail}",
        ChecksumWarning,
        stacklevel=stacklevel,
    )


def _read_split(info: DatasetInfo, split: str, path: Path, size: int) -> MedMNISTSplit:
    dataset_class = getattr(medmnist, info.python_class)
    dataset = dataset_class(split=split, root=str(path.parent), size=size, download=False)
    images = np.asarray(dataset.imgs)
    labels = _squeeze_single_label(np.asarray(dataset.labels, dtype=np.int64), info, split)
    logger.debug("loaded %s %s split from %s: %d images", info.name, split, path, len(labels))
    return MedMNISTSplit(images=images, labels=labels, info=info, split=split, path=path)


def _squeeze_single_label(labels: np.ndarray, info: DatasetInfo, split: str) -> np.ndarray:
    if info.task.startswith("multi-label"):
        return labels
    if labels.ndim != 2 or labels.shape[1] != 1:
        raise ValueError(
            f"load_split: expected {info.name} {split} labels of shape (n_samples, 1), "
            f"got {labels.shape}; the file does not follow the MedMNIST layout."
        )
    return labels[:, 0]
