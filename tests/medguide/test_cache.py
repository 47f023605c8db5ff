"""The on-disk cache and its keys: hits, and misses exactly when a dependency changes."""

import types

import numpy as np
import pytest

from medguide import cache
from medguide.cache import CACHE_DIR_ENV, ModuleGraph, code_fingerprint, memoize

calls = []


@memoize
def _double(values):
    calls.append(1)
    return values * 2


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    calls.clear()
    return tmp_path


@pytest.fixture
def package(tmp_path):
    """A package ``pkg`` whose modules import each other: api -> core -> base, and plots alone."""
    root = tmp_path / "src"
    folder = root / "pkg"
    folder.mkdir(parents=True)
    files = {
        "__init__.py": "from .api import *\nfrom .plots import *\nfrom . import core\n",
        "api.py": "__all__ = ['fit']\nfrom .core import step\n\ndef fit(x):\n    return step(x)\n",
        "core.py": "from pkg.base import BASE\n\ndef step(x):\n    return x + BASE\n",
        "base.py": "import numpy\nBASE = 1\n",
        "plots.py": "__all__ = ['draw']\n\ndef draw():\n    return 'figure'\n",
        "lazy.py": "def later():\n    from .plots import draw\n    return draw()\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return root


def _exec_function(source, name, filename="<code block: n1>", namespace=None):
    namespace = {} if namespace is None else namespace
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def test_hit_after_first_call(cache_dir):
    first = _double(np.arange(3))
    second = _double(np.arange(3))
    assert np.array_equal(first, second)
    assert len(calls) == 1
    assert len(list(cache_dir.glob("*.joblib"))) == 1
    assert list(cache_dir.glob("*.part")) == []


def test_array_content_is_the_key(cache_dir):
    _double(np.arange(3))
    _double(np.arange(3) + 1)
    _double(np.arange(3).astype(float))
    assert len(calls) == 3


def test_package_change_invalidates(cache_dir, monkeypatch):
    _double(np.arange(3))
    monkeypatch.setattr(cache, "code_fingerprint", lambda func=None: "another medguide")
    _double(np.arange(3))
    assert len(calls) == 2


def test_off_without_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    calls.clear()
    _double(np.arange(3))
    _double(np.arange(3))
    assert len(calls) == 2


def test_fingerprint_covers_function_code():
    def first():
        return 1

    namespace = {}
    exec("def first():\n    return 2\n", namespace)  # same name, other code, no source file
    assert code_fingerprint(first) != code_fingerprint(namespace["first"])
    assert code_fingerprint() == code_fingerprint()


def test_graph_resolves_names_to_defining_module(package):
    graph = ModuleGraph(packages=("pkg",), roots=(package,))
    assert graph.modules_used_by("from pkg import fit") == {"pkg.api"}
    assert graph.modules_used_by("from pkg import draw, core") == {"pkg.plots", "pkg.core"}
    assert graph.modules_used_by("from pkg.api import fit") == {"pkg.api"}
    assert graph.modules_used_by("import pkg.plots") == {"pkg.plots"}
    assert graph.modules_used_by("import numpy\nfrom os import path") == frozenset()


def test_graph_unknown_name_depends_on_package(package):
    graph = ModuleGraph(packages=("pkg",), roots=(package,))
    assert graph.modules_used_by("from pkg import not_defined") == {"pkg"}
    assert graph.modules_used_by("import pkg") == {"pkg"}


def test_graph_code_that_does_not_parse(package):
    graph = ModuleGraph(packages=("pkg",), roots=(package,))
    assert graph.modules_used_by("from pkg import (fit") == frozenset()


def test_graph_dependencies_are_transitive(package):
    graph = ModuleGraph(packages=("pkg",), roots=(package,))
    assert graph.dependencies(["pkg.api"]) == {"pkg", "pkg.api", "pkg.core", "pkg.base"}
    assert graph.dependencies(["pkg.plots"]) == {"pkg", "pkg.plots"}
    assert graph.dependencies(["pkg.lazy"]) == {"pkg", "pkg.lazy", "pkg.plots"}
    assert graph.dependencies(["numpy", "pkg.missing"]) == frozenset()


def test_package_import_depends_on_all(package):
    graph = ModuleGraph(packages=("pkg",), roots=(package,))
    assert graph.dependencies(["pkg"]) == {"pkg", "pkg.api", "pkg.core", "pkg.base", "pkg.plots"}


def test_fingerprint_changes_only_with_dependencies(package):
    before = ModuleGraph(packages=("pkg",), roots=(package,))
    api_before = before.fingerprint(["pkg.api"])
    plots_before = before.fingerprint(["pkg.plots"])

    with (package / "pkg" / "base.py").open("a") as handle:
        handle.write("# a comment changes the source\n")
    after = ModuleGraph(packages=("pkg",), roots=(package,))
    assert after.fingerprint(["pkg.api"]) != api_before
    assert after.fingerprint(["pkg.plots"]) == plots_before


def test_fingerprint_changes_with_parent_package(package):
    plots_before = ModuleGraph(packages=("pkg",), roots=(package,)).fingerprint(["pkg.plots"])
    with (package / "pkg" / "__init__.py").open("a") as handle:
        handle.write("VERSION = 2\n")
    assert ModuleGraph(packages=("pkg",), roots=(package,)).fingerprint(["pkg.plots"]) != plots_before


def test_graph_relative_import_levels(package):
    sub = package / "pkg" / "sub"
    sub.mkdir()
    (sub / "__init__.py").write_text("from ..plots import draw\nfrom . import inner\n")
    (sub / "inner.py").write_text("from ..api import fit\n")
    graph = ModuleGraph(packages=("pkg",), roots=(package,))
    assert graph.dependencies(["pkg.sub.inner"]) >= {"pkg.sub.inner", "pkg.api", "pkg.sub", "pkg"}
    assert "pkg.plots" not in graph.dependencies(["pkg.sub.inner"])
    assert graph.modules_used_by("from ..plots import draw", module="pkg.sub") == {"pkg.plots"}


def test_graph_rejects_string_packages():
    with pytest.raises(TypeError, match=r"ModuleGraph: `packages` must be an iterable.*got the string 'pkg'.*\('pkg',\)"):
        ModuleGraph(packages="pkg")


def test_graph_finds_real_medguide_modules():
    graph = ModuleGraph()
    assert graph.modules_used_by("from medguide import memoize, ModuleGraph") == {"medguide.cache"}
    assert graph.dependencies(["medguide.cache"]) == {"medguide", "medguide.cache"}


def test_exec_fingerprint_ignores_block_name():
    source = "def train(x):\n    return x + 1\n"
    first = _exec_function(source, "train", "<code block: n3; title a.py>")
    second = _exec_function(source, "train", "<code block: n9; title a.py>")
    assert code_fingerprint(first) == code_fingerprint(second)


def test_exec_fingerprint_covers_helpers():
    template = "def helper(x):\n    return x * {factor}\n\ndef train(x):\n    return helper(x)\n"
    first = _exec_function(template.format(factor=2), "train")
    second = _exec_function(template.format(factor=3), "train")
    assert code_fingerprint(first) != code_fingerprint(second)


def test_exec_fingerprint_covers_global_constants():
    source = "def train(x):\n    return x + SHIFT\n"
    first = _exec_function(source, "train", namespace={"SHIFT": 1})
    second = _exec_function(source, "train", namespace={"SHIFT": 2})
    same = _exec_function(source, "train", namespace={"SHIFT": 1})
    assert code_fingerprint(first) != code_fingerprint(second)
    assert code_fingerprint(first) == code_fingerprint(same)


def test_exec_fingerprint_follows_medguide_modules(package):
    graph = ModuleGraph(packages=("pkg",), roots=(package,))
    fit = types.FunctionType((lambda x: x).__code__, {}, "fit")
    fit.__module__ = "pkg.api"
    draw = types.FunctionType((lambda: 0).__code__, {}, "draw")
    draw.__module__ = "pkg.plots"
    uses_fit = _exec_function("def train(x):\n    return fit(x)\n", "train", namespace={"fit": fit})
    uses_draw = _exec_function("def show():\n    return draw()\n", "show", namespace={"draw": draw})
    fit_before = code_fingerprint(uses_fit, graph=graph)
    draw_before = code_fingerprint(uses_draw, graph=graph)

    with (package / "pkg" / "core.py").open("a") as handle:
        handle.write("# edited\n")
    graph = ModuleGraph(packages=("pkg",), roots=(package,))
    assert code_fingerprint(uses_fit, graph=graph) != fit_before
    assert code_fingerprint(uses_draw, graph=graph) == draw_before


def test_exec_fingerprint_sees_module_objects(package):
    graph = ModuleGraph(packages=("pkg",), roots=(package,))
    plots = types.ModuleType("pkg.plots")
    function = _exec_function("def show():\n    return plots.draw()\n", "show", namespace={"plots": plots})
    _, modules = cache._function_dependencies(function, graph)
    assert modules == {"pkg.plots"}


def test_file_fingerprint_reads_the_file(tmp_path):
    path = tmp_path / "snippet.py"
    path.write_text("def train(x):\n    return x\n")
    function = _exec_function(path.read_text(), "train", filename=str(path))
    before = code_fingerprint(function)
    path.write_text(path.read_text() + "UNUSED = 1\n")
    assert code_fingerprint(function) != before


def test_memoize_key_without_medguide_use(cache_dir, monkeypatch):
    namespace = {"memoize": memoize}
    exec(compile("@memoize\ndef triple(x):\n    return x * 3\n", "<code block: n1>", "exec"), namespace)
    triple = namespace["triple"]
    assert triple(2) == 6
    assert len(list(cache_dir.glob("triple-*.joblib"))) == 1

    # A function that uses no medguide module keeps its key whatever the package holds.
    before = code_fingerprint(triple)
    monkeypatch.setattr(cache, "_package_graph", lambda: ModuleGraph(packages=("nothing",)))
    assert code_fingerprint(triple) == before
