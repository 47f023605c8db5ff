"""Find references in a built site that would make a browser load from another host.

Links a reader clicks (``<a href>``) and metadata that browsers do not fetch
(``<link rel="canonical">``, XML namespaces) are allowed. What counts as a load:
``src``/``srcset``/``poster``/``data`` attributes, ``<link href>`` with a rel
that fetches (stylesheet, preconnect, preload, icon, manifest, ...), and
``@import``/``url()`` in stylesheets and ``style`` attributes.

Run ``python -m tools.sitecheck SITE_DIR`` to list them; it exits 1 if any.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

# rel values of <link> that do not make the browser fetch anything.
_NON_LOADING_RELS = {"canonical", "alternate", "author", "license", "help", "search", "next", "prev", "me"}
_LOADING_ATTRIBUTES = {"src", "srcset", "poster", "data", "background", "formaction", "action"}
_CSS_URL = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")]+)""", re.I)


@dataclass(frozen=True)
class ExternalLoad:
    """A reference in a built file that a browser would fetch from another host."""

    file: str
    line: int
    url: str
    context: str


def is_external(url: str) -> bool:
    """Tell whether ``url`` points at another host (``http(s)://`` or ``//host``)."""
    url = url.strip()
    if url.startswith("//"):
        return True
    return urlsplit(url).scheme.lower() in {"http", "https", "ftp", "ws", "wss"}


def css_external_loads(text: str, file: str = "<css>", first_line: int = 1) -> list[ExternalLoad]:
    """Return the ``@import`` and ``url()`` references to other hosts in CSS text."""
    found = []
    for match in _CSS_URL.finditer(text):
        url = match.group(1) or match.group(2)
        if url and is_external(url):
            line = first_line + text.count("\n", 0, match.start())
            found.append(ExternalLoad(file, line, url, match.group(0)[:80]))
    return found


class _LoadFinder(HTMLParser):
    def __init__(self, file: str):
        super().__init__(convert_charrefs=True)
        self.file = file
        self.found: list[ExternalLoad] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if name in _LOADING_ATTRIBUTES:
                for url in _split_srcset(value) if name == "srcset" else [value]:
                    if is_external(url):
                        self.found.append(ExternalLoad(self.file, line, url, f"<{tag} {name}>"))
            elif name == "style":
                self.found.extend(css_external_loads(value, self.file, line))
        if tag == "link" and attributes.get("href"):
            rels = set((attributes.get("rel") or "").lower().split())
            if rels - _NON_LOADING_RELS and is_external(attributes["href"]):
                self.found.append(ExternalLoad(self.file, line, attributes["href"], f"<link rel={sorted(rels)}>"))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.found.extend(css_external_loads(data, self.file, self.getpos()[0]))


def _split_srcset(value: str) -> list[str]:
    return [candidate.strip().split()[0] for candidate in value.split(",") if candidate.strip()]


def html_external_loads(text: str, file: str = "<html>") -> list[ExternalLoad]:
    """Return the references in an HTML document that load from another host."""
    finder = _LoadFinder(file)
    finder.feed(text)
    finder.close()
    return finder.found


def site_external_loads(site_dir: Path) -> list[ExternalLoad]:
    """Scan every HTML and CSS file of a built site for loads from another host."""
    found = []
    for path in sorted(site_dir.rglob("*")):
        relative = str(path.relative_to(site_dir))
        if path.suffix == ".html":
            found.extend(html_external_loads(path.read_text(encoding="utf-8"), relative))
        elif path.suffix == ".css":
            found.extend(css_external_loads(path.read_text(encoding="utf-8"), relative))
    return found


if __name__ == "__main__":
    loads = site_external_loads(Path(sys.argv[1]))
    for load in loads:
        print(f"{load.file}:{load.line}: {load.url}  ({load.context})")
    sys.exit(1 if loads else 0)
