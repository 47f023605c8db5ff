"""The strict build, its configuration, and what the built pages load."""

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

import medguide
from tools.sitecheck import css_external_loads, html_external_loads, site_external_loads

from .conftest import ROOT, build_site

pytestmark = pytest.mark.slow


class _Loader(yaml.SafeLoader):
    """A YAML loader that reads mkdocs.yml's ``!!python/name`` tags as plain strings."""


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix)


@pytest.fixture(scope="module")
def config():
    return yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_Loader)


def _extension(config, name):
    for entry in config["markdown_extensions"]:
        if entry == name:
            return {}
        if isinstance(entry, dict) and name in entry:
            return entry[name] or {}
    raise AssertionError(f"{name} is not in markdown_extensions")


def _plugin(config, name):
    for entry in config["plugins"]:
        if entry == name:
            return {}
        if isinstance(entry, dict) and name in entry:
            return entry[name] or {}
    raise AssertionError(f"{name} is not in plugins")


def test_config_fails_loudly(config):
    assert config["strict"] is True
    assert config["theme"]["font"] is False
    assert _extension(config, "pymdownx.snippets")["check_paths"] is True
    assert config["validation"]["anchors"] == "warn"


def test_config_reader_features(config):
    features = set(config["theme"]["features"])
    assert {"content.code.copy", "navigation.sections", "search.suggest"} <= features
    assert len(config["theme"]["palette"]) == 2, "light and dark palettes with a toggle"
    assert _extension(config, "toc")["permalink"] is True
    for name in ["admonition", "pymdownx.tabbed", "pymdownx.arithmatex", "pymdownx.details"]:
        _extension(config, name)
    _plugin(config, "search")


def test_notebooks_fail_on_errors(config):
    from tools import notebook_hooks

    assert "tools/notebook_hooks.py" in config["hooks"]
    assert notebook_hooks.CONVERT_OPTIONS["execute"] is True
    assert notebook_hooks.CONVERT_OPTIONS["allow_errors"] is False


def test_markdown_exec_python_only(config):
    # The pyodide language would add a stylesheet that imports from a CDN.
    assert _plugin(config, "markdown-exec")["languages"] == ["python"]


def test_site_loads_nothing_external(built_site):
    loads = site_external_loads(built_site)
    assert loads == [], "\n".join(f"{load.file}:{load.line} {load.url}" for load in loads)


def test_external_scan_catches_loads():
    page = """<html><head>
    <link rel="preconnect" href="https://fonts.gstatic.com">
    <link rel="stylesheet" href="//cdn.example.org/x.css">
    <link rel="canonical" href="https://example.org/page/">
    <style>@import url("https://fonts.googleapis.com/css?family=Roboto");</style>
    </head><body>
    <a href="https://doi.org/10.1/x">a link is not a load</a>
    <img src="https://example.org/a.png" alt="">
    <img srcset="local.png 1x, https://example.org/b.png 2x" alt="">
    <div style="background: url(https://example.org/c.png)"></div>
    <script src="/local.js"></script>
    </body></html>"""
    urls = [load.url for load in html_external_loads(page)]
    assert urls == [
        "https://fonts.gstatic.com",
        "//cdn.example.org/x.css",
        "https://fonts.googleapis.com/css?family=Roboto",
        "https://example.org/a.png",
        "https://example.org/b.png",
        "https://example.org/c.png",
    ]
    css = "a{background:url('data:image/svg+xml;x')} @import 'https://cdn.example.org/a.css';"
    assert [load.url for load in css_external_loads(css)] == ["https://cdn.example.org/a.css"]


def test_snippet_markers_match():
    start = re.compile(r"--8<-- \[start:([\w-]+)\]")
    end = re.compile(r"--8<-- \[end:([\w-]+)\]")
    problems = []
    for path in sorted((ROOT / "snippets").rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text()
        starts, ends = start.findall(text), end.findall(text)
        for name in starts:
            if starts.count(name) != 1 or ends.count(name) != 1:
                problems.append(f"{path.relative_to(ROOT)}: section {name!r} starts {starts.count(name)}x, ends {ends.count(name)}x")
        problems += [f"{path.relative_to(ROOT)}: end of unknown section {name!r}" for name in ends if name not in starts]
    assert problems == []


def _snippet_files():
    return sorted(path for path in (ROOT / "snippets").rglob("*.py"))


def test_snippets_parallel_to_pages_and_tests():
    # snippets/metrics/auroc/x.py belongs to docs/metrics/auroc.md and is
    # tested in tests/snippets/metrics/test_auroc.py (folders use _, pages use -).
    for path in _snippet_files():
        relative = path.relative_to(ROOT).as_posix()
        folders = path.parent.relative_to(ROOT / "snippets").parts
        page = ROOT / "docs" / Path(*[part.replace("_", "-") for part in folders]).with_suffix(".md")
        assert page.is_file(), f"{relative} has no page {page.relative_to(ROOT)}"
        assert f'--8<-- "{relative}' in page.read_text(), f"{page.relative_to(ROOT)} does not include {relative}"
        test_file = ROOT / "tests" / "snippets" / Path(*folders[:-1]) / f"test_{folders[-1]}.py"
        assert test_file.is_file(), f"{relative} has no test module {test_file.relative_to(ROOT)}"
        assert path.name in test_file.read_text(), f"{test_file.relative_to(ROOT)} does not run {path.name}"


def test_api_page_lists_every_public_name(built_site):
    pages = "".join(path.read_text() for path in (built_site / "reference").rglob("index.html"))
    anchors = set(re.findall(r'id="(medguide\.[\w.]+)"', pages))
    documented = {anchor.rsplit(".", 1)[-1] for anchor in anchors}
    missing = sorted(set(medguide.__all__) - documented)
    assert missing == [], f"public names without an entry on the API page: {missing}"
    # A module split over several pages documents each name on one of them only.
    ids = re.findall(r'id="(medguide\.[\w.]+)"', pages)
    assert sorted({anchor for anchor in ids if ids.count(anchor) > 1}) == []


# A reStructuredText role such as :func:`fit`, which mkdocstrings shows as raw text.
_REST_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):`")


def test_docstrings_use_markdown_cross_references():
    offenders = []
    for path in sorted((ROOT / "medguide").glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if _REST_ROLE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "write [`name`][medguide.module.name] instead:\n" + "\n".join(offenders)


def test_api_cross_references_resolve(built_site):
    pages = {path: path.read_text() for path in (built_site / "reference").rglob("index.html")}
    raw_roles = [f"{path.parent.name}: {match.group(0)}" for path, text in pages.items() for match in _REST_ROLE.finditer(text)]
    assert raw_roles == []
    # autorefs turns [`fit`][medguide.training.fit] into a link to the entry's anchor.
    training = pages[built_site / "reference" / "training" / "index.html"]
    assert re.search(r'<a class="autorefs autorefs-internal" [^>]*href="#medguide\.training\.fit"', training)
    links = "".join(re.findall(r'<a class="autorefs autorefs-internal"[^>]*>', "".join(pages.values())))
    assert links.count("href=") >= 60


def test_see_also_sections_are_lists(built_site):
    # griffe keeps "See Also" as Markdown, where numpydoc's "name : text" lines run into one paragraph.
    pages = "".join(path.read_text() for path in (built_site / "reference").rglob("index.html"))
    sections = re.findall(r'<details class="see-also" open>(.*?)</details>', pages, re.S)
    assert len(sections) >= 20
    assert [section for section in sections if "<li>" not in section] == []


def test_no_code_imports_torchvision():
    offenders = []
    for folder in ["medguide", "snippets", "tools", "tests", "benchmarks", "docs"]:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(name.split(".")[0] == "torchvision" for name in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_import_does_not_load_torchvision():
    code = "import sys, medguide; print('torchvision' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def _mini_site(tmp_path: Path, page: str, snippet: str | None = None) -> subprocess.CompletedProcess:
    """Build a one-page site with the project's own plugins and extensions."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_Loader)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(textwrap.dedent(page))
    if snippet is not None:
        (tmp_path / "snippets").mkdir()
        (tmp_path / "snippets" / "example.py").write_text(textwrap.dedent(snippet))
    text = (ROOT / "mkdocs.yml").read_text()
    text = re.sub(r"\nnav:.*?\n\n", "\n", text, flags=re.S)
    # The project's hooks check that every rule of rules/ is placed, which a
    # one-page site cannot do, so the mini site runs the plugins without them.
    text = re.sub(r"\nhooks:\n(  - .*\n)+", "\n", text)
    text = text.replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
    text = re.sub(r"\nextra_css:\n(  - .*\n)+", "\n", text)
    text = re.sub(r"\nwatch:\n(  - .*\n)+", "\n", text)  # the mini site has no snippets/, medguide/ or rules/
    assert "nav:" not in text
    (tmp_path / "mkdocs.yml").write_text(text.replace("paths: [.]", f"paths: [{ROOT}]"))
    return build_site(tmp_path / "mkdocs.yml", tmp_path / "site", cwd=tmp_path)


def test_build_fails_when_page_code_raises(tmp_path):
    page = """
    # Page

    ```python exec="on"
    raise ValueError("a broken example")
    ```
    """
    result = _mini_site(tmp_path, page)
    assert result.returncode != 0
    assert "a broken example" in result.stderr


def test_build_fails_on_missing_snippet(tmp_path):
    page = """
    # Page

    ```python
    --8<-- "snippets/does_not_exist.py"
    ```
    """
    result = _mini_site(tmp_path, page)
    assert result.returncode != 0
    assert "does_not_exist.py" in result.stderr


def test_build_passes_on_sound_page(tmp_path):
    page = """
    # Page

    ```python exec="on" result="text"
    --8<-- "snippets/example.py:body"
    ```
    """
    snippet = """
    # --8<-- [start:body]
    print(6 * 7)
    # --8<-- [end:body]
    print("outside the section")
    """
    result = _mini_site(tmp_path, page, snippet)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "index.html").read_text()
    assert "42" in html
    assert "outside the section" not in html


def test_math_is_mathml_in_built_site(built_site):
    # The hooks convert LaTeX to MathML at build time, so no math script is needed.
    html = (built_site / "metrics" / "precision-recall" / "index.html").read_text()
    assert "<math" in html
    assert 'class="arithmatex"' not in html
    assert "mathjax" not in html.lower()
