"""Printable cheat sheets, rendered from the rules and printed to PDF with Chromium.

``rules/sheets.yml`` lists each sheet: its ``id``, ``title``, ``intro`` and
sections of rule IDs. A sheet page under ``docs/cheatsheets/`` contains the
marker ``<!-- cheatsheet ID -->``, and the MkDocs hook replaces it with the
rules, each linked to the chapter section that explains it. After the build, every
sheet is printed to PDF on A4 and US Letter paper, and one PDF with all sheets
is made, so the downloads always match the pages.
"""

from __future__ import annotations

import functools
import hashlib
import html
import http.server
import os
import posixpath
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from .rules import Rule

ROOT = Path(__file__).resolve().parent.parent
SHEETS_FILE = ROOT / "rules" / "sheets.yml"
SHEET_MARKER = re.compile(r"^<!-- cheatsheet ([a-z0-9-]+) -->$", re.M)
PAPER_SIZES = {"a4": "A4", "letter": "Letter"}
PDF_FOLDER = "cheatsheets/pdf"
COMBINED_TITLE = "All cheat sheets"
CHROMIUM_ENV = "CHROMIUM_PATH"
# Local stylesheets and scripts a printed page loads; both change the print.
_ASSET_REFERENCE = re.compile(r'(?:href|src)="((?![a-z]+:|//|#)[^"?#]+\.(?:css|js))(?:\?[^"]*)?"')

# Without these, Chromium contacts Google hosts for updates and sync at start-up.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class SheetError(ValueError):
    """A cheat sheet definition or marker is invalid."""


@dataclass(frozen=True)
class Sheet:
    """One printable cheat sheet: a title, an introduction and sections of rule IDs."""

    id: str
    title: str
    intro: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    page: str

    @property
    def rule_ids(self) -> list[str]:
        return [rule_id for _, ids in self.sections for rule_id in ids]


def load_sheets(rules: dict[str, Rule], path: Path = SHEETS_FILE) -> dict[str, Sheet]:
    """Read the sheet definitions and check that each names only defined rules."""
    sheets: dict[str, Sheet] = {}
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        sections = tuple((section["heading"], tuple(section["rules"])) for section in entry["sections"])
        sheet = Sheet(
            id=entry["id"],
            title=entry["title"],
            intro=entry["intro"].strip(),
            sections=sections,
            page=f"cheatsheets/{entry['id']}.md",
        )
        unknown = [rule_id for rule_id in sheet.rule_ids if rule_id not in rules]
        if unknown:
            raise SheetError(f"{path.name}: sheet {sheet.id} names rules that no chapter defines: {unknown}.")
        if not (ROOT / "docs" / sheet.page).is_file():
            raise SheetError(f"{path.name}: sheet {sheet.id} has no page docs/{sheet.page}.")
        sheets[sheet.id] = sheet
    return sheets


def pdf_name(sheet_id: str, paper: str) -> str:
    """Return the file name of a sheet's PDF, ``splitting-leakage-a4.pdf`` for example."""
    return f"{sheet_id}-{paper}.pdf"


def render_sheet(sheet: Sheet, rules: dict[str, Rule], site_url: str) -> str:
    """Return the HTML of a sheet: sections of rules, each linked to its chapter section."""
    # The sheet is served as cheatsheets/<id>/, so links are relative to that folder.
    base = sheet.page.removesuffix(".md")
    parts = [
        '<div class="cheatsheet">',
        "",
        f'<p class="cheatsheet-intro">{_inline(sheet.intro)}</p>',
        "",
        _downloads(sheet.id),
        "",
    ]
    for heading, ids in sheet.sections:
        parts.append(f'<section class="cheatsheet-section"><h2>{heading}</h2><ul>')
        for rule_id in ids:
            rule = rules[rule_id]
            href = posixpath.relpath(rule.page_url or ".", base) + f"/#{rule.id}"
            parts.append(
                f'<li class="cheatsheet-rule cheatsheet-{rule.kind}">'
                f'<a class="cheatsheet-id" href="{href}">{rule.id}</a> '
                f'<strong>{rule.label}</strong> <a href="{href}">{_inline(rule.title)}</a>'
                f'<span class="cheatsheet-statement"> {_inline(_first_sentence(rule.statement))}</span></li>'
            )
        parts.append("</ul></section>")
    short_url = site_url.rstrip("/") + "/rules/"
    parts += [
        f'<p class="cheatsheet-footer">Each rule is explained and demonstrated online: '
        f"{short_url}<em>ID</em>/ (for example {short_url}{sheet.rule_ids[0]}/). "
        f"Getting It Right, CC BY 4.0.</p>",
        "",
        "</div>",
    ]
    return "\n".join(parts) + "\n"


def _first_sentence(statement: str) -> str:
    """Return the first sentence of a rule statement, with Markdown links reduced to their text."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", " ".join(statement.split()))
    match = re.search(r"(?<!e\.g)(?<!i\.e)\.(\s|$)", text)
    return text[: match.start() + 1] if match else text


def _inline(text: str) -> str:
    """Escape text for HTML and turn Markdown `code` spans into <code> elements."""
    escaped = html.escape(text, quote=False)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def _downloads(sheet_id: str) -> str:
    links = " · ".join(
        f'<a href="../pdf/{pdf_name(sheet_id, paper)}" download>{label}</a>' for paper, label in PAPER_SIZES.items()
    )
    return f'<p class="cheatsheet-downloads">Download as PDF: {links} · <a href="../pdf/{pdf_name("all-cheatsheets", "a4")}" download>all sheets (A4)</a></p>'


def expand_sheet_markers(markdown: str, page: str, sheets: dict[str, Sheet], rules: dict[str, Rule], site_url: str) -> str:
    """Replace the cheat sheet marker of one page with the rendered sheet."""

    def place(match: re.Match) -> str:
        sheet_id = match.group(1)
        if sheet_id not in sheets:
            raise SheetError(f"{page}: marker names cheat sheet {sheet_id!r}, which rules/sheets.yml does not define.")
        if sheets[sheet_id].page != page:
            raise SheetError(f"{page}: cheat sheet {sheet_id} belongs on docs/{sheets[sheet_id].page}.")
        return render_sheet(sheets[sheet_id], rules, site_url)

    return SHEET_MARKER.sub(place, markdown)


def chromium_path() -> str:
    """Return the Chromium executable: ``$CHROMIUM_PATH``, else ``chromium`` on the PATH."""
    path = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise SheetError(
            "Chromium is needed to print the cheat sheets to PDF but was not found. Install it "
            f"(Debian: apt-get install chromium) or set {CHROMIUM_ENV} to its executable."
        )
    return path


def print_sheets(site_dir: Path, sheets: dict[str, Sheet], cache_dir: Path | None = None, public_url: str = "", site_name: str = "") -> list[Path]:
    """Print every sheet of a built site to PDF on each paper size; return the files written.

    With ``cache_dir``, a sheet's earlier PDFs are reused when nothing that
    shapes the print changed: its built page, the stylesheets and scripts that
    page loads, the Chromium executable and ``public_url`` (see
    :func:`print_key`). Chromium then starts only for the sheets that changed.

    The sheets are printed from a server on 127.0.0.1, so the links in the
    PDF would point there. With ``public_url`` (the published site's
    address), every link is made absolute against it before printing, and
    a reader of a downloaded sheet can follow it.

    The combined A4 file has a bookmark for each sheet and the title "All
    cheat sheets - ``site_name``", in the form that the theme gives each
    page's title and so each sheet's PDF.
    """
    folder = site_dir / PDF_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    keys = {sheet.id: print_key(site_dir, sheet, public_url) for sheet in sheets.values()} if cache_dir else {}
    cached = {sheet_id for sheet_id, key in keys.items() if all((cache_dir / key / pdf_name(sheet_id, paper)).is_file() for paper in PAPER_SIZES)}

    to_print = [sheet for sheet in sheets.values() if sheet.id not in cached]
    written = _print_with_chromium(site_dir, to_print, folder, public_url) if to_print else []
    for sheet in sheets.values():
        if cache_dir is None:
            continue
        for paper in PAPER_SIZES:
            cached_pdf = cache_dir / keys[sheet.id] / pdf_name(sheet.id, paper)
            if sheet.id in cached:
                shutil.copyfile(cached_pdf, folder / pdf_name(sheet.id, paper))
                written.append(folder / pdf_name(sheet.id, paper))
            else:
                cached_pdf.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(folder / pdf_name(sheet.id, paper), cached_pdf)

    written.append(_combine_cached(folder, sheets, keys, cache_dir, _combined_title(site_name)))
    return written


def _combined_title(site_name: str) -> str:
    return f"{COMBINED_TITLE} - {site_name}" if site_name else COMBINED_TITLE


def _combine_cached(folder: Path, sheets: dict[str, Sheet], keys: dict[str, str], cache_dir: Path | None, title: str) -> Path:
    # Importing pypdf and merging take about 0.4 s, a tenth of a rebuild
    # after a prose edit, so the combined PDF is cached as the sheets are.
    if cache_dir is None:
        return _combine(folder, sheets, title)
    parts = [f"{sheet_id}:{keys[sheet_id]}:{sheet.title}" for sheet_id, sheet in sheets.items()]
    key = hashlib.sha256("\0".join([title, *parts]).encode()).hexdigest()
    name = pdf_name("all-cheatsheets", "a4")
    cached_pdf = cache_dir / f"combined-{key}" / name
    if cached_pdf.is_file():
        shutil.copyfile(cached_pdf, folder / name)
        return folder / name
    target = _combine(folder, sheets, title)
    cached_pdf.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target, cached_pdf)
    return target


def print_key(site_dir: Path, sheet: Sheet, public_url: str = "") -> str:
    """Return a SHA-256 hex digest of what a sheet's PDF depends on: page, local CSS and JS, Chromium, public URL."""
    page_dir = site_dir / sheet.page.removesuffix(".md")
    page = (page_dir / "index.html").read_bytes()
    digest = hashlib.sha256(public_url.encode() + b"\0" + page)
    for reference in sorted(set(_ASSET_REFERENCE.findall(page.decode("utf-8")))):
        asset = (page_dir / reference).resolve()
        if asset.is_file() and asset.is_relative_to(site_dir.resolve()):
            digest.update(reference.encode() + b"\0" + asset.read_bytes())
    executable = Path(chromium_path()).resolve()
    stat = executable.stat()
    digest.update(f"{executable}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


# Makes every link absolute against the published page's address.
_ABSOLUTE_LINKS = """
(base) => {
  for (const link of document.querySelectorAll("a[href]")) {
    link.setAttribute("href", new URL(link.getAttribute("href"), base).href);
  }
}
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Request handler that writes no access log, which would fill the build log."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _print_with_chromium(site_dir: Path, sheets: list[Sheet], folder: Path, public_url: str = "") -> list[Path]:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    written: list[Path] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page()
            for sheet in sheets:
                page_path = sheet.page.removesuffix(".md") + "/"
                page.goto(base_url + page_path, wait_until="networkidle")
                if public_url:
                    page.evaluate(_ABSOLUTE_LINKS, public_url.rstrip("/") + "/" + page_path)
                page.emulate_media(media="print")
                for paper, size in PAPER_SIZES.items():
                    target = folder / pdf_name(sheet.id, paper)
                    page.pdf(path=str(target), format=size, print_background=True, prefer_css_page_size=False)
                    written.append(target)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return written


def _combine(folder: Path, sheets: dict[str, Sheet], title: str) -> Path:
    from pypdf import PdfWriter

    combined = PdfWriter()
    for sheet in sheets.values():
        combined.append(str(folder / pdf_name(sheet.id, "a4")), outline_item=sheet.title)
    combined.add_metadata({"/Title": title})
    target = folder / pdf_name("all-cheatsheets", "a4")
    with target.open("wb") as handle:
        combined.write(handle)
    return target
