"""Run axe-core (WCAG 2.1 AA) on each page type in the light and dark schemes."""

import pytest

from tools.quality import (
    AXE_SCRIPT,
    COLOR_SCHEMES,
    PAGE_TYPES,
    describe_violations,
    run_axe,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def axe_ready():
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT} is missing; run `npm ci --prefix tools/lighthouse`.")


def test_axe_finds_known_violations(browser):
    # A page with an unlabelled input and grey-on-white text must fail, or the
    # zero-violation checks below prove nothing.
    page = browser.new_page()
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<p style="color:#bbb;background:#fff">faint text</p><input type="text">'
        "</main></body></html>"
    )
    rules = {violation["id"] for violation in run_axe(page)}
    page.close()
    assert "color-contrast" in rules
    assert "label" in rules


@pytest.mark.parametrize("scheme", COLOR_SCHEMES)
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_page_type_has_no_axe_violation(browser, site_url, kind, scheme):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(site_url + PAGE_TYPES[kind], wait_until="networkidle")
    violations = describe_violations(run_axe(page))
    context.close()
    assert violations == []


def test_search_dialog_has_name(browser, site_url):
    page = browser.new_page()
    page.goto(site_url, wait_until="networkidle")
    assert page.get_attribute(".md-search[role=dialog]", "aria-label") == "Search"
    page.close()
