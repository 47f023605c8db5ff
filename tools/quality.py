"""Measure the built site in a browser as a reader loads it, and record the figures.

Each page type is loaded in headless Debian Chromium from a server on
127.0.0.1 that compresses text with gzip, as the hosting service does. The
script checks that no page requests another host, that every internal link and
``#anchor`` resolves, that axe-core finds no WCAG 2.1 AA violation in the light
and dark schemes, and that Lighthouse's mobile scores reach ``THRESHOLDS``.

Run ``python -m tools.quality [--site-dir DIR]`` after
``npm ci --prefix tools/lighthouse``. Without ``--site-dir`` it builds the site
first. It writes ``docs/about/site-quality.json``, which the page "How this
site is built and checked" renders, and exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import gzip
import http.server
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from tools import cheatsheets
from urllib.parse import unquote, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE_DIR = ROOT / "tools" / "lighthouse"
LIGHTHOUSE_CLI = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
AXE_SCRIPT = LIGHTHOUSE_DIR / "node_modules" / "axe-core" / "axe.min.js"
REPORT_PATH = ROOT / "docs" / "about" / "site-quality.json"

CHROMIUM = os.environ.get(cheatsheets.CHROMIUM_ENV) or shutil.which("chromium") or "/usr/bin/chromium"
# The same start-up flags as the PDF printing, so that Chromium contacts no other host.
CHROMIUM_ARGS = cheatsheets.CHROMIUM_ARGS

# One page of each kind a reader meets, as a path under the site root.
PAGE_TYPES = {
    "home": "",
    "chapter": "getting-started/",
    "demo chapter": "metrics/auroc/",
    "cheat sheet": "cheatsheets/checklist/",
    "notebook": "notebooks/01-naive-split/",
    "API": "reference/metrics-ranking/",  # the API page with the most elements
    "rules index": "rules/",
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
COLOR_SCHEMES = ["light", "dark"]
# Minimum Lighthouse scores (0-100) for the mobile form factor.
THRESHOLDS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}

_COMPRESSED_TYPES = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map"}


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serve a folder, gzip-compressing text files when the client accepts it."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"

        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and accepts_gzip and path.suffix in _COMPRESSED_TYPES):
            super().do_GET()
            return

        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve_site(site_dir: Path) -> Iterator[str]:
    """Serve ``site_dir`` on a free port of 127.0.0.1 and yield its base URL."""
    handler = functools.partial(_GzipHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# --- Links -------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    """An internal reference in a built page whose file or ``#anchor`` is missing."""

    page: str
    target: str
    reason: str


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.references: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if attributes.get(name):
                self.ids.add(attributes[name])

        for name in ("href", "src"):
            value = attributes.get(name)
            if value and tag in {"a", "link", "img", "script", "iframe", "source"}:
                self.references.append(value)


def _parse_page(path: Path) -> _LinkParser:
    parser = _LinkParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def check_links(site_dir: Path, site_url: str = "") -> list[BrokenLink]:
    """Check every internal ``href``/``src`` and ``#anchor`` of a built site.

    A reference is internal when it is relative, starts with the path of
    ``site_url`` (the 404 page uses such absolute paths), or starts with
    ``site_url`` itself. Links to other hosts, ``mailto:`` and ``data:`` URLs
    are skipped: this check runs offline. Hand-written because LinkChecker
    would be one more dependency for about 60 lines of standard library code.
    """
    site_path = urlsplit(site_url).path.rstrip("/")
    pages = {path: _parse_page(path) for path in sorted(site_dir.rglob("*.html"))}
    broken = []
    for page, parsed in pages.items():
        page_url = "/" + page.relative_to(site_dir).as_posix()
        for reference in parsed.references:
            if site_url and reference.startswith(site_url):
                reference = "/" + reference[len(site_url):].lstrip("/")
            elif site_path and reference.startswith(site_path + "/"):
                reference = reference[len(site_path):]
            parts = urlsplit(reference)
            if parts.scheme or parts.netloc:
                continue

            target_url = urlsplit(urljoin(page_url, reference))
            target = site_dir / unquote(target_url.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            relative_page = page.relative_to(site_dir).as_posix()
            if not target.is_file():
                broken.append(BrokenLink(relative_page, reference, "file not found"))
                continue

            fragment = unquote(target_url.fragment)
            if fragment and target in pages and fragment not in pages[target].ids:
                broken.append(BrokenLink(relative_page, reference, f"anchor #{fragment} not found"))
    return broken


# --- Browser checks ------------------------------------------------------------


def foreign_requests(requests: list[str], base_url: str) -> list[str]:
    """Return the requested URLs whose host is not the host of ``base_url``."""
    own_host = urlsplit(base_url).netloc
    web_schemes = {"http", "https", "ws", "wss"}
    return [url for url in requests if urlsplit(url).scheme in web_schemes and urlsplit(url).netloc != own_host]


def run_axe(page: object) -> list[dict]:
    """Run axe-core on a loaded Playwright page and return its WCAG 2.1 AA violations.

    Each violation is axe's own record (``id``, ``impact``, ``help``, ``nodes``).
    ``resultTypes`` keeps axe from collecting every passing node, which takes
    minutes on the API page.
    """
    if not AXE_SCRIPT.is_file():
        raise FileNotFoundError(
            f"run_axe: {AXE_SCRIPT} is missing. Install the pinned checkers with "
            "`npm ci --prefix tools/lighthouse`."
        )
    page.add_script_tag(path=str(AXE_SCRIPT))
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = page.evaluate("async (options) => await axe.run(document, options)", options)
    return results["violations"]


def describe_violations(violations: list[dict]) -> list[str]:
    """Summarise axe violations as one line each: rule, impact, count and first targets."""
    lines = []
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"][:3]]
        lines.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes): {targets}")
    return lines


@contextlib.contextmanager
def launch_chromium() -> Iterator[object]:
    """Start Debian's Chromium headless through Playwright and yield the browser."""
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        raise FileNotFoundError(f"launch_chromium: {CHROMIUM} is missing. Install Debian's chromium (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def browser_checks(base_url: str) -> dict[str, dict]:
    """Load each page type in both colour schemes and collect foreign requests and axe violations."""
    results: dict[str, dict] = {kind: {"foreign_requests": [], "axe": {}} for kind in PAGE_TYPES}
    with launch_chromium() as browser:
        for scheme in COLOR_SCHEMES:
            context = browser.new_context(color_scheme=scheme)
            for kind, path in PAGE_TYPES.items():
                page = context.new_page()
                requests: list[str] = []
                page.on("request", lambda request, log=requests: log.append(request.url))
                page.goto(base_url + path, wait_until="networkidle")

                results[kind]["foreign_requests"].extend(foreign_requests(requests, base_url))
                results[kind]["axe"][scheme] = describe_violations(run_axe(page))
                page.close()
            context.close()
    return results


# --- Lighthouse ----------------------------------------------------------------


def run_lighthouse(url: str, timeout: float = 240) -> dict[str, int]:
    """Run Lighthouse 12 once on ``url`` (mobile) and return category scores from 0 to 100."""
    if not LIGHTHOUSE_CLI.is_file():
        raise FileNotFoundError(
            f"run_lighthouse: {LIGHTHOUSE_CLI} is missing. Install the pinned version with "
            "`npm ci --prefix tools/lighthouse`."
        )
    command = [
        "node",
        str(LIGHTHOUSE_CLI),
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        "--only-categories=" + ",".join(THRESHOLDS),
        "--chrome-flags=--headless=new " + " ".join(CHROMIUM_ARGS),
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"run_lighthouse: Lighthouse failed on {url} (exit {result.returncode}):\n{result.stderr[-3000:]}")

    report = json.loads(result.stdout)
    return {name: round(category["score"] * 100) for name, category in report["categories"].items()}


LIGHTHOUSE_RUNS = 5
"""Runs per page. Lighthouse's guide on variability finds the median of five runs
twice as stable as one run: https://github.com/GoogleChrome/lighthouse/blob/main/docs/variability.md"""


def median_lighthouse(url: str, runs: int = LIGHTHOUSE_RUNS) -> dict[str, object]:
    """Run Lighthouse ``runs`` times on ``url`` and return the median of each category.

    Performance varies from run to run when other processes share the CPU, so
    the median of several runs is the figure compared with ``THRESHOLDS``.
    """
    if not isinstance(runs, int) or isinstance(runs, bool) or runs < 1:
        raise ValueError(f"median_lighthouse: runs must be a whole number of at least 1, got {runs!r}.")
    all_scores = [run_lighthouse(url) for _ in range(runs)]
    median = {name: round(statistics.median(scores[name] for scores in all_scores)) for name in THRESHOLDS}
    return {"median": median, "runs": all_scores}


def below_thresholds(scores: dict[str, int]) -> dict[str, int]:
    """Return the categories whose score is below ``THRESHOLDS``, with the score."""
    return {name: scores[name] for name, minimum in THRESHOLDS.items() if scores[name] < minimum}


# --- Machine and report ----------------------------------------------------------


def _command_output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not found"


def machine_info() -> dict[str, str]:
    """Describe the machine that measured: CPU, cores, memory, OS and tool versions."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break

    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f"{kib / 1024**2:.1f} GiB"

    os_name = platform.platform()
    with contextlib.suppress(OSError, KeyError):
        os_name = platform.freedesktop_os_release()["PRETTY_NAME"]
    pinned = json.loads((LIGHTHOUSE_DIR / "package.json").read_text())["dependencies"]
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": os_name,
        "chromium": _command_output([CHROMIUM, "--version"]),
        "node": _command_output(["node", "--version"]),
        "lighthouse": pinned["lighthouse"],
        "axe-core": pinned["axe-core"],
        "load average (1 min) at start": f"{os.getloadavg()[0]:.1f}",
    }


def _build_site(site_dir: Path) -> None:
    mkdocs = Path(sys.executable).parent / "mkdocs"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([str(mkdocs), "build", "--strict", "--site-dir", str(site_dir)], cwd=ROOT, env=env, check=True)


def measure(site_dir: Path, runs: int) -> dict[str, object]:
    """Run every check on a built site and return the report written to ``REPORT_PATH``."""
    started = datetime.datetime.now(datetime.UTC)
    machine = machine_info()
    site_url = _site_url()
    links = check_links(site_dir, site_url)

    with serve_site(site_dir) as base_url:
        browser = browser_checks(base_url)
        lighthouse = {kind: median_lighthouse(base_url + path, runs) for kind, path in PAGE_TYPES.items()}

    pages = {}
    for kind, path in PAGE_TYPES.items():
        pages[kind] = {"path": "/" + path, **browser[kind], "lighthouse": lighthouse[kind]}
    return {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "lighthouse_runs": runs,
        "thresholds": THRESHOLDS,
        "axe_tags": AXE_TAGS,
        "html_pages_checked": len(list(site_dir.rglob("*.html"))),
        "broken_links": [vars(link) for link in links],
        "pages": pages,
    }


def _site_url() -> str:
    for line in (ROOT / "mkdocs.yml").read_text(encoding="utf-8").splitlines():
        if line.startswith("site_url:"):
            return line.split(":", 1)[1].strip()
    return ""


def failures(report: dict) -> list[str]:
    """List every failed check in a report, one line each, or nothing when all pass."""
    problems = [f"broken link on {link['page']}: {link['target']} ({link['reason']})" for link in report["broken_links"]]
    for kind, page in report["pages"].items():
        problems += [f"{kind}: requested {url}" for url in page["foreign_requests"]]
        for scheme, violations in page["axe"].items():
            problems += [f"{kind} ({scheme}): axe {violation}" for violation in violations]
        for name, score in below_thresholds(page["lighthouse"]["median"]).items():
            problems.append(f"{kind}: Lighthouse {name} {score} < {THRESHOLDS[name]}")
    return problems


BUILD_TIMING_PATH = ROOT / "docs" / "about" / "build-timing.json"
_CATEGORY_TITLES = {"performance": "Performance", "accessibility": "Accessibility", "best-practices": "Best practices", "seo": "SEO"}


def _display_path(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def report_markdown(report_path: Path = REPORT_PATH) -> str:
    """Render the JSON report as the Markdown tables of the page "How this site is built and checked"."""
    if not report_path.is_file():
        return f"Not measured yet: run `python -m tools.quality` to write `{_display_path(report_path)}`."

    report = json.loads(report_path.read_text(encoding="utf-8"))
    machine = report["machine"]
    runs = report["lighthouse_runs"]
    performance_runs = {kind: [run["performance"] for run in page["lighthouse"].get("runs", [])] for kind, page in report["pages"].items()}
    spread = max((max(scores) - min(scores) for scores in performance_runs.values() if scores), default=0)
    lines = [
        (
            f"Measured on {report['date']} by `python -m tools.quality` on {machine['cpu']}, "
            f"{machine['cores']} cores, {machine['memory']} of memory, {machine['os']}, with {machine['chromium']}, "
            f"Node {machine['node']}, Lighthouse {machine['lighthouse']} and axe-core {machine['axe-core']}. "
            f"The load average was {machine['load average (1 min) at start']} when the run started."
        ),
        "",
        (
            f"Lighthouse scores are for the mobile form factor, the median of {runs} run{'s' if runs != 1 else ''} per page. "
            f"Between runs of the same page the performance score differed by up to {spread} points; "
            "the last column lists each run's score. "
            "A cell marked with ✗ is below the minimum in the header row."
        ),
        "",
        "| Page type | Path | " + " | ".join(f"{_CATEGORY_TITLES[name]} (≥ {minimum})" for name, minimum in report["thresholds"].items())
        + " | axe violations (light / dark) | Requests to other hosts | Performance of each run |",
        "|---|---|" + "---:|" * len(report["thresholds"]) + "---:|---:|---|",
    ]
    for kind, page in report["pages"].items():
        median = page["lighthouse"]["median"]
        scores = [f"{median[name]}{'' if median[name] >= minimum else ' ✗'}" for name, minimum in report["thresholds"].items()]
        axe = " / ".join(str(len(page["axe"][scheme])) for scheme in COLOR_SCHEMES)
        each_run = ", ".join(str(score) for score in performance_runs[kind]) or "not recorded"
        lines.append(f"| {kind} | `{page['path']}` | " + " | ".join(scores) + f" | {axe} | {len(page['foreign_requests'])} | {each_run} |")

    lines += [
        "",
        f"Internal links and anchors: {len(report['broken_links'])} broken in {report['html_pages_checked']} HTML pages.",
    ]
    by_page: dict[str, list[dict]] = {}
    for link in report["broken_links"]:
        by_page.setdefault(link["page"], []).append(link)
    for page, links in by_page.items():
        first = links[0]
        lines.append(f"- `{page}`: {len(links)} broken, the first `{first['target']}` ({first['reason']})")
    return "\n".join(lines)


def build_timing_markdown(timing_path: Path = BUILD_TIMING_PATH) -> str:
    """Render the build-time table from its JSON file, or a note that it has not been measured yet."""
    if not timing_path.is_file():
        return f"Not measured yet: this section shows `{_display_path(timing_path)}` once `python -m tools.build_timing` writes it."

    timing = json.loads(timing_path.read_text(encoding="utf-8"))
    rows = timing.get("rows", [])
    if not rows:
        return f"`{_display_path(timing_path)}` has no rows."
    machine = timing.get("machine", {})
    targets = timing.get("targets_seconds", {})
    intro = (
        f"Measured on {timing.get('date', 'an unknown date')[:16].replace('T', ' ')} UTC with "
        f"`{timing.get('command', 'python -m tools.build_timing')}`, on {machine.get('cpus', '?')} CPUs "
        f"({machine.get('system', 'unknown system')}, Python {machine.get('python', '?')}). "
        "Every build runs in a temporary copy of the repository. "
    )
    if targets:
        intro += "Targets: " + ", ".join(f"{step} at most {seconds:g} s" for step, seconds in targets.items()) + "."
    if targets:
        intro += " A wall time marked with ✗ is above its target."
    columns = list(rows[0])
    lines = [intro, "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [str(row.get(column, "")) for column in columns]
        limit = targets.get(row.get("build"))
        if limit is not None and "wall seconds" in row and row["wall seconds"] > limit:
            cells[columns.index("wall seconds")] += " ✗"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site-dir", type=Path, help="built site to check (default: build one in a temporary folder)")
    parser.add_argument("--runs", type=int, default=LIGHTHOUSE_RUNS, help=f"Lighthouse runs per page, of which the median is reported (default: {LIGHTHOUSE_RUNS})")
    parser.add_argument("--output", type=Path, default=REPORT_PATH, help=f"JSON report to write (default: {REPORT_PATH.relative_to(ROOT)})")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as temporary:
        site_dir = args.site_dir
        if site_dir is None:
            site_dir = Path(temporary) / "site"
            _build_site(site_dir)
        report = measure(site_dir, args.runs)

    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    problems = failures(report)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"wrote {args.output}; {len(problems)} failed checks")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
