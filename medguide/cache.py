"""Cache expensive results on disk, keyed on the code and the data that made them.

``joblib.Memory`` keys a call on the function's own source and its arguments.
That misses a change inside a helper the function calls, so a cached model
could outlive the code that trained it. :func:`memoize` adds the source of the
whole medguide package and medguide's version to the key, and hashes array
arguments by content, so a cached result is never stale for any change to the
function, medguide or the data passed in.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
import marshal
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import joblib

__all__ = ["CACHE_DIR_ENV", "memoize", "code_fingerprint"]

logger = logging.getLogger("medguide")

CACHE_DIR_ENV = "MEDGUIDE_CACHE_DIR"
"""Environment variable naming the cache folder; caching is off when it is unset or empty."""

F = TypeVar("F", bound=Callable[..., Any])


def code_fingerprint(func: Callable[..., Any] | None = None) -> str:
    """Hash the medguide package source, its version and optionally a function's code.

    Parameters
    ----------
    func : callable, optional
        A function whose code joins the hash. When its source file can be
        read, the whole file is hashed, so helpers defined next to it count
        too. Code without a file (run by ``exec``) is hashed by its compiled
        form.

    Returns
    -------
    str
        A hexadecimal SHA-256 digest.

    Examples
    --------
    >>> len(code_fingerprint())
    64
    """
    from . import __version__

    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    if func is not None:
        digest.update(_function_code(func))
    return digest.hexdigest()


def memoize(func: F) -> F:
    """Cache ``func``'s results on disk when ``MEDGUIDE_CACHE_DIR`` is set.

    The key joins :func:`code_fingerprint` of ``func`` with ``joblib.hash`` of
    the arguments, which hashes numpy arrays and tensors by content. Results
    are stored with ``joblib.dump`` and written atomically. With the variable
    unset or empty the function simply runs, so copied code behaves the same
    with or without a cache.

    Use it only for functions whose result depends on nothing but their code,
    medguide and their arguments (no clock, no unseeded randomness, no files
    read inside).

    Parameters
    ----------
    func : callable
        The function to cache. Its arguments and result must be picklable.

    Returns
    -------
    callable
        A wrapper with the same signature.

    Examples
    --------
    >>> @memoize
    ... def slow_square(x):
    ...     return x * x
    >>> slow_square(4)
    16
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        folder = os.environ.get(CACHE_DIR_ENV, "").strip()
        if not folder:
            return func(*args, **kwargs)

        key = joblib.hash((code_fingerprint(func), func.__qualname__, args, sorted(kwargs.items())))
        path = Path(folder).expanduser() / f"{func.__qualname__.replace('<', '').replace('>', '')}-{key}.joblib"
        if path.is_file():
            logger.debug("cache hit for %s: %s", func.__qualname__, path)
            return joblib.load(path)

        result = func(*args, **kwargs)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False)
        handle.close()
        try:
            joblib.dump(result, handle.name)
            os.replace(handle.name, path)
        finally:
            Path(handle.name).unlink(missing_ok=True)
        logger.debug("cached %s in %s", func.__qualname__, path)
        return result

    return wrapper  # type: ignore[return-value]


def _function_code(func: Callable[..., Any]) -> bytes:
    func = inspect.unwrap(func)
    try:
        source_file = inspect.getsourcefile(func)
    except TypeError:
        source_file = None
    if source_file and Path(source_file).is_file():
        return Path(source_file).read_bytes()
    return marshal.dumps(func.__code__)
