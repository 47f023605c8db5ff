"""Code-block cache of the build: what re-runs after each kind of edit, and the build times.

The fast tests build a small site (one page, four code blocks, a stand-in
``medguide`` package) with the guide's own hooks and edit one file at a time.
Each test checks which blocks ran in two ways: the hook's build record, and a
log that every block appends to when it really runs. The slow test times the
whole site.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

import pytest

from tools import build_timing, cheatsheets, reproducibility

ROOT = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).parent / "mkdocs"

MKDOCS_YML = """\
site_name: Mini
strict: true
theme: mkdocs
hooks:
  - tools/mkdocs_hooks.py
plugins:
  - markdown-exec:
      languages: [python]
      ansi: "off"
markdown_extensions:
  - pymdownx.snippets:
      base_path: [.]
      check_paths: true
  - pymdownx.superfences
"""

PAGE = """\
# Mini

Some prose.

```python exec="on" result="text"
--8<-- "snippets/alpha_block.py"
```

```python exec="on" result="text" session="s"
import os
from medguide.beta import shift
open(os.environ["MINI_RUN_LOG"], "a").write("s1\\n")
value = shift(1)
print(value)
```

```python exec="on" result="text" session="s"
import os
open(os.environ["MINI_RUN_LOG"], "a").write("s2\\n")
print(value + 1)
```

```python exec="on" result="text"
import os
open(os.environ["MINI_RUN_LOG"], "a").write("plain\\n")
print("plain")
```
"""

PACKAGE = {
    "__init__.py": "from .alpha import *\nfrom .beta import *\n",
    "alpha.py": "__all__ = ['double']\n\ndef double(x):\n    return 2 * x\n",
    "beta.py": "__all__ = ['shift']\nfrom .gamma import OFFSET\n\ndef shift(x):\n    return x + OFFSET\n",
    "gamma.py": "OFFSET = 10\n",
}

ALPHA_BLOCK = 'import os\nfrom medguide import double\nopen(os.environ["MINI_RUN_LOG"], "a").write("alpha\\n")\nprint(double(2))\n'


def make_mini_site(folder):
    """Write a repository with the guide's hooks, one page of four blocks and a stand-in medguide."""
    repo = folder / "repo"
    shutil.copytree(ROOT / "tools", repo / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "medguide").mkdir()
    shutil.copyfile(ROOT / "medguide" / "cache.py", repo / "medguide" / "cache.py")
    for name, text in PACKAGE.items():
        (repo / "medguide" / name).write_text(text)
    (repo / "rules").mkdir()
    (repo / "rules" / "sheets.yml").write_text("[]\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "index.md").write_text(PAGE)
    (repo / "snippets").mkdir()
    (repo / "snippets" / "alpha_block.py").write_text(ALPHA_BLOCK)
    (repo / "mkdocs.yml").write_text(MKDOCS_YML)
    (folder / "data").mkdir()
    (folder / "data" / "mini.npz").write_bytes(b"first version")
    return repo


def build(repo, **extra_env):
    """Build the mini site; return the blocks that ran (from the run log), the hook's record and the page."""
    log = repo.parent / "runs.log"
    log.unlink(missing_ok=True)
    env = {
        **build_timing.build_environment(repo),
        "MINI_RUN_LOG": str(log),
        "MEDGUIDE_DATA_DIR": str(repo.parent / "data"),
        **extra_env,
    }
    result = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(repo.parent / "site")],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    ran = log.read_text().split() if log.is_file() else []
    report = json.loads((repo / build_timing.BLOCK_REPORT).read_text())
    page = (repo.parent / "site" / "index.html").read_text()
    # The mkdocs theme stamps the build time into a comment at the end of every page.
    return Build(ran, report, page.split("<!--\nMkDocs version")[0])


class Build(NamedTuple):
    ran: list
    report: dict
    page: str


def append(path, text):
    with path.open("a") as handle:
        handle.write(text)


def replace(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Build the mini site after each kind of edit, in order; each build starts from the previous one's cache."""
    repo = make_mini_site(tmp_path_factory.mktemp("mini"))
    page = repo / "docs" / "index.md"
    steps = {"cold": build(repo), "warm": build(repo)}

    append(page, "\nMore prose.\n")
    steps["prose edit"] = build(repo)
    append(repo / "snippets" / "alpha_block.py", "print('edited')\n")
    steps["snippet edit"] = build(repo)
    replace(page, "print(value + 1)", "print(value + 2)")
    steps["later session block edit"] = build(repo)
    replace(page, "value = shift(1)", "value = shift(2)")
    steps["first session block edit"] = build(repo)
    (repo / "medguide" / "gamma.py").write_text("OFFSET = 20\n")
    steps["imported module edit"] = build(repo)
    append(repo / "medguide" / "alpha.py", "# comment\n")
    steps["other module edit"] = build(repo)
    (repo.parent / "data" / "mini.npz").write_bytes(b"second version")
    steps["data edit"] = build(repo)
    steps["cache off"] = build(repo, GUIDE_NO_BLOCK_CACHE="1")
    steps["cache on again"] = build(repo)
    steps["entries"] = [path.name for path in (repo / ".cache" / "markdown-exec").glob("*.json")]
    return steps


ALL = ["alpha", "s1", "s2", "plain"]


def test_cold_build_runs_every_block(builds):
    assert builds["cold"].ran == ALL
    assert builds["cold"].report["blocks"] == 4
    assert builds["cold"].report["ran"] == 4
    assert builds["cold"].report["cached"] == 0
    assert "<code>4" in builds["cold"].page


def test_warm_build_runs_nothing(builds):
    assert builds["warm"].ran == []
    assert builds["warm"].report["cached"] == 4
    assert builds["warm"].page == builds["cold"].page


def test_prose_edit_runs_nothing(builds):
    assert builds["prose edit"].ran == []
    assert builds["prose edit"].report["ran"] == 0
    assert "More prose." in builds["prose edit"].page


def test_snippet_edit_runs_that_block(builds):
    assert builds["snippet edit"].ran == ["alpha"]
    assert builds["snippet edit"].report["ran"] == 1
    assert "edited" in builds["snippet edit"].page


def test_session_edit_replays_earlier_blocks(builds):
    step = builds["later session block edit"]
    assert step.ran == ["s1", "s2"]  # s1 runs again only to define `value`
    assert step.report["ran"] == 1
    assert step.report["replayed"] == 1
    assert "<code>13" in step.page


def test_first_session_block_edit_reruns_later_ones(builds):
    step = builds["first session block edit"]
    assert step.ran == ["s1", "s2"]
    assert step.report["ran"] == 2
    assert step.report["replayed"] == 0
    assert "<code>14" in step.page


def test_module_edit_reruns_its_dependants(builds):
    step = builds["imported module edit"]
    assert step.ran == ["s1", "s2"]  # beta imports gamma; alpha and the plain block do not
    assert step.report["ran"] == 2
    assert "<code>22" in step.page


def test_module_edit_spares_other_blocks(builds):
    assert builds["other module edit"].ran == ["alpha"]


def test_data_edit_reruns_everything(builds):
    assert builds["data edit"].ran == ALL


def test_no_cache_variable_runs_all(builds):
    assert builds["cache off"].ran == ALL
    assert builds["cache off"].report["blocks"] == 0
    assert builds["cache on again"].ran == []


def test_unused_entries_are_evicted(builds):
    assert "last-build.json" in builds["entries"]
    assert len(builds["entries"]) == 5  # one entry per block of the last build, and the build record


@pytest.mark.benchmark
def test_full_site_build_times(tmp_path):
    """Time the real site: cold build at most 180 s, rebuild after a prose edit at most 5 s (2-core machine)."""
    repo = build_timing.copy_repository(ROOT, tmp_path / "repo")
    times = {t.step: t for t in build_timing.time_builds(repo, "docs/getting-started.md", "snippets/getting_started/gs03_positive_class.py", "medguide/preprocessing.py")}
    assert times["warm"].ran == 0
    assert times["prose edit"].ran == 0
    assert times["snippet edit"].ran == 1
    assert times["cold"].seconds <= build_timing.TARGET_SECONDS["cold"]
    assert times["prose edit"].seconds <= build_timing.TARGET_SECONDS["prose edit"]


def test_copy_leaves_out_caches(tmp_path):
    source = tmp_path / "source"
    (source / ".cache" / "markdown-exec").mkdir(parents=True)
    (source / ".git").mkdir()
    (source / "docs").mkdir()
    (source / "docs" / "index.md").write_text("# Page\n")
    copy = build_timing.copy_repository(source, tmp_path / "copy")
    assert (copy / "docs" / "index.md").is_file()
    assert not (copy / ".cache").exists()
    assert not (copy / ".git").exists()


def test_environment_drops_cache_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDGUIDE_CACHE_DIR", "/elsewhere")
    monkeypatch.setenv("GUIDE_PERTURB_SEED", "3")
    env = build_timing.build_environment(tmp_path)
    assert "MEDGUIDE_CACHE_DIR" not in env
    assert "GUIDE_PERTURB_SEED" not in env
    assert env["PYTHONPATH"] == str(tmp_path)


def test_table_lists_every_step():
    times = [
        build_timing.BuildTime("cold", 100.0, 150.0, 4, 4, 0, 0, ""),
        build_timing.BuildTime("prose edit", 3.2, 2.9, 4, 0, 4, 0, "docs/a.md", exit_code=1),
    ]
    table = build_timing.format_table(times).splitlines()
    assert table[2] == "| cold | 100.0 | 150.0 | 4 | 0 | 0 |  | 0 |"
    assert table[3] == "| prose edit | 3.2 | 2.9 | 0 | 4 | 0 | docs/a.md | 1 |"


def test_missing_edit_target_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(build_timing, "run_build", lambda *args, **kwargs: build_timing.BuildTime("x", 0, 0, 0, 0, 0, 0, ""))
    with pytest.raises(FileNotFoundError, match="build_timing: docs/missing.md does not exist.*prose edit"):
        build_timing.time_builds(tmp_path, "docs/missing.md", "a.py", "b.py")


REPRODUCIBILITY_PAGE = """\
# Draws

```python exec="on" result="text"
import random
print("seeded", random.Random(0).random())
```

```python exec="on" result="text"
import random
print("unseeded", random.random())
```

| name | value |
| --- | --- |
| a | 1 |
"""


def test_page_values_extracts_outputs_and_tables():
    parser = reproducibility.PageValues()
    parser.feed(
        "<p>prose 1.0</p><pre><code>AUROC 0.81\n95% CI 0.7</code></pre>"
        "<table><tr><th>a</th></tr><tr><td>0.5</td></tr></table>"
        '<img src="data:image/svg+xml;base64,AAAA" alt="ROC curve, AUROC 0.81"><img src="logo.png" alt="logo">'
    )
    lines = parser.lines()
    assert lines[:2] == ["AUROC 0.81", "95% CI 0.7"]
    assert lines[2:4] == ["| a", "| 0.5"]
    assert lines[-2].startswith("figure sha256 ")
    assert lines[-1] == "figure alt ROC curve, AUROC 0.81"
    assert not any("prose" in line for line in lines)
    assert sum(line.startswith("figure sha256") for line in lines) == 1
    assert not any("logo" in line for line in lines)


def test_page_values_names_figure_files():
    parser = reproducibility.PageValues()
    parser.feed('<img src="../../assets/figures/0123abcd.svg" alt="ROC curve, AUROC 0.81">')
    assert parser.lines() == ["figure file 0123abcd.svg", "figure alt ROC curve, AUROC 0.81"]


def test_compare_sites_reports_each_difference():
    first = {"a.html": ["AUROC 0.81"], "b.html": ["x"], "only1.html": []}
    second = {"a.html": ["AUROC 0.82"], "b.html": ["x"], "only2.html": []}
    differences = reproducibility.compare_sites(first, second)
    assert sorted(differences) == ["a.html", "only1.html", "only2.html"]
    assert "-AUROC 0.81" in differences["a.html"]
    assert "+AUROC 0.82" in differences["a.html"]
    assert differences["only1.html"] == ["page exists only in the first build"]


def test_two_builds_expose_unseeded_draws(tmp_path):
    repo = make_mini_site(tmp_path)
    (repo / "docs" / "index.md").write_text(REPRODUCIBILITY_PAGE)
    sites = reproducibility.build_twice(repo, tmp_path / "work")
    first, second = (reproducibility.page_values(site) for site in sites)
    differences = reproducibility.compare_sites(first, second)
    assert list(differences) == ["index.html"]
    changed = [line for line in differences["index.html"] if line[:1] in "+-" and not line.startswith(("---", "+++"))]
    assert len(changed) == 2
    assert all("unseeded" in line for line in changed)
    assert any("seeded 0.844" in line for line in first["index.html"])
    assert "| a | 1" in first["index.html"]


def write_summary(path, pages_differing):
    summary = {
        "date": "2026-01-02T03:04:05+00:00",
        "machine": {"cpus": 2, "processor": "x86_64", "system": "Linux 6.1", "python": "3.11.7"},
        "libraries": {"torch": "2.5.1"},
        "command": "python -m tools.reproducibility",
        "build_settings": list(reproducibility.BUILD_SETTINGS),
        "pages": 96,
        "lines_compared": 3742,
        "pages_differing": pages_differing,
        "determinism": reproducibility.DETERMINISM,
    }
    path.write_text(json.dumps(summary))
    return path


def test_summary_markdown_without_differences(tmp_path):
    text = reproducibility.summary_markdown(write_summary(tmp_path / "summary.json", []))
    assert text.startswith("Last checked on 2026-01-02 with `python -m tools.reproducibility`")
    assert "Python 3.11.7, torch 2.5.1" in text
    assert "`PYTHONHASHSEED=1 GUIDE_PERTURB_SEED=1` and `PYTHONHASHSEED=2 GUIDE_PERTURB_SEED=2`" in text
    assert "the same 3742 lines" in text
    assert "all 96 pages" in text
    for title in ("Seeds", "Training", "Figures"):
        assert f"\n{title}\n:   " in text
    assert "the notebooks' PNG figures" in text


def test_summary_markdown_shows_current_settings(tmp_path):
    path = write_summary(tmp_path / "summary.json", [])
    summary = json.loads(path.read_text())
    summary["determinism"] = {key: "an older description" for key in summary["determinism"]}
    path.write_text(json.dumps(summary))
    text = reproducibility.summary_markdown(path)
    assert "an older description" not in text
    assert reproducibility.DETERMINISM["seeds"] in text


def test_summary_markdown_lists_differing_pages(tmp_path):
    text = reproducibility.summary_markdown(write_summary(tmp_path / "summary.json", ["metrics/auroc/index.html"]))
    assert "1 of 96 pages differed: `metrics/auroc/index.html`." in text
    assert "They showed the same" not in text


def test_summary_markdown_before_first_run(tmp_path):
    assert reproducibility.summary_markdown(tmp_path / "missing.json").startswith("Not checked yet")


@pytest.fixture
def printed_site(tmp_path, monkeypatch):
    """A built site with one cheat sheet page and its stylesheet; Chromium and pypdf replaced by counters."""
    site = tmp_path / "site"
    (site / "cheatsheets" / "sheet").mkdir(parents=True)
    (site / "assets").mkdir()
    (site / "assets" / "style.css").write_text("body { color: black; }")
    (site / "cheatsheets" / "sheet" / "index.html").write_text('<link rel="stylesheet" href="../../assets/style.css"><p>rules</p>')
    printed = []

    def fake_print(site_dir, sheets, folder, public_url=""):
        printed.extend(sheet.id for sheet in sheets)
        written = []
        for sheet in sheets:
            for paper in cheatsheets.PAPER_SIZES:
                target = folder / cheatsheets.pdf_name(sheet.id, paper)
                target.write_bytes(f"pdf of {sheet.id} on {paper}".encode())
                written.append(target)
        return written

    monkeypatch.setattr(cheatsheets, "_print_with_chromium", fake_print)
    def fake_combine(folder, sheets, title):
        printed.append("combined")
        target = folder / cheatsheets.pdf_name("all-cheatsheets", "a4")
        target.write_bytes(f"combined pdf, {title}".encode())
        return target

    monkeypatch.setattr(cheatsheets, "_combine", fake_combine)
    monkeypatch.setattr(cheatsheets, "chromium_path", lambda: sys.executable)
    sheet = cheatsheets.Sheet(id="sheet", title="Sheet", intro="", sections=(), page="cheatsheets/sheet.md")
    return site, {"sheet": sheet}, printed


def test_sheet_pdf_reused_when_unchanged(printed_site, tmp_path):
    site, sheets, printed = printed_site
    cheatsheets.print_sheets(site, sheets, cache_dir=tmp_path / "cache")
    (site / "cheatsheets" / "pdf" / "sheet-a4.pdf").unlink()
    (site / "cheatsheets" / "pdf" / "all-cheatsheets-a4.pdf").unlink()
    cheatsheets.print_sheets(site, sheets, cache_dir=tmp_path / "cache")
    assert printed == ["sheet", "combined"]
    assert (site / "cheatsheets" / "pdf" / "sheet-a4.pdf").read_bytes() == b"pdf of sheet on a4"
    assert (site / "cheatsheets" / "pdf" / "all-cheatsheets-a4.pdf").read_bytes() == b"combined pdf, All cheat sheets"


def test_sheet_pdf_reprinted_after_css_edit(printed_site, tmp_path):
    site, sheets, printed = printed_site
    cheatsheets.print_sheets(site, sheets, cache_dir=tmp_path / "cache")
    (site / "assets" / "style.css").write_text("body { color: navy; }")
    cheatsheets.print_sheets(site, sheets, cache_dir=tmp_path / "cache")
    assert printed == ["sheet", "combined", "sheet", "combined"]


def test_sheet_pdf_reprinted_after_page_edit(printed_site, tmp_path):
    site, sheets, printed = printed_site
    cheatsheets.print_sheets(site, sheets, cache_dir=tmp_path / "cache")
    (site / "cheatsheets" / "sheet" / "index.html").write_text('<link rel="stylesheet" href="../../assets/style.css"><p>new rule</p>')
    cheatsheets.print_sheets(site, sheets, cache_dir=tmp_path / "cache")
    assert printed == ["sheet", "combined", "sheet", "combined"]


def test_combined_pdf_recombined_for_new_site_name(printed_site, tmp_path):
    site, sheets, printed = printed_site
    cheatsheets.print_sheets(site, sheets, cache_dir=tmp_path / "cache", site_name="Guide")
    cheatsheets.print_sheets(site, sheets, cache_dir=tmp_path / "cache", site_name="Renamed guide")
    assert printed == ["sheet", "combined", "combined"], "the sheet itself comes from the cache"
    assert (site / "cheatsheets" / "pdf" / "all-cheatsheets-a4.pdf").read_bytes() == b"combined pdf, All cheat sheets - Renamed guide"


def test_sheet_pdf_always_printed_without_cache(printed_site):
    site, sheets, printed = printed_site
    cheatsheets.print_sheets(site, sheets)
    cheatsheets.print_sheets(site, sheets)
    assert printed == ["sheet", "combined", "sheet", "combined"]


def test_timing_record_rows_for_page():
    times = [build_timing.BuildTime("warm", 26.8, 16.4, 56, 0, 56, 0, "")]
    record = build_timing.timing_record(times)
    assert record["rows"] == [
        {
            "build": "warm",
            "wall seconds": 26.8,
            "CPU seconds": 16.4,
            "blocks ran": 0,
            "from cache": 56,
            "replayed": 0,
            "changed file": "none",
        }
    ]
    assert record["builds"][0]["cpu_seconds"] == 16.4
    assert record["machine"]["cpus"] >= 1


def test_signature_cache_formats_each_signature_once(tmp_path):
    from tools.mkdocs_hooks import SignatureCache

    calls = []

    def formatter(code, line_length):
        calls.append((code, line_length))
        return code.upper()

    path = tmp_path / "signatures.json"
    cached = SignatureCache(path).wrap(formatter)
    assert cached("def f(x): ...", 60) == "DEF F(X): ..."
    assert cached("def f(x): ...", 60) == "DEF F(X): ..."
    # A new build (a new cache object) reads the file instead of formatting.
    assert SignatureCache(path).wrap(formatter)("def f(x): ...", 60) == "DEF F(X): ..."
    assert calls == [("def f(x): ...", 60)]
    cached("def f(x): ...", 40)
    assert calls[-1] == ("def f(x): ...", 40)


def test_signature_cache_wraps_mkdocstrings_formatter(monkeypatch):
    from mkdocstrings_handlers.python._internal import rendering

    from tools import mkdocs_hooks

    monkeypatch.setattr(rendering, "_get_formatter", rendering._get_formatter)
    mkdocs_hooks._install_signature_cache()
    assert getattr(rendering._get_formatter, "_guide_cached", False), "mkdocstrings-python moved _get_formatter"


def test_installed_distributions_carry_versions():
    from importlib.metadata import version

    from tools.mkdocs_hooks import _installed_distributions

    assert f"numpy-{version('numpy')}.dist-info" in _installed_distributions()


def test_installed_distributions_skip_the_checkout(tmp_path, monkeypatch):
    # `python -m mkdocs` puts the checkout on sys.path, with its medguide.egg-info.
    from tools import mkdocs_hooks

    (tmp_path / "medguide-0.0.dev0.dist-info").mkdir()
    monkeypatch.setattr(mkdocs_hooks, "ROOT", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "medguide-0.0.dev0.dist-info" not in mkdocs_hooks._installed_distributions()


def _search_page(content, url="metrics/auroc/"):
    from mkdocs.structure.toc import get_toc

    toc = get_toc([{"level": 1, "id": "auroc", "name": "AUROC", "children": []}])
    return SimpleNamespace(content=content, url=url, title="AUROC", meta={}, toc=toc)


_SEARCH_HTML = '<h1 id="auroc">AUROC</h1><p>Ranks a positive above a negative.</p><h2 id="ci">CI</h2><p>Bootstrap.</p>'


def test_search_cache_parses_each_page_once(tmp_path):
    from material.plugins.search.plugin import SearchIndex

    from tools.mkdocs_hooks import SearchEntryCache

    parsed = []

    def add_entry(index, page):
        parsed.append(page.url)
        SearchIndex.add_entry_from_context(index, page)

    expected = SearchIndex()
    SearchIndex.add_entry_from_context(expected, _search_page(_SEARCH_HTML))
    assert [entry["location"] for entry in expected.entries] == ["metrics/auroc/", "metrics/auroc/#ci"]

    path = tmp_path / "search-entries.json"
    for _build in range(2):  # a new cache object per build, as in a new process
        cache = SearchEntryCache(path)
        index = SearchIndex()
        cache.wrap(add_entry)(index, _search_page(_SEARCH_HTML))
        cache.save()
        assert index.entries == expected.entries
    assert parsed == ["metrics/auroc/"]

    edited = SearchEntryCache(path)
    index = SearchIndex()
    edited.wrap(add_entry)(index, _search_page(_SEARCH_HTML.replace("Bootstrap", "Percentile bootstrap")))
    assert parsed == ["metrics/auroc/", "metrics/auroc/"]
    assert index.entries[1]["text"] == "<p>Percentile bootstrap.</p>"
    edited.save()
    # Only the entries of the last build stay in the file.
    assert len(json.loads(path.read_text(encoding="utf-8"))) == 1


def test_search_cache_entries_are_copies(tmp_path):
    from material.plugins.search.plugin import SearchIndex

    from tools.mkdocs_hooks import SearchEntryCache

    cache = SearchEntryCache(tmp_path / "search-entries.json")
    add_entry = cache.wrap(SearchIndex.add_entry_from_context)
    first, second = SearchIndex(), SearchIndex()
    add_entry(first, _search_page(_SEARCH_HTML))
    add_entry(second, _search_page(_SEARCH_HTML))
    second.entries[0]["title"] = "changed"
    assert first.entries[0]["title"] == "AUROC"


def test_search_cache_wraps_material_index(monkeypatch):
    from material.plugins.search.plugin import SearchIndex

    from tools import mkdocs_hooks

    monkeypatch.setattr(SearchIndex, "add_entry_from_context", SearchIndex.add_entry_from_context)
    mkdocs_hooks._install_search_cache()
    assert getattr(SearchIndex.add_entry_from_context, "_guide_cached", False)


def test_build_logs_each_checksum_warning_once(monkeypatch):
    import warnings

    from medguide.exceptions import ChecksumWarning
    from tools import mkdocs_hooks

    logged, passed_on = [], []
    monkeypatch.setattr(warnings, "showwarning", lambda message, category, *args, **kwargs: passed_on.append(str(message)))
    monkeypatch.setattr(mkdocs_hooks.logger, "info", lambda template, *args: logged.append(template % args))
    mkdocs_hooks._show_checksum_warnings_once()
    block = "import warnings\nwarnings.warn(message, category)"
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        for index, message in enumerate(["a.npz has MD5 1", "a.npz has MD5 1", "b.npz has MD5 2", "other"]):
            category = UserWarning if message == "other" else ChecksumWarning
            # Each code block of a page runs as a module of its own.
            exec(compile(block, f"<code block {index}>", "exec"), {"message": message, "category": category})
            exec(compile(block, f"<code block {index}b>", "exec"), {"message": message, "category": category})
    assert logged == ["ChecksumWarning: a.npz has MD5 1", "ChecksumWarning: b.npz has MD5 2"]
    assert passed_on == ["other", "other"], "other warnings go to the handler as before"


def test_build_timing_markdown_names_date_machine_and_targets(tmp_path):
    from tools.quality import build_timing_markdown

    path = tmp_path / "timing.json"
    times = [build_timing.BuildTime("cold", 95.0, 120.0, 59, 59, 0, 0, "")]
    record = {
        **build_timing.timing_record(times),
        "date": "2026-12-04T23:40:00+00:00",
        "machine": {"cpus": 2, "system": "Linux 6", "python": "3.11.7"},
    }
    path.write_text(json.dumps(record))
    text = build_timing_markdown(path)
    assert "2026-12-04 23:40 UTC" in text
    assert "on 2 CPUs" in text
    assert "cold at most 180 s, prose edit at most 5 s" in text
    assert "| cold | 95.0 |" in text


def test_build_timing_markdown_marks_missed_targets(tmp_path):
    from tools.quality import build_timing_markdown

    path = tmp_path / "timing.json"
    times = [build_timing.BuildTime("cold", 95.0, 120.0, 59, 59, 0, 0, ""), build_timing.BuildTime("prose edit", 5.6, 5.6, 59, 0, 59, 0, "a.md")]
    path.write_text(json.dumps(build_timing.timing_record(times)))
    text = build_timing_markdown(path)
    assert "| cold | 95.0 |" in text
    assert "| prose edit | 5.6 ✗ |" in text


def test_serve_rebuild_reruns_no_block(tmp_path):
    repo = make_mini_site(tmp_path)
    first = build(repo)
    assert first.ran, "the first build runs the blocks"
    env = {
        **build_timing.build_environment(repo),
        "MINI_RUN_LOG": str(tmp_path / "runs.log"),
        "MEDGUIDE_DATA_DIR": str(tmp_path / "data"),
    }
    timed = build_timing.time_serve_rebuild(repo, "docs/index.md", env=env, timeout=120)
    assert timed.step == "prose edit, serve"
    assert timed.changed_file == "docs/index.md"
    assert 0 < timed.seconds < 60
    assert (timed.ran, timed.cached) == (0, timed.blocks)
    assert timed.blocks == first.report["blocks"]
    assert build_timing.PROSE_EDIT in (repo / "docs" / "index.md").read_text()


def test_serve_rebuild_names_a_missing_page(tmp_path):
    with pytest.raises(FileNotFoundError, match="docs/missing.md"):
        build_timing.time_serve_rebuild(tmp_path, "docs/missing.md")


@pytest.mark.parametrize(
    ("data", "suffix", "message"),
    [("iVBORw0KGgo=", ".png", "data must be the figure's bytes, got str"), (b"", ".png", "got 0 bytes"), (b"<svg/>", "svg", "suffix 'svg' is not one of")],
)
def test_figure_file_rejects_bad_input(tmp_path, data, suffix, message):
    from tools import mkdocs_hooks

    with pytest.raises(ValueError, match=re.escape(message)):
        mkdocs_hooks.write_figure_file(data, suffix, "metrics/auroc/", tmp_path)
    assert not (tmp_path / mkdocs_hooks.FIGURE_FOLDER).exists()


def test_embedded_figures_move_to_files(tmp_path):
    import base64

    from tools import mkdocs_hooks

    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    data = base64.b64encode(svg).decode()
    page = f'<p>x</p><figure class="guide-figure"><img src="data:image/svg+xml;base64,{data}" alt="a figure" width="10" height="10"></figure>'
    moved = mkdocs_hooks._move_figures_out(page, "metrics/auroc/", tmp_path)
    files = list((tmp_path / "assets" / "figures").iterdir())
    assert [path.read_bytes() for path in files] == [svg]
    assert f'<img src="../../assets/figures/{files[0].name}" alt="a figure"' in moved
    assert "data:" not in moved
    # The same figure on another page reuses the file.
    again = mkdocs_hooks._move_figures_out(page, "", tmp_path)
    assert f'src="assets/figures/{files[0].name}"' in again
    assert len(list((tmp_path / "assets" / "figures").iterdir())) == 1
