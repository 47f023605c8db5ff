"""Check internal links and anchors: the crawler on small sites, then the built site."""

from pathlib import Path

import pytest

from tools.quality import BrokenLink, _site_url, check_links


def _write_site(root: Path, pages: dict[str, str]) -> Path:
    for name, body in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")
    return root


def test_links_valid_site_has_none_broken(tmp_path):
    site = _write_site(tmp_path, {
        "index.html": '<a href="guide/">guide</a> <a href="guide/#step-2">step 2</a> <a href="#top">top</a><h1 id="top">x</h1>',
        "guide/index.html": '<h2 id="step-2">Step 2</h2><a href="../">home</a><img src="../logo.svg" alt="">',
        "logo.svg": "<svg/>",
    })
    assert check_links(site) == []


def test_links_missing_file_reported(tmp_path):
    site = _write_site(tmp_path, {"index.html": '<a href="missing/">gone</a>'})
    assert check_links(site) == [BrokenLink("index.html", "missing/", "file not found")]


def test_links_missing_anchor_reported(tmp_path):
    site = _write_site(tmp_path, {
        "index.html": '<a href="guide/#step-3">step 3</a>',
        "guide/index.html": '<h2 id="step-2">Step 2</h2>',
    })
    assert check_links(site) == [BrokenLink("index.html", "guide/#step-3", "anchor #step-3 not found")]


def test_links_relative_to_page_folder(tmp_path):
    # From /a/b/ the link ../c goes to /a/c, not to /c.
    site = _write_site(tmp_path, {
        "a/b/index.html": '<a href="../c/">c</a>',
        "c/index.html": "",
    })
    assert check_links(site) == [BrokenLink("a/b/index.html", "../c/", "file not found")]


def test_links_site_url_treated_as_internal(tmp_path):
    site = _write_site(tmp_path, {
        "index.html": '<a href="https://example.org/guide/about/">a</a> <a href="https://example.org/guide/gone/">b</a>',
        "404.html": '<link rel="stylesheet" href="/guide/style.css">',
        "about/index.html": "",
    })
    broken = check_links(site, "https://example.org/guide/")
    assert broken == [
        BrokenLink("404.html", "/style.css", "file not found"),
        BrokenLink("index.html", "/gone/", "file not found"),
    ]


def test_links_other_hosts_skipped(tmp_path):
    site = _write_site(tmp_path, {
        "index.html": '<a href="https://other.example/x">x</a> <a href="mailto:a@b.example">m</a> <img src="data:image/png;base64,AA==" alt="">',
    })
    assert check_links(site) == []


def test_links_percent_encoded_anchor(tmp_path):
    site = _write_site(tmp_path, {"index.html": '<a href="#%C3%A9tape">x</a><h2 id="étape">Étape</h2>'})
    assert check_links(site) == []


@pytest.mark.slow
def test_built_site_links_resolve(built_site):
    broken = check_links(built_site, _site_url())
    assert broken == [], "\n".join(f"{link.page}: {link.target} ({link.reason})" for link in broken)
