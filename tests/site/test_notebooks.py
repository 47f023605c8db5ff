"""The exercise notebooks: their cells, the built pages and what a broken cell does to the build."""

from __future__ import annotations

import html
import json
import os
import re
import textwrap
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
import yaml
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from nbclient import NotebookClient
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from tools import notebook_hooks
from tools.sitecheck import site_external_loads

from .conftest import ROOT, build_site

NOTEBOOKS = ROOT / "docs" / "notebooks"
NAMES = ["01-naive-split", "02-evaluate-properly", "03-explain-shortcut"]
REPOSITORY_INSTALL = "git+https://github.com/getting-it-right/medguide"


def _notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def _page(built_site: Path, name: str) -> str:
    return (built_site / "notebooks" / name / "index.html").read_text(encoding="utf-8")


def _outputs_text(page: str) -> str:
    """Return the plain text of every printed cell output on a built notebook page."""
    blocks = re.findall(r'<div class="jp-RenderedText[^"]*"[^>]*>\s*<pre>(.*?)</pre>', page, re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", "\n".join(blocks)))


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"no output matches {pattern!r}"
    return float(match.group(1))


# --- The notebook files --------------------------------------------------------


def test_notebooks_are_in_the_nav():
    config = (ROOT / "mkdocs.yml").read_text()
    for name in NAMES:
        assert f"notebooks/{name}.ipynb" in config
    assert "tools/notebook_hooks.py" in config


@pytest.mark.parametrize("name", NAMES)
def test_notebook_structure(name):
    notebook = _notebook(name)
    nbformat.validate(notebook)
    cells = notebook.cells
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert cells[1].cell_type == "markdown", "the title follows the set-up cell"
    assert cells[1].source.startswith("# ")
    for cell in cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], "notebooks are stored without outputs; the build runs them"
            assert "torchvision" not in cell.source

    solutions = [i for i, cell in enumerate(cells) if "solution" in cell.metadata.get("tags", [])]
    assert len(solutions) >= 3
    for index in solutions:
        assert cells[index].metadata["jupyter"]["source_hidden"] is True
        assert cells[index - 1].source == "# Your code here", "an empty cell comes before each solution"
        assert "<summary>Hint</summary>" in cells[index - 2].source, "a folded hint comes with each task"


def test_setup_cell_same_everywhere():
    sources = {_notebook(name).cells[0].source for name in NAMES}
    assert len(sources) == 1
    (source,) = sources
    assert 'if "google.colab" in sys.modules:' in source
    assert REPOSITORY_INSTALL in source


def _run(cells: list[str]) -> list[nbformat.NotebookNode]:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    return [cell.outputs for cell in notebook.cells]


def test_setup_cell_acts_only_on_colab():
    setup = _notebook(NAMES[0]).cells[0].source
    record_pip = textwrap.dedent(
        """
        import sys
        pip_calls = []
        get_ipython().register_magic_function(pip_calls.append, "line", "pip")
        """
    )
    fake_colab = 'import types; sys.modules["google.colab"] = types.ModuleType("google.colab")'
    report = "print(pip_calls)"

    offline = _run([record_pip, setup, report])
    assert offline[1] == [], "the set-up cell prints nothing outside Colab"
    assert offline[2][0]["text"].strip() == "[]", "the set-up cell installs nothing outside Colab"

    on_colab = _run([record_pip, fake_colab, setup, report])
    calls = on_colab[3][0]["text"]
    assert REPOSITORY_INSTALL in calls
    assert "torch" not in calls.replace("torchvision", ""), "Colab already has PyTorch"


# --- Notebooks as pages, and their cache -------------------------------------------


def _files(tmp_path: Path, *paths: str) -> Files:
    return Files([File(path, str(tmp_path / "docs"), str(tmp_path / "site"), True) for path in paths])


@pytest.mark.parametrize(("directory_urls", "address", "dest"), [(True, "notebooks/one/", "notebooks/one/index.html"), (False, "notebooks/one.html", "notebooks/one.html")])
def test_notebooks_become_pages_in_place(tmp_path, directory_urls, address, dest):
    files = _files(tmp_path, "index.md", "notebooks/one.ipynb", "notebooks/data.csv", "other/two.ipynb", "z.md")
    pages = notebook_hooks.on_files(files, {"use_directory_urls": directory_urls, "site_dir": str(tmp_path / "site")})
    assert [file.src_uri for file in pages] == [file.src_uri for file in files], "the order sets the sitemap's"
    notebook = pages.get_file_from_path("notebooks/one.ipynb")
    assert notebook.is_documentation_page()
    assert (notebook.url, notebook.dest_uri) == (address, dest)
    assert not pages.get_file_from_path("notebooks/data.csv").is_documentation_page()
    assert not pages.get_file_from_path("other/two.ipynb").is_documentation_page(), "only notebooks/*.ipynb are pages"


def _notebook_page(tmp_path: Path, text: str = '{"cells": []}') -> SimpleNamespace:
    source = tmp_path / "docs" / "notebooks" / "one.ipynb"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text)
    return SimpleNamespace(file=SimpleNamespace(src_uri="notebooks/one.ipynb", abs_src_path=str(source)), title="Title in the nav", content=None, toc=None)


@pytest.fixture
def conversions(tmp_path, monkeypatch):
    """Record the notebooks converted, with a stand-in converter and the cache in a temporary folder."""
    from tools import mkdocs_hooks

    monkeypatch.setattr(mkdocs_hooks, "CACHE_ROOT", tmp_path / "cache")
    monkeypatch.setattr(notebook_hooks, "_code_stamp", lambda: "code 1")
    converted = []

    def convert(source: Path) -> dict:
        converted.append(source.read_text())
        token = {"level": 1, "id": "one", "name": "Exercise one", "children": []}
        return {"content": f'<h1 id="one">Exercise one</h1><p>run {len(converted)}</p>', "toc_tokens": [token], "title": "Exercise one"}

    monkeypatch.setattr(notebook_hooks, "_convert", convert)
    return converted


def _render(page) -> None:
    notebook_hooks.on_pre_build({})
    notebook_hooks._render_notebook(page, {}, None)


def test_converted_notebook_comes_from_the_cache(tmp_path, conversions):
    page = _notebook_page(tmp_path)
    for _build in range(2):
        _render(page)
        assert page.content == '<h1 id="one">Exercise one</h1><p>run 1</p>'
    assert len(conversions) == 1
    assert page.title == "Exercise one", "the notebook's first heading, as mkdocs-jupyter sets it"
    assert [item.title for item in page.toc] == ["Exercise one"]


def test_notebook_converted_again_after_an_edit(tmp_path, conversions):
    _render(_notebook_page(tmp_path))
    page = _notebook_page(tmp_path, '{"cells": [], "metadata": {}}')
    _render(page)
    assert conversions == ['{"cells": []}', '{"cells": [], "metadata": {}}']
    assert page.content.endswith("<p>run 2</p>")


def test_notebook_converted_again_after_a_code_change(tmp_path, conversions, monkeypatch):
    page = _notebook_page(tmp_path)
    _render(page)
    monkeypatch.setattr(notebook_hooks, "_code_stamp", lambda: "code 2")
    _render(page)
    assert len(conversions) == 2
    # The build evicts what it did not use: the page of the old code.
    notebook_hooks.on_post_build({})
    assert len(list((tmp_path / "cache" / notebook_hooks.NOTEBOOK_CACHE_FOLDER).glob("*.json"))) == 1
    _render(page)
    assert len(conversions) == 2


def test_code_stamp_follows_medguide(monkeypatch):
    from tools import mkdocs_hooks

    before = notebook_hooks._code_stamp()
    changed = type("ChangedCache", (), {"code_fingerprint": staticmethod(lambda: "changed")})
    monkeypatch.setattr(mkdocs_hooks, "_load_cache_module", lambda: changed)
    assert notebook_hooks._code_stamp() != before


def test_code_stamp_follows_data_files(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDGUIDE_DATA_DIR", str(tmp_path))
    (tmp_path / "breastmnist.npz").write_bytes(b"first")
    before = notebook_hooks._code_stamp()
    (tmp_path / "breastmnist.npz").write_bytes(b"second copy")
    assert notebook_hooks._code_stamp() != before


# --- Output images ------------------------------------------------------------------


def _cell_html(cell_id: str, output: str) -> str:
    return f'<div class="jp-Cell jp-CodeCell jp-Notebook-cell" id="cell-id={cell_id}"><div class="jp-OutputArea">{output}</div></div>'


def _png(width: int, height: int) -> str:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


_UNDESCRIBED = '<img alt="No description has been provided for this image" class="" src="data:image/png;base64,AAAA"/>'


def test_output_image_takes_the_cell_alt(tmp_path):
    cells = [{"id": "plot", "cell_type": "code", "metadata": {"alt": "A 'ROC' curve"}}, {"id": "text", "cell_type": "code", "metadata": {}}]
    page = _notebook_page(tmp_path, json.dumps({"cells": cells}))
    text = _cell_html("text", "<pre>42</pre>") + _cell_html("plot", _UNDESCRIBED)
    described = notebook_hooks._describe_images(text, page)
    assert 'alt="A &#x27;ROC&#x27; curve"' in described
    assert described.startswith(_cell_html("text", "<pre>42</pre>"))


def test_output_image_without_alt_fails(tmp_path):
    cells = [{"id": "plot", "cell_type": "code", "metadata": {"tags": ["solution"]}}]
    page = _notebook_page(tmp_path, json.dumps({"cells": cells}))
    with pytest.raises(PluginError, match=r"notebooks/one.ipynb: cell 'plot' shows an image without a text alternative.*\"alt\""):
        notebook_hooks._describe_images(_cell_html("plot", _UNDESCRIBED), page)


def test_output_image_outside_cells_fails(tmp_path):
    page = _notebook_page(tmp_path)
    with pytest.raises(PluginError, match="outside the code cells"):
        notebook_hooks._describe_images(_UNDESCRIBED, page)


def test_output_images_move_to_sized_lazy_files(tmp_path):
    text = f'<p>before</p><img alt="Curve" class="" src="data:image/png;base64,{_png(30, 20)}"/><p>after</p>'
    moved = notebook_hooks._move_images_out(text, "notebooks/one/", tmp_path)
    match = re.fullmatch(r'<p>before</p><img alt="Curve" width="30" height="20" src="\.\./\.\./assets/figures/(\w{20})\.png" loading="lazy" decoding="async"><p>after</p>', moved)
    assert match, moved
    assert (tmp_path / "assets" / "figures" / f"{match.group(1)}.png").read_bytes().startswith(b"\x89PNG")
    # A size that the notebook set stays.
    sized = text.replace('class=""', 'class="" width="15"')
    assert 'width="15" height="20"' in notebook_hooks._move_images_out(sized, "notebooks/one/", tmp_path)


# --- The built pages -------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_page_links_and_download(built_site, name):
    page = _page(built_site, name)
    assert f'<a href="{name}.ipynb" download>' in page
    colab = f"https://colab.research.google.com/github/getting-it-right/medguide/blob/main/docs/notebooks/{name}.ipynb"
    assert f'<a href="{colab}">Open in Colab</a>' in page
    downloaded = built_site / "notebooks" / name / f"{name}.ipynb"
    assert downloaded.read_bytes() == (NOTEBOOKS / f"{name}.ipynb").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_page_folds_solutions(built_site, name):
    page = _page(built_site, name)
    n_solutions = sum("solution" in cell.metadata.get("tags", []) for cell in _notebook(name).cells)
    assert page.count('<details class="success notebook-solution"><summary>Solution</summary>') == n_solutions
    assert page.count('<details class="tip"><summary>Hint</summary>') == n_solutions
    assert "jp-RenderedText" in page.split("notebook-solution", 1)[1], "solution outputs are published"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_page_clean_and_offline(built_site, name):
    page = _page(built_site, name)
    # The inlined stylesheet names the stderr MIME type too, so look for output elements only.
    stderr = re.findall(r'<div[^>]*data-mime-type="application/vnd.jupyter.stderr"[^>]*>(.*?)</div>', page, re.DOTALL)
    assert stderr == [], "no warning or error output is published"
    assert "Traceback" not in page
    assert "cdnjs" not in page
    loads = [load for load in site_external_loads(built_site) if load.file.startswith("notebooks/")]
    assert loads == []


@pytest.mark.slow
def test_naive_split_results(built_site, breastmnist):
    text = _outputs_text(_page(built_site, NAMES[0]))
    naive = _number(r"naive split AUROC ([\d.]+)", text)
    proper = _number(r"proper split AUROC ([\d.]+)", text)
    assert naive > proper + 0.05, "the leaky split inflates the AUROC"

    # Rebuild the naive split independently and count test images seen in training.
    images = np.concatenate([breastmnist[split][0] for split in ("train", "val", "test")])
    labels = np.concatenate([breastmnist[split][1] for split in ("train", "val", "test")])
    malignant = np.flatnonzero(labels == 0)
    rng = np.random.default_rng(0)
    extra = rng.choice(malignant, size=int(np.sum(labels == 1)) - malignant.size)
    index = np.concatenate([np.arange(labels.size), extra])
    x_train, x_test, _, y_test = train_test_split(images[index], labels[index], test_size=0.2, random_state=0)
    seen = {image.tobytes() for image in x_train}
    copied = np.array([image.tobytes() in seen for image in x_test])
    assert _number(r"exact copy in training: (\d+) of 228", text) == copied.sum()
    assert _number(r"malignant among them: (\d+)", text) == np.sum(y_test[copied] == 0)

    pairs = re.findall(r"\('(\w+)', (\d+)\), \('(\w+)', (\d+)\)", text.split("different labels:", 1)[1])
    assert pairs, "the official split's label conflict is printed"
    for split_a, index_a, split_b, index_b in pairs:
        image_a, label_a = breastmnist[split_a][0][int(index_a)], breastmnist[split_a][1][int(index_a)]
        image_b, label_b = breastmnist[split_b][0][int(index_b)], breastmnist[split_b][1][int(index_b)]
        assert np.array_equal(image_a, image_b)
        assert label_a != label_b


@pytest.mark.slow
def test_evaluation_results(built_site, breastmnist):
    page = _page(built_site, NAMES[1])
    text = _outputs_text(page)
    (train_x, train_y), (test_x, test_y) = breastmnist["train"], breastmnist["test"]
    model = LogisticRegression(C=100, max_iter=5000).fit(train_x.reshape(len(train_x), -1) / 255.0, train_y)
    score = model.predict_proba(test_x.reshape(len(test_x), -1) / 255.0)[:, 0]
    expected = roc_auc_score(test_y == 0, score)
    assert _number(r"test AUROC ([\d.]+)", text) == pytest.approx(expected, abs=0.0006)

    report_sensitivity = _number(r"sensitivity: ([\d.]+)", text)
    assert report_sensitivity < 0.9, "the page says the validation threshold misses its target"
    assert _number(r"claimed test sensitivity ([\d.]+)", text) >= 0.9
    assert _number(r"temperature T = ([\d.]+)", text) > 1
    before = _number(r"before scaling: ECE ([\d.]+)", text)
    after = _number(r"after scaling: ECE ([\d.]+)", text)
    assert after < before
    assert _number(r"after scaling: .*?Brier ([\d.]+)", text) < _number(r"before scaling: .*?Brier ([\d.]+)", text)
    assert text.count("Wilson score") == 4, "sensitivity, specificity, PPV and NPV have intervals"
    _assert_described_figure(built_site, page, "reliability diagrams")


@pytest.mark.slow
def test_shortcut_results(built_site):
    page = _page(built_site, NAMES[2])
    text = _outputs_text(page)
    marked = _number(r"marked test images: AUROC ([\d.]+)", text)
    clean = _number(r"clean test images: AUROC ([\d.]+)", text)
    assert marked > clean + 0.05, "the shortcut flatters the marked test set"

    shortcut_share = _number(r"Grad-CAM in the corner: ([\d.]+)%", text)
    assert shortcut_share > 2 * 6.25, "Grad-CAM points at the marker"
    before = _number(r"called malignant: (\d+) of 114 without", text)
    after = _number(r"(\d+) of 114 with it", text)
    assert after > before + 20, "adding the marker flips benign images"
    fixed_share = _number(r"Grad-CAM in the corner: ([\d.]+)% \(shortcut model", text)
    assert fixed_share < 6.25
    _assert_described_figure(built_site, page, "Grad-CAM map")


def _assert_described_figure(built_site: Path, page: str, described: str) -> None:
    """Check that the page shows one output figure, from a file, described by its cell's metadata."""
    assert "data:image/png" not in page
    assert "No description has been provided" not in page
    images = re.findall(r'<img alt="([^"]*)" width="(\d+)" height="(\d+)" src="\.\./\.\./(assets/figures/\w+\.png)" loading="lazy"', page)
    assert len(images) == 1
    alt, width, height, path = images[0]
    assert described in html.unescape(alt)
    from PIL import Image

    with Image.open(built_site / path) as image:
        assert image.size == (int(width), int(height))


# Words of the output text that the browser split over two lines. A line
# may end after a hyphen, and words of more than 30 characters may wrap,
# as they can be longer than a phone's line.
_SPLIT_WORDS_SCRIPT = """
() => {
  const split = [];
  for (const pre of document.querySelectorAll(".jp-OutputArea-output pre")) {
    const node = pre.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) continue;
    for (const match of node.textContent.matchAll(/[^\\s-]+/g)) {
      if (match[0].length > 30) continue;
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top)));
      if (lines.size > 1) split.push(match[0]);
    }
  }
  return split;
}
"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [412, 1280])
@pytest.mark.parametrize("name", NAMES)
def test_output_lines_break_between_words(browser, site_url, name, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(site_url + f"notebooks/{name}/", wait_until="load")
    page.evaluate("document.querySelectorAll('details').forEach((details) => { details.open = true; })")
    checked = page.evaluate("document.querySelectorAll('.jp-OutputArea-output pre').length")
    split = page.evaluate(_SPLIT_WORDS_SCRIPT)
    page.close()
    assert checked > 0
    assert split == []


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_colours_readable(browser, site_url, scheme):
    page = browser.new_page(color_scheme=scheme)
    page.goto(site_url + f"notebooks/{NAMES[0]}/", wait_until="networkidle")
    ratios = page.evaluate(_CONTRAST_SCRIPT)
    page.close()
    assert len(ratios) > 20, "the page has highlighted code"
    low = sorted({(round(ratio, 2), token) for ratio, token in ratios if ratio < 4.5})
    assert low == []


def test_prune_css_keeps_what_can_match():
    page = '<div class="cell"><pre class="code">x</pre><span data-x="1">y</span></div>'
    css = (
        ".cell pre{margin:0}"  # kept: both tokens occur
        ".cell table{margin:1px}"  # dropped: no table
        "@media (max-width:10px){.code{color:red}.gone{color:blue}}"  # kept, without .gone
        "@media print{.gone{color:blue}}"  # dropped: empty
        "[data-x]:hover{color:green}"  # kept: pseudo-classes are ignored
        ".cell :root{--a:1}.cell body{--b:2}"  # dropped: cannot match inside the page
        "body{--c:3}"  # kept: the document's own element
        ".code{color:black}.code{color:black}"  # one copy kept
        "@font-face{font-family:x}"
    )
    assert notebook_hooks.prune_css(css, page) == (
        ".cell pre{margin:0}@media (max-width:10px){.code{color:red}}"
        "[data-x]:hover{color:green}body{--c:3}.code{color:black}@font-face{font-family:x}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_pruned_css_is_small(built_site, name):
    page = _page(built_site, name)
    css = "".join(re.findall(r"<style[^>]*>(.*?)</style>", page, re.DOTALL))
    assert len(css) < 80_000, "the notebook page carries only the CSS it can use"
    assert ".jp-InputPrompt" in css


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["default", "slate"])
@pytest.mark.parametrize("name", NAMES)
def test_pruning_changes_no_computed_style(browser, built_site, name, scheme):
    # The plugin's full stylesheet and the pruned one must style every element
    # of the notebook identically, in Material's light and dark scheme.
    whole = re.sub(r"<style[^>]*>.*?</style>", "", _page(built_site, name), flags=re.DOTALL)
    body = '<div class="jupyter-wrapper">' + whole.split('<div class="jupyter-wrapper">', 1)[1].rsplit("</article>", 1)[0]
    full_css = _plugin_css()
    # The build prunes against the whole page, as here.
    pruned = notebook_hooks.prune_css(full_css, whole)
    assert len(pruned) < len(full_css) / 5
    styles = []
    for css in (full_css, pruned):
        page = browser.new_page()
        page.set_content(f'<!doctype html><html><head><style>{css}</style></head><body data-md-color-scheme="{scheme}">{body}</body></html>')
        styles.append(page.evaluate(_COMPUTED_STYLES_SCRIPT))
        page.close()
    assert len(styles[0]) > 500
    different = [index for index, (full, kept) in enumerate(zip(*styles)) if full != kept]
    assert different == []


@pytest.mark.parametrize(("css", "page", "name"), [(b".a{}", "<p></p>", "css"), (".a{}", None, "html_text")])
def test_prune_css_rejects_non_text(css, page, name):
    with pytest.raises(TypeError, match=f"prune_css: {name} must be a str"):
        notebook_hooks.prune_css(css, page)


def _plugin_css() -> str:
    import mkdocs_jupyter

    assets = Path(mkdocs_jupyter.__file__).parent / "templates" / "mkdocs_html" / "assets"
    return (assets / "index.css").read_text(encoding="utf-8") + (assets / "theme-light.css").read_text(encoding="utf-8")


# Every computed property of every element in the body, one string per
# element, sorted by name (custom properties come in no fixed order).
_COMPUTED_STYLES_SCRIPT = """
() => Array.from(document.body.querySelectorAll("*"), (element) => {
  const style = getComputedStyle(element);
  return Array.from(style, (name) => name + ":" + style.getPropertyValue(name)).sort().join(";");
})
"""


# Contrast ratio (WCAG 2.x) of each highlighted token against the code block's background.
_CONTRAST_SCRIPT = """
() => {
  const parse = (colour) => colour.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour && !colour.endsWith(", 0)") && colour !== "transparent") return colour;
    }
    return "rgb(255, 255, 255)";
  };
  const ratios = [];
  for (const span of document.querySelectorAll(".highlight-ipynb pre span")) {
    if (!span.textContent.trim()) continue;
    const a = luminance(parse(getComputedStyle(span).color));
    const b = luminance(parse(background(span)));
    ratios.push([(Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), span.className + " " + span.textContent.trim()]);
  }
  return ratios;
}
"""


# --- A broken cell fails the build -----------------------------------------------


class _Loader(yaml.SafeLoader):
    """A YAML loader that reads mkdocs.yml's ``!!python/name`` tags as plain strings."""


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix)


def _notebook_site(tmp_path: Path, source: str):
    """Build a one-notebook site with the project's theme and notebook hook."""
    project = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_Loader)
    config = {
        "site_name": "Notebook test",
        "strict": True,
        "theme": {**project["theme"], "custom_dir": str(ROOT / "overrides")},
        "plugins": ["search"],
        "hooks": [str(ROOT / "tools" / "notebook_hooks.py")],
        "markdown_extensions": ["admonition", "pymdownx.details"],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Mini exercise"),
            nbformat.v4.new_code_cell("print(6 * 7)"),
            nbformat.v4.new_code_cell(source, metadata={"tags": ["solution"]}),
        ]
    )
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    (tmp_path / "docs" / "notebooks").mkdir(parents=True)
    nbformat.write(notebook, tmp_path / "docs" / "notebooks" / "mini.ipynb")
    # A cache of its own: the build deletes the cached notebook pages it does not use.
    return build_site(tmp_path / "mkdocs.yml", tmp_path / "site", cwd=tmp_path, extra_env={"GUIDE_CACHE_ROOT": str(tmp_path / "cache")})


@pytest.mark.slow
def test_broken_cell_fails_build(tmp_path):
    result = _notebook_site(tmp_path, 'raise ValueError("a broken cell")')
    assert result.returncode != 0
    assert "a broken cell" in result.stderr


@pytest.mark.slow
def test_sound_notebook_builds(tmp_path):
    result = _notebook_site(tmp_path, 'print("solved")')
    assert result.returncode == 0, result.stderr
    if os.name == "posix":
        assert "running over TCP without encryption" not in result.stderr, "the kernel runs on local sockets"
    page = (tmp_path / "site" / "notebooks" / "mini" / "index.html").read_text()
    assert '<a href="mini.ipynb" download>' in page
    assert (tmp_path / "site" / "notebooks" / "mini" / "mini.ipynb").is_file()
    solution = page.split('<details class="success notebook-solution"><summary>Solution</summary>', 1)[1]
    assert "solved" in solution.split("</details>", 1)[0]
    assert "42" in page.split("notebook-solution", 1)[0], "cells without the tag stay open"
    assert "cdnjs" not in page
    assert json.loads((tmp_path / "site" / "notebooks" / "mini" / "mini.ipynb").read_text())["cells"][2]["outputs"] == []
