"""Cache expensive results on disk, keyed on the code and the data that made them.

A key covers only the code that was read statically: [`ModuleGraph`][medguide.cache.ModuleGraph]
follows ``import`` statements with `ast`, so a module reached through
``importlib.import_module``, ``__import__`` or a name looked up at run time is
not part of it.

``joblib.Memory`` keys a call on the function's own source and its arguments.
That misses a change inside a helper the function calls, so a cached model
could outlive the code that trained it. [`memoize`][medguide.cache.memoize] adds the helpers the
function calls, the medguide modules it refers to (each with the medguide
modules those import, transitively), medguide's version and the content of the
arguments. A change to any of these makes a new key, and a change to a
medguide module the function does not depend on keeps the cached result.

This module imports nothing from the rest of medguide and imports joblib (and
with it numpy) only when a function is cached, so build tools can load it in
a fraction of a second.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import logging
import marshal
import os
import tempfile
import types
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar


__all__ = ["CACHE_DIR_ENV", "ModuleGraph", "code_fingerprint", "memoize"]

logger = logging.getLogger("medguide")

CACHE_DIR_ENV = "MEDGUIDE_CACHE_DIR"
"""Environment variable naming the cache folder; caching is off when it is unset or empty."""

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE = "medguide"
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent

# Global values of these types are hashed by content when a cached function
# reads them. Other global objects (models, open files) are not part of the key.
_HASHED_GLOBALS = (bool, int, float, complex, str, bytes, type(None), tuple, list, dict, frozenset, set)


class ModuleGraph:
    """Static import graph of the modules of some packages, read from source with `ast`.

    Only ``import`` and ``from ... import`` statements are followed (anywhere in
    a file, also inside functions). A module loaded by ``importlib``, a name
    reached by attribute access on a package (``import medguide as mg;
    mg.fit``) or a star import of a module without ``__all__`` is resolved
    conservatively: the code depends on the whole package or module. Each file
    is read once per graph, so make a new graph after files change.

    Parameters
    ----------
    packages : iterable of str, default ("medguide",)
        Top-level package names whose modules join the graph. Imports of any
        other module (numpy, torch) are ignored; their versions belong in the
        key by other means.
    roots : iterable of path-like, optional
        Folders that contain the packages. Default: the folder that contains
        the medguide package.

    Raises
    ------
    TypeError
        If ``packages`` is a single string instead of an iterable of names.

    See Also
    --------
    - [`code_fingerprint`][medguide.cache.code_fingerprint]: fingerprint of a function, built on this graph.

    Notes
    -----
    Hand-written because neither the standard library (``modulefinder``
    executes no code but follows every third-party import and reports no
    per-name origin) nor joblib resolves ``from package import name`` to the
    module that defines ``name``. An ancestor package of a dependency (the
    ``__init__.py`` that runs first) counts with its own source only, not with
    everything it imports, so ``from medguide import fit`` depends on
    ``medguide/__init__.py``, ``medguide/training.py`` and what ``training``
    imports, not on ``medguide/plots.py``.

    Examples
    --------
    >>> graph = ModuleGraph()
    >>> sorted(graph.modules_used_by("from medguide import memoize"))
    ['medguide.cache']
    >>> "medguide.cache" in graph.dependencies(["medguide.cache"])
    True
    >>> len(graph.fingerprint(["medguide.cache"]))
    64
    """

    def __init__(self, packages: Iterable[str] = (_PACKAGE,), roots: Iterable[str | os.PathLike[str]] | None = None) -> None:
        if isinstance(packages, str):
            raise TypeError(
                f"ModuleGraph: `packages` must be an iterable of package names, got the string {packages!r}. "
                f"Pass a tuple, for example ({packages!r},)."
            )
        self.packages = frozenset(packages)
        self.roots = tuple(Path(root).resolve() for root in roots) if roots is not None else (_PACKAGE_ROOT,)
        self._trees: dict[str, ast.Module | None] = {}
        self._sources: dict[str, bytes] = {}
        self._edges: dict[str, frozenset[str]] = {}

    def module_path(self, name: str) -> Path | None:
        """Return the file of module ``name`` under the roots, or None when it is not local."""
        if name.partition(".")[0] not in self.packages:
            return None
        parts = name.split(".")
        for root in self.roots:
            for candidate in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
                if candidate.is_file():
                    return candidate
        return None

    def modules_used_by(self, source: str, module: str | None = None) -> frozenset[str]:
        """Return the local modules that the code ``source`` imports, names resolved to where they are defined.

        ``module`` names the module the code belongs to, which resolves its
        relative imports; code without one (a page's code block) may use
        absolute imports only.
        """
        try:
            tree = ast.parse(source)
        except SyntaxError:
            # Code that does not parse cannot run either; it depends on nothing.
            return frozenset()
        return self._imports_of(tree, module)

    def dependencies(self, modules: Iterable[str]) -> frozenset[str]:
        """Return ``modules`` with every local module they import, transitively, plus their parent packages."""
        seen: set[str] = set()
        pending = [name for name in modules if self.module_path(name) is not None]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            pending.extend(self._direct_imports(name) - seen)

        parents = {".".join(name.split(".")[:depth]) for name in seen for depth in range(1, name.count(".") + 1)}
        return frozenset(seen | {name for name in parents if self.module_path(name) is not None})

    def fingerprint(self, modules: Iterable[str]) -> str:
        """Return a SHA-256 hex digest of the source of ``modules`` and of everything in their dependencies."""
        digest = hashlib.sha256()
        for name in sorted(self.dependencies(modules)):
            digest.update(name.encode() + b"\0")
            digest.update(self._source(name) + b"\0")
        return digest.hexdigest()

    def _source(self, name: str) -> bytes:
        if name not in self._sources:
            path = self.module_path(name)
            self._sources[name] = path.read_bytes() if path is not None else b""
        return self._sources[name]

    def _tree(self, name: str) -> ast.Module | None:
        if name not in self._trees:
            try:
                self._trees[name] = ast.parse(self._source(name))
            except SyntaxError:
                self._trees[name] = None
        return self._trees[name]

    def _direct_imports(self, name: str) -> frozenset[str]:
        if name not in self._edges:
            tree = self._tree(name)
            self._edges[name] = self._imports_of(tree, name) - {name} if tree is not None else frozenset()
        return self._edges[name]

    def _imports_of(self, tree: ast.Module, module: str | None) -> frozenset[str]:
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = self._absolute(node, module)
                if base is None:
                    continue
                for alias in node.names:
                    found.add(self._origin(base, alias.name))
        return frozenset(name for name in found if self.module_path(name) is not None)

    def _absolute(self, node: ast.ImportFrom, module: str | None) -> str | None:
        if node.level == 0:
            return node.module
        if module is None:
            return None
        path = self.module_path(module)
        package_parts = module.split(".") if path is not None and path.name == "__init__.py" else module.split(".")[:-1]
        if node.level > 1:
            package_parts = package_parts[: len(package_parts) - node.level + 1]
        return ".".join([*package_parts, *([node.module] if node.module else [])])

    def _origin(self, base: str, name: str, depth: int = 0) -> str:
        """Return the module that defines ``name`` as seen from ``from base import name``."""
        if name == "*" or self.module_path(base) is None:
            return base
        if self.module_path(f"{base}.{name}") is not None:
            return f"{base}.{name}"
        tree = self._tree(base)
        if tree is None or depth > 20:
            return base

        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                source = self._absolute(node, base)
                if source is None:
                    continue
                for alias in node.names:
                    if alias.name != "*" and (alias.asname or alias.name) == name:
                        return self._origin(source, alias.name, depth + 1)
                    if alias.name == "*" and name in self._public_names(source):
                        return self._origin(source, name, depth + 1)
        return base

    def _public_names(self, name: str) -> frozenset[str]:
        tree = self._tree(name)
        if tree is None:
            return frozenset()
        defined: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets):
                try:
                    return frozenset(ast.literal_eval(node.value))
                except ValueError:
                    # An __all__ built at run time cannot be read statically; fall back to every name.
                    break
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                defined.update(target.id for target in targets if isinstance(target, ast.Name))
        return frozenset(item for item in defined if not item.startswith("_"))


@functools.cache
def _package_graph() -> ModuleGraph:
    return ModuleGraph()


def code_fingerprint(func: Callable[..., Any] | None = None, *, graph: ModuleGraph | None = None) -> str:
    """Hash the code a cached result depends on: a function, its helpers and the medguide modules it uses.

    Without ``func``, hash every module of the medguide package. With
    ``func``, hash medguide's version, the function's code and the medguide
    modules it refers to, each with the medguide modules those import. A
    dependency that is only reached at run time (a name built with
    ``getattr``, a module loaded with ``importlib``) is not seen.

    Parameters
    ----------
    func : callable, optional
        The function whose result is cached. When its source file can be
        read, the whole file is hashed, so helpers defined next to it count
        too. Code without a file (run by ``exec``, as on the guide's pages) is
        hashed by its compiled form with the file name left out, together with
        the functions of the same namespace that it calls and the values of
        plain global constants (numbers, strings, tuples, lists, dicts) it reads.
    graph : ModuleGraph, optional
        The import graph that resolves medguide modules. Default: a graph of
        the installed medguide package, read once per process.

    Returns
    -------
    str
        A hexadecimal SHA-256 digest.

    See Also
    --------
    - [`memoize`][medguide.cache.memoize]: the disk cache keyed on this fingerprint.
    - [`ModuleGraph`][medguide.cache.ModuleGraph]: how medguide modules and their imports are found.

    Examples
    --------
    >>> len(code_fingerprint())
    64
    >>> def area(width, height):
    ...     return width * height
    >>> code_fingerprint(area) == code_fingerprint(area)
    True
    """
    graph = graph if graph is not None else _package_graph()
    digest = hashlib.sha256(_medguide_version().encode() + b"\0")

    if func is None:
        package_folder = Path(__file__).resolve().parent
        modules = [f"{_PACKAGE}.{path.stem}" if path.stem != "__init__" else _PACKAGE for path in package_folder.glob("*.py")]
        digest.update(graph.fingerprint(modules).encode())
        return digest.hexdigest()

    code, modules = _function_dependencies(inspect.unwrap(func), graph)
    digest.update(code)
    digest.update(graph.fingerprint(modules).encode())
    return digest.hexdigest()


def memoize(func: F) -> F:
    """Cache ``func``'s results on disk when ``MEDGUIDE_CACHE_DIR`` is set.

    Use it only for functions whose result depends on nothing but their code,
    medguide and their arguments (no clock, no unseeded randomness, no files
    read inside): the key cannot see anything else.

    The key joins [`code_fingerprint`][medguide.cache.code_fingerprint] of ``func`` with ``joblib.hash`` of
    the arguments, which hashes numpy arrays and tensors by content. Results
    are stored with ``joblib.dump`` and written atomically. With the variable
    unset or empty the function simply runs, so copied code behaves the same
    with or without a cache.

    Parameters
    ----------
    func : callable
        The function to cache. Its arguments and result must be picklable.

    Returns
    -------
    callable
        A wrapper with the same signature.

    See Also
    --------
    - [`code_fingerprint`][medguide.cache.code_fingerprint]: what the key covers besides the arguments.

    Examples
    --------
    >>> @memoize
    ... def slow_square(x):
    ...     return x * x
    >>> slow_square(4)
    16
    """

    import joblib

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


@functools.cache
def _medguide_version() -> str:
    try:
        return version("medguide")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0+unknown"


def _function_dependencies(func: Callable[..., Any], graph: ModuleGraph) -> tuple[bytes, set[str]]:
    """Return the bytes that stand for ``func``'s code and the local modules it refers to."""
    source_file = _readable_source_file(func)
    module_name = getattr(func, "__module__", None) or ""
    modules: set[str] = set()
    if module_name.partition(".")[0] in graph.packages:
        modules.add(module_name)

    if source_file is not None:
        text = source_file.read_bytes()
        modules |= graph.modules_used_by(text.decode("utf-8", errors="replace"), module_name or None)
        return text, modules | _referenced_modules(func, graph)[1]

    parts, referenced = _referenced_modules(func, graph)
    return b"".join(parts), modules | referenced


def _referenced_modules(func: Callable[..., Any], graph: ModuleGraph) -> tuple[list[bytes], set[str]]:
    """Walk ``func`` and the same-namespace functions it calls; collect their code and the local modules they use."""
    parts: list[bytes] = []
    modules: set[str] = set()
    seen: set[int] = set()
    pending = [func]
    while pending:
        current = pending.pop()
        code = getattr(current, "__code__", None)
        if code is None or id(code) in seen:
            continue
        seen.add(id(code))
        parts.append(marshal.dumps(_without_filename(code)))

        namespace = getattr(current, "__globals__", {})
        cells = [cell.cell_contents for cell in (current.__closure__ or ()) if _cell_is_set(cell)]
        values = [namespace[name] for name in sorted(_names(code)) if name in namespace] + cells
        for value in values:
            local = _local_module_of(value, graph)
            if local is not None:
                modules.add(local)
            elif isinstance(value, types.FunctionType) and value.__globals__ is namespace:
                pending.append(value)
            elif isinstance(value, _HASHED_GLOBALS):
                parts.append(_content_hash(value))
    return parts, modules


def _content_hash(value: Any) -> bytes:
    import joblib

    return joblib.hash(value).encode()


def _readable_source_file(func: Callable[..., Any]) -> Path | None:
    try:
        source_file = inspect.getsourcefile(func)
    except TypeError:
        return None
    if source_file and Path(source_file).is_file():
        return Path(source_file)
    return None


def _local_module_of(value: Any, graph: ModuleGraph) -> str | None:
    if isinstance(value, types.ModuleType):
        name = value.__name__
    else:
        name = getattr(value, "__module__", None) if callable(value) else type(value).__module__
    if isinstance(name, str) and name.partition(".")[0] in graph.packages:
        return name
    return None


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names(constant)
    return names


def _without_filename(code: types.CodeType) -> types.CodeType:
    """Return ``code`` with every file name blanked: markdown-exec names blocks by their build order."""
    constants = tuple(_without_filename(item) if isinstance(item, types.CodeType) else item for item in code.co_consts)
    return code.replace(co_filename="", co_consts=constants)


def _cell_is_set(cell: types.CellType) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True
