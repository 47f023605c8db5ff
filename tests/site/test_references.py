"""The References page merges the per-chapter reference lists."""

import pytest

from tools.references import collect_references


def _page(folder, name, body):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)


def test_merge_by_doi_and_keep_citing_pages(tmp_path):
    _page(tmp_path, "a.md", "# Page A\n\n## References\n\n- Smith (2020). A study.\n  <https://doi.org/10.1/X>\n- Zed (2019). Other. <https://example.org/z>\n\n## Summary\n\n- not a reference\n")
    _page(tmp_path, "b/c.md", "# Page C\n\n## References\n\n- Smith (2020). A study. <https://doi.org/10.1/x/>\n")
    references = collect_references(tmp_path)
    assert [reference.text.split(" ")[0] for reference in references] == ["Smith", "Zed"]
    assert references[0].pages == [("a.md", "Page A"), ("b/c.md", "Page C")]
    assert references[1].pages == [("a.md", "Page A")]


def test_reference_without_link_raises(tmp_path):
    _page(tmp_path, "a.md", "# A\n\n## References\n\n- Smith (2020). A study without a link.\n")
    with pytest.raises(ValueError, match="a.md: reference without a DOI or URL"):
        collect_references(tmp_path)


def test_site_pages_cite_with_links():
    references = collect_references()
    assert len(references) >= 4
    keys = {reference.key for reference in references}
    assert "https://doi.org/10.1038/s41597-022-01721-8" in keys
