"""MkDocs hooks that build the exercise notebooks as executed pages.

The notebooks are executed and converted to HTML by mkdocs-jupyter's
converter (``mkdocs_jupyter.convert``, built on nbconvert). Its MkDocs plugin
is not used, because loading the plugin imports nbconvert and jupytext,
about 0.7 s at every build even when every notebook comes from the cache.
These hooks do the plugin's part instead: they make each ``notebooks/*.ipynb``
file a page, keep the converted HTML in a cache and import the converter only
when a notebook must be converted. The hooks also:

- key that cache on the notebook, the converter's settings, medguide's code,
  the data files and the installed libraries, so that a notebook runs again
  when anything it imports or reads changes;
- remove the MathJax and Mermaid loaders that nbconvert's template puts on
  every notebook page, because both fetch from a CDN (the notebooks use
  neither);
- give each output image the text alternative in its cell's ``alt``
  metadata, and fail the build for an image without one;
- write each output image to a file that the page loads lazily, instead of
  embedding it in the page;
- fold every code cell tagged ``solution`` into a collapsed "Solution" block;
- add a download link for the ``.ipynb`` file and an "Open in Colab" link
  below the page title, and move the Colab set-up cell, which comes first in
  the notebook, below the title's cell;
- raise the contrast of the code colours to at least 4.5:1 (WCAG AA) in the
  light and dark schemes, because the plugin's comment, number and operator
  colours reach only 3.4 to 4.4:1 on Material's code background;
- keep only the CSS rules that can apply to the notebook. The plugin inlines
  the stylesheet of the whole JupyterLab interface, about 590 KB, in every
  notebook page. The browser must match all of it against every element, and
  Lighthouse's mobile performance score fell to 82-90 on these pages. The
  rules are pruned against the whole page, Material's part included; see
  :func:`prune_css`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import types
from pathlib import Path

import tinycss2
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # lets this hook import the tools package when it runs alone

from tools.sitecheck import html_external_loads

logger = logging.getLogger("mkdocs.hooks.notebooks")
_used_cache_files: set[Path] = set()
_build_state: dict[str, str | None] = {"stamp": None}

NOTEBOOK_FOLDER = "notebooks/"
NOTEBOOK_CACHE_FOLDER = "notebooks"
"""Folder under the build cache (``GUIDE_CACHE_ROOT``) for the converted pages."""
# Arguments of mkdocs_jupyter.convert.nb2html. A cell that raises fails the build.
CONVERT_OPTIONS = {
    "execute": True,
    "kernel_name": "",
    "theme": "",
    "allow_errors": False,
    "show_input": True,
    "no_input": False,
    "no_prompt": False,
    "remove_tag_config": {},
    "highlight_extra_classes": "",
    "include_requirejs": False,
    "custom_mathjax_url": "",
}
TOC_DEPTH = 6
COLAB_URL = "https://colab.research.google.com/github/getting-it-right/medguide/blob/main/docs/{path}"
SOLUTION_TAG = "solution"
SETUP_TAG = "colab-setup"

# Blocks of nbconvert's lab template (nbconvert 7.17) that load scripts from cdnjs.
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL)
_MERMAID = re.compile(r'<script type="module">(?:(?!</script>).)*?jp-Mermaid.*?</script>', re.DOTALL)
_CELL_START = re.compile(r'<div class="jp-Cell jp-CodeCell[^"]*\bcelltag_' + SOLUTION_TAG + r'\b[^"]*">')
_SETUP_START = re.compile(r'<div class="jp-Cell jp-CodeCell[^"]*\bcelltag_' + SETUP_TAG + r'\b[^"]*">')
_ANY_CELL_START = '<div class="jp-Cell '
_DIV_TAG = re.compile(r"<div\b|</div>")
_TITLE_END = "</h1>"
_CODE_CELL_ID = re.compile(r'<div class="jp-Cell jp-CodeCell[^"]*" id="cell-id=([^"]+)">')
_NO_DESCRIPTION = 'alt="No description has been provided for this image"'
_EMBEDDED_IMAGE = re.compile(r'<img\b[^>]*\bsrc="data:image/(?:png|jpeg);base64,[A-Za-z0-9+/=\s]+"[^>]*>')
_IMAGE_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
_IMAGE_SUFFIXES = {"data:image/png": ".png", "data:image/jpeg": ".jpg"}

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


class NotebookFile(File):
    """A notebook that MkDocs builds as a page, at ``notebooks/<name>/``."""

    def is_documentation_page(self) -> bool:
        return True


def on_files(files, config):
    # A new list in the same order: the order of the files is the order of the sitemap and the search index.
    return Files([_as_page(file, config) if _is_notebook_source(file.src_uri) else file for file in files])


def _as_page(file: File, config) -> NotebookFile:
    stem = file.src_uri[: -len(".ipynb")]
    dest_uri = f"{stem}/index.html" if config["use_directory_urls"] else f"{stem}.html"
    return NotebookFile(file.src_uri, file.src_dir, config["site_dir"], config["use_directory_urls"], dest_uri=dest_uri)


def on_pre_build(config):
    _used_cache_files.clear()
    _build_state["stamp"] = None  # medguide, the data or a library may have changed since the last build


def on_pre_page(page, config, files):
    if _is_notebook(page):
        page.render = types.MethodType(_render_notebook, page)
    return page


def _render_notebook(page, config, files) -> None:
    """Set the page's HTML, table of contents and title from the cache, or convert the notebook first."""
    from tools.mkdocs_hooks import CACHE_ROOT, _write_atomic

    source = Path(page.file.abs_src_path)
    if _build_state["stamp"] is None:
        _build_state["stamp"] = _code_stamp()
    # Raise the number after "notebook-page" when _convert changes what it returns.
    key = hashlib.sha256(f"notebook-page 1\0{_build_state['stamp']}\0{json.dumps(CONVERT_OPTIONS, sort_keys=True)}\0{TOC_DEPTH}\0".encode())
    key.update(source.read_bytes())
    cache_file = CACHE_ROOT / NOTEBOOK_CACHE_FOLDER / f"{key.hexdigest()}.json"
    _used_cache_files.add(cache_file)
    try:
        converted = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        logger.info("executing %s", page.file.src_uri)
        converted = _convert(source)
        _write_atomic(cache_file, json.dumps(converted))
    page.content = converted["content"]
    page.toc = get_toc(converted["toc_tokens"])
    if converted["title"] is not None:
        page.title = converted["title"]


def _convert(source: Path) -> dict:
    """Execute the notebook and return its HTML, its headings as table-of-contents tokens and its first level-1 heading."""
    import markdown
    from markdown.extensions.toc import TocExtension
    from mkdocs_jupyter import convert, nbconvert2  # imports nbconvert: only here, on a cache miss

    with _kernels_on_local_sockets(nbconvert2):
        content = convert.nb2html(str(source), **CONVERT_OPTIONS)
    # The headings come from the notebook converted to Markdown, as the plugin takes them.
    toc_reader = markdown.Markdown(extensions=[TocExtension(toc_depth=TOC_DEPTH)])
    toc_reader.convert(convert.nb2md(str(source)))
    tokens = toc_reader.toc_tokens
    title = next((token["name"] for token in tokens if token["level"] == 1), None)
    return {"content": content, "toc_tokens": tokens, "title": title}


@contextlib.contextmanager
def _kernels_on_local_sockets(nbconvert2):
    """Run the notebook kernels over Unix sockets instead of TCP ports, on Linux and macOS.

    Over TCP without CurveZMQ keys, the code and output that the kernel
    exchanges cross the loopback interface unencrypted, and ipykernel 7
    logs a warning for each notebook. mkdocs-jupyter 0.26 has no setting
    for the transport, so this wraps its function that builds the nbconvert
    application. Windows has no IPC transport in ZeroMQ and keeps TCP.
    """
    if os.name != "posix":
        yield
        return
    original = nbconvert2.get_nbconvert_app
    # The sockets are files named <ip>-1 to <ip>-5. By default they go to the
    # working folder, where `mkdocs serve` may watch them, so they go to a
    # private temporary folder instead.
    with tempfile.TemporaryDirectory(prefix="guide-kernel-") as folder:

        def app_with_local_sockets(*args, **kwargs):
            app = original(*args, **kwargs)
            app.config.KernelManager.transport = "ipc"
            app.config.KernelManager.ip = str(Path(folder) / "kernel")
            return app

        nbconvert2.get_nbconvert_app = app_with_local_sockets
        try:
            yield
        finally:
            nbconvert2.get_nbconvert_app = original


def on_post_build(config):
    """Delete the cached pages of notebooks that this build did not use (edited or removed ones)."""
    from tools.mkdocs_hooks import CACHE_ROOT

    for cached in (CACHE_ROOT / NOTEBOOK_CACHE_FOLDER).glob("*.json"):
        if cached not in _used_cache_files:
            cached.unlink()


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

    html_text = _describe_images(html_text, page)
    html_text = _move_images_out(html_text, page.url, Path(config["site_dir"]))
    html_text = _fold_solutions(html_text, page.file.src_uri)
    html_text = _add_links(html_text, page)
    return _code_colour_style() + html_text


def _describe_images(html_text: str, page) -> str:
    """Give each image in a code cell's output the text in the cell's ``alt`` metadata.

    nbconvert gives an output image no text alternative of its own, only
    "No description has been provided for this image". The text is kept
    in the notebook, in the metadata of the cell that draws the figure
    (``"alt": "..."``), and the code cells in the HTML carry the cell's ID.
    """
    source = page.file.src_uri
    cells = {cell.get("id"): cell for cell in json.loads(Path(page.file.abs_src_path).read_text(encoding="utf-8"))["cells"]}
    starts = list(_CODE_CELL_ID.finditer(html_text))
    parts = [html_text[: starts[0].start()] if starts else html_text]
    for index, start in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(html_text)
        region = html_text[start.start() : end]
        if _NO_DESCRIPTION in region:
            cell_id = start.group(1)
            alt = cells.get(cell_id, {}).get("metadata", {}).get("alt")
            if not isinstance(alt, str) or not alt.strip():
                raise PluginError(
                    f"{source}: cell {cell_id!r} shows an image without a text alternative. Add one to the "
                    f'cell\'s metadata as "alt": "<what the figure shows>", for readers who cannot see it.'
                )
            region = region.replace(_NO_DESCRIPTION, f'alt="{html.escape(alt.strip(), quote=True)}"')
        parts.append(region)
    described = "".join(parts)
    if _NO_DESCRIPTION in described:
        raise PluginError(f"{source}: an image outside the code cells has no text alternative. nbconvert's template may have changed: update _CODE_CELL_ID in tools/notebook_hooks.py.")
    return described


def _move_images_out(html_text: str, page_url: str, site_dir: Path) -> str:
    """Write each embedded output image to a file under ``assets/figures/`` and load it lazily, at its size.

    Embedded, the reliability diagram of exercise 2 made up 83 KB of the
    page's 104 KB (compressed), which the browser had to load before the
    first line of text. The width and height keep the page from shifting
    when a lazy image arrives.
    """
    from PIL import Image

    from tools.mkdocs_hooks import write_figure_file

    def replace(match: re.Match) -> str:
        attributes = dict(_IMAGE_ATTRIBUTE.findall(match.group(0)))
        kind, _, data = attributes.pop("src").partition(";base64,")
        image = base64.b64decode(data)
        width, height = Image.open(io.BytesIO(image)).size
        attributes.setdefault("width", str(width))
        attributes.setdefault("height", str(height))
        attributes["src"] = write_figure_file(image, _IMAGE_SUFFIXES[kind], page_url, site_dir)
        attributes.update(loading="lazy", decoding="async")
        if not attributes.get("class"):
            attributes.pop("class", None)
        return "<img " + " ".join(f'{name}="{value}"' for name, value in attributes.items()) + ">"

    return _EMBEDDED_IMAGE.sub(replace, html_text)


def on_post_page(output, page, config):
    if not _is_notebook(page):
        return output
    # The notebook itself, for the download link, goes next to its page.
    target = Path(page.file.abs_dest_path).parent / Path(page.file.src_uri).name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(page.file.abs_src_path, target)
    # The whole page is known only now, with Material's classes and the body
    # attributes that the notebook's dark-scheme rules select on.
    return _prune_styles(output)


def _code_stamp() -> str:
    """Return a hash of medguide's source, the data files and the installed distributions with their versions."""
    # medguide/cache.py is loaded on its own: `import medguide` would import
    # torch, which costs several seconds on every build.
    from tools.mkdocs_hooks import _installed_distributions, _load_cache_module

    digest = hashlib.sha256(_load_cache_module().code_fingerprint().encode())
    data_dir = Path(os.environ.get("MEDGUIDE_DATA_DIR") or Path.home() / ".medmnist").expanduser()
    for data_file in sorted(data_dir.glob("*.npz")):
        stat = data_file.stat()
        digest.update(f"{data_file.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    # Any installed distribution counts, as in the key of the page code blocks:
    # listing their folders is faster than asking importlib.metadata for the
    # versions of the few libraries the notebooks import.
    digest.update("\n".join(_installed_distributions()).encode())
    return digest.hexdigest()


def _is_notebook(page) -> bool:
    return _is_notebook_source(page.file.src_uri)


def _is_notebook_source(src_uri: str) -> bool:
    return src_uri.startswith(NOTEBOOK_FOLDER) and src_uri.endswith(".ipynb")


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


# Unused CSS ---------------------------------------------------------------------

_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
_TAG_OPEN = re.compile(r"<([a-zA-Z][\w-]*)([^>]*)>")
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
# Pseudo-classes and pseudo-elements, with an argument in brackets if any
# (one level of nesting, as in :not(:first-child)). Removing them from a
# selector only widens what it matches.
_PSEUDO = re.compile(r"::?[\w-]+(?:\((?:[^()]|\([^()]*\))*\))?")
_ATTRIBUTE_SELECTOR = re.compile(r"\[\s*([\w-]+)[^\]]*\]")
_CLASS_OR_ID = re.compile(r"([.#])((?:\\.|[\w-])+)")
_TYPE_AT_START = re.compile(r"[a-zA-Z][\w-]*")
_COMBINATOR = re.compile(r"\s*[>+~]\s*|\s+")
_ROOT = re.compile(r"(?<![\w-]):root\b")
# The document's own elements: a rule that selects one of them alone is kept.
_ALWAYS_KEPT = {"html", "body"}


def _page_tokens(html_text: str) -> set[str]:
    """Return the tag names (``tag``), classes (``.name``), ids (``#name``) and attribute names (``[name``) in ``html_text``."""
    tokens = set()
    for tag, attributes in _TAG_OPEN.findall(html_text):
        tokens.add(tag.lower())
        for name, value in _ATTRIBUTE.findall(attributes):
            name = name.lower()
            tokens.add("[" + name)
            value = html.unescape(value.strip("\"'"))
            if name == "class":
                tokens.update("." + word for word in value.split())
            elif name == "id":
                tokens.add("#" + value)
    return tokens


def _selector_can_match(selector: str, tokens: set[str]) -> bool:
    """Return whether every class, id, type and attribute that ``selector`` requires occurs somewhere in the page."""
    marked = _ROOT.sub(" html", selector)  # :root is the html element
    plain = _PSEUDO.sub("", marked)
    plain = _ATTRIBUTE_SELECTOR.sub(lambda match: "[" + match.group(1).lower(), plain)
    compounds = [compound for compound in _COMBINATOR.split(plain.strip()) if compound]
    if not compounds:
        return True
    types = [_TYPE_AT_START.match(compound) for compound in compounds]
    types = [match.group(0).lower() if match else "" for match in types]
    if any(name in _ALWAYS_KEPT for name in types[1:]):
        return False  # html or body below another element, as in the plugin's ".jupyter-wrapper :root"
    if len(compounds) == 1 and types[0] in _ALWAYS_KEPT:
        return True  # the document's own elements
    required = {name for name in types if name}
    for compound in compounds:
        required.update(re.findall(r"\[[\w-]+", compound))
        required.update(kind + name.replace("\\", "") for kind, name in _CLASS_OR_ID.findall(compound))
    return required <= tokens


def _prune_rules(rules: list, tokens: set[str]) -> list:
    kept_rules = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = tinycss2.serialize(rule.prelude).split(",")
            if any(_selector_can_match(selector, tokens) for selector in selectors):
                kept_rules.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in {"media", "supports"} and rule.content is not None:
            inner = _prune_rules(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True), tokens)
            if inner:
                prelude = tinycss2.serialize(rule.prelude).strip()
                kept_rules.append(f"@{rule.at_keyword} {prelude}{{{''.join(_serialize(child) for child in inner)}}}")
        elif rule.type == "at-rule":
            kept_rules.append(rule)  # @font-face, @keyframes and the like are few and small.
    return kept_rules


def _without_repeats(rules: list) -> list:
    # The plugin inlines its light theme twice. Of two identical rules the
    # later one decides the cascade, so the earlier one can go.
    texts = [_serialize(rule) for rule in rules]
    last = {text: index for index, text in enumerate(texts)}
    return [rule for index, (rule, text) in enumerate(zip(rules, texts)) if last[text] == index]


def _serialize(rule) -> str:
    return rule if isinstance(rule, str) else tinycss2.serialize([rule])


def prune_css(css: str, html_text: str) -> str:
    """Return the rules of ``css`` that can apply to an element of ``html_text``.

    A rule is kept when one of its selectors needs only tag names,
    classes, ids and attribute names that all occur somewhere in the page.
    Pseudo-classes such as ``:hover`` and ``:not(...)`` are ignored, so
    the test can only keep more. Rules whose selector starts at ``html``, ``body`` or
    ``:root`` are always kept, and rules that need one of them further to the
    right are dropped, as they match nothing inside the page. So are the
    earlier copies of repeated rules. At-rules other than ``@media`` and
    ``@supports`` are kept. The test is a superset
    of the rules a browser would apply to this page, because the notebook
    pages run no script that adds JupyterLab classes. No maintained Python
    library does this (the common tool, PurgeCSS, runs on Node.js), hence
    this short version.

    >>> prune_css(".used{color:red}.unused{color:blue}a:hover{color:green}", '<p class="used"><a href="#">x</a></p>')
    '.used{color:red}a:hover{color:green}'
    >>> prune_css(":root{--x:1}.used :root{--x:2}.used{--y:3}", '<p class="used">x</p>')
    ':root{--x:1}.used{--y:3}'
    """
    for name, value in (("css", css), ("html_text", html_text)):
        if not isinstance(value, str):
            raise TypeError(f"prune_css: {name} must be a str, got {type(value).__name__}; decode bytes first.")
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return "".join(_serialize(rule) for rule in _without_repeats(_prune_rules(rules, _page_tokens(html_text))))


def _prune_styles(html_text: str) -> str:
    """Replace the ``<style>`` blocks of a whole page with one block, in place of the first, of the rules that can apply to it.

    Parsing the plugin's CSS takes about 0.5 s a page, so the result is
    cached under the build cache, keyed on the CSS, the page's tokens and
    this file.
    """
    from tools.mkdocs_hooks import CACHE_ROOT, _write_atomic

    styles = list(_STYLE_BLOCK.finditer(html_text))
    if not styles:
        return html_text
    without = _STYLE_BLOCK.sub("", html_text)
    css = "".join(match.group(1) for match in styles)
    digest = hashlib.sha256(Path(__file__).read_bytes())  # a change in the pruning code invalidates the cache
    digest.update((css + "\0" + " ".join(sorted(_page_tokens(without)))).encode())
    cached = CACHE_ROOT / "notebook-css" / f"{digest.hexdigest()}.css"
    if cached.is_file():
        pruned = cached.read_text(encoding="utf-8")
    else:
        pruned = prune_css(css, without)
        _write_atomic(cached, pruned)
    first = styles[0]
    head = html_text[: first.start()] + f"<style>{pruned}</style>"
    return head + _STYLE_BLOCK.sub("", html_text[first.end() :])
