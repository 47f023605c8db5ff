"""The on-disk cache: hits, and misses whenever code, package or arguments change."""

import numpy as np
import pytest

from medguide import cache
from medguide.cache import CACHE_DIR_ENV, code_fingerprint, memoize

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
