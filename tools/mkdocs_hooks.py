"""MkDocs hooks for the guide: cached code blocks, rule markers, cheat sheets and MathML.

- Output of every executed Python block (markdown-exec) is cached on disk and
  reused while nothing it depends on changed; see :class:`BlockCache`.
- Rule markers become rule boxes, and ``/rules/<id>/`` redirects to the rule.
- Cheat sheets are rendered from the rules and printed to PDF, with each PDF
  reused while its page and stylesheets are unchanged.
- Signatures that mkdocstrings-python formats with Ruff, and the search
  entries of each page, are cached on disk; see :class:`SignatureCache` and
  :class:`SearchEntryCache`.
- Math is converted from LaTeX to MathML while the site is built, so pages
  need no MathJax or KaTeX script and load nothing from another host.
  Browsers render MathML Core natively.

Caches live under ``.cache/`` (or ``$GUIDE_CACHE_ROOT``), and ``make clean``
removes them. Environment variables read at build time:

- ``GUIDE_CACHE_ROOT``: folder for all build caches (default ``.cache``);
- ``GUIDE_NO_BLOCK_CACHE``: when set, every code block runs at every build;
- ``GUIDE_PERTURB_SEED``: when set to an integer, the global random
  generators are seeded with it before every block that runs, which
  tools/reproducibility.py uses to find blocks that draw unseeded numbers.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import html
import importlib.util
import json
import logging
import os
import platform
import random
import re
import sys
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import latex2mathml.converter
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # lets hooks and page code import the tools package

from tools import cheatsheets  # noqa: E402
from tools import rules as rulebook  # noqa: E402

CACHE_ROOT_ENV = "GUIDE_CACHE_ROOT"
PERTURB_SEED_ENV = "GUIDE_PERTURB_SEED"
CACHE_ROOT = Path(os.environ.get(CACHE_ROOT_ENV) or ROOT / ".cache")
BLOCK_CACHE_DIR = CACHE_ROOT / "markdown-exec"
SHEET_CACHE_DIR = CACHE_ROOT / "cheatsheets"
BLOCK_REPORT = BLOCK_CACHE_DIR / "last-build.json"
"""Per-build record of which blocks ran, read by tools/build_timing.py."""

logger = logging.getLogger("mkdocs.hooks.guide")

_rules: dict = {}
_sheets: dict = {}
_placed: dict[str, list[str]] = {}

# pymdownx.arithmatex in generic mode wraps math as \( ... \) in a span and
# \[ ... \] in a div, both with class "arithmatex".
_INLINE = re.compile(r'<span class="arithmatex">\\\((.+?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.+?)\\\]</div>', re.S)


def on_startup(command, dirty):
    # Snippets run inside the MkDocs process: a fixed backend keeps matplotlib
    # from looking for a display, and the cache keeps trained models between builds.
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("MEDGUIDE_CACHE_DIR", str(CACHE_ROOT / "medguide"))
    _show_checksum_warnings_once()
    _install_block_cache()
    _install_signature_cache()
    _install_search_cache()


def on_config(config):
    try:
        _rules.clear()
        _rules.update(rulebook.load_rules())
        _sheets.clear()
        _sheets.update(cheatsheets.load_sheets(_rules))
    except (rulebook.RuleError, cheatsheets.SheetError) as error:
        raise PluginError(str(error)) from error
    _placed.clear()
    _block_cache.start_build()
    return config


def _show_checksum_warnings_once() -> None:
    """Log each distinct ChecksumWarning once per build process.

    medguide points the warning at the caller's line, and each code block is
    a module of its own, so Python's "once" and "default" filters would still
    log it for every block that loads the file: 42 copies of two messages.
    The category is matched by name because importing medguide imports torch.
    """
    show = warnings.showwarning
    if getattr(show, "_guide_once", False):
        return
    logged_messages: set[str] = set()

    def show_once(message, category, filename, lineno, file=None, line=None):
        if category.__name__ != "ChecksumWarning":
            show(message, category, filename, lineno, file, line)
        elif str(message) not in logged_messages:
            logged_messages.add(str(message))
            # MkDocs' own handler would add two stack frames, which through
            # this wrapper are the wrong ones. The block's title names the file.
            logger.info("%s: %s", category.__name__, message)

    show_once._guide_once = True
    warnings.showwarning = show_once


def _public_url(config) -> str:
    # `mkdocs serve` replaces site_url with its local address, and a printed
    # sheet must still point readers at the published site.
    return config["extra"].get("public_url") or config["site_url"]


def on_page_markdown(markdown, page, config, files):
    path = page.file.src_uri
    _block_cache.page = path
    try:
        markdown, placed = rulebook.expand_markers(markdown, path, _rules)
        markdown = cheatsheets.expand_sheet_markers(markdown, path, _sheets, _rules, _public_url(config))
    except (rulebook.RuleError, cheatsheets.SheetError) as error:
        raise PluginError(str(error)) from error
    for rule_id in placed:
        _placed.setdefault(rule_id, []).append(path)
    return markdown


def on_page_content(html_text, page, config, files):
    html_text = _BLOCK.sub(lambda match: _to_mathml(match.group(1), "block"), html_text)
    html_text = _INLINE.sub(lambda match: _to_mathml(match.group(1), "inline"), html_text)
    return _move_figures_out(html_text, page.url, Path(config["site_dir"]))


# Figures that page code embeds with tools.pagetools.figure_html.
_EMBEDDED_FIGURE = re.compile(r'(<figure class="guide-figure"><img src=")data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)(")')
FIGURE_FOLDER = "assets/figures"
FIGURE_SUFFIXES = {".svg", ".png", ".jpg"}


def _move_figures_out(html_text: str, page_url: str, site_dir: Path) -> str:
    """Write each embedded SVG figure to its own file under ``assets/figures/`` and link the image to it.

    Page code embeds figures as data, so that their printed output can be
    cached as text. Left in the page, a figure adds 50 to 150 KB that the
    browser must load before it shows the first line. In Lighthouse's
    mobile simulation the first text of "Getting started" showed after
    2.0-2.1 s with the figure embedded, and after 1.1-1.8 s with it as a file. As files, the
    figures load after the text (the images are lazy) and the browser
    caches them. Each file is named after the SHA-256 of its
    content, so two builds with the same figure write the same file.
    """

    def replace(match: re.Match) -> str:
        address = write_figure_file(base64.b64decode(match.group(2)), ".svg", page_url, site_dir)
        return match.group(1) + address + match.group(3)

    return _EMBEDDED_FIGURE.sub(replace, html_text)


def write_figure_file(data: bytes, suffix: str, page_url: str, site_dir: Path) -> str:
    """Write a figure to ``assets/figures/<SHA-256>.<suffix>`` in the site and return its address relative to the page."""
    from mkdocs.utils import get_relative_url

    if not isinstance(data, bytes) or not data:
        described = f"{len(data)} bytes" if isinstance(data, bytes) else type(data).__name__
        raise ValueError(f"write_figure_file: data must be the figure's bytes, got {described}; decode base64 text first.")
    if suffix not in FIGURE_SUFFIXES:
        raise ValueError(f"write_figure_file: suffix {suffix!r} is not one of {sorted(FIGURE_SUFFIXES)}; pass the figure's file extension with its dot.")

    name = f"{hashlib.sha256(data).hexdigest()[:20]}{suffix}"
    target = site_dir / FIGURE_FOLDER / name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return get_relative_url(f"{FIGURE_FOLDER}/{name}", page_url)


def on_post_build(config):
    _block_cache.finish_build()
    _search_cache.save()

    # Every rule appears exactly once, and /rules/<id>/ (plus any old ID) redirects to it.
    problems = [
        f"{rule_id} is placed on {len(_placed.get(rule_id, []))} pages {_placed.get(rule_id, [])}, expected 1 ({rule.page})"
        for rule_id, rule in _rules.items()
        if len(_placed.get(rule_id, [])) != 1
    ]
    if problems:
        raise PluginError("Rule markers do not match the rules in rules/: " + "; ".join(problems))
    site = Path(config["site_dir"])
    for rule in _rules.values():
        target = f"../../{rule.page_url}#{rule.id}"
        for old_id in (rule.id, *rule.moved_from):
            redirect = site / "rules" / old_id / "index.html"
            redirect.parent.mkdir(parents=True, exist_ok=True)
            redirect.write_text(rulebook.redirect_html(target), encoding="utf-8")

    # The PDFs are printed from the pages just built (or reused when the page
    # and its stylesheets are byte for byte the same), so they cannot go stale.
    if _sheets:
        try:
            cheatsheets.print_sheets(site, _sheets, cache_dir=SHEET_CACHE_DIR, public_url=_public_url(config), site_name=config["site_name"])
        except cheatsheets.SheetError as error:
            raise PluginError(str(error)) from error


def _to_mathml(latex: str, display: str) -> str:
    source = html.unescape(latex).strip()
    mathml = latex2mathml.converter.convert(source, display=display)
    # The LaTeX stays as alternative text for screen readers that lack MathML support.
    mathml = mathml.replace("<math ", f'<math alttext="{html.escape(source, quote=True)}" ', 1)
    if display == "block":
        return f'<div class="math-block">{mathml}</div>'
    return mathml


# Cached code blocks ----------------------------------------------------------


def _load_cache_module():
    """Load medguide/cache.py on its own: ``import medguide`` would import torch, several seconds a build."""
    spec = importlib.util.spec_from_file_location("_guide_medguide_cache", ROOT / "medguide" / "cache.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BlockCache:
    """Disk cache for the output of markdown-exec Python blocks.

    markdown-exec 1.12 runs every block at every build and has no cache, so
    this class replaces its ``python`` formatter with one that calls
    markdown-exec's own ``base_format`` and ``_run_python`` but looks the
    printed output up first. Only the text a block prints is cached. The HTML
    around it is rendered at every build, so headings, ids and the table of
    contents stay exactly as markdown-exec makes them.

    The key of a block is a SHA-256 hash of:

    - its source after ``--8<--`` expansion, and the source of every earlier
      block of the same session (sessions are shared across pages in build
      order, as in markdown-exec);
    - its options (session, id, title, working folder, console width);
    - the fingerprint of the local modules (``medguide``, ``tools``) those
      sources import, each with the local modules it imports, transitively
      (see ``ModuleGraph`` in medguide/cache.py);
    - the MD5 of every file in ``MEDGUIDE_DATA_DIR``, Python's version and
      the version of every installed distribution.

    A dependency that the source does not import by name (a module loaded
    with ``importlib``, a file read at run time other than the data) is not
    part of the key. Blocks that raise are not cached. When a block of a
    session must run and earlier blocks of that session were taken from the
    cache, those earlier blocks run again first (their output is discarded)
    so the session's variables exist.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.page = ""
        self._cache_module = None
        self._run_original = None
        self._base_format = None
        self._environment = ""
        self._graph = None
        self._sessions: dict[str, dict[str, list]] = {}
        self._used: set[str] = set()
        self._records: list[dict[str, Any]] = []
        self._failed = False
        self.installed = False

    def install(self) -> None:
        """Put the caching formatter in place of markdown-exec's ``python`` and ``py`` formatters."""
        from markdown_exec._internal import main
        from markdown_exec._internal.formatters import base, python

        self._run_original = python._run_python
        self._base_format = base.base_format
        main.formatters["python"] = self.format
        main.formatters["py"] = self.format
        self.installed = True

    def start_build(self) -> None:
        """Reset the per-build state and hash what every key shares."""
        if self._cache_module is None:
            self._cache_module = _load_cache_module()
        self._graph = self._cache_module.ModuleGraph(packages=("medguide", "tools"), roots=(ROOT,))
        self._environment = _environment_fingerprint(self._cache_module._medguide_version())
        self._sessions = {}
        self._used = set()
        self._records = []
        self._failed = False

    def format(self, **options: Any) -> Any:
        """Format one block as markdown-exec's python formatter does, running it only on a cache miss."""
        context = {name: options.get(name) for name in ("workdir", "width")}
        return self._base_format(language="python", run=partial(self.run, context=context), **options)

    def run(self, code: str, returncode: int | None = None, session: str | None = None, id: str | None = None, context: dict | None = None, **extra: str) -> str:  # noqa: A002
        """Return a block's printed output from the cache, or run the block and store it."""
        state = self._sessions.setdefault(session or "", {"sources": [], "pending": []}) if session else None
        earlier = state["sources"] if state else []
        key = self._key(code, earlier, {"session": session, "id": id, "returncode": returncode, **(context or {}), **extra})
        path = self.folder / f"{key}.json"
        self._used.add(path.name)
        call = (code, returncode, session, id, extra)
        if state is not None:
            state["sources"].append(code)

        if path.is_file():
            if state is not None:
                state["pending"].append(call)
            self._record(extra, session, "cached", 0.0, replayed=0)
            return json.loads(path.read_text(encoding="utf-8"))["output"]

        started = time.perf_counter()
        replayed = len(state["pending"]) if state is not None else 0
        try:
            self._replay(state)
            output = self._execute(*call)
        except Exception:
            self._failed = True
            self._record(extra, session, "failed", time.perf_counter() - started, replayed)
            raise
        seconds = time.perf_counter() - started
        self._store(path, output, extra, seconds)
        self._record(extra, session, "ran", seconds, replayed)
        return output

    def finish_build(self) -> None:
        """Write the build record and delete entries this build did not use, unless a block failed."""
        if self.installed and not self._failed and self.folder.is_dir():
            for entry in self.folder.glob("*.json"):
                if entry.name not in self._used and entry != BLOCK_REPORT:
                    entry.unlink()
        counts = {status: sum(record["status"] == status for record in self._records) for status in ("ran", "cached", "failed")}
        report = {"blocks": len(self._records), **counts, "replayed": sum(record["replayed"] for record in self._records), "records": self._records}
        _write_atomic(BLOCK_REPORT, json.dumps(report, indent=1))
        logger.info("code blocks: %d ran, %d from the cache, %d replayed for their session", counts["ran"], counts["cached"], report["replayed"])

    def _key(self, code: str, earlier: list[str], options: dict[str, Any]) -> str:
        sources = [*earlier, code]
        modules = set().union(*(self._graph.modules_used_by(source) for source in sources))
        digest = hashlib.sha256(b"block-cache 1\0" + self._environment.encode())
        digest.update(self._graph.fingerprint(modules).encode())
        digest.update(json.dumps(options, sort_keys=True, default=str).encode())
        for source in sources:
            digest.update(hashlib.sha256(source.encode()).digest())
        return digest.hexdigest()

    def _replay(self, state: dict[str, list] | None) -> None:
        if state is None:
            return
        pending, state["pending"] = state["pending"], []
        for call in pending:
            self._execute(*call)

    def _execute(self, code: str, returncode: int | None, session: str | None, id: str | None, extra: dict) -> str:  # noqa: A002
        seed = os.environ.get(PERTURB_SEED_ENV)
        if seed:
            _perturb_global_random_state(int(seed))
        return self._run_original(code, returncode=returncode, session=session, id=id, **extra)

    def _store(self, path: Path, output: str, extra: dict, seconds: float) -> None:
        entry = {"output": output, "page": self.page, "title": extra.get("title", ""), "seconds": round(seconds, 3)}
        _write_atomic(path, json.dumps(entry))

    def _record(self, extra: dict, session: str | None, status: str, seconds: float, replayed: int) -> None:
        self._records.append({"page": self.page, "title": extra.get("title", ""), "session": session or "", "status": status, "seconds": round(seconds, 3), "replayed": replayed})


def _environment_fingerprint(medguide_version: str) -> str:
    """Hash the data files, Python's version and every installed distribution's version."""
    digest = hashlib.sha256(f"{platform.python_version()}\0medguide {medguide_version}\0".encode())
    digest.update("\n".join(_installed_distributions()).encode())

    data_dir = Path(os.environ.get("MEDGUIDE_DATA_DIR") or Path.home() / ".medmnist").expanduser()
    for path in sorted(data_dir.glob("*")) if data_dir.is_dir() else []:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + hashlib.md5(path.read_bytes()).digest())
    return digest.hexdigest()


def _installed_distributions() -> list[str]:
    """Return the names of the ``*.dist-info`` and ``*.egg-info`` folders on ``sys.path``, sorted.

    Each name carries the distribution's name and version. Listing the
    folders takes milliseconds, where reading every distribution's metadata
    with ``importlib.metadata`` takes about 0.3 s, a rebuild's worth.
    """
    names = set()
    for entry in sys.path:
        folder = Path(entry or ".").resolve()
        # `python -m mkdocs` puts the working folder on the path, and with it
        # the checkout's own medguide.egg-info: without this check, every key
        # would change between `mkdocs build` and `python -m mkdocs build`.
        # medguide's version and code are part of each key already.
        if folder.is_dir() and folder != ROOT:
            names.update(path.name for path in folder.iterdir() if path.suffix in {".dist-info", ".egg-info"})
    return sorted(names)


def _perturb_global_random_state(seed: int) -> None:
    """Seed the global generators, so a block that draws from them unseeded shows up in reproducibility checks."""
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".part", delete=False, encoding="utf-8")
    with handle:
        handle.write(text)
    os.replace(handle.name, path)


_block_cache = BlockCache(BLOCK_CACHE_DIR)


class _JsonFileCache:
    """A dictionary kept in one JSON file, read on first use, with the installed distributions for the keys."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict | None = None
        self._environment = ""

    def _load(self) -> dict:
        if self._entries is None:
            self._environment = "\n".join(_installed_distributions())
            try:
                self._entries = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._entries = {}
        return self._entries


class SignatureCache(_JsonFileCache):
    """Disk cache for the signatures that mkdocstrings-python formats with Ruff.

    With ``separate_signature``, mkdocstrings-python 2.0 starts one
    ``ruff format`` process per signature, about 60 a build and 0.4 s in all,
    whether or not the code changed. This class wraps the formatter that its
    ``_get_formatter`` returns and keeps each result in one JSON file, keyed
    on the code, the line length and the installed distributions (Ruff's
    version among them).
    """

    def wrap(self, formatter):
        """Return ``formatter`` with its results looked up in, and added to, the cache."""

        def cached_formatter(code: str, line_length: int) -> str:
            entries = self._load()
            key = hashlib.sha256(f"{self._environment}\0{line_length}\0{code}".encode()).hexdigest()
            if key not in entries:
                entries[key] = formatter(code, line_length)
                _write_atomic(self.path, json.dumps(entries, sort_keys=True))
            return entries[key]

        return cached_formatter



def _install_signature_cache() -> None:
    try:
        from mkdocstrings_handlers.python._internal import rendering
    except ImportError:
        return
    original = getattr(rendering, "_get_formatter", None)
    if original is None or getattr(original, "_guide_cached", False):
        return  # another mkdocstrings-python layout, or already wrapped in this process
    cache = SignatureCache(CACHE_ROOT / "signatures.json")

    @functools.lru_cache(maxsize=1)
    def get_formatter():
        return cache.wrap(original())

    get_formatter._guide_cached = True
    rendering._get_formatter = get_formatter


class SearchEntryCache(_JsonFileCache):
    """Disk cache for the search entries that Material's search plugin makes from each page.

    Material 9.8 parses the HTML of every page with ``html.parser`` at every
    build to cut it into sections, about 0.7 s for this site, the largest
    single cost of a rebuild after a prose edit. This class wraps
    ``SearchIndex.add_entry_from_context`` and keeps the entries a page gave,
    keyed on everything the method reads: the page's HTML, address, title,
    front matter and table of contents, the index's settings and the
    installed distributions (Material's version among them). The file keeps
    the entries of the last build only.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._used: set[str] = set()
        self._changed = False

    def wrap(self, add_entry):
        """Return ``add_entry`` with its entries looked up in, and added to, the cache."""

        def cached_add_entry(index, page) -> None:
            entries = self._load()
            key = self._key(index, page)
            self._used.add(key)
            if key not in entries:
                first = len(index.entries)
                add_entry(index, page)
                entries[key] = index.entries[first:]
                self._changed = True
                return
            index.entries.extend(copy.deepcopy(entries[key]))

        return cached_add_entry

    def save(self) -> None:
        """Write the entries this build used, if any were new or some went unused."""
        if self._entries is None:
            return
        unused = self._entries.keys() - self._used
        if self._changed or unused:
            used_entries = {key: value for key, value in self._entries.items() if key in self._used}
            # Unsorted: the order of the fields in each entry stays as Material wrote it.
            _write_atomic(self.path, json.dumps(used_entries))
            self._entries = used_entries
        self._used = set()
        self._changed = False

    def _key(self, index, page) -> str:
        def toc_items(items) -> list:
            return [[item.id, item.url, toc_items(item.children)] for item in items]

        described = {
            "url": page.url,
            "title": str(page.title),
            "meta": {name: page.meta.get(name) for name in ("search", "tags", "title")},
            "toc": toc_items(page.toc),
            "settings": index.config,
        }
        digest = hashlib.sha256(f"search-entries 1\0{self._environment}\0".encode())
        digest.update(json.dumps(described, sort_keys=True, default=str).encode())
        digest.update(page.content.encode())
        return digest.hexdigest()

_search_cache = SearchEntryCache(CACHE_ROOT / "search-entries.json")


def _install_search_cache() -> None:
    try:
        from material.plugins.search.plugin import SearchIndex
    except ImportError:
        return
    original = SearchIndex.add_entry_from_context
    if getattr(original, "_guide_cached", False):
        return  # already wrapped in this process (mkdocs serve rebuilds)
    cached = _search_cache.wrap(original)
    cached._guide_cached = True
    SearchIndex.add_entry_from_context = cached


def _install_block_cache() -> None:
    if os.environ.get("GUIDE_NO_BLOCK_CACHE"):
        logger.info("GUIDE_NO_BLOCK_CACHE is set: every code block runs")
        return
    _block_cache.install()
