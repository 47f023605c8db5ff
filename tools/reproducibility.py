"""Build the site twice from scratch and check that every page shows the same numbers.

Each build runs in its own temporary copy of the repository with empty cache
folders, so every code block and notebook runs. The two builds differ on
purpose in what a careful snippet must not depend on:

- ``PYTHONHASHSEED`` (1 and 2), which changes the order of sets of strings;
- ``GUIDE_PERTURB_SEED`` (1 and 2), which makes the build hook seed Python's,
  NumPy's legacy and torch's global generators differently before every
  block, so a block that draws from a generator it did not seed shows up.

From every page the script extracts the text of preformatted blocks (code
and its output) and of tables, and the SHA-256 digest and alt text of every
embedded figure. The alt text counts because page code writes computed
numbers into it, such as an AUROC and its interval.
It prints each difference and exits with status 1 when there is any. It
writes a JSON summary (default ``docs/about/reproducibility.json``) with the
determinism settings the site relies on, for the "How this site is built"
page. Run from the repository root::

    MEDGUIDE_DATA_DIR=/path/to/medmnist .venv/bin/python -m tools.reproducibility
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import hashlib
import html.parser
import json
import shutil
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tools.build_timing import build_environment, copy_repository, machine_description, run_build

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "about" / "reproducibility.json"

# The summary records the versions of these libraries, because a new version can change a computed number.
LIBRARIES = ("numpy", "scipy", "scikit-learn", "torch", "matplotlib")

# Settings of the two builds: what a reproducible snippet must not depend on.
BUILD_SETTINGS = ({"PYTHONHASHSEED": "1", "GUIDE_PERTURB_SEED": "1"}, {"PYTHONHASHSEED": "2", "GUIDE_PERTURB_SEED": "2"})

DETERMINISM = {
    "seeds": (
        "Snippets seed every random step explicitly: scikit-learn "
        "estimators and splitters get random_state, NumPy draws come from numpy.random.default_rng(seed), and "
        "models are built after medguide.set_seed(seed), which seeds torch and NumPy's legacy "
        "generator. medguide.fit seeds its own run."
    ),
    "torch": (
        "medguide.set_seed switches on torch.use_deterministic_algorithms(True). Training runs "
        "on the CPU with torch's default thread count; bitwise equal results need the same "
        "torch version and the same thread count."
    ),
    "figures": (
        "matplotlib writes the pages' SVG figures with a fixed hash salt and no date, and the notebooks' "
        "PNG figures with no date, so a figure is byte for byte the same."
    ),
    "checks": (
        "tools/reproducibility.py builds the site twice from empty caches with different "
        "PYTHONHASHSEED values and different states of the global random generators before "
        "every code block, and compares the text of every code output and table and the "
        "digest and alt text of every figure."
    ),
}


class PageValues(html.parser.HTMLParser):
    """Text of the ``<pre>`` blocks and tables of one HTML page, and the digest and alt text of its embedded images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.figures: list[str] = []
        self._open: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("pre", "table"):
            self._open.append(tag)
        elif tag == "tr" and self._open:
            self._text.append("\n")
        elif tag in ("td", "th") and self._open:
            self._text.append("| ")
        if tag == "img":
            attributes = dict(attrs)
            source = attributes.get("src") or ""
            if source.startswith("data:"):
                self.figures.append(f"figure sha256 {hashlib.sha256(source.encode()).hexdigest()[:16]}")
                self.figures.append(f"figure alt {attributes.get('alt') or ''}")
            elif "assets/figures/" in source:
                # The build names each figure file after the SHA-256 of its content.
                self.figures.append(f"figure file {source.rsplit('/', 1)[-1]}")
                self.figures.append(f"figure alt {attributes.get('alt') or ''}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("pre", "table") and self._open:
            self._open.pop()
            if not self._open:
                self.blocks.append("".join(self._text).strip())
                self._text = []
        elif tag in ("td", "th") and self._open:
            self._text.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._open:
            return
        # Inside a table only the cell text counts, not the line breaks between tags.
        self._text.append(data if "pre" in self._open else " ".join(data.split()))

    def lines(self) -> list[str]:
        """Return the extracted values as lines, figures last."""
        lines = [line.rstrip() for block in self.blocks for line in block.splitlines()]
        return lines + self.figures


def page_values(site_dir: Path) -> dict[str, list[str]]:
    """Return the extracted lines of every HTML page of a built site, by path relative to the site."""
    values = {}
    for path in sorted(site_dir.rglob("*.html")):
        parser = PageValues()
        parser.feed(path.read_text(encoding="utf-8"))
        values[path.relative_to(site_dir).as_posix()] = parser.lines()
    return values


def compare_sites(first: dict[str, list[str]], second: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return a unified diff of the extracted lines for every page that differs or exists in one site only."""
    differences = {}
    for page in sorted(set(first) | set(second)):
        if page not in first or page not in second:
            differences[page] = [f"page exists only in the {'first' if page in first else 'second'} build"]
            continue
        if first[page] != second[page]:
            differences[page] = list(difflib.unified_diff(first[page], second[page], "first build", "second build", lineterm="", n=1))
    return differences


def build_twice(source: Path, workdir: Path, allow_failure: bool = False) -> list[Path]:
    """Build fresh copies of ``source`` with the two settings; return the two site folders."""
    sites = []
    for number, settings in enumerate(BUILD_SETTINGS, start=1):
        repo = copy_repository(source, workdir / f"repo{number}")
        site_dir = workdir / f"site{number}"
        result = run_build(repo, site_dir, f"clean build {number}", env={**build_environment(repo), **settings}, allow_failure=allow_failure)
        print(f"clean build {number}: {result.seconds:.1f} s, {result.ran} blocks ran, exit code {result.exit_code}")
        sites.append(site_dir)
    return sites


def library_versions() -> dict[str, str]:
    """Return the installed version of each library in ``LIBRARIES``, or "not installed"."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def summary_markdown(summary_path: Path = OUTPUT) -> str:
    """Render the JSON summary for the page "How this site is built and checked", or a note that the check has not run."""
    if not summary_path.is_file():
        display_path = summary_path.relative_to(ROOT) if summary_path.is_relative_to(ROOT) else summary_path
        return f"Not checked yet: run `python -m tools.reproducibility --output {display_path}` to write the summary."

    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    machine = summary["machine"]
    software = [f"Python {machine['python']}"] + [f"{name} {number}" for name, number in summary.get("libraries", {}).items()]
    builds = " and ".join("`" + " ".join(f"{name}={value}" for name, value in build.items()) + "`" for build in summary["build_settings"])
    differing = summary["pages_differing"]
    if differing:
        result = f"{len(differing)} of {summary['pages']} pages differed: " + ", ".join(f"`{page}`" for page in differing) + "."
    else:
        result = f"They showed the same {summary['lines_compared']} lines of code output, tables and figures on all {summary['pages']} pages."
    lines = [
        (
            f"Last checked on {summary['date'][:10]} with `{summary['command']}` on {machine['cpus']} CPUs "
            f"({machine['processor']}, {machine['system']}) with {', '.join(software)}. "
            f"The two builds ran with {builds}. {result}"
        ),
        "",
    ]
    # The settings describe the code as it is now; the JSON keeps those of the run for the record.
    titles = {"seeds": "Seeds", "torch": "Training", "figures": "Figures"}
    for key, title in titles.items():
        lines += [title, f":   {DETERMINISM[key]}", ""]
    return "\n".join(lines).rstrip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="JSON summary to write (default: %(default)s)")
    parser.add_argument("--sites", type=Path, nargs=2, metavar="SITE", help="compare two built site folders instead of building")
    parser.add_argument("--allow-failed-build", action="store_true", help="compare the pages even when a build exits with an error")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="reproducibility-"))
    try:
        sites = args.sites or build_twice(ROOT, workdir, args.allow_failed_build)
        first, second = (page_values(site) for site in sites)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    differences = compare_sites(first, second)
    for page, diff in differences.items():
        print(f"\n{page}:")
        print("\n".join(diff))
    compared = sum(len(lines) for lines in first.values())
    print(f"\n{len(first)} pages, {compared} lines of output, tables and figures compared; {len(differences)} pages differ.")

    summary = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_description(),
        "libraries": library_versions(),
        "command": "python -m tools.reproducibility",
        "build_settings": BUILD_SETTINGS,
        "pages": len(first),
        "lines_compared": compared,
        "pages_differing": sorted(differences),
        "determinism": DETERMINISM,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
