"""MkDocs hooks for the exercise notebooks that mkdocs-jupyter executes at build time.

The hooks add what mkdocs-jupyter 0.26.3 lacks:

- clear its output cache when medguide or a library that the notebooks use
  changes, because the plugin keys the cache on the notebook file and its own
  options only;
- remove the MathJax and Mermaid loaders that nbconvert's template puts on
  every notebook page, because both fetch from a CDN (the notebooks use
  neither);
- fold every code cell tagged ``solution`` into a collapsed "Solution" block;
- add a download link for the ``.ipynb`` file and an "Open in Colab" link
  below the page title, and move the Colab set-up cell, which comes first in
  the notebook, below the title's cell;
- raise the contrast of the code colours to at least 4.5:1 (WCAG AA) in the
  light and dark schemes, because the plugin's comment, number and operator
  colours reach only 3.4 to 4.4:1 on Material's code background.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # lets this hook import the tools package when it runs alone

from tools.sitecheck import html_external_loads

logger = logging.getLogger("mkdocs.hooks.notebooks")

NOTEBOOK_FOLDER = "notebooks/"
COLAB_URL = "https://colab.research.google.com/github/getting-it-right/medguide/blob/main/docs/{path}"
SOLUTION_TAG = "solution"
SETUP_TAG = "colab-setup"
STAMP_FILE = "medguide-stamp.txt"
# Libraries whose version changes what the notebooks print.
_LIBRARIES = ("numpy", "scipy", "scikit-learn", "torch", "captum", "medmnist", "matplotlib")

# Blocks of nbconvert's lab template (nbconvert 7.17) that load scripts from cdnjs.
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL)
_MERMAID = re.compile(r'<script type="module">(?:(?!</script>).)*?jp-Mermaid.*?</script>', re.DOTALL)
_CELL_START = re.compile(r'<div class="jp-Cell jp-CodeCell[^"]*\bcelltag_' + SOLUTION_TAG + r'\b[^"]*">')
_SETUP_START = re.compile(r'<div class="jp-Cell jp-CodeCell[^"]*\bcelltag_' + SETUP_TAG + r'\b[^"]*">')
_ANY_CELL_START = '<div class="jp-Cell '
_DIV_TAG = re.compile(r"<div\b|</div>")
_TITLE_END = "</h1>"

# Code colours on the background #f5f5f5 (light) and #212121 (slate), each at
# least 4.6:1. The selectors outrank the plugin's own (.jupyter-wrapper).
_CODE_COLOURS = {
    "light": {
        "comment": "#3b6e6e", "operator": "#8b17d6", "meta": "#8b17d6", "number": "#1b7a1b",
        "keyword": "#007000", "builtin": "#007000", "string": "#ba2121", "string-2": "#770088",
        "punctuation": "#00509e", "property": "#00509e", "variable-2": "#00509e",
        "variable-3": "#00704a", "def": "#0000d6", "atom": "#3737c8", "qualifier": "#555555",
        "bracket": "#6b6b52", "variable": "#212121",
    },
    "slate": {
        "comment": "#9cbfbf", "operator": "#d59cff", "meta": "#d59cff", "number": "#81c784",
        "keyword": "#66bb6a", "builtin": "#66bb6a", "string": "#ff8a8a", "string-2": "#ce93d8",
        "punctuation": "#64b5f6", "property": "#64b5f6", "variable-2": "#64b5f6",
        "variable-3": "#4db6ac", "def": "#82b1ff", "atom": "#9fa8ff", "qualifier": "#bdbdbd",
        "bracket": "#c8c8a8", "variable": "#e0e0e0",
    },
}
_SCHEME_SELECTORS = {
    "light": ".md-typeset .jupyter-wrapper",
    "slate": '[data-md-color-scheme="slate"] .md-typeset .jupyter-wrapper',
}


def on_config(config):
    plugin = config["plugins"].get("mkdocs-jupyter")
    if plugin is None or not plugin.config["cache"]:
        return config

    # mkdocs-jupyter resolves its cache folder against the working directory, so this does too.
    cache_dir = Path(plugin.config["cache_dir"])
    stamp_path = cache_dir / STAMP_FILE
    stamp = _code_stamp()
    if stamp_path.is_file() and stamp_path.read_text(encoding="utf-8") == stamp:
        return config

    removed = 0
    for cached in cache_dir.glob("*.json"):
        cached.unlink()
        removed += 1
    cache_dir.mkdir(parents=True, exist_ok=True)
    stamp_path.write_text(stamp, encoding="utf-8")
    logger.info("new or changed medguide or library stamp: cleared %d cached notebook page(s) in %s", removed, cache_dir)
    return config


def on_page_content(html_text, page, config, files):
    if not _is_notebook(page):
        return html_text

    html_text = _MERMAID.sub("", _MATHJAX.sub("", html_text))
    loads = html_external_loads(html_text, page.file.src_uri)
    if loads or "cdnjs.cloudflare.com" in html_text:
        found = ", ".join(load.url for load in loads) or "a cdnjs.cloudflare.com URL"
        raise PluginError(
            f"{page.file.src_uri}: the rendered notebook still loads from another host ({found}). "
            "A new nbconvert or mkdocs-jupyter template probably added it; remove it in tools/notebook_hooks.py."
        )

    html_text = _fold_solutions(html_text, page.file.src_uri)
    html_text = _add_links(html_text, page)
    return _code_colour_style() + html_text


def _code_stamp() -> str:
    """Return a hash of medguide's source, the data files and the versions of the libraries the notebooks use."""
    # medguide/cache.py is loaded on its own: `import medguide` would import
    # torch, which costs several seconds on every build.
    from tools.mkdocs_hooks import _load_cache_module

    digest = hashlib.sha256(_load_cache_module().code_fingerprint().encode())
    data_dir = Path(os.environ.get("MEDGUIDE_DATA_DIR") or Path.home() / ".medmnist").expanduser()
    for data_file in sorted(data_dir.glob("*.npz")):
        stat = data_file.stat()
        digest.update(f"{data_file.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}=={version(name)}".encode())
        except PackageNotFoundError:
            digest.update(f"{name} missing".encode())
    return digest.hexdigest()


def _is_notebook(page) -> bool:
    source = page.file.src_uri
    return source.startswith(NOTEBOOK_FOLDER) and source.endswith(".ipynb")


def _fold_solutions(html_text: str, source: str) -> str:
    """Wrap each code cell tagged as a solution, input and output, in a collapsed details block."""
    parts = []
    position = 0
    for match in _CELL_START.finditer(html_text):
        if match.start() < position:
            continue  # a cell nested in an earlier solution's output was already wrapped
        end = _matching_div_end(html_text, match.start(), source)
        parts.append(html_text[position : match.start()])
        parts.append('<details class="success notebook-solution"><summary>Solution</summary>')
        parts.append(html_text[match.start() : end])
        parts.append("</details>")
        position = end
    parts.append(html_text[position:])
    return "".join(parts)


def _matching_div_end(html_text: str, start: int, source: str) -> int:
    # Code and text outputs are HTML-escaped and HTML outputs are whole elements, so the div tags balance.
    depth = 0
    for tag in _DIV_TAG.finditer(html_text, start):
        depth += 1 if tag.group() == "<div" else -1
        if depth == 0:
            return tag.end()
    raise PluginError(f"{source}: a solution cell's <div> is never closed in the rendered notebook.")


def _add_links(html_text: str, page) -> str:
    """Insert the download and Colab links under the title and the set-up cell after the title's cell."""
    source = page.file.src_uri
    setup = _SETUP_START.search(html_text)
    setup_html = ""
    if setup is not None:
        setup_end = _matching_div_end(html_text, setup.start(), source)
        setup_html = html_text[setup.start() : setup_end]
        html_text = html_text[: setup.start()] + html_text[setup_end:]

    title_end = html_text.find(_TITLE_END)
    if title_end < 0:
        raise PluginError(f"{source}: the notebook has no level-1 heading to put its links under.")
    title_cell = html_text.rfind(_ANY_CELL_START, 0, title_end)
    title_cell_end = _matching_div_end(html_text, title_cell, source)
    html_text = html_text[:title_cell_end] + setup_html + html_text[title_cell_end:]

    name = Path(source).name
    colab = COLAB_URL.format(path=page.file.src_uri)
    links = (
        '<p class="notebook-links">'
        f'<a href="{html.escape(name)}" download>Download the notebook ({html.escape(name)})</a>'
        f' · <a href="{html.escape(colab)}">Open in Colab</a></p>'
    )
    insert_at = title_end + len(_TITLE_END)
    return html_text[:insert_at] + links + html_text[insert_at:]


def _code_colour_style() -> str:
    rules = []
    for scheme, colours in _CODE_COLOURS.items():
        declarations = "".join(f"--jp-mirror-editor-{name}-color:{colour};" for name, colour in colours.items())
        rules.append(f"{_SCHEME_SELECTORS[scheme]}{{{declarations}}}")
    return f"<style>{''.join(rules)}</style>"
