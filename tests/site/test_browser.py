"""Load built pages in headless Chromium and record every request they make."""

import functools
import http.server
import shutil
import threading
from urllib.parse import urlsplit

import pytest


pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium contacts Google hosts for updates and sync at start-up.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGE_TYPES = {
    "home": "",
    "chapter": "getting-started/",
    "rules index": "rules/",
    "generated table": "datasets/",
    "API": "reference/api/",
}


@pytest.fixture(scope="module")
def site_url(built_site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install chromium).")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _visit(browser, url):
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url, wait_until="networkidle")
    return page, requests, errors


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_page_requests_only_own_host(browser, site_url, kind):
    page, requests, errors = _visit(browser, site_url + PAGE_TYPES[kind])
    own_host = urlsplit(site_url).netloc
    foreign = [url for url in requests if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != own_host]
    assert foreign == []
    assert errors == []
    assert len(requests) > 3, "the page loaded its own scripts and styles"
    page.close()


def test_build_time_figure_renders(browser, site_url):
    page, _, _ = _visit(browser, site_url + "getting-started/")
    figure = page.locator("figure.guide-figure img").first
    figure.scroll_into_view_if_needed()
    assert figure.get_attribute("alt").startswith("Two rows of six grey-scale ultrasound images")
    assert page.evaluate("(image) => image.complete && image.naturalWidth > 0", figure.element_handle())
    page.close()


def test_rule_redirect_lands_on_anchor(browser, site_url):
    page, _, _ = _visit(browser, site_url + "rules/start-01/")
    page.wait_for_url("**/getting-started/#start-01")
    assert page.locator("#start-01").is_visible()
    page.close()
