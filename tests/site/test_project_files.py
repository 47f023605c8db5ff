"""Checks of the files an open project needs: licences, citation, contributing guide,
issue forms and the dataset attribution page.

`check_licence_page` checks the HTML of the built licence page, so any test
with a built site can call it. `test_built_licence_page` calls it on the site
from the `built_site` fixture.
"""

from __future__ import annotations

import contextlib
import io
import runpy
import subprocess
import sys
from pathlib import Path

import medmnist
import pytest
import yaml
from medmnist.dataset import MedMNIST2D

ROOT = Path(__file__).resolve().parents[2]
LICENSE = ROOT / "LICENSE"
LICENSE_DOCS = ROOT / "LICENSE-docs.md"
CITATION = ROOT / "CITATION.cff"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
CONTRIBUTING_PAGE = ROOT / "docs" / "about" / "contributing.md"
LICENCE_PAGE = ROOT / "docs" / "about" / "licence.md"
SOURCES_SNIPPET = ROOT / "snippets" / "about" / "licence" / "dataset_sources.py"
ISSUE_TEMPLATES = ROOT / ".github" / "ISSUE_TEMPLATE"
CC_BY_LEGALCODE = "https://creativecommons.org/licenses/by/4.0/legalcode"
MEDMNIST_V2_DOI = "10.1038/s41597-022-01721-8"

# The sentences that make the text the MIT licence rather than a variant of it.
MIT_CLAUSES = [
    "Permission is hereby granted, free of charge, to any person obtaining a copy",
    "The above copyright notice and this permission notice shall be included in all",
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR',
]

# Source papers of the two datasets the guide uses most.
SOURCE_DOIS = {
    "breastmnist": "10.1016/j.dib.2019.104863",
    "pneumoniamnist": "10.1016/j.cell.2018.02.010",
}


def medmnist_2d_flags() -> list[str]:
    """Return the flags of medmnist.INFO whose dataset class is a 2D dataset."""
    return [
        flag
        for flag, info in medmnist.INFO.items()
        if issubclass(getattr(medmnist, info["python_class"]), MedMNIST2D)
    ]


def run_sources_snippet() -> str:
    """Run the licence page's snippet as markdown-exec does and return its output."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        runpy.run_path(str(SOURCES_SNIPPET), run_name="__main__")
    return output.getvalue()


def table_rows(markdown: str) -> dict[str, list[str]]:
    """Map each flag in the snippet's table to the cells of its row."""
    rows = {}
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) > 1 and "(`" in cells[0]:
            flag = cells[0].split("(`")[1].rstrip("`)")
            rows[flag] = cells
    return rows


def check_licence_page(html: str) -> None:
    """Assert that built licence-page HTML credits MedMNIST and every 2D dataset.

    Raises AssertionError naming what is missing.
    """
    assert MEDMNIST_V2_DOI in html, "the MedMNIST v2 DOI is missing"
    assert CC_BY_LEGALCODE in html, "the CC BY 4.0 legal code link is missing"
    for flag in medmnist_2d_flags():
        info = medmnist.INFO[flag]
        assert f"<code>{flag}</code>" in html, f"{flag} is missing from the dataset table"
        assert info["python_class"] in html, f"{info['python_class']} is missing"
    for flag, doi in SOURCE_DOIS.items():
        assert doi in html, f"the source DOI of {flag} ({doi}) is missing"


# --- licences ------------------------------------------------------------------


def test_license_is_mit():
    text = LICENSE.read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 Getting It Right contributors" in text
    for clause in MIT_CLAUSES:
        assert clause in text


def test_license_matches_pyproject():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject
    assert 'license-files = ["LICENSE"]' in pyproject


def test_docs_licence_is_cc_by():
    text = LICENSE_DOCS.read_text(encoding="utf-8")
    assert "CC BY 4.0" in text
    assert CC_BY_LEGALCODE in text
    assert "## How to attribute" in text


class _IgnoreTagsLoader(yaml.SafeLoader):
    """Safe loader that reads tags such as !!python/name as null instead of failing."""


_IgnoreTagsLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def test_site_footer_names_licences():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTagsLoader)
    copyright_notice = config["copyright"]
    assert "MIT" in copyright_notice
    assert "CC BY 4.0" in copyright_notice


# --- citation ------------------------------------------------------------------


def test_citation_required_keys():
    citation = yaml.safe_load(CITATION.read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= citation.keys()
    assert citation["license"] == "MIT"


def test_citation_references_medmnist():
    citation = yaml.safe_load(CITATION.read_text(encoding="utf-8"))
    dois = [reference.get("doi") for reference in citation["references"]]
    assert MEDMNIST_V2_DOI in dois


def test_citation_matches_schema():
    executable = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(executable), "--builtin-schema", "vendor.citation-file-format", str(CITATION)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- contributing guide and issue forms ------------------------------------------------


@pytest.mark.parametrize("command", ["make env", "make serve", "make test"])
def test_contributing_names_command(command):
    assert f"\n{command} " in CONTRIBUTING.read_text(encoding="utf-8")


def test_contributing_explains_layout():
    text = CONTRIBUTING.read_text(encoding="utf-8")
    assert "`docs/<page>.md`" in text
    assert "`snippets/<chapter>/*.py`" in text
    assert "`tests/snippets/test_<chapter>.py`" in text
    assert "python exec=" in text


@pytest.mark.parametrize("form", ["report-mistake.yml", "suggest-pitfall.yml"])
def test_contributing_links_issue_form(form):
    assert f"issues/new?template={form}" in CONTRIBUTING.read_text(encoding="utf-8")
    assert (ISSUE_TEMPLATES / form).is_file()


def test_contributing_page_includes_file():
    # One source: the site page pulls in the root file through pymdownx.snippets.
    assert '--8<-- "CONTRIBUTING.md"' in CONTRIBUTING_PAGE.read_text(encoding="utf-8").splitlines()


def test_contributing_has_no_relative_links():
    # The file is also rendered inside docs/about/, where a relative link to a
    # root file would break the strict build.
    text = CONTRIBUTING.read_text(encoding="utf-8")
    assert "](LICENSE" not in text
    assert "](./" not in text
    assert "](../" not in text


@pytest.mark.parametrize(
    ("form", "field_ids"),
    [
        ("report-mistake.yml", ["location", "problem", "evidence", "fix"]),
        ("suggest-pitfall.yml", ["pitfall", "patients", "source", "demonstration"]),
    ],
)
def test_issue_form_fields(form, field_ids):
    body = yaml.safe_load((ISSUE_TEMPLATES / form).read_text(encoding="utf-8"))["body"]
    assert [item["id"] for item in body if "id" in item] == field_ids


def test_issue_config_exists():
    config = yaml.safe_load((ISSUE_TEMPLATES / "config.yml").read_text(encoding="utf-8"))
    assert "contact_links" in config


# --- dataset attribution ----------------------------------------------------------


def test_medmnist_has_twelve_2d_flags():
    # MedMNIST v2 has 12 2D datasets; a change here means the table needs a look.
    assert len(medmnist_2d_flags()) == 12


def test_licence_page_runs_snippet():
    lines = LICENCE_PAGE.read_text(encoding="utf-8").splitlines()
    start = lines.index('```python exec="on"')
    assert lines[start + 1] == '--8<-- "snippets/about/licence/dataset_sources.py"'


def test_licence_page_cites_medmnist():
    text = LICENCE_PAGE.read_text(encoding="utf-8")
    assert MEDMNIST_V2_DOI in text
    assert CC_BY_LEGALCODE in text


def test_sources_table_lists_2d_flags():
    rows = table_rows(run_sources_snippet())
    assert sorted(rows) == sorted(medmnist_2d_flags())


def test_sources_table_medmnist_licences():
    rows = table_rows(run_sources_snippet())
    for flag, cells in rows.items():
        assert cells[5] == medmnist.INFO[flag]["license"], flag


def test_sources_table_image_counts():
    rows = table_rows(run_sources_snippet())
    assert rows["breastmnist"][2] == "780"
    assert rows["pneumoniamnist"][2] == "5,856"


def test_sources_cite_numbers_resolve():
    output = run_sources_snippet()
    listed = {line.split(".", 1)[0] for line in output.splitlines() if line[:1].isdigit()}
    for flag, cells in table_rows(output).items():
        cited = {number.strip("[] ") for number in cells[6].split(",")}
        assert cited <= listed, flag


def test_sources_list_links():
    references = [line for line in run_sources_snippet().splitlines() if line[:1].isdigit()]
    assert references
    assert all(line.endswith(">") and "<https://" in line for line in references)


@pytest.mark.parametrize(("flag", "doi"), sorted(SOURCE_DOIS.items()))
def test_sources_source_doi(flag, doi):
    output = run_sources_snippet()
    cited = table_rows(output)[flag][6].strip("[]")
    (reference,) = [line for line in output.splitlines() if line.startswith(f"{cited}. ")]
    assert doi in reference


def test_sources_snippet_rejects_unknown_flag(monkeypatch):
    monkeypatch.setitem(medmnist.INFO, "newmnist", {**medmnist.INFO["breastmnist"], "python_class": "BreastMNIST"})
    with pytest.raises(KeyError, match="newmnist"):
        run_sources_snippet()


def complete_licence_html() -> str:
    """Return the smallest HTML that check_licence_page accepts."""
    parts = [MEDMNIST_V2_DOI, CC_BY_LEGALCODE, *SOURCE_DOIS.values()]
    for flag in medmnist_2d_flags():
        parts.append(f"<td>{medmnist.INFO[flag]['python_class']} (<code>{flag}</code>)</td>")
    return "\n".join(parts)


def test_check_licence_page_accepts_complete():
    check_licence_page(complete_licence_html())


def test_check_licence_page_flags_missing():
    html = complete_licence_html().replace("<code>tissuemnist</code>", "")
    with pytest.raises(AssertionError, match="tissuemnist is missing"):
        check_licence_page(html)


def test_check_licence_page_needs_doi():
    html = complete_licence_html().replace(MEDMNIST_V2_DOI, "")
    with pytest.raises(AssertionError, match="MedMNIST v2 DOI"):
        check_licence_page(html)


@pytest.mark.slow
def test_built_licence_page(request):
    try:
        site = request.getfixturevalue("built_site")
    except pytest.FixtureLookupError:
        pytest.skip("the built_site fixture (tests/site/conftest.py) is not defined yet")
    check_licence_page((site / "about" / "licence" / "index.html").read_text(encoding="utf-8"))
