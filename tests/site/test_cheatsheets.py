"""Cheat sheets print to one page on A4 and Letter; rule IDs keep resolving."""

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tools.cheatsheets import PAPER_SIZES, SheetError, load_sheets, pdf_name
from tools.rules import load_rules

from .conftest import ROOT

pytestmark = pytest.mark.slow

RULES = load_rules()
SHEETS = load_sheets(RULES)
PUBLISHED = [line.strip() for line in (ROOT / "rules" / "published.txt").read_text().splitlines() if line.strip() and not line.startswith("#")]


def _pdf(built_site, sheet_id, paper):
    return built_site / "cheatsheets" / "pdf" / pdf_name(sheet_id, paper)


def _pdfinfo(path: Path) -> dict[str, str]:
    output = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in output.splitlines() if ":" in line)


def _pdftext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_at_least_five_sheets():
    assert len(SHEETS) >= 5


@pytest.mark.parametrize("paper", PAPER_SIZES)
@pytest.mark.parametrize("sheet_id", SHEETS)
def test_sheet_prints_on_one_page(built_site, sheet_id, paper):
    info = _pdfinfo(_pdf(built_site, sheet_id, paper))
    assert info["Pages"].strip() == "1"
    assert f"({'A4' if paper == 'a4' else 'letter'})" in info["Page size"]


@pytest.mark.parametrize("sheet_id", SHEETS)
def test_sheet_print_content(built_site, sheet_id):
    text = _pdftext(_pdf(built_site, sheet_id, "letter"))
    flat = " ".join(text.split())
    # Nothing clipped: every rule ID and the footer, printed last, are on the page.
    for rule_id in SHEETS[sheet_id].rule_ids:
        assert rule_id in flat
    assert "Each rule is explained and demonstrated online" in flat
    assert "getting-it-right.github.io/medguide/rules/" in flat
    # No navigation, search box or download buttons on paper.
    for screen_only in ["Download as PDF", "Table of contents", "Skip to content", "medical image classification"]:
        assert screen_only not in flat


def test_all_sheets_pdf(built_site):
    info = _pdfinfo(_pdf(built_site, "all-cheatsheets", "a4"))
    assert int(info["Pages"]) == len(SHEETS)
    site_name = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["site_name"]
    assert info["Title"].strip() == f"All cheat sheets - {site_name}"


def test_all_sheets_pdf_bookmarks(built_site):
    from pypdf import PdfReader

    reader = PdfReader(_pdf(built_site, "all-cheatsheets", "a4"))
    bookmarks = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert bookmarks == [(sheet.title, index) for index, sheet in enumerate(SHEETS.values())]


@pytest.mark.parametrize("sheet_id", SHEETS)
def test_sheet_page_links(built_site, sheet_id):
    page = built_site / "cheatsheets" / sheet_id / "index.html"
    html = page.read_text()
    for paper in PAPER_SIZES:
        href = f"../pdf/{pdf_name(sheet_id, paper)}"
        assert f'href="{href}"' in html
        assert (page.parent / href).resolve().is_file()
    for rule_id in SHEETS[sheet_id].rule_ids:
        hrefs = re.findall(rf'<a class="cheatsheet-id" href="([^"]+)">{rule_id}</a>', html)
        assert len(hrefs) == 1, f"{rule_id} is not linked once on {sheet_id}"
        assert hrefs[0].endswith(f"/#{rule_id}")
        target = (page.parent / urlsplit(hrefs[0]).path / "index.html").resolve()
        assert f'id="{rule_id}"' in target.read_text(), f"{hrefs[0]} does not lead to the rule's section"


def test_pdf_links_resolve(built_site):
    # A downloaded sheet is read away from the site: every link must point
    # at the published address and land on an existing page and anchor.
    from pypdf import PdfReader

    public = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["extra"]["public_url"]
    for sheet_id in SHEETS:
        for paper in PAPER_SIZES:
            reader = PdfReader(_pdf(built_site, sheet_id, paper))
            links = [
                annotation.get_object()["/A"]["/URI"]
                for page in reader.pages
                for annotation in page.get("/Annots", [])
                if "/URI" in annotation.get_object().get("/A", {})
            ]
            assert len(links) > 3, f"{sheet_id} ({paper}) links its rules"
            assert [link for link in links if not link.startswith(public)] == []
            for link in links:
                path, _, anchor = link.removeprefix(public).partition("#")
                page = built_site / path / "index.html"
                assert page.is_file(), link
                if anchor:
                    assert f'id="{anchor}"' in page.read_text(), link


@pytest.mark.parametrize("rule_id", PUBLISHED)
def test_published_rule_resolves(built_site, rule_id):
    redirect = built_site / "rules" / rule_id / "index.html"
    assert redirect.is_file(), f"/rules/{rule_id}/ is gone; published IDs must keep working (use moved_from)"
    target = re.search(r'url=([^"]+)"', redirect.read_text()).group(1)
    path, _, anchor = target.partition("#")
    page = (redirect.parent / path / "index.html").resolve()
    assert f'id="{anchor}"' in page.read_text()


def test_every_rule_is_published():
    # A new rule is published when it lands: add its ID to rules/published.txt.
    assert sorted(set(RULES) - set(PUBLISHED)) == []


def test_sheet_with_unknown_rule_raises(tmp_path):
    sheets = tmp_path / "sheets.yml"
    sheets.write_text("- id: checklist\n  title: T\n  intro: I\n  sections:\n    - heading: H\n      rules: [start-01, nope-99]\n")
    with pytest.raises(SheetError, match=r"names rules that no chapter defines: \['nope-99'\]"):
        load_sheets(RULES, sheets)


def test_print_server_writes_no_access_log(tmp_path, capsys):
    import functools
    import http.server
    import threading
    import urllib.request

    from tools import cheatsheets

    (tmp_path / "index.html").write_text("<p>sheet</p>")
    handler = functools.partial(cheatsheets._QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/") as response:
            assert response.read() == b"<p>sheet</p>"
    finally:
        server.shutdown()
        server.server_close()
    assert capsys.readouterr().err == ""
