"""Collect the "## References" sections of every page into one list.

Each chapter keeps its own references next to the text that cites them; the
References page is built from them, so the two cannot drift apart.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"

_ITEM = re.compile(r"^- (.+?)(?=^- |\Z)", re.M | re.S)
_LINK = re.compile(r"<(https?://[^>]+)>|\((https?://[^)]+)\)")


@dataclass
class Reference:
    """One cited work and the pages that cite it."""

    text: str
    key: str
    pages: list[tuple[str, str]] = field(default_factory=list)


def _section(markdown: str) -> str:
    match = re.search(r"^## References\s*$(.*?)(?=^#{1,2} |\Z)", markdown, re.M | re.S)
    return match.group(1) if match else ""


def _title(markdown: str, fallback: str) -> str:
    match = re.search(r"^# (.+)$", markdown, re.M)
    return match.group(1).strip() if match else fallback


def _page_url(page: str) -> str:
    """Return the folder URL of a docs page: ``trust/explainability.md`` -> ``trust/explainability``."""
    path = page.removesuffix(".md")
    if path == "index" or path.endswith("/index"):
        path = path.removesuffix("index").rstrip("/")
    return path


def collect_references(docs: Path = DOCS, skip: str = "references.md") -> list[Reference]:
    """Return every reference found on the pages, merged by DOI or URL and sorted by text."""
    by_key: dict[str, Reference] = {}
    for path in sorted(docs.rglob("*.md")):
        page = path.relative_to(docs).as_posix()
        if page == skip:
            continue
        markdown = path.read_text(encoding="utf-8")
        for item in _ITEM.findall(_section(markdown)):
            text = " ".join(item.split())
            link = _LINK.search(text)
            if link is None:
                raise ValueError(f"{page}: reference without a DOI or URL: {text[:80]}")
            key = (link.group(1) or link.group(2)).rstrip("/").lower()
            reference = by_key.setdefault(key, Reference(text=text, key=key))
            reference.pages.append((page, _title(markdown, page)))
    return sorted(by_key.values(), key=lambda reference: reference.text.lower())


def references_markdown(from_page: str = "references.md") -> str:
    """Return the merged references as a Markdown list with links to the citing pages."""
    # markdown-exec output skips MkDocs' link conversion, so the links are
    # written as the URLs of the built pages, relative to this page's folder.
    lines = []
    base = _page_url(from_page) or "."
    for reference in collect_references():
        cited = ", ".join(
            f"[{title}]({posixpath.relpath(_page_url(page) or '.', base)}/)" for page, title in reference.pages
        )
        lines.append(f"- {reference.text} Cited in: {cited}.")
    return "\n".join(lines) + "\n"
