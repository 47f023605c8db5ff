"""Fixtures for tests of the built site: one strict build per test session."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).parent / "mkdocs"


def build_site(config: Path, site_dir: Path, cwd: Path = ROOT, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``mkdocs build --strict`` and return the finished process, output included."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(extra_env or {})}
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "--config-file", str(config), "--site-dir", str(site_dir)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the whole site strictly, as CI and the README do, and return its folder."""
    site_dir = tmp_path_factory.mktemp("site")
    result = build_site(ROOT / "mkdocs.yml", site_dir)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed (exit {result.returncode}):\n{result.stderr[-6000:]}")
    return site_dir


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    """Serve the built site on 127.0.0.1 and return its address, ending in a slash."""
    from tools.quality import serve_site

    with serve_site(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Launch headless Chromium once for the browser tests of the session."""
    pytest.importorskip("playwright.sync_api")
    from tools.quality import launch_chromium

    with launch_chromium() as chromium:
        yield chromium
